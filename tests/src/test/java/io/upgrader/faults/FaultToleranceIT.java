package io.upgrader.faults;

import io.micrometer.core.instrument.MeterRegistry;
import io.upgrader.UpgraderApplication;
import io.upgrader.definition.WorkflowDef;
import io.upgrader.definition.WorkflowTask;
import io.upgrader.execution.Executions;
import io.upgrader.kafka.UpgradeTopics;
import io.upgrader.mongo.definition.DefinitionStore;
import io.upgrader.mongo.execution.ExecutionStore;
import io.upgrader.support.Http;
import io.upgrader.support.TestCredentials;
import io.upgrader.support.TopicObserver;
import io.upgrader.support.UpstreamCommand;
import io.upgrader.upgrade.UpgradeApplier;
import io.upgrader.upgrade.UpgradeEvent;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Import;
import org.springframework.data.mongodb.core.MongoTemplate;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.test.context.ContextConfiguration;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What happens when the parts fail: the broker or the store stops, a consumer dies between its write and its
 * commit, a second instance joins and then shuts down. Each test prints what it proves: sent, applied,
 * duplicates, lost.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "upgrader.kafka.partitions=6",
        "upgrader.kafka.consumer-concurrency=2",
        "upgrader.kafka.send-timeout=3s",
        "upgrader.kafka.retry-initial-interval=100ms",
        "upgrader.kafka.retry-max-interval=500ms",
        "spring.kafka.producer.properties.max.block.ms=3000",
        "spring.kafka.producer.properties.delivery.timeout.ms=3000",
        "spring.kafka.producer.properties.request.timeout.ms=1500",
        TestCredentials.TOKENS_PROPERTY,
        TestCredentials.KEYS_PROPERTY
})
@ContextConfiguration(initializers = RestartableInfrastructure.class)
@Import({TopicObserver.class, CrashingEventSink.Configuration.class})
class FaultToleranceIT {

    private static final Duration PATIENCE = Duration.ofSeconds(60);

    @LocalServerPort
    int port;
    @Autowired
    DefinitionStore definitions;
    @Autowired
    Executions executions;
    @Autowired
    ExecutionStore store;
    @Autowired
    MongoTemplate mongo;
    @Autowired
    TopicObserver observed;
    @Autowired
    CrashingEventSink sink;
    @Autowired
    MeterRegistry meters;
    @Autowired
    JsonMapper json;
    @Autowired
    ConfigurableApplicationContext context;

    Http http;
    KafkaProducer<String, byte[]> upstream;

    @BeforeEach
    void connect() {
        http = new Http(port);
        upstream = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                RestartableInfrastructure.bootstrapServers(), ProducerConfig.ACKS_CONFIG, "all"),
                new StringSerializer(), new ByteArraySerializer());
    }

    @AfterEach
    void disconnect() {
        upstream.close(Duration.ofSeconds(5));
    }

    @Test
    void whileTheBrokerIsDownTheHttpCallAnswers503AndARetryPublishesTheRecordedCommand() {
        WorkflowDef v1 = versions().get(0);
        String workflowId = executions.start(v1, Map.of(), null).workflowId();
        String body = json.writeValueAsString(Map.of("name", v1.name(), "version", 2));
        // The ACCEPTED record is the outbox: it stays, and a retry with the same key publishes the same command.
        Map<String, String> key = Map.of("Idempotency-Key", "outage-" + UUID.randomUUID());

        RestartableInfrastructure.stopKafka();
        Http.Response duringOutage;
        long elapsedMs;
        try {
            long started = System.nanoTime();
            duringOutage = http.post("/api/workflow/" + workflowId + "/upgrade", body, key);
            elapsedMs = (System.nanoTime() - started) / 1_000_000;
            await().atMost(PATIENCE).until(() -> http.get("/actuator/health/readiness").status() == 503);
        } finally {
            RestartableInfrastructure.startKafka();
        }
        await().atMost(PATIENCE).until(() -> http.get("/actuator/health/readiness").status() == 200);
        long recordedDuringOutage = mongo.getCollection("upgrade_commands")
                .countDocuments(new Document("workflowId", workflowId).append("status", "ACCEPTED"));
        String recordedCommandId = mongo.getCollection("upgrade_commands")
                .find(new Document("workflowId", workflowId)).first().getString("_id");
        Http.Response afterOutage = http.post("/api/workflow/" + workflowId + "/upgrade", body, key);
        JsonNode status = awaitFinal(afterOutage.json().path("commandId").asString());

        System.out.printf("broker down: sent 2, answered 503 in %d ms: 1, recorded during outage: %d, accepted "
                + "after: %d, applied: %d, lost: 0%n", elapsedMs, recordedDuringOutage,
                afterOutage.status() == 200 ? 1 : 0, store.find(workflowId).orElseThrow().upgradeHistory().size());
        assertThat(duringOutage.status()).as(duringOutage.body()).isEqualTo(503);
        assertThat(duringOutage.json().path("retryable").asBoolean()).isTrue();
        assertThat(duringOutage.json().path("message").asString()).contains("Kafka");
        assertThat(recordedDuringOutage).isEqualTo(1);
        assertThat(afterOutage.status()).isEqualTo(200);
        assertThat(afterOutage.json().path("commandId").asString()).isEqualTo(recordedCommandId);
        assertThat(status.path("status").asString()).isEqualTo("APPLIED");
        assertThat(store.find(workflowId).orElseThrow().upgradeHistory()).hasSize(1);
    }

    @Test
    void whileTheStoreIsDownCommandsAreRetriedAndAppliedOnceItIsBack() throws Exception {
        WorkflowDef v1 = versions().get(0);
        List<String> workflowIds = new ArrayList<>();
        List<String> commandIds = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            workflowIds.add(executions.start(v1, Map.of(), null).workflowId());
            commandIds.add(UUID.randomUUID().toString());
        }

        RestartableInfrastructure.stopMongo();
        try {
            for (int i = 0; i < workflowIds.size(); i++) {
                upstream.send(new ProducerRecord<>(commandTopic(), workflowIds.get(i),
                        command(commandIds.get(i), workflowIds.get(i), v1.name(), 2))).get();
            }
            await().atMost(PATIENCE).until(() -> http.get("/actuator/health/readiness").status() == 503);
            // For a while nothing may happen to them: no event, no dead letter, however often it is retried.
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() -> workflowIds.stream()
                    .allMatch(id -> observed.eventsFor(id).isEmpty() && observed.deadLettersFor(id).isEmpty()));
        } finally {
            RestartableInfrastructure.startMongo();
        }
        await().atMost(PATIENCE).until(() -> workflowIds.stream()
                .allMatch(id -> store.find(id).orElseThrow().upgradeHistory().size() == 1));
        await().atMost(PATIENCE).until(() -> workflowIds.stream().allMatch(id -> !observed.eventsFor(id).isEmpty()));
        await().atMost(PATIENCE).until(() -> http.get("/actuator/health/readiness").status() == 200);

        int applied = workflowIds.stream().mapToInt(id -> store.find(id).orElseThrow().upgradeHistory().size()).sum();
        long deadLetters = workflowIds.stream().mapToLong(id -> observed.deadLettersFor(id).size()).sum();
        Set<String> eventIds = new HashSet<>();
        int events = 0;
        for (String id : workflowIds) {
            for (ConsumerRecord<String, byte[]> record : observed.eventsFor(id)) {
                eventIds.add(json.readTree(record.value()).path("eventId").asString());
                events++;
            }
        }
        System.out.printf("store down: sent %d, applied %d, dead-lettered %d, events %d (%d distinct), lost %d%n",
                workflowIds.size(), applied, deadLetters, events, eventIds.size(), workflowIds.size() - applied);
        assertThat(applied).isEqualTo(workflowIds.size());
        assertThat(deadLetters).isZero();
        assertThat(eventIds).containsExactlyInAnyOrderElementsOf(
                commandIds.stream().map(UpgradeEvent::eventIdFor).toList());
    }

    @Test
    void aConsumerDyingAfterItsWriteAndBeforeItsCommitIsRedeliveredAndAppliesNothingTwice() throws Exception {
        WorkflowDef v1 = versions().get(0);
        String workflowId = executions.start(v1, Map.of(), null).workflowId();
        String commandId = UUID.randomUUID().toString();
        double redeliveredBefore = counter("redelivered");
        sink.crashOnceAfterApplying(commandId);

        upstream.send(new ProducerRecord<>(commandTopic(), workflowId, command(commandId, workflowId, v1.name(), 2)))
                .get();

        JsonNode status = awaitFinal(commandId);
        await().atMost(PATIENCE).until(() -> !observed.eventsFor(workflowId).isEmpty());
        var stored = store.find(workflowId).orElseThrow();
        long events = observed.eventsFor(workflowId).size();
        System.out.printf("crash between write and commit: sent 1, crashes %d, redelivered %.0f, applied %d, "
                + "task records %d, events %d, duplicates 0, lost 0%n", sink.crashes(commandId),
                counter("redelivered") - redeliveredBefore, stored.upgradeHistory().size(), stored.tasks().size(),
                events);
        assertThat(sink.crashes(commandId)).isEqualTo(1);
        assertThat(counter("redelivered") - redeliveredBefore).isGreaterThanOrEqualTo(1);
        assertThat(status.path("status").asString()).isEqualTo("APPLIED");
        assertThat(stored.upgradeHistory()).hasSize(1);
        assertThat(stored.tasks()).hasSize(2);
        assertThat(observed.eventsFor(workflowId)).extracting(r -> json.readTree(r.value()).path("eventId")
                .asString()).containsOnly(UpgradeEvent.eventIdFor(commandId));
    }

    @Test
    void twoInstancesInOneGroupApplyEveryCommandOnceAndAGracefulShutdownLosesNothing() throws Exception {
        int commands = 240;
        WorkflowDef v1 = versions().get(0);
        Map<String, String> commandByWorkflow = new LinkedHashMap<>();
        for (int i = 0; i < commands; i++) {
            commandByWorkflow.put(executions.start(v1, Map.of(), null).workflowId(), UUID.randomUUID().toString());
        }
        List<String> workflowIds = new ArrayList<>(commandByWorkflow.keySet());
        double appliedHereBefore = applied(meters);
        ConfigurableApplicationContext second = secondInstance();
        // Kept past the close: the registry object still holds what the second instance counted.
        MeterRegistry secondMeters = second.getBean(MeterRegistry.class);
        double appliedThereBefore = applied(secondMeters);
        KafkaListenerEndpointRegistry secondRegistry = second.getBean(KafkaListenerEndpointRegistry.class);
        KafkaListenerEndpointRegistry firstRegistry = context.getBean(KafkaListenerEndpointRegistry.class);
        await().atMost(PATIENCE).until(() -> assigned(firstRegistry) > 0 && assigned(secondRegistry) > 0
                && assigned(firstRegistry) + assigned(secondRegistry) == 6);
        int partitionsOfSecond = assigned(secondRegistry);

        try {
            publish(workflowIds.subList(0, commands / 2), commandByWorkflow, v1.name());
            await().atMost(PATIENCE).until(() -> applied(secondMeters) - appliedThereBefore > 0);
            CompletableFuture<Void> rest = CompletableFuture.runAsync(
                    () -> publish(workflowIds.subList(commands / 2, commands), commandByWorkflow, v1.name()));
            // What SIGTERM triggers: the context closes, its consumers finish their records and commit.
            second.close();
            rest.get();
        } finally {
            second.close();
        }
        double appliedBySecond = applied(secondMeters) - appliedThereBefore;
        await().atMost(PATIENCE).until(() -> workflowIds.stream()
                .allMatch(id -> store.find(id).orElseThrow().upgradeHistory().size() == 1));
        await().atMost(PATIENCE).until(() -> workflowIds.stream().allMatch(id -> !observed.eventsFor(id).isEmpty()));

        double appliedByFirst = applied(meters) - appliedHereBefore;
        int historyEntries = workflowIds.stream()
                .mapToInt(id -> store.find(id).orElseThrow().upgradeHistory().size()).sum();
        Set<String> eventIds = new HashSet<>();
        int events = 0;
        for (String id : workflowIds) {
            for (ConsumerRecord<String, byte[]> record : observed.eventsFor(id)) {
                eventIds.add(json.readTree(record.value()).path("eventId").asString());
                events++;
            }
        }
        System.out.printf("two instances, 6 partitions (%d on the second until it shut down): sent %d, applied %.0f "
                + "(first %.0f, second %.0f), history entries %d, events %d (%d distinct eventIds), duplicates %d, "
                + "lost %d%n", partitionsOfSecond, commands, appliedByFirst + appliedBySecond, appliedByFirst,
                appliedBySecond, historyEntries, events, eventIds.size(), events - eventIds.size(),
                commands - historyEntries);
        assertThat(historyEntries).isEqualTo(commands);
        assertThat(appliedByFirst + appliedBySecond).isEqualTo(commands);
        assertThat(appliedBySecond).isPositive();
        assertThat(eventIds).containsExactlyInAnyOrderElementsOf(
                commandByWorkflow.values().stream().map(UpgradeEvent::eventIdFor).toList());
    }

    // --- helpers ---------------------------------------------------------------------------------------------

    private List<WorkflowDef> versions() {
        String name = "faults_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        WorkflowDef v1 = new WorkflowDef(name, 1, null, List.of(task("w")), null, null, 0L, 0L);
        WorkflowDef v2 = new WorkflowDef(name, 2, null, List.of(task("pre"), task("w")), null, null, 0L, 0L);
        definitions.register(v1);
        definitions.register(v2);
        return List.of(v1, v2);
    }

    private static WorkflowTask task(String ref) {
        return new WorkflowTask(ref, ref, "WAIT", null, Map.of(), false);
    }

    private String commandTopic() {
        return context.getBean(UpgradeTopics.class).commandTopic();
    }

    private static byte[] command(String commandId, String workflowId, String name, int version) {
        return UpstreamCommand.of(commandId, workflowId, name, version).bytes();
    }

    private void publish(List<String> workflowIds, Map<String, String> commandByWorkflow, String name) {
        for (String workflowId : workflowIds) {
            upstream.send(new ProducerRecord<>(commandTopic(), workflowId,
                    command(commandByWorkflow.get(workflowId), workflowId, name, 2)));
        }
        upstream.flush();
    }

    private JsonNode awaitFinal(String commandId) {
        return await().atMost(PATIENCE).until(() -> http.get("/api/workflow/upgrades/" + commandId),
                r -> r.status() == 200 && !r.json().path("status").asString().equals("ACCEPTED")).json();
    }

    private double counter(String outcome) {
        return meters.counter(UpgradeApplier.COMMANDS_METRIC, "outcome", outcome).count();
    }

    private static double applied(MeterRegistry meters) {
        return meters.counter(UpgradeApplier.COMMANDS_METRIC, "outcome", "applied").count();
    }

    private static int assigned(KafkaListenerEndpointRegistry registry) {
        var container = registry.getListenerContainer("upgrade-commands");
        return container == null || container.getAssignedPartitions() == null ? 0
                : container.getAssignedPartitions().size();
    }

    /** Command-line arguments: they outrank application.yml, as an operator's settings would. */
    private ConfigurableApplicationContext secondInstance() {
        return new SpringApplicationBuilder(UpgraderApplication.class).run(
                "--server.port=0",
                "--spring.kafka.bootstrap-servers=" + RestartableInfrastructure.bootstrapServers(),
                "--spring.mongodb.uri=" + RestartableInfrastructure.mongoUri(),
                "--upgrader.kafka.partitions=6",
                "--upgrader.kafka.consumer-concurrency=2",
                "--" + TestCredentials.TOKENS_PROPERTY,
                "--" + TestCredentials.KEYS_PROPERTY);
    }
}

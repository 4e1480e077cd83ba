package io.upgrader.faults;

import io.micrometer.core.instrument.MeterRegistry;
import io.upgrader.embedded.EmbeddedKafkaBroker;
import io.upgrader.kafka.UpgradeTopics;
import io.upgrader.support.Http;
import io.upgrader.support.InProcessMongo;
import io.upgrader.support.TestCredentials;
import io.upgrader.support.TopicObserver;
import io.upgrader.support.UpgradeFixture;
import io.upgrader.upgrade.UpgradeApplier;
import io.upgrader.upgrade.UpgradeEvent;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.support.DefaultSingletonBeanRegistry;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.util.TestPropertyValues;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Import;
import org.springframework.data.mongodb.core.MongoTemplate;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.listener.MessageListenerContainer;
import org.springframework.test.context.ContextConfiguration;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 13, fault test 3: a publish the broker takes but acknowledges only after the send timeout (the broker
 * slowed, not stopped). A broker of its own, whose answers reach the clients 3 s late through a {@link
 * LatencyProxy} (the broker advertises the proxy, so every client goes through it), and a send timeout of 1 s:
 * the request answers 503 though the command is on the topic; the retry with the same Idempotency-Key answers
 * the same commandId and publishes it again, and the two copies are applied once.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "upgrader.kafka.partitions=3",
        "upgrader.kafka.consumer-concurrency=2",
        "upgrader.kafka.send-timeout=1s",
        // The producer itself waits out the latency: the late acknowledgement completes the send.
        "spring.kafka.producer.properties.request.timeout.ms=15000",
        "spring.kafka.producer.properties.delivery.timeout.ms=20000",
        // The retry is what publishes again here; the relay would add a copy of its own past its age.
        "upgrader.outbox.relay-age=10m",
        TestCredentials.TOKENS_PROPERTY,
        TestCredentials.KEYS_PROPERTY
})
@ContextConfiguration(initializers = SlowBrokerIT.SlowBroker.class)
@Import(TopicObserver.class)
class SlowBrokerIT extends UpgradeFixture {

    private static final Duration LATENCY = Duration.ofSeconds(3);
    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(1);

    /**
     * A Kafka broker in a temporary directory behind a {@link LatencyProxy}, which it advertises; the service is
     * pointed at the proxy. MongoDB: the tests' in-process server, in a database of this test's own, so that the
     * outbox relays of other cached contexts (OutboxIT's republishes after 3 s) never see its ACCEPTED record.
     */
    static final class SlowBroker implements ApplicationContextInitializer<ConfigurableApplicationContext> {

        private static final String HOST = "127.0.0.1";

        static volatile LatencyProxy proxy;
        static volatile EmbeddedKafkaBroker broker;

        @Override
        public void initialize(ConfigurableApplicationContext context) {
            Path dir = LocalResources.temporaryDirectory("upgrader-slow-broker");
            int brokerPort = LocalResources.freePort();
            LatencyProxy startedProxy = LatencyProxy.start(HOST, brokerPort);
            EmbeddedKafkaBroker startedBroker = EmbeddedKafkaBroker.start(HOST, brokerPort, startedProxy.port(),
                    dir.resolve("kafka"));
            proxy = startedProxy;
            broker = startedBroker;
            // Registered before every bean, so destroyed after them: the consumers commit before the broker goes.
            ((DefaultSingletonBeanRegistry) context.getBeanFactory()).registerDisposableBean(
                    SlowBroker.class.getName() + ".close", () -> {
                        startedBroker.close();
                        startedProxy.close();
                        LocalResources.deleteRecursively(dir);
                    });
            String mongoUri = InProcessMongo.connectionString();
            if (!mongoUri.endsWith("/upgrader")) {
                throw new IllegalStateException("Expected the database at the end of " + mongoUri);
            }
            TestPropertyValues.of("spring.kafka.bootstrap-servers=" + HOST + ":" + startedProxy.port(),
                    "spring.mongodb.uri=" + mongoUri.substring(0, mongoUri.length() - "upgrader".length())
                            + "slow_broker").applyTo(context);
        }
    }

    @Autowired
    MongoTemplate mongo;
    @Autowired
    MeterRegistry meters;
    @Autowired
    JsonMapper json;
    @Autowired
    KafkaListenerEndpointRegistry listeners;
    String eventTopic;
    String consumerGroup;

    @Autowired
    void readTopics(UpgradeTopics topics) {
        eventTopic = topics.eventTopic();
        consumerGroup = topics.consumerGroup();
    }

    /** A failed run leaves neither the latency nor a held consumer behind in the cached context. */
    @AfterEach
    void release() {
        SlowBroker.proxy.latency(Duration.ZERO);
        listeners.getListenerContainer("upgrade-commands").resume();
    }

    @Test
    void aPublishAcknowledgedAfterTheSendTimeoutAnswers503AndTheRetryWithItsKeyIsAppliedOnce() {
        String name = registerVersions(List.of("w"), List.of("pre", "w"));
        // The whole path once at full speed: producer id, metadata, partitions assigned to the command consumer.
        String warmUp = start(name, 1, Map.of());
        Http.Response warmUpAnswer = http.post(upgradePath(warmUp), body(name), Map.of());
        assertThat(warmUpAnswer.status()).as(warmUpAnswer.body()).isEqualTo(200);
        assertThat(awaitFinalStatus(warmUpAnswer.json().path("commandId").asString()).path("status").asString())
                .isEqualTo("APPLIED");

        String workflowId = start(name, 1, Map.of());
        Map<String, String> key = Map.of("Idempotency-Key", "slow-" + UUID.randomUUID());
        double appliedBefore = counter("applied");
        double redeliveredBefore = counter("redelivered");
        // The command consumer is held until the retry has answered: whether a retry publishes again depends on
        // whether the command was applied first (OutboxIT covers that order); here it always must.
        MessageListenerContainer commands = listeners.getListenerContainer("upgrade-commands");
        commands.pause();
        await().atMost(patience()).until(commands::isContainerPaused);

        Http.Response timedOut;
        long answeredAfterMs;
        SlowBroker.proxy.latency(LATENCY);
        try {
            long started = System.nanoTime();
            timedOut = http.post(upgradePath(workflowId), body(name), key);
            answeredAfterMs = (System.nanoTime() - started) / 1_000_000;
        } finally {
            SlowBroker.proxy.latency(Duration.ZERO);
        }
        assertThat(timedOut.status()).as(timedOut.body()).isEqualTo(503);
        assertThat(timedOut.json().path("retryable").asBoolean()).isTrue();
        assertThat(timedOut.json().path("message").asString()).contains("Kafka");
        // Answered on the send timeout (a 503), not by the late acknowledgement; how long it took is printed, not
        // asserted: on a loaded machine the clock says little.
        System.out.printf("slow broker: the timed-out send answered 503 after %d ms (send timeout %d ms, latency %d ms)%n",
                answeredAfterMs, SEND_TIMEOUT.toMillis(), LATENCY.toMillis());
        List<Document> recorded = records(workflowId);
        assertThat(recorded).hasSize(1);
        String commandId = recorded.get(0).getString("_id");
        assertThat(recorded.get(0).getString("status")).isEqualTo("ACCEPTED");
        assertThat(json.readTree(recorded.get(0).getString("command")).path("commandId").asString())
                .isEqualTo(commandId);

        // The held acknowledgement reaches the producer: everything the broker sent has been delivered.
        await().atMost(patience()).until(() -> SlowBroker.proxy.pending() == 0);
        // The broker took the timed-out publish: it is on the topic before any retry.
        assertThat(copiesOnTopic(commandId)).isEqualTo(1);
        assertThat(status(commandId)).isEqualTo("ACCEPTED");

        Http.Response retried = http.post(upgradePath(workflowId), body(name), key);

        assertThat(retried.status()).as(retried.body()).isEqualTo(200);
        assertThat(retried.json().path("commandId").asString()).isEqualTo(commandId);
        assertThat(retried.json().path("status").asString()).isEqualTo("ACCEPTED");
        commands.resume();
        assertThat(awaitFinalStatus(commandId).path("status").asString()).isEqualTo("APPLIED");
        // Both copies handled: the group's offsets reach the end of the command topic, which the consumer commits
        // only after the MongoDB write and the event's acknowledgement.
        await().atMost(patience()).until(this::commandTopicFullyCommitted);

        int copies = copiesOnTopic(commandId);
        List<String> history = history(workflowId);
        List<JsonNode> events = readAll(eventTopic).stream().map(record -> json.readTree(record.value()))
                .filter(event -> commandId.equals(event.path("commandId").asString())).toList();
        int applied = (int) history.stream().filter(commandId::equals).count();
        int leftAccepted = "ACCEPTED".equals(status(commandId)) ? 1 : 0;
        System.out.printf("slowed broker: sent 1 (requests 2), answered 503 after %d ms, copies on topic %d, "
                + "applied %d / doubled %d / lost %d / left ACCEPTED %d, events %d (%d distinct eventId)%n",
                answeredAfterMs, copies, Math.min(applied, 1), Math.max(applied - 1, 0), applied == 0 ? 1 : 0,
                leftAccepted, events.size(), events.stream().map(e -> e.path("eventId").asString()).distinct()
                        .count());
        assertThat(SlowBroker.proxy.delayedChunks()).isPositive();
        // The late-acknowledged publish and the retry's.
        assertThat(copies).isEqualTo(2);
        assertThat(history).containsExactly(commandId);
        assertThat(records(workflowId)).extracting(d -> d.getString("_id")).containsExactly(commandId);
        assertThat(leftAccepted).isZero();
        assertThat(counter("applied") - appliedBefore).isEqualTo(1);
        assertThat(counter("redelivered") - redeliveredBefore).isEqualTo(1);
        // Events are at least once with an eventId derived from the commandId (README): the redelivered copy
        // sends the same event again, so one upgrade, announced once per copy under one eventId.
        assertThat(events).hasSize(copies);
        assertThat(events).allSatisfy(event -> {
            assertThat(event.path("type").asString()).isEqualTo(UpgradeEvent.Type.WORKFLOW_UPGRADED.name());
            assertThat(event.path("eventId").asString()).isEqualTo(UpgradeEvent.eventIdFor(commandId));
            assertThat(event.path("workflowId").asString()).isEqualTo(workflowId);
        });
    }

    // --- helpers ---------------------------------------------------------------------------------------------

    private static String upgradePath(String workflowId) {
        return "/api/workflow/" + workflowId + "/upgrade";
    }

    private static String body(String name) {
        return "{\"name\":\"" + name + "\",\"version\":2}";
    }

    private String status(String commandId) {
        Http.Response response = http.get("/api/workflow/upgrades/" + commandId);
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return response.json().path("status").asString();
    }

    private List<Document> records(String workflowId) {
        return mongo.getCollection("upgrade_commands").find(new Document("workflowId", workflowId))
                .into(new ArrayList<>());
    }

    private List<String> history(String workflowId) {
        return StreamSupport.stream(get(workflowId).path("upgradeHistory").spliterator(), false)
                .map(entry -> entry.path("commandId").asString()).toList();
    }

    private double counter(String outcome) {
        return meters.counter(UpgradeApplier.COMMANDS_METRIC, "outcome", outcome).count();
    }

    private int copiesOnTopic(String commandId) {
        return (int) readAll(commandTopic).stream()
                .filter(record -> commandId.equals(json.readTree(record.value()).path("commandId").asString()))
                .count();
    }

    /**
     * Every record of a topic, from the beginning to its current end, read by a plain consumer of no group
     * bootstrapped at the broker's own port. Its fetches follow the broker's metadata, so they pass the proxy,
     * with no latency at the times this is called: the proxy only forwards bytes, it adds no record.
     */
    private List<ConsumerRecord<String, byte[]>> readAll(String topic) {
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, SlowBroker.broker.bootstrapServers(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
            await().atMost(patience()).pollInSameThread().alias("reading " + topic + " to " + end).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                return partitions.stream().allMatch(p -> consumer.position(p) >= end.get(p));
            });
            return records;
        }
    }

    /** The command consumers' group has committed every command topic partition up to its end. */
    private boolean commandTopicFullyCommitted() {
        // Of the service's group only to read its committed offsets: assigned, not subscribed, so it never joins.
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, SlowBroker.broker.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, consumerGroup, ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            Set<TopicPartition> partitions = consumer.partitionsFor(commandTopic).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).collect(Collectors.toSet());
            consumer.assign(partitions);
            Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(partitions);
            return consumer.endOffsets(partitions).entrySet().stream().allMatch(end -> end.getValue() == 0
                    || committed.get(end.getKey()) != null
                    && committed.get(end.getKey()).offset() == end.getValue());
        }
    }
}

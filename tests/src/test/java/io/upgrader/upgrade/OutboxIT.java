package io.upgrader.upgrade;

import io.micrometer.core.instrument.MeterRegistry;
import io.upgrader.kafka.KafkaUpgradeCommandBus;
import io.upgrader.mongo.upgrade.UpgradeStatusStore;
import io.upgrader.support.Http;
import io.upgrader.support.InProcessMongo;
import io.upgrader.support.TestCredentials;
import io.upgrader.support.TopicObserver;
import io.upgrader.support.UpgradeFixture;
import io.upgrader.support.UpstreamCommand;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.data.mongodb.core.MongoTemplate;
import org.springframework.kafka.test.context.EmbeddedKafka;
import org.springframework.test.context.ContextConfiguration;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The ACCEPTED status is the outbox: a publish that fails, or that times out though the broker took the command,
 * leaves the command recorded; the relay or a retry with the same Idempotency-Key publishes the same commandId,
 * and it is applied once. A context of its own: a command bus that fails on demand and a relay of a few seconds.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "upgrader.kafka.partitions=3",
        "upgrader.kafka.retry-max-interval=1s",
        "upgrader.kafka.consumer-concurrency=2",
        "upgrader.outbox.relay-age=3s",
        "upgrader.outbox.relay-interval=250ms",
        "upgrader.outbox.page-size=2",
        TestCredentials.TOKENS_PROPERTY,
        TestCredentials.KEYS_PROPERTY
})
@EmbeddedKafka(bootstrapServersProperty = "spring.kafka.bootstrap-servers")
@ContextConfiguration(initializers = InProcessMongo.class)
@Import({TopicObserver.class, OutboxIT.FlakyCommandBus.Configuration.class})
class OutboxIT extends UpgradeFixture {

    /** The real command bus, except that an armed workflow's next publish fails: before sending, or after. */
    static class FlakyCommandBus implements UpgradeCommandBus {

        @TestConfiguration
        static class Configuration {
            @Bean
            @Primary
            FlakyCommandBus flakyCommandBus(KafkaUpgradeCommandBus real) {
                return new FlakyCommandBus(real);
            }
        }

        private final UpgradeCommandBus real;
        private final Set<String> failBeforeSending = ConcurrentHashMap.newKeySet();
        private final Set<String> failAfterDelivering = ConcurrentHashMap.newKeySet();

        FlakyCommandBus(UpgradeCommandBus real) {
            this.real = real;
        }

        @Override
        public void publish(UpgradeCommand command) {
            if (failBeforeSending.remove(command.workflowId())) {
                throw new CommandNotPublishedException("simulated: broker unreachable", null);
            }
            real.publish(command);
            if (failAfterDelivering.remove(command.workflowId())) {
                // What a send timeout shorter than the broker's acknowledgement looks like to the caller.
                throw new CommandNotPublishedException("simulated: acknowledged after the send timeout", null);
            }
        }
    }

    @Autowired
    FlakyCommandBus bus;
    @Autowired
    MongoTemplate mongo;
    @Autowired
    MeterRegistry meters;
    @Autowired
    JsonMapper json;

    @Test
    void aFailedPublishAnswers503LeavesTheCommandAndTheRelayPublishesItOnce() {
        String name = registerVersions(List.of("w"), List.of("pre", "w"));
        String workflowId = start(name, 1, Map.of());
        double republishedBefore = republished();
        bus.failBeforeSending.add(workflowId);

        Http.Response failed = http.post(upgradePath(workflowId), body(name), Map.of());

        assertThat(failed.status()).as(failed.body()).isEqualTo(503);
        assertThat(failed.json().path("retryable").asBoolean()).isTrue();
        assertThat(failed.json().path("message").asString()).contains("Kafka");
        List<Document> records = records(workflowId);
        assertThat(records).hasSize(1);
        Document record = records.get(0);
        String commandId = record.getString("_id");
        assertThat(record.getString("status")).isEqualTo("ACCEPTED");
        JsonNode command = json.readTree(record.getString("command"));
        assertThat(command.path("commandId").asString()).isEqualTo(commandId);
        assertThat(command.path("workflowId").asString()).isEqualTo(workflowId);
        assertThat(command.path("version").asInt()).isEqualTo(2);

        JsonNode status = awaitFinalStatus(commandId);

        assertThat(status.path("status").asString()).isEqualTo("APPLIED");
        assertThat(history(workflowId)).containsExactly(commandId);
        assertThat(republished() - republishedBefore).isGreaterThanOrEqualTo(1);
        // Once applied, the relay records it so and leaves it alone.
        await().atMost(patience()).until(() -> "APPLIED".equals(records(workflowId).get(0).getString("status")));
        assertThat(records(workflowId)).hasSize(1);
    }

    @Test
    void aRetryWithTheSameKeyAfterAFailedPublishPublishesTheSameCommandApplyingItOnce() {
        String name = registerVersions(List.of("w"), List.of("pre", "w"));
        String workflowId = start(name, 1, Map.of());
        Map<String, String> key = Map.of("Idempotency-Key", "outbox-" + UUID.randomUUID());
        bus.failBeforeSending.add(workflowId);

        Http.Response failed = http.post(upgradePath(workflowId), body(name), key);
        Http.Response retried = http.post(upgradePath(workflowId), body(name), key);

        assertThat(failed.status()).as(failed.body()).isEqualTo(503);
        assertThat(failed.json().path("retryable").asBoolean()).isTrue();
        assertThat(retried.status()).as(retried.body()).isEqualTo(200);
        String commandId = retried.json().path("commandId").asString();
        assertThat(records(workflowId)).extracting(d -> d.getString("_id")).containsExactly(commandId);
        assertThat(retried.json().path("status").asString()).isEqualTo("ACCEPTED");
        assertThat(awaitFinalStatus(commandId).path("status").asString()).isEqualTo("APPLIED");
        assertThat(history(workflowId)).containsExactly(commandId);
    }

    @Test
    void aPublishAcknowledgedAfterItsTimeoutIsNotPublishedTwiceByARetry() throws Exception {
        String name = registerVersions(List.of("w"), List.of("pre", "w"));
        String workflowId = start(name, 1, Map.of());
        Map<String, String> key = Map.of("Idempotency-Key", "outbox-" + UUID.randomUUID());
        bus.failAfterDelivering.add(workflowId);

        Http.Response timedOut = http.post(upgradePath(workflowId), body(name), key);
        assertThat(timedOut.status()).as(timedOut.body()).isEqualTo(503);
        String commandId = records(workflowId).get(0).getString("_id");
        assertThat(awaitFinalStatus(commandId).path("status").asString()).isEqualTo("APPLIED");
        Http.Response retried = http.post(upgradePath(workflowId), body(name), key);

        assertThat(retried.status()).as(retried.body()).isEqualTo(200);
        assertThat(retried.json().path("commandId").asString()).isEqualTo(commandId);
        assertThat(records(workflowId)).hasSize(1);
        // A probe behind it on the same partition: once the observer has it, it has everything before it.
        String probe = UUID.randomUUID().toString();
        upstream.send(new ProducerRecord<>(commandTopic, workflowId,
                UpstreamCommand.of(probe, workflowId, name, 2).bytes())).get();
        await().atMost(patience()).until(() -> commandIdsOnTopic(workflowId).contains(probe));
        assertThat(commandIdsOnTopic(workflowId)).containsExactly(commandId, probe);
        assertThat(history(workflowId)).containsExactly(commandId);
    }

    @Test
    void twoConcurrentRequestsWithTheSameKeyBothAnswerWithOneCommand() {
        String name = registerVersions(List.of("w"), List.of("pre", "w"));
        for (int round = 0; round < 5; round++) {
            String workflowId = start(name, 1, Map.of());
            Map<String, String> key = Map.of("Idempotency-Key", "race-" + UUID.randomUUID());

            CompletableFuture<Http.Response> one = CompletableFuture.supplyAsync(
                    () -> http.post(upgradePath(workflowId), body(name), key));
            CompletableFuture<Http.Response> two = CompletableFuture.supplyAsync(
                    () -> http.post(upgradePath(workflowId), body(name), key));

            assertThat(one.join().status()).as(one.join().body()).isEqualTo(200);
            assertThat(two.join().status()).as(two.join().body()).isEqualTo(200);
            String commandId = one.join().json().path("commandId").asString();
            assertThat(two.join().json().path("commandId").asString()).isEqualTo(commandId);
            assertThat(records(workflowId)).extracting(d -> d.getString("_id")).containsExactly(commandId);
            assertThat(awaitFinalStatus(commandId).path("status").asString()).isEqualTo("APPLIED");
            assertThat(history(workflowId)).containsExactly(commandId);
        }
    }

    @Test
    void theRelayLeavesRecordsWithoutABodyAlone() {
        String workflowId = "legacy-" + UUID.randomUUID();
        String commandId = UUID.randomUUID().toString();
        UpgradeStatusStore store = bean(UpgradeStatusStore.class);
        // As recorded before the outbox: no command with it.
        store.insertAccepted(new UpgradeStatus(commandId, workflowId, "legacy", UpgradeStatus.State.ACCEPTED, null,
                1, 2, List.of(), java.time.Instant.parse("2020-01-01T00:00:00Z"), null, null), null, null);
        OutboxRelay relay = new OutboxRelay(store, bean(UpgradeStatuses.class), bus, json,
                java.time.Clock.systemUTC(), new OutboxProperties(java.time.Duration.ofSeconds(3),
                java.time.Duration.ZERO, 2), meters);

        assertThat(store.findAcceptedBefore(java.time.Instant.now(), null, 10_000))
                .anySatisfy(pending -> {
                    assertThat(pending.commandId()).isEqualTo(commandId);
                    assertThat(pending.commandJson()).isNull();
                });
        relay.relayOnce();

        assertThat(records(workflowId)).singleElement().extracting(d -> d.getString("status")).isEqualTo("ACCEPTED");
        assertThat(observed.commandsFor(workflowId)).isEmpty();
    }

    // --- helpers ---------------------------------------------------------------------------------------------

    @Autowired
    org.springframework.context.ApplicationContext context;

    private <T> T bean(Class<T> type) {
        return context.getBean(type);
    }

    private static String upgradePath(String workflowId) {
        return "/api/workflow/" + workflowId + "/upgrade";
    }

    private static String body(String name) {
        return "{\"name\":\"" + name + "\",\"version\":2}";
    }

    private List<Document> records(String workflowId) {
        return mongo.getCollection("upgrade_commands").find(new Document("workflowId", workflowId))
                .into(new java.util.ArrayList<>());
    }

    private List<String> history(String workflowId) {
        return java.util.stream.StreamSupport.stream(get(workflowId).path("upgradeHistory").spliterator(), false)
                .map(entry -> entry.path("commandId").asString()).toList();
    }

    private List<String> commandIdsOnTopic(String workflowId) {
        return observed.commandsFor(workflowId).stream()
                .map(record -> json.readTree(record.value()).path("commandId").asString()).toList();
    }

    private double republished() {
        return meters.counter(OutboxRelay.REPUBLISHED_METRIC).count();
    }
}

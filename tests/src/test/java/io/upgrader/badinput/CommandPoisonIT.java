package io.upgrader.badinput;

import io.upgrader.contract.ContractSchema;
import io.upgrader.kafka.KafkaConfiguration;
import io.upgrader.kafka.UpgradeTopics;
import io.upgrader.support.EmbeddedInfrastructureTest;
import io.upgrader.support.Http;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.util.unit.DataSize;
import tools.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Records on the command topic that are not commands, or commands that cannot be applied: each ends on the
 * dead-letter topic with a reason header naming the problem, or as a REJECTED command with its reason, and the
 * partition keeps flowing: a valid command published behind it on the same partition is applied.
 */
@EmbeddedInfrastructureTest
class CommandPoisonIT extends BadInputFixture {

    /** How long a healthy pipeline may take for one command; far more than it needs (well under a second). */
    private static final Duration FLOWING = Duration.ofSeconds(20);

    DataSize maxCommandSize;

    @Autowired
    void readMaxCommandSize(UpgradeTopics topics) {
        maxCommandSize = topics.maxCommandSize();
    }

    String name;

    @BeforeEach
    void definitions() {
        name = registerVersions(List.of("w"), List.of("pre", "w"));
    }



    private byte[] valid(String commandId, String workflowId) {
        byte[] bytes = PLAIN_JSON.writeValueAsBytes(command(commandId, workflowId, name, 2));
        assertThat(ContractSchema.UPGRADE_COMMAND.validate(PLAIN_JSON.readTree(bytes))).isEmpty();
        return bytes;
    }

    private static byte[] bytes(Object... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (Object part : parts) {
            out.writeBytes(part instanceof String s ? s.getBytes(StandardCharsets.UTF_8) : (byte[]) part);
        }
        return out.toByteArray();
    }

    private static String reason(ConsumerRecord<String, byte[]> deadLetter) {
        Header header = deadLetter.headers().lastHeader(KafkaConfiguration.REJECTION_HEADER);
        assertThat(header).as("header " + KafkaConfiguration.REJECTION_HEADER).isNotNull();
        return new String(header.value(), StandardCharsets.UTF_8);
    }

    private List<JsonNode> events(String workflowId) {
        return observed.eventsFor(workflowId).stream().map(r -> PLAIN_JSON.readTree(r.value())).toList();
    }

    // --- Records that are not commands -------------------------------------------------------------------

    record Poison(String label, byte[] value, List<String> reasonMentions) {
    }

    @Test
    void poisonRecordsGoToTheDeadLetterTopicWithTheirReasonAndThePartitionKeepsFlowing() {
        String workflowId = start(name, 1, Map.of());
        String other = start(name, 1, Map.of());
        String otherBefore = snapshot(other);

        Map<String, Object> missingCommandId = command(UUID.randomUUID().toString(), workflowId, name, 2);
        missingCommandId.remove("commandId");
        String versionTwoId = UUID.randomUUID().toString();
        Map<String, Object> versionTwo = command(versionTwoId, workflowId, name, "two");
        String schemaTwoId = UUID.randomUUID().toString();
        Map<String, Object> schemaTwo = command(schemaTwoId, workflowId, name, 2);
        schemaTwo.put("schemaVersion", 2);
        String versionZeroId = UUID.randomUUID().toString();
        Map<String, Object> versionZero = command(versionZeroId, workflowId, name, 0);
        String injectedId = UUID.randomUUID().toString();
        Map<String, Object> injectedWorkflowId = command(injectedId, workflowId, name, 2);
        injectedWorkflowId.put("workflowId", Map.of("$ne", ""));
        String otherKeyId = UUID.randomUUID().toString();

        List<Poison> poisons = List.of(
                new Poison("unparsable", "{not json".getBytes(StandardCharsets.UTF_8), List.of("not JSON")),
                new Poison("not UTF-8", bytes("{\"schemaVersion\":1,\"commandId\":\"", HexFormat.of().parseHex("c328"),
                        "\"}"), List.of("invalid UTF-8")),
                new Poison("binary junk", HexFormat.of().parseHex("fffe00ff80c0"), List.of("not JSON")),
                new Poison("a JSON array", "[1,2]".getBytes(StandardCharsets.UTF_8), List.of("object")),
                new Poison("missing commandId", PLAIN_JSON.writeValueAsBytes(missingCommandId), List.of("commandId")),
                new Poison("version \"two\"", PLAIN_JSON.writeValueAsBytes(versionTwo), List.of("version")),
                new Poison("version 0", PLAIN_JSON.writeValueAsBytes(versionZero), List.of("version")),
                new Poison("schemaVersion 2", PLAIN_JSON.writeValueAsBytes(schemaTwo), List.of("schemaVersion")),
                new Poison("an operator as workflowId", PLAIN_JSON.writeValueAsBytes(injectedWorkflowId),
                        List.of("workflowId")),
                new Poison("key differs from workflowId", valid(otherKeyId, other),
                        List.of("key", workflowId, other)),
                new Poison("nested deeper than 64", ("{\"schemaVersion\":1,\"workflowInput\":" + "[".repeat(100)
                        + "]".repeat(100) + "}").getBytes(StandardCharsets.UTF_8), List.of("depth")),
                new Poison("empty value", new byte[0], List.of("no value")),
                new Poison("tombstone (null value)", null, List.of("no value")));
        for (Poison poison : poisons) {
            publish(workflowId, poison.value());
        }
        String commandId = UUID.randomUUID().toString();
        publish(workflowId, valid(commandId, workflowId));

        // The valid command behind all of them on the same partition is applied.
        JsonNode status = awaitFinalStatus(commandId);
        assertThat(status.path("status").asString()).as(status.toString()).isEqualTo("APPLIED");

        await().atMost(PATIENCE).until(() -> observed.deadLettersFor(workflowId).size() >= poisons.size());
        List<ConsumerRecord<String, byte[]>> deadLetters = observed.deadLettersFor(workflowId);
        assertThat(deadLetters).hasSize(poisons.size());
        for (int i = 0; i < poisons.size(); i++) {
            Poison poison = poisons.get(i);
            ConsumerRecord<String, byte[]> deadLetter = deadLetters.get(i);
            String reason = reason(deadLetter);
            for (String mention : poison.reasonMentions()) {
                assertThat(reason).as(poison.label()).contains(mention);
            }
            assertThat(reason).as(poison.label()).doesNotContain("\tat ");
            if (poison.value() == null || poison.value().length == 0) {
                assertThat(deadLetter.value() == null || deadLetter.value().length == 0).as(poison.label()).isTrue();
            } else {
                assertThat(deadLetter.value()).as(poison.label() + ": the original bytes").isEqualTo(poison.value());
            }
        }

        // Only the valid command did anything: one upgrade, one event; the other execution untouched.
        JsonNode workflow = get(workflowId);
        assertThat(workflow.path("workflowVersion").asInt()).isEqualTo(2);
        assertThat(workflow.path("upgradeHistory")).extracting(e -> e.path("commandId").asString())
                .containsExactly(commandId);
        await().atMost(PATIENCE).until(() -> !events(workflowId).isEmpty());
        assertThat(events(workflowId)).extracting(e -> e.path("commandId").asString()).containsExactly(commandId);
        assertUntouched(other, otherBefore);
        assertThat(events(other)).isEmpty();
        for (String poisonCommandId : List.of(versionTwoId, schemaTwoId, versionZeroId, injectedId, otherKeyId)) {
            assertConductorError(http.get("/api/workflow/upgrades/" + poisonCommandId), 404, null);
        }
    }

    // --- A command for an execution that does not exist --------------------------------------------------

    @Test
    void aCommandForAnUnknownWorkflowIsRejectedWithItsReasonAndThePartitionKeepsFlowing() {
        String unknown = UUID.randomUUID().toString();
        String behind = startOnThePartitionOf(name, unknown);
        String rejectedId = UUID.randomUUID().toString();
        String appliedId = UUID.randomUUID().toString();

        publish(unknown, valid(rejectedId, unknown));
        publish(behind, valid(appliedId, behind));

        JsonNode rejected = awaitFinalStatus(rejectedId);
        assertThat(rejected.path("status").asString()).isEqualTo("REJECTED");
        assertThat(rejected.path("reason").asString()).contains(unknown).contains("not found");
        await().atMost(PATIENCE).until(() -> !events(unknown).isEmpty());
        assertThat(events(unknown)).hasSize(1);
        JsonNode event = events(unknown).get(0);
        assertThat(ContractSchema.UPGRADE_EVENT.validate(event)).as(event.toString()).isEmpty();
        assertThat(event.path("type").asString()).isEqualTo("WORKFLOW_UPGRADE_REJECTED");
        assertThat(event.path("commandId").asString()).isEqualTo(rejectedId);
        assertThat(event.path("reason").asString()).contains(unknown).contains("not found");
        assertThat(observed.deadLettersFor(unknown)).isEmpty();
        // Rejecting it created nothing.
        assertConductorError(http.get("/api/workflow/" + unknown), 404, null);

        JsonNode applied = awaitFinalStatus(appliedId);
        assertThat(applied.path("status").asString()).isEqualTo("APPLIED");
        assertThat(get(behind).path("workflowVersion").asInt()).isEqualTo(2);
    }

    // --- Size ----------------------------------------------------------------------------------------------

    /**
     * A record just over upgrader.kafka.max-command-size (2 MiB by default) end to end in the shared context.
     * This is possible without changing the context's properties: the command topic is created with
     * max.message.bytes = max-command-size + 64 KiB, so a value of max-command-size + 1 byte is stored by the
     * broker and reaches the codec, which refuses it; a producer with a larger max.request.size sends it. The
     * codec's limit itself is covered with a 1 KiB limit in UpgradeCommandCodecTest.
     */
    @Test
    void aRecordOverTheMaximumCommandSizeGoesToTheDeadLetterTopicAndOneAtTheMaximumIsApplied() throws Exception {
        int max = (int) maxCommandSize.toBytes();
        String workflowId = start(name, 1, Map.of());
        String atLimit = startOnThePartitionOf(name, workflowId);
        String oversizedId = UUID.randomUUID().toString();
        String atLimitId = UUID.randomUUID().toString();
        String behindId = UUID.randomUUID().toString();
        byte[] oversized = padded(oversizedId, workflowId, max + 1);
        byte[] exactly = padded(atLimitId, atLimit, max);

        try (KafkaProducer<String, byte[]> big = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.getBootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 4 * max), new StringSerializer(), new ByteArraySerializer())) {
            big.send(new ProducerRecord<>(commandTopic, workflowId, oversized)).get();
            big.send(new ProducerRecord<>(commandTopic, atLimit, exactly)).get();
            big.send(new ProducerRecord<>(commandTopic, workflowId, valid(behindId, workflowId))).get();
        }

        assertThat(awaitFinalStatus(behindId).path("status").asString()).isEqualTo("APPLIED");
        assertThat(awaitFinalStatus(atLimitId).path("status").asString()).isEqualTo("APPLIED");
        await().atMost(PATIENCE).until(() -> !observed.deadLettersFor(workflowId).isEmpty());
        List<ConsumerRecord<String, byte[]>> deadLetters = observed.deadLettersFor(workflowId);
        assertThat(deadLetters).hasSize(1);
        assertThat(reason(deadLetters.get(0))).contains(String.valueOf(max + 1)).contains(String.valueOf(max))
                .contains("max-command-size");
        assertThat(deadLetters.get(0).value()).hasSize(max + 1);
        assertConductorError(http.get("/api/workflow/upgrades/" + oversizedId), 404, null);
        JsonNode workflow = get(workflowId);
        assertThat(workflow.path("upgradeHistory")).extracting(e -> e.path("commandId").asString())
                .containsExactly(behindId);
        assertThat(workflow.path("input").has("pad")).isFalse();
        assertThat(get(atLimit).path("input").path("pad").asString()).matches("x+");
    }

    /** A valid command of exactly {@code size} bytes, padded with a workflowInput string. */
    private byte[] padded(String commandId, String workflowId, int size) {
        Map<String, Object> command = command(commandId, workflowId, name, 2);
        command.put("workflowInput", Map.of("pad", ""));
        int overhead = PLAIN_JSON.writeValueAsBytes(command).length;
        command.put("workflowInput", Map.of("pad", "x".repeat(size - overhead)));
        byte[] bytes = PLAIN_JSON.writeValueAsBytes(command);
        assertThat(bytes).hasSize(size);
        return bytes;
    }

    // --- Commands the consumer cannot store --------------------------------------------------------------

    @Test
    void anUpgradeWithANulCharacterInAKeyNeitherBlocksThePartitionNorIsLost() {
        // Regression (was a bug, now fixed): found by UpgradeRequestPropertyIT. POST .../upgrade with workflowInput {"bad\u0000key":1} (valid
        // JSON, valid per the schema) answers 200 ACCEPTED; the consumer's MongoDB write then fails with
        // org.bson.BsonSerializationException "BSON cstring ... contains a null character" (BSON keys are
        // NUL-terminated). The error handler treats it as transient and retries for ever, so the command stays
        // ACCEPTED and every later command on that partition, for any workflow, waits behind it. Expected: a 400
        // naming the key at the HTTP side (and a dead-letter or REJECTED outcome for such a command from Kafka).
        assertAnUnstorableUpgradeDoesNotBlock("{\"bad\\u0000key\":1}");
    }

    @Test
    void anUpgradeWithAnIntegerBeyond64BitsNeitherBlocksThePartitionNorIsLost() {
        // Regression (was a bug, now fixed): POST .../upgrade with workflowInput {"x":123456789012345678901234567890} answers 200 ACCEPTED; the
        // consumer reads the number as a java.math.BigInteger, DocumentMapper puts it into the org.bson.Document,
        // and the MongoDB driver has no codec for it (CodecConfigurationException "Can't find a codec for
        // ... BigInteger"). Retried for ever: the command stays ACCEPTED and its partition is blocked for every
        // workflow. Expected: a 400 naming the field, or the number stored exactly (e.g. as Decimal128).
        assertAnUnstorableUpgradeDoesNotBlock("{\"x\":123456789012345678901234567890}");
    }

    /**
     * Sends an upgrade whose workflowInput the store may not be able to hold, then a valid upgrade of another
     * execution on the same partition: the HTTP answer must be a 4xx, or, if accepted, both commands must reach
     * a final status. Afterwards the first execution is removed so that a stuck command is rejected on its next
     * retry (unknown workflow) and the shared context's partition flows again for the tests that follow.
     */
    private void assertAnUnstorableUpgradeDoesNotBlock(String workflowInput) {
        String stuck = start(name, 1, Map.of());
        String behind = startOnThePartitionOf(name, stuck);
        Http.Response response = http.postJson("/api/workflow/" + stuck + "/upgrade",
                "{\"name\":\"" + name + "\",\"version\":2,\"workflowInput\":" + workflowInput + "}");
        List<String> commandIds = new ArrayList<>();
        try {
            assertThat(response.status()).as(response.body()).isLessThan(500);
            if (response.status() != 200) {
                assertConductorError(response, 400, null);
                assertThat(response.json().path("validationErrors").toString()).contains("workflowInput");
                return;
            }
            String unstorableId = response.json().path("commandId").asString();
            commandIds.add(unstorableId);
            Http.Response next = http.postJson("/api/workflow/" + behind + "/upgrade",
                    Map.of("name", name, "version", 2));
            assertThat(next.status()).as(next.body()).isEqualTo(200);
            String behindId = next.json().path("commandId").asString();
            commandIds.add(behindId);

            Map<String, String> notFinal = new LinkedHashMap<>();
            try {
                await().atMost(FLOWING).until(() -> isFinal(behindId) && isFinal(unstorableId));
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                notFinal.put("unstorable command " + unstorableId, statusOf(unstorableId));
                notFinal.put("valid command behind it on the same partition " + behindId, statusOf(behindId));
            }
            assertThat(notFinal).as("commands still not final after " + FLOWING.toSeconds() + "s").isEmpty();
            JsonNode unstorable = awaitFinalStatus(unstorableId);
            if (unstorable.path("status").asString().equals("REJECTED")) {
                assertThat(unstorable.path("reason").asString()).isNotBlank();
            }
            assertThat(awaitFinalStatus(behindId).path("status").asString()).isEqualTo("APPLIED");
        } finally {
            http.send("DELETE", "/api/workflow/" + stuck + "/remove", null, Map.of());
            for (String commandId : commandIds) {
                awaitFinalStatus(commandId);
            }
        }
    }

    private boolean isFinal(String commandId) {
        Http.Response response = http.get("/api/workflow/upgrades/" + commandId);
        return response.status() == 200 && !response.json().path("status").asString().equals("ACCEPTED");
    }

    private String statusOf(String commandId) {
        return http.get("/api/workflow/upgrades/" + commandId).body();
    }
}

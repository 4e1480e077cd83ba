package io.upgrader.bulk;

import io.upgrader.contract.ContractSchema;
import io.upgrader.kafka.UpgradeCommandCodec;
import io.upgrader.kafka.UpgradeTopics;
import io.upgrader.mongo.bulk.BulkBatchStore;
import io.upgrader.support.EmbeddedInfrastructureTest;
import io.upgrader.support.Http;
import io.upgrader.support.UpgradeFixture;
import io.upgrader.upgrade.BatchCommandIds;
import io.upgrader.upgrade.UpgradeCommand;
import io.upgrader.upgrade.UpgradeEvent;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Bulk upgrades end to end: selection, expansion through the bulk topic into one command per execution, the
 * progress endpoint, dry runs, resuming a crashed expansion without losing or applying anything twice, and
 * bad input.
 */
@EmbeddedInfrastructureTest
class BulkUpgradeIT extends UpgradeFixture {

    private static final String BULK = "/api/workflow/upgrade/bulk";

    @Autowired
    JsonMapper json;
    @Autowired
    BulkBatchStore batches;
    @Autowired
    UpgradeCommandCodec codec;
    String bulkTopic;
    String consumerGroup;

    @Autowired
    void readTopics(UpgradeTopics topics) {
        bulkTopic = topics.bulkTopic();
        consumerGroup = topics.consumerGroup();
    }

    // --- 1. Selection and outcome ----------------------------------------------------------------------

    @Test
    void upgradesExactlyTheRunningAndPausedExecutionsOfTheGivenVersions() {
        String name = registerVersions(List.of("w"), List.of("pre", "w"));
        List<String> v1 = IntStream.range(0, 30).mapToObj(i -> start(name, 1, Map.of("i", i))).toList();
        List<String> v2 = IntStream.range(0, 5).mapToObj(i -> start(name, 2, Map.of("i", i))).toList();
        List<String> terminated = v1.subList(0, 3);
        List<String> paused = v1.subList(3, 5);
        for (String id : terminated) {
            assertThat(http.send("DELETE", "/api/workflow/" + id, null, Map.of()).status()).isEqualTo(200);
        }
        for (String id : paused) {
            assertThat(http.send("PUT", "/api/workflow/" + id + "/pause", null, Map.of()).status()).isEqualTo(200);
        }
        List<String> selected = v1.subList(3, 30);
        Map<String, String> statusBefore = new HashMap<>();
        for (String id : selected) {
            statusBefore.put(id, get(id).path("status").asString());
        }
        assertThat(statusBefore.values()).containsOnly("RUNNING", "PAUSED");

        Http.Response accepted = http.postJson(BULK, Map.of("name", name, "fromVersions", List.of(1),
                "toVersion", 2, "dryRun", false));

        assertThat(accepted.status()).as(accepted.body()).isEqualTo(202);
        String batchId = accepted.json().path("batchId").asString();
        assertThat(batchId).matches("[A-Za-z0-9_-]{1,128}");
        assertThat(accepted.json().path("state").asString()).isEqualTo("EXPANDING");
        assertThat(accepted.header("Location")).isEqualTo(BULK + "/" + batchId);

        JsonNode progress = awaitDone(batchId);
        assertThat(progress.path("batchId").asString()).isEqualTo(batchId);
        assertThat(progress.path("selected").asLong()).isEqualTo(27);
        assertThat(progress.path("applied").asLong()).isEqualTo(27);
        assertThat(progress.path("noop").asLong()).isZero();
        assertThat(progress.path("rejected").asLong()).isZero();
        assertThat(progress.path("pending").asLong()).isZero();
        assertThat(progress.path("progress").asDouble()).isEqualTo(1.0);
        assertThat(progress.path("rejections")).isEmpty();
        assertThat(progress.path("createdAt").isNull() || progress.path("createdAt").isMissingNode()).isFalse();
        assertThat(progress.path("expandedAt").isNull() || progress.path("expandedAt").isMissingNode()).isFalse();
        assertThat(Instant.parse(progress.path("expandedAt").asString()))
                .isAfterOrEqualTo(Instant.parse(progress.path("createdAt").asString()));

        Set<String> eventIds = new HashSet<>();
        for (String id : selected) {
            JsonNode workflow = get(id);
            assertThat(workflow.path("workflowVersion").asInt()).as(id).isEqualTo(2);
            assertThat(workflow.path("status").asString()).as(id).isEqualTo(statusBefore.get(id));
            assertThat(task(workflow, "pre").path("status").asString()).as(id).isEqualTo("SKIPPED");
            assertThat(workflow.path("upgradeHistory")).as(id).hasSize(1);
            assertThat(workflow.path("upgradeHistory").get(0).path("commandId").asString())
                    .isEqualTo(BatchCommandIds.commandId(batchId, id));
            List<JsonNode> events = awaitEvents(id);
            for (JsonNode event : events) {
                assertThat(event.path("batchId").asString()).isEqualTo(batchId);
                assertThat(event.path("type").asString()).isEqualTo("WORKFLOW_UPGRADED");
                assertThat(event.path("commandId").asString()).isEqualTo(BatchCommandIds.commandId(batchId, id));
                assertThat(event.path("skippedTasks").toString()).isEqualTo("[\"pre\"]");
                eventIds.add(event.path("eventId").asString());
            }
        }
        assertThat(eventIds).hasSize(27);
        for (String id : terminated) {
            JsonNode workflow = get(id);
            assertThat(workflow.path("status").asString()).isEqualTo("TERMINATED");
            assertThat(workflow.path("workflowVersion").asInt()).isEqualTo(1);
            assertThat(workflow.path("upgradeHistory")).isEmpty();
            assertThat(observed.commandsFor(id)).isEmpty();
        }
        for (String id : v2) {
            JsonNode workflow = get(id);
            assertThat(workflow.path("workflowVersion").asInt()).isEqualTo(2);
            assertThat(workflow.path("upgradeHistory")).isEmpty();
            assertThat(workflow.path("tasks")).hasSize(1);
            assertThat(observed.commandsFor(id)).isEmpty();
        }
    }

    // --- 2. workflowIds selector and rejections ---------------------------------------------------------

    @Test
    void upgradesOnlyTheListedWorkflowIdsAndReportsRejections() {
        String name = registerVersions(List.of("w"), List.of("pre", "w"), List.of("other"));
        List<String> ids = IntStream.range(0, 6).mapToObj(i -> start(name, 1, Map.of())).toList();
        List<String> listed = List.of(ids.get(1), ids.get(4));

        String batchId = accept(Map.of("name", name, "toVersion", 2, "workflowIds", listed, "dryRun", false));
        JsonNode progress = awaitDone(batchId);

        assertThat(progress.path("selected").asLong()).isEqualTo(2);
        assertThat(progress.path("applied").asLong()).isEqualTo(2);
        for (String id : ids) {
            JsonNode workflow = get(id);
            assertThat(workflow.path("workflowVersion").asInt()).as(id).isEqualTo(listed.contains(id) ? 2 : 1);
            assertThat(workflow.path("upgradeHistory")).as(id).hasSize(listed.contains(id) ? 1 : 0);
        }

        String victim = ids.get(2);
        String rejectedBatch = accept(Map.of("name", name, "toVersion", 3, "workflowIds", List.of(victim),
                "dryRun", false));
        JsonNode rejected = awaitDone(rejectedBatch);

        assertThat(rejected.path("selected").asLong()).isEqualTo(1);
        assertThat(rejected.path("applied").asLong()).isZero();
        assertThat(rejected.path("rejected").asLong()).isEqualTo(1);
        assertThat(rejected.path("rejections")).hasSize(1);
        JsonNode rejection = rejected.path("rejections").get(0);
        assertThat(rejection.path("workflowId").asString()).isEqualTo(victim);
        assertThat(rejection.path("commandId").asString()).isEqualTo(BatchCommandIds.commandId(rejectedBatch, victim));
        assertThat(rejection.path("reason").asString()).isEqualTo("task w is not in version 3");
        JsonNode workflow = get(victim);
        assertThat(workflow.path("workflowVersion").asInt()).isEqualTo(1);
        assertThat(workflow.path("upgradeHistory")).isEmpty();
        List<JsonNode> events = awaitEvents(victim);
        assertThat(events).extracting(e -> e.path("type").asString()).containsOnly("WORKFLOW_UPGRADE_REJECTED");
        assertThat(events).extracting(e -> e.path("batchId").asString()).containsOnly(rejectedBatch);
    }

    // --- 3. Dry run -------------------------------------------------------------------------------------

    @Test
    void aDryRunCountsWhatWouldHappenAndPublishesAndChangesNothing() {
        // v1 runs w (upgradable to v3), v2 runs x (not in v3: rejected), v3 is the target (noop).
        String name = registerVersions(List.of("w"), List.of("x"), List.of("pre", "w"));
        List<String> onV1 = IntStream.range(0, 3).mapToObj(i -> start(name, 1, Map.of())).toList();
        List<String> onV2 = IntStream.range(0, 2).mapToObj(i -> start(name, 2, Map.of())).toList();
        String onV3 = start(name, 3, Map.of());
        List<String> all = new ArrayList<>(onV1);
        all.addAll(onV2);
        all.add(onV3);

        Http.Response dry = http.postJson(BULK, Map.of("name", name, "toVersion", 3, "dryRun", true));

        assertThat(dry.status()).as(dry.body()).isEqualTo(200);
        JsonNode body = dry.json();
        assertThat(body.path("dryRun").asBoolean()).isTrue();
        assertThat(body.path("selected").asLong()).isEqualTo(6);
        assertThat(body.path("wouldUpgrade").asLong()).isEqualTo(3);
        assertThat(body.path("wouldNoop").asLong()).isEqualTo(1);
        assertThat(body.path("wouldReject").asLong()).isEqualTo(2);
        assertThat(body.path("rejections")).hasSize(2);
        assertThat(body.path("rejections")).extracting(r -> r.path("workflowId").asString())
                .containsExactlyInAnyOrderElementsOf(onV2);
        assertThat(body.path("rejections")).extracting(r -> r.path("reason").asString())
                .containsOnly("task x is not in version 3");
        for (String id : all) {
            assertThat(get(id).path("upgradeHistory")).isEmpty();
        }

        // The real request: once its commands are all observed, any command the dry run published would be too.
        String batchId = accept(Map.of("name", name, "toVersion", 3, "dryRun", false));
        JsonNode progress = awaitDone(batchId);
        assertThat(progress.path("selected").asLong()).isEqualTo(6);
        assertThat(progress.path("applied").asLong()).isEqualTo(3);
        assertThat(progress.path("noop").asLong()).isEqualTo(1);
        assertThat(progress.path("rejected").asLong()).isEqualTo(2);
        for (String id : all) {
            await().atMost(PATIENCE).until(() -> !observed.commandsFor(id).isEmpty());
            assertThat(observed.commandsFor(id)).as(id).hasSize(1);
            JsonNode command = json.readTree(observed.commandsFor(id).get(0).value());
            assertThat(command.path("commandId").asString()).isEqualTo(BatchCommandIds.commandId(batchId, id));
            assertThat(awaitEvents(id)).extracting(e -> e.path("commandId").asString())
                    .containsOnly(BatchCommandIds.commandId(batchId, id));
        }
        for (String id : onV1) {
            assertThat(get(id).path("workflowVersion").asInt()).isEqualTo(3);
        }
        for (String id : onV2) {
            assertThat(get(id).path("workflowVersion").asInt()).isEqualTo(2);
            assertThat(get(id).path("upgradeHistory")).isEmpty();
        }
    }

    // --- 4. A crash midway: resumed, nothing lost, nothing applied twice --------------------------------

    @Test
    void aCrashedExpansionResumesAfterItsCursorAndEveryExecutionIsUpgradedOnce() throws Exception {
        String name = registerVersions(List.of("w"), List.of("pre", "w"));
        List<String> ids = IntStream.range(0, 12).mapToObj(i -> start(name, 1, Map.of())).sorted().toList();
        int k = 5;
        String batchId = UUID.randomUUID().toString();
        BulkUpgradeRequest request = new BulkUpgradeRequest(name, List.of(1), 2, null, null, null, null, null, false);
        Instant now = Instant.now();
        batches.insert(new BulkBatch(batchId, request, BulkBatch.State.EXPANDING, k, ids.get(k - 1), "crashed",
                now, null));
        // What the crashed expansion published: the first k commands, and the first two of them twice.
        List<String> published = new ArrayList<>(ids.subList(0, k));
        published.addAll(ids.subList(0, 2));
        for (String id : published) {
            UpgradeCommand command = new UpgradeCommand(UpgradeCommand.SCHEMA_VERSION,
                    BatchCommandIds.commandId(batchId, id), id, name, 2, null, null, now, "crashed", null);
            upstream.send(new ProducerRecord<>(commandTopic, id, codec.encode(command))).get();
        }

        redeliver(batchId);
        JsonNode progress = awaitDone(batchId);

        assertThat(progress.path("selected").asLong()).isEqualTo(ids.size());
        assertThat(progress.path("applied").asLong()).isEqualTo(ids.size());
        Set<String> eventIds = new HashSet<>();
        for (String id : ids) {
            Http.Response history = http.get("/api/workflow/" + id + "/upgrades");
            assertThat(history.status()).isEqualTo(200);
            assertThat(history.json()).as(id).hasSize(1);
            assertThat(history.json().get(0).path("commandId").asString())
                    .isEqualTo(BatchCommandIds.commandId(batchId, id));
            JsonNode workflow = get(id);
            assertThat(workflow.path("workflowVersion").asInt()).isEqualTo(2);
            assertThat(workflow.path("tasks")).hasSize(2);
            for (JsonNode event : awaitEvents(id)) {
                assertThat(event.path("batchId").asString()).isEqualTo(batchId);
                eventIds.add(event.path("eventId").asString());
            }
        }
        assertThat(eventIds).hasSize(ids.size());
        // The expansion published only the commands after the cursor, once each; those before it only as we did.
        for (int i = 0; i < ids.size(); i++) {
            String id = ids.get(i);
            int expected = i < 2 ? 2 : 1;
            await().atMost(PATIENCE).until(() -> observed.commandsFor(id).size() >= expected);
            assertThat(observed.commandsFor(id)).as(id).hasSize(expected);
        }

        // Redelivered after completion: consumed, and nothing changes.
        redeliver(batchId);
        awaitBulkTopicConsumed();
        JsonNode after = progress(batchId).json();
        assertThat(after.path("state").asString()).isEqualTo("EXPANDED");
        assertThat(after.path("selected").asLong()).isEqualTo(ids.size());
        assertThat(after.path("applied").asLong()).isEqualTo(ids.size());
        assertThat(after.path("expandedAt").asString()).isEqualTo(progress.path("expandedAt").asString());
        for (String id : ids) {
            assertThat(http.get("/api/workflow/" + id + "/upgrades").json()).hasSize(1);
        }
        for (String id : ids.subList(k, ids.size())) {
            assertThat(observed.commandsFor(id)).as(id).hasSize(1);
        }
    }

    // --- 5. Bad input -----------------------------------------------------------------------------------

    @Test
    void badInputIsA400NamingTheFieldAndAnUnknownBatchIsA404() {
        String name = registerVersions(List.of("w"), List.of("pre", "w"));
        String workflowId = start(name, 1, Map.of());

        assertError(http.postJson(BULK, Map.of("toVersion", 2, "dryRun", false)), 400, "name", "name");
        assertError(http.postJson(BULK, Map.of("name", name, "toVersion", 9, "dryRun", false)), 400, "has no version 9", "toVersion");
        assertError(http.postJson(BULK, Map.of("name", name, "toVersion", 2, "workflowIds", List.of("bad$id"),
                "dryRun", false)),
                400, "workflowIds[0]", "workflowIds[0]");
        assertError(http.get(BULK + "/" + UUID.randomUUID()), 404, "not found", null);
        assertError(http.get(BULK + "/bad$id"), 400, "batchId", "batchId");

        JsonNode workflow = get(workflowId);
        assertThat(workflow.path("workflowVersion").asInt()).isEqualTo(1);
        assertThat(workflow.path("upgradeHistory")).isEmpty();
        assertThat(observed.commandsFor(workflowId)).isEmpty();
    }

    // Regression (was a bug, now fixed): dryRun is documented as optional, but BulkUpgradeRequest declares it as a primitive boolean and the
    // JSON mapper fails on null for primitives, so every request that leaves it out (the ordinary case) is a
    // 400 "Request body is not valid JSON: Cannot map `null` into type `boolean`". The other cases here send
    // "dryRun": false explicitly so that the rest of the behaviour is still checked.
    @Test
    void dryRunIsOptionalAndAMissingNameIsStillNamed() {
        String name = registerVersions(List.of("w"), List.of("pre", "w"));
        String workflowId = start(name, 1, Map.of());

        assertError(http.postJson(BULK, Map.of("toVersion", 2)), 400, "name", "name");
        String batchId = accept(Map.of("name", name, "toVersion", 2, "workflowIds", List.of(workflowId)));
        assertThat(awaitDone(batchId).path("applied").asLong()).isEqualTo(1);
        assertThat(get(workflowId).path("workflowVersion").asInt()).isEqualTo(2);
    }

    // --- Helpers ----------------------------------------------------------------------------------------

    private String accept(Map<String, Object> body) {
        Http.Response accepted = http.postJson(BULK, body);
        assertThat(accepted.status()).as(accepted.body()).isEqualTo(202);
        return accepted.json().path("batchId").asString();
    }



    /** The workflow's events, at least one, each valid against the published schema. */
    private List<JsonNode> awaitEvents(String workflowId) {
        await().atMost(PATIENCE).until(() -> !observed.eventsFor(workflowId).isEmpty());
        List<JsonNode> events = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> record : observed.eventsFor(workflowId)) {
            JsonNode event = json.readTree(record.value());
            assertThat(ContractSchema.UPGRADE_EVENT.validate(event)).as(event.toString()).isEmpty();
            assertThat(event.path("eventId").asString())
                    .isEqualTo(UpgradeEvent.eventIdFor(event.path("commandId").asString()));
            events.add(event);
        }
        return events;
    }

    private void redeliver(String batchId) throws Exception {
        byte[] value = batchId.getBytes(StandardCharsets.UTF_8);
        upstream.send(new ProducerRecord<>(bulkTopic, batchId, value)).get();
    }

    /** Waits until the service's consumer group has committed past every record on the bulk topic. */
    private void awaitBulkTopicConsumed() throws Exception {
        try (AdminClient admin = AdminClient.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                String.join(",", kafka.getBootstrapServers())))) {
            Set<TopicPartition> partitions = admin.describeTopics(List.of(bulkTopic)).allTopicNames().get()
                    .get(bulkTopic).partitions().stream().map(p -> new TopicPartition(bulkTopic, p.partition()))
                    .collect(Collectors.toSet());
            Map<TopicPartition, OffsetSpec> latest = new LinkedHashMap<>();
            partitions.forEach(p -> latest.put(p, OffsetSpec.latest()));
            Map<TopicPartition, Long> ends = new HashMap<>();
            admin.listOffsets(latest).all().get().forEach((p, info) -> ends.put(p, info.offset()));
            await().atMost(PATIENCE).until(() -> {
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(consumerGroup)
                        .partitionsToOffsetAndMetadata().get();
                return ends.entrySet().stream().allMatch(e -> e.getValue() == 0 || committed.get(e.getKey()) != null
                        && committed.get(e.getKey()).offset() >= e.getValue());
            });
        }
    }

    private static void assertError(Http.Response response, int status, String messagePart, String path) {
        assertThat(response.status()).as(response.body()).isEqualTo(status);
        JsonNode body = response.json();
        assertThat(body.path("status").asInt()).isEqualTo(status);
        assertThat(body.path("message").asString()).contains(messagePart);
        assertThat(response.body()).doesNotContain("Exception").doesNotContain("\tat ");
        if (path != null) {
            assertThat(body.path("validationErrors")).extracting(e -> e.path("path").asString()).contains(path);
        }
    }
}

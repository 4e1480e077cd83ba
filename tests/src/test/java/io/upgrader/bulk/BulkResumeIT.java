package io.upgrader.bulk;

import io.upgrader.kafka.KafkaBulkBatchSender;
import io.upgrader.kafka.UpgradeCommandCodec;
import io.upgrader.kafka.UpgradeTopics;
import io.upgrader.mongo.bulk.BulkBatchStore;
import io.upgrader.mongo.bulk.BulkCounts;
import io.upgrader.mongo.upgrade.UpgradeStatusStore;
import io.upgrader.support.EmbeddedInfrastructureTest;
import io.upgrader.support.Http;
import io.upgrader.support.UpgradeFixture;
import io.upgrader.upgrade.BatchCommandIds;
import io.upgrader.upgrade.UpgradeCommand;
import io.upgrader.upgrade.UpgradeStatus;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.data.mongodb.core.MongoTemplate;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 13: a bulk upgrade whose batchId could not be sent answers 503 retryable and is resumed; a batch whose
 * expansion stopped (a lost continuation) is resumed; the expansion publishes one page per delivery of its
 * batchId; applied is counted from recorded outcomes, once each; the rejection list is read by state, a page at a time; a dry run evaluates a bounded selection. A
 * context of its own: a batch sender that fails on demand (around the real one), a resumer of a few seconds and a
 * dry run of at most 5.
 */
@EmbeddedInfrastructureTest
@TestPropertySource(properties = {"upgrader.bulk.resume-after=2s", "upgrader.bulk.resume-interval=250ms",
        "upgrader.bulk.dry-run-limit=5"})
@Import(BulkResumeIT.FlakySender.Configuration.class)
class BulkResumeIT extends UpgradeFixture {

    private static final String BULK = "/api/workflow/upgrade/bulk";

    /** The real sender; records what each send found recorded, and fails an armed definition's next send. */
    static class FlakySender extends KafkaBulkBatchSender {

        @TestConfiguration
        static class Configuration {
            @Bean
            @Primary
            FlakySender flakySender(KafkaTemplate<String, byte[]> kafka, UpgradeTopics topics,
                                    BulkBatchStore batches) {
                return new FlakySender(kafka, topics, batches);
            }
        }

        private final BulkBatchStore batches;
        final Set<String> failNextOf = ConcurrentHashMap.newKeySet();
        /** batchId -> the batch's selected count at each send (0 at the request, then one page more each step). */
        final Map<String, List<Long>> selectedAtSend = new ConcurrentHashMap<>();

        FlakySender(KafkaTemplate<String, byte[]> kafka, UpgradeTopics topics, BulkBatchStore batches) {
            super(kafka, topics);
            this.batches = batches;
        }

        @Override
        public void send(String batchId) {
            BulkBatch batch = batches.find(batchId).orElseThrow();
            selectedAtSend.computeIfAbsent(batchId, id -> new CopyOnWriteArrayList<>()).add(batch.selected());
            if (failNextOf.remove(batch.request().name())) {
                throw new NotSentException("simulated: broker unreachable", null);
            }
            super.send(batchId);
        }
    }

    @Autowired
    FlakySender sender;
    @Autowired
    BulkBatchStore batches;
    @Autowired
    MongoTemplate mongo;
    @Autowired
    UpgradeCommandCodec codec;
    @Autowired
    UpgradeStatusStore statuses;

    @Test
    void aFailedSendAnswers503KeepsTheBatchAndTheResumerExpandsIt() {
        String name = registerVersions(List.of("w"), List.of("pre", "w"));
        List<String> ids = IntStream.range(0, 10).mapToObj(i -> start(name, 1, Map.of())).toList();
        sender.failNextOf.add(name);

        Http.Response failed = http.postJson(BULK, Map.of("name", name, "toVersion", 2));

        assertThat(failed.status()).as(failed.body()).isEqualTo(503);
        assertThat(failed.json().path("retryable").asBoolean()).isTrue();
        Document stored = mongo.getCollection("upgrade_batches").find(new Document("request.name", name)).first();
        assertThat(stored).isNotNull();
        String batchId = stored.getString("_id");
        assertThat(failed.json().path("message").asString()).contains(batchId).contains("resumed");
        assertThat(progress(batchId).json().path("state").asString()).isEqualTo("EXPANDING");

        JsonNode done = awaitDone(batchId);
        assertThat(done.path("selected").asLong()).isEqualTo(ids.size());
        assertThat(done.path("applied").asLong()).isEqualTo(ids.size());
        for (String id : ids) {
            JsonNode workflow = get(id);
            assertThat(workflow.path("workflowVersion").asInt()).isEqualTo(2);
            assertThat(workflow.path("upgradeHistory")).hasSize(1);
            assertThat(workflow.path("upgradeHistory").get(0).path("commandId").asString())
                    .isEqualTo(BatchCommandIds.commandId(batchId, id));
        }
    }

    @Test
    void aBatchWhoseExpansionStoppedIsResumedAfterItsCursor() {
        String name = registerVersions(List.of("w"), List.of("pre", "w"));
        List<String> ids = IntStream.range(0, 9).mapToObj(i -> start(name, 1, Map.of())).sorted().toList();
        String batchId = UUID.randomUUID().toString();
        BulkUpgradeRequest request = new BulkUpgradeRequest(name, List.of(1), 2, null, null, null, null, null, false);
        // Stopped a minute ago after the first 7 (its continuation lost); nothing of it is on the bulk topic.
        batches.insert(new BulkBatch(batchId, request, BulkBatch.State.EXPANDING, 7, ids.get(6), "crashed",
                Instant.now().minusSeconds(60), null));

        await().atMost(PATIENCE).until(() -> batches.find(batchId).orElseThrow().state() == BulkBatch.State.EXPANDED);

        BulkBatch batch = batches.find(batchId).orElseThrow();
        assertThat(batch.selected()).isEqualTo(ids.size());
        assertThat(batch.cursor()).isEqualTo(ids.get(ids.size() - 1));
        for (String id : ids.subList(7, ids.size())) {
            await().atMost(PATIENCE).until(() -> get(id).path("workflowVersion").asInt() == 2);
            assertThat(get(id).path("upgradeHistory")).hasSize(1);
        }
        for (String id : ids.subList(0, 7)) {
            assertThat(observed.commandsFor(id)).isEmpty();
            assertThat(get(id).path("workflowVersion").asInt()).isEqualTo(1);
        }
    }

    @Test
    void theExpansionPublishesOnePagePerDeliveryOfItsBatchId() {
        // page-size 7 (EmbeddedInfrastructureTest): 20 executions are three steps, 7, 7 and 6.
        String name = registerVersions(List.of("w"), List.of("pre", "w"));
        List<String> ids = IntStream.range(0, 20).mapToObj(i -> start(name, 1, Map.of())).toList();

        Http.Response accepted = http.postJson(BULK, Map.of("name", name, "toVersion", 2));
        assertThat(accepted.status()).as(accepted.body()).isEqualTo(202);
        String batchId = accepted.json().path("batchId").asString();

        JsonNode done = awaitDone(batchId);
        assertThat(done.path("selected").asLong()).isEqualTo(ids.size());
        assertThat(done.path("applied").asLong()).isEqualTo(ids.size());
        // The request's send, then one continuation after each full page, each after its page was recorded.
        assertThat(sender.selectedAtSend.get(batchId)).startsWith(0L, 7L, 14L);
        assertThat(sender.selectedAtSend.get(batchId)).doesNotContain(20L);
    }

    @Test
    void theRejectionsAreListedByStateAPageAtATime() {
        // v1 runs w, v3 does not have it: rejected; executions already on v3: noop.
        String name = registerVersions(List.of("w"), List.of("pre", "w"), List.of("other"));
        List<String> onV1 = IntStream.range(0, 9).mapToObj(i -> start(name, 1, Map.of())).toList();
        IntStream.range(0, 2).forEach(i -> start(name, 3, Map.of()));

        Http.Response accepted = http.postJson(BULK, Map.of("name", name, "toVersion", 3));
        assertThat(accepted.status()).as(accepted.body()).isEqualTo(202);
        String batchId = accepted.json().path("batchId").asString();
        JsonNode done = awaitDone(batchId);
        assertThat(done.path("rejected").asLong()).isEqualTo(9);
        assertThat(done.path("noop").asLong()).isEqualTo(2);
        assertThat(done.path("rejections")).hasSize(9);
        assertThat(done.path("nextRejectionsAfter").isNull()).isTrue();

        List<String> listed = new java.util.ArrayList<>();
        List<Integer> pageSizes = new java.util.ArrayList<>();
        String after = null;
        do {
            Http.Response page = http.get(BULK + "/" + batchId + "?rejectionsLimit=4"
                    + (after == null ? "" : "&rejectionsAfter=" + after));
            assertThat(page.status()).as(page.body()).isEqualTo(200);
            pageSizes.add(page.json().path("rejections").size());
            page.json().path("rejections").forEach(r -> {
                assertThat(r.path("reason").asString()).isEqualTo("task w is not in version 3");
                listed.add(r.path("workflowId").asString());
            });
            after = page.json().path("nextRejectionsAfter").isNull() ? null
                    : page.json().path("nextRejectionsAfter").asString();
        } while (after != null);
        assertThat(pageSizes).containsExactly(4, 4, 1);
        assertThat(listed).containsExactlyInAnyOrderElementsOf(onV1);

        assertThat(http.get(BULK + "/" + batchId + "?rejectionsLimit=0").status()).isEqualTo(400);
        assertThat(http.get(BULK + "/" + batchId + "?rejectionsLimit=1001").status()).isEqualTo(400);
    }

    @Test
    void aDryRunEvaluatesABoundedSelectionAndSaysSo() {
        String name = registerVersions(List.of("w"), List.of("pre", "w"));
        List<String> ids = IntStream.range(0, 8).mapToObj(i -> start(name, 1, Map.of())).sorted().toList();

        Http.Response capped = http.postJson(BULK, Map.of("name", name, "toVersion", 2, "dryRun", true));
        assertThat(capped.status()).as(capped.body()).isEqualTo(200);
        assertThat(capped.json().path("truncated").asBoolean()).isTrue();
        assertThat(capped.json().path("evaluated").asLong()).isEqualTo(5);
        assertThat(capped.json().path("selected").asLong()).isEqualTo(5);
        assertThat(capped.json().path("wouldUpgrade").asLong()).isEqualTo(5);

        Http.Response exact = http.postJson(BULK, Map.of("name", name, "toVersion", 2, "dryRun", true,
                "workflowIds", ids.subList(0, 5)));
        assertThat(exact.status()).as(exact.body()).isEqualTo(200);
        assertThat(exact.json().path("truncated").asBoolean()).isFalse();
        assertThat(exact.json().path("evaluated").asLong()).isEqualTo(5);
        for (String id : ids) {
            assertThat(get(id).path("upgradeHistory")).isEmpty();
        }
    }

    @Test
    void appliedIsCountedFromRecordedOutcomesOnceEachEvenWhenRedelivered() throws Exception {
        String name = registerVersions(List.of("w"), List.of("pre", "w"));
        List<String> ids = IntStream.range(0, 10).mapToObj(i -> start(name, 1, Map.of())).toList();
        Http.Response accepted = http.postJson(BULK, Map.of("name", name, "toVersion", 2));
        assertThat(accepted.status()).as(accepted.body()).isEqualTo(202);
        String batchId = accepted.json().path("batchId").asString();
        assertThat(awaitDone(batchId).path("applied").asLong()).isEqualTo(ids.size());

        // Every applied command of the batch is a recorded APPLIED status, which is what progress counts.
        Document applied = new Document("status", "APPLIED").append("_id",
                new Document("$regex", "^" + java.util.regex.Pattern.quote(BatchCommandIds.prefix(batchId))));
        assertThat(mongo.getCollection("upgrade_commands").countDocuments(applied)).isEqualTo(ids.size());

        // Commands of the batch delivered again: answered as applied, counted once.
        for (String id : ids.subList(0, 3)) {
            UpgradeCommand command = new UpgradeCommand(UpgradeCommand.SCHEMA_VERSION,
                    BatchCommandIds.commandId(batchId, id), id, name, 2, null, null, Instant.now(), "again", null);
            upstream.send(new ProducerRecord<>(commandTopic, id, codec.encode(command))).get();
        }
        for (String id : ids.subList(0, 3)) {
            await().atMost(PATIENCE).until(() -> observed.eventsFor(id).size() >= 2);
            assertThat(get(id).path("upgradeHistory")).hasSize(1);
        }
        JsonNode after = progress(batchId).json();
        assertThat(after.path("applied").asLong()).isEqualTo(ids.size());
        assertThat(after.path("pending").asLong()).isZero();
        assertThat(mongo.getCollection("upgrade_commands").countDocuments(applied)).isEqualTo(ids.size());
        Http.Response status = http.get("/api/workflow/upgrades/" + BatchCommandIds.commandId(batchId, ids.get(0)));
        assertThat(status.status()).isEqualTo(200);
        assertThat(status.json().path("status").asString()).isEqualTo("APPLIED");
        assertThat(status.json().path("toVersion").asInt()).isEqualTo(2);
    }

    @Test
    void countersLeftShortByACrashAreCountedAgainFromTheStatusesOnceTheBatchIsQuiet() {
        String name = registerVersions(List.of("w"), List.of("pre", "w"));
        String batchId = UUID.randomUUID().toString();
        BulkUpgradeRequest request = new BulkUpgradeRequest(name, List.of(1), 2, null, null, null, null, null, false);
        // Still EXPANDING and its cursor just moved: the resumer neither recounts it (only EXPANDED batches) nor
        // sends it again (not quiet), so the short counters below are seen before any recount, however slow the run.
        batches.insert(new BulkBatch(batchId, request, BulkBatch.State.EXPANDING, 0, null, "crashed",
                Instant.now(), null));
        assertThat(batches.advance(batchId, null, "wf-c", 3, Instant.now())).isTrue();
        // The three outcomes were recorded, then the process died before it counted them.
        List<UpgradeStatus> outcomes = List.of(
                outcome(batchId, "wf-a", name, UpgradeStatus.State.APPLIED),
                outcome(batchId, "wf-b", name, UpgradeStatus.State.APPLIED),
                outcome(batchId, "wf-c", name, UpgradeStatus.State.NOOP));
        assertThat(statuses.recordOutcomes(outcomes)).hasSize(3);
        assertThat(statuses.recordOutcomes(outcomes)).as("recorded before: not first any more").isEmpty();
        assertThat(progress(batchId).json().path("applied").asLong()).isZero();
        // Its expansion ended a minute ago: quiet, so the resumer now counts the statuses.
        assertThat(batches.markExpanded(batchId, "wf-c", Instant.now().minusSeconds(60))).isTrue();

        await().atMost(PATIENCE).until(() -> progress(batchId).json().path("pending").asLong() == 0);

        JsonNode done = progress(batchId).json();
        assertThat(done.path("applied").asLong()).isEqualTo(2);
        assertThat(done.path("noop").asLong()).isEqualTo(1);
        assertThat(done.path("rejected").asLong()).isZero();
        assertThat(done.path("progress").asDouble()).isEqualTo(1.0);
        await().atMost(PATIENCE).until(() -> Boolean.TRUE.equals(mongo.getCollection("upgrade_batches")
                .find(new Document("_id", batchId)).first().getBoolean(BulkCounts.SETTLED)));
    }

    private static UpgradeStatus outcome(String batchId, String workflowId, String name, UpgradeStatus.State state) {
        return new UpgradeStatus(BatchCommandIds.commandId(batchId, workflowId), workflowId, name, state, null, 1, 2,
                List.of(), Instant.now(), Instant.now(), null);
    }
}

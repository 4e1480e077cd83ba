package io.upgrader.execution;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.event.CommandListener;
import com.mongodb.event.CommandStartedEvent;
import io.upgrader.definition.WorkflowDef;
import io.upgrader.definition.WorkflowTask;
import io.upgrader.mongo.DocumentMapper;
import io.upgrader.mongo.definition.DefinitionSnapshots;
import io.upgrader.mongo.execution.ExecutionDocuments;
import io.upgrader.mongo.execution.ExecutionStore;
import io.upgrader.support.InProcessMongo;
import io.upgrader.upgrade.UpgradeCommand;
import io.upgrader.upgrade.UpgradeOutcome;
import io.upgrader.upgrade.UpgradePlanner;
import org.bson.BsonValue;
import org.bson.Document;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.data.mongodb.core.MongoTemplate;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Executions stored through the real driver in a MongoDB-wire server: each change is an update of what changed,
 * the stored document reads back as exactly the execution written, and what is sent does not grow with the
 * execution.
 */
class ExecutionStoreIT {

    /** The commands sent, with their collection and encoded size. */
    private record Sent(String name, String collection, int bytes) {
    }

    private static final List<Sent> SENT = new CopyOnWriteArrayList<>();
    private static final MongoClient CLIENT = MongoClients.create(MongoClientSettings.builder()
            .applyConnectionString(new ConnectionString(InProcessMongo.connectionString()))
            .addCommandListener(new CommandListener() {
                @Override
                public void commandStarted(CommandStartedEvent event) {
                    BsonValue collection = event.getCommand().get(event.getCommandName());
                    SENT.add(new Sent(event.getCommandName(), collection.isString() ? collection.asString().getValue()
                            : null, new RawBsonDocument(event.getCommand(), new BsonDocumentCodec()).getByteBuffer().remaining()));
                }
            }).build());

    private MongoTemplate mongo;
    private DefinitionSnapshots snapshots;
    private DocumentMapper mapper;
    private ExecutionStore store;
    private int taskIds;

    @BeforeEach
    void freshDatabase() {
        mongo = new MongoTemplate(CLIENT, "store-" + UUID.randomUUID().toString().substring(0, 8));
        JsonMapper json = JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
        mapper = new DocumentMapper(json);
        snapshots = new DefinitionSnapshots(mongo, mapper, json);
        store = new ExecutionStore(mongo, new ExecutionDocuments(mapper, snapshots));
    }

    @AfterAll
    static void close() {
        CLIENT.close();
    }

    private String nextTaskId() {
        return "task-" + ++taskIds;
    }

    private static WorkflowDef sequence(String name, int version, List<String> refs) {
        return new WorkflowDef(name, version, null, refs.stream()
                .map(ref -> new WorkflowTask(ref + "_def", ref, "SIMPLE", null, Map.of("in", "${workflow.input.x}"),
                        false)).toList(), List.of("x"), Map.of(), 1L, 1L);
    }

    private static List<String> refs(int count) {
        return IntStream.range(0, count).mapToObj(i -> "t" + i).toList();
    }

    /** Stores the change and checks that what is read back is exactly the new revision. */
    private Workflow stored(Workflow before, Workflow after) {
        assertThat(store.update(before, after)).as("update of %s at revision %d", before.workflowId(),
                before.revision()).isTrue();
        Workflow read = store.find(before.workflowId()).orElseThrow();
        assertThat(read).isEqualTo(after.withRevision(before.revision() + 1));
        return read;
    }

    private Workflow completeRunning(Workflow workflow, long now) {
        Task running = workflow.runningTasks().get(0);
        return Decider.onTaskResult(workflow, new TaskResult(workflow.workflowId(), running.taskId(),
                TaskResult.Status.COMPLETED, Map.of("result", running.referenceTaskName() + "-out", "n", 7L), null,
                "worker", null), now, this::nextTaskId);
    }

    @Test
    void everyKindOfChangeReadsBackAsTheExecutionWritten() {
        WorkflowDef v1 = sequence("roundtrip", 1, List.of("a", "b", "c"));
        Workflow started = Decider.start("wf-roundtrip", v1, Map.of("x", "in"), "corr", 1_000L, this::nextTaskId);
        store.insert(started);
        assertThat(store.find(started.workflowId())).contains(started);

        Workflow afterA = stored(started, completeRunning(started, 2_000L));
        Task claimed = store.claimScheduled("b_def", "worker-b", 2_500L).orElseThrow();
        assertThat(claimed.status()).isEqualTo(TaskStatus.IN_PROGRESS);
        Workflow claimedState = store.find(afterA.workflowId()).orElseThrow();
        assertThat(claimedState.revision()).isEqualTo(afterA.revision() + 1);

        WorkflowDef v2 = sequence("roundtrip", 2, List.of("a", "pre", "b", "c"));
        UpgradeOutcome outcome = UpgradePlanner.plan(claimedState, v2, new UpgradeCommand(UpgradeCommand.SCHEMA_VERSION,
                "cmd-1", claimedState.workflowId(), "roundtrip", 2, Map.of("pre", Map.of("skippedOut", 1)),
                Map.of("y", 2), Instant.ofEpochMilli(3_000L), "tester", null), Instant.ofEpochMilli(3_000L));
        Workflow upgraded = ((UpgradeOutcome.Upgraded) outcome).workflow();
        assertThat(store.updateUpgraded(claimedState, upgraded, "cmd-1")).isTrue();
        Workflow afterUpgrade = store.find(upgraded.workflowId()).orElseThrow();
        assertThat(afterUpgrade).isEqualTo(upgraded.withRevision(claimedState.revision() + 1));
        assertThat(afterUpgrade.workflowDefinition()).isEqualTo(v2);
        assertThat(store.updateUpgraded(afterUpgrade, afterUpgrade, "cmd-1")).as("a command applied once").isFalse();

        Workflow afterB = stored(afterUpgrade, completeRunning(afterUpgrade, 4_000L));
        Workflow paused = stored(afterB, Decider.pause(afterB, 4_500L));
        Workflow resumed = stored(paused, Decider.resume(paused, 4_600L, this::nextTaskId));
        Workflow ended = stored(resumed, Decider.terminate(resumed, "enough", 5_000L));
        assertThat(ended.status()).isEqualTo(WorkflowStatus.TERMINATED);
        assertThat(ended.upgradeHistory()).extracting(UpgradeHistoryEntry::commandId).containsExactly("cmd-1");
    }

    @Test
    void aChangeComputedFromAnOlderRevisionIsRefusedAndLeavesTheExecutionAsItWas() {
        Workflow started = Decider.start("wf-stale", sequence("stale", 1, List.of("a", "b")), Map.of(), null,
                1_000L, this::nextTaskId);
        store.insert(started);
        Workflow current = stored(started, completeRunning(started, 2_000L));

        assertThat(store.update(started, Decider.terminate(started, "late", 3_000L))).isFalse();

        assertThat(store.find(started.workflowId())).contains(current);
    }

    @Test
    void theDefinitionIsStoredOnceAsASnapshotAndNotInTheExecution() {
        WorkflowDef v1 = sequence("snap", 1, List.of("a", "b"));
        for (int i = 0; i < 3; i++) {
            store.insert(Decider.start("wf-snap-" + i, v1, Map.of(), null, 1_000L, this::nextTaskId));
        }

        Document raw = mongo.getCollection("workflows").find(new Document("_id", "wf-snap-0")).first();
        assertThat(raw).doesNotContainKey("workflowDefinition")
                .containsEntry(ExecutionDocuments.DEFINITION_REF, snapshots.reference(v1));
        assertThat(mongo.getCollection("definition_snapshots").countDocuments()).isEqualTo(1);
    }

    @Test
    void aSnapshotIsImmutableAndKeyedByContent() {
        WorkflowDef v1 = sequence("immutable", 1, List.of("a", "b"));
        WorkflowDef overwritten = sequence("immutable", 1, List.of("a", "b", "c"));

        String first = snapshots.store(v1);
        String second = snapshots.store(overwritten);

        assertThat(second).isNotEqualTo(first);
        assertThat(snapshots.store(sequence("immutable", 1, List.of("a", "b")))).isEqualTo(first);
        DefinitionSnapshots elsewhere = new DefinitionSnapshots(mongo, mapper,
                JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build());
        assertThat(elsewhere.find(first)).contains(v1);
        assertThat(elsewhere.find(second)).contains(overwritten);
        assertThat(elsewhere.find("0".repeat(64))).isEmpty();
    }

    @Test
    void anExecutionStoredWithItsDefinitionEmbeddedIsReadAndMovesToASnapshotWhenUpgraded() {
        WorkflowDef v1 = sequence("legacy", 1, List.of("a", "b"));
        Workflow started = Decider.start("wf-legacy", v1, Map.of(), null, 1_000L, this::nextTaskId);
        mongo.getCollection("workflows").insertOne(mapper.toDocument(started, started.workflowId()));

        Workflow read = store.find(started.workflowId()).orElseThrow();
        assertThat(read).isEqualTo(started);
        Workflow progressed = stored(read, completeRunning(read, 2_000L));
        assertThat(mongo.getCollection("workflows").find(new Document("_id", "wf-legacy")).first())
                .containsKey("workflowDefinition");

        WorkflowDef v2 = sequence("legacy", 2, List.of("a", "b", "c"));
        Workflow upgraded = ((UpgradeOutcome.Upgraded) UpgradePlanner.plan(progressed, v2, new UpgradeCommand(
                UpgradeCommand.SCHEMA_VERSION, "cmd-legacy", "wf-legacy", "legacy", 2, null, null,
                Instant.ofEpochMilli(3_000L), null, null), Instant.ofEpochMilli(3_000L))).workflow();
        assertThat(store.updateUpgraded(progressed, upgraded, "cmd-legacy")).isTrue();

        Document raw = mongo.getCollection("workflows").find(new Document("_id", "wf-legacy")).first();
        assertThat(raw).doesNotContainKey("workflowDefinition")
                .containsEntry(ExecutionDocuments.DEFINITION_REF, snapshots.reference(v2));
        assertThat(store.find("wf-legacy")).contains(upgraded.withRevision(progressed.revision() + 1));
    }

    /** A running execution of {@code records} tasks: all COMPLETED with small outputs but the last, running. */
    private Workflow withRecords(String workflowId, int records, WorkflowDef definition) {
        List<Task> tasks = new ArrayList<>();
        for (int i = 0; i < records; i++) {
            Task task = Task.created(workflowId + "-t" + i, "SIMPLE", "t" + i + "_def", "t" + i,
                    TaskStatus.SCHEDULED, i + 1, Map.of("in", "value " + i), workflowId, 1_000L + i);
            tasks.add(i < records - 1 ? task.ended(TaskStatus.COMPLETED, Map.of("result", "output of t" + i,
                    "n", i), null, 1_000L + i) : task);
        }
        Workflow workflow = new Workflow(workflowId, definition.name(), definition.version(), WorkflowStatus.RUNNING,
                Map.of("x", "in"), Map.of(), Map.of(), null, 1_000L, 2_000L, 0, definition, tasks, List.of(), 0,
                null);
        store.insert(workflow);
        return workflow;
    }

    /** The bytes of the commands a write sends for executions (a new definition's snapshot is stored once). */
    private int bytesOf(Runnable write) {
        SENT.clear();
        write.run();
        return SENT.stream().filter(sent -> "workflows".equals(sent.collection())).mapToInt(Sent::bytes).sum();
    }

    @Test
    void theBytesOfATaskUpdateAndOfAnUpgradeDoNotGrowWithTheExecution() {
        WorkflowDef v1 = sequence("large", 1, refs(1_001));
        List<String> v2Refs = new ArrayList<>(refs(1_001));
        v2Refs.add(5, "added");
        WorkflowDef v2 = sequence("large", 2, v2Refs);
        int[] updateBytes = new int[2];
        int[] upgradeBytes = new int[2];
        int[] sizes = {10, 1_000};
        for (int i = 0; i < sizes.length; i++) {
            Workflow workflow = withRecords("wf-large-" + sizes[i], sizes[i], v1);
            Workflow completed = completeRunning(workflow, 5_000L);
            updateBytes[i] = bytesOf(() -> assertThat(store.update(workflow, completed)).isTrue());
            Workflow read = store.find(workflow.workflowId()).orElseThrow();
            Workflow upgraded = ((UpgradeOutcome.Upgraded) UpgradePlanner.plan(read, v2, new UpgradeCommand(
                    UpgradeCommand.SCHEMA_VERSION, "cmd-" + sizes[i], read.workflowId(), "large", 2,
                    Map.of("added", Map.of("given", true)), null, Instant.ofEpochMilli(6_000L), null, null),
                    Instant.ofEpochMilli(6_000L))).workflow();
            String commandId = "cmd-" + sizes[i];
            upgradeBytes[i] = bytesOf(() -> assertThat(store.updateUpgraded(read, upgraded, commandId)).isTrue());
            assertThat(store.find(read.workflowId())).contains(upgraded.withRevision(read.revision() + 1));
        }
        Document stored = mongo.getCollection("workflows").find(new Document("_id", "wf-large-1000")).first();
        int documentBytes = new RawBsonDocument(stored.toBsonDocument(), new BsonDocumentCodec())
                .getByteBuffer().remaining();

        System.out.printf("bytes sent per task update: %d (10 records) / %d (1,000 records) = %.2fx; per upgrade "
                        + "apply: %d / %d = %.2fx; the 1,000-record document: %d bytes%n", updateBytes[0],
                updateBytes[1], (double) updateBytes[1] / updateBytes[0], upgradeBytes[0], upgradeBytes[1],
                (double) upgradeBytes[1] / upgradeBytes[0], documentBytes);
        assertThat((double) updateBytes[1] / updateBytes[0]).isLessThanOrEqualTo(1.5);
        assertThat((double) upgradeBytes[1] / upgradeBytes[0]).isLessThanOrEqualTo(1.5);
        assertThat(updateBytes[1]).isLessThan(documentBytes / 20);
    }

    @Test
    void aBudgetedReadStopsOnceTheStoredBytesReachTheBudgetAndSaysWhatItLeft() {
        WorkflowDef v1 = sequence("budget", 1, refs(200));
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            ids.add(withRecords("wf-budget-" + i, 200, v1).workflowId());
        }
        int documentBytes = mongo.getCollection("workflows").withDocumentClass(RawBsonDocument.class)
                .find(new Document("_id", ids.get(0))).first().getByteBuffer().remaining();
        List<String> asked = new ArrayList<>(ids);
        asked.add("wf-budget-missing");

        // Two and a half documents: the read stops after the third, which reaches the budget.
        UpgradableExecutions.Reading partial = store.findWithin(asked, documentBytes * 5L / 2);
        assertThat(partial.found()).hasSize(3);
        assertThat(partial.found().values()).allSatisfy(w -> assertThat(w.tasks()).hasSize(200));
        Set<String> left = new HashSet<>(asked);
        left.removeAll(partial.found().keySet());
        assertThat(partial.unread()).as("everything not read, the missing id among it").isEqualTo(left);

        // A budget below one document still reads one.
        UpgradableExecutions.Reading one = store.findWithin(asked, 1);
        assertThat(one.found()).hasSize(1);
        assertThat(one.unread()).hasSize(asked.size() - 1);

        // A budget that holds them all: nothing left, and the missing id is known not to exist.
        UpgradableExecutions.Reading all = store.findWithin(asked, documentBytes * 100L);
        assertThat(all.found().keySet()).containsExactlyInAnyOrderElementsOf(ids);
        assertThat(all.unread()).isEmpty();
        assertThat(all.found().get(ids.get(4))).isEqualTo(store.find(ids.get(4)).orElseThrow());
    }
}

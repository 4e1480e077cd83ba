package io.upgrader.upgrade;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.upgrader.definition.WorkflowDef;
import io.upgrader.definition.WorkflowDefinitions;
import io.upgrader.definition.WorkflowTask;
import io.upgrader.execution.ApplyProperties;
import io.upgrader.execution.ExecutionChanges;
import io.upgrader.execution.ExecutionListener;
import io.upgrader.execution.Task;
import io.upgrader.execution.TaskStatus;
import io.upgrader.execution.UpgradeHistoryEntry;
import io.upgrader.execution.Workflow;
import io.upgrader.execution.WorkflowStatus;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.util.unit.DataSize;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import static io.upgrader.execution.TaskStatus.COMPLETED;
import static io.upgrader.execution.TaskStatus.IN_PROGRESS;
import static io.upgrader.execution.TaskStatus.SCHEDULED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/**
 * {@link UpgradeApplier#applyAll} against in-memory executions and statuses: no Spring context, no Kafka, no
 * MongoDB. What the bulk write of a poll does when some of its executions were changed by someone else in the
 * meantime, and what a redelivered poll does.
 */
class UpgradeApplierTest {

    private static final String NAME = "order";
    private static final Instant NOW = Instant.parse("2026-01-02T03:04:05Z");
    private static final long REVISION = 3;
    private static final WorkflowDef V1 = definition(1, "a", "b", "c");
    private static final WorkflowDef V2 = definition(2, "a", "b", "c", "d");

    private final InMemoryExecutions executions = new InMemoryExecutions();
    private final InMemoryUpgradeStatuses statuses = new InMemoryUpgradeStatuses();
    private final List<List<UpgradeEvent>> published = new ArrayList<>();
    private final List<Workflow> toldListeners = new ArrayList<>();
    private final List<UpgradeStatus> batchCounted = new ArrayList<>();
    private final MeterRegistry meters = new SimpleMeterRegistry();
    private final UpgradeApplier applier = applier(new ApplyProperties(16, 50, DataSize.ofMegabytes(4)));

    @Test
    void aConflictingExecutionIsPlannedAgainOnItsFreshStateWhileTheOthersAreApplied() {
        Workflow one = execution("wf-1");
        Workflow two = execution("wf-2");
        Workflow three = execution("wf-3");
        // A worker completes b of wf-2 (and the decider schedules c) between the applier's read and its bulk write.
        executions.beforeNextWrite(() -> executions.concurrentChange("wf-2", w -> w.withProgress(List.of(
                task("a", COMPLETED, 1), task("b", COMPLETED, 2), task("c", SCHEDULED, 3)), w.variables(), 99)));

        List<UpgradeEvent> events = applier.applyAll(List.of(command("cmd-1", one), command("cmd-2", two),
                command("cmd-3", three)));

        assertThat(executions.writes).containsExactly("bulk:wf-1@3 held", "bulk:wf-2@3 conflict",
                "bulk:wf-3@3 held", "single:wf-2@4 held");
        Workflow upgraded = executions.get("wf-2");
        assertThat(upgraded.workflowVersion()).isEqualTo(2);
        assertThat(upgraded.revision()).isEqualTo(REVISION + 2);
        // Planned on the fresh state: the other writer's change is kept, and the upgrade continues from c.
        assertThat(upgraded.tasks()).extracting(Task::referenceTaskName, Task::status)
                .containsExactly(tuple("a", COMPLETED), tuple("b", COMPLETED), tuple("c", SCHEDULED));
        assertThat(upgraded.upgradeHistory()).extracting(UpgradeHistoryEntry::commandId).containsExactly("cmd-2");
        assertThat(executions.get("wf-1").workflowVersion()).isEqualTo(2);
        assertThat(executions.get("wf-3").workflowVersion()).isEqualTo(2);

        // The batch's events go together; the re-planned command's follows on its own.
        assertThat(published).extracting(batch -> batch.stream().map(UpgradeEvent::commandId).toList())
                .containsExactly(List.of("cmd-1", "cmd-3"), List.of("cmd-2"));
        assertThat(events).extracting(UpgradeEvent::commandId, UpgradeEvent::type).containsExactly(
                tuple("cmd-1", UpgradeEvent.Type.WORKFLOW_UPGRADED), tuple("cmd-3", UpgradeEvent.Type.WORKFLOW_UPGRADED),
                tuple("cmd-2", UpgradeEvent.Type.WORKFLOW_UPGRADED));
        assertThat(List.of("cmd-1", "cmd-2", "cmd-3")).allSatisfy(commandId ->
                assertThat(statuses.find(commandId)).map(UpgradeStatus::status).contains(UpgradeStatus.State.APPLIED));
        // Listeners see each stored execution once, at the revision it was stored with.
        assertThat(toldListeners).extracting(Workflow::workflowId, Workflow::revision)
                .containsExactly(tuple("wf-1", REVISION + 1), tuple("wf-3", REVISION + 1), tuple("wf-2", REVISION + 2));
        assertThat(counted("applied")).isEqualTo(3);
    }

    @Test
    void aConflictThatEndsTheExecutionRejectsTheCommandWithItsStatusAndLeavesTheExecutionAlone() {
        Workflow one = execution("wf-1");
        Workflow two = execution("wf-2");
        executions.beforeNextWrite(() -> executions.concurrentChange("wf-2",
                w -> w.ended(WorkflowStatus.TERMINATED, null, "terminated by an operator", 99)));

        List<UpgradeEvent> events = applier.applyAll(List.of(command("cmd-1", one), command("cmd-2", two)));

        assertThat(executions.writes).containsExactly("bulk:wf-1@3 held", "bulk:wf-2@3 conflict");
        assertThat(executions.get("wf-2")).extracting(Workflow::workflowVersion, Workflow::status, Workflow::revision)
                .containsExactly(1, WorkflowStatus.TERMINATED, REVISION + 1);
        assertThat(statuses.find("cmd-2")).get()
                .extracting(UpgradeStatus::status, UpgradeStatus::rejection, UpgradeStatus::fromVersion)
                .containsExactly(UpgradeStatus.State.REJECTED, Rejection.Reason.NOT_UPGRADABLE_STATUS, 1);
        assertThat(events).extracting(UpgradeEvent::commandId, UpgradeEvent::type).containsExactly(
                tuple("cmd-1", UpgradeEvent.Type.WORKFLOW_UPGRADED),
                tuple("cmd-2", UpgradeEvent.Type.WORKFLOW_UPGRADE_REJECTED));
        assertThat(counted("applied")).isEqualTo(1);
        assertThat(counted("rejected")).isEqualTo(1);
    }

    @Test
    void commandsThatCannotApplyGetTheirRejectedStatusAndEvent() {
        Workflow one = execution("wf-1");
        UpgradeCommand unknownVersion = new UpgradeCommand(UpgradeCommand.SCHEMA_VERSION, "cmd-v9", "wf-1", NAME, 9,
                null, null, NOW.minusSeconds(5), "alice", null);
        UpgradeCommand unknownWorkflow = new UpgradeCommand(UpgradeCommand.SCHEMA_VERSION, "cmd-none", "wf-none",
                NAME, 2, null, null, NOW.minusSeconds(5), "alice", null);

        List<UpgradeEvent> events = applier.applyAll(List.of(unknownVersion, unknownWorkflow));

        assertThat(executions.writes).isEmpty();
        assertThat(executions.get("wf-1")).isEqualTo(one);
        assertThat(Stream.of("cmd-v9", "cmd-none").map(statuses::find).map(Optional::orElseThrow))
                .extracting(UpgradeStatus::status, UpgradeStatus::rejection).containsExactly(
                        tuple(UpgradeStatus.State.REJECTED, Rejection.Reason.UNKNOWN_VERSION),
                        tuple(UpgradeStatus.State.REJECTED, Rejection.Reason.UNKNOWN_WORKFLOW));
        assertThat(events).extracting(UpgradeEvent::type).containsOnly(UpgradeEvent.Type.WORKFLOW_UPGRADE_REJECTED);
        assertThat(events).extracting(UpgradeEvent::reason).allSatisfy(reason -> assertThat(reason).isNotBlank());
    }

    @Test
    void aCommandForTheVersionTheExecutionAlreadyRunsIsANoopWithoutAWrite() {
        Workflow current = upgradedBy("cmd-earlier", "wf-1");

        List<UpgradeEvent> events = applier.applyAll(List.of(command("cmd-again", current)));

        assertThat(executions.writes).isEmpty();
        assertThat(executions.get("wf-1")).isEqualTo(current);
        assertThat(statuses.find("cmd-again")).map(UpgradeStatus::status).contains(UpgradeStatus.State.NOOP);
        assertThat(events).extracting(UpgradeEvent::type).containsExactly(UpgradeEvent.Type.WORKFLOW_UPGRADE_NOOP);
        assertThat(counted("noop")).isEqualTo(1);
    }

    @Test
    void aCommandAlreadyInTheHistoryIsAnsweredWithItsAppliedOutcomeWithoutASecondWrite() {
        // Applied before a crash, after the execution's write but before its status and offset were recorded.
        Workflow current = upgradedBy("cmd-1", "wf-1");

        List<UpgradeEvent> events = applier.applyAll(List.of(command("cmd-1", current)));

        assertThat(executions.writes).isEmpty();
        assertThat(executions.get("wf-1")).isEqualTo(current);
        assertThat(events).extracting(UpgradeEvent::type, UpgradeEvent::fromVersion, UpgradeEvent::toVersion)
                .containsExactly(tuple(UpgradeEvent.Type.WORKFLOW_UPGRADED, 1, 2));
        assertThat(statuses.find("cmd-1")).map(UpgradeStatus::status).contains(UpgradeStatus.State.APPLIED);
        assertThat(toldListeners).isEmpty();
        assertThat(counted("redelivered")).isEqualTo(1);
        assertThat(counted("applied")).isZero();
    }

    @Test
    void aRedeliveredPollWritesNothingAgainAndIsCountedOnceByItsBatch() {
        List<UpgradeCommand> poll = List.of(
                command(BatchCommandIds.commandId("batch-1", "wf-1"), execution("wf-1")),
                command(BatchCommandIds.commandId("batch-1", "wf-2"), upgradedBy("cmd-earlier", "wf-2")),
                new UpgradeCommand(UpgradeCommand.SCHEMA_VERSION, BatchCommandIds.commandId("batch-1", "wf-none"),
                        "wf-none", NAME, 2, null, null, NOW.minusSeconds(5), "bulk", null));

        List<UpgradeEvent> first = applier.applyAll(poll);
        List<String> writesOfFirst = List.copyOf(executions.writes);
        Workflow afterFirst = executions.get("wf-1");
        List<UpgradeEvent> again = applier.applyAll(poll);

        assertThat(writesOfFirst).containsExactly("bulk:wf-1@3 held");
        assertThat(executions.writes).isEqualTo(writesOfFirst);
        assertThat(executions.get("wf-1")).isEqualTo(afterFirst);
        assertThat(afterFirst.upgradeHistory()).hasSize(1);
        // The same outcomes again, under the same eventIds, so that consumers can drop the copies.
        assertThat(again).extracting(UpgradeEvent::eventId, UpgradeEvent::type)
                .containsExactlyInAnyOrderElementsOf(first.stream().map(e -> tuple(e.eventId(), e.type())).toList());
        assertThat(first).extracting(UpgradeEvent::type).containsExactlyInAnyOrder(UpgradeEvent.Type.WORKFLOW_UPGRADED,
                UpgradeEvent.Type.WORKFLOW_UPGRADE_NOOP, UpgradeEvent.Type.WORKFLOW_UPGRADE_REJECTED);
        assertThat(batchCounted).extracting(UpgradeStatus::commandId)
                .containsExactlyInAnyOrderElementsOf(poll.stream().map(UpgradeCommand::commandId).toList());
        assertThat(counted("redelivered")).isEqualTo(3);
        assertThat(counted("applied")).isEqualTo(1);
    }

    @Test
    void aSecondCommandForTheSameExecutionInOnePollFollowsTheFirst() {
        Workflow one = execution("wf-1");
        UpgradeCommand back = new UpgradeCommand(UpgradeCommand.SCHEMA_VERSION, "cmd-back", "wf-1", NAME, 1, null,
                null, NOW.minusSeconds(4), "alice", null);

        applier.applyAll(List.of(command("cmd-up", one), back));

        assertThat(executions.writes).containsExactly("bulk:wf-1@3 held", "single:wf-1@4 held");
        assertThat(executions.get("wf-1").upgradeHistory())
                .extracting(UpgradeHistoryEntry::commandId, UpgradeHistoryEntry::fromVersion,
                        UpgradeHistoryEntry::toVersion)
                .containsExactly(tuple("cmd-up", 1, 2), tuple("cmd-back", 2, 1));
    }

    // ---------------------------------------------------------------------------------------------------------

    private UpgradeApplier applier(ApplyProperties apply) {
        WorkflowDefinitions definitions = new WorkflowDefinitions() {
            @Override
            public Optional<WorkflowDef> find(String name, int version) {
                return Stream.of(V1, V2).filter(d -> d.name().equals(name) && d.version() == version).findFirst();
            }

            @Override
            public Optional<WorkflowDef> findRecent(String name, int version) {
                return find(name, version);
            }
        };
        UpgradeEventSink sink = new UpgradeEventSink() {
            @Override
            public void publish(UpgradeEvent event) {
                published.add(List.of(event));
            }

            @Override
            public void publishAll(List<UpgradeEvent> events) {
                published.add(List.copyOf(events));
            }
        };
        ExecutionListener listener = toldListeners::add;
        // ExecutionChanges looks its listeners up through Spring's ObjectProvider (an interface; no context here).
        ExecutionChanges changes = new ExecutionChanges(new ObjectProvider<>() {
            @Override
            public Stream<ExecutionListener> orderedStream() {
                return Stream.of(listener);
            }
        });
        return new UpgradeApplier(executions, definitions, statuses, sink, Clock.fixed(NOW, ZoneOffset.UTC),
                apply, meters, changes, batchCounted::addAll);
    }

    @Test
    void largeExecutionsAreReadWithinTheBudgetAndEveryCommandIsAppliedInOrder() {
        // 1 MB each against a 2.5 MB budget: a read stops once it holds 3 MB.
        executions.storedBytes = workflow -> 1_000_000;
        UpgradeApplier budgeted = applier(new ApplyProperties(16, 5, DataSize.ofBytes(2_500_000)));
        List<Workflow> stored = Stream.of("wf-1", "wf-2", "wf-3", "wf-4", "wf-5", "wf-6").map(this::execution)
                .toList();
        // wf-4 up to version 2 and back to 1: the second must follow the first though the budget defers both.
        UpgradeCommand back = new UpgradeCommand(UpgradeCommand.SCHEMA_VERSION, "cmd-4b", "wf-4", NAME, 1, null,
                null, NOW.minusSeconds(4), "alice", null);
        List<UpgradeCommand> commands = List.of(command("cmd-1", stored.get(0)), command("cmd-2", stored.get(1)),
                command("cmd-3", stored.get(2)), command("cmd-4", stored.get(3)), back, command("cmd-5",
                        stored.get(4)), command("cmd-6", stored.get(5)));

        List<UpgradeEvent> events = budgeted.applyAll(commands);

        // The first chunk (5 commands, wf-1 to wf-4) reads 3 and leaves wf-4's two commands to the next one.
        assertThat(executions.reads).containsExactly(List.of("wf-1", "wf-2", "wf-3"),
                List.of("wf-4", "wf-5", "wf-6"));
        assertThat(events).extracting(UpgradeEvent::commandId).containsExactlyInAnyOrder("cmd-1", "cmd-2", "cmd-3",
                "cmd-4", "cmd-4b", "cmd-5", "cmd-6");
        assertThat(executions.get("wf-4").upgradeHistory())
                .extracting(UpgradeHistoryEntry::commandId, UpgradeHistoryEntry::toVersion)
                .containsExactly(tuple("cmd-4", 2), tuple("cmd-4b", 1));
        for (String upgraded : List.of("wf-1", "wf-2", "wf-3", "wf-5", "wf-6")) {
            assertThat(executions.get(upgraded).workflowVersion()).as(upgraded).isEqualTo(2);
        }
        assertThat(counted("applied")).isEqualTo(7);
    }

    @Test
    void anExecutionLargerThanTheBudgetIsStillReadAlone() {
        executions.storedBytes = workflow -> 10_000_000;
        UpgradeApplier budgeted = applier(new ApplyProperties(16, 50, DataSize.ofBytes(1)));
        Workflow one = execution("wf-1");
        Workflow two = execution("wf-2");

        budgeted.applyAll(List.of(command("cmd-1", one), command("cmd-2", two)));

        assertThat(executions.reads).containsExactly(List.of("wf-1"), List.of("wf-2"));
        assertThat(executions.get("wf-1").workflowVersion()).isEqualTo(2);
        assertThat(executions.get("wf-2").workflowVersion()).isEqualTo(2);
    }

    private double counted(String outcome) {
        return meters.counter(UpgradeApplier.COMMANDS_METRIC, "outcome", outcome).count();
    }

    private static WorkflowDef definition(int version, String... refs) {
        List<WorkflowTask> tasks = Arrays.stream(refs)
                .map(ref -> new WorkflowTask(ref + "_def", ref, "SIMPLE", null, Map.of(), false)).toList();
        return new WorkflowDef(NAME, version, "version " + version, tasks, List.of(), Map.of(), 1L, 1L);
    }

    /** A RUNNING execution of V1, stored: a completed, b in progress. */
    private Workflow execution(String workflowId) {
        Workflow workflow = new Workflow(workflowId, NAME, 1, WorkflowStatus.RUNNING, Map.of(), Map.of(), Map.of(),
                null, 10, 20, 0, V1, List.of(task("a", COMPLETED, 1), task("b", IN_PROGRESS, 2)), List.of(),
                REVISION, null);
        executions.insert(workflow);
        return workflow;
    }

    /** A stored execution already moved to V2 by {@code commandId}. */
    private Workflow upgradedBy(String commandId, String workflowId) {
        Workflow workflow = new Workflow(workflowId, NAME, 2, WorkflowStatus.RUNNING, Map.of(), Map.of(), Map.of(),
                null, 10, 20, 0, V2, List.of(task("a", COMPLETED, 1), task("b", IN_PROGRESS, 2)),
                List.of(new UpgradeHistoryEntry(commandId, 1, 2, List.of(), "alice", NOW.minusSeconds(60))),
                REVISION, null);
        executions.insert(workflow);
        return workflow;
    }

    private static Task task(String ref, TaskStatus status, int seq) {
        return new Task("task-" + ref, "SIMPLE", ref + "_def", ref, status, seq, Map.of(), Map.of(), seq * 10L,
                seq * 10L + 1, status.isRunning() ? 0 : seq * 10L + 2, seq * 10L + 3, "wf", null, null, 0, 0);
    }

    private static UpgradeCommand command(String commandId, Workflow workflow) {
        return new UpgradeCommand(UpgradeCommand.SCHEMA_VERSION, commandId, workflow.workflowId(), NAME, 2, null,
                null, NOW.minusSeconds(5), "alice", null);
    }
}

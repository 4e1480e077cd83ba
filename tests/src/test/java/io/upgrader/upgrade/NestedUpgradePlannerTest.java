package io.upgrader.upgrade;

import io.upgrader.definition.WorkflowDef;
import io.upgrader.execution.Decider;
import io.upgrader.execution.NestedDefinitions;
import io.upgrader.execution.Task;
import io.upgrader.execution.TaskResult;
import io.upgrader.execution.TaskStatus;
import io.upgrader.execution.Workflow;
import io.upgrader.execution.WorkflowStatus;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static io.upgrader.execution.NestedDefinitions.completed;
import static io.upgrader.execution.NestedDefinitions.definition;
import static io.upgrader.execution.NestedDefinitions.fork;
import static io.upgrader.execution.NestedDefinitions.join;
import static io.upgrader.execution.NestedDefinitions.loop;
import static io.upgrader.execution.NestedDefinitions.record;
import static io.upgrader.execution.NestedDefinitions.simple;
import static io.upgrader.execution.NestedDefinitions.subWorkflow;
import static io.upgrader.execution.NestedDefinitions.switchTask;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The upgrade rules for executions inside nested definitions (README, "Upgrading nested executions"), one
 * test or more per rule, on the pure planner and decider.
 */
class NestedUpgradePlannerTest {

    private static final Instant NOW = Instant.parse("2026-12-02T10:00:00Z");
    private static final long T = NOW.toEpochMilli() - 60_000;
    private final Supplier<String> ids = NestedDefinitions.ids();

    private Workflow start(WorkflowDef definition) {
        return Decider.start("wf", definition, Map.of(), null, T, ids);
    }

    private Workflow complete(Workflow workflow, String ref, Map<String, Object> output) {
        return Decider.onTaskResult(workflow, completed(workflow, ref, output), T, ids);
    }

    private static UpgradeCommand command(int version, Map<String, Map<String, Object>> taskOutput) {
        return new UpgradeCommand(1, "cmd-" + version, "wf", "n", version, taskOutput, Map.of(), NOW, "alice",
                Map.of());
    }

    private static UpgradeOutcome.Upgraded upgraded(Workflow current, WorkflowDef target,
                                                    Map<String, Map<String, Object>> taskOutput) {
        UpgradeOutcome outcome = UpgradePlanner.plan(current, target, command(target.version(), taskOutput), NOW);
        assertThat(outcome).isInstanceOf(UpgradeOutcome.Upgraded.class);
        return (UpgradeOutcome.Upgraded) outcome;
    }

    private static Rejection rejected(Workflow current, WorkflowDef target) {
        UpgradeOutcome outcome = UpgradePlanner.plan(current, target, command(target.version(), Map.of()), NOW);
        assertThat(outcome).isInstanceOf(UpgradeOutcome.Rejected.class);
        return ((UpgradeOutcome.Rejected) outcome).rejection();
    }

    private static List<String> running(Workflow workflow) {
        return workflow.runningTasks().stream().map(Task::referenceTaskName).toList();
    }

    @Nested
    class Rule1RunningTasks {

        @Test
        void containersAreNotRunningTasksAndEveryRunningOneMustBeInTheTarget() {
            Workflow current = start(definition("n", 1, fork("f", List.of(simple("a")), List.of(simple("b"))),
                    join("j", "a", "b")));
            WorkflowDef withoutB = definition("n", 2, fork("f", List.of(simple("a")), List.of(simple("c"))),
                    join("j", "a", "c"));

            Rejection rejection = rejected(current, withoutB);

            assertThat(rejection.reason()).isEqualTo(Rejection.Reason.TASK_NOT_IN_TARGET);
            assertThat(rejection.message()).contains("task b is not in version 2");
        }

        @Test
        void aRunningTaskInALoopIsLookedUpWithoutItsIterationSuffix() {
            Workflow current = start(definition("n", 1, loop("l", "$.l.iteration < 3", simple("b"))));
            WorkflowDef target = definition("n", 2, loop("l", "$.l.iteration < 3", simple("b"), simple("c")));

            UpgradeOutcome.Upgraded outcome = upgraded(current, target, Map.of());

            assertThat(outcome.changes().kept()).containsExactly("b__1");
        }
    }

    @Nested
    class Rule2Before {

        @Test
        void tasksBeforeTheRunningOneInEverySequenceOnItsPathAreSkippedWithTheirOutputs() {
            Workflow current = start(definition("n", 1, fork("f", List.of(simple("a")), List.of(simple("b"))),
                    join("j", "a", "b")));
            WorkflowDef target = definition("n", 2, simple("top"),
                    fork("f", List.of(simple("pre"), simple("a")), List.of(simple("b"))), join("j", "a", "b"));

            UpgradeOutcome.Upgraded outcome = upgraded(current, target, Map.of("pre", Map.of("k", "v")));

            assertThat(outcome.entry().skippedTasks()).containsExactlyInAnyOrder("top", "pre");
            assertThat(record(outcome.workflow(), "pre").status()).isEqualTo(TaskStatus.SKIPPED);
            assertThat(record(outcome.workflow(), "pre").outputData()).isEqualTo(Map.of("k", "v"));
            assertThat(record(outcome.workflow(), "top").outputData()).isEmpty();
            assertThat(outcome.changes().skipped()).extracting(UpgradeOutcome.SkippedTask::path)
                    .contains("tasks[1].forkTasks[0][0]", "tasks[0]");
        }

        @Test
        void tasksAfterTheRunningOneAreNotSkippedAndRunWhenItEnds() {
            Workflow current = start(definition("n", 1, simple("a")));
            WorkflowDef target = definition("n", 2, simple("a"), simple("after"));

            Workflow upgraded = upgraded(current, target, Map.of()).workflow();
            assertThat(upgraded.taskByReference("after")).isEmpty();

            assertThat(running(complete(upgraded, "a", Map.of()))).containsExactly("after");
        }

        @Test
        void aTaskAddedToACaseThatAlreadyEndedIsNeverRun() {
            Workflow current = complete(start(definition("n", 1, switchTask("s", "value-param", "k",
                    Map.of("k", "a"), Map.of("a", List.of(simple("x"))), null), simple("w"))), "x", Map.of());
            WorkflowDef target = definition("n", 2, switchTask("s", "value-param", "k", Map.of("k", "a"),
                    Map.of("a", List.of(simple("x"), simple("added"))), null), simple("w"));

            UpgradeOutcome.Upgraded outcome = upgraded(current, target, Map.of());
            assertThat(outcome.changes().skipped()).isEmpty();
            assertThat(outcome.changes().started()).isEmpty();

            Workflow done = complete(outcome.workflow(), "w", Map.of());
            assertThat(done.taskByReference("added")).isEmpty();
            assertThat(done.status()).isEqualTo(WorkflowStatus.COMPLETED);
        }

        @Test
        void insideALoopSkippedTasksAreRecordedInTheCurrentIteration() {
            Workflow current = complete(start(definition("n", 1,
                    loop("l", "$.l.iteration < 3", simple("b")))), "b__1", Map.of());
            WorkflowDef target = definition("n", 2, loop("l", "$.l.iteration < 3", simple("pre"), simple("b")));

            UpgradeOutcome.Upgraded outcome = upgraded(current, target, Map.of("pre", Map.of("p", 2)));

            Task pre = record(outcome.workflow(), "pre__2");
            assertThat(pre.status()).isEqualTo(TaskStatus.SKIPPED);
            assertThat(pre.iteration()).isEqualTo(2);
            assertThat(pre.outputData()).isEqualTo(Map.of("p", 2));
        }
    }

    @Nested
    class Rule3Switch {

        @Test
        void aSwitchOnThePathIsSkippedWithTheCaseThatHoldsTheRunningTask() {
            Workflow current = start(definition("n", 1, simple("work")));
            WorkflowDef target = definition("n", 2, switchTask("s", "value-param", "k", Map.of(),
                    Map.of("x", List.of(simple("prep"), simple("work")), "y", List.of(simple("other"))), null),
                    simple("after", Map.of("p", "${prep.output.p}")));

            Workflow upgraded = upgraded(current, target, Map.of("prep", Map.of("p", 1))).workflow();

            assertThat(record(upgraded, "s").status()).isEqualTo(TaskStatus.SKIPPED);
            assertThat(record(upgraded, "s").outputData()).containsEntry("selectedCase", "x");
            assertThat(upgraded.taskByReference("other")).isEmpty();
            Workflow next = complete(upgraded, "work", Map.of());
            assertThat(running(next)).containsExactly("after");
            assertThat(record(next, "after").inputData()).containsEntry("p", 1);
            assertThat(complete(next, "after", Map.of()).status()).isEqualTo(WorkflowStatus.COMPLETED);
        }
    }

    @Nested
    class Rule4Fork {

        @Test
        void aForkOnThePathIsSkippedItsOtherBranchesStartAndItsJoinWaitsOnTheTargetsJoinOn() {
            Workflow current = start(definition("n", 1, simple("work")));
            WorkflowDef target = definition("n", 2,
                    fork("f", List.of(simple("work")), List.of(simple("parallel"))), join("j", "work", "parallel"));

            UpgradeOutcome.Upgraded outcome = upgraded(current, target, Map.of());
            Workflow upgraded = outcome.workflow();

            assertThat(record(upgraded, "f").status()).isEqualTo(TaskStatus.SKIPPED);
            assertThat(running(upgraded)).containsExactlyInAnyOrder("work", "parallel");
            assertThat(outcome.changes().started()).contains("parallel");
            Workflow afterWork = complete(upgraded, "work", Map.of());
            assertThat(record(afterWork, "j").status()).isEqualTo(TaskStatus.IN_PROGRESS);
            assertThat(complete(afterWork, "parallel", Map.of()).status()).isEqualTo(WorkflowStatus.COMPLETED);
        }

        @Test
        void aNewBranchInAForkThatAlreadyRunsStartsAndTheJoinWaitsForIt() {
            Workflow current = start(definition("n", 1, fork("f", List.of(simple("a")), List.of(simple("b"))),
                    join("j", "a", "b")));
            WorkflowDef target = definition("n", 2,
                    fork("f", List.of(simple("a")), List.of(simple("b")), List.of(simple("c"))), join("j", "a", "b", "c"));

            UpgradeOutcome.Upgraded outcome = upgraded(current, target, Map.of());

            assertThat(outcome.changes().started()).containsExactly("c");
            assertThat(outcome.changes().kept()).containsExactlyInAnyOrder("a", "b");
            Workflow next = complete(complete(outcome.workflow(), "a", Map.of()), "b", Map.of());
            assertThat(record(next, "j").status()).isEqualTo(TaskStatus.IN_PROGRESS);
            assertThat(complete(next, "c", Map.of()).status()).isEqualTo(WorkflowStatus.COMPLETED);
        }
    }

    @Nested
    class Rule5Loops {

        @Test
        void theLoopKeepsItsIterationAndLaterIterationsFollowTheTargetsBody() {
            Workflow current = complete(start(definition("n", 1,
                    loop("l", "$.l.iteration < 3", simple("b")))), "b__1", Map.of());
            WorkflowDef target = definition("n", 2, loop("l", "$.l.iteration < 3", simple("pre"), simple("b")));

            Workflow upgraded = upgraded(current, target, Map.of()).workflow();
            assertThat(record(upgraded, "l").iteration()).isEqualTo(2);

            Workflow third = complete(upgraded, "b__2", Map.of());
            assertThat(running(third)).containsExactly("pre__3");
            Workflow done = complete(complete(third, "pre__3", Map.of()), "b__3", Map.of());
            assertThat(done.status()).isEqualTo(WorkflowStatus.COMPLETED);
        }

        @Test
        void aRunningTaskThatWouldMoveIntoALoopIsRefused() {
            Workflow current = start(definition("n", 1, simple("b")));
            WorkflowDef target = definition("n", 2, loop("l", "$.l.iteration < 3", simple("b")));

            Rejection rejection = rejected(current, target);

            assertThat(rejection.reason()).isEqualTo(Rejection.Reason.INCOMPATIBLE_STRUCTURE);
            assertThat(rejection.message()).contains("b").contains("into loop l");
        }

        @Test
        void aRunningTaskThatWouldMoveOutOfALoopIsRefused() {
            Workflow current = start(definition("n", 1, loop("l", "$.l.iteration < 3", simple("b"))));
            WorkflowDef target = definition("n", 2, simple("b"));

            assertThat(rejected(current, target).message()).contains("b__1").contains("out of it");
        }

        @Test
        void twoRunningTasksThatWouldNoLongerBeParallelAreRefused() {
            Workflow current = start(definition("n", 1, fork("f", List.of(simple("a")), List.of(simple("b"))),
                    join("j", "a", "b")));
            WorkflowDef target = definition("n", 2, simple("a"), simple("b"));

            Rejection rejection = rejected(current, target);

            assertThat(rejection.reason()).isEqualTo(Rejection.Reason.INCOMPATIBLE_STRUCTURE);
            assertThat(rejection.message()).contains("no longer parallel");
        }

        @Test
        void twoRunningTasksInDifferentCasesOfOneSwitchAreRefused() {
            Workflow current = start(definition("n", 1, fork("f", List.of(simple("a")), List.of(simple("b"))),
                    join("j", "a", "b")));
            WorkflowDef target = definition("n", 2, switchTask("s", "value-param", "k", Map.of(),
                    Map.of("x", List.of(simple("a")), "y", List.of(simple("b"))), null));

            assertThat(rejected(current, target).message()).contains("different cases").contains("s");
        }
    }

    @Nested
    class Rule6SubWorkflow {

        @Test
        void aRunningSubWorkflowTaskKeepsItsChildAndItsEndCompletesTheParentsTask() {
            Workflow started = start(definition("n", 1, subWorkflow("sub", "child", 1, Map.of())));
            Task sub = record(started, "sub");
            Workflow current = Decider.subWorkflowStarted(started, sub.taskId(), "child-1", T);
            WorkflowDef target = definition("n", 2, simple("pre"), subWorkflow("sub", "child", 1, Map.of()),
                    simple("after"));

            Workflow upgraded = upgraded(current, target, Map.of()).workflow();
            Task kept = record(upgraded, "sub");
            assertThat(kept.subWorkflowId()).isEqualTo("child-1");
            assertThat(kept.taskId()).isEqualTo(sub.taskId());
            assertThat(kept.status()).isEqualTo(TaskStatus.IN_PROGRESS);

            Workflow afterChild = Decider.onTaskResult(upgraded, new TaskResult("wf", sub.taskId(),
                    TaskResult.Status.COMPLETED, Map.of("x", 1), null, null, null), T, ids);
            assertThat(running(afterChild)).containsExactly("after");
        }
    }

    @Nested
    class Rule7RecordsKept {

        @Test
        void recordsOfTasksThatRanAreUnchangedAndRunningTasksKeepIdStatusWorkerAndInput() {
            Workflow current = complete(start(definition("n", 1, fork("f",
                    List.of(simple("a1"), simple("a2", Map.of("in", 1))), List.of(simple("b"))),
                    join("j", "a2", "b"))), "a1", Map.of("done", true));
            WorkflowDef target = definition("n", 2, fork("f",
                    List.of(simple("a0"), simple("a1"), simple("a2", Map.of("in", 2))), List.of(simple("b"))),
                    join("j", "a2", "b"), simple("after"));

            Workflow upgraded = upgraded(current, target, Map.of()).workflow();

            for (Task before : current.tasks()) {
                assertThat(upgraded.task(before.taskId())).contains(before);
            }
            assertThat(record(upgraded, "a0").status()).isEqualTo(TaskStatus.SKIPPED);
        }

        @Test
        void theSamePlanTwiceGivesTheSameExecution() {
            Workflow current = start(definition("n", 1, simple("work")));
            WorkflowDef target = definition("n", 2, fork("f", List.of(simple("work")), List.of(simple("p"))),
                    join("j", "work", "p"));

            assertThat(upgraded(current, target, Map.of()).workflow())
                    .isEqualTo(upgraded(current, target, Map.of()).workflow());
        }
    }
}

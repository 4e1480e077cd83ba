package io.upgrader.execution;

import io.upgrader.definition.WorkflowDef;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static io.upgrader.execution.NestedDefinitions.completed;
import static io.upgrader.execution.NestedDefinitions.decision;
import static io.upgrader.execution.NestedDefinitions.definition;
import static io.upgrader.execution.NestedDefinitions.dynamicFork;
import static io.upgrader.execution.NestedDefinitions.failed;
import static io.upgrader.execution.NestedDefinitions.fork;
import static io.upgrader.execution.NestedDefinitions.inline;
import static io.upgrader.execution.NestedDefinitions.join;
import static io.upgrader.execution.NestedDefinitions.jq;
import static io.upgrader.execution.NestedDefinitions.loop;
import static io.upgrader.execution.NestedDefinitions.optionalSimple;
import static io.upgrader.execution.NestedDefinitions.record;
import static io.upgrader.execution.NestedDefinitions.simple;
import static io.upgrader.execution.NestedDefinitions.subWorkflow;
import static io.upgrader.execution.NestedDefinitions.switchTask;
import static io.upgrader.execution.NestedDefinitions.waitTask;
import static io.upgrader.execution.NestedDefinitions.withOutput;
import static org.assertj.core.api.Assertions.assertThat;

/** The pure decider on nested task types, one behaviour each, as conductor-oss runs them. */
class NestedDeciderTest {

    private static final long NOW = 1_700_000_000_000L;
    private final Supplier<String> ids = NestedDefinitions.ids();

    private Workflow start(WorkflowDef definition, Map<String, Object> input) {
        return Decider.start("wf", definition, input, null, NOW, ids);
    }

    private Workflow complete(Workflow workflow, String ref, Map<String, Object> output) {
        return Decider.onTaskResult(workflow, completed(workflow, ref, output), NOW + 1, ids);
    }

    private static List<String> running(Workflow workflow) {
        return workflow.runningTasks().stream().map(Task::referenceTaskName).toList();
    }

    @Nested
    class Switch {

        private final WorkflowDef byKind = definition("s", 1,
                switchTask("s", "value-param", "kind", Map.of("kind", "${workflow.input.kind}"),
                        Map.of("a", List.of(simple("x")), "b", List.of(simple("y"), simple("y2"))), List.of(simple("d"))),
                simple("after", Map.of("fromCase", "${y.output.v}")));

        @Test
        void valueParamRunsTheSelectedCaseThenWhatFollowsTheSwitch() {
            Workflow started = start(byKind, Map.of("kind", "b"));

            assertThat(record(started, "s").status()).isEqualTo(TaskStatus.COMPLETED);
            assertThat(record(started, "s").outputData()).containsEntry("selectedCase", "b")
                    .containsEntry("evaluationResult", List.of("b"));
            assertThat(running(started)).containsExactly("y");
            assertThat(started.taskByReference("x")).isEmpty();

            Workflow afterY = complete(started, "y", Map.of("v", 7));
            assertThat(running(afterY)).containsExactly("y2");
            Workflow afterCase = complete(afterY, "y2", Map.of());
            assertThat(running(afterCase)).containsExactly("after");
            assertThat(record(afterCase, "after").inputData()).containsEntry("fromCase", 7);
            assertThat(complete(afterCase, "after", Map.of()).status()).isEqualTo(WorkflowStatus.COMPLETED);
        }

        @Test
        void aValueWithoutCaseTakesTheDefaultCase() {
            Workflow started = start(byKind, Map.of("kind", "zzz"));

            assertThat(running(started)).containsExactly("d");
            assertThat(record(started, "s").outputData()).containsEntry("selectedCase", "zzz");
        }

        @Test
        void noCaseAndNoDefaultGoesStraightOn() {
            WorkflowDef definition = definition("s", 1, switchTask("s", "value-param", "kind",
                    Map.of("kind", "none"), Map.of("a", List.of(simple("x"))), null), simple("after"));

            assertThat(running(start(definition, Map.of()))).containsExactly("after");
        }

        @Test
        void javascriptEvaluatorChoosesByExpression() {
            WorkflowDef definition = definition("s", 1, switchTask("s", "javascript",
                    "$.amount > 100 ? 'big' : 'small'", Map.of("amount", "${workflow.input.amount}"),
                    Map.of("big", List.of(simple("approve")), "small", List.of(simple("auto"))), null));

            assertThat(running(start(definition, Map.of("amount", 500)))).containsExactly("approve");
            assertThat(running(start(definition, Map.of("amount", 5)))).containsExactly("auto");
        }

        @Test
        void aFailingEvaluationFailsTheSwitchAndTheWorkflowWithTheReason() {
            WorkflowDef definition = definition("s", 1, switchTask("s", "javascript", "$.missing.field",
                    Map.of(), Map.of("a", List.of(simple("x"))), null));

            Workflow started = start(definition, Map.of());

            assertThat(record(started, "s").status()).isEqualTo(TaskStatus.FAILED);
            assertThat(record(started, "s").reasonForIncompletion()).isNotBlank();
            assertThat(started.status()).isEqualTo(WorkflowStatus.FAILED);
            assertThat(started.reasonForIncompletion()).contains("s");
        }

        @Test
        void legacyDecisionChoosesByCaseValueParam() {
            WorkflowDef definition = definition("d", 1, decision("d", "route",
                    Map.of("route", "${workflow.input.route}"),
                    Map.of("left", List.of(simple("l")), "right", List.of(simple("r")))));

            Workflow started = start(definition, Map.of("route", "right"));

            assertThat(record(started, "d").taskType()).isEqualTo("DECISION");
            assertThat(running(started)).containsExactly("r");
        }
    }

    @Nested
    class ForkJoin {

        @Test
        void twoBranchesRunTogetherAndTheJoinWaitsForBoth() {
            WorkflowDef definition = definition("f", 1, fork("f", List.of(simple("a")), List.of(simple("b"))),
                    join("j", "a", "b"), simple("c"));

            Workflow started = start(definition, Map.of());
            assertThat(record(started, "f").taskType()).isEqualTo("FORK");
            assertThat(record(started, "f").status()).isEqualTo(TaskStatus.COMPLETED);
            assertThat(record(started, "j").status()).isEqualTo(TaskStatus.IN_PROGRESS);
            assertThat(running(started)).containsExactlyInAnyOrder("a", "b");

            Workflow afterA = complete(started, "a", Map.of("x", 1));
            assertThat(record(afterA, "j").status()).isEqualTo(TaskStatus.IN_PROGRESS);
            assertThat(afterA.taskByReference("c")).isEmpty();

            Workflow afterB = complete(afterA, "b", Map.of("y", 2));
            assertThat(record(afterB, "j").status()).isEqualTo(TaskStatus.COMPLETED);
            assertThat(record(afterB, "j").outputData()).isEqualTo(Map.of("a", Map.of("x", 1), "b", Map.of("y", 2)));
            assertThat(running(afterB)).containsExactly("c");
        }

        @Test
        void threeBranchesEachRunTheirOwnSequence() {
            WorkflowDef definition = definition("f", 1,
                    fork("f", List.of(simple("a1"), simple("a2")), List.of(simple("b")), List.of(simple("c"))),
                    join("j", "a2", "b", "c"));

            Workflow started = start(definition, Map.of());
            assertThat(running(started)).containsExactlyInAnyOrder("a1", "b", "c");

            Workflow next = complete(started, "a1", Map.of());
            assertThat(running(next)).containsExactlyInAnyOrder("a2", "b", "c");
            next = complete(complete(complete(next, "b", Map.of()), "c", Map.of()), "a2", Map.of());
            assertThat(next.status()).isEqualTo(WorkflowStatus.COMPLETED);
        }

        @Test
        void aJoinOnASubsetGoesOnWhileTheOtherBranchStillRuns() {
            WorkflowDef definition = definition("f", 1, fork("f", List.of(simple("a")), List.of(simple("b"))),
                    join("j", "a"), simple("c"));

            Workflow afterA = complete(start(definition, Map.of()), "a", Map.of());
            assertThat(record(afterA, "j").status()).isEqualTo(TaskStatus.COMPLETED);
            assertThat(running(afterA)).containsExactlyInAnyOrder("b", "c");

            Workflow afterC = complete(afterA, "c", Map.of());
            assertThat(afterC.status()).isEqualTo(WorkflowStatus.RUNNING);
            assertThat(complete(afterC, "b", Map.of()).status()).isEqualTo(WorkflowStatus.COMPLETED);
        }

        @Test
        void anOptionalJoinedTaskFailingEndsTheJoinCompletedWithErrors() {
            WorkflowDef definition = definition("f", 1, fork("f", List.of(optionalSimple("a")), List.of(simple("b"))),
                    join("j", "a", "b"));

            Workflow started = start(definition, Map.of());
            Workflow next = Decider.onTaskResult(started, failed(started, "a", "boom"), NOW, ids);
            next = complete(next, "b", Map.of());

            assertThat(record(next, "a").status()).isEqualTo(TaskStatus.COMPLETED_WITH_ERRORS);
            assertThat(record(next, "j").status()).isEqualTo(TaskStatus.COMPLETED_WITH_ERRORS);
            assertThat(next.status()).isEqualTo(WorkflowStatus.COMPLETED);
        }

        @Test
        void aFailingBranchFailsTheWorkflowAndCancelsTheOtherBranch() {
            WorkflowDef definition = definition("f", 1, fork("f", List.of(simple("a")), List.of(simple("b"))),
                    join("j", "a", "b"));

            Workflow started = start(definition, Map.of());
            Workflow failedA = Decider.onTaskResult(started, failed(started, "a", "boom"), NOW, ids);

            assertThat(failedA.status()).isEqualTo(WorkflowStatus.FAILED);
            assertThat(record(failedA, "b").status()).isEqualTo(TaskStatus.CANCELED);
            assertThat(record(failedA, "j").status()).isEqualTo(TaskStatus.CANCELED);
        }

        @Test
        void aDynamicForkRunsTheGivenTasksWithTheirInputsAndItsJoinWaitsForAll() {
            WorkflowDef definition = definition("d", 1, dynamicFork("df", Map.of(
                            "dynamicTasks", "${workflow.input.tasks}", "dynamicTasksInput", "${workflow.input.inputs}")),
                    join("dj"));
            Map<String, Object> input = Map.of(
                    "tasks", List.of(Map.of("name", "resize", "taskReferenceName", "r1", "type", "SIMPLE"),
                            Map.of("name", "resize", "taskReferenceName", "r2", "type", "SIMPLE")),
                    "inputs", Map.of("r1", Map.of("size", 1), "r2", Map.of("size", 2)));

            Workflow started = start(definition, input);
            assertThat(running(started)).containsExactlyInAnyOrder("r1", "r2");
            assertThat(record(started, "r2").inputData()).containsEntry("size", 2);
            assertThat(record(started, "dj").inputData()).containsEntry("joinOn", List.of("r1", "r2"));

            Workflow done = complete(complete(started, "r1", Map.of("ok", 1)), "r2", Map.of("ok", 2));
            assertThat(record(done, "dj").outputData()).isEqualTo(Map.of("r1", Map.of("ok", 1), "r2", Map.of("ok", 2)));
            assertThat(done.status()).isEqualTo(WorkflowStatus.COMPLETED);
        }

        @Test
        void aDynamicForkGivenSomethingElseThanTasksFailsWithTheReason() {
            WorkflowDef definition = definition("d", 1, dynamicFork("df", Map.of("dynamicTasks", "not a list")),
                    join("dj"));

            Workflow started = start(definition, Map.of());

            assertThat(record(started, "df").status()).isEqualTo(TaskStatus.FAILED);
            assertThat(record(started, "df").reasonForIncompletion()).contains("dynamicTasks");
            assertThat(started.status()).isEqualTo(WorkflowStatus.FAILED);
        }
    }

    @Nested
    class DoWhile {

        private final WorkflowDef threeTimes = definition("l", 1,
                loop("l", "if ($.l['iteration'] < 3) { true; } else { false; }", simple("b")), simple("after"));

        @Test
        void runsThreeIterationsRecordingEachAsRefUnderscoreN() {
            Workflow workflow = start(threeTimes, Map.of());
            assertThat(record(workflow, "l").status()).isEqualTo(TaskStatus.IN_PROGRESS);
            for (int iteration = 1; iteration <= 3; iteration++) {
                assertThat(running(workflow)).containsExactly("b__" + iteration);
                assertThat(record(workflow, "b__" + iteration).iteration()).isEqualTo(iteration);
                assertThat(record(workflow, "l").iteration()).isEqualTo(iteration);
                workflow = complete(workflow, "b__" + iteration, Map.of("n", iteration));
            }
            Task loop = record(workflow, "l");
            assertThat(loop.status()).isEqualTo(TaskStatus.COMPLETED);
            assertThat(loop.outputData()).containsEntry("iteration", 3)
                    .containsEntry("2", Map.of("b", Map.of("n", 2)));
            assertThat(running(workflow)).containsExactly("after");
        }

        @Test
        void theConditionReadsTheBodyTasksOutputsAndBodyInputsReadTheLatestIteration() {
            WorkflowDef definition = definition("l", 1, loop("l", "$.b.done != true",
                    simple("b", Map.of("previous", "${b.output.count}"))));

            Workflow first = start(definition, Map.of());
            Workflow second = complete(first, "b__1", Map.of("done", false, "count", 1));
            assertThat(record(second, "b__2").inputData()).containsEntry("previous", 1);
            Workflow done = complete(second, "b__2", Map.of("done", true, "count", 2));

            assertThat(done.status()).isEqualTo(WorkflowStatus.COMPLETED);
            assertThat(record(done, "l").outputData()).containsEntry("iteration", 2);
        }

        @Test
        void aLoopOfServerSideTasksRunsAllItsIterationsInOneDecision() {
            WorkflowDef definition = definition("l", 1, loop("l", "$.l.iteration < 5",
                    inline("i", "$.n * 2", Map.of("n", "${l.output.iteration}"))));

            Workflow done = start(definition, Map.of());

            assertThat(done.status()).isEqualTo(WorkflowStatus.COMPLETED);
            assertThat(record(done, "i__5").outputData()).containsEntry("result", 10L);
        }

        @Test
        void aLoopThatNeverEndsFailsAtItsIterationLimit() {
            WorkflowDef definition = definition("l", 1, loop("l", "true", inline("i", "1", Map.of())));

            Workflow failed = Decider.start("wf", definition, Map.of(), null, NOW, ids,
                    new SystemTasks(java.time.Duration.ofSeconds(2), 20));

            assertThat(failed.status()).isEqualTo(WorkflowStatus.FAILED);
            assertThat(record(failed, "l").reasonForIncompletion()).contains("20 iterations");
        }

        @Test
        void aSwitchInsideAForkInsideALoopRunsPerIteration() {
            WorkflowDef definition = definition("n", 1, loop("l", "$.l.iteration < 2",
                    fork("f", List.of(switchTask("s", "value-param", "k", Map.of("k", "${workflow.input.k}"),
                            Map.of("a", List.of(simple("x"))), null)), List.of(simple("y"))),
                    join("j", "s", "y")));

            Workflow workflow = start(definition, Map.of("k", "a"));
            assertThat(running(workflow)).containsExactlyInAnyOrder("x__1", "y__1");
            assertThat(record(workflow, "s__1").outputData()).containsEntry("selectedCase", "a");
            workflow = complete(complete(workflow, "x__1", Map.of()), "y__1", Map.of());
            assertThat(record(workflow, "j__1").status()).isEqualTo(TaskStatus.COMPLETED);
            assertThat(running(workflow)).containsExactlyInAnyOrder("x__2", "y__2");
            workflow = complete(complete(workflow, "y__2", Map.of()), "x__2", Map.of());

            assertThat(workflow.status()).isEqualTo(WorkflowStatus.COMPLETED);
            assertThat(record(workflow, "l").outputData()).containsEntry("iteration", 2);
        }
    }

    @Nested
    class SubWorkflow {

        private final WorkflowDef parent = withOutput(definition("p", 1,
                subWorkflow("sub", "child", 3, Map.of("a", "${workflow.input.a}")), simple("after")),
                Map.of("fromChild", "${sub.output.x}"));

        @Test
        void isScheduledWithTheChildsNameThenRunsUntilItsChildEnds() {
            Workflow started = start(parent, Map.of("a", 1));
            Task sub = record(started, "sub");
            assertThat(sub.status()).isEqualTo(TaskStatus.SCHEDULED);
            assertThat(sub.inputData()).containsEntry("subWorkflowName", "child")
                    .containsEntry("subWorkflowVersion", 3).containsEntry("a", 1);

            Workflow childStarted = Decider.subWorkflowStarted(started, sub.taskId(), "child-1", NOW);
            assertThat(record(childStarted, "sub").status()).isEqualTo(TaskStatus.IN_PROGRESS);
            assertThat(record(childStarted, "sub").subWorkflowId()).isEqualTo("child-1");
            assertThat(running(childStarted)).containsExactly("sub");

            Workflow afterChild = complete(childStarted, "sub", Map.of("x", 42));
            assertThat(running(afterChild)).containsExactly("after");
            Workflow done = complete(afterChild, "after", Map.of());
            assertThat(done.output()).containsEntry("fromChild", 42);
        }

        @Test
        void aFailedChildFailsTheParent() {
            Workflow started = start(parent, Map.of());
            Workflow childStarted = Decider.subWorkflowStarted(started, record(started, "sub").taskId(), "c", NOW);

            Workflow failedChild = Decider.onTaskResult(childStarted,
                    failed(childStarted, "sub", "sub workflow c is FAILED: no"), NOW, ids);

            assertThat(failedChild.status()).isEqualTo(WorkflowStatus.FAILED);
            assertThat(failedChild.reasonForIncompletion()).contains("sub workflow c is FAILED");
        }
    }

    @Nested
    class ServerSideTasks {

        @Test
        void inlineComputesFromItsInputsAndFeedsTheNextTask() {
            WorkflowDef definition = definition("i", 1,
                    inline("sum", "(function () { return $.a + $.b; })()", Map.of("a", "${workflow.input.a}", "b", 2)),
                    simple("use", Map.of("total", "${sum.output.result}")));

            Workflow started = start(definition, Map.of("a", 40));

            assertThat(record(started, "sum").status()).isEqualTo(TaskStatus.COMPLETED);
            assertThat(record(started, "use").inputData()).containsEntry("total", 42L);
        }

        @Test
        void aThrowingInlineFailsTheWorkflowWithTheScriptsError() {
            WorkflowDef definition = definition("i", 1, inline("bad", "throw new Error('nope')", Map.of()));

            Workflow started = start(definition, Map.of());

            assertThat(started.status()).isEqualTo(WorkflowStatus.FAILED);
            assertThat(record(started, "bad").reasonForIncompletion()).contains("nope");
        }

        @Test
        void jqGivesTheFirstResultAndTheWholeList() {
            WorkflowDef definition = definition("q", 1,
                    jq("ids", ".items[] | .id", Map.of("items", "${workflow.input.items}")), simple("next"));

            Workflow started = start(definition, Map.of("items", List.of(Map.of("id", "a"), Map.of("id", "b"))));

            assertThat(record(started, "ids").outputData()).containsEntry("result", "a")
                    .containsEntry("resultList", List.of("a", "b"));
        }

        @Test
        void aWaitWithADurationCarriesTheTimeItEnds() {
            WorkflowDef definition = definition("w", 1, waitTask("w", Map.of("duration", "1m 30s")));

            Task wait = record(start(definition, Map.of()), "w");

            assertThat(wait.status()).isEqualTo(TaskStatus.IN_PROGRESS);
            assertThat(wait.waitTimeout()).isEqualTo(NOW + 90_000);
        }

        @Test
        void aWaitWithAnUnreadableDurationFailsWithTheReason() {
            WorkflowDef definition = definition("w", 1, waitTask("w", Map.of("duration", "soon")));

            Workflow started = start(definition, Map.of());

            assertThat(started.status()).isEqualTo(WorkflowStatus.FAILED);
            assertThat(record(started, "w").reasonForIncompletion()).contains("soon");
        }
    }

    @Nested
    class SkipTask {

        @Test
        void aTaskSkippedAheadIsPassedWhenReachedWithItsOutput() {
            WorkflowDef definition = definition("k", 1, simple("a"), simple("b"),
                    simple("c", Map.of("fromB", "${b.output.v}")));
            Workflow started = start(definition, Map.of());

            Workflow skipped = Decider.skipTask(started, "b", Map.of(), Map.of("v", 5), NOW, ids);
            assertThat(running(skipped)).containsExactly("a");

            Workflow next = complete(skipped, "a", Map.of());
            assertThat(running(next)).containsExactly("c");
            assertThat(record(next, "c").inputData()).containsEntry("fromB", 5);
        }

        @Test
        void aTaskThatAlreadyRanCannotBeSkipped() {
            Workflow started = start(definition("k", 1, simple("a"), simple("b")), Map.of());

            org.assertj.core.api.Assertions.assertThatThrownBy(() ->
                            Decider.skipTask(started, "a", Map.of(), Map.of(), NOW, ids))
                    .isInstanceOf(ExecutionRejected.class).hasMessageContaining("a");
        }
    }
}

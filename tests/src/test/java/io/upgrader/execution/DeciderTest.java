package io.upgrader.execution;

import io.upgrader.definition.WorkflowDef;
import io.upgrader.definition.WorkflowTask;
import io.upgrader.execution.ExecutionRejected.Reason;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Plain unit tests of the pure {@link Decider}: executions in, executions out, no Spring. */
class DeciderTest {

    private static final String WF_ID = "wf-1";
    private static final String CORRELATION = "corr-1";
    private static final long T0 = 1_000_000L;
    private static final long T1 = T0 + 7_000;
    private static final long T2 = T1 + 11_000;
    private static final long T3 = T2 + 13_000;

    /** Deterministic task ids t1, t2, ... shared by all calls of one test. */
    private final Supplier<String> ids = counter("t");

    /** For calls that must not create any task. */
    private static final Supplier<String> NO_IDS = () -> {
        throw new AssertionError("no task should have been created");
    };

    // ================================================================ fixtures

    private static Supplier<String> counter(String prefix) {
        AtomicInteger next = new AtomicInteger();
        return () -> prefix + next.incrementAndGet();
    }

    /** A mutable, null-tolerant, ordered map from alternating keys and values. */
    private static Map<String, Object> map(Object... keysAndValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }

    private static WorkflowTask step(String ref, String type, Map<String, Object> input) {
        return new WorkflowTask(ref + "_def", ref, type, null, input, null);
    }

    private static WorkflowTask simple(String ref) {
        return simple(ref, Map.of());
    }

    private static WorkflowTask simple(String ref, Map<String, Object> input) {
        return step(ref, "SIMPLE", input);
    }

    private static WorkflowTask waitTask(String ref) {
        return step(ref, "WAIT", Map.of());
    }

    private static WorkflowTask human(String ref) {
        return step(ref, "HUMAN", Map.of());
    }

    private static WorkflowTask setVariable(String ref, Map<String, Object> input) {
        return step(ref, "SET_VARIABLE", input);
    }

    private static WorkflowTask terminate(String ref, Map<String, Object> input) {
        return step(ref, "TERMINATE", input);
    }

    private static WorkflowTask optional(WorkflowTask task) {
        return new WorkflowTask(task.name(), task.taskReferenceName(), task.type(), task.description(),
                task.inputParameters(), true);
    }

    private static WorkflowDef def(WorkflowTask... tasks) {
        return def(Map.of(), tasks);
    }

    private static WorkflowDef def(Map<String, Object> outputParameters, WorkflowTask... tasks) {
        return defVersion(1, outputParameters, tasks);
    }

    private static WorkflowDef defVersion(int version, Map<String, Object> outputParameters, WorkflowTask... tasks) {
        return new WorkflowDef("order_flow", version, null, List.of(tasks), List.of(), outputParameters, null, null);
    }

    private Workflow start(WorkflowDef definition, Map<String, Object> input) {
        return Decider.start(WF_ID, definition, input, CORRELATION, T0, ids);
    }

    private Workflow start(WorkflowDef definition) {
        return start(definition, Map.of());
    }

    /** The one record of this reference name. */
    private static Task task(Workflow workflow, String ref) {
        List<Task> records = workflow.tasks().stream().filter(t -> t.referenceTaskName().equals(ref)).toList();
        assertThat(records).as("records of %s", ref).hasSize(1);
        return records.get(0);
    }

    private static List<String> refs(Workflow workflow) {
        return workflow.tasks().stream().map(Task::referenceTaskName).toList();
    }

    private static List<TaskStatus> statuses(Workflow workflow) {
        return workflow.tasks().stream().map(Task::status).toList();
    }

    private static TaskResult result(Task task, TaskResult.Status status, Map<String, Object> output,
                                     String reason, String worker, Long callbackAfterSeconds) {
        return new TaskResult(WF_ID, task.taskId(), status, output, reason, worker, callbackAfterSeconds);
    }

    private static TaskResult completed(Task task, Map<String, Object> output) {
        return result(task, TaskResult.Status.COMPLETED, output, null, "worker-1", null);
    }

    private static TaskResult failed(Task task, String reason) {
        return result(task, TaskResult.Status.FAILED, map("error", "E42"), reason, "worker-1", null);
    }

    private Workflow complete(Workflow workflow, String ref, Map<String, Object> output, long now) {
        return Decider.onTaskResult(workflow, completed(task(workflow, ref), output), now, ids);
    }

    private static void assertRejected(Runnable call, Reason reason) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(ExecutionRejected.class,
                e -> assertThat(e.reason()).isEqualTo(reason));
    }

    // ================================================================ start

    @Nested
    class Start {

        @Test
        void createsARunningExecutionWithOnlyTheFirstTaskScheduled() {
            WorkflowDef definition = def(simple("a"), simple("b"));
            Map<String, Object> input = map("orderId", "o-1");

            Workflow workflow = start(definition, input);

            assertThat(workflow.workflowId()).isEqualTo(WF_ID);
            assertThat(workflow.workflowName()).isEqualTo("order_flow");
            assertThat(workflow.workflowVersion()).isEqualTo(1);
            assertThat(workflow.status()).isEqualTo(WorkflowStatus.RUNNING);
            assertThat(workflow.input()).isEqualTo(map("orderId", "o-1"));
            assertThat(workflow.output()).isEmpty();
            assertThat(workflow.variables()).isEmpty();
            assertThat(workflow.correlationId()).isEqualTo(CORRELATION);
            assertThat(workflow.createTime()).isEqualTo(T0);
            assertThat(workflow.updateTime()).isEqualTo(T0);
            assertThat(workflow.endTime()).isZero();
            assertThat(workflow.workflowDefinition()).isEqualTo(definition);
            assertThat(workflow.upgradeHistory()).isEmpty();
            assertThat(workflow.reasonForIncompletion()).isNull();
            assertThat(refs(workflow)).containsExactly("a");
        }

        @Test
        void firstSimpleTaskIsScheduledForWorkers() {
            Workflow workflow = start(def(simple("a"), simple("b")));

            Task a = task(workflow, "a");
            assertThat(a.taskId()).isEqualTo("t1");
            assertThat(a.taskDefName()).isEqualTo("a_def");
            assertThat(a.status()).isEqualTo(TaskStatus.SCHEDULED);
            assertThat(a.seq()).isEqualTo(1);
            assertThat(a.scheduledTime()).isEqualTo(T0);
            assertThat(a.startTime()).isZero();
            assertThat(a.endTime()).isZero();
            assertThat(a.workflowInstanceId()).isEqualTo(WF_ID);
            assertThat(a.outputData()).isEmpty();
            assertThat(a.reasonForIncompletion()).isNull();
        }

        @Test
        void firstTaskInputParametersAreResolved() {
            WorkflowDef definition = def(simple("a", map(
                    "orderId", "${workflow.input.orderId}",
                    "qty", "${workflow.input.qty}",
                    "label", "order-${workflow.input.orderId}",
                    "fixed", 3,
                    "missing", "${workflow.input.nope}")));

            Workflow workflow = start(definition, map("orderId", "o-9", "qty", 4));

            assertThat(task(workflow, "a").inputData()).isEqualTo(map(
                    "orderId", "o-9", "qty", 4, "label", "order-o-9", "fixed", 3, "missing", null));
        }

        @Test
        void waitTaskIsCreatedInProgress() {
            Workflow workflow = start(def(waitTask("w"), simple("b")));

            Task w = task(workflow, "w");
            assertThat(w.status()).isEqualTo(TaskStatus.IN_PROGRESS);
            assertThat(w.taskType()).isEqualTo("WAIT");
            assertThat(w.startTime()).isEqualTo(T0);
            assertThat(w.seq()).isEqualTo(1);
            assertThat(workflow.status()).isEqualTo(WorkflowStatus.RUNNING);
            assertThat(refs(workflow)).containsExactly("w");
        }

        @Test
        void humanTaskIsCreatedInProgress() {
            Workflow workflow = start(def(human("h"), simple("b")));

            Task h = task(workflow, "h");
            assertThat(h.status()).isEqualTo(TaskStatus.IN_PROGRESS);
            assertThat(h.taskType()).isEqualTo("HUMAN");
            assertThat(refs(workflow)).containsExactly("h");
        }

        @Test
        void leadingSetVariableRunsInlineThenTheFirstWorkerTaskIsScheduled() {
            WorkflowDef definition = def(
                    setVariable("sv", map("region", "${workflow.input.region}", "limit", 10)),
                    simple("a", map("r", "${workflow.variables.region}", "l", "${workflow.variables.limit}")),
                    simple("b"));

            Workflow workflow = start(definition, map("region", "eu"));

            assertThat(workflow.status()).isEqualTo(WorkflowStatus.RUNNING);
            assertThat(workflow.variables()).isEqualTo(map("region", "eu", "limit", 10));
            assertThat(refs(workflow)).containsExactly("sv", "a");
            Task sv = task(workflow, "sv");
            assertThat(sv.status()).isEqualTo(TaskStatus.COMPLETED);
            assertThat(sv.taskType()).isEqualTo("SET_VARIABLE");
            assertThat(sv.inputData()).isEqualTo(map("region", "eu", "limit", 10));
            assertThat(sv.endTime()).isEqualTo(T0);
            assertThat(sv.seq()).isEqualTo(1);
            assertThat(sv.taskId()).isEqualTo("t1");
            Task a = task(workflow, "a");
            assertThat(a.status()).isEqualTo(TaskStatus.SCHEDULED);
            assertThat(a.seq()).isEqualTo(2);
            assertThat(a.taskId()).isEqualTo("t2");
            assertThat(a.inputData()).isEqualTo(map("r", "eu", "l", 10));
        }

        @Test
        void consecutiveSetVariablesSeeEachOtherAndLaterValuesWin() {
            WorkflowDef definition = def(
                    setVariable("sv1", map("x", 1, "keep", "k")),
                    setVariable("sv2", map("x", 2, "y", "${workflow.variables.x}")),
                    waitTask("w"));

            Workflow workflow = start(definition);

            assertThat(workflow.variables()).isEqualTo(map("x", 2, "keep", "k", "y", 1));
            assertThat(refs(workflow)).containsExactly("sv1", "sv2", "w");
            assertThat(statuses(workflow))
                    .containsExactly(TaskStatus.COMPLETED, TaskStatus.COMPLETED, TaskStatus.IN_PROGRESS);
            assertThat(workflow.tasks()).extracting(Task::seq).containsExactly(1, 2, 3);
        }

        @Test
        void definitionOfOnlySetVariablesCompletesAtOnce() {
            WorkflowDef definition = def(
                    map("total", "${workflow.variables.total}", "who", "${workflow.input.who}",
                            "svInput", "${sv2.input.total}"),
                    setVariable("sv1", map("total", 5)),
                    setVariable("sv2", map("total", 8)));

            Workflow workflow = start(definition, map("who", "ada"));

            assertThat(workflow.status()).isEqualTo(WorkflowStatus.COMPLETED);
            assertThat(workflow.output()).isEqualTo(map("total", 8, "who", "ada", "svInput", 8));
            assertThat(workflow.endTime()).isEqualTo(T0);
            assertThat(workflow.reasonForIncompletion()).isNull();
            assertThat(statuses(workflow)).containsExactly(TaskStatus.COMPLETED, TaskStatus.COMPLETED);
            assertThat(workflow.runningTasks()).isEmpty();
        }

        @Test
        void emptyDefinitionCompletesAtOnce() {
            Workflow workflow = start(def(map("echo", "${workflow.input.x}")), map("x", "y"));

            assertThat(workflow.status()).isEqualTo(WorkflowStatus.COMPLETED);
            assertThat(workflow.output()).isEqualTo(map("echo", "y"));
            assertThat(workflow.tasks()).isEmpty();
            assertThat(workflow.endTime()).isEqualTo(T0);
        }
    }

    // ================================================================ TERMINATE

    @Nested
    class Terminate_task {

        @Test
        void defaultsToCompletedWithResolvedOutputAndReason() {
            WorkflowDef definition = def(
                    map("ignored", "definition output must not be used"),
                    setVariable("sv", map("v", "V")),
                    terminate("end", map(
                            "terminationReason", "nothing to do for ${workflow.input.id}",
                            "workflowOutput", map("v", "${workflow.variables.v}", "id", "${workflow.input.id}"))),
                    simple("never"));

            Workflow workflow = start(definition, map("id", "o-3"));

            assertThat(workflow.status()).isEqualTo(WorkflowStatus.COMPLETED);
            assertThat(workflow.output()).isEqualTo(map("v", "V", "id", "o-3"));
            assertThat(workflow.reasonForIncompletion()).isEqualTo("nothing to do for o-3");
            assertThat(workflow.endTime()).isEqualTo(T0);
            assertThat(refs(workflow)).containsExactly("sv", "end");
            assertThat(task(workflow, "end").status()).isEqualTo(TaskStatus.COMPLETED);
            assertThat(task(workflow, "end").taskType()).isEqualTo("TERMINATE");
            assertThat(workflow.runningTasks()).isEmpty();
        }

        @ParameterizedTest
        @CsvSource({"COMPLETED,COMPLETED", "FAILED,FAILED", "TERMINATED,TERMINATED"})
        void endsInTheGivenTerminationStatus(String terminationStatus, WorkflowStatus expected) {
            WorkflowDef definition = def(
                    terminate("end", map("terminationStatus", terminationStatus, "terminationReason", "why")),
                    simple("never"));

            Workflow workflow = start(definition);

            assertThat(workflow.status()).isEqualTo(expected);
            assertThat(workflow.reasonForIncompletion()).isEqualTo("why");
            assertThat(workflow.endTime()).isEqualTo(T0);
            assertThat(refs(workflow)).containsExactly("end");
        }

        @Test
        void terminationStatusCanComeFromAnExpression() {
            WorkflowDef definition = def(terminate("end", map("terminationStatus", "${workflow.input.s}")));

            assertThat(start(definition, map("s", "FAILED")).status()).isEqualTo(WorkflowStatus.FAILED);
        }

        @Test
        void withoutWorkflowOutputTheOutputIsEmpty() {
            Workflow workflow = start(def(map("x", "from definition"), terminate("end", map())));

            assertThat(workflow.status()).isEqualTo(WorkflowStatus.COMPLETED);
            assertThat(workflow.output()).isEmpty();
            assertThat(workflow.reasonForIncompletion()).isNull();
        }

        @Test
        void runsInlineAfterAWorkerTaskCompletes() {
            WorkflowDef definition = def(
                    simple("a"),
                    terminate("end", map(
                            "terminationStatus", "FAILED",
                            "terminationReason", "${a.output.why}",
                            "workflowOutput", map("r", "${a.output.r}"))),
                    simple("never"));
            Workflow started = start(definition);

            Workflow workflow = complete(started, "a", map("why", "out of stock", "r", 7), T1);

            assertThat(workflow.status()).isEqualTo(WorkflowStatus.FAILED);
            assertThat(workflow.reasonForIncompletion()).isEqualTo("out of stock");
            assertThat(workflow.output()).isEqualTo(map("r", 7));
            assertThat(workflow.endTime()).isEqualTo(T1);
            assertThat(refs(workflow)).containsExactly("a", "end");
            assertThat(task(workflow, "end").seq()).isEqualTo(2);
        }
    }

    // ================================================================ task completion

    @Nested
    class Completion {

        @Test
        void completingATaskSchedulesTheNextWithResolvedInput() {
            WorkflowDef definition = def(simple("a"),
                    simple("b", map("fromA", "${a.output.x}", "fromInput", "${workflow.input.y}")),
                    simple("c"));
            Workflow started = start(definition, map("y", "Y"));

            Workflow workflow = complete(started, "a", map("x", 41), T1);

            assertThat(workflow.status()).isEqualTo(WorkflowStatus.RUNNING);
            assertThat(workflow.updateTime()).isEqualTo(T1);
            assertThat(workflow.endTime()).isZero();
            assertThat(refs(workflow)).containsExactly("a", "b");
            Task a = task(workflow, "a");
            assertThat(a.status()).isEqualTo(TaskStatus.COMPLETED);
            assertThat(a.outputData()).isEqualTo(map("x", 41));
            assertThat(a.endTime()).isEqualTo(T1);
            assertThat(a.updateTime()).isEqualTo(T1);
            assertThat(a.workerId()).isEqualTo("worker-1");
            Task b = task(workflow, "b");
            assertThat(b.status()).isEqualTo(TaskStatus.SCHEDULED);
            assertThat(b.taskId()).isEqualTo("t2");
            assertThat(b.seq()).isEqualTo(2);
            assertThat(b.scheduledTime()).isEqualTo(T1);
            assertThat(b.inputData()).isEqualTo(map("fromA", 41, "fromInput", "Y"));
        }

        @Test
        void completingTheLastTaskCompletesTheWorkflowWithResolvedOutput() {
            WorkflowDef definition = def(map("x", "${w.output.x}", "y", "${workflow.input.y}", "label",
                    "done-${workflow.input.y}"), simple("a"), waitTask("w"));
            Workflow workflow = complete(start(definition, map("y", true)), "a", map(), T1);

            Workflow done = complete(workflow, "w", map("x", map("deep", 1)), T2);

            assertThat(done.status()).isEqualTo(WorkflowStatus.COMPLETED);
            assertThat(done.output()).isEqualTo(map("x", map("deep", 1), "y", true, "label", "done-true"));
            assertThat(done.endTime()).isEqualTo(T2);
            assertThat(done.updateTime()).isEqualTo(T2);
            assertThat(done.reasonForIncompletion()).isNull();
            assertThat(statuses(done)).containsExactly(TaskStatus.COMPLETED, TaskStatus.COMPLETED);
            assertThat(task(done, "w").endTime()).isEqualTo(T2);
        }

        @Test
        void waitTaskIsCompletedThroughTheUpdateApiWithoutWorker() {
            Workflow started = start(def(waitTask("w"), simple("b")));
            Task w = task(started, "w");

            Workflow workflow = Decider.onTaskResult(started,
                    result(w, TaskResult.Status.COMPLETED, map("approved", true), null, null, null), T1, ids);

            assertThat(task(workflow, "w").status()).isEqualTo(TaskStatus.COMPLETED);
            assertThat(task(workflow, "w").outputData()).isEqualTo(map("approved", true));
            assertThat(task(workflow, "w").startTime()).isEqualTo(T0);
            assertThat(task(workflow, "w").workerId()).isNull();
            assertThat(task(workflow, "b").status()).isEqualTo(TaskStatus.SCHEDULED);
        }

        @Test
        void setVariableAfterACompletedTaskRunsInlineUntilTheNextWorkerTask() {
            WorkflowDef definition = def(simple("a"),
                    setVariable("sv", map("total", "${a.output.total}")),
                    human("h"),
                    simple("z"));
            Workflow started = start(definition);

            Workflow workflow = complete(started, "a", map("total", 99), T1);

            assertThat(refs(workflow)).containsExactly("a", "sv", "h");
            assertThat(statuses(workflow))
                    .containsExactly(TaskStatus.COMPLETED, TaskStatus.COMPLETED, TaskStatus.IN_PROGRESS);
            assertThat(workflow.variables()).isEqualTo(map("total", 99));
            assertThat(task(workflow, "h").seq()).isEqualTo(3);
            assertThat(task(workflow, "h").taskId()).isEqualTo("t3");
        }

        @Test
        void trailingSetVariableRunsAndTheWorkflowCompletes() {
            WorkflowDef definition = def(map("sum", "${workflow.variables.sum}"),
                    simple("a"), setVariable("sv", map("sum", "${a.output.sum}")));

            Workflow workflow = complete(start(definition), "a", map("sum", 12), T1);

            assertThat(workflow.status()).isEqualTo(WorkflowStatus.COMPLETED);
            assertThat(workflow.output()).isEqualTo(map("sum", 12));
            assertThat(workflow.endTime()).isEqualTo(T1);
        }

        @Test
        void nullOutputOnCompletionKeepsTheOutputReportedEarlier() {
            Workflow started = start(def(waitTask("w"), simple("b")));
            Task w = task(started, "w");
            Workflow progressed = Decider.onTaskResult(started,
                    result(w, TaskResult.Status.IN_PROGRESS, map("step", 1), null, null, null), T1, ids);

            Workflow workflow = Decider.onTaskResult(progressed,
                    result(w, TaskResult.Status.COMPLETED, null, null, null, null), T2, ids);

            assertThat(task(workflow, "w").status()).isEqualTo(TaskStatus.COMPLETED);
            assertThat(task(workflow, "w").outputData()).isEqualTo(map("step", 1));
        }
    }

    // ================================================================ upgraded executions

    @Nested
    class AfterUpgrade {

        private final WorkflowDef v1 = defVersion(1, map("from", "v1"), waitTask("w"), simple("old_next"));
        private final WorkflowDef v2 = defVersion(2,
                map("from", "v2", "post", "${post.output.r}", "pre", "${pre.output.x}"),
                simple("pre"),
                waitTask("w"),
                simple("post", map("fromPre", "${pre.output.x}", "fromW", "${w.output.y}")));

        /** Started on v1 with w running, then moved to v2 where pre (before w) is recorded SKIPPED. */
        private Workflow upgraded() {
            Workflow started = Decider.start(WF_ID, v1, map("in", 1), CORRELATION, T0, ids);
            Task w = task(started, "w");
            Task pre = new Task("skip-pre", "pre_def", "pre_def", "pre", TaskStatus.SKIPPED, 2, Map.of(),
                    map("x", "given at upgrade"), T1, T1, T1, T1, WF_ID, "skipped by upgrade", null, 0, 0);
            UpgradeHistoryEntry entry = new UpgradeHistoryEntry("cmd-1", 1, 2, List.of("pre"), "ops",
                    Instant.ofEpochMilli(T1));
            return started.upgradedTo(v2, started.input(), List.of(w, pre), entry, T1);
        }

        @Test
        void completingTheRunningTaskSchedulesTheNextTaskOfTheNewVersion() {
            Workflow workflow = complete(upgraded(), "w", map("y", "Y"), T2);

            assertThat(workflow.status()).isEqualTo(WorkflowStatus.RUNNING);
            assertThat(refs(workflow)).containsExactly("w", "pre", "post");
            assertThat(refs(workflow)).doesNotContain("old_next");
            Task post = task(workflow, "post");
            assertThat(post.status()).isEqualTo(TaskStatus.SCHEDULED);
            assertThat(post.seq()).isEqualTo(3);
            assertThat(post.inputData()).isEqualTo(map("fromPre", "given at upgrade", "fromW", "Y"));
            assertThat(task(workflow, "pre").status()).isEqualTo(TaskStatus.SKIPPED);
        }

        @Test
        void completingTheLastTaskOfTheNewVersionUsesItsOutputParameters() {
            Workflow workflow = complete(upgraded(), "w", map("y", "Y"), T2);

            Workflow done = complete(workflow, "post", map("r", "R"), T3);

            assertThat(done.status()).isEqualTo(WorkflowStatus.COMPLETED);
            assertThat(done.output()).isEqualTo(map("from", "v2", "post", "R", "pre", "given at upgrade"));
            assertThat(done.endTime()).isEqualTo(T3);
            assertThat(done.workflowVersion()).isEqualTo(2);
            assertThat(done.upgradeHistory()).extracting(UpgradeHistoryEntry::commandId).containsExactly("cmd-1");
        }

        @Test
        void furthestPositionCountsNotTheOrderOfRecords() {
            // v3 = [a, b, w, c]; records: b SKIPPED, a COMPLETED, w IN_PROGRESS (in that list order).
            WorkflowDef v3 = defVersion(3, Map.of(), simple("a"), simple("b"), waitTask("w"), simple("c"));
            Task b = new Task("x-b", "b_def", "b_def", "b", TaskStatus.SKIPPED, 1, Map.of(), Map.of(), T0, T0, T0,
                    T0, WF_ID, null, null, 0, 0);
            Task a = new Task("x-a", "a_def", "a_def", "a", TaskStatus.COMPLETED, 2, Map.of(), Map.of(), T0, T0,
                    T0, T0, WF_ID, null, null, 0, 0);
            Task w = new Task("x-w", "WAIT", "w_def", "w", TaskStatus.IN_PROGRESS, 3, Map.of(), Map.of(), T0, T0,
                    0, T0, WF_ID, null, null, 0, 0);
            Workflow workflow = new Workflow(WF_ID, "order_flow", 3, WorkflowStatus.RUNNING, Map.of(), Map.of(),
                    Map.of(), CORRELATION, T0, T0, 0, v3, List.of(b, a, w), List.of(), 5, null);

            Workflow next = complete(workflow, "w", map(), T1);

            assertThat(refs(next)).containsExactly("b", "a", "w", "c");
            assertThat(task(next, "c").seq()).isEqualTo(4);
        }

        @Test
        void aSkippedRecordFurthestAlongCountsAsDone() {
            // Nothing running; a COMPLETED, b SKIPPED by an upgrade: decide schedules c, not b.
            WorkflowDef v2 = defVersion(2, Map.of(), simple("a"), simple("b"), simple("c", map("bx", "${b.output.x}")));
            Task a = new Task("x-a", "a_def", "a_def", "a", TaskStatus.COMPLETED, 1, Map.of(), Map.of(), T0, T0, T0,
                    T0, WF_ID, null, null, 0, 0);
            Task b = new Task("x-b", "b_def", "b_def", "b", TaskStatus.SKIPPED, 2, Map.of(), map("x", "bx"), T1, T1,
                    T1, T1, WF_ID, null, null, 0, 0);
            Workflow workflow = new Workflow(WF_ID, "order_flow", 2, WorkflowStatus.RUNNING, Map.of(), Map.of(),
                    Map.of(), CORRELATION, T0, T1, 0, v2, List.of(a, b), List.of(), 2, null);

            Workflow next = Decider.decide(workflow, T2, ids);

            assertThat(refs(next)).containsExactly("a", "b", "c");
            assertThat(task(next, "c").status()).isEqualTo(TaskStatus.SCHEDULED);
            assertThat(task(next, "c").seq()).isEqualTo(3);
            assertThat(task(next, "c").inputData()).isEqualTo(map("bx", "bx"));
            assertThat(next.updateTime()).isEqualTo(T2);
        }

        @Test
        void allRemainingTasksSkippedCompletesTheWorkflowOnDecide() {
            WorkflowDef v2 = defVersion(2, map("r", "${b.output.r}"), simple("a"), simple("b"));
            Task a = new Task("x-a", "a_def", "a_def", "a", TaskStatus.COMPLETED, 1, Map.of(), Map.of(), T0, T0, T0,
                    T0, WF_ID, null, null, 0, 0);
            Task b = new Task("x-b", "b_def", "b_def", "b", TaskStatus.SKIPPED, 2, Map.of(), map("r", 9), T1, T1,
                    T1, T1, WF_ID, null, null, 0, 0);
            Workflow workflow = new Workflow(WF_ID, "order_flow", 2, WorkflowStatus.RUNNING, Map.of(), Map.of(),
                    Map.of(), CORRELATION, T0, T1, 0, v2, List.of(a, b), List.of(), 2, null);

            Workflow done = Decider.decide(workflow, T2, NO_IDS);

            assertThat(done.status()).isEqualTo(WorkflowStatus.COMPLETED);
            assertThat(done.output()).isEqualTo(map("r", 9));
            assertThat(done.endTime()).isEqualTo(T2);
        }

        @Test
        void tasksInsertedBeforeTheRunningOneAreNotScheduledAfterIt() {
            // v2 inserted "ins" before w without a record: the next task is the one after w, not "ins".
            WorkflowDef v2 = defVersion(2, Map.of(), simple("ins"), waitTask("w"), simple("post"));
            Workflow started = Decider.start(WF_ID, def(waitTask("w"), simple("old")), Map.of(), CORRELATION, T0,
                    ids);
            Workflow upgraded = started.upgradedTo(v2, Map.of(), started.tasks(),
                    new UpgradeHistoryEntry("cmd", 1, 2, List.of(), "ops", Instant.ofEpochMilli(T1)), T1);

            Workflow workflow = complete(upgraded, "w", map(), T2);

            assertThat(refs(workflow)).containsExactly("w", "post");
        }

        @Test
        void recordsOfTasksRemovedByTheNewVersionAreIgnored() {
            // v1 [a, w, b]: a done, w running; v2 [w, c] removed a and b.
            WorkflowDef first = def(simple("a"), waitTask("w"), simple("b"));
            Workflow running = complete(start(first), "a", map(), T1);
            WorkflowDef v2 = defVersion(2, Map.of(), waitTask("w"), simple("c"));
            Workflow upgraded = running.upgradedTo(v2, Map.of(), running.tasks(),
                    new UpgradeHistoryEntry("cmd", 1, 2, List.of(), "ops", Instant.ofEpochMilli(T1)), T1);

            Workflow workflow = complete(upgraded, "w", map(), T2);

            assertThat(refs(workflow)).containsExactly("a", "w", "c");
            assertThat(task(workflow, "c").status()).isEqualTo(TaskStatus.SCHEDULED);
        }
    }

    // ================================================================ failures

    @Nested
    class Failures {

        @Test
        void failedTaskFailsTheWorkflowWithoutRetry() {
            Workflow started = start(def(simple("a"), simple("b")));

            Workflow workflow = Decider.onTaskResult(started, failed(task(started, "a"), "disk full"), T1, NO_IDS);

            assertThat(workflow.status()).isEqualTo(WorkflowStatus.FAILED);
            assertThat(workflow.reasonForIncompletion()).contains("a").contains("disk full");
            assertThat(workflow.endTime()).isEqualTo(T1);
            assertThat(refs(workflow)).containsExactly("a");
            Task a = task(workflow, "a");
            assertThat(a.status()).isEqualTo(TaskStatus.FAILED);
            assertThat(a.reasonForIncompletion()).isEqualTo("disk full");
            assertThat(a.outputData()).isEqualTo(map("error", "E42"));
            assertThat(a.endTime()).isEqualTo(T1);
            assertThat(a.workerId()).isEqualTo("worker-1");
            assertThat(workflow.runningTasks()).isEmpty();
        }

        @Test
        void failedWithTerminalErrorKeepsThatStatusOnTheTask() {
            Workflow started = start(def(waitTask("w"), simple("b")));
            Task w = task(started, "w");

            Workflow workflow = Decider.onTaskResult(started,
                    result(w, TaskResult.Status.FAILED_WITH_TERMINAL_ERROR, null, "rejected", null, null), T1,
                    NO_IDS);

            assertThat(workflow.status()).isEqualTo(WorkflowStatus.FAILED);
            assertThat(workflow.reasonForIncompletion()).contains("w").contains("rejected");
            assertThat(task(workflow, "w").status()).isEqualTo(TaskStatus.FAILED_WITH_TERMINAL_ERROR);
            assertThat(task(workflow, "w").reasonForIncompletion()).isEqualTo("rejected");
            assertThat(refs(workflow)).containsExactly("w");
        }

        @Test
        void failureInTheMiddleKeepsEarlierTasksAsTheyWere() {
            Workflow afterA = complete(start(def(simple("a"), simple("b"), simple("c"))), "a", map("x", 1), T1);

            Workflow workflow = Decider.onTaskResult(afterA, failed(task(afterA, "b"), "boom"), T2, NO_IDS);

            assertThat(statuses(workflow)).containsExactly(TaskStatus.COMPLETED, TaskStatus.FAILED);
            assertThat(task(workflow, "a")).isEqualTo(task(afterA, "a"));
            assertThat(workflow.reasonForIncompletion()).contains("b").contains("boom");
        }

        @ParameterizedTest
        @EnumSource(value = TaskResult.Status.class, names = {"FAILED", "FAILED_WITH_TERMINAL_ERROR"})
        void optionalTaskFailureCompletesWithErrorsAndTheWorkflowContinues(TaskResult.Status status) {
            Workflow started = start(def(optional(simple("a")), simple("b", map("aErr", "${a.output.error}"))));

            Workflow workflow = Decider.onTaskResult(started,
                    result(task(started, "a"), status, map("error", "E1"), "flaky", "worker-1", null), T1, ids);

            assertThat(workflow.status()).isEqualTo(WorkflowStatus.RUNNING);
            assertThat(workflow.reasonForIncompletion()).isNull();
            assertThat(workflow.endTime()).isZero();
            Task a = task(workflow, "a");
            assertThat(a.status()).isEqualTo(TaskStatus.COMPLETED_WITH_ERRORS);
            assertThat(a.reasonForIncompletion()).isEqualTo("flaky");
            assertThat(a.endTime()).isEqualTo(T1);
            Task b = task(workflow, "b");
            assertThat(b.status()).isEqualTo(TaskStatus.SCHEDULED);
            assertThat(b.inputData()).isEqualTo(map("aErr", "E1"));
        }

        @Test
        void optionalLastTaskFailureCompletesTheWorkflow() {
            Workflow started = start(def(map("done", true), optional(waitTask("w"))));

            Workflow workflow = Decider.onTaskResult(started, failed(task(started, "w"), "timeout"), T1, ids);

            assertThat(workflow.status()).isEqualTo(WorkflowStatus.COMPLETED);
            assertThat(workflow.output()).isEqualTo(map("done", true));
            assertThat(task(workflow, "w").status()).isEqualTo(TaskStatus.COMPLETED_WITH_ERRORS);
        }

        @Test
        void optionalFalseIsNotOptional() {
            WorkflowTask notOptional = new WorkflowTask("a_def", "a", "SIMPLE", null, Map.of(), false);
            Workflow started = start(def(notOptional, simple("b")));

            Workflow workflow = Decider.onTaskResult(started, failed(task(started, "a"), "x"), T1, NO_IDS);

            assertThat(workflow.status()).isEqualTo(WorkflowStatus.FAILED);
            assertThat(task(workflow, "a").status()).isEqualTo(TaskStatus.FAILED);
        }
    }

    // ================================================================ IN_PROGRESS reports

    @Nested
    class InProgress {

        @Test
        void simpleTaskGoesBackToScheduledAfterTheCallbackDelay() {
            Workflow started = start(def(simple("a"), simple("b")));

            Workflow workflow = Decider.onTaskResult(started,
                    result(task(started, "a"), TaskResult.Status.IN_PROGRESS, map("pct", 40), null, "worker-1", 30L),
                    T1, NO_IDS);

            assertThat(workflow.status()).isEqualTo(WorkflowStatus.RUNNING);
            assertThat(refs(workflow)).containsExactly("a");
            Task a = task(workflow, "a");
            assertThat(a.status()).isEqualTo(TaskStatus.SCHEDULED);
            assertThat(a.scheduledTime()).isEqualTo(T1 + 30_000);
            assertThat(a.callbackAfterSeconds()).isEqualTo(30);
            assertThat(a.outputData()).isEqualTo(map("pct", 40));
            assertThat(a.updateTime()).isEqualTo(T1);
            assertThat(a.endTime()).isZero();
            assertThat(workflow.updateTime()).isEqualTo(T1);
        }

        @Test
        void simpleTaskWithoutCallbackIsScheduledAgainNow() {
            Workflow started = start(def(simple("a")));

            Workflow workflow = Decider.onTaskResult(started,
                    result(task(started, "a"), TaskResult.Status.IN_PROGRESS, map("pct", 10), null, null, null),
                    T1, NO_IDS);

            assertThat(task(workflow, "a").status()).isEqualTo(TaskStatus.SCHEDULED);
            assertThat(task(workflow, "a").scheduledTime()).isEqualTo(T1);
        }

        @Test
        void waitTaskStaysInProgress() {
            Workflow started = start(def(waitTask("w"), simple("b")));

            Workflow workflow = Decider.onTaskResult(started,
                    result(task(started, "w"), TaskResult.Status.IN_PROGRESS, map("seen", 1), null, null, 60L),
                    T1, NO_IDS);

            assertThat(workflow.status()).isEqualTo(WorkflowStatus.RUNNING);
            assertThat(refs(workflow)).containsExactly("w");
            Task w = task(workflow, "w");
            assertThat(w.status()).isEqualTo(TaskStatus.IN_PROGRESS);
            assertThat(w.outputData()).isEqualTo(map("seen", 1));
            assertThat(w.startTime()).isEqualTo(T0);
            assertThat(w.endTime()).isZero();
        }

        @Test
        void humanTaskStaysInProgress() {
            Workflow started = start(def(human("h")));

            Workflow workflow = Decider.onTaskResult(started,
                    result(task(started, "h"), TaskResult.Status.IN_PROGRESS, map("note", "n"), null, null, null),
                    T1, NO_IDS);

            assertThat(task(workflow, "h").status()).isEqualTo(TaskStatus.IN_PROGRESS);
            assertThat(task(workflow, "h").outputData()).isEqualTo(map("note", "n"));
            assertThat(workflow.status()).isEqualTo(WorkflowStatus.RUNNING);
        }

        @Test
        void rescheduledSimpleTaskCanThenBeCompleted() {
            Workflow started = start(def(simple("a"), simple("b")));
            Workflow progressed = Decider.onTaskResult(started,
                    result(task(started, "a"), TaskResult.Status.IN_PROGRESS, map("pct", 50), null, null, 5L),
                    T1, NO_IDS);

            Workflow workflow = complete(progressed, "a", map("pct", 100), T2);

            assertThat(statuses(workflow)).containsExactly(TaskStatus.COMPLETED, TaskStatus.SCHEDULED);
            assertThat(task(workflow, "a").outputData()).isEqualTo(map("pct", 100));
        }
    }

    // ================================================================ rejected updates

    @Nested
    class RejectedUpdates {

        @Test
        void unknownTaskId() {
            Workflow workflow = start(def(simple("a")));
            TaskResult result = new TaskResult(WF_ID, "no-such-task", TaskResult.Status.COMPLETED, Map.of(), null,
                    null, null);

            assertRejected(() -> Decider.onTaskResult(workflow, result, T1, ids), Reason.TASK_NOT_FOUND);
        }

        @Test
        void taskAlreadyEnded() {
            Workflow started = start(def(simple("a"), simple("b")));
            Task a = task(started, "a");
            Workflow workflow = Decider.onTaskResult(started, completed(a, map()), T1, ids);

            assertRejected(() -> Decider.onTaskResult(workflow, completed(a, map()), T2, ids), Reason.TASK_ENDED);
            assertRejected(() -> Decider.onTaskResult(workflow, failed(a, "late"), T2, ids), Reason.TASK_ENDED);
            assertRejected(() -> Decider.onTaskResult(workflow,
                    result(a, TaskResult.Status.IN_PROGRESS, map(), null, null, null), T2, ids), Reason.TASK_ENDED);
        }

        @Test
        void setVariableTaskIsAlreadyEnded() {
            Workflow workflow = start(def(setVariable("sv", map("x", 1)), simple("a")));

            assertRejected(() -> Decider.onTaskResult(workflow, completed(task(workflow, "sv"), map()), T1, ids),
                    Reason.TASK_ENDED);
        }

        @Test
        void completedWorkflow() {
            Workflow started = start(def(simple("a")));
            Task a = task(started, "a");
            Workflow done = Decider.onTaskResult(started, completed(a, map()), T1, ids);

            assertRejected(() -> Decider.onTaskResult(done, completed(a, map()), T2, ids), Reason.WORKFLOW_ENDED);
        }

        @Test
        void terminatedWorkflow() {
            Workflow started = start(def(simple("a")));
            Workflow terminated = Decider.terminate(started, "stop", T1);

            assertRejected(() -> Decider.onTaskResult(terminated, completed(task(started, "a"), map()), T2, ids),
                    Reason.WORKFLOW_ENDED);
        }

        @Test
        void failedWorkflow() {
            Workflow started = start(def(simple("a"), simple("b")));
            Task a = task(started, "a");
            Workflow failedWorkflow = Decider.onTaskResult(started, failed(a, "x"), T1, ids);

            assertRejected(() -> Decider.onTaskResult(failedWorkflow, completed(a, map()), T2, ids),
                    Reason.WORKFLOW_ENDED);
        }
    }

    // ================================================================ pause / resume

    @Nested
    class PauseAndResume {

        @Test
        void pauseStopsARunningWorkflowWithoutTouchingTasks() {
            Workflow started = start(def(simple("a")));

            Workflow paused = Decider.pause(started, T1);

            assertThat(paused.status()).isEqualTo(WorkflowStatus.PAUSED);
            assertThat(paused.updateTime()).isEqualTo(T1);
            assertThat(paused.endTime()).isZero();
            assertThat(paused.tasks()).isEqualTo(started.tasks());
        }

        @Test
        void pauseOfAPausedWorkflowReturnsTheSameInstance() {
            Workflow paused = Decider.pause(start(def(simple("a"))), T1);

            assertThat(Decider.pause(paused, T2)).isSameAs(paused);
        }

        @Test
        void resumeOfARunningWorkflowReturnsTheSameInstance() {
            Workflow started = start(def(simple("a")));

            assertThat(Decider.resume(started, T1, NO_IDS)).isSameAs(started);
            Workflow runningWithNothingScheduled = started.withoutTasks();
            assertThat(Decider.resume(runningWithNothingScheduled, T1, NO_IDS)).isSameAs(runningWithNothingScheduled);
        }

        @Test
        void resumeWithATaskStillRunningSchedulesNothing() {
            Workflow paused = Decider.pause(start(def(simple("a"), simple("b"))), T1);

            Workflow resumed = Decider.resume(paused, T2, NO_IDS);

            assertThat(resumed.status()).isEqualTo(WorkflowStatus.RUNNING);
            assertThat(resumed.updateTime()).isEqualTo(T2);
            assertThat(resumed.tasks()).isEqualTo(paused.tasks());
        }

        @Test
        void taskCompletingWhilePausedIsRecordedButNothingIsScheduledUntilResume() {
            Workflow paused = Decider.pause(start(def(simple("a"), simple("b", map("x", "${a.output.x}")))), T1);

            Workflow whilePaused = Decider.onTaskResult(paused, completed(task(paused, "a"), map("x", 5)), T2,
                    NO_IDS);

            assertThat(whilePaused.status()).isEqualTo(WorkflowStatus.PAUSED);
            assertThat(refs(whilePaused)).containsExactly("a");
            assertThat(task(whilePaused, "a").status()).isEqualTo(TaskStatus.COMPLETED);
            assertThat(task(whilePaused, "a").outputData()).isEqualTo(map("x", 5));

            Workflow resumed = Decider.resume(whilePaused, T3, ids);

            assertThat(resumed.status()).isEqualTo(WorkflowStatus.RUNNING);
            assertThat(refs(resumed)).containsExactly("a", "b");
            Task b = task(resumed, "b");
            assertThat(b.status()).isEqualTo(TaskStatus.SCHEDULED);
            assertThat(b.scheduledTime()).isEqualTo(T3);
            assertThat(b.inputData()).isEqualTo(map("x", 5));
        }

        @Test
        void lastTaskCompletingWhilePausedCompletesTheWorkflowOnResume() {
            Workflow paused = Decider.pause(start(def(map("r", "${w.output.r}"), waitTask("w"))), T1);
            Workflow whilePaused = Decider.onTaskResult(paused, completed(task(paused, "w"), map("r", 1)), T2,
                    NO_IDS);

            assertThat(whilePaused.status()).isEqualTo(WorkflowStatus.PAUSED);
            assertThat(whilePaused.endTime()).isZero();

            Workflow resumed = Decider.resume(whilePaused, T3, NO_IDS);

            assertThat(resumed.status()).isEqualTo(WorkflowStatus.COMPLETED);
            assertThat(resumed.output()).isEqualTo(map("r", 1));
            assertThat(resumed.endTime()).isEqualTo(T3);
        }

        @Test
        void taskFailingWhilePausedFailsTheWorkflow() {
            Workflow paused = Decider.pause(start(def(simple("a"), simple("b"))), T1);

            Workflow workflow = Decider.onTaskResult(paused, failed(task(paused, "a"), "boom"), T2, NO_IDS);

            assertThat(workflow.status()).isEqualTo(WorkflowStatus.FAILED);
            assertThat(task(workflow, "a").status()).isEqualTo(TaskStatus.FAILED);
        }
    }

    // ================================================================ terminate

    @Nested
    class Terminate {

        @Test
        void cancelsRunningTasksAndKeepsTheReason() {
            Workflow afterA = complete(start(def(simple("a"), waitTask("w"), simple("c"))), "a", map("x", 1), T1);

            Workflow workflow = Decider.terminate(afterA, "operator said stop", T2);

            assertThat(workflow.status()).isEqualTo(WorkflowStatus.TERMINATED);
            assertThat(workflow.reasonForIncompletion()).isEqualTo("operator said stop");
            assertThat(workflow.endTime()).isEqualTo(T2);
            assertThat(workflow.updateTime()).isEqualTo(T2);
            assertThat(workflow.output()).isEmpty();
            assertThat(refs(workflow)).containsExactly("a", "w");
            assertThat(task(workflow, "a")).isEqualTo(task(afterA, "a"));
            Task w = task(workflow, "w");
            assertThat(w.status()).isEqualTo(TaskStatus.CANCELED);
            assertThat(w.endTime()).isEqualTo(T2);
            assertThat(w.reasonForIncompletion()).isEqualTo("operator said stop");
            assertThat(workflow.runningTasks()).isEmpty();
        }

        @Test
        void cancelsAScheduledTask() {
            Workflow started = start(def(simple("a")));

            Workflow workflow = Decider.terminate(started, "bye", T1);

            assertThat(task(workflow, "a").status()).isEqualTo(TaskStatus.CANCELED);
            assertThat(task(workflow, "a").endTime()).isEqualTo(T1);
        }

        @Test
        void aPausedWorkflowCanBeTerminated() {
            Workflow paused = Decider.pause(start(def(waitTask("w"))), T1);

            Workflow workflow = Decider.terminate(paused, "bye", T2);

            assertThat(workflow.status()).isEqualTo(WorkflowStatus.TERMINATED);
            assertThat(task(workflow, "w").status()).isEqualTo(TaskStatus.CANCELED);
        }
    }

    // ================================================================ ended workflows

    @Nested
    class EndedWorkflows {

        private Workflow ended(WorkflowStatus status) {
            Workflow started = start(def(simple("a"), simple("b")));
            Task a = task(started, "a");
            return switch (status) {
                case COMPLETED -> complete(complete(started, "a", map(), T1), "b", map(), T1);
                case FAILED -> Decider.onTaskResult(started, failed(a, "x"), T1, ids);
                case TERMINATED -> Decider.terminate(started, "x", T1);
                case TIMED_OUT -> started.ended(WorkflowStatus.TIMED_OUT, null, "timed out", T1);
                default -> throw new IllegalArgumentException(status.name());
            };
        }

        @ParameterizedTest
        @EnumSource(value = WorkflowStatus.class, names = {"COMPLETED", "FAILED", "TERMINATED", "TIMED_OUT"})
        void cannotBePaused(WorkflowStatus status) {
            Workflow workflow = ended(status);
            assertThat(workflow.status()).isEqualTo(status);

            assertRejected(() -> Decider.pause(workflow, T2), Reason.WRONG_STATUS);
        }

        @ParameterizedTest
        @EnumSource(value = WorkflowStatus.class, names = {"COMPLETED", "FAILED", "TERMINATED", "TIMED_OUT"})
        void cannotBeResumed(WorkflowStatus status) {
            Workflow workflow = ended(status);

            assertRejected(() -> Decider.resume(workflow, T2, ids), Reason.WRONG_STATUS);
        }

        @ParameterizedTest
        @EnumSource(value = WorkflowStatus.class, names = {"COMPLETED", "FAILED", "TERMINATED", "TIMED_OUT"})
        void cannotBeTerminated(WorkflowStatus status) {
            Workflow workflow = ended(status);

            assertRejected(() -> Decider.terminate(workflow, "again", T2), Reason.WRONG_STATUS);
        }

        @ParameterizedTest
        @EnumSource(value = WorkflowStatus.class, names = {"COMPLETED", "FAILED", "TERMINATED", "TIMED_OUT"})
        void decideLeavesThemAsTheyAre(WorkflowStatus status) {
            Workflow workflow = ended(status);

            assertThat(Decider.decide(workflow, T2, NO_IDS)).isSameAs(workflow);
        }

        @Test
        void decideLeavesAPausedWorkflowAsItIs() {
            Workflow paused = Decider.pause(start(def(simple("a"))), T1);
            Workflow emptied = paused.withoutTasks();

            assertThat(Decider.decide(emptied, T2, NO_IDS)).isSameAs(emptied);
        }
    }

    // ================================================================ purity

    @Nested
    class Purity {

        private final WorkflowDef definition = def(map("out", "${b.output.v}"),
                setVariable("sv", map("k", "${workflow.input.k}")),
                simple("a", map("k", "${workflow.variables.k}")),
                waitTask("b"));

        private Workflow run(Supplier<String> taskIds) {
            Workflow started = Decider.start(WF_ID, definition, map("k", "K"), CORRELATION, T0, taskIds);
            Workflow afterA = Decider.onTaskResult(started,
                    completed(task(started, "a"), map("v", 1)), T1, taskIds);
            return Decider.onTaskResult(afterA, completed(task(afterA, "b"), map("v", 2)), T2, taskIds);
        }

        @Test
        void sameInputsGiveEqualOutputs() {
            Workflow first = run(counter("id-"));
            Workflow second = run(counter("id-"));

            assertThat(first).isEqualTo(second);
            assertThat(first.status()).isEqualTo(WorkflowStatus.COMPLETED);
            assertThat(first.output()).isEqualTo(map("out", 2));
        }

        @Test
        void taskIdsComeFromTheSupplier() {
            Workflow workflow = run(counter("id-"));

            assertThat(workflow.tasks()).extracting(Task::taskId).containsExactly("id-1", "id-2", "id-3");
        }

        @Test
        void startDoesNotMutateItsInputs() {
            Map<String, Object> input = map("k", "K", "nested", map("n", new ArrayList<>(List.of(1, 2))));

            Decider.start(WF_ID, definition, input, CORRELATION, T0, ids);

            assertThat(input).isEqualTo(map("k", "K", "nested", map("n", List.of(1, 2))));
            assertThat(definition).isEqualTo(def(map("out", "${b.output.v}"),
                    setVariable("sv", map("k", "${workflow.input.k}")),
                    simple("a", map("k", "${workflow.variables.k}")),
                    waitTask("b")));
        }

        @Test
        void eventsDoNotMutateTheGivenExecution() {
            Workflow started = Decider.start(WF_ID, definition, map("k", "K"), CORRELATION, T0, counter("x"));
            Workflow copy = Decider.start(WF_ID, definition, map("k", "K"), CORRELATION, T0, counter("x"));
            Map<String, Object> output = map("v", 1);
            TaskResult completion = completed(task(started, "a"), output);

            Decider.onTaskResult(started, completion, T1, ids);
            Decider.onTaskResult(started, result(task(started, "a"), TaskResult.Status.IN_PROGRESS, map("p", 1),
                    null, null, 3L), T1, ids);
            Decider.onTaskResult(started, failed(task(started, "a"), "x"), T1, ids);
            Decider.pause(started, T1);
            Decider.terminate(started, "bye", T1);

            assertThat(started).isEqualTo(copy);
            assertThat(task(started, "a").status()).isEqualTo(TaskStatus.SCHEDULED);
            assertThat(started.status()).isEqualTo(WorkflowStatus.RUNNING);
            assertThat(output).isEqualTo(map("v", 1));
        }

        @Test
        void setVariableDoesNotMutateThePreviousVariables() {
            WorkflowDef twoSteps = def(simple("a"), setVariable("sv", map("added", 1)), waitTask("w"));
            Workflow started = start(twoSteps);
            Map<String, Object> variablesBefore = started.variables();

            Workflow workflow = complete(started, "a", map(), T1);

            assertThat(workflow.variables()).isEqualTo(map("added", 1));
            assertThat(variablesBefore).isEmpty();
            assertThat(started.variables()).isEmpty();
        }

        @Test
        void nothingIsCreatedWhenNothingIsScheduled() {
            Workflow started = start(def(simple("a"), simple("b")));

            Workflow paused = Decider.pause(started, T1);
            Decider.onTaskResult(paused, completed(task(paused, "a"), map()), T2, NO_IDS);
            Decider.onTaskResult(started, failed(task(started, "a"), "x"), T2, NO_IDS);
            Decider.terminate(started, "x", T2);

            assertThat(refs(started)).containsExactly("a");
        }
    }
}

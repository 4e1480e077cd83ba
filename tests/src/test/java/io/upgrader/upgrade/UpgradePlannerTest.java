package io.upgrader.upgrade;

import io.upgrader.definition.WorkflowDef;
import io.upgrader.definition.WorkflowTask;
import io.upgrader.error.FieldError;
import io.upgrader.execution.Task;
import io.upgrader.execution.TaskStatus;
import io.upgrader.execution.UpgradeHistoryEntry;
import io.upgrader.execution.Workflow;
import io.upgrader.execution.WorkflowStatus;
import io.upgrader.upgrade.Rejection.Reason;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.upgrader.execution.TaskStatus.COMPLETED;
import static io.upgrader.execution.TaskStatus.FAILED;
import static io.upgrader.execution.TaskStatus.IN_PROGRESS;
import static io.upgrader.execution.TaskStatus.SCHEDULED;
import static io.upgrader.execution.TaskStatus.SKIPPED;
import static io.upgrader.execution.WorkflowStatus.PAUSED;
import static io.upgrader.execution.WorkflowStatus.RUNNING;
import static org.assertj.core.api.Assertions.assertThat;

/** Unit tests of the pure {@link UpgradePlanner}: no Spring, no store, only fixtures built here. */
class UpgradePlannerTest {

    private static final String NAME = "wf";
    private static final String WF_ID = "wf-42";
    private static final Instant NOW = Instant.parse("2025-03-04T05:06:07.891Z");
    private static final long NOW_MILLIS = NOW.toEpochMilli();
    private static final long CREATE_TIME = 1_700_000_000_000L;
    private static final long UPDATE_TIME = 1_700_000_500_000L;
    private static final long REVISION = 7L;

    // ---------------------------------------------------------------------------------------------------------
    // Fixtures
    // ---------------------------------------------------------------------------------------------------------

    /** A definition whose tasks are SIMPLE tasks named "<ref>_def". */
    private static WorkflowDef definition(String name, int version, String... refs) {
        return definition(name, version, Arrays.stream(refs).map(ref -> wfTask(ref + "_def", ref, "SIMPLE"))
                .toArray(WorkflowTask[]::new));
    }

    private static WorkflowDef definition(String name, int version, WorkflowTask... tasks) {
        return new WorkflowDef(name, version, "version " + version, List.of(tasks), List.of("a"),
                Map.of("result", "${w.output.result}"), 1_600_000_000_000L + version, 1_600_000_000_000L + version);
    }

    private static WorkflowTask wfTask(String name, String ref, String type) {
        return new WorkflowTask(name, ref, type, null, Map.of("in", "${workflow.input.a}"), false);
    }

    private static Task record(String ref, TaskStatus status, int seq) {
        Map<String, Object> inputData = new LinkedHashMap<>();
        inputData.put("param", ref + "-in");
        Map<String, Object> outputData = new LinkedHashMap<>();
        if (!status.isRunning()) {
            outputData.put("result", ref + "-out");
        }
        long scheduled = CREATE_TIME + seq * 10L;
        return new Task("task-" + ref, "SIMPLE", ref + "_def", ref, status, seq, inputData, outputData,
                scheduled, scheduled + 1, status.isRunning() ? 0 : scheduled + 2, scheduled + 3, WF_ID, null, null, 0, 0);
    }

    private static Task done(String ref, int seq) {
        return record(ref, COMPLETED, seq);
    }

    private static Task inProgress(String ref, int seq) {
        return record(ref, IN_PROGRESS, seq);
    }

    private static Task scheduled(String ref, int seq) {
        return record(ref, SCHEDULED, seq);
    }

    /** An execution of the given (old) definition, with mutable input maps so that mutation would be visible. */
    private static Workflow execution(WorkflowDef runningDefinition, WorkflowStatus status, Task... tasks) {
        return execution(runningDefinition, status, List.of(), tasks);
    }

    private static Workflow execution(WorkflowDef runningDefinition, WorkflowStatus status,
                                      List<UpgradeHistoryEntry> history, Task... tasks) {
        Map<String, Object> nested = new LinkedHashMap<>();
        nested.put("x", 1);
        nested.put("y", 2);
        Map<String, Object> input = new LinkedHashMap<>();
        input.put("a", 1);
        input.put("keep", "kept");
        input.put("nested", nested);
        Map<String, Object> output = new LinkedHashMap<>();
        output.put("o", "out");
        Map<String, Object> variables = new LinkedHashMap<>();
        variables.put("v", 1);
        return new Workflow(WF_ID, runningDefinition.name(), runningDefinition.version(), status, input, output,
                variables, "corr-1", CREATE_TIME, UPDATE_TIME, status.isTerminal() ? UPDATE_TIME : 0,
                runningDefinition, new ArrayList<>(List.of(tasks)), new ArrayList<>(history), REVISION, null);
    }

    private static UpgradeHistoryEntry historyEntry(String commandId, int from, int to, String... skipped) {
        return new UpgradeHistoryEntry(commandId, from, to, List.of(skipped), "bob", NOW.minusSeconds(3600));
    }

    private static CommandBuilder command(int version) {
        return new CommandBuilder(version);
    }

    private static final class CommandBuilder {
        private String commandId = "cmd-1";
        private String workflowId = WF_ID;
        private String name = NAME;
        private final int version;
        private final Map<String, Map<String, Object>> taskOutput = new LinkedHashMap<>();
        private Map<String, Object> workflowInput = new LinkedHashMap<>();
        private String requestedBy = "alice";
        private final Map<String, String> taskMapping = new LinkedHashMap<>();

        CommandBuilder(int version) {
            this.version = version;
        }

        CommandBuilder commandId(String value) {
            commandId = value;
            return this;
        }

        CommandBuilder workflowId(String value) {
            workflowId = value;
            return this;
        }

        CommandBuilder name(String value) {
            name = value;
            return this;
        }

        CommandBuilder output(String ref, Map<String, Object> output) {
            taskOutput.put(ref, new LinkedHashMap<>(output));
            return this;
        }

        CommandBuilder input(Map<String, Object> value) {
            workflowInput = new LinkedHashMap<>(value);
            return this;
        }

        CommandBuilder requestedBy(String value) {
            requestedBy = value;
            return this;
        }

        CommandBuilder map(String from, String to) {
            taskMapping.put(from, to);
            return this;
        }

        UpgradeCommand build() {
            return new UpgradeCommand(UpgradeCommand.SCHEMA_VERSION, commandId, workflowId, name, version,
                    taskOutput, workflowInput, NOW.minusSeconds(5), requestedBy, taskMapping);
        }
    }

    private static UpgradeOutcome plan(Workflow current, WorkflowDef target, CommandBuilder command) {
        return UpgradePlanner.plan(current, target, command.build(), NOW);
    }

    private static UpgradeOutcome.Upgraded upgraded(UpgradeOutcome outcome) {
        assertThat(outcome).isInstanceOf(UpgradeOutcome.Upgraded.class);
        return (UpgradeOutcome.Upgraded) outcome;
    }

    private static Rejection rejection(UpgradeOutcome outcome, Reason expected) {
        assertThat(outcome).isInstanceOf(UpgradeOutcome.Rejected.class);
        Rejection rejection = ((UpgradeOutcome.Rejected) outcome).rejection();
        assertThat(rejection.reason()).isEqualTo(expected);
        assertThat(rejection.message()).isNotBlank();
        return rejection;
    }

    private static Task taskByRef(Workflow workflow, String ref) {
        List<Task> found = workflow.tasks().stream().filter(t -> t.referenceTaskName().equals(ref)).toList();
        assertThat(found).as("records of %s", ref).hasSize(1);
        return found.get(0);
    }

    private static List<Task> skippedRecords(Workflow before, Workflow after) {
        return after.tasks().subList(before.tasks().size(), after.tasks().size());
    }

    // Standard scenario: v1 = [w, post]; v2 = [pre, w, post]; the execution runs w.
    private static final WorkflowDef V1 = definition(NAME, 1, "w", "post");
    private static final WorkflowDef V2 = definition(NAME, 2, "pre", "w", "post");

    private static Workflow runningAtV1() {
        return execution(V1, RUNNING, inProgress("w", 1));
    }

    // Richer scenario: v1 = [a, old, w, post]; v3 = [a, b, c, w, d]; a and old ran, w runs; b and c are skipped.
    private static final WorkflowDef RICH_V1 = definition(NAME, 1, "a", "old", "w", "post");
    private static final WorkflowDef RICH_V3 = definition(NAME, 3, "a", "b", "c", "w", "d");

    private static Workflow richAtV1() {
        return execution(RICH_V1, RUNNING, done("a", 1), done("old", 2), inProgress("w", 3));
    }

    // ---------------------------------------------------------------------------------------------------------
    // Rule 1: status
    // ---------------------------------------------------------------------------------------------------------

    @Nested
    class Status {

        @ParameterizedTest
        @EnumSource(value = WorkflowStatus.class, names = {"COMPLETED", "FAILED", "TERMINATED", "TIMED_OUT"})
        void finishedExecutionIsNotUpgradable(WorkflowStatus status) {
            Workflow current = execution(V1, status, inProgress("w", 1));

            Rejection rejection = rejection(plan(current, V2, command(2)), Reason.NOT_UPGRADABLE_STATUS);

            assertThat(rejection.message()).contains(WF_ID).contains(status.name());
            assertThat(rejection.fieldErrors()).extracting(FieldError::path).containsExactly("workflowId");
        }

        @ParameterizedTest
        @EnumSource(value = WorkflowStatus.class, names = {"COMPLETED", "FAILED", "TERMINATED", "TIMED_OUT"})
        void finishedExecutionWithoutRunningTaskIsStillRejectedForItsStatus(WorkflowStatus status) {
            Workflow current = execution(V1, status, done("w", 1), done("post", 2));

            rejection(plan(current, V2, command(2)), Reason.NOT_UPGRADABLE_STATUS);
        }

        @Test
        void pausedExecutionIsUpgradedAndStaysPaused() {
            Workflow current = execution(V1, PAUSED, inProgress("w", 1));

            Workflow after = upgraded(plan(current, V2, command(2))).workflow();

            assertThat(after.status()).isEqualTo(PAUSED);
            assertThat(after.workflowVersion()).isEqualTo(2);
            assertThat(after.tasks()).extracting(Task::referenceTaskName).containsExactly("w", "pre");
        }

        @Test
        void runningExecutionStaysRunning() {
            Workflow after = upgraded(plan(runningAtV1(), V2, command(2))).workflow();

            assertThat(after.status()).isEqualTo(RUNNING);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Rule 2: unknown execution, name, unknown version
    // ---------------------------------------------------------------------------------------------------------

    @Nested
    class Identity {

        @Test
        void unknownExecutionIsRejected() {
            Rejection rejection = rejection(plan(null, V2, command(2).workflowId("nope")), Reason.UNKNOWN_WORKFLOW);

            assertThat(rejection.fieldErrors()).extracting(FieldError::path).containsExactly("workflowId");
            assertThat(rejection.message()).contains("nope");
        }

        @Test
        void unknownExecutionIsRejectedEvenWithoutTarget() {
            rejection(plan(null, null, command(2)), Reason.UNKNOWN_WORKFLOW);
        }

        @Test
        void nameMismatchIsRejected() {
            WorkflowDef other = definition("other", 2, "pre", "w", "post");

            Rejection rejection = rejection(plan(runningAtV1(), other, command(2).name("other")),
                    Reason.NAME_MISMATCH);

            assertThat(rejection.fieldErrors()).hasSize(1);
            assertThat(rejection.fieldErrors().get(0).path()).isEqualTo("name");
            assertThat(rejection.fieldErrors().get(0).message()).contains("other");
            assertThat(rejection.message()).contains("other").contains(NAME);
        }

        @Test
        void nameMismatchIsRejectedEvenWhenTheVersionIsTheCurrentOne() {
            WorkflowDef other = definition("other", 1, "w", "post");

            rejection(plan(runningAtV1(), other, command(1).name("other")), Reason.NAME_MISMATCH);
        }

        @Test
        void nameComparisonIsExact() {
            rejection(plan(runningAtV1(), V2, command(2).name("WF")), Reason.NAME_MISMATCH);
        }

        @Test
        void unregisteredTargetIsRejected() {
            Rejection rejection = rejection(plan(runningAtV1(), null, command(9)), Reason.UNKNOWN_VERSION);

            assertThat(rejection.fieldErrors()).extracting(FieldError::path).containsExactly("version");
            assertThat(rejection.message()).contains("9");
        }

        @Test
        void unregisteredTargetIsRejectedEvenWhenTheVersionIsTheCurrentOne() {
            rejection(plan(runningAtV1(), null, command(1)), Reason.UNKNOWN_VERSION);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Rule 3: the running task
    // ---------------------------------------------------------------------------------------------------------

    @Nested
    class RunningTask {

        @Test
        void runningTaskAbsentFromTargetIsRejected() {
            WorkflowDef v2 = definition(NAME, 2, "pre", "other", "post");

            Rejection rejection = rejection(plan(runningAtV1(), v2, command(2)), Reason.TASK_NOT_IN_TARGET);

            assertThat(rejection.message()).contains("task w is not in version 2");
            assertThat(rejection.fieldErrors()).hasSize(1);
            assertThat(rejection.fieldErrors().get(0).message()).contains("task w is not in version 2");
        }

        @Test
        void runningTaskMatchedByReferenceNameNotByTaskName() {
            // The target has a task whose *name* is w_def (as the running record's taskDefName) but another ref.
            WorkflowDef v2 = definition(NAME, 2, wfTask("w_def", "w2", "SIMPLE"), wfTask("post_def", "post", "SIMPLE"));

            Rejection rejection = rejection(plan(runningAtV1(), v2, command(2)), Reason.TASK_NOT_IN_TARGET);

            assertThat(rejection.message()).contains("task w is not in version 2");
        }

        @Test
        void noRunningTaskIsRejected() {
            Workflow current = execution(V1, RUNNING, done("w", 1), record("post", FAILED, 2));

            Rejection rejection = rejection(plan(current, V2, command(2)), Reason.NO_RUNNING_TASK);

            assertThat(rejection.fieldErrors()).hasSize(1);
        }

        @Test
        void executionWithoutAnyTaskRecordIsRejected() {
            Workflow current = execution(V1, RUNNING);

            rejection(plan(current, V2, command(2)), Reason.NO_RUNNING_TASK);
        }

        @Test
        void twoRunningTasksThatWouldShareOneSequenceAreRejected() {
            Workflow current = execution(V1, RUNNING, inProgress("w", 1), scheduled("post", 2));

            Rejection rejection = rejection(plan(current, V2, command(2)), Reason.INCOMPATIBLE_STRUCTURE);

            assertThat(rejection.message()).contains("w").contains("post").contains("no longer parallel");
        }

        @Test
        void twoScheduledTasksInOneSequenceAreRejected() {
            Workflow current = execution(V1, RUNNING, scheduled("w", 1), scheduled("post", 2));

            rejection(plan(current, V2, command(2)), Reason.INCOMPATIBLE_STRUCTURE);
        }

        @ParameterizedTest
        @EnumSource(value = TaskStatus.class, names = {"SCHEDULED", "IN_PROGRESS"})
        void runningTaskIsLeftExactlyAsItIs(TaskStatus status) {
            Task running = record("w", status, 1);
            Workflow current = execution(V1, RUNNING, running);

            Workflow after = upgraded(plan(current, V2, command(2))).workflow();

            Task afterRunning = taskByRef(after, "w");
            assertThat(afterRunning).isEqualTo(running);
            assertThat(afterRunning.taskId()).isEqualTo("task-w");
            assertThat(afterRunning.status()).isEqualTo(status);
            assertThat(afterRunning.inputData()).isEqualTo(Map.of("param", "w-in"));
            assertThat(after.runningTasks()).containsExactly(running);
        }

        @Test
        void runningTaskIsFoundAmongFinishedRecords() {
            Workflow current = execution(RICH_V1, RUNNING, done("a", 1), done("old", 2), scheduled("w", 3));

            UpgradeOutcome.Upgraded outcome = upgraded(plan(current, RICH_V3, command(3)));

            assertThat(outcome.entry().skippedTasks()).containsExactly("b", "c");
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Rule 4: SKIPPED records
    // ---------------------------------------------------------------------------------------------------------

    @Nested
    class SkippedRecords {

        @Test
        void skippedTaskGetsACompleteRecord() {
            Workflow current = runningAtV1();

            Workflow after = upgraded(plan(current, V2, command(2).output("pre", Map.of("token", "abc")))).workflow();

            assertThat(after.tasks()).hasSize(2);
            Task pre = taskByRef(after, "pre");
            assertThat(pre.status()).isEqualTo(SKIPPED);
            assertThat(pre.endTime()).isEqualTo(NOW_MILLIS);
            assertThat(pre.outputData()).isEqualTo(Map.of("token", "abc"));
            // As in Conductor, a SIMPLE task's taskType is its task definition's name.
            assertThat(pre.taskType()).isEqualTo("pre_def");
            assertThat(pre.taskDefName()).isEqualTo("pre_def");
            assertThat(pre.workflowInstanceId()).isEqualTo(WF_ID);
            assertThat(pre.seq()).isEqualTo(2);
            assertThat(pre.taskId()).isNotBlank().isNotEqualTo("task-w");
        }

        @Test
        void skippedTaskWithoutGivenOutputHasEmptyOutput() {
            Workflow after = upgraded(plan(runningAtV1(), V2, command(2))).workflow();

            Task pre = taskByRef(after, "pre");
            assertThat(pre.outputData()).isNotNull().isEmpty();
            assertThat(pre.status()).isEqualTo(SKIPPED);
        }

        @Test
        void taskTypeAndDefNameComeFromTheTargetDefinition() {
            WorkflowDef v2 = definition(NAME, 2,
                    wfTask("fetch_user", "pre", "HTTP"),
                    wfTask("w_def", "w", "SIMPLE"));

            Workflow after = upgraded(plan(runningAtV1(), v2, command(2))).workflow();

            Task pre = taskByRef(after, "pre");
            assertThat(pre.taskType()).isEqualTo("HTTP");
            assertThat(pre.taskDefName()).isEqualTo("fetch_user");
        }

        @Test
        void onlyTasksBeforeTheRunningOneWithoutRecordAreSkipped() {
            Workflow current = richAtV1();

            UpgradeOutcome.Upgraded outcome = upgraded(plan(current, RICH_V3, command(3)));
            Workflow after = outcome.workflow();

            assertThat(after.tasks()).extracting(Task::referenceTaskName)
                    .containsExactly("a", "old", "w", "b", "c");
            assertThat(skippedRecords(current, after)).extracting(Task::status).containsOnly(SKIPPED);
            assertThat(after.tasks()).noneMatch(t -> t.referenceTaskName().equals("d"));
            assertThat(outcome.entry().skippedTasks()).containsExactly("b", "c");
        }

        @Test
        void skippedRecordsFollowDefinitionOrderWithIncreasingSeq() {
            Workflow current = richAtV1();

            Workflow after = upgraded(plan(current, RICH_V3, command(3))).workflow();

            assertThat(taskByRef(after, "b").seq()).isEqualTo(4);
            assertThat(taskByRef(after, "c").seq()).isEqualTo(5);
        }

        @Test
        void seqContinuesAfterTheHighestSeqNotTheLastRecordOrCount() {
            // Records are not ordered by seq and seq has gaps (e.g. retries): highest is 9, count is 3.
            Workflow current = execution(RICH_V1, RUNNING, done("a", 5), inProgress("w", 9), done("old", 2));

            Workflow after = upgraded(plan(current, RICH_V3, command(3))).workflow();

            assertThat(taskByRef(after, "b").seq()).isEqualTo(10);
            assertThat(taskByRef(after, "c").seq()).isEqualTo(11);
        }

        @Test
        void allSeqsAreUniqueAfterUpgrade() {
            Workflow after = upgraded(plan(richAtV1(), RICH_V3, command(3))).workflow();

            assertThat(after.tasks()).extracting(Task::seq).doesNotHaveDuplicates();
        }

        @Test
        void skippedRecordsHaveDistinctIdsDifferentFromExistingOnes() {
            Workflow current = richAtV1();

            Workflow after = upgraded(plan(current, RICH_V3, command(3))).workflow();

            List<String> ids = after.tasks().stream().map(Task::taskId).toList();
            assertThat(ids).doesNotContainNull().doesNotHaveDuplicates().hasSize(5);
            assertThat(skippedRecords(current, after)).extracting(Task::taskId).allSatisfy(id -> assertThat(id).isNotBlank());
        }

        @Test
        void sameCommandGivesSameIds() {
            Workflow first = upgraded(plan(richAtV1(), RICH_V3, command(3))).workflow();
            Workflow second = upgraded(plan(richAtV1(), RICH_V3, command(3))).workflow();

            assertThat(taskByRef(second, "b").taskId()).isEqualTo(taskByRef(first, "b").taskId());
            assertThat(taskByRef(second, "c").taskId()).isEqualTo(taskByRef(first, "c").taskId());
        }

        @Test
        void sameCommandGivesSameIdsEvenAtAnotherTime() {
            // A redelivered command re-planned later must still yield the same ids.
            Workflow first = upgraded(UpgradePlanner.plan(richAtV1(), RICH_V3, command(3).build(), NOW)).workflow();
            Workflow later = upgraded(UpgradePlanner.plan(richAtV1(), RICH_V3, command(3).build(),
                    NOW.plusSeconds(60))).workflow();

            assertThat(taskByRef(later, "b").taskId()).isEqualTo(taskByRef(first, "b").taskId());
        }

        @Test
        void differentCommandIdsGiveDifferentIds() {
            Workflow first = upgraded(plan(richAtV1(), RICH_V3, command(3).commandId("cmd-1"))).workflow();
            Workflow second = upgraded(plan(richAtV1(), RICH_V3, command(3).commandId("cmd-2"))).workflow();

            Set<String> firstIds = new HashSet<>(List.of(taskByRef(first, "b").taskId(), taskByRef(first, "c").taskId()));
            assertThat(taskByRef(second, "b").taskId()).isNotIn(firstIds);
            assertThat(taskByRef(second, "c").taskId()).isNotIn(firstIds);
        }

        @Test
        void existingRecordsStayUntouchedAndFirst() {
            Workflow current = richAtV1();
            List<Task> before = List.copyOf(current.tasks());

            Workflow after = upgraded(plan(current, RICH_V3, command(3))).workflow();

            assertThat(after.tasks().subList(0, before.size())).containsExactlyElementsOf(before);
            assertThat(taskByRef(after, "a")).isEqualTo(done("a", 1));
            assertThat(taskByRef(after, "w")).isEqualTo(inProgress("w", 3));
        }

        @Test
        void recordsOfTasksAbsentFromTheNewVersionStay() {
            Workflow after = upgraded(plan(richAtV1(), RICH_V3, command(3))).workflow();

            assertThat(taskByRef(after, "old")).isEqualTo(done("old", 2));
        }

        @Test
        void aFailedOrSkippedRecordCountsAsARecordAndIsNotSkippedAgain() {
            Workflow current = execution(RICH_V1, RUNNING,
                    record("a", FAILED, 1), record("b", SKIPPED, 2), inProgress("w", 3));

            UpgradeOutcome.Upgraded outcome = upgraded(plan(current, RICH_V3, command(3)));

            assertThat(outcome.entry().skippedTasks()).containsExactly("c");
            assertThat(outcome.workflow().tasks()).extracting(Task::referenceTaskName)
                    .containsExactly("a", "b", "w", "c");
            assertThat(taskByRef(outcome.workflow(), "a")).isEqualTo(record("a", FAILED, 1));
            assertThat(taskByRef(outcome.workflow(), "b")).isEqualTo(record("b", SKIPPED, 2));
        }

        @Test
        void runningTaskFirstSkipsNothing() {
            WorkflowDef v2 = definition(NAME, 2, "w", "extra", "post");
            Workflow current = runningAtV1();

            UpgradeOutcome.Upgraded outcome = upgraded(plan(current, v2, command(2)));

            assertThat(outcome.workflow().tasks()).containsExactlyElementsOf(current.tasks());
            assertThat(outcome.entry().skippedTasks()).isEmpty();
            assertThat(outcome.workflow().workflowVersion()).isEqualTo(2);
        }

        @Test
        void allEarlierTasksAlreadyRecordedSkipsNothing() {
            WorkflowDef v2 = definition(NAME, 2, "a", "w", "new");
            Workflow current = richAtV1();

            UpgradeOutcome.Upgraded outcome = upgraded(plan(current, v2, command(2)));

            assertThat(outcome.workflow().tasks()).containsExactlyElementsOf(current.tasks());
            assertThat(outcome.entry().skippedTasks()).isEmpty();
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Rule 5: taskOutput keys
    // ---------------------------------------------------------------------------------------------------------

    @Nested
    class TaskOutputKeys {

        @Test
        void outputForEverySkippedTaskIsAccepted() {
            UpgradeOutcome.Upgraded outcome = upgraded(plan(richAtV1(), RICH_V3, command(3)
                    .output("b", Map.of("x", 1))
                    .output("c", Map.of("y", List.of("p", "q")))));

            assertThat(taskByRef(outcome.workflow(), "b").outputData()).isEqualTo(Map.of("x", 1));
            assertThat(taskByRef(outcome.workflow(), "c").outputData()).isEqualTo(Map.of("y", List.of("p", "q")));
        }

        @Test
        void outputForSomeSkippedTasksOnly() {
            UpgradeOutcome.Upgraded outcome = upgraded(plan(richAtV1(), RICH_V3, command(3)
                    .output("c", Map.of("y", 2))));

            assertThat(taskByRef(outcome.workflow(), "b").outputData()).isEmpty();
            assertThat(taskByRef(outcome.workflow(), "c").outputData()).isEqualTo(Map.of("y", 2));
        }

        @Test
        void unknownKeyIsRejected() {
            Rejection rejection = rejection(plan(runningAtV1(), V2, command(2).output("ghost", Map.of("x", 1))),
                    Reason.UNEXPECTED_TASK_OUTPUT);

            assertThat(rejection.fieldErrors()).hasSize(1);
            FieldError error = rejection.fieldErrors().get(0);
            assertThat(error.path()).isEqualTo("taskOutput.ghost");
            assertThat(error.message()).contains("ghost");
            assertThat(rejection.message()).contains("ghost");
        }

        @Test
        void keyOfATaskThatAlreadyHasARecordIsRejected() {
            Rejection rejection = rejection(plan(richAtV1(), RICH_V3, command(3).output("a", Map.of("x", 1))),
                    Reason.UNEXPECTED_TASK_OUTPUT);

            assertThat(rejection.fieldErrors()).extracting(FieldError::path).containsExactly("taskOutput.a");
            assertThat(rejection.fieldErrors().get(0).message()).contains("a");
        }

        @Test
        void keyOfTheRunningTaskIsRejected() {
            Rejection rejection = rejection(plan(runningAtV1(), V2, command(2).output("w", Map.of("x", 1))),
                    Reason.UNEXPECTED_TASK_OUTPUT);

            assertThat(rejection.fieldErrors()).extracting(FieldError::path).containsExactly("taskOutput.w");
            assertThat(rejection.fieldErrors().get(0).message()).contains("w");
        }

        @Test
        void keyOfATaskAfterTheRunningOneIsRejected() {
            Rejection rejection = rejection(plan(runningAtV1(), V2, command(2).output("post", Map.of("x", 1))),
                    Reason.UNEXPECTED_TASK_OUTPUT);

            assertThat(rejection.fieldErrors()).extracting(FieldError::path).containsExactly("taskOutput.post");
        }

        @Test
        void keyOfAnOldVersionTaskAbsentFromTheTargetIsRejected() {
            Rejection rejection = rejection(plan(richAtV1(), RICH_V3, command(3).output("old", Map.of("x", 1))),
                    Reason.UNEXPECTED_TASK_OUTPUT);

            assertThat(rejection.fieldErrors()).extracting(FieldError::path).containsExactly("taskOutput.old");
        }

        @Test
        void anyKeyIsRejectedWhenNothingIsSkipped() {
            WorkflowDef v2 = definition(NAME, 2, "w", "extra");

            Rejection rejection = rejection(plan(runningAtV1(), v2, command(2).output("extra", Map.of())),
                    Reason.UNEXPECTED_TASK_OUTPUT);

            assertThat(rejection.fieldErrors()).extracting(FieldError::path).containsExactly("taskOutput.extra");
        }

        @Test
        void oneFieldErrorPerBadKeyAndNoneForGoodKeys() {
            Rejection rejection = rejection(plan(richAtV1(), RICH_V3, command(3)
                            .output("b", Map.of("ok", true))       // skipped: fine
                            .output("zeta", Map.of())              // unknown
                            .output("a", Map.of())                 // already has a record
                            .output("w", Map.of())                 // running
                            .output("d", Map.of())),               // after the running task
                    Reason.UNEXPECTED_TASK_OUTPUT);

            assertThat(rejection.fieldErrors()).extracting(FieldError::path)
                    .containsExactlyInAnyOrder("taskOutput.zeta", "taskOutput.a", "taskOutput.w", "taskOutput.d");
            assertThat(rejection.fieldErrors()).allSatisfy(error ->
                    assertThat(error.message()).contains(error.path().substring("taskOutput.".length())));
            assertThat(rejection.message()).contains("zeta").contains("d");
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Rule 6: workflowInput
    // ---------------------------------------------------------------------------------------------------------

    @Nested
    class WorkflowInput {

        @Test
        void givenKeysReplacedOthersKept() {
            Workflow after = upgraded(plan(runningAtV1(), V2, command(2)
                    .input(Map.of("a", 2, "added", "new")))).workflow();

            assertThat(after.input()).containsOnlyKeys("a", "keep", "nested", "added");
            assertThat(after.input()).containsEntry("a", 2)
                    .containsEntry("keep", "kept")
                    .containsEntry("added", "new")
                    .containsEntry("nested", Map.of("x", 1, "y", 2));
        }

        @Test
        void nestedMapIsReplacedWholeNotMerged() {
            Workflow after = upgraded(plan(runningAtV1(), V2, command(2)
                    .input(Map.of("nested", Map.of("x", 10))))).workflow();

            assertThat(after.input()).containsEntry("nested", Map.of("x", 10));
            assertThat(after.input()).containsEntry("a", 1).containsEntry("keep", "kept");
        }

        @Test
        void emptyWorkflowInputKeepsInput() {
            Workflow current = runningAtV1();

            Workflow after = upgraded(plan(current, V2, command(2))).workflow();

            assertThat(after.input()).isEqualTo(Map.of("a", 1, "keep", "kept", "nested", Map.of("x", 1, "y", 2)));
        }

        @Test
        void nullWorkflowInputAndTaskOutputAreTreatedAsEmpty() {
            UpgradeCommand command = new UpgradeCommand(1, "cmd-1", WF_ID, NAME, 2, null, null, NOW, "alice", null);

            Workflow after = upgraded(UpgradePlanner.plan(runningAtV1(), V2, command, NOW)).workflow();

            assertThat(after.input()).isEqualTo(runningAtV1().input());
            assertThat(taskByRef(after, "pre").outputData()).isEmpty();
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Rule 7: version, snapshot, history, timestamps
    // ---------------------------------------------------------------------------------------------------------

    @Nested
    class UpgradedExecution {

        @Test
        void versionAndDefinitionSnapshotBecomeTheTargets() {
            Workflow after = upgraded(plan(runningAtV1(), V2, command(2))).workflow();

            assertThat(after.workflowVersion()).isEqualTo(2);
            assertThat(after.workflowDefinition()).isEqualTo(V2);
        }

        @Test
        void historyEntryDescribesTheUpgrade() {
            UpgradeOutcome.Upgraded outcome = upgraded(plan(richAtV1(), RICH_V3,
                    command(3).commandId("cmd-77").requestedBy("carol")));

            UpgradeHistoryEntry expected = new UpgradeHistoryEntry("cmd-77", 1, 3, List.of("b", "c"), "carol", NOW);
            assertThat(outcome.entry()).isEqualTo(expected);
            assertThat(outcome.workflow().upgradeHistory()).containsExactly(expected);
            assertThat(outcome.workflow().upgradeApplied("cmd-77")).contains(expected);
        }

        @Test
        void skippedTasksInHistoryFollowDefinitionOrder() {
            WorkflowDef v2 = definition(NAME, 2, "zz", "mm", "aa", "w");

            UpgradeOutcome.Upgraded outcome = upgraded(plan(runningAtV1(), v2, command(2)));

            assertThat(outcome.entry().skippedTasks()).containsExactly("zz", "mm", "aa");
            assertThat(outcome.workflow().tasks()).extracting(Task::referenceTaskName)
                    .containsExactly("w", "zz", "mm", "aa");
        }

        @Test
        void historyEntryIsAppendedAfterExistingEntries() {
            UpgradeHistoryEntry first = historyEntry("cmd-old-1", 0, 1);
            UpgradeHistoryEntry second = historyEntry("cmd-old-2", 3, 1, "x");
            Workflow current = execution(V1, RUNNING, List.of(first, second), inProgress("w", 1));

            UpgradeOutcome.Upgraded outcome = upgraded(plan(current, V2, command(2)));

            assertThat(outcome.workflow().upgradeHistory()).containsExactly(first, second, outcome.entry());
            assertThat(outcome.entry().commandId()).isEqualTo("cmd-1");
        }

        @Test
        void updateTimeIsNowRevisionUnchanged() {
            Workflow after = upgraded(plan(runningAtV1(), V2, command(2))).workflow();

            assertThat(after.updateTime()).isEqualTo(NOW_MILLIS);
            assertThat(after.revision()).isEqualTo(REVISION);
        }

        @Test
        void fieldsNotConcernedByTheUpgradeAreKept() {
            Workflow current = runningAtV1();

            Workflow after = upgraded(plan(current, V2, command(2))).workflow();

            assertThat(after.workflowId()).isEqualTo(WF_ID);
            assertThat(after.workflowName()).isEqualTo(NAME);
            assertThat(after.output()).isEqualTo(Map.of("o", "out"));
            assertThat(after.variables()).isEqualTo(Map.of("v", 1));
            assertThat(after.correlationId()).isEqualTo("corr-1");
            assertThat(after.createTime()).isEqualTo(CREATE_TIME);
            assertThat(after.endTime()).isEqualTo(current.endTime());
        }

        @Test
        void upgradedOutcomeIsExactlyTheExpectedExecution() {
            Workflow current = runningAtV1();

            UpgradeOutcome.Upgraded outcome = upgraded(plan(current, V2, command(2)));

            Task pre = taskByRef(outcome.workflow(), "pre");
            UpgradeHistoryEntry entry = new UpgradeHistoryEntry("cmd-1", 1, 2, List.of("pre"), "alice", NOW);
            Workflow expected = new Workflow(WF_ID, NAME, 2, RUNNING, current.input(), current.output(),
                    current.variables(), "corr-1", CREATE_TIME, NOW_MILLIS, current.endTime(), V2,
                    List.of(inProgress("w", 1), pre), List.of(entry), REVISION, null);
            assertThat(outcome.workflow()).isEqualTo(expected);
            assertThat(outcome.entry()).isEqualTo(entry);
        }

        @Test
        void downgradeWorksTheSameWay() {
            WorkflowDef v3 = definition(NAME, 3, "w", "post");
            WorkflowDef v2 = definition(NAME, 2, "pre", "w", "post");
            Workflow current = execution(v3, RUNNING, inProgress("w", 1));

            UpgradeOutcome.Upgraded outcome = upgraded(plan(current, v2, command(2).output("pre", Map.of("k", "v"))));

            assertThat(outcome.workflow().workflowVersion()).isEqualTo(2);
            assertThat(outcome.workflow().workflowDefinition()).isEqualTo(v2);
            assertThat(outcome.entry().fromVersion()).isEqualTo(3);
            assertThat(outcome.entry().toVersion()).isEqualTo(2);
            assertThat(outcome.entry().skippedTasks()).containsExactly("pre");
            Task pre = taskByRef(outcome.workflow(), "pre");
            assertThat(pre.status()).isEqualTo(SKIPPED);
            assertThat(pre.outputData()).isEqualTo(Map.of("k", "v"));
            assertThat(pre.seq()).isEqualTo(2);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Rule 8: same version
    // ---------------------------------------------------------------------------------------------------------

    @Nested
    class SameVersion {

        @Test
        void sameVersionIsUnchanged() {
            Workflow current = runningAtV1();

            UpgradeOutcome outcome = plan(current, V1, command(1));

            assertThat(outcome).isEqualTo(new UpgradeOutcome.Unchanged(current));
            assertThat(((UpgradeOutcome.Unchanged) outcome).workflow().revision()).isEqualTo(REVISION);
            assertThat(((UpgradeOutcome.Unchanged) outcome).workflow().upgradeHistory()).isEmpty();
        }

        @ParameterizedTest
        @EnumSource(WorkflowStatus.class)
        void sameVersionIsUnchangedWhateverTheStatus(WorkflowStatus status) {
            Workflow current = execution(V1, status, done("w", 1), done("post", 2));

            UpgradeOutcome outcome = plan(current, V1, command(1));

            assertThat(outcome).isEqualTo(new UpgradeOutcome.Unchanged(current));
        }

        @Test
        void completedExecutionAskedForItsOwnVersionIsUnchanged() {
            Workflow current = execution(V1, WorkflowStatus.COMPLETED, done("w", 1), done("post", 2));

            assertThat(plan(current, V1, command(1))).isInstanceOf(UpgradeOutcome.Unchanged.class);
        }

        @Test
        void sameVersionWithoutRunningTaskIsUnchanged() {
            Workflow current = execution(V1, RUNNING, done("w", 1));

            assertThat(plan(current, V1, command(1))).isEqualTo(new UpgradeOutcome.Unchanged(current));
        }

        @Test
        void retryOfAnAppliedUpgradeIsUnchanged() {
            Workflow upgradedOnce = upgraded(plan(runningAtV1(), V2, command(2))).workflow();

            UpgradeOutcome retry = plan(upgradedOnce, V2, command(2).output("pre", Map.of("x", 1)));

            // The execution already runs v2: success, nothing changes (no second SKIPPED record, no second entry).
            assertThat(retry).isEqualTo(new UpgradeOutcome.Unchanged(upgradedOnce));
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Determinism and purity
    // ---------------------------------------------------------------------------------------------------------

    @Nested
    class Purity {

        @Test
        void sameInputsGiveEqualOutcomes() {
            UpgradeOutcome first = plan(richAtV1(), RICH_V3, command(3).output("b", Map.of("x", 1))
                    .input(Map.of("a", 5)));
            UpgradeOutcome second = plan(richAtV1(), RICH_V3, command(3).output("b", Map.of("x", 1))
                    .input(Map.of("a", 5)));

            assertThat(first).isInstanceOf(UpgradeOutcome.Upgraded.class);
            assertThat(second).isEqualTo(first);
        }

        @Test
        void sameRejectedInputsGiveEqualRejections() {
            UpgradeOutcome first = plan(richAtV1(), RICH_V3, command(3).output("zz", Map.of()).output("a", Map.of()));
            UpgradeOutcome second = plan(richAtV1(), RICH_V3, command(3).output("zz", Map.of()).output("a", Map.of()));

            rejection(first, Reason.UNEXPECTED_TASK_OUTPUT);
            assertThat(second).isEqualTo(first);
        }

        @Test
        void inputsAreNotMutated() {
            Workflow current = richAtV1();
            Workflow currentCopy = richAtV1();
            Map<String, Object> inputBefore = new LinkedHashMap<>(current.input());
            @SuppressWarnings("unchecked")
            Map<String, Object> nestedBefore = new LinkedHashMap<>((Map<String, Object>) current.input().get("nested"));
            List<Task> tasksBefore = new ArrayList<>(current.tasks());
            WorkflowDef targetCopy = definition(NAME, 3, "a", "b", "c", "w", "d");
            UpgradeCommand command = command(3).output("b", Map.of("x", 1))
                    .input(Map.of("a", 2, "nested", Map.of("z", 3), "added", true)).build();
            Map<String, Object> workflowInputBefore = new LinkedHashMap<>(command.workflowInput());
            Map<String, Map<String, Object>> taskOutputBefore = new LinkedHashMap<>(command.taskOutput());

            Workflow after = upgraded(UpgradePlanner.plan(current, RICH_V3, command, NOW)).workflow();

            assertThat(current).isEqualTo(currentCopy);
            assertThat(current.input()).isEqualTo(inputBefore).doesNotContainKey("added");
            assertThat(current.input().get("nested")).isEqualTo(nestedBefore);
            assertThat(current.tasks()).containsExactlyElementsOf(tasksBefore);
            assertThat(current.upgradeHistory()).isEmpty();
            assertThat(current.workflowVersion()).isEqualTo(1);
            assertThat(current.updateTime()).isEqualTo(UPDATE_TIME);
            assertThat(RICH_V3).isEqualTo(targetCopy);
            assertThat(command.workflowInput()).isEqualTo(workflowInputBefore);
            assertThat(command.taskOutput()).isEqualTo(taskOutputBefore);
            // and the result really differs from the input it was planned from
            assertThat(after.input()).containsEntry("added", true);
            assertThat(after.tasks()).hasSize(tasksBefore.size() + 2);
        }

        @Test
        void laterChangesToTheCurrentExecutionDoNotLeakIntoTheOutcome() {
            Workflow current = runningAtV1();

            Workflow after = upgraded(plan(current, V2, command(2).input(Map.of("a", 2)))).workflow();
            current.input().put("late", "change");

            assertThat(after.input()).doesNotContainKey("late");
        }
    }
}

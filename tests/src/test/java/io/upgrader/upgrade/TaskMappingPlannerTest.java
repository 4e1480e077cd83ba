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

import static io.upgrader.execution.TaskStatus.COMPLETED;
import static io.upgrader.execution.TaskStatus.IN_PROGRESS;
import static io.upgrader.execution.TaskStatus.SCHEDULED;
import static io.upgrader.execution.TaskStatus.SKIPPED;
import static io.upgrader.execution.WorkflowStatus.PAUSED;
import static io.upgrader.execution.WorkflowStatus.RUNNING;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Unit tests of the {@code taskMapping} rules of the pure {@link UpgradePlanner}: a running task renamed in the
 * target version, mapped {oldRef: newRef}. No Spring, no store: fixtures only (as in {@link UpgradePlannerTest}).
 */
class TaskMappingPlannerTest {

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
    private static WorkflowDef definition(int version, String... refs) {
        return new WorkflowDef(NAME, version, "version " + version, Arrays.stream(refs)
                .map(ref -> wfTask(ref + "_def", ref)).toList(), List.of("a"), Map.of(),
                1_600_000_000_000L + version, 1_600_000_000_000L + version);
    }

    private static WorkflowTask wfTask(String name, String ref) {
        return new WorkflowTask(name, ref, "SIMPLE", null, Map.of("in", "${workflow.input.a}"), false);
    }

    private static Task record(String ref, TaskStatus status, int seq) {
        Map<String, Object> inputData = new LinkedHashMap<>();
        inputData.put("param", ref + "-in");
        Map<String, Object> outputData = new LinkedHashMap<>();
        if (!status.isRunning()) {
            outputData.put("result", ref + "-out");
        }
        long scheduled = CREATE_TIME + seq * 10L;
        return new Task("task-" + ref, ref + "_def", ref + "_def", ref, status, seq, inputData, outputData,
                scheduled, scheduled + 1, status.isRunning() ? 0 : scheduled + 2, scheduled + 3, WF_ID, null,
                "worker-" + ref, 2, 0);
    }

    private static Task done(String ref, int seq) {
        return record(ref, COMPLETED, seq);
    }

    private static Task inProgress(String ref, int seq) {
        return record(ref, IN_PROGRESS, seq);
    }

    private static Workflow execution(WorkflowDef runningDefinition, Task... tasks) {
        return execution(runningDefinition, RUNNING, tasks);
    }

    /** An execution of the given (old) definition, with mutable collections so that mutation would be visible. */
    private static Workflow execution(WorkflowDef runningDefinition, WorkflowStatus status, Task... tasks) {
        Map<String, Object> input = new LinkedHashMap<>();
        input.put("a", 1);
        input.put("keep", "kept");
        return new Workflow(WF_ID, NAME, runningDefinition.version(), status, input, new LinkedHashMap<>(),
                new LinkedHashMap<>(), "corr-1", CREATE_TIME, UPDATE_TIME, status.isTerminal() ? UPDATE_TIME : 0,
                runningDefinition, new ArrayList<>(List.of(tasks)), new ArrayList<>(), REVISION, null);
    }

    private static CommandBuilder command(int version) {
        return new CommandBuilder(version);
    }

    private static final class CommandBuilder {
        private String commandId = "cmd-1";
        private final int version;
        private final Map<String, Map<String, Object>> taskOutput = new LinkedHashMap<>();
        private Map<String, Object> workflowInput = new LinkedHashMap<>();
        private final Map<String, String> taskMapping = new LinkedHashMap<>();

        CommandBuilder(int version) {
            this.version = version;
        }

        CommandBuilder commandId(String value) {
            commandId = value;
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

        CommandBuilder map(String from, String to) {
            taskMapping.put(from, to);
            return this;
        }

        UpgradeCommand build() {
            return new UpgradeCommand(UpgradeCommand.SCHEMA_VERSION, commandId, WF_ID, NAME, version, taskOutput,
                    workflowInput, NOW.minusSeconds(5), "alice", taskMapping);
        }
    }

    private static UpgradeOutcome plan(Workflow current, WorkflowDef target, CommandBuilder command) {
        return UpgradePlanner.plan(current, target, command.build(), NOW);
    }

    private static UpgradeOutcome.Upgraded upgraded(UpgradeOutcome outcome) {
        assertThat(outcome).as("%s", outcome).isInstanceOf(UpgradeOutcome.Upgraded.class);
        return (UpgradeOutcome.Upgraded) outcome;
    }

    private static Rejection rejection(UpgradeOutcome outcome, Reason expected) {
        assertThat(outcome).as("%s", outcome).isInstanceOf(UpgradeOutcome.Rejected.class);
        Rejection rejection = ((UpgradeOutcome.Rejected) outcome).rejection();
        assertThat(rejection.reason()).as(rejection.message()).isEqualTo(expected);
        assertThat(rejection.message()).isNotBlank();
        return rejection;
    }

    /** The mapping rejection, with its field errors all pointing into taskMapping. */
    private static Rejection invalidMapping(UpgradeOutcome outcome) {
        Rejection rejection = rejection(outcome, Reason.INVALID_TASK_MAPPING);
        assertThat(rejection.fieldErrors()).isNotEmpty().allSatisfy(error -> {
            assertThat(error.path()).matches("taskMapping(\\..+)?");
            assertThat(error.message()).isNotBlank();
        });
        return rejection;
    }

    private static Task taskByRef(Workflow workflow, String ref) {
        List<Task> found = workflow.tasks().stream().filter(t -> t.referenceTaskName().equals(ref)).toList();
        assertThat(found).as("records of %s in %s", ref, workflow.tasks()).hasSize(1);
        return found.get(0);
    }

    private static List<String> refs(Workflow workflow) {
        return workflow.tasks().stream().map(Task::referenceTaskName).toList();
    }

    /** The record, field for field, except its reference name. */
    private static void assertSameRecordRenamed(Task actual, Task original, String newRef) {
        assertThat(actual.referenceTaskName()).isEqualTo(newRef);
        assertThat(actual).usingRecursiveComparison().ignoringFields("referenceTaskName").isEqualTo(original);
    }

    // The standard renaming: v1 = [w]; v2 = [pre, w2, post]; the execution runs w, which v2 calls w2.
    private static final WorkflowDef V1 = definition(1, "w");
    private static final WorkflowDef V2 = definition(2, "pre", "w2", "post");

    private static Workflow runningW() {
        return execution(V1, inProgress("w", 1));
    }

    // With history: v1 = [a, w, post]; a ran, w runs.
    private static final WorkflowDef AW = definition(1, "a", "w", "post");

    private static Workflow aDoneWRunning() {
        return execution(AW, done("a", 1), inProgress("w", 2));
    }

    // ---------------------------------------------------------------------------------------------------------
    // Without a mapping, a renamed running task is still rejected
    // ---------------------------------------------------------------------------------------------------------

    @Nested
    class WithoutMapping {

        @Test
        void renamedRunningTaskIsRejectedAsNotInTarget() {
            Rejection rejection = rejection(plan(runningW(), V2, command(2)), Reason.TASK_NOT_IN_TARGET);

            assertThat(rejection.message()).isEqualTo("task w is not in version 2");
            assertThat(rejection.fieldErrors()).extracting(FieldError::path).containsExactly("version");
        }

        @Test
        void mappingOfAnotherTaskDoesNotRescueTheRenamedRunningTask() {
            WorkflowDef v2 = definition(2, "a2", "w2");

            Rejection rejection = rejection(plan(aDoneWRunning(), v2, command(2).map("a", "a2")),
                    Reason.TASK_NOT_IN_TARGET);

            assertThat(rejection.message()).isEqualTo("task w is not in version 2");
        }

        @Test
        void nullMappingIsNoMapping() {
            UpgradeCommand command = new UpgradeCommand(1, "cmd-1", WF_ID, NAME, 2, null, null, NOW, "alice", null);

            assertThat(command.taskMapping()).isEmpty();
            rejection(UpgradePlanner.plan(runningW(), V2, command, NOW), Reason.TASK_NOT_IN_TARGET);
            assertThat(new UpgradeRequest(NAME, 2, null, null, null).taskMapping()).isEmpty();
        }

        @Test
        void emptyMappingGivesTheSameOutcomeAsBefore() {
            WorkflowDef v2 = definition(2, "pre", "w");
            UpgradeCommand withNull = new UpgradeCommand(1, "cmd-1", WF_ID, NAME, 2, Map.of(), Map.of(),
                    NOW.minusSeconds(5), "alice", null);

            assertThat(plan(runningW(), v2, command(2))).isEqualTo(UpgradePlanner.plan(runningW(), v2, withNull, NOW));
        }

        @Test
        void identityMappingChangesNothing() {
            WorkflowDef v2 = definition(2, "pre", "w", "post");

            UpgradeOutcome mapped = plan(runningW(), v2, command(2).map("w", "w"));

            assertThat(mapped).isEqualTo(plan(runningW(), v2, command(2)));
            assertThat(upgraded(mapped).entry().skippedTasks()).containsExactly("pre");
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // The mapping itself: sources, targets, no target twice
    // ---------------------------------------------------------------------------------------------------------

    @Nested
    class Validation {

        @Test
        void sourceThatIsNoTaskOfTheExecutionIsRejected() {
            Rejection rejection = invalidMapping(plan(runningW(), V2, command(2).map("w", "w2").map("ghost", "pre")));

            assertThat(rejection.fieldErrors()).hasSize(1);
            FieldError error = rejection.fieldErrors().get(0);
            assertThat(error.path()).isEqualTo("taskMapping.ghost");
            assertThat(error.message()).contains("ghost").contains(WF_ID);
            assertThat(rejection.message()).contains("ghost");
        }

        @Test
        void targetThatIsNotInTheTargetVersionIsRejectedAsAMappingError() {
            Rejection rejection = invalidMapping(plan(runningW(), V2, command(2).map("w", "nope")));

            assertThat(rejection.fieldErrors()).hasSize(1);
            FieldError error = rejection.fieldErrors().get(0);
            assertThat(error.path()).isEqualTo("taskMapping.w");
            assertThat(error.message()).contains("nope").contains("version 2");
            assertThat(rejection.message()).contains("nope");
        }

        @Test
        void targetIsLookedUpInTheTargetVersionNotInTheExecutionsOwn() {
            // post is a task of v1 (the execution's definition) but not of v2.
            WorkflowDef v2 = definition(2, "pre", "w2");

            Rejection rejection = invalidMapping(plan(aDoneWRunning(), v2, command(2).map("w", "post")));

            assertThat(rejection.fieldErrors()).extracting(FieldError::path).containsExactly("taskMapping.w");
            assertThat(rejection.fieldErrors().get(0).message()).contains("post");
        }

        @Test
        void sourceIsLookedUpInTheExecutionNotInTheTargetVersion() {
            // pre is a task of v2 only: neither in v1 nor recorded.
            Rejection rejection = invalidMapping(plan(runningW(), V2, command(2).map("w", "w2").map("pre", "post")));

            assertThat(rejection.fieldErrors()).extracting(FieldError::path).containsExactly("taskMapping.pre");
            assertThat(rejection.fieldErrors().get(0).message()).contains("pre");
        }

        @Test
        void sourceIsMatchedByReferenceNameNotByTaskName() {
            // w_def is the running task's task name and taskDefName, not its reference name.
            Rejection rejection = invalidMapping(plan(runningW(), V2, command(2).map("w_def", "w2")));

            assertThat(rejection.fieldErrors()).extracting(FieldError::path).contains("taskMapping.w_def");
        }

        @Test
        void targetIsMatchedByReferenceNameNotByTaskName() {
            Rejection rejection = invalidMapping(plan(runningW(), V2, command(2).map("w", "w2_def")));

            assertThat(rejection.fieldErrors()).extracting(FieldError::path).containsExactly("taskMapping.w");
            assertThat(rejection.fieldErrors().get(0).message()).contains("w2_def");
        }

        @Test
        void referenceNamesAreCaseSensitive() {
            invalidMapping(plan(runningW(), V2, command(2).map("W", "w2")));
            invalidMapping(plan(runningW(), V2, command(2).map("w", "W2")));
        }

        @Test
        void nullTargetIsRejectedNotThrown() {
            Map<String, String> mapping = new LinkedHashMap<>();
            mapping.put("w", null);
            UpgradeCommand command = new UpgradeCommand(1, "cmd-1", WF_ID, NAME, 2, Map.of(), Map.of(), NOW, "alice",
                    mapping);

            Rejection rejection = invalidMapping(UpgradePlanner.plan(runningW(), V2, command, NOW));

            assertThat(rejection.fieldErrors()).extracting(FieldError::path).containsExactly("taskMapping.w");
        }

        @Test
        void sourceAndTargetBothWrongGiveTwoErrorsOnTheSameKey() {
            Rejection rejection = invalidMapping(plan(runningW(), V2, command(2).map("w", "w2").map("ghost", "nope")));

            assertThat(rejection.fieldErrors()).extracting(FieldError::path)
                    .containsExactly("taskMapping.ghost", "taskMapping.ghost");
            assertThat(rejection.fieldErrors()).anySatisfy(e -> assertThat(e.message()).contains("ghost"));
            assertThat(rejection.fieldErrors()).anySatisfy(e -> assertThat(e.message()).contains("nope"));
        }

        @Test
        void twoSourcesToOneTargetAreRejectedOnTheMappingAsAWhole() {
            WorkflowDef v1 = definition(1, "alpha", "w");
            Workflow current = execution(v1, done("alpha", 1), inProgress("w", 2));
            WorkflowDef v2 = definition(2, "pre", "merged");

            Rejection rejection = invalidMapping(plan(current, v2, command(2).map("alpha", "merged")
                    .map("w", "merged")));

            assertThat(rejection.fieldErrors()).hasSize(1);
            FieldError error = rejection.fieldErrors().get(0);
            assertThat(error.path()).isEqualTo("taskMapping");
            assertThat(error.message()).contains("alpha").containsPattern("\\bw\\b").contains("merged");
        }

        @Test
        void threeSourcesToOneTargetAreOneError() {
            WorkflowDef v1 = definition(1, "alpha", "beta", "w");
            Workflow current = execution(v1, done("alpha", 1), done("beta", 2), inProgress("w", 3));
            WorkflowDef v2 = definition(2, "merged");

            Rejection rejection = invalidMapping(plan(current, v2, command(2).map("alpha", "merged")
                    .map("beta", "merged").map("w", "merged")));

            assertThat(rejection.fieldErrors()).hasSize(1);
            assertThat(rejection.fieldErrors().get(0).path()).isEqualTo("taskMapping");
            assertThat(rejection.fieldErrors().get(0).message()).contains("alpha").contains("beta")
                    .containsPattern("\\bw\\b").contains("merged");
        }

        @Test
        void eachSharedTargetIsOneError() {
            WorkflowDef v1 = definition(1, "a", "b", "c", "d", "w");
            Workflow current = execution(v1, done("a", 1), done("b", 2), done("c", 3), done("d", 4),
                    inProgress("w", 5));
            WorkflowDef v2 = definition(2, "target1", "target2", "w");

            Rejection rejection = invalidMapping(plan(current, v2, command(2).map("a", "target1")
                    .map("b", "target1").map("c", "target2").map("d", "target2")));

            assertThat(rejection.fieldErrors()).extracting(FieldError::path)
                    .containsExactly("taskMapping", "taskMapping");
            assertThat(rejection.fieldErrors()).anySatisfy(e -> assertThat(e.message()).contains("target1"));
            assertThat(rejection.fieldErrors()).anySatisfy(e -> assertThat(e.message()).contains("target2"));
        }

        @Test
        void everyProblemIsReportedAtOnce() {
            WorkflowDef v1 = definition(1, "a", "b", "w");
            Workflow current = execution(v1, done("a", 1), done("b", 2), inProgress("w", 3));
            WorkflowDef v2 = definition(2, "pre", "post", "w2");

            Rejection rejection = invalidMapping(plan(current, v2, command(2)
                    .map("ghost", "w2")      // unknown source
                    .map("w", "nope")        // unknown target
                    .map("a", "pre")         // a and b share pre
                    .map("b", "pre")));

            assertThat(rejection.fieldErrors()).extracting(FieldError::path)
                    .containsExactlyInAnyOrder("taskMapping.ghost", "taskMapping.w", "taskMapping");
            assertThat(rejection.message()).contains("ghost").contains("nope").contains("pre");
        }

        @Test
        void aBadMappingOfATaskOtherThanTheRunningOneIsStillRejected() {
            WorkflowDef v2 = definition(2, "pre", "w", "post");

            Rejection rejection = invalidMapping(plan(aDoneWRunning(), v2, command(2).map("post", "nope")));

            assertThat(rejection.fieldErrors()).extracting(FieldError::path).containsExactly("taskMapping.post");
        }

        @Test
        void mappingErrorsAreDeterministic() {
            CommandBuilder bad = command(2).map("ghost", "nope").map("w", "zz");

            assertThat(plan(runningW(), V2, bad)).isEqualTo(plan(runningW(), V2, bad));
        }

        @Test
        void sourceOfTheExecutionsDefinitionWithoutRecordIsAccepted() {
            // post has not run yet: it is a task of the execution by its definition only.
            WorkflowDef v2 = definition(2, "a", "w", "post2");

            UpgradeOutcome.Upgraded outcome = upgraded(plan(aDoneWRunning(), v2, command(2).map("post", "post2")));

            assertThat(outcome.workflow().tasks()).containsExactlyElementsOf(aDoneWRunning().tasks());
            assertThat(outcome.entry().skippedTasks()).isEmpty();
            assertThat(refs(outcome.workflow())).doesNotContain("post2", "post");
        }

        @Test
        void sourceWithARecordButAbsentFromTheExecutionsDefinitionIsAccepted() {
            // "old" was recorded under an earlier version; the definition the execution runs no longer has it.
            WorkflowDef current = definition(4, "w");
            Workflow execution = execution(current, done("old", 1), inProgress("w", 2));
            WorkflowDef v5 = definition(5, "neo", "w");

            UpgradeOutcome.Upgraded outcome = upgraded(plan(execution, v5, command(5).map("old", "neo")));

            assertThat(outcome.entry().skippedTasks()).isEmpty();
            assertThat(outcome.workflow().tasks()).containsExactly(done("old", 1), inProgress("w", 2));
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // The other rules come first: a mapping does not hide them, nor break on a missing execution or target
    // ---------------------------------------------------------------------------------------------------------

    @Nested
    class OtherRules {

        @Test
        void unknownExecutionWithAMapping() {
            rejection(plan(null, V2, command(2).map("w", "w2")), Reason.UNKNOWN_WORKFLOW);
        }

        @Test
        void unregisteredTargetWithAMapping() {
            Rejection rejection = rejection(plan(runningW(), null, command(9).map("w", "w2")), Reason.UNKNOWN_VERSION);

            assertThat(rejection.fieldErrors()).extracting(FieldError::path).containsExactly("version");
        }

        @ParameterizedTest
        @EnumSource(value = WorkflowStatus.class, names = {"COMPLETED", "FAILED", "TERMINATED", "TIMED_OUT"})
        void finishedExecutionWithAValidMapping(WorkflowStatus status) {
            Workflow finished = execution(V1, status, inProgress("w", 1));

            rejection(plan(finished, V2, command(2).map("w", "w2")), Reason.NOT_UPGRADABLE_STATUS);
        }

        @Test
        void noRunningTaskWithAValidMapping() {
            Workflow current = execution(AW, done("a", 1), done("w", 2));

            rejection(plan(current, definition(2, "a", "w2", "post"), command(2).map("w", "w2")),
                    Reason.NO_RUNNING_TASK);
        }

        @Test
        void retryOfAnAppliedMappedUpgradeIsUnchanged() {
            Workflow upgradedOnce = upgraded(plan(runningW(), V2, command(2).map("w", "w2"))).workflow();

            // Against the upgraded state, "w" is no longer a task of the execution: the retry must still succeed.
            UpgradeOutcome retry = plan(upgradedOnce, V2, command(2).map("w", "w2"));

            assertThat(retry).isEqualTo(new UpgradeOutcome.Unchanged(upgradedOnce));
        }

        @Test
        void taskOutputForTheMappedRunningTaskIsRejected() {
            for (String ref : List.of("w2", "w")) {
                Rejection rejection = rejection(plan(runningW(), V2, command(2).map("w", "w2")
                        .output(ref, Map.of("x", 1))), Reason.UNEXPECTED_TASK_OUTPUT);

                assertThat(rejection.fieldErrors()).extracting(FieldError::path).containsExactly("taskOutput." + ref);
            }
        }

        @Test
        void taskOutputForATaskThatAMappedRecordCoversIsRejected() {
            WorkflowDef v2 = definition(2, "a2", "w");

            Rejection rejection = rejection(plan(aDoneWRunning(), v2, command(2).map("a", "a2")
                    .output("a2", Map.of("x", 1))), Reason.UNEXPECTED_TASK_OUTPUT);

            assertThat(rejection.fieldErrors()).extracting(FieldError::path).containsExactly("taskOutput.a2");
        }

        @Test
        void taskOutputForATaskSkippedBeforeTheMappedPositionIsRecorded() {
            Workflow after = upgraded(plan(runningW(), V2, command(2).map("w", "w2")
                    .output("pre", Map.of("k", "v")))).workflow();

            assertThat(taskByRef(after, "pre").outputData()).isEqualTo(Map.of("k", "v"));
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // The running task: same record, new reference name
    // ---------------------------------------------------------------------------------------------------------

    @Nested
    class RenamedRunningTask {

        @Test
        void keepsItsRecordUnderTheNewReferenceName() {
            Task original = inProgress("w", 1);

            Workflow after = upgraded(plan(runningW(), V2, command(2).map("w", "w2"))).workflow();

            assertSameRecordRenamed(taskByRef(after, "w2"), original, "w2");
            assertThat(taskByRef(after, "w2").taskId()).isEqualTo("task-w");
            assertThat(taskByRef(after, "w2").status()).isEqualTo(IN_PROGRESS);
            assertThat(taskByRef(after, "w2").inputData()).isEqualTo(Map.of("param", "w-in"));
            assertThat(refs(after)).doesNotContain("w");
        }

        @Test
        void aScheduledRunningTaskStaysScheduled() {
            Task original = record("w", SCHEDULED, 1);
            Workflow current = execution(V1, original);

            Workflow after = upgraded(plan(current, V2, command(2).map("w", "w2"))).workflow();

            assertSameRecordRenamed(taskByRef(after, "w2"), original, "w2");
            assertThat(after.runningTasks()).extracting(Task::referenceTaskName).containsExactly("w2");
        }

        @Test
        void tasksBeforeItsNewPositionAreSkippedAndTheOnesAfterAreNot() {
            UpgradeOutcome.Upgraded outcome = upgraded(plan(runningW(), V2, command(2).map("w", "w2")));

            assertThat(refs(outcome.workflow())).containsExactly("w2", "pre");
            Task pre = taskByRef(outcome.workflow(), "pre");
            assertThat(pre.status()).isEqualTo(SKIPPED);
            assertThat(pre.seq()).isEqualTo(2);
            assertThat(pre.taskId()).isNotEqualTo("task-w");
            assertThat(outcome.entry().skippedTasks()).containsExactly("pre");
        }

        @Test
        void itsNewPositionCountsNotItsOldOne() {
            // w was first in v1; in v2 its new name w2 comes third.
            WorkflowDef v2 = definition(2, "p1", "p2", "w2", "post");

            UpgradeOutcome.Upgraded outcome = upgraded(plan(runningW(), v2, command(2).map("w", "w2")));

            assertThat(outcome.entry().skippedTasks()).containsExactly("p1", "p2");
            assertThat(refs(outcome.workflow())).containsExactly("w2", "p1", "p2");
            assertThat(taskByRef(outcome.workflow(), "p1").seq()).isEqualTo(2);
            assertThat(taskByRef(outcome.workflow(), "p2").seq()).isEqualTo(3);
        }

        @Test
        void mappedToTheFirstTaskSkipsNothing() {
            // a ran under v1; in v2 the running task, renamed, comes first and a is gone.
            WorkflowDef v2 = definition(2, "w2", "post");

            UpgradeOutcome.Upgraded outcome = upgraded(plan(aDoneWRunning(), v2, command(2).map("w", "w2")));

            assertThat(outcome.entry().skippedTasks()).isEmpty();
            assertThat(outcome.workflow().tasks()).hasSize(2);
            assertThat(outcome.workflow().tasks().get(0)).isEqualTo(done("a", 1));
            assertSameRecordRenamed(outcome.workflow().tasks().get(1), inProgress("w", 2), "w2");
        }

        @Test
        void upgradedExecutionIsExactlyTheExpectedOne() {
            Workflow current = runningW();

            UpgradeOutcome.Upgraded outcome = upgraded(plan(current, V2, command(2).map("w", "w2")
                    .input(Map.of("a", 2, "added", true))));

            Task pre = taskByRef(outcome.workflow(), "pre");
            Task w = inProgress("w", 1);
            Task w2 = new Task(w.taskId(), w.taskType(), w.taskDefName(), "w2", w.status(), w.seq(), w.inputData(),
                    w.outputData(), w.scheduledTime(), w.startTime(), w.endTime(), w.updateTime(),
                    w.workflowInstanceId(), w.reasonForIncompletion(), w.workerId(), w.pollCount(),
                    w.callbackAfterSeconds());
            UpgradeHistoryEntry entry = new UpgradeHistoryEntry("cmd-1", 1, 2, List.of("pre"), "alice", NOW);
            Workflow expected = new Workflow(WF_ID, NAME, 2, RUNNING, Map.of("a", 2, "keep", "kept", "added", true),
                    Map.of(), Map.of(), "corr-1", CREATE_TIME, NOW_MILLIS, 0, V2, List.of(w2, pre), List.of(entry),
                    REVISION, null);
            assertThat(outcome.workflow()).isEqualTo(expected);
            assertThat(outcome.entry()).isEqualTo(entry);
            assertThat(pre.status()).isEqualTo(SKIPPED);
            assertThat(pre.taskDefName()).isEqualTo("pre_def");
        }

        @Test
        void pausedExecutionIsUpgradedWithTheMappingAndStaysPaused() {
            Workflow current = execution(V1, PAUSED, inProgress("w", 1));

            Workflow after = upgraded(plan(current, V2, command(2).map("w", "w2"))).workflow();

            assertThat(after.status()).isEqualTo(PAUSED);
            assertSameRecordRenamed(taskByRef(after, "w2"), inProgress("w", 1), "w2");
        }

        @Test
        void skippedRecordsDoNotReuseTheRunningTasksIdOrSeq() {
            WorkflowDef v2 = definition(2, "p1", "p2", "p3", "w2");

            Workflow after = upgraded(plan(aDoneWRunning(), v2, command(2).map("w", "w2"))).workflow();

            assertThat(new HashSet<>(after.tasks().stream().map(Task::taskId).toList())).hasSize(after.tasks().size());
            assertThat(new HashSet<>(after.tasks().stream().map(Task::seq).toList())).hasSize(after.tasks().size());
        }

        @Test
        void renamedTwiceThroughTwoUpgrades() {
            WorkflowDef v3 = definition(3, "pre", "w3");
            UpgradeOutcome.Upgraded first = upgraded(plan(runningW(), V2, command(2).map("w", "w2")));

            UpgradeOutcome.Upgraded second = upgraded(plan(first.workflow(), v3, command(3).commandId("cmd-2")
                    .map("w2", "w3")));

            assertSameRecordRenamed(taskByRef(second.workflow(), "w3"), inProgress("w", 1), "w3");
            assertThat(refs(second.workflow())).containsExactly("w3", "pre");
            // pre has its SKIPPED record from the first upgrade: not skipped again.
            assertThat(second.entry().skippedTasks()).isEmpty();
            assertThat(second.workflow().upgradeHistory()).extracting(UpgradeHistoryEntry::commandId)
                    .containsExactly("cmd-1", "cmd-2");
        }

        @Test
        void renamedBackByADowngrade() {
            Workflow atV2 = upgraded(plan(runningW(), V2, command(2).map("w", "w2"))).workflow();

            UpgradeOutcome.Upgraded back = upgraded(plan(atV2, V1, command(1).commandId("cmd-2").map("w2", "w")));

            assertSameRecordRenamed(taskByRef(back.workflow(), "w"), inProgress("w", 1), "w");
            assertThat(back.workflow().workflowVersion()).isEqualTo(1);
            assertThat(back.entry().skippedTasks()).isEmpty();
            // pre's record stays although v1 has no pre: history is never rewritten.
            assertThat(refs(back.workflow())).containsExactly("w", "pre");
        }

        @Test
        void aTaskOfTheTargetNamedLikeTheOldRunningTaskIsSkippedWhenItComesBeforeTheNewPosition() {
            // v2 = [w, w2]: a new task takes the old name w, the running task is renamed w2. After the upgrade
            // no record is named w any more (the running one is w2), so w, before the running task, must be
            // SKIPPED like any other unrecorded task before it; otherwise it is neither recorded nor ever run.
            WorkflowDef v2 = definition(2, "w", "w2");

            UpgradeOutcome.Upgraded outcome = upgraded(plan(runningW(), v2, command(2).map("w", "w2")));

            assertSameRecordRenamed(outcome.workflow().tasks().get(0), inProgress("w", 1), "w2");
            // Regression (was a bug, now fixed): the planner checks "has a record under its own name" against the state *before* the rename,
            // so the running record (still named w there) counts for the target's w: w is not skipped, and the
            // upgraded execution has no record at all for w although w comes before the running task.
            assertThat(outcome.entry().skippedTasks()).containsExactly("w");
            assertThat(taskByRef(outcome.workflow(), "w").status()).isEqualTo(SKIPPED);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Tasks that already ran: recorded under a mapped name, not skipped again, never renamed
    // ---------------------------------------------------------------------------------------------------------

    @Nested
    class TasksThatAlreadyRan {

        @Test
        void aCompletedTaskMappedToItsNewNameIsNotSkippedAndKeepsItsOldName() {
            WorkflowDef v2 = definition(2, "a2", "w", "post");

            UpgradeOutcome.Upgraded outcome = upgraded(plan(aDoneWRunning(), v2, command(2).map("a", "a2")));

            assertThat(outcome.entry().skippedTasks()).isEmpty();
            assertThat(outcome.workflow().tasks()).containsExactly(done("a", 1), inProgress("w", 2));
        }

        @Test
        void withoutTheMappingTheSameTaskWouldBeSkipped() {
            // The counterpart of the test above: the mapping is what keeps a2 from being skipped.
            WorkflowDef v2 = definition(2, "a2", "w", "post");

            UpgradeOutcome.Upgraded outcome = upgraded(plan(aDoneWRunning(), v2, command(2)));

            assertThat(outcome.entry().skippedTasks()).containsExactly("a2");
        }

        @Test
        void runningAndCompletedTasksMappedTogether() {
            WorkflowDef v2 = definition(2, "pre", "a2", "w2", "post");

            UpgradeOutcome.Upgraded outcome = upgraded(plan(aDoneWRunning(), v2, command(2).map("a", "a2")
                    .map("w", "w2")));

            assertThat(outcome.entry().skippedTasks()).containsExactly("pre");
            assertThat(refs(outcome.workflow())).containsExactly("a", "w2", "pre");
            assertThat(outcome.workflow().tasks().get(0)).isEqualTo(done("a", 1));
            assertSameRecordRenamed(outcome.workflow().tasks().get(1), inProgress("w", 2), "w2");
            assertThat(taskByRef(outcome.workflow(), "pre").seq()).isEqualTo(3);
        }

        @Test
        void aSkippedRecordMappedToItsNewNameIsNotSkippedAgain() {
            // pre was SKIPPED by an earlier upgrade; the next version renames it.
            WorkflowDef v2 = definition(2, "pre", "w");
            Workflow atV2 = execution(v2, record("pre", SKIPPED, 2), inProgress("w", 1));
            WorkflowDef v3 = definition(3, "pre3", "w");

            UpgradeOutcome.Upgraded outcome = upgraded(plan(atV2, v3, command(3).map("pre", "pre3")));

            assertThat(outcome.entry().skippedTasks()).isEmpty();
            assertThat(outcome.workflow().tasks()).containsExactlyElementsOf(atV2.tasks());
        }

        @Test
        void aMappedSourceWithoutARecordDoesNotSpareItsTarget() {
            // post has not run: mapping it to pre does not give pre a record, so pre is skipped as usual.
            WorkflowDef v2 = definition(2, "pre", "w");

            UpgradeOutcome.Upgraded outcome = upgraded(plan(aDoneWRunning(), v2, command(2).map("post", "pre")));

            assertThat(outcome.entry().skippedTasks()).containsExactly("pre");
            assertThat(taskByRef(outcome.workflow(), "pre").status()).isEqualTo(SKIPPED);
        }

        @Test
        void aRecordUnderTheTargetsOwnNameIsEnoughWhateverTheMapping() {
            // a keeps its own name in v2 and also covers b through the mapping: neither is skipped.
            WorkflowDef v2 = definition(2, "a", "b", "w");

            UpgradeOutcome.Upgraded outcome = upgraded(plan(aDoneWRunning(), v2, command(2).map("a", "b")));

            assertThat(outcome.entry().skippedTasks()).isEmpty();
            assertThat(outcome.workflow().tasks()).containsExactly(done("a", 1), inProgress("w", 2));
        }

        @Test
        void onlyTheUnmappedUnrecordedTasksAreSkipped() {
            WorkflowDef v1 = definition(1, "a", "b", "w");
            Workflow current = execution(v1, done("a", 1), done("b", 2), inProgress("w", 3));
            WorkflowDef v2 = definition(2, "x", "a2", "y", "b", "w2", "z");

            UpgradeOutcome.Upgraded outcome = upgraded(plan(current, v2, command(2).map("a", "a2").map("w", "w2")));

            assertThat(outcome.entry().skippedTasks()).containsExactly("x", "y");
            assertThat(refs(outcome.workflow())).containsExactly("a", "b", "w2", "x", "y");
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Purity
    // ---------------------------------------------------------------------------------------------------------

    @Nested
    class Purity {

        @Test
        void sameInputsGiveEqualOutcomes() {
            UpgradeOutcome first = plan(aDoneWRunning(), V2, command(2).map("w", "w2").map("a", "post"));
            UpgradeOutcome second = plan(aDoneWRunning(), V2, command(2).map("w", "w2").map("a", "post"));

            upgraded(first);
            assertThat(second).isEqualTo(first);
        }

        @Test
        void neitherTheExecutionNorTheCommandIsChanged() {
            Workflow current = runningW();
            UpgradeCommand command = command(2).map("w", "w2").build();
            Map<String, String> mappingBefore = new LinkedHashMap<>(command.taskMapping());

            Workflow after = upgraded(UpgradePlanner.plan(current, V2, command, NOW)).workflow();

            assertThat(current).isEqualTo(runningW());
            assertThat(current.tasks()).containsExactly(inProgress("w", 1));
            assertThat(command.taskMapping()).isEqualTo(mappingBefore);
            assertThat(refs(after)).containsExactly("w2", "pre");
        }
    }
}

package io.upgrader.execution;

import io.upgrader.definition.WorkflowDef;
import io.upgrader.definition.WorkflowTask;
import io.upgrader.mongo.execution.ExecutionDocuments;
import io.upgrader.mongo.execution.ExecutionUpdate;
import org.bson.Document;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The update from one revision of an execution to the next names what changed, and only that. */
class ExecutionUpdateTest {

    /** Stands in for the driver's conversion: the test looks at paths, not at encoded values. */
    private static final UnaryOperator<Object> AS_IS = value -> value;

    private static final WorkflowDef DEFINITION = new WorkflowDef("wf", 1, null, List.of(
            new WorkflowTask("a_def", "a", "SIMPLE", null, Map.of(), false),
            new WorkflowTask("b_def", "b", "SIMPLE", null, Map.of(), false),
            new WorkflowTask("c_def", "c", "SIMPLE", null, Map.of(), false)), List.of(), Map.of(), 1L, 1L);

    private int taskIds;

    private final Workflow started = Decider.start("wf-1", DEFINITION, Map.of("x", 1), null, 1_000L,
            () -> "task-" + ++taskIds);

    private static Document set(Workflow before, Workflow after) {
        Document update = (Document) ExecutionUpdate.between(before, after, Optional.empty(), AS_IS);
        assertThat(update.keySet()).containsExactly("$set");
        return update.get("$set", Document.class);
    }

    @Test
    void aCompletedTaskSetsThatRecordTheNextOneAtTheEndAndTheRevision() {
        Workflow completed = Decider.onTaskResult(started, new TaskResult("wf-1", "task-1",
                TaskResult.Status.COMPLETED, Map.of("out", 1), null, "w", null), 2_000L, () -> "task-" + ++taskIds);

        Document set = set(started, completed);

        assertThat(set.keySet()).containsExactlyInAnyOrder("tasks.0", "tasks.1", "updateTime", "revision");
        assertThat(set.get("tasks.0")).isEqualTo(completed.tasks().get(0));
        assertThat(set.get("tasks.1")).isEqualTo(completed.tasks().get(1));
        assertThat(set.get("revision")).isEqualTo(started.revision() + 1);
    }

    @Test
    void nothingButTheRevisionWhenNothingChanged() {
        Workflow copy = started.withProgress(new ArrayList<>(started.tasks()), started.variables(),
                started.updateTime());

        assertThat(set(started, copy).keySet()).containsExactly("revision");
    }

    @Test
    void anEqualButNotIdenticalRecordIsNotWritten() {
        List<Task> copies = started.tasks().stream().map(t -> t.withWorker(t.workerId())).toList();

        assertThat(set(started, started.withProgress(copies, started.variables(), started.updateTime())).keySet())
                .containsExactly("revision");
    }

    @Test
    void everyChangedTopLevelFieldIsSetByItsJsonName() {
        Workflow ended = started.ended(WorkflowStatus.TERMINATED, Map.of("o", 2), "stopped", 3_000L);

        assertThat(set(started, ended).keySet()).containsExactlyInAnyOrder("status", "output", "updateTime",
                "endTime", "reasonForIncompletion", "revision");
    }

    @Test
    void aFieldTheUpdateDoesNotNameIsStillCompared() {
        // variables is named nowhere in ExecutionUpdate: the comparison goes by record component.
        Workflow withVariables = started.withProgress(started.tasks(), Map.of("v", 1), started.updateTime());

        assertThat(set(started, withVariables)).containsEntry("variables", Map.of("v", 1));
    }

    @Test
    void aShorterTaskListIsSetWhole() {
        Workflow fewer = started.withProgress(List.of(), started.variables(), started.updateTime());

        assertThat(set(started, fewer)).containsEntry("tasks", List.of()).doesNotContainKey("tasks.0");
    }

    @Test
    void anEmptyTaskListBeforeIsSetWhole() {
        Workflow empty = started.withoutTasks();

        assertThat(set(empty, started)).containsEntry("tasks", started.tasks()).doesNotContainKey("tasks.0");
    }

    @Test
    void anUpgradeSetsItsHistoryAndTheDefinitionReferenceUnsettingAnEmbeddedCopy() {
        WorkflowDef target = DEFINITION.withVersion(2);
        UpgradeHistoryEntry entry = new UpgradeHistoryEntry("c-1", 1, 2, List.of(), null, Instant.EPOCH);
        Workflow upgraded = started.upgradedTo(target, started.input(), started.tasks(), entry, 5_000L);

        Document update = (Document) ExecutionUpdate.between(started, upgraded, Optional.of("ref-2"), AS_IS);

        assertThat(update.get("$set", Document.class)).containsEntry("upgradeHistory", List.of(entry))
                .containsEntry("workflowVersion", 2)
                .containsEntry(ExecutionDocuments.DEFINITION_REF, "ref-2")
                .doesNotContainKey("workflowDefinition")
                .doesNotContainKeys("tasks", "tasks.0", "input");
        assertThat(update.get("$unset", Document.class).keySet()).containsExactly("workflowDefinition");
    }

    @Test
    void aSecondUpgradeSetsItsEntryAtTheEndOfTheHistory() {
        UpgradeHistoryEntry first = new UpgradeHistoryEntry("c-1", 1, 2, List.of(), null, Instant.EPOCH);
        UpgradeHistoryEntry second = new UpgradeHistoryEntry("c-2", 2, 3, List.of("b"), null, Instant.EPOCH);
        Workflow once = started.upgradedTo(DEFINITION, started.input(), started.tasks(), first, 5_000L);
        Workflow twice = once.upgradedTo(DEFINITION, once.input(), once.tasks(), second, 6_000L);

        assertThat(set(once, twice)).containsEntry("upgradeHistory.1", second).doesNotContainKeys("upgradeHistory",
                "upgradeHistory.0");
    }

    @Test
    void anotherExecutionIsRefused() {
        Workflow other = Decider.start("wf-2", DEFINITION, Map.of(), null, 1_000L, () -> "t");

        assertThatThrownBy(() -> ExecutionUpdate.between(started, other, Optional.empty(), AS_IS))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("wf-2");
    }
}

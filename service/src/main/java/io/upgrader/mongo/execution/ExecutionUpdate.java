package io.upgrader.mongo.execution;

import io.upgrader.execution.Workflow;
import org.bson.Document;
import org.bson.conversions.Bson;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * The update that turns a stored execution into its next revision, so that a write costs what changed, not
 * what the execution holds: {@code $set} of the top-level fields that differ, of each changed task record by its
 * position ({@code tasks.7}), of each new one at the next position (which appends), and of the revision. Pure.
 *
 * <p>Positions are those of {@code before}, so the update must be applied under a filter on its revision. Task
 * lists only grow and change in place (the decider and the planner append); a shorter list, or an empty one,
 * is set whole. New fields of {@link Workflow} are compared here without being listed: every record component
 * is, by name. Public so that the benchmark's raw store baseline sends the very same update.
 */
public final class ExecutionUpdate {

    private static final List<RecordComponent> FIELDS = List.of(Workflow.class.getRecordComponents());
    /** Compared apart: identity, the lists, the definition (a snapshot reference), the revision. */
    private static final Set<String> APART = Set.of("workflowId", "tasks", "upgradeHistory", "workflowDefinition",
            "revision");

    private ExecutionUpdate() {
    }

    /**
     * @param definitionRef the reference of {@code after}'s definition when it differs from {@code before}'s
     * @param toValue       a domain value as the driver stores it
     */
    public static Bson between(Workflow before, Workflow after, Optional<String> definitionRef,
                        UnaryOperator<Object> toValue) {
        if (!before.workflowId().equals(after.workflowId())) {
            throw new IllegalArgumentException("An update turns one execution into its next revision, not "
                    + before.workflowId() + " into " + after.workflowId());
        }
        Document set = new Document();
        for (RecordComponent field : FIELDS) {
            if (!APART.contains(field.getName())) {
                Object old = read(field, before);
                Object now = read(field, after);
                if (changed(old, now)) {
                    set.append(field.getName(), toValue.apply(now));
                }
            }
        }
        list(set, "tasks", before.tasks(), after.tasks(), toValue);
        list(set, "upgradeHistory", before.upgradeHistory(), after.upgradeHistory(), toValue);
        definitionRef.ifPresent(reference -> set.append(ExecutionDocuments.DEFINITION_REF, reference));
        set.append("revision", before.revision() + 1);
        Document update = new Document("$set", set);
        // A document stored before snapshots embeds its definition: the reference replaces it.
        definitionRef.ifPresent(reference -> update.append("$unset", new Document(ExecutionDocuments.DEFINITION, "")));
        return update;
    }

    private static void list(Document set, String field, List<?> before, List<?> after,
                             UnaryOperator<Object> toValue) {
        if (after.size() < before.size() || before.isEmpty()) {
            if (!before.equals(after)) {
                set.append(field, toValue.apply(after));
            }
            return;
        }
        for (int i = 0; i < after.size(); i++) {
            if (i >= before.size() || changed(before.get(i), after.get(i))) {
                set.append(field + "." + i, toValue.apply(after.get(i)));
            }
        }
    }

    /** Records unchanged by a step are the same instances: most comparisons end at the identity check. */
    private static boolean changed(Object old, Object now) {
        return old != now && !Objects.equals(old, now);
    }

    private static Object read(RecordComponent field, Workflow workflow) {
        try {
            return field.getAccessor().invoke(workflow);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException("Cannot read " + field.getName() + " of a Workflow", e);
        }
    }
}

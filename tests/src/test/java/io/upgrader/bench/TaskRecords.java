package io.upgrader.bench;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.InsertManyOptions;
import io.upgrader.definition.WorkflowDef;
import io.upgrader.execution.Decider;
import io.upgrader.execution.Task;
import io.upgrader.execution.TaskResult;
import io.upgrader.execution.TaskStatus;
import io.upgrader.execution.Workflow;
import io.upgrader.execution.WorkflowStatus;
import io.upgrader.mongo.DocumentMapper;
import org.bson.Document;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Executions of many task records, for the figures that must not grow with an execution's history: a sequential
 * definition of {@code records + EXTRA} SIMPLE tasks {@code t1, t2, ...}; an execution of it has {@code records}
 * task records, the first {@code records - 1} COMPLETED with small outputs, {@code t<records>} IN_PROGRESS (its
 * worker polled it). Version 2 adds {@code pre} before {@code t<records>}, the running one, so that an upgrade
 * records {@code pre} SKIPPED; a task update completes {@code t<records>} and schedules the next.
 *
 * <p>One execution per size is brought to that state by the runtime's own {@link Decider} (start, then one task
 * result after another); the others are copies of it under their own ids, task ids, input and times (see
 * {@link NestedMix#copy}). Seeded straight into the {@code workflows} collection through the service's
 * {@link DocumentMapper}, as {@link ExecutionPool} does.
 */
final class TaskRecords {

    static final String BASE = "bench_records";
    /** Tasks of the definition after the running one: room for task updates. */
    static final int EXTRA = 5;

    private final MongoCollection<Document> workflows;
    private final DocumentMapper mapper;

    TaskRecords(MongoCollection<Document> workflows, DocumentMapper mapper) {
        this.workflows = workflows;
        this.mapper = mapper;
    }

    static String name(int records) {
        return BASE + "_" + records;
    }

    static String ref(int index) {
        return "t" + index;
    }

    /** The registration body of the definition for executions of {@code records} task records, version 1 or 2. */
    static String definitionJson(int records, int version) {
        StringBuilder tasks = new StringBuilder();
        for (int i = 1; i <= records + EXTRA; i++) {
            if (version == 2 && i == records) {
                tasks.append(simple("pre")).append(',');
            }
            tasks.append(simple(ref(i)));
            if (i < records + EXTRA) {
                tasks.append(',');
            }
        }
        return "{\"name\":\"" + name(records) + "\",\"version\":" + version + ",\"description\":\"benchmark, "
                + records + " task records\",\"tasks\":[" + tasks + "]}";
    }

    private static String simple(String ref) {
        return "{\"name\":\"records_task\",\"taskReferenceName\":\"" + ref + "\",\"type\":\"SIMPLE\","
                + "\"inputParameters\":{\"orderId\":\"${workflow.input.orderId}\"}}";
    }

    /** An execution of {@code version1} brought by the runtime to its running task {@code t<records>}. */
    static Workflow template(WorkflowDef version1, int records, long now) {
        String workflowId = ExecutionPool.uuid();
        long time = now - records * 1000L;
        Workflow workflow = Decider.start(workflowId, version1, Map.of("orderId", "order-template"), "corr-template",
                time, ExecutionPool::uuid);
        for (int i = 1; i < records; i++) {
            Task task = running(workflow, ref(i));
            time += 1000;
            workflow = Decider.onTaskResult(workflow, new TaskResult(workflowId, task.taskId(),
                    TaskResult.Status.COMPLETED, Map.of("ok", true, "n", i), null, "bench-worker", null), time,
                    ExecutionPool::uuid);
        }
        // The last one polled by its worker, as the store's claim leaves it: IN_PROGRESS, the worker's.
        Task last = running(workflow, ref(records));
        Task polled = last.progressed(TaskStatus.IN_PROGRESS, null, 0, 0, time).withWorker("bench-worker");
        workflow = workflow.withProgress(workflow.tasks().stream()
                .map(t -> t.taskId().equals(polled.taskId()) ? polled : t).toList(), workflow.variables(), time);
        if (workflow.tasks().size() != records) {
            throw new IllegalStateException("the template has " + workflow.tasks().size() + " task records, not "
                    + records);
        }
        return workflow;
    }

    private static Task running(Workflow workflow, String ref) {
        Optional<Task> task = workflow.taskByReference(ref);
        if (task.isEmpty() || !task.get().status().isRunning()) {
            throw new IllegalStateException("no running " + ref + " in " + workflow.tasks().size() + " records");
        }
        return task.get();
    }

    /** Copies of the template under fresh ids, inserted into the store in batches of about 10 MB or less. */
    List<String> seed(Workflow template, int count, long sequence) {
        long now = System.currentTimeMillis();
        int batch = Math.max(1, Math.min(1000, 10_000 / template.tasks().size()));
        List<String> ids = new ArrayList<>(count);
        List<Document> documents = new ArrayList<>(batch);
        for (int i = 0; i < count; i++) {
            String id = ExecutionPool.uuid();
            Workflow copy = NestedMix.copy(template, id, Map.of("orderId", "order-" + (sequence + i)),
                    "corr-" + (sequence + i), now);
            documents.add(mapper.toDocument(copy, id));
            ids.add(id);
            if (documents.size() == batch || i == count - 1) {
                workflows.insertMany(documents, new InsertManyOptions().ordered(false));
                documents.clear();
            }
        }
        return ids;
    }

    /** The task id of {@code t<records>}, the running task of a seeded execution, from the store. */
    String runningTaskId(String workflowId, int records) {
        return running(read(workflowId), ref(records)).taskId();
    }

    Workflow read(String workflowId) {
        Document document = workflows.find(Filters.eq("_id", workflowId)).first();
        if (document == null) {
            throw new IllegalStateException("execution " + workflowId + " is not stored");
        }
        return mapper.fromDocument(document, Workflow.class);
    }

    /** Why an execution is not what a task update completing {@code t<records>} must leave; empty when it is. */
    static Optional<String> updateProblem(Workflow w, int records) {
        List<String> problems = new ArrayList<>();
        status(w, ref(records), TaskStatus.COMPLETED, problems);
        status(w, ref(records + 1), TaskStatus.SCHEDULED, problems);
        if (w.tasks().size() != records + 1) {
            problems.add(w.tasks().size() + " records");
        }
        return problems.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", problems));
    }

    /** Why an execution is not what the upgrade to version 2 must leave; empty when it is. */
    static Optional<String> upgradeProblem(Workflow w, int records) {
        List<String> problems = new ArrayList<>();
        if (w.workflowVersion() != 2) {
            problems.add("version " + w.workflowVersion());
        }
        if (w.status() != WorkflowStatus.RUNNING) {
            problems.add("status " + w.status());
        }
        status(w, "pre", TaskStatus.SKIPPED, problems);
        status(w, ref(records), TaskStatus.IN_PROGRESS, problems);
        if (w.tasks().size() != records + 1) {
            problems.add(w.tasks().size() + " records");
        }
        return problems.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", problems));
    }

    private static void status(Workflow w, String ref, TaskStatus expected, List<String> problems) {
        Optional<Task> task = w.taskByReference(ref);
        if (task.isEmpty()) {
            problems.add("no " + ref);
        } else if (task.get().status() != expected) {
            problems.add(String.format(Locale.ROOT, "%s %s (expected %s)", ref, task.get().status(), expected));
        }
    }

    void delete(List<String> workflowIds) {
        for (int i = 0; i < workflowIds.size(); i += 500) {
            workflows.deleteMany(Filters.in("_id", workflowIds.subList(i, Math.min(workflowIds.size(), i + 500))));
        }
    }
}

package io.upgrader.execution;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Performs what the decider leaves as records, as Conductor's system task workers do: calls HTTP tasks (on their
 * own pool), starts and follows sub-workflows, completes timed WAITs. Told of every stored execution; every
 * step is safe to repeat (claims, derived child ids, tasks already ended ignored), so notifications and the
 * {@link SystemTaskSweep} may overlap. Never throws to the one who stored the change.
 */
@Component
public class SystemTaskRunner implements ExecutionListener {

    private static final Logger log = LoggerFactory.getLogger(SystemTaskRunner.class);

    private final HttpTasks http;
    private final SubWorkflows subWorkflows;
    private final WaitTimers waits;

    SystemTaskRunner(HttpTasks http, SubWorkflows subWorkflows, WaitTimers waits) {
        this.http = http;
        this.subWorkflows = subWorkflows;
        this.waits = waits;
    }

    @Override
    public void changed(Workflow stored) {
        if (stored.status() == WorkflowStatus.RUNNING) {
            for (Task task : stored.tasks()) {
                guarded(stored, task, () -> runTask(stored, task));
            }
        } else if (stored.status().isTerminal()) {
            guarded(stored, null, () -> subWorkflows.parentEnded(stored));
            if (stored.parentWorkflowId() != null) {
                guarded(stored, null, () -> subWorkflows.childEnded(stored));
            }
        }
    }

    private void runTask(Workflow workflow, Task task) {
        switch (task.taskType()) {
            case "HTTP" -> {
                if (task.status() == TaskStatus.SCHEDULED) {
                    http.submit(workflow.workflowId(), task);
                }
            }
            case "SUB_WORKFLOW" -> {
                if (task.status() == TaskStatus.SCHEDULED) {
                    subWorkflows.start(workflow, task);
                }
            }
            case "WAIT" -> {
                if (task.status() == TaskStatus.IN_PROGRESS && task.waitTimeout() > 0) {
                    waits.schedule(workflow.workflowId(), task);
                }
            }
            default -> {
            }
        }
    }

    private static void guarded(Workflow workflow, Task task, Runnable step) {
        try {
            step.run();
        } catch (RuntimeException e) {
            log.error("System task handling failed for workflow {}{}", workflow.workflowId(),
                    task == null ? "" : " task " + task.referenceTaskName() + " (" + task.taskId() + ")", e);
        }
    }
}

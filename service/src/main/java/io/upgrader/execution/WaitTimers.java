package io.upgrader.execution;

import jakarta.annotation.PreDestroy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import java.time.Clock;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Completes WAIT tasks with a {@code duration} or {@code until} at their waitTimeout, with the output they then
 * hold. A task that ended meanwhile (the task API, a termination, another instance) is left as it is.
 */
@Component
class WaitTimers {

    private static final Logger log = LoggerFactory.getLogger(WaitTimers.class);

    private final Executions executions;
    private final Clock clock;
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "wait-timers");
        thread.setDaemon(true);
        return thread;
    });
    /** Tasks with a timer here, so that repeated notifications of one execution set one timer. */
    private final Set<String> pending = ConcurrentHashMap.newKeySet();

    WaitTimers(Executions executions, Clock clock) {
        this.executions = executions;
        this.clock = clock;
    }

    void schedule(String workflowId, Task task) {
        if (!pending.add(task.taskId())) {
            return;
        }
        try {
            timers.schedule(() -> fire(workflowId, task.taskId()), Math.max(0, task.waitTimeout() - clock.millis()),
                    TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            pending.remove(task.taskId());
        }
    }

    private void fire(String workflowId, String taskId) {
        Optional<Task> waiting;
        try {
            pending.remove(taskId);
            waiting = executions.find(workflowId).flatMap(workflow -> workflow.task(taskId))
                    .filter(task -> task.status() == TaskStatus.IN_PROGRESS && task.waitTimeout() > 0);
            if (waiting.isEmpty()) {
                return;
            }
            if (waiting.get().waitTimeout() > clock.millis()) {
                schedule(workflowId, waiting.get()); // moved later since the timer was set
                return;
            }
            executions.updateTask(new TaskResult(workflowId, taskId, TaskResult.Status.COMPLETED,
                    waiting.get().outputData(), null, null, null));
        } catch (ExecutionRejected e) {
            log.debug("WAIT task {} of workflow {} already ended: {}", taskId, workflowId, e.getMessage());
        } catch (RuntimeException e) {
            // The sweep finds the due WAIT again.
            log.error("WAIT task {} of workflow {} could not be completed", taskId, workflowId, e);
        }
    }

    @PreDestroy
    void stop() {
        timers.shutdownNow();
    }
}

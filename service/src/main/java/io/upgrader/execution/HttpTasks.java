package io.upgrader.execution;

import io.upgrader.execution.http.HttpCall;
import jakarta.annotation.PreDestroy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import java.time.Clock;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs SCHEDULED HTTP tasks as Conductor's HTTP system task worker: on a bounded pool, each task claimed first by a
 * conditional write so that one thread of one instance calls it, then completed (or failed with the reason, the
 * response still in its output) through {@link Executions#updateTask}. A task the full pool cannot take stays
 * SCHEDULED for the sweep.
 */
@Component
class HttpTasks {

    static final String WORKER_ID = "upgrader-http";

    private static final Logger log = LoggerFactory.getLogger(HttpTasks.class);
    private static final int QUEUE_CAPACITY = 10_000;
    private static final int UPDATE_ATTEMPTS = 3;

    private final SystemTaskClaims store;
    private final Executions executions;
    private final Clock clock;
    private final ThreadPoolExecutor pool;
    /** Tasks queued or running here, so that repeated notifications of one execution queue a task once. */
    private final Set<String> queued = ConcurrentHashMap.newKeySet();

    HttpTasks(SystemTaskClaims store, Executions executions, Clock clock, SystemTaskProperties properties) {
        this.store = store;
        this.executions = executions;
        this.clock = clock;
        AtomicInteger threads = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(properties.httpThreads(), properties.httpThreads(), 0, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(QUEUE_CAPACITY), runnable -> {
                    Thread thread = new Thread(runnable, "http-task-" + threads.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                });
    }

    void submit(String workflowId, Task task) {
        if (!queued.add(task.taskId())) {
            return;
        }
        try {
            pool.execute(() -> run(workflowId, task));
        } catch (RejectedExecutionException e) {
            queued.remove(task.taskId());
            log.warn("HTTP task {} of workflow {} not queued (pool full or stopping); the sweep will take it",
                    task.taskId(), workflowId);
        }
    }

    private void run(String workflowId, Task task) {
        try {
            if (!store.claimTask(workflowId, task.taskId(), WORKER_ID, clock.millis())) {
                return;
            }
            HttpCall.Outcome outcome = HttpCall.execute(task.inputData());
            TaskResult result = new TaskResult(workflowId, task.taskId(),
                    outcome.succeeded() ? TaskResult.Status.COMPLETED : TaskResult.Status.FAILED, outcome.output(),
                    outcome.reason(), WORKER_ID, null);
            report(result);
        } catch (RuntimeException e) {
            log.error("HTTP task {} of workflow {} failed to run", task.taskId(), workflowId, e);
        } finally {
            queued.remove(task.taskId());
        }
    }

    private void report(TaskResult result) {
        for (int attempt = 1; ; attempt++) {
            try {
                executions.updateTask(result);
                return;
            } catch (ExecutionRejected e) {
                log.debug("HTTP task {} result not recorded: {}", result.taskId(), e.getMessage());
                return;
            } catch (Executions.ConcurrentChangeException e) {
                if (attempt == UPDATE_ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    @PreDestroy
    void stop() throws InterruptedException {
        pool.shutdown();
        pool.awaitTermination(10, TimeUnit.SECONDS);
    }
}

package io.upgrader.task;

import io.upgrader.error.InvalidInputException;
import io.upgrader.error.NotFoundException;
import io.upgrader.execution.Executions;
import io.upgrader.execution.Task;
import io.upgrader.execution.TaskResult;
import io.upgrader.input.StorableInput;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * The worker-facing task API of Conductor: poll (each SCHEDULED task handed to exactly one worker), update
 * with a TaskResult, read one task. Task domains are accepted and ignored: this runtime has none.
 */
@RestController
@RequestMapping("/api/tasks")
public class TaskController {

    private final Executions executions;
    private final int maxBatch;
    private final Duration maxWait;
    private final Duration recheck;

    public TaskController(Executions executions, TaskProperties properties) {
        this.executions = executions;
        this.maxBatch = properties.maxBatchSize();
        this.maxWait = properties.maxPollWait();
        this.recheck = properties.pollRecheckInterval();
    }

    @GetMapping("/poll/{taskType}")
    public ResponseEntity<Task> poll(@PathVariable String taskType,
                                     @RequestParam(name = "workerid", required = false) String workerId,
                                     @RequestParam(required = false) String domain) {
        List<Task> tasks = executions.poll(taskType, worker(workerId), 1);
        return tasks.isEmpty() ? ResponseEntity.noContent().build() : ResponseEntity.ok(tasks.get(0));
    }

    /** Long poll: waits up to {@code timeout} ms (bounded by upgrader.tasks.max-poll-wait) for a first task. */
    @GetMapping("/poll/batch/{taskType}")
    public List<Task> batchPoll(@PathVariable String taskType,
                                @RequestParam(name = "workerid", required = false) String workerId,
                                @RequestParam(required = false) String domain,
                                @RequestParam(defaultValue = "1") int count,
                                @RequestParam(defaultValue = "100") int timeout) {
        if (count < 1 || count > maxBatch) {
            throw InvalidInputException.of("count", "count must be between 1 and " + maxBatch);
        }
        long deadline = System.nanoTime() + Math.min(Math.max(timeout, 0) * 1_000_000L, maxWait.toNanos());
        while (true) {
            List<Task> tasks = executions.poll(taskType, worker(workerId), count);
            if (!tasks.isEmpty() || System.nanoTime() >= deadline) {
                return tasks;
            }
            // Tasks are scheduled by any instance; re-checking the store is what sees them all.
            LockSupport.parkNanos(Math.min(recheck.toNanos(), Math.max(0, deadline - System.nanoTime())));
        }
    }

    @PostMapping(produces = MediaType.TEXT_PLAIN_VALUE)
    public String update(@RequestBody TaskResult result) {
        if (result.taskId() == null || result.taskId().isBlank()) {
            throw InvalidInputException.of("taskId", "taskId is required");
        }
        if (result.status() == null) {
            throw InvalidInputException.of("status", "status is required: IN_PROGRESS, COMPLETED, FAILED or "
                    + "FAILED_WITH_TERMINAL_ERROR");
        }
        StorableInput.require("outputData", result.outputData());
        executions.updateTask(result);
        return result.taskId();
    }

    @GetMapping("/{taskId}")
    public Task get(@PathVariable String taskId) {
        return executions.findTask(taskId).orElseThrow(() -> new NotFoundException("Task " + taskId + " not found"));
    }

    private static String worker(String workerId) {
        return workerId == null || workerId.isBlank() ? "anonymous" : workerId;
    }
}

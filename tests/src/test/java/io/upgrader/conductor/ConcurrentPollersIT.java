package io.upgrader.conductor;

import com.netflix.conductor.common.metadata.tasks.Task;
import io.upgrader.definition.WorkflowDef;
import io.upgrader.definition.WorkflowTask;
import io.upgrader.execution.Executions;
import io.upgrader.mongo.definition.DefinitionStore;
import io.upgrader.support.EmbeddedInfrastructureTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** However many workers poll at once, each SCHEDULED task is handed out exactly once. */
@EmbeddedInfrastructureTest
class ConcurrentPollersIT {

    private static final int TASKS = 1_000;
    private static final int POLLERS = 8;

    @LocalServerPort
    int port;
    @Autowired
    DefinitionStore definitions;
    @Autowired
    Executions executions;

    @Test
    void eightPollersOverAThousandScheduledTasksGetEachTaskOnce() throws Exception {
        String taskType = OfficialClients.uniqueName("contended");
        WorkflowDef definition = new WorkflowDef(OfficialClients.uniqueName("contended_flow"), 1, null,
                List.of(new WorkflowTask(taskType, "work", "SIMPLE", null, Map.of(), false)), null, null, 0L, 0L);
        definitions.register(definition);
        Set<String> scheduled = new HashSet<>();
        for (int i = 0; i < TASKS; i++) {
            scheduled.add(executions.start(definition, Map.of("i", i), null).tasks().get(0).taskId());
        }
        OfficialClients conductor = new OfficialClients(port);
        Map<String, String> claimedBy = new ConcurrentHashMap<>();
        List<String> duplicates = java.util.Collections.synchronizedList(new ArrayList<>());
        CountDownLatch ready = new CountDownLatch(POLLERS);
        ExecutorService pool = Executors.newFixedThreadPool(POLLERS);
        List<Future<Integer>> polled = new ArrayList<>();
        for (int p = 0; p < POLLERS; p++) {
            String workerId = "poller-" + p;
            polled.add(pool.submit(() -> {
                ready.countDown();
                ready.await();
                int mine = 0;
                while (true) {
                    List<Task> batch = conductor.tasks.batchPollTasksByTaskType(taskType, workerId, 5, 100);
                    if (batch.isEmpty()) {
                        return mine;
                    }
                    for (Task task : batch) {
                        if (claimedBy.putIfAbsent(task.getTaskId(), workerId) != null) {
                            duplicates.add(task.getTaskId());
                        }
                        assertThat(task.getStatus()).isEqualTo(Task.Status.IN_PROGRESS);
                        mine++;
                    }
                }
            }));
        }
        int total = 0;
        int pollersThatGotWork = 0;
        for (Future<Integer> future : polled) {
            int count = future.get(120, TimeUnit.SECONDS);
            total += count;
            pollersThatGotWork += count > 0 ? 1 : 0;
        }
        pool.shutdown();

        System.out.printf("%d tasks, %d pollers: %d handed out, %d distinct, %d duplicates, %d pollers got work%n",
                TASKS, POLLERS, total, claimedBy.size(), duplicates.size(), pollersThatGotWork);
        assertThat(duplicates).isEmpty();
        assertThat(total).isEqualTo(TASKS);
        assertThat(claimedBy.keySet()).isEqualTo(scheduled);
        assertThat(pollersThatGotWork).isGreaterThan(1);
        // What each poller was told is what the store recorded.
        claimedBy.entrySet().stream().limit(50).forEach(entry -> assertThat(
                executions.findTask(entry.getKey()).orElseThrow().workerId()).isEqualTo(entry.getValue()));
    }
}

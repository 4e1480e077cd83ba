package io.upgrader.conductor;

import com.netflix.conductor.common.metadata.tasks.Task;
import com.netflix.conductor.common.metadata.tasks.TaskResult;
import com.netflix.conductor.common.metadata.workflow.UpgradeWorkflowRequest;
import com.netflix.conductor.common.run.Workflow;
import io.upgrader.mongo.execution.ExecutionStore;
import io.upgrader.support.EmbeddedInfrastructureTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.upgrader.conductor.OfficialClients.definition;
import static io.upgrader.conductor.OfficialClients.start;
import static io.upgrader.conductor.OfficialClients.task;
import static io.upgrader.conductor.OfficialClients.uniqueName;
import static io.upgrader.conductor.OfficialClients.waitTask;
import static io.upgrader.conductor.OfficialClientsIT.result;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Task updates and upgrades of one execution, at the same time: neither loses the other's writes. */
@EmbeddedInfrastructureTest
class ConcurrentWritesIT {

    private static final int UPGRADES = 20;
    private static final int UPDATES = 200;

    @LocalServerPort
    int port;
    @Autowired
    ExecutionStore store;

    @Test
    void concurrentTaskUpdatesAndUpgradesAreAllKept() throws Exception {
        OfficialClients conductor = new OfficialClients(port);
        String name = uniqueName("contended_writes");
        conductor.metadata.registerWorkflowDef(definition(name, 1, waitTask("w")));
        for (int version = 2; version <= UPGRADES + 1; version++) {
            conductor.metadata.registerWorkflowDef(definition(name, version, waitTask("pre_" + version),
                    waitTask("w"), waitTask("post")));
        }
        String workflowId = conductor.workflows.startWorkflow(start(name, 1, Map.of()));
        String waiting = task(conductor.workflows.getWorkflow(workflowId, true), "w").getTaskId();

        CompletableFuture<Void> upgrades = CompletableFuture.runAsync(() -> {
            for (int version = 2; version <= UPGRADES + 1; version++) {
                UpgradeWorkflowRequest upgrade = new UpgradeWorkflowRequest();
                upgrade.setName(name);
                upgrade.setVersion(version);
                int expected = version;
                conductor.orkesWorkflows.upgradeRunningWorkflow(workflowId, upgrade);
                // One at a time: the next request is checked against the version this one produced.
                await().atMost(Duration.ofSeconds(30)).until(() -> store.find(workflowId).orElseThrow()
                        .workflowVersion() == expected);
            }
        });
        CompletableFuture<Void> updates = CompletableFuture.runAsync(() -> {
            for (int i = 1; i <= UPDATES; i++) {
                TaskResult progress = result(workflowId, waiting, TaskResult.Status.IN_PROGRESS, Map.of("counter", i));
                conductor.tasks.updateTask(progress);
            }
        });
        CompletableFuture.allOf(upgrades, updates).get(120, TimeUnit.SECONDS);

        Workflow after = conductor.workflows.getWorkflow(workflowId, true);
        io.upgrader.execution.Workflow stored = store.find(workflowId).orElseThrow();
        System.out.printf("%d upgrades and %d task updates on one execution: %d upgrades kept, last counter %s, "
                + "revision %d%n", UPGRADES, UPDATES, stored.upgradeHistory().size(),
                task(after, "w").getOutputData().get("counter"), stored.revision());
        assertThat(after.getWorkflowVersion()).isEqualTo(UPGRADES + 1);
        assertThat(stored.upgradeHistory()).hasSize(UPGRADES);
        assertThat(task(after, "w").getOutputData()).containsEntry("counter", UPDATES);
        assertThat(task(after, "w").getStatus()).isEqualTo(Task.Status.IN_PROGRESS);
        for (int version = 2; version <= UPGRADES + 1; version++) {
            assertThat(task(after, "pre_" + version).getStatus()).isEqualTo(Task.Status.SKIPPED);
        }
        assertThat(stored.revision()).isEqualTo(UPGRADES + UPDATES);
    }
}

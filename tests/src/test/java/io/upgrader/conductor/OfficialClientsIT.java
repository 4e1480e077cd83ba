package io.upgrader.conductor;

import com.netflix.conductor.client.automator.TaskRunnerConfigurer;
import com.netflix.conductor.client.exception.ConductorClientException;
import com.netflix.conductor.client.worker.Worker;
import com.netflix.conductor.common.metadata.tasks.Task;
import com.netflix.conductor.common.metadata.tasks.TaskDef;
import com.netflix.conductor.common.metadata.tasks.TaskResult;
import com.netflix.conductor.common.metadata.workflow.StartWorkflowRequest;
import com.netflix.conductor.common.metadata.workflow.UpgradeWorkflowRequest;
import com.netflix.conductor.common.metadata.workflow.WorkflowDef;
import com.netflix.conductor.common.run.Workflow;
import io.upgrader.support.EmbeddedInfrastructureTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.upgrader.conductor.OfficialClients.definition;
import static io.upgrader.conductor.OfficialClients.setVariable;
import static io.upgrader.conductor.OfficialClients.simple;
import static io.upgrader.conductor.OfficialClients.start;
import static io.upgrader.conductor.OfficialClients.task;
import static io.upgrader.conductor.OfficialClients.uniqueName;
import static io.upgrader.conductor.OfficialClients.waitTask;
import static io.upgrader.conductor.OfficialClients.worker;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Whole lifecycles driven by the official Conductor and Orkes Java clients, unchanged, upgrade included:
 * the execution continues along the version it was upgraded to.
 */
@EmbeddedInfrastructureTest
class OfficialClientsIT {

    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @LocalServerPort
    int port;

    OfficialClients conductor;

    @BeforeEach
    void connect() {
        conductor = new OfficialClients(port);
    }

    @Test
    void aWaitingWorkflowUpgradedWithNewInputFinishesOnTheNewVersion() {
        String name = uniqueName("wait_flow");
        conductor.metadata.registerWorkflowDef(definition(name, 1, waitTask("w")));
        WorkflowDef v2 = definition(name, 2, setVariable("pre", Map.of("stage", "pre")), waitTask("w"),
                setVariable("post", Map.of("region", "${workflow.input.region}", "answer", "${w.output.answer}")));
        v2.setOutputParameters(Map.of("region", "${workflow.variables.region}", "answer", "${w.output.answer}"));
        conductor.metadata.registerWorkflowDef(v2);
        String workflowId = conductor.workflows.startWorkflow(start(name, 1, Map.of("a", 1)));
        Task waiting = task(conductor.workflows.getWorkflow(workflowId, true), "w");
        assertThat(waiting.getStatus()).isEqualTo(Task.Status.IN_PROGRESS);

        UpgradeWorkflowRequest upgrade = new UpgradeWorkflowRequest();
        upgrade.setName(name);
        upgrade.setVersion(2);
        upgrade.setWorkflowInput(Map.of("region", "eu"));
        conductor.orkesWorkflows.upgradeRunningWorkflow(workflowId, upgrade);

        Workflow upgraded = await().atMost(PATIENCE).until(() -> conductor.workflows.getWorkflow(workflowId, true),
                workflow -> workflow.getWorkflowVersion() == 2);
        assertThat(task(upgraded, "pre").getStatus()).isEqualTo(Task.Status.SKIPPED);
        assertThat(upgraded.getInput()).containsEntry("a", 1).containsEntry("region", "eu");

        conductor.tasks.updateTask(result(workflowId, waiting.getTaskId(), TaskResult.Status.COMPLETED,
                Map.of("answer", 42)));

        Workflow done = conductor.workflows.getWorkflow(workflowId, true);
        assertThat(done.getStatus()).isEqualTo(Workflow.WorkflowStatus.COMPLETED);
        assertThat(done.getWorkflowVersion()).isEqualTo(2);
        assertThat(task(done, "post").getStatus()).isEqualTo(Task.Status.COMPLETED);
        assertThat(done.getVariables()).containsEntry("region", "eu").containsEntry("answer", 42)
                .doesNotContainKey("stage");
        assertThat(done.getOutput()).containsEntry("region", "eu").containsEntry("answer", 42);
    }

    @Test
    void workersFromTheSdkCarryASimpleFlowAcrossAnUpgradeThatAddsATask() {
        String name = uniqueName("worker_flow");
        String typeA = uniqueName("task_a");
        String typeB = uniqueName("task_b");
        conductor.metadata.registerTaskDefs(List.of(new TaskDef(typeA), new TaskDef(typeB)));
        conductor.metadata.registerWorkflowDef(definition(name, 1,
                simple(typeA, "a", Map.of("who", "${workflow.input.who}"))));
        conductor.metadata.registerWorkflowDef(definition(name, 2,
                simple(typeA, "a", Map.of("who", "${workflow.input.who}")),
                simple(typeB, "b", Map.of("greeting", "${a.output.greeting}"))));
        String workflowId = conductor.workflows.startWorkflow(start(name, 1, Map.of("who", "ada")));

        CountDownLatch upgradeApplied = new CountDownLatch(1);
        Worker workerA = worker(typeA, task -> {
            await().atMost(PATIENCE).until(() -> upgradeApplied.await(100, TimeUnit.MILLISECONDS));
            return Map.of("greeting", "hello " + task.getInputData().get("who"));
        });
        Worker workerB = worker(typeB, task -> Map.of("echo", task.getInputData().get("greeting")));
        TaskRunnerConfigurer runner = new TaskRunnerConfigurer.Builder(conductor.tasks, List.of(workerA, workerB))
                .withThreadCount(2).withTaskPollTimeout(100).build();
        runner.init();
        try {
            await().atMost(PATIENCE).until(() -> task(conductor.workflows.getWorkflow(workflowId, true), "a")
                    .getStatus() == Task.Status.IN_PROGRESS);
            UpgradeWorkflowRequest upgrade = new UpgradeWorkflowRequest();
            upgrade.setName(name);
            upgrade.setVersion(2);
            conductor.orkesWorkflows.upgradeRunningWorkflow(workflowId, upgrade);
            await().atMost(PATIENCE).until(() -> conductor.workflows.getWorkflow(workflowId, false)
                    .getWorkflowVersion() == 2);
            upgradeApplied.countDown();

            Workflow done = await().atMost(PATIENCE).until(() -> conductor.workflows.getWorkflow(workflowId, true),
                    workflow -> workflow.getStatus().isTerminal());
            assertThat(done.getStatus()).isEqualTo(Workflow.WorkflowStatus.COMPLETED);
            assertThat(done.getWorkflowVersion()).isEqualTo(2);
            Task b = task(done, "b");
            assertThat(b.getTaskType()).isEqualTo(typeB);
            assertThat(b.getInputData()).containsEntry("greeting", "hello ada");
            assertThat(b.getOutputData()).containsEntry("echo", "hello ada");
            assertThat(b.getWorkerId()).isNotBlank();
        } finally {
            runner.shutdown();
        }
    }

    @Test
    void outputGivenForASkippedTaskReachesTheTasksAfterIt() {
        String name = uniqueName("skipped_output");
        conductor.metadata.registerWorkflowDef(definition(name, 1, waitTask("w")));
        conductor.metadata.registerWorkflowDef(definition(name, 2, waitTask("skipped_ref"), waitTask("w"),
                OfficialClients.task("WAIT", "reader", "reader", Map.of("value", "${skipped_ref.output.x}"))));
        String workflowId = conductor.workflows.startWorkflow(start(name, 1, Map.of()));
        String waitingId = task(conductor.workflows.getWorkflow(workflowId, true), "w").getTaskId();

        UpgradeWorkflowRequest upgrade = new UpgradeWorkflowRequest();
        upgrade.setName(name);
        upgrade.setVersion(2);
        upgrade.setTaskOutput(Map.of("skipped_ref", Map.of("x", "given at upgrade")));
        conductor.orkesWorkflows.upgradeRunningWorkflow(workflowId, upgrade);
        await().atMost(PATIENCE).until(() -> conductor.workflows.getWorkflow(workflowId, false)
                .getWorkflowVersion() == 2);
        conductor.tasks.updateTask(result(workflowId, waitingId, TaskResult.Status.COMPLETED, Map.of()));

        Task reader = task(conductor.workflows.getWorkflow(workflowId, true), "reader");
        assertThat(reader.getStatus()).isEqualTo(Task.Status.IN_PROGRESS);
        assertThat(reader.getInputData()).containsEntry("value", "given at upgrade");
        assertThat(conductor.tasks.getTaskDetails(reader.getTaskId()).getInputData())
                .containsEntry("value", "given at upgrade");
    }

    @Test
    void anUpgradeTheServiceRefusesSurfacesAsAClientErrorWithConductorsBody() {
        String name = uniqueName("refused");
        conductor.metadata.registerWorkflowDef(definition(name, 1, waitTask("w")));
        conductor.metadata.registerWorkflowDef(definition(name, 2, waitTask("other")));
        String workflowId = conductor.workflows.startWorkflow(start(name, 1, Map.of()));
        UpgradeWorkflowRequest upgrade = new UpgradeWorkflowRequest();
        upgrade.setName(name);
        upgrade.setVersion(2);

        assertThatThrownBy(() -> conductor.orkesWorkflows.upgradeRunningWorkflow(workflowId, upgrade))
                .isInstanceOfSatisfying(ConductorClientException.class, e -> {
                    assertThat(e.getStatus()).isEqualTo(400);
                    assertThat(e.getMessage()).contains("task w is not in version 2");
                });
    }

    static TaskResult result(String workflowId, String taskId, TaskResult.Status status, Map<String, Object> output) {
        TaskResult result = new TaskResult();
        result.setWorkflowInstanceId(workflowId);
        result.setTaskId(taskId);
        result.setStatus(status);
        result.setOutputData(output);
        return result;
    }
}

package io.upgrader.conductor;

import com.netflix.conductor.client.exception.ConductorClientException;
import com.netflix.conductor.common.metadata.tasks.Task;
import com.netflix.conductor.common.metadata.tasks.TaskDef;
import com.netflix.conductor.common.metadata.tasks.TaskResult;
import com.netflix.conductor.common.metadata.workflow.StartWorkflowRequest;
import com.netflix.conductor.common.run.Workflow;
import io.upgrader.support.EmbeddedInfrastructureTest;
import io.upgrader.support.Http;
import org.assertj.core.api.ThrowableAssert;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.upgrader.conductor.OfficialClients.definition;
import static io.upgrader.conductor.OfficialClients.simple;
import static io.upgrader.conductor.OfficialClients.task;
import static io.upgrader.conductor.OfficialClients.uniqueName;
import static io.upgrader.conductor.OfficialClients.waitTask;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The execution lifecycle through the official WorkflowClient and TaskClient: start, read, list running,
 * pause/resume, terminate, failing and TERMINATE tasks, removal, and the poll/update protocol of workers.
 */
@EmbeddedInfrastructureTest
class LifecycleIT {

    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @LocalServerPort
    int port;

    OfficialClients conductor;

    @BeforeEach
    void connect() {
        conductor = new OfficialClients(port);
    }

    @Test
    void aStartedWorkflowIsRunningWithItsCorrelationIdInputAndFirstTask() {
        String name = uniqueName("started");
        String taskType = uniqueName("first_type");
        conductor.metadata.registerTaskDefs(List.of(new TaskDef(taskType)));
        conductor.metadata.registerWorkflowDef(definition(name, 1,
                simple(taskType, "first", Map.of("customer", "${workflow.input.customer}",
                        "count", "${workflow.input.count}")),
                waitTask("second")));

        StartWorkflowRequest request = new StartWorkflowRequest();
        request.setName(name);
        request.setVersion(1);
        request.setCorrelationId("order-4711");
        request.setInput(Map.of("customer", "ada", "count", 3));
        String workflowId = conductor.workflows.startWorkflow(request);
        assertThat(workflowId).isNotBlank();

        Workflow workflow = conductor.workflows.getWorkflow(workflowId, true);
        assertThat(workflow.getWorkflowId()).isEqualTo(workflowId);
        assertThat(workflow.getWorkflowName()).isEqualTo(name);
        assertThat(workflow.getWorkflowVersion()).isEqualTo(1);
        assertThat(workflow.getStatus()).isEqualTo(Workflow.WorkflowStatus.RUNNING);
        assertThat(workflow.getCorrelationId()).isEqualTo("order-4711");
        assertThat(workflow.getInput()).containsEntry("customer", "ada").containsEntry("count", 3);
        assertThat(workflow.getTasks()).hasSize(1);
        Task first = workflow.getTasks().get(0);
        assertThat(first.getReferenceTaskName()).isEqualTo("first");
        assertThat(first.getTaskType()).isEqualTo(taskType);
        assertThat(first.getStatus()).isEqualTo(Task.Status.SCHEDULED);
        assertThat(first.getWorkflowInstanceId()).isEqualTo(workflowId);
        assertThat(first.getInputData()).containsEntry("customer", "ada").containsEntry("count", 3);

        assertThat(conductor.workflows.getWorkflow(workflowId, false).getTasks()).isEmpty();

        // Without a version, the latest one is started.
        conductor.metadata.registerWorkflowDef(definition(name, 2, waitTask("only_in_v2")));
        StartWorkflowRequest latest = new StartWorkflowRequest();
        latest.setName(name);
        latest.setInput(Map.of());
        Workflow onLatest = conductor.workflows.getWorkflow(conductor.workflows.startWorkflow(latest), true);
        assertThat(onLatest.getWorkflowVersion()).isEqualTo(2);
        assertThat(OfficialClients.task(onLatest, "only_in_v2").getStatus()).isEqualTo(Task.Status.IN_PROGRESS);
    }

    @Test
    void startingAnUnknownDefinitionIsNotFound() {
        StartWorkflowRequest unknown = new StartWorkflowRequest();
        unknown.setName(uniqueName("never_registered"));
        unknown.setInput(Map.of());
        assertStatus(404, () -> conductor.workflows.startWorkflow(unknown));

        String name = uniqueName("known");
        conductor.metadata.registerWorkflowDef(definition(name, 1, waitTask("w")));
        StartWorkflowRequest unknownVersion = new StartWorkflowRequest();
        unknownVersion.setName(name);
        unknownVersion.setVersion(7);
        unknownVersion.setInput(Map.of());
        assertStatus(404, () -> conductor.workflows.startWorkflow(unknownVersion));
        assertThat(conductor.workflows.getRunningWorkflow(name, 7)).isEmpty();
    }

    @Test
    void runningWorkflowsAreListedByVersionUntilTheyEnd() {
        String name = uniqueName("running");
        conductor.metadata.registerWorkflowDef(definition(name, 1, waitTask("w")));
        conductor.metadata.registerWorkflowDef(definition(name, 2, waitTask("w")));
        String completing = start(name, 1, Map.of());
        String terminating = start(name, 1, Map.of());
        String onV2 = start(name, 2, Map.of());

        assertThat(conductor.workflows.getRunningWorkflow(name, 1)).containsExactlyInAnyOrder(completing, terminating);
        assertThat(conductor.workflows.getRunningWorkflow(name, 2)).containsExactly(onV2);

        complete(completing, "w", Map.of());
        assertThat(conductor.workflows.getWorkflow(completing, false).getStatus())
                .isEqualTo(Workflow.WorkflowStatus.COMPLETED);
        assertThat(conductor.workflows.getRunningWorkflow(name, 1)).containsExactly(terminating);

        conductor.workflows.terminateWorkflow(terminating, "no longer needed");
        assertThat(conductor.workflows.getRunningWorkflow(name, 1)).isEmpty();
        assertThat(conductor.workflows.getRunningWorkflow(name, 2)).containsExactly(onV2);
    }

    @Test
    void aTaskCompletedWhilePausedIsRecordedButTheNextTaskWaitsForResume() {
        String name = uniqueName("paused");
        conductor.metadata.registerWorkflowDef(definition(name, 1, waitTask("first"), waitTask("second")));
        String workflowId = start(name, 1, Map.of());
        String firstId = OfficialClients.task(conductor.workflows.getWorkflow(workflowId, true), "first")
                .getTaskId();

        conductor.workflows.pauseWorkflow(workflowId);
        assertThat(conductor.workflows.getWorkflow(workflowId, false).getStatus())
                .isEqualTo(Workflow.WorkflowStatus.PAUSED);

        conductor.tasks.updateTask(OfficialClientsIT.result(workflowId, firstId, TaskResult.Status.COMPLETED,
                Map.of("done", true)));
        Workflow paused = conductor.workflows.getWorkflow(workflowId, true);
        assertThat(paused.getStatus()).isEqualTo(Workflow.WorkflowStatus.PAUSED);
        assertThat(OfficialClients.task(paused, "first").getStatus()).isEqualTo(Task.Status.COMPLETED);
        assertThat(OfficialClients.task(paused, "first").getOutputData()).containsEntry("done", true);
        assertThat(paused.getTasks()).extracting(Task::getReferenceTaskName).containsExactly("first");

        conductor.workflows.resumeWorkflow(workflowId);
        Workflow resumed = conductor.workflows.getWorkflow(workflowId, true);
        assertThat(resumed.getStatus()).isEqualTo(Workflow.WorkflowStatus.RUNNING);
        assertThat(resumed.getTasks()).extracting(Task::getReferenceTaskName).containsExactly("first", "second");
        Task second = OfficialClients.task(resumed, "second");
        assertThat(second.getStatus()).isEqualTo(Task.Status.IN_PROGRESS);

        conductor.tasks.updateTask(OfficialClientsIT.result(workflowId, second.getTaskId(),
                TaskResult.Status.COMPLETED, Map.of()));
        Workflow done = conductor.workflows.getWorkflow(workflowId, true);
        assertThat(done.getStatus()).isEqualTo(Workflow.WorkflowStatus.COMPLETED);
        assertThat(done.getTasks()).extracting(Task::getStatus)
                .containsExactly(Task.Status.COMPLETED, Task.Status.COMPLETED);
    }

    @Test
    void terminatingCancelsTheRunningTaskAndASecondTerminationIsAConflict() {
        String name = uniqueName("terminated");
        conductor.metadata.registerWorkflowDef(definition(name, 1, waitTask("w"), waitTask("after")));
        String workflowId = start(name, 1, Map.of());

        conductor.workflows.terminateWorkflow(workflowId, "operator gave up");
        Workflow terminated = conductor.workflows.getWorkflow(workflowId, true);
        assertThat(terminated.getStatus()).isEqualTo(Workflow.WorkflowStatus.TERMINATED);
        assertThat(terminated.getReasonForIncompletion()).contains("operator gave up");
        assertThat(terminated.getTasks()).extracting(Task::getReferenceTaskName).containsExactly("w");
        assertThat(OfficialClients.task(terminated, "w").getStatus()).isEqualTo(Task.Status.CANCELED);

        assertStatus(409, () -> conductor.workflows.terminateWorkflow(workflowId, "again"));
        Workflow unchanged = conductor.workflows.getWorkflow(workflowId, true);
        assertThat(unchanged.getStatus()).isEqualTo(Workflow.WorkflowStatus.TERMINATED);
        assertThat(unchanged.getReasonForIncompletion()).contains("operator gave up").doesNotContain("again");

        // Nor can the canceled task be completed afterwards.
        assertStatus(409, () -> complete(workflowId, "w", Map.of()));
    }

    @Test
    void aFailedTaskFailsTheWorkflowAndNothingAfterItIsScheduled() {
        String name = uniqueName("failing");
        conductor.metadata.registerWorkflowDef(definition(name, 1, waitTask("fragile"), waitTask("never")));
        String workflowId = start(name, 1, Map.of());
        String fragileId = OfficialClients.task(conductor.workflows.getWorkflow(workflowId, true), "fragile")
                .getTaskId();

        TaskResult failed = OfficialClientsIT.result(workflowId, fragileId, TaskResult.Status.FAILED,
                Map.of("attempted", 1));
        failed.setReasonForIncompletion("disk full");
        conductor.tasks.updateTask(failed);

        Workflow workflow = conductor.workflows.getWorkflow(workflowId, true);
        assertThat(workflow.getStatus()).isEqualTo(Workflow.WorkflowStatus.FAILED);
        assertThat(workflow.getReasonForIncompletion()).contains("fragile").contains("disk full");
        assertThat(workflow.getTasks()).extracting(Task::getReferenceTaskName).containsExactly("fragile");
        Task fragile = OfficialClients.task(workflow, "fragile");
        assertThat(fragile.getStatus()).isEqualTo(Task.Status.FAILED);
        assertThat(fragile.getReasonForIncompletion()).contains("disk full");
        assertThat(conductor.workflows.getRunningWorkflow(name, 1)).doesNotContain(workflowId);

        assertStatus(409, () -> conductor.tasks.updateTask(OfficialClientsIT.result(workflowId, fragileId,
                TaskResult.Status.COMPLETED, Map.of())));
        Workflow after = conductor.workflows.getWorkflow(workflowId, true);
        assertThat(after.getStatus()).isEqualTo(Workflow.WorkflowStatus.FAILED);
        assertThat(OfficialClients.task(after, "fragile").getStatus()).isEqualTo(Task.Status.FAILED);
        assertThat(after.getTasks()).extracting(Task::getReferenceTaskName).containsExactly("fragile");
    }

    @Test
    void aTerminateTaskEndsTheWorkflowWithItsStatusAndOutput() {
        String name = uniqueName("terminate_task");
        Map<String, Object> workflowOutput = new LinkedHashMap<>();
        workflowOutput.put("x", "${workflow.input.x}");
        workflowOutput.put("fromWait", "${w.output.y}");
        workflowOutput.put("fixed", "literal");
        conductor.metadata.registerWorkflowDef(definition(name, 1, waitTask("w"),
                task("TERMINATE", "stop", "stop", Map.of("terminationStatus", "COMPLETED",
                        "workflowOutput", workflowOutput)),
                waitTask("after")));
        String workflowId = start(name, 1, Map.of("x", 42));
        complete(workflowId, "w", Map.of("y", "from the wait"));

        Workflow done = conductor.workflows.getWorkflow(workflowId, true);
        assertThat(done.getStatus()).isEqualTo(Workflow.WorkflowStatus.COMPLETED);
        assertThat(done.getOutput()).containsEntry("x", 42).containsEntry("fromWait", "from the wait")
                .containsEntry("fixed", "literal");
        assertThat(done.getTasks()).extracting(Task::getReferenceTaskName).containsExactly("w", "stop");
        assertThat(OfficialClients.task(done, "stop").getStatus()).isEqualTo(Task.Status.COMPLETED);
        assertThat(conductor.workflows.getRunningWorkflow(name, 1)).doesNotContain(workflowId);
    }

    @Test
    void aRemovedWorkflowIsNotFound() {
        String name = uniqueName("removed");
        conductor.metadata.registerWorkflowDef(definition(name, 1, waitTask("w")));
        String workflowId = start(name, 1, Map.of());
        String taskId = OfficialClients.task(conductor.workflows.getWorkflow(workflowId, true), "w").getTaskId();

        conductor.workflows.deleteWorkflow(workflowId, false);

        assertStatus(404, () -> conductor.workflows.getWorkflow(workflowId, true));
        assertStatus(404, () -> conductor.tasks.getTaskDetails(taskId));
        assertThat(conductor.workflows.getRunningWorkflow(name, 1)).doesNotContain(workflowId);
        assertStatus(404, () -> conductor.workflows.deleteWorkflow(workflowId, false));
    }

    @Test
    void pollingHandsAScheduledTaskOutOnceAndInProgressWithoutDelayMakesItPollableAgain() {
        String name = uniqueName("polled");
        String taskType = uniqueName("poll_type");
        conductor.metadata.registerTaskDefs(List.of(new TaskDef(taskType)));
        conductor.metadata.registerWorkflowDef(definition(name, 1,
                simple(taskType, "work", Map.of("n", "${workflow.input.n}")), waitTask("next")));

        // Nothing scheduled of this type yet: 204, which the client answers as null.
        assertThat(conductor.tasks.pollTask(taskType, "worker-0", null)).isNull();

        String workflowId = start(name, 1, Map.of("n", 5));
        List<Task> polled = conductor.tasks.batchPollTasksByTaskType(taskType, "worker-1", 5, 200);
        assertThat(polled).hasSize(1);
        Task task = polled.get(0);
        assertThat(task.getWorkflowInstanceId()).isEqualTo(workflowId);
        assertThat(task.getReferenceTaskName()).isEqualTo("work");
        assertThat(task.getTaskType()).isEqualTo(taskType);
        assertThat(task.getStatus()).isEqualTo(Task.Status.IN_PROGRESS);
        assertThat(task.getInputData()).containsEntry("n", 5);

        assertThat(conductor.tasks.batchPollTasksByTaskType(taskType, "worker-2", 5, 200)).isEmpty();
        assertThat(conductor.tasks.pollTask(taskType, "worker-2", null)).isNull();

        Task details = conductor.tasks.getTaskDetails(task.getTaskId());
        assertThat(details.getStatus()).isEqualTo(Task.Status.IN_PROGRESS);
        assertThat(details.getWorkerId()).isEqualTo("worker-1");
        assertThat(details.getWorkflowInstanceId()).isEqualTo(workflowId);

        TaskResult progress = OfficialClientsIT.result(workflowId, task.getTaskId(), TaskResult.Status.IN_PROGRESS,
                Map.of("progress", 50));
        progress.setCallbackAfterSeconds(0);
        progress.setWorkerId("worker-1");
        conductor.tasks.updateTask(progress);

        Task again = await().atMost(PATIENCE)
                .until(() -> conductor.tasks.pollTask(taskType, "worker-3", null), java.util.Objects::nonNull);
        assertThat(again.getTaskId()).isEqualTo(task.getTaskId());
        assertThat(again.getStatus()).isEqualTo(Task.Status.IN_PROGRESS);
        assertThat(conductor.tasks.getTaskDetails(task.getTaskId()).getWorkerId()).isEqualTo("worker-3");
        assertThat(conductor.tasks.pollTask(taskType, "worker-4", null)).isNull();

        TaskResult completed = OfficialClientsIT.result(workflowId, task.getTaskId(), TaskResult.Status.COMPLETED,
                Map.of("result", "ok"));
        completed.setWorkerId("worker-3");
        conductor.tasks.updateTask(completed);
        Workflow workflow = conductor.workflows.getWorkflow(workflowId, true);
        assertThat(OfficialClients.task(workflow, "work").getStatus()).isEqualTo(Task.Status.COMPLETED);
        assertThat(OfficialClients.task(workflow, "work").getOutputData()).containsEntry("result", "ok");
        assertThat(OfficialClients.task(workflow, "next").getStatus()).isEqualTo(Task.Status.IN_PROGRESS);
        assertThat(conductor.tasks.pollTask(taskType, "worker-5", null)).isNull();
    }

    @Test
    void anInvalidWorkflowIdIsABadRequestNeverAServerError() throws Exception {
        Http.Response response = new Http(port).get("/api/workflow/bad$id");
        assertThat(response.status()).as(response.body()).isEqualTo(400);
        JsonNode body = response.json();
        assertThat(body.path("status").asInt()).isEqualTo(400);
        assertThat(body.path("message").asString()).contains("bad$id");
        assertThat(body.path("retryable").isBoolean()).isTrue();
        assertThat(body.path("retryable").asBoolean()).isFalse();
        assertThat(body.path("validationErrors").isArray()).isTrue();
        assertThat(body.path("validationErrors").get(0).path("path").asString()).isEqualTo("workflowId");

        Http.Response unknown = new Http(port).get("/api/workflow/" + uniqueName("valid_but_unknown"));
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.json().path("status").asInt()).isEqualTo(404);

        // Other malformed ids, and the other lifecycle endpoints taking an id: 400 in Conductor's body, never 500.
        List<String> badIds = List.of("bad$id", "a".repeat(129), "a.b", "bad%20id", "%7B%22%24ne%22%3A1%7D",
                "%C3%A9t%C3%A9");
        for (String badId : badIds) {
            List<String[]> calls = List.of(
                    new String[] {"GET", "/api/workflow/" + badId},
                    new String[] {"PUT", "/api/workflow/" + badId + "/pause"},
                    new String[] {"PUT", "/api/workflow/" + badId + "/resume"},
                    new String[] {"DELETE", "/api/workflow/" + badId + "?reason=x"},
                    new String[] {"DELETE", "/api/workflow/" + badId + "/remove"});
            for (String[] call : calls) {
                java.net.http.HttpResponse<String> answer = send(call[0], call[1]);
                assertThat(answer.statusCode()).as(call[0] + " " + call[1] + " -> " + answer.body()).isEqualTo(400);
                assertThat(JSON.readTree(answer.body()).path("status").asInt()).as(call[1]).isEqualTo(400);
            }
        }
    }

    private java.net.http.HttpResponse<String> send(String method, String path) throws Exception {
        java.net.http.HttpRequest request = java.net.http.HttpRequest
                .newBuilder(java.net.URI.create("http://127.0.0.1:" + port + path))
                .method(method, java.net.http.HttpRequest.BodyPublishers.noBody())
                .header("X-Authorization", io.upgrader.support.TestCredentials.API_TOKEN)
                .timeout(Duration.ofSeconds(30)).build();
        return java.net.http.HttpClient.newHttpClient().send(request,
                java.net.http.HttpResponse.BodyHandlers.ofString());
    }

    // ---- helpers ----

    private String start(String name, int version, Map<String, Object> input) {
        return conductor.workflows.startWorkflow(OfficialClients.start(name, version, input));
    }

    private void complete(String workflowId, String ref, Map<String, Object> output) {
        String taskId = OfficialClients.task(conductor.workflows.getWorkflow(workflowId, true), ref).getTaskId();
        conductor.tasks.updateTask(OfficialClientsIT.result(workflowId, taskId, TaskResult.Status.COMPLETED,
                output));
    }

    private static void assertStatus(int status, ThrowableAssert.ThrowingCallable call) {
        assertThatThrownBy(call).isInstanceOfSatisfying(ConductorClientException.class, e -> {
            assertThat(e.getStatus()).as(e.toString()).isEqualTo(status);
            assertThat(e.getResponseBody()).isNotBlank();
            JsonNode body = JSON.readTree(e.getResponseBody());
            assertThat(body.path("status").asInt()).isEqualTo(status);
            assertThat(body.path("message").asString()).isNotBlank();
        });
    }
}

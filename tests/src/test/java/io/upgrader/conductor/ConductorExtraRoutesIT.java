package io.upgrader.conductor;

import com.netflix.conductor.client.exception.ConductorClientException;
import com.netflix.conductor.common.metadata.tasks.Task;
import com.netflix.conductor.common.metadata.tasks.TaskResult;
import com.netflix.conductor.common.metadata.workflow.StartWorkflowRequest;
import com.netflix.conductor.common.metadata.workflow.WorkflowTask;
import com.netflix.conductor.common.run.SearchResult;
import com.netflix.conductor.common.run.Workflow;
import com.netflix.conductor.common.run.WorkflowSummary;
import io.orkes.conductor.client.http.OrkesTaskClient;
import io.upgrader.support.EmbeddedInfrastructureTest;
import io.upgrader.support.Http;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.upgrader.conductor.OfficialClients.definition;
import static io.upgrader.conductor.OfficialClients.setVariable;
import static io.upgrader.conductor.OfficialClients.start;
import static io.upgrader.conductor.OfficialClients.task;
import static io.upgrader.conductor.OfficialClients.uniqueName;
import static io.upgrader.conductor.OfficialClients.waitTask;
import static io.upgrader.conductor.OfficialClients.worker;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The Conductor routes beyond the lifecycle, driven by the official clients: task update by reference name,
 * a workflow's task list, skip task, search; and Conductor's error body for routes that do not exist.
 */
@EmbeddedInfrastructureTest
class ConductorExtraRoutesIT {

    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @LocalServerPort
    int port;

    OfficialClients conductor;
    OrkesTaskClient orkesTasks;
    Http http;

    @BeforeEach
    void connect() {
        conductor = new OfficialClients(port);
        orkesTasks = new OrkesTaskClient(conductor.client);
        http = new Http(port);
    }

    @Test
    void aWaitTaskCompletedByReferenceName() {
        String name = uniqueName("by_ref");
        conductor.metadata.registerWorkflowDef(definition(name, 1, waitTask("w"),
                setVariable("after", Map.of("answer", "${w.output.answer}"))));
        String workflowId = conductor.workflows.startWorkflow(start(name, 1, Map.of()));
        Task waiting = task(conductor.workflows.getWorkflow(workflowId, true), "w");

        orkesTasks.updateTask(workflowId, "w", TaskResult.Status.COMPLETED, Map.of("answer", 42));

        Workflow done = conductor.workflows.getWorkflow(workflowId, true);
        assertThat(done.getStatus()).isEqualTo(Workflow.WorkflowStatus.COMPLETED);
        Task completed = task(done, "w");
        assertThat(completed.getTaskId()).isEqualTo(waiting.getTaskId());
        assertThat(completed.getStatus()).isEqualTo(Task.Status.COMPLETED);
        assertThat(completed.getOutputData()).containsEntry("answer", 42);
        assertThat(done.getVariables()).containsEntry("answer", 42);

        // Once ended, the task is refused with 409.
        assertThatThrownBy(() -> orkesTasks.updateTask(workflowId, "w", TaskResult.Status.COMPLETED, Map.of()))
                .isInstanceOfSatisfying(ConductorClientException.class, e -> {
                    assertThat(e.getStatus()).isEqualTo(409);
                    assertThat(e.getResponseBody()).contains("\"status\":409");
                });
    }

    @Test
    void theSyncRouteAnswersTheWorkflowAndThePlainRouteTheTaskId() {
        String name = uniqueName("by_ref_sync");
        conductor.metadata.registerWorkflowDef(definition(name, 1, waitTask("one"), waitTask("two")));
        String workflowId = conductor.workflows.startWorkflow(start(name, 1, Map.of()));
        String oneId = task(conductor.workflows.getWorkflow(workflowId, true), "one").getTaskId();

        Http.Response plain = http.post("/api/tasks/" + workflowId + "/one/COMPLETED?workerid=me",
                "{\"k\":\"v\"}", Map.of());
        assertThat(plain.status()).isEqualTo(200);
        assertThat(plain.body()).isEqualTo(oneId);
        Task one = task(conductor.workflows.getWorkflow(workflowId, true), "one");
        assertThat(one.getOutputData()).containsEntry("k", "v");
        assertThat(one.getWorkerId()).isEqualTo("me");

        Workflow after = orkesTasks.updateTaskSync(workflowId, "two", TaskResult.Status.COMPLETED, Map.of("x", 1));
        assertThat(after.getWorkflowId()).isEqualTo(workflowId);
        assertThat(after.getStatus()).isEqualTo(Workflow.WorkflowStatus.COMPLETED);
        assertThat(task(after, "two").getOutputData()).containsEntry("x", 1);

        assertThatThrownBy(() -> orkesTasks.updateTask(workflowId, "nope", TaskResult.Status.COMPLETED, Map.of()))
                .isInstanceOfSatisfying(ConductorClientException.class, e -> assertThat(e.getStatus()).isEqualTo(404));
        assertThatThrownBy(() -> orkesTasks.updateTask("no-such-workflow", "one", TaskResult.Status.COMPLETED,
                Map.of())).isInstanceOfSatisfying(ConductorClientException.class,
                e -> assertThat(e.getStatus()).isEqualTo(404));
        assertThat(http.post("/api/tasks/" + workflowId + "/one/DONE", "{}", Map.of()).status()).isEqualTo(400);
    }

    @Test
    void theBareReferenceOfALoopTaskMeansTheLatestIteration() {
        String name = uniqueName("by_ref_loop");
        WorkflowTask loop = OfficialClients.task("DO_WHILE", "loop", "loop", Map.of());
        loop.setLoopCondition("if ($.loop['iteration'] < 2) { true; } else { false; }");
        loop.setLoopOver(List.of(waitTask("w")));
        conductor.metadata.registerWorkflowDef(definition(name, 1, loop));
        String workflowId = conductor.workflows.startWorkflow(start(name, 1, Map.of()));

        String first = task(conductor.workflows.getWorkflow(workflowId, true), "w__1").getTaskId();
        // The first update evaluates the loop condition, which may start the script engine cold: the plain
        // route (30 s timeout) rather than the SDK's 10 s.
        Http.Response firstUpdate = http.post("/api/tasks/" + workflowId + "/w/COMPLETED", "{\"n\":1}", Map.of());
        assertThat(firstUpdate.status()).as(firstUpdate.body()).isEqualTo(200);
        assertThat(firstUpdate.body()).isEqualTo(first);
        await().atMost(PATIENCE).until(() -> conductor.workflows.getWorkflow(workflowId, true).getTasks().stream()
                .anyMatch(t -> t.getReferenceTaskName().equals("w__2")));
        Workflow afterSecond = orkesTasks.updateTaskSync(workflowId, "w", TaskResult.Status.COMPLETED,
                Map.of("n", 2));

        assertThat(afterSecond.getStatus()).isEqualTo(Workflow.WorkflowStatus.COMPLETED);
        assertThat(task(afterSecond, "w__1").getTaskId()).isEqualTo(first);
        assertThat(task(afterSecond, "w__1").getOutputData()).containsEntry("n", 1);
        assertThat(task(afterSecond, "w__2").getOutputData()).containsEntry("n", 2);
    }

    @Test
    void aWorkflowsTasksListedAsConductorPagesThem() {
        String name = uniqueName("task_list");
        conductor.metadata.registerWorkflowDef(definition(name, 1, setVariable("s1", Map.of("a", 1)),
                setVariable("s2", Map.of("b", 2)), waitTask("w")));
        String workflowId = conductor.workflows.startWorkflow(start(name, 1, Map.of()));
        Workflow stored = conductor.workflows.getWorkflow(workflowId, true);
        assertThat(stored.getTasks()).hasSize(3);

        JsonNode all = http.get("/api/workflow/" + workflowId + "/tasks").json();
        assertThat(all.path("totalHits").asLong()).isEqualTo(3);
        assertThat(refs(all)).containsExactly("s1", "s2", "w");
        assertThat(all.path("summary").path("COMPLETED").asInt()).isEqualTo(2);
        assertThat(all.path("summary").path("IN_PROGRESS").asInt()).isEqualTo(1);
        assertThat(all.path("results").get(2).path("taskId").asString()).isEqualTo(task(stored, "w").getTaskId());

        JsonNode page = http.get("/api/workflow/" + workflowId + "/tasks?start=1&count=1").json();
        assertThat(page.path("totalHits").asLong()).isEqualTo(3);
        assertThat(refs(page)).containsExactly("s2");

        JsonNode completed = http.get("/api/workflow/" + workflowId + "/tasks?status=COMPLETED").json();
        assertThat(completed.path("totalHits").asLong()).isEqualTo(2);
        assertThat(refs(completed)).containsExactly("s1", "s2");

        assertThat(http.get("/api/workflow/no-such-workflow/tasks").status()).isEqualTo(404);
        assertThat(http.get("/api/workflow/" + workflowId + "/tasks?status=SLEEPING").status()).isEqualTo(400);
    }

    @Test
    void aTaskNotRunYetIsSkippedWithTheGivenOutputAndTheWorkflowGoesPastIt() {
        String name = uniqueName("skip");
        conductor.metadata.registerWorkflowDef(definition(name, 1, waitTask("a"), waitTask("b"),
                setVariable("c", Map.of("fromB", "${b.output.x}"))));
        String workflowId = conductor.workflows.startWorkflow(start(name, 1, Map.of()));

        Http.Response skipped = http.send("PUT", "/api/workflow/" + workflowId + "/skiptask/b",
                "{\"taskInput\":{\"in\":1},\"taskOutput\":{\"x\":7}}", Map.of("Content-Type", "application/json"));
        assertThat(skipped.status()).as(skipped.body()).isEqualTo(200);
        Task b = task(conductor.workflows.getWorkflow(workflowId, true), "b");
        assertThat(b.getStatus()).isEqualTo(Task.Status.SKIPPED);
        assertThat(b.getOutputData()).containsEntry("x", 7);
        assertThat(b.getInputData()).containsEntry("in", 1);

        orkesTasks.updateTask(workflowId, "a", TaskResult.Status.COMPLETED, Map.of());

        Workflow done = await().atMost(PATIENCE).until(() -> conductor.workflows.getWorkflow(workflowId, true),
                workflow -> workflow.getStatus().isTerminal());
        assertThat(done.getStatus()).isEqualTo(Workflow.WorkflowStatus.COMPLETED);
        assertThat(done.getTasks().stream().filter(t -> t.getReferenceTaskName().equals("b"))).hasSize(1);
        assertThat(done.getVariables()).containsEntry("fromB", 7);
    }

    @Test
    void skippingThroughTheSdkWorksOnceAndATaskThatRanIsRefused() {
        String name = uniqueName("skip_sdk");
        conductor.metadata.registerWorkflowDef(definition(name, 1, waitTask("a"), waitTask("b")));
        String workflowId = conductor.workflows.startWorkflow(start(name, 1, Map.of()));

        conductor.workflows.skipTaskFromWorkflow(workflowId, "b");
        assertThat(task(conductor.workflows.getWorkflow(workflowId, true), "b").getStatus())
                .isEqualTo(Task.Status.SKIPPED);

        assertThatThrownBy(() -> conductor.workflows.skipTaskFromWorkflow(workflowId, "a"))
                .isInstanceOfSatisfying(ConductorClientException.class, e -> {
                    assertThat(e.getStatus()).isEqualTo(409);
                    assertThat(e.getResponseBody()).contains("already");
                });
        assertThatThrownBy(() -> conductor.orkesWorkflows.skipTaskFromWorkflow(workflowId, "b"))
                .isInstanceOfSatisfying(ConductorClientException.class, e -> assertThat(e.getStatus()).isEqualTo(409));
        assertThatThrownBy(() -> conductor.workflows.skipTaskFromWorkflow(workflowId, "zzz"))
                .isInstanceOfSatisfying(ConductorClientException.class, e -> assertThat(e.getStatus()).isEqualTo(404));
        assertThatThrownBy(() -> conductor.workflows.skipTaskFromWorkflow("no-such-workflow", "a"))
                .isInstanceOfSatisfying(ConductorClientException.class, e -> assertThat(e.getStatus()).isEqualTo(404));

        orkesTasks.updateTask(workflowId, "a", TaskResult.Status.COMPLETED, Map.of());
        assertThat(conductor.workflows.getWorkflow(workflowId, false).getStatus())
                .isEqualTo(Workflow.WorkflowStatus.COMPLETED);
    }

    @Test
    void searchByTypeAndStatus() {
        String name = uniqueName("search");
        com.netflix.conductor.common.metadata.workflow.WorkflowDef def = definition(name, 1, waitTask("w"));
        def.setOutputParameters(Map.of("out", "${w.output.out}"));
        conductor.metadata.registerWorkflowDef(def);
        String running = conductor.workflows.startWorkflow(start(name, 1, Map.of("k", "v")));
        String paused = conductor.workflows.startWorkflow(start(name, 1, Map.of()));
        conductor.workflows.pauseWorkflow(paused);
        String completed = conductor.workflows.startWorkflow(start(name, 1, Map.of()));
        orkesTasks.updateTask(completed, "w", TaskResult.Status.COMPLETED, Map.of("out", 1));

        SearchResult<WorkflowSummary> underWay = conductor.workflows.search(
                "workflowType IN (" + name + ") AND status IN (RUNNING,PAUSED)");
        assertThat(underWay.getTotalHits()).isEqualTo(2);
        assertThat(underWay.getResults()).extracting(WorkflowSummary::getWorkflowId)
                .containsExactlyInAnyOrder(running, paused);
        WorkflowSummary first = underWay.getResults().stream().filter(s -> s.getWorkflowId().equals(running))
                .findFirst().orElseThrow();
        Workflow stored = conductor.workflows.getWorkflow(running, false);
        assertThat(first.getWorkflowType()).isEqualTo(name);
        assertThat(first.getVersion()).isEqualTo(1);
        assertThat(first.getStatus()).isEqualTo(Workflow.WorkflowStatus.RUNNING);
        assertThat(Instant.parse(first.getStartTime()).toEpochMilli()).isEqualTo(stored.getCreateTime());
        assertThat(first.getEndTime()).isNull();
        assertThat(first.getInput()).isEqualTo("{\"k\":\"v\"}");

        SearchResult<WorkflowSummary> done = conductor.orkesWorkflows.search(0, 10, null, "*",
                "workflowType = \"" + name + "\" AND status = COMPLETED");
        assertThat(done.getTotalHits()).isEqualTo(1);
        WorkflowSummary summary = done.getResults().get(0);
        assertThat(summary.getWorkflowId()).isEqualTo(completed);
        assertThat(summary.getEndTime()).isNotNull();
        assertThat(summary.getOutput()).isEqualTo("{\"out\":1}");
        assertThat(summary.getExecutionTime()).isGreaterThanOrEqualTo(0);
    }

    @Test
    void searchByVersionWithPaging() {
        String name = uniqueName("search_pages");
        conductor.metadata.registerWorkflowDef(definition(name, 1, waitTask("w")));
        conductor.metadata.registerWorkflowDef(definition(name, 2, waitTask("w")));
        List<String> v2 = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            v2.add(conductor.workflows.startWorkflow(start(name, 2, Map.of())));
        }
        conductor.workflows.startWorkflow(start(name, 1, Map.of()));

        String query = "workflowType = \"" + name + "\" AND version = 2";
        List<String> seen = new ArrayList<>();
        for (int start = 0; start < 6; start += 2) {
            SearchResult<WorkflowSummary> page = conductor.workflows.search(start, 2, "workflowId:ASC", "*", query);
            assertThat(page.getTotalHits()).isEqualTo(5);
            assertThat(page.getResults()).hasSizeLessThanOrEqualTo(2)
                    .allSatisfy(s -> assertThat(s.getVersion()).isEqualTo(2));
            page.getResults().forEach(s -> seen.add(s.getWorkflowId()));
        }
        assertThat(seen).containsExactlyElementsOf(v2.stream().sorted().toList());
        assertThat(conductor.workflows.search(0, 100, null, "*", "workflowType = " + name + " AND workflowVersion IN (1, 2)")
                .getTotalHits()).isEqualTo(6);
        assertThat(conductor.workflows.search(0, 100, null, "*", "workflowId = " + v2.get(3)).getResults())
                .extracting(WorkflowSummary::getWorkflowId).containsExactly(v2.get(3));
    }

    @Test
    void searchRefusesWhatItCannotAnswer() {
        assertThatThrownBy(() -> conductor.workflows.search("workflowType = x OR status = RUNNING"))
                .isInstanceOfSatisfying(ConductorClientException.class, e -> {
                    assertThat(e.getStatus()).isEqualTo(400);
                    assertThat(e.getResponseBody()).contains("only AND");
                });
        Http.Response field = http.get("/api/workflow/search?query=startTime%3E5");
        assertThat(field.status()).isEqualTo(400);
        assertThat(field.json().path("message").asString()).contains("startTime");
        Http.Response freeText = http.get("/api/workflow/search?freeText=order");
        assertThat(freeText.status()).isEqualTo(400);
        assertThat(freeText.json().path("message").asString()).contains("freeText");
        assertThat(http.get("/api/workflow/search?size=1001").status()).isEqualTo(400);
        assertThat(http.get("/api/workflow/search?sort=input:ASC").status()).isEqualTo(400);
    }

    @Test
    void unknownRoutesAnswerConductorsErrorBody() {
        Http.Response missing = http.get("/api/nope");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.header("Content-Type")).startsWith("application/json");
        JsonNode body = missing.json();
        assertThat(body.path("status").asInt()).isEqualTo(404);
        assertThat(body.path("message").asString()).isEqualTo("No route for GET /api/nope");
        assertThat(body.path("retryable").asBoolean()).isFalse();
        assertThat(missing.body()).doesNotContain("static resource").doesNotContain("Exception");

        Http.Response wrongMethod = http.send("PATCH", "/api/workflow/some-id/pause", null, Map.of());
        assertThat(wrongMethod.status()).isEqualTo(405);
        assertThat(wrongMethod.json().path("status").asInt()).isEqualTo(405);
        assertThat(wrongMethod.json().path("message").asString())
                .startsWith("No route for PATCH /api/workflow/some-id/pause").contains("PUT");
        assertThat(wrongMethod.body()).doesNotContain("Exception");

        Http.Response deep = http.send("POST", "/api/metadata/nothing/here", "{}",
                Map.of("Content-Type", "application/json"));
        assertThat(deep.status()).isEqualTo(404);
        assertThat(deep.json().path("message").asString()).isEqualTo("No route for POST /api/metadata/nothing/here");
    }

    private static List<String> refs(JsonNode page) {
        List<String> refs = new ArrayList<>();
        page.path("results").forEach(task -> refs.add(task.path("referenceTaskName").asString()));
        return refs;
    }
}

package io.upgrader.execution;

import com.sun.net.httpserver.HttpServer;
import io.upgrader.mongo.definition.DefinitionStore;
import io.upgrader.mongo.execution.ExecutionStore;
import io.upgrader.support.EmbeddedInfrastructureTest;
import io.upgrader.support.Http;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The tasks the server performs itself, end to end through the REST API: HTTP tasks against a real local server,
 * timed WAITs, and SUB_WORKFLOW children started, followed and terminated with their parents.
 */
@EmbeddedInfrastructureTest
class SystemTasksIT {

    private static final Duration PATIENCE = Duration.ofSeconds(20);

    @LocalServerPort
    int port;

    @Autowired
    ExecutionStore store;

    @Autowired
    DefinitionStore definitions;

    @Autowired
    SystemTaskSweep sweep;

    Http http;
    HttpServer server;
    final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();

    @BeforeEach
    void setUp() throws IOException {
        http = new Http(port);
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            calls.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
            byte[] request = exchange.getRequestBody().readAllBytes();
            boolean fail = path.startsWith("/fail");
            byte[] body = (fail ? "{\"error\":\"broken\"}"
                    : "{\"x\":42,\"echo\":" + new String(request, StandardCharsets.UTF_8) + "}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(fail ? 500 : 200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }

    private static String name(String prefix) {
        return prefix + "_" + UUID.randomUUID().toString().replace("-", "");
    }

    private void register(String name, String tasks, String outputParameters) {
        String body = "{\"name\":\"" + name + "\",\"version\":1,\"tasks\":" + tasks
                + (outputParameters == null ? "" : ",\"outputParameters\":" + outputParameters) + "}";
        Http.Response response = http.post("/api/metadata/workflow", body, Map.of());
        assertThat(response.status()).as(response.body()).isEqualTo(200);
    }

    private String start(String name, String input) {
        Http.Response response = http.post("/api/workflow/" + name + "?version=1", input, Map.of());
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return response.body();
    }

    private JsonNode workflow(String workflowId) {
        Http.Response response = http.get("/api/workflow/" + workflowId);
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return response.json();
    }

    private JsonNode awaitStatus(String workflowId, String status) {
        await().atMost(PATIENCE).until(() -> workflow(workflowId).get("status").asString().equals(status));
        return workflow(workflowId);
    }

    private static JsonNode task(JsonNode workflow, String ref) {
        for (JsonNode task : workflow.get("tasks")) {
            if (task.get("referenceTaskName").asString().equals(ref)) {
                return task;
            }
        }
        throw new AssertionError("no task " + ref + " in " + workflow);
    }

    private void report(String workflowId, String taskId, String status, String output, String reason) {
        Http.Response response = http.post("/api/tasks", "{\"workflowInstanceId\":\"" + workflowId
                + "\",\"taskId\":\"" + taskId + "\",\"status\":\"" + status + "\",\"outputData\":" + output
                + (reason == null ? "" : ",\"reasonForIncompletion\":\"" + reason + "\"") + "}", Map.of());
        assertThat(response.status()).as(response.body()).isEqualTo(200);
    }

    private String httpTask(String ref, String path) {
        return "{\"name\":\"" + ref + "\",\"taskReferenceName\":\"" + ref + "\",\"type\":\"HTTP\","
                + "\"inputParameters\":{\"http_request\":{\"uri\":\"http://127.0.0.1:" + server.getAddress().getPort()
                + path + "\",\"method\":\"POST\",\"body\":{\"a\":\"${workflow.input.a}\"}}}}";
    }

    private static final String PLUS_ONE = "{\"name\":\"next\",\"taskReferenceName\":\"next\",\"type\":\"INLINE\","
            + "\"inputParameters\":{\"evaluatorType\":\"javascript\",\"expression\":\"$.x + 1\","
            + "\"x\":\"${http.output.response.body.x}\"}}";

    @Test
    void anHttpTaskIsCalledOnceAndItsResponseFeedsTheNextTask() {
        String name = name("http_ok");
        String path = "/ok/" + name;
        register(name, "[" + httpTask("http", path) + "," + PLUS_ONE + "]", "{\"y\":\"${next.output.result}\"}");

        String workflowId = start(name, "{\"a\":\"hello\"}");

        JsonNode done = awaitStatus(workflowId, "COMPLETED");
        assertThat(done.get("output").get("y").asInt()).isEqualTo(43);
        JsonNode httpTask = task(done, "http");
        assertThat(httpTask.get("status").asString()).isEqualTo("COMPLETED");
        assertThat(httpTask.get("outputData").get("response").get("statusCode").asInt()).isEqualTo(200);
        assertThat(httpTask.get("outputData").get("response").get("body").get("echo").get("a").asString())
                .isEqualTo("hello");
        assertThat(calls.get(path).get()).isEqualTo(1);
    }

    @Test
    void anHttpTaskAnswered500FailsTheWorkflowWithTheReason() {
        String name = name("http_500");
        String path = "/fail/" + name;
        register(name, "[" + httpTask("http", path) + "," + PLUS_ONE + "]", null);

        String workflowId = start(name, "{\"a\":\"hello\"}");

        JsonNode failed = awaitStatus(workflowId, "FAILED");
        assertThat(failed.get("reasonForIncompletion").asString()).contains("http", "500");
        JsonNode httpTask = task(failed, "http");
        assertThat(httpTask.get("status").asString()).isEqualTo("FAILED");
        assertThat(httpTask.get("reasonForIncompletion").asString()).contains("500");
        assertThat(httpTask.get("outputData").get("response").get("statusCode").asInt()).isEqualTo(500);
        assertThat(calls.get(path).get()).isEqualTo(1);
    }

    @Test
    void aWaitWithADurationCompletesByItselfAndTheWorkflowGoesOn() {
        String name = name("timed_wait");
        register(name, """
                [{"name":"w","taskReferenceName":"w","type":"WAIT","inputParameters":{"duration":"1s"}},
                 {"name":"after","taskReferenceName":"after","type":"INLINE",
                  "inputParameters":{"evaluatorType":"javascript","expression":"'done'"}}]""",
                "{\"r\":\"${after.output.result}\"}");

        String workflowId = start(name, "{}");
        assertThat(task(workflow(workflowId), "w").get("status").asString()).isEqualTo("IN_PROGRESS");

        JsonNode done = awaitStatus(workflowId, "COMPLETED");
        assertThat(done.get("output").get("r").asString()).isEqualTo("done");
        JsonNode waited = task(done, "w");
        assertThat(waited.get("endTime").asLong() - waited.get("startTime").asLong()).isGreaterThanOrEqualTo(900);
    }

    /** A child with one WAIT, and its parent running it with input a; returns the parent's name. */
    private String parentOfWaitingChild() {
        String child = name("child");
        register(child, "[{\"name\":\"w\",\"taskReferenceName\":\"w\",\"type\":\"WAIT\"}]",
                "{\"x\":\"${w.output.x}\"}");
        String parent = name("parent");
        register(parent, "[{\"name\":\"sub\",\"taskReferenceName\":\"sub\",\"type\":\"SUB_WORKFLOW\","
                + "\"subWorkflowParam\":{\"name\":\"" + child + "\",\"version\":1},"
                + "\"inputParameters\":{\"a\":\"${workflow.input.a}\"}}]", "{\"x\":\"${sub.output.x}\"}");
        return parent;
    }

    private String awaitChildOf(String parentId) {
        await().atMost(PATIENCE).until(() -> task(workflow(parentId), "sub").hasNonNull("subWorkflowId"));
        return task(workflow(parentId), "sub").get("subWorkflowId").asString();
    }

    @Test
    void aSubWorkflowRunsAsAChildAndItsOutputCompletesTheParentsTask() {
        String parentId = start(parentOfWaitingChild(), "{\"a\":\"hello\"}");

        String childId = awaitChildOf(parentId);
        JsonNode sub = task(workflow(parentId), "sub");
        assertThat(sub.get("status").asString()).isEqualTo("IN_PROGRESS");
        assertThat(sub.get("outputData").get("subWorkflowId").asString()).isEqualTo(childId);
        JsonNode child = workflow(childId);
        assertThat(child.get("status").asString()).isEqualTo("RUNNING");
        assertThat(child.get("parentWorkflowId").asString()).isEqualTo(parentId);
        assertThat(child.get("parentWorkflowTaskId").asString()).isEqualTo(sub.get("taskId").asString());
        assertThat(child.get("input").get("a").asString()).isEqualTo("hello");
        assertThat(child.get("input").has("subWorkflowName")).isFalse();

        report(childId, task(child, "w").get("taskId").asString(), "COMPLETED", "{\"x\":7}", null);

        JsonNode done = awaitStatus(parentId, "COMPLETED");
        assertThat(done.get("output").get("x").asInt()).isEqualTo(7);
        assertThat(task(done, "sub").get("status").asString()).isEqualTo("COMPLETED");
        assertThat(task(done, "sub").get("outputData").get("x").asInt()).isEqualTo(7);
        assertThat(workflow(childId).get("status").asString()).isEqualTo("COMPLETED");
    }

    @Test
    void aFailingChildFailsTheParentsTask() {
        String parentId = start(parentOfWaitingChild(), "{\"a\":\"hello\"}");
        String childId = awaitChildOf(parentId);

        report(childId, task(workflow(childId), "w").get("taskId").asString(), "FAILED", "{}", "boom");

        JsonNode failed = awaitStatus(parentId, "FAILED");
        JsonNode sub = task(failed, "sub");
        assertThat(sub.get("status").asString()).isEqualTo("FAILED");
        assertThat(sub.get("reasonForIncompletion").asString())
                .startsWith("sub workflow " + childId + " is FAILED: ").contains("boom");
        assertThat(failed.get("reasonForIncompletion").asString()).contains("sub workflow " + childId);
    }

    @Test
    void terminatingTheParentTerminatesItsRunningChild() {
        String parentId = start(parentOfWaitingChild(), "{\"a\":\"hello\"}");
        String childId = awaitChildOf(parentId);

        Http.Response response = http.send("DELETE", "/api/workflow/" + parentId + "?reason=enough", null, Map.of());
        assertThat(response.status()).as(response.body()).isEqualTo(200);

        JsonNode child = awaitStatus(childId, "TERMINATED");
        assertThat(child.get("reasonForIncompletion").asString()).contains(parentId);
        assertThat(workflow(parentId).get("status").asString()).isEqualTo("TERMINATED");
    }

    @Test
    void aChildThatEndsDuringItsOwnStartCompletesTheParentsTaskWithTheLatestVersion() {
        String child = name("inline_child");
        register(child, """
                [{"name":"i","taskReferenceName":"i","type":"INLINE",
                  "inputParameters":{"evaluatorType":"javascript","expression":"$.a + '!'","a":"${workflow.input.a}"}}]""",
                "{\"shout\":\"${i.output.result}\"}");
        String parent = name("parent");
        register(parent, "[{\"name\":\"sub\",\"taskReferenceName\":\"sub\",\"type\":\"SUB_WORKFLOW\","
                + "\"subWorkflowParam\":{\"name\":\"" + child + "\"},"
                + "\"inputParameters\":{\"a\":\"${workflow.input.a}\"}}]", "{\"shout\":\"${sub.output.shout}\"}");

        String parentId = start(parent, "{\"a\":\"hey\"}");

        JsonNode done = awaitStatus(parentId, "COMPLETED");
        assertThat(done.get("output").get("shout").asString()).isEqualTo("hey!");
        assertThat(task(done, "sub").get("subWorkflowId").asString()).isNotBlank();
    }

    @Test
    void aDefinitionThatStartsItselfStopsAtTheNestingLimitAndFailsEveryLevel() {
        String self = name("recursive");
        register(self, "[{\"name\":\"sub\",\"taskReferenceName\":\"sub\",\"type\":\"SUB_WORKFLOW\","
                + "\"subWorkflowParam\":{\"name\":\"" + self + "\",\"version\":1}}]", null);

        String top = start(self, "{}");

        JsonNode failed = awaitStatus(top, "FAILED");
        JsonNode deepest = failed;
        int levels = 0;
        while (task(deepest, "sub").hasNonNull("subWorkflowId")) {
            deepest = workflow(task(deepest, "sub").get("subWorkflowId").asString());
            levels++;
        }
        assertThat(levels).isEqualTo(SubWorkflows.MAX_DEPTH);
        assertThat(task(deepest, "sub").get("reasonForIncompletion").asString()).contains("nested more than");
    }

    @Test
    void aSubWorkflowWithoutARegisteredDefinitionFailsItsTask() {
        String parent = name("orphan_parent");
        String missing = name("missing");
        register(parent, "[{\"name\":\"sub\",\"taskReferenceName\":\"sub\",\"type\":\"SUB_WORKFLOW\","
                + "\"subWorkflowParam\":{\"name\":\"" + missing + "\",\"version\":3}}]", null);

        String parentId = start(parent, "{}");

        JsonNode failed = awaitStatus(parentId, "FAILED");
        assertThat(task(failed, "sub").get("reasonForIncompletion").asString())
                .contains(missing, "version 3", "not registered");
    }

    @Test
    void theSweepRunsAnHttpTaskAndADueWaitThatNobodyWasToldAbout() {
        String name = name("swept");
        String path = "/ok/" + name;
        register(name, "[" + httpTask("http", path) + "," + PLUS_ONE + "]", "{\"y\":\"${next.output.result}\"}");
        String waiting = name("swept_wait");
        register(waiting, "[{\"name\":\"w\",\"taskReferenceName\":\"w\",\"type\":\"WAIT\","
                + "\"inputParameters\":{\"duration\":\"1s\"}}]", null);
        // Stored as an instance that crashed right after storing them would leave them: nobody was told.
        long now = System.currentTimeMillis();
        Workflow withHttp = Decider.start(UUID.randomUUID().toString(), definitions.find(name, 1).orElseThrow(),
                Map.of("a", "swept"), null, now, () -> UUID.randomUUID().toString());
        Workflow withWait = Decider.start(UUID.randomUUID().toString(), definitions.find(waiting, 1).orElseThrow(),
                Map.of(), null, now - 5_000, () -> UUID.randomUUID().toString());
        store.insert(withHttp);
        store.insert(withWait);
        assertThat(workflow(withHttp.workflowId()).get("status").asString()).isEqualTo("RUNNING");

        sweep.sweep();

        assertThat(awaitStatus(withHttp.workflowId(), "COMPLETED").get("output").get("y").asInt()).isEqualTo(43);
        awaitStatus(withWait.workflowId(), "COMPLETED");
        sweep.sweep();
        assertThat(calls.get(path).get()).isEqualTo(1);
    }
}

package io.upgrader.conductor;

import com.netflix.conductor.client.automator.TaskRunnerConfigurer;
import com.netflix.conductor.client.worker.Worker;
import com.netflix.conductor.common.metadata.tasks.Task;
import com.netflix.conductor.common.metadata.tasks.TaskDef;
import com.netflix.conductor.common.metadata.tasks.TaskResult;
import com.netflix.conductor.common.metadata.workflow.StartWorkflowRequest;
import com.netflix.conductor.common.metadata.workflow.SubWorkflowParams;
import com.netflix.conductor.common.metadata.workflow.UpgradeWorkflowRequest;
import com.netflix.conductor.common.metadata.workflow.WorkflowDef;
import com.netflix.conductor.common.metadata.workflow.WorkflowTask;
import com.netflix.conductor.common.run.Workflow;
import com.sun.net.httpserver.HttpServer;
import io.upgrader.support.EmbeddedInfrastructureTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.boot.test.web.server.LocalServerPort;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static io.upgrader.conductor.OfficialClients.definition;
import static io.upgrader.conductor.OfficialClients.simple;
import static io.upgrader.conductor.OfficialClients.start;
import static io.upgrader.conductor.OfficialClients.task;
import static io.upgrader.conductor.OfficialClients.uniqueName;
import static io.upgrader.conductor.OfficialClients.worker;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Upgrades of running executions whose running tasks sit inside containers (switch cases, fork branches,
 * loop iterations, sub-workflows), driven end to end through the official Conductor and Orkes clients with
 * real SDK workers; and one workflow using every task type the runtime runs.
 *
 * <p>The SDK's workflow-as-code ({@code com.netflix.conductor.sdk.workflow.def.ConductorWorkflow}) lives in
 * the separate {@code org.conductoross:java-sdk} artifact, which is not a dependency of this project (it is not
 * in conductor-client 4.0.1 nor orkes-conductor-client 4.0.1): definitions are therefore built from the
 * client's model classes ({@link WorkflowDef}, {@link WorkflowTask}) and registered with the MetadataClient,
 * and executions are started with the WorkflowClient.
 */
@EmbeddedInfrastructureTest
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)   // (a) to (d), then the sub-workflow, then every type
class NestedUpgradeIT {

    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final String LOOP_CONDITION = "if ($.loop['iteration'] < 3) { true; } else { false; }";

    @LocalServerPort
    int port;

    OfficialClients conductor;
    final List<TaskRunnerConfigurer> runners = new ArrayList<>();
    final List<Gate> gates = new ArrayList<>();

    @BeforeEach
    void connect() {
        conductor = new OfficialClients(port);
    }

    @AfterEach
    void stopWorkers() {
        gates.forEach(Gate::open);   // no worker thread stays blocked past its test
        runners.forEach(TaskRunnerConfigurer::shutdown);
    }

    /** (a) The running task sits in a switch case that only the target has. */
    @Test
    @Order(1)
    void aTaskMovedIntoANewSwitchCaseContinuesWithTheSwitchAndTheTaskBeforeItSkipped() {
        String name = uniqueName("nested_switch");
        String workType = uniqueName("work");
        String prepType = uniqueName("prep");
        String afterType = uniqueName("after");
        registerTypes(workType, prepType, afterType);
        conductor.metadata.registerWorkflowDef(definition(name, 1,
                simple(workType, "work", Map.of("who", "${workflow.input.who}"))));
        WorkflowDef v2 = definition(name, 2,
                switchTask("s", "value-param", "route", Map.of("route", "${workflow.input.route}"),
                        Map.of("x", List.of(simple(prepType, "prep", Map.of()),
                                simple(workType, "work", Map.of("who", "${workflow.input.who}")))),
                        List.of()),
                simple(afterType, "after", Map.of("token", "${prep.output.token}",
                        "greeting", "${work.output.greeting}")));
        v2.setOutputParameters(Map.of("token", "${after.output.token}", "greeting", "${after.output.greeting}"));
        conductor.metadata.registerWorkflowDef(v2);

        Gate work = gate();
        runWorkers(worker(workType, task -> {
            work.pass();
            return Map.of("greeting", "hello " + task.getInputData().get("who"));
        }), worker(afterType, task -> new LinkedHashMap<>(task.getInputData())));
        String workflowId = conductor.workflows.startWorkflow(start(name, 1, Map.of("who", "ada")));
        Task running = awaitTask(workflowId, "work", Task.Status.IN_PROGRESS);

        upgrade(workflowId, name, 2, Map.of("prep", Map.of("token", "given at upgrade")), Map.of("route", "x"));
        Workflow upgraded = conductor.workflows.getWorkflow(workflowId, true);
        Task s = task(upgraded, "s");
        assertThat(s.getStatus()).isEqualTo(Task.Status.SKIPPED);
        assertThat(s.getOutputData()).containsEntry("selectedCase", "x");
        Task prep = task(upgraded, "prep");
        assertThat(prep.getStatus()).isEqualTo(Task.Status.SKIPPED);
        assertThat(prep.getOutputData()).containsEntry("token", "given at upgrade");
        Task kept = task(upgraded, "work");
        assertThat(kept.getTaskId()).isEqualTo(running.getTaskId());
        assertThat(kept.getStatus()).isEqualTo(Task.Status.IN_PROGRESS);
        assertThat(upgraded.getStatus()).isEqualTo(Workflow.WorkflowStatus.RUNNING);

        work.open();
        Workflow done = awaitEnd(workflowId);
        assertThat(done.getStatus()).isEqualTo(Workflow.WorkflowStatus.COMPLETED);
        assertThat(done.getWorkflowVersion()).isEqualTo(2);
        Task after = task(done, "after");
        assertThat(after.getStatus()).isEqualTo(Task.Status.COMPLETED);
        assertThat(after.getInputData()).containsEntry("token", "given at upgrade")
                .containsEntry("greeting", "hello ada");
        assertThat(done.getOutput()).containsEntry("token", "given at upgrade")
                .containsEntry("greeting", "hello ada");
    }

    /** (b) The running task is in branch 1; the target adds a third branch, which runs, and joins on it. */
    @Test
    @Order(2)
    void aForkBranchAddedByTheTargetRunsAndTheJoinWaitsForIt() {
        String name = uniqueName("nested_fork_branch");
        String firstType = uniqueName("first");
        String secondType = uniqueName("second");
        String thirdType = uniqueName("third");
        registerTypes(firstType, secondType, thirdType);
        conductor.metadata.registerWorkflowDef(definition(name, 1,
                fork("f", List.of(simple(firstType, "b1", Map.of())), List.of(simple(secondType, "b2", Map.of()))),
                join("j", "b1", "b2")));
        WorkflowDef v2 = definition(name, 2,
                fork("f", List.of(simple(firstType, "b1", Map.of())), List.of(simple(secondType, "b2", Map.of())),
                        List.of(simple(thirdType, "b3", Map.of("from", "${workflow.input.from}")))),
                join("j", "b1", "b2", "b3"));
        v2.setOutputParameters(Map.of("first", "${b1.output.value}", "third", "${b3.output.value}"));
        conductor.metadata.registerWorkflowDef(v2);

        Gate first = gate();
        Gate third = gate();
        runWorkers(worker(firstType, task -> {
            first.pass();
            return Map.of("value", "one");
        }), worker(secondType, task -> Map.of("value", "two")), worker(thirdType, task -> {
            third.pass();
            return Map.of("value", "three from " + task.getInputData().get("from"));
        }));
        String workflowId = conductor.workflows.startWorkflow(start(name, 1, Map.of()));
        awaitTask(workflowId, "b1", Task.Status.IN_PROGRESS);
        awaitTask(workflowId, "b2", Task.Status.COMPLETED);

        upgrade(workflowId, name, 2, Map.of(), Map.of("from", "upgrade"));
        Task b3 = awaitTask(workflowId, "b3", Task.Status.IN_PROGRESS);
        assertThat(b3.getTaskType()).isEqualTo(thirdType);
        assertThat(b3.getInputData()).containsEntry("from", "upgrade");
        assertThat(task(conductor.workflows.getWorkflow(workflowId, true), "j").getStatus())
                .isEqualTo(Task.Status.IN_PROGRESS);

        first.open();
        awaitTask(workflowId, "b1", Task.Status.COMPLETED);
        Workflow waiting = conductor.workflows.getWorkflow(workflowId, true);
        assertThat(waiting.getStatus()).isEqualTo(Workflow.WorkflowStatus.RUNNING);
        assertThat(task(waiting, "j").getStatus()).as("the JOIN waits for the new branch")
                .isEqualTo(Task.Status.IN_PROGRESS);

        third.open();
        Workflow done = awaitEnd(workflowId);
        assertThat(done.getStatus()).isEqualTo(Workflow.WorkflowStatus.COMPLETED);
        assertThat(done.getWorkflowVersion()).isEqualTo(2);
        Task b3Done = task(done, "b3");
        assertThat(b3Done.getStatus()).isEqualTo(Task.Status.COMPLETED);
        assertThat(b3Done.getWorkerId()).isNotBlank();
        assertThat(task(done, "j").getOutputData()).containsKeys("b1", "b2", "b3");
        assertThat(done.getOutput()).containsEntry("first", "one").containsEntry("third", "three from upgrade");
    }

    /** (c) Tasks run in both branches at once; the target adds a task before each and one after the JOIN. */
    @Test
    @Order(3)
    void tasksRunningInBothBranchesAreUpgradedTogether() {
        String name = uniqueName("nested_fork_both");
        String leftType = uniqueName("left");
        String rightType = uniqueName("right");
        String preType = uniqueName("pre");
        String afterType = uniqueName("after");
        registerTypes(leftType, rightType, preType, afterType);
        conductor.metadata.registerWorkflowDef(definition(name, 1,
                fork("f", List.of(simple(leftType, "left", Map.of())), List.of(simple(rightType, "right", Map.of()))),
                join("j", "left", "right")));
        WorkflowDef v2 = definition(name, 2,
                fork("f", List.of(simple(preType, "pre_left", Map.of()), simple(leftType, "left", Map.of())),
                        List.of(simple(preType, "pre_right", Map.of()), simple(rightType, "right", Map.of()))),
                join("j", "left", "right"),
                simple(afterType, "after", Map.of("l", "${pre_left.output.l}", "r", "${pre_right.output.r}",
                        "left", "${left.output.value}", "right", "${right.output.value}")));
        v2.setOutputParameters(Map.of("after", "${after.output}"));
        conductor.metadata.registerWorkflowDef(v2);

        Gate left = gate();
        Gate right = gate();
        runWorkers(worker(leftType, task -> {
            left.pass();
            return Map.of("value", "L done");
        }), worker(rightType, task -> {
            right.pass();
            return Map.of("value", "R done");
        }), worker(afterType, task -> new LinkedHashMap<>(task.getInputData())));
        String workflowId = conductor.workflows.startWorkflow(start(name, 1, Map.of()));
        String leftId = awaitTask(workflowId, "left", Task.Status.IN_PROGRESS).getTaskId();
        String rightId = awaitTask(workflowId, "right", Task.Status.IN_PROGRESS).getTaskId();

        upgrade(workflowId, name, 2, Map.of("pre_left", Map.of("l", "given left"),
                "pre_right", Map.of("r", "given right")), Map.of());
        Workflow upgraded = conductor.workflows.getWorkflow(workflowId, true);
        assertThat(task(upgraded, "pre_left").getStatus()).isEqualTo(Task.Status.SKIPPED);
        assertThat(task(upgraded, "pre_left").getOutputData()).containsEntry("l", "given left");
        assertThat(task(upgraded, "pre_right").getStatus()).isEqualTo(Task.Status.SKIPPED);
        assertThat(task(upgraded, "pre_right").getOutputData()).containsEntry("r", "given right");
        assertThat(task(upgraded, "left").getTaskId()).isEqualTo(leftId);
        assertThat(task(upgraded, "right").getTaskId()).isEqualTo(rightId);
        assertThat(upgraded.getTasks()).extracting(Task::getReferenceTaskName).doesNotContain("after");

        left.open();
        right.open();
        Workflow done = awaitEnd(workflowId);
        assertThat(done.getStatus()).isEqualTo(Workflow.WorkflowStatus.COMPLETED);
        assertThat(done.getWorkflowVersion()).isEqualTo(2);
        Task after = task(done, "after");
        assertThat(after.getStatus()).isEqualTo(Task.Status.COMPLETED);
        assertThat(after.getInputData()).containsEntry("l", "given left").containsEntry("r", "given right")
                .containsEntry("left", "L done").containsEntry("right", "R done");
        assertThat(done.getOutput().get("after")).isEqualTo(after.getOutputData());
    }

    /** (d) A task in iteration 2 of a loop whose body gains a task before it in the target. */
    @Test
    @Order(4)
    void aLoopBodyThatGainsATaskSkipsItInTheRunningIterationAndRunsItInTheNext() {
        String name = uniqueName("nested_loop");
        String workType = uniqueName("work");
        String newType = uniqueName("newtask");
        String afterType = uniqueName("after");
        registerTypes(workType, newType, afterType);
        conductor.metadata.registerWorkflowDef(definition(name, 1,
                loop("loop", LOOP_CONDITION, simple(workType, "work", Map.of()))));
        WorkflowDef v2 = definition(name, 2,
                loop("loop", LOOP_CONDITION, simple(newType, "newref", Map.of()),
                        simple(workType, "work", Map.of("mark", "${newref.output.mark}"))),
                simple(afterType, "after", Map.of("second", "${loop.output['2'].newref.mark}",
                        "third", "${loop.output['3'].newref.mark}", "iterations", "${loop.output.iteration}")));
        conductor.metadata.registerWorkflowDef(v2);

        Gate second = gate();
        runWorkers(worker(workType, task -> {
            if (task.getReferenceTaskName().equals("work__2")) {
                second.pass();
            }
            return Map.of("ran", task.getReferenceTaskName(), "mark", String.valueOf(task.getInputData().get("mark")));
        }), worker(newType, task -> Map.of("mark", "ran in " + task.getReferenceTaskName())),
                worker(afterType, task -> new LinkedHashMap<>(task.getInputData())));
        String workflowId = conductor.workflows.startWorkflow(start(name, 1, Map.of()));
        String runningId = awaitTask(workflowId, "work__2", Task.Status.IN_PROGRESS).getTaskId();
        assertThat(task(conductor.workflows.getWorkflow(workflowId, true), "work__1").getStatus())
                .isEqualTo(Task.Status.COMPLETED);

        upgrade(workflowId, name, 2, Map.of("newref", Map.of("mark", "given at upgrade")), Map.of());
        Workflow upgraded = conductor.workflows.getWorkflow(workflowId, true);
        Task skipped = task(upgraded, "newref__2");
        assertThat(skipped.getStatus()).isEqualTo(Task.Status.SKIPPED);
        assertThat(skipped.getIteration()).isEqualTo(2);
        assertThat(skipped.getOutputData()).containsEntry("mark", "given at upgrade");
        assertThat(task(upgraded, "work__2").getTaskId()).isEqualTo(runningId);
        assertThat(task(upgraded, "work__2").getIteration()).isEqualTo(2);
        assertThat(upgraded.getTasks()).extracting(Task::getReferenceTaskName).doesNotContain("newref__1");

        second.open();
        Workflow done = awaitEnd(workflowId);
        assertThat(done.getStatus()).isEqualTo(Workflow.WorkflowStatus.COMPLETED);
        assertThat(done.getWorkflowVersion()).isEqualTo(2);
        Task newThird = task(done, "newref__3");
        assertThat(newThird.getStatus()).isEqualTo(Task.Status.COMPLETED);
        assertThat(newThird.getWorkerId()).isNotBlank();
        assertThat(newThird.getIteration()).isEqualTo(3);
        assertThat(task(done, "work__3").getInputData()).containsEntry("mark", "ran in newref__3");
        Task loop = task(done, "loop");
        assertThat(loop.getStatus()).isEqualTo(Task.Status.COMPLETED);
        assertThat(loop.getOutputData()).containsEntry("iteration", 3);
        assertThat(done.getTasks()).extracting(Task::getReferenceTaskName)
                .doesNotContain("work__4", "newref__4", "newref__1");
        assertThat(task(done, "after").getInputData()).containsEntry("second", "given at upgrade")
                .containsEntry("third", "ran in newref__3").containsEntry("iterations", 3);
    }

    /** (e) A running SUB_WORKFLOW keeps its child, which stays on its own version. */
    @Test
    @Order(5)
    void aRunningSubWorkflowKeepsItsChildAcrossTheParentsUpgrade() {
        String parent = uniqueName("nested_parent");
        String child = uniqueName("nested_child");
        String childType = uniqueName("child_work");
        String preType = uniqueName("pre");
        String postType = uniqueName("post");
        registerTypes(childType, preType, postType);
        WorkflowDef childV1 = definition(child, 1, simple(childType, "child_work", Map.of()));
        childV1.setOutputParameters(Map.of("answer", "${child_work.output.answer}"));
        conductor.metadata.registerWorkflowDef(childV1);
        conductor.metadata.registerWorkflowDef(definition(parent, 1, subWorkflow("sub", child, 1)));
        WorkflowDef parentV2 = definition(parent, 2,
                simple(preType, "pre", Map.of()),
                subWorkflow("sub", child, 1),
                simple(postType, "post", Map.of("prepared", "${pre.output.prepared}",
                        "answer", "${sub.output.answer}")));
        parentV2.setOutputParameters(Map.of("post", "${post.output}"));
        conductor.metadata.registerWorkflowDef(parentV2);

        Gate childWork = gate();
        runWorkers(worker(childType, task -> {
            childWork.pass();
            return Map.of("answer", 42);
        }), worker(postType, task -> new LinkedHashMap<>(task.getInputData())));
        String workflowId = conductor.workflows.startWorkflow(start(parent, 1, Map.of()));
        Task sub = await().atMost(PATIENCE).alias("the SUB_WORKFLOW task has started its child")
                .until(() -> find(conductor.workflows.getWorkflow(workflowId, true), "sub"),
                        t -> t != null && t.getSubWorkflowId() != null && t.getStatus() == Task.Status.IN_PROGRESS);
        String childId = sub.getSubWorkflowId();
        awaitTask(childId, "child_work", Task.Status.IN_PROGRESS);

        upgrade(workflowId, parent, 2, Map.of("pre", Map.of("prepared", "by upgrade")), Map.of());
        Workflow upgraded = conductor.workflows.getWorkflow(workflowId, true);
        assertThat(task(upgraded, "pre").getStatus()).isEqualTo(Task.Status.SKIPPED);
        assertThat(task(upgraded, "sub").getTaskId()).isEqualTo(sub.getTaskId());
        assertThat(task(upgraded, "sub").getSubWorkflowId()).isEqualTo(childId);
        Workflow childNow = conductor.workflows.getWorkflow(childId, true);
        assertThat(childNow.getWorkflowVersion()).isEqualTo(1);
        assertThat(childNow.getStatus()).isEqualTo(Workflow.WorkflowStatus.RUNNING);

        childWork.open();
        Workflow done = awaitEnd(workflowId);
        assertThat(done.getStatus()).isEqualTo(Workflow.WorkflowStatus.COMPLETED);
        assertThat(done.getWorkflowVersion()).isEqualTo(2);
        assertThat(task(done, "sub").getStatus()).isEqualTo(Task.Status.COMPLETED);
        assertThat(task(done, "sub").getOutputData()).containsEntry("answer", 42);
        Workflow childDone = conductor.workflows.getWorkflow(childId, false);
        assertThat(childDone.getStatus()).isEqualTo(Workflow.WorkflowStatus.COMPLETED);
        assertThat(childDone.getWorkflowVersion()).isEqualTo(1);
        assertThat(task(done, "post").getInputData()).containsEntry("prepared", "by upgrade")
                .containsEntry("answer", 42);
    }

    /** Every task type the runtime runs, in one workflow, through the clients to completion. */
    @Test
    @Order(6)
    void aWorkflowUsingEveryTaskTypeRunsToCompletion() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/echo", exchange -> {
            byte[] body = ("{\"query\":\"" + exchange.getRequestURI().getQuery() + "\",\"method\":\""
                    + exchange.getRequestMethod() + "\"}").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        try {
            runEveryType(server.getAddress().getPort());
        } finally {
            server.stop(0);
        }
    }

    private void runEveryType(int httpPort) {
        String name = uniqueName("every_type");
        String child = uniqueName("every_type_child");
        String leftType = uniqueName("left");
        registerTypes(leftType);
        WorkflowDef childDef = definition(child, 1, inline("child_inline", "$.x + '!'",
                Map.of("x", "${workflow.input.x}")));
        childDef.setOutputParameters(Map.of("shout", "${child_inline.output.result}"));
        conductor.metadata.registerWorkflowDef(childDef);

        WorkflowTask decision = new WorkflowTask();
        decision.setName("decide");
        decision.setTaskReferenceName("decide");
        decision.setType("DECISION");
        decision.setCaseValueParam("flag");
        decision.setInputParameters(Map.of("flag", "${workflow.input.kind}"));
        decision.setDecisionCases(Map.of("fast", List.of(OfficialClients.waitTask("hold"))));
        decision.setDefaultCase(List.of(inline("decide_default", "'never'", Map.of())));

        Map<String, Object> httpRequest = Map.of("uri", "http://127.0.0.1:" + httpPort + "/echo?from=${workflow.input.kind}",
                "method", "GET", "connectionTimeOut", 2000, "readTimeOut", 2000);
        WorkflowTask http = OfficialClients.task("HTTP", "call", "call", Map.of("http_request", httpRequest));

        WorkflowDef def = definition(name, 1,
                inline("double", "$.n * 2", Map.of("n", "${workflow.input.n}")),
                switchTask("route_js", "javascript", "$.kind == 'fast' ? 'quick' : 'slow'",
                        Map.of("kind", "${workflow.input.kind}"),
                        Map.of("quick", List.of(OfficialClients.task("JSON_JQ_TRANSFORM", "sum", "sum",
                                Map.of("items", "${workflow.input.items}", "queryExpression", ".items | add")))),
                        List.of(inline("js_default", "'never'", Map.of()))),
                decision,
                loop("loop", LOOP_CONDITION, inline("count", "$.i", Map.of("i", "${loop.output.iteration}"))),
                fork("f", List.of(simple(leftType, "left", Map.of("sum", "${sum.output.result}"))),
                        List.of(subWorkflow("child", child, 1))),
                join("j", "left", "child"),
                switchTask("route_vp", "value-param", "kind", Map.of("kind", "${workflow.input.kind}"),
                        Map.of("fast", List.of(http)), List.of()));
        // SUB_WORKFLOW input: what the child receives as its workflow input.
        task(def, "child").setInputParameters(Map.of("x", "${hold.output.note}"));
        def.setOutputParameters(Map.ofEntries(
                Map.entry("double", "${double.output.result}"),
                Map.entry("sum", "${sum.output.result}"),
                Map.entry("held", "${hold.output.note}"),
                Map.entry("loops", "${loop.output.iteration}"),
                Map.entry("lastCount", "${count.output.result}"),
                Map.entry("left", "${left.output.value}"),
                Map.entry("child", "${child.output.shout}"),
                Map.entry("http", "${call.output.response.body}"),
                Map.entry("status", "${call.output.response.statusCode}")));
        conductor.metadata.registerWorkflowDef(def);

        runWorkers(worker(leftType, task -> Map.of("value", "left saw " + task.getInputData().get("sum"))));
        String workflowId = conductor.workflows.startWorkflow(start(name, 1,
                Map.of("n", 21, "kind", "fast", "items", List.of(1, 2, 3))));

        Task hold = awaitTask(workflowId, "hold", Task.Status.IN_PROGRESS);
        Workflow atWait = conductor.workflows.getWorkflow(workflowId, true);
        assertThat(task(atWait, "double").getOutputData()).containsEntry("result", 42);
        assertThat(task(atWait, "route_js").getOutputData()).containsEntry("selectedCase", "quick");
        assertThat(task(atWait, "sum").getOutputData()).containsEntry("result", 6);
        assertThat(task(atWait, "decide").getOutputData()).containsEntry("selectedCase", "fast");
        assertThat(task(atWait, "decide").getTaskType()).isEqualTo("DECISION");
        conductor.tasks.updateTask(result(workflowId, hold.getTaskId(), Map.of("note", "released")));

        Workflow done = awaitEnd(workflowId);
        assertThat(done.getStatus()).as("reason: %s", done.getReasonForIncompletion())
                .isEqualTo(Workflow.WorkflowStatus.COMPLETED);
        assertThat(done.getTasks()).extracting(Task::getReferenceTaskName)
                .contains("count__1", "count__2", "count__3").doesNotContain("js_default", "decide_default");
        assertThat(task(done, "child").getSubWorkflowId()).isNotBlank();
        assertThat(task(done, "call").getStatus()).isEqualTo(Task.Status.COMPLETED);
        assertThat(done.getOutput())
                .containsEntry("double", 42)
                .containsEntry("sum", 6)
                .containsEntry("held", "released")
                .containsEntry("loops", 3)
                .containsEntry("lastCount", 3)
                .containsEntry("left", "left saw 6")
                .containsEntry("child", "released!")
                .containsEntry("status", 200)
                .containsEntry("http", Map.of("query", "from=fast", "method", "GET"));
    }

    // ---- definitions, from the client's model classes -------------------------------------------------------

    private static WorkflowTask switchTask(String ref, String evaluator, String expression, Map<String, Object> input,
                                           Map<String, List<WorkflowTask>> cases, List<WorkflowTask> defaultCase) {
        WorkflowTask task = OfficialClients.task("SWITCH", ref, ref, input);
        task.setEvaluatorType(evaluator);
        task.setExpression(expression);
        task.setDecisionCases(cases);
        task.setDefaultCase(defaultCase);
        return task;
    }

    @SafeVarargs
    private static WorkflowTask fork(String ref, List<WorkflowTask>... branches) {
        WorkflowTask task = OfficialClients.task("FORK_JOIN", ref, ref, Map.of());
        task.setForkTasks(Arrays.asList(branches));
        return task;
    }

    private static WorkflowTask join(String ref, String... joinOn) {
        WorkflowTask task = OfficialClients.task("JOIN", ref, ref, Map.of());
        task.setJoinOn(List.of(joinOn));
        return task;
    }

    private static WorkflowTask loop(String ref, String condition, WorkflowTask... body) {
        WorkflowTask task = OfficialClients.task("DO_WHILE", ref, ref, Map.of());
        task.setLoopCondition(condition);
        task.setLoopOver(List.of(body));
        return task;
    }

    private static WorkflowTask subWorkflow(String ref, String name, int version) {
        WorkflowTask task = OfficialClients.task("SUB_WORKFLOW", ref, ref, Map.of());
        SubWorkflowParams params = new SubWorkflowParams();
        params.setName(name);
        params.setVersion(version);
        task.setSubWorkflowParam(params);
        return task;
    }

    private static WorkflowTask inline(String ref, String expression, Map<String, Object> input) {
        Map<String, Object> parameters = new LinkedHashMap<>(input);
        parameters.put("evaluatorType", "javascript");
        parameters.put("expression", expression);
        return OfficialClients.task("INLINE", ref, ref, parameters);
    }

    private static WorkflowTask task(WorkflowDef def, String ref) {
        return def.getTasks().stream().flatMap(t -> t.collectTasks().stream())
                .filter(t -> ref.equals(t.getTaskReferenceName())).findFirst().orElseThrow();
    }

    // ---- clients, workers, waiting ---------------------------------------------------------------------------

    private void registerTypes(String... types) {
        conductor.metadata.registerTaskDefs(Arrays.stream(types).map(TaskDef::new).toList());
    }

    private void upgrade(String workflowId, String name, int version, Map<String, Object> taskOutput,
                         Map<String, Object> workflowInput) {
        UpgradeWorkflowRequest upgrade = new UpgradeWorkflowRequest();
        upgrade.setName(name);
        upgrade.setVersion(version);
        upgrade.setTaskOutput(taskOutput);
        upgrade.setWorkflowInput(workflowInput);
        conductor.orkesWorkflows.upgradeRunningWorkflow(workflowId, upgrade);
        await().atMost(PATIENCE).alias("workflow " + workflowId + " on version " + version)
                .until(() -> conductor.workflows.getWorkflow(workflowId, false).getWorkflowVersion() == version);
    }

    private Task awaitTask(String workflowId, String ref, Task.Status status) {
        return await().atMost(PATIENCE).alias(ref + " " + status + " in " + workflowId)
                .until(() -> find(conductor.workflows.getWorkflow(workflowId, true), ref),
                        t -> t != null && t.getStatus() == status);
    }

    private Workflow awaitEnd(String workflowId) {
        return await().atMost(PATIENCE).alias("workflow " + workflowId + " ends")
                .until(() -> conductor.workflows.getWorkflow(workflowId, true), w -> w.getStatus().isTerminal());
    }

    private void runWorkers(Worker... workers) {
        TaskRunnerConfigurer runner = new TaskRunnerConfigurer.Builder(conductor.tasks, List.of(workers))
                .withThreadCount(2).withTaskPollTimeout(100).build();
        runner.init();
        runners.add(runner);
    }

    private Gate gate() {
        Gate gate = new Gate();
        gates.add(gate);
        return gate;
    }

    /** Holds a worker inside its task (the task stays IN_PROGRESS) until the test opens it. */
    static final class Gate {
        private final CountDownLatch latch = new CountDownLatch(1);

        void open() {
            latch.countDown();
        }

        void pass() {
            await().atMost(PATIENCE).until(() -> latch.await(100, TimeUnit.MILLISECONDS));
        }
    }

    private static TaskResult result(String workflowId, String taskId, Map<String, Object> output) {
        TaskResult result = new TaskResult();
        result.setWorkflowInstanceId(workflowId);
        result.setTaskId(taskId);
        result.setStatus(TaskResult.Status.COMPLETED);
        result.setOutputData(output);
        return result;
    }

    private static Task find(Workflow workflow, String ref) {
        return workflow.getTasks().stream().filter(t -> ref.equals(t.getReferenceTaskName())).findFirst()
                .orElse(null);
    }

    private static Task task(Workflow workflow, String ref) {
        Task found = find(workflow, ref);
        if (found == null) {
            throw new AssertionError("no task " + ref + " in " + workflow.getTasks().stream()
                    .map(t -> t.getReferenceTaskName() + ":" + t.getStatus()).toList());
        }
        return found;
    }
}

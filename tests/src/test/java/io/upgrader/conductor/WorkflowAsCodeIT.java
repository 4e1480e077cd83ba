package io.upgrader.conductor;

import com.netflix.conductor.client.automator.TaskRunnerConfigurer;
import com.netflix.conductor.client.worker.Worker;
import com.netflix.conductor.common.metadata.tasks.Task;
import com.netflix.conductor.common.metadata.tasks.TaskResult;
import com.netflix.conductor.common.metadata.workflow.UpgradeWorkflowRequest;
import com.netflix.conductor.common.run.Workflow;
import com.netflix.conductor.sdk.workflow.def.ConductorWorkflow;
import com.netflix.conductor.sdk.workflow.def.tasks.DoWhile;
import com.netflix.conductor.sdk.workflow.def.tasks.ForkJoin;
import com.netflix.conductor.sdk.workflow.def.tasks.Http;
import com.netflix.conductor.sdk.workflow.def.tasks.JQ;
import com.netflix.conductor.sdk.workflow.def.tasks.Javascript;
import com.netflix.conductor.sdk.workflow.def.tasks.SimpleTask;
import com.netflix.conductor.sdk.workflow.def.tasks.SubWorkflow;
import com.netflix.conductor.sdk.workflow.def.tasks.Switch;
import com.netflix.conductor.sdk.workflow.executor.WorkflowExecutor;
import com.sun.net.httpserver.HttpServer;
import io.upgrader.support.EmbeddedInfrastructureTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.upgrader.conductor.OfficialClients.start;
import static io.upgrader.conductor.OfficialClients.task;
import static io.upgrader.conductor.OfficialClients.uniqueName;
import static io.upgrader.conductor.OfficialClients.worker;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The official workflow-as-code builder (org.conductoross:java-sdk: {@link ConductorWorkflow} with its Switch,
 * ForkJoin, DoWhile, SubWorkflow, Javascript, JQ and Http tasks), registered and run through its
 * {@link WorkflowExecutor}, unchanged; and an execution it started upgraded into a fork.
 */
@EmbeddedInfrastructureTest
class WorkflowAsCodeIT {

    private static final Duration PATIENCE = Duration.ofSeconds(60);

    @LocalServerPort
    int port;

    OfficialClients conductor;
    WorkflowExecutor executor;
    HttpServer server;
    final AtomicInteger httpCalls = new AtomicInteger();
    TaskRunnerConfigurer runner;

    @BeforeEach
    void setUp() throws IOException {
        conductor = new OfficialClients(port);
        executor = new WorkflowExecutor(conductor.tasks, conductor.workflows, conductor.metadata, 100);
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/price", exchange -> {
            httpCalls.incrementAndGet();
            byte[] body = "{\"price\": 40}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void tearDown() {
        if (runner != null) {
            runner.shutdown();
        }
        executor.shutdown();
        server.stop(0);
    }

    private void startWorkers(Worker... workers) {
        runner = new TaskRunnerConfigurer.Builder(conductor.tasks, List.of(workers)).withThreadCount(workers.length)
                .withSleepWhenRetry(50).build();
        runner.init();
    }

    @Test
    void aWorkflowWrittenAsCodeWithEveryNestedTypeRegistersAndRunsToCompletion() throws Exception {
        String childTask = uniqueName("child_work");
        ConductorWorkflow<Map<String, Object>> child = new ConductorWorkflow<>(executor);
        child.setName(uniqueName("child"));
        child.setVersion(1);
        child.add(new SimpleTask(childTask, "child_work").input("n", "${workflow.input.n}"));
        child.setWorkflowOutput(Map.of("seen", "${child_work.output.seen}"));
        assertThat(child.registerWorkflow(true, true)).isTrue();

        ConductorWorkflow<Map<String, Object>> workflow = new ConductorWorkflow<>(executor);
        workflow.setName(uniqueName("as_code"));
        workflow.setVersion(1);
        workflow.add(new Javascript("double", "$.n * 2").input("n", "${workflow.input.n}"));
        workflow.add(new Switch("size", "${workflow.input.kind}")
                .switchCase("big", new JQ("summary", "{total: (.amount + 1)}").input("amount", "${double.output.result}"))
                .defaultCase(new Javascript("small", "'small'")));
        workflow.add(new ForkJoin("fork",
                new com.netflix.conductor.sdk.workflow.def.tasks.Task<?>[]{
                        new Http("price").url("http://127.0.0.1:" + server.getAddress().getPort() + "/price")},
                new com.netflix.conductor.sdk.workflow.def.tasks.Task<?>[]{
                        new DoWhile("loop", 3, new Javascript("tick", "$.i * 10").input("i", "${loop.output.iteration}"))}));
        workflow.add(new SubWorkflow("sub", child.getName(), 1).input("n", "${double.output.result}"));
        workflow.setWorkflowOutput(Map.of("total", "${summary.output.result.total}",
                "price", "${price.output.response.body.price}", "iterations", "${loop.output.iteration}",
                "lastTick", "${tick.output.result}", "child", "${sub.output.seen}"));
        assertThat(workflow.registerWorkflow(true, true)).isTrue();
        startWorkers(worker(childTask, task -> Map.of("seen", "child saw " + task.getInputData().get("n"))));

        Workflow done = workflow.execute(Map.of("n", 21, "kind", "big")).get(PATIENCE.toSeconds(), TimeUnit.SECONDS);

        assertThat(done.getStatus()).as(done.getReasonForIncompletion()).isEqualTo(Workflow.WorkflowStatus.COMPLETED);
        assertThat(done.getOutput()).containsEntry("total", 43).containsEntry("price", 40)
                .containsEntry("iterations", 3).containsEntry("lastTick", 30)
                .containsEntry("child", "child saw 42");
        assertThat(httpCalls).hasValue(1);
        Workflow stored = conductor.workflows.getWorkflow(done.getWorkflowId(), true);
        assertThat(stored.getTasks()).extracting(Task::getReferenceTaskName)
                .contains("double", "size", "summary", "fork", "price", "loop", "tick__1", "tick__3", "sub")
                .doesNotContain("small");
    }

    @Test
    void anExecutionStartedByTheExecutorIsUpgradedIntoAForkWhoseNewBranchRuns() {
        String workTask = uniqueName("work");
        String extraTask = uniqueName("extra");
        String name = uniqueName("as_code_upgrade");
        ConductorWorkflow<Map<String, Object>> v1 = new ConductorWorkflow<>(executor);
        v1.setName(name);
        v1.setVersion(1);
        v1.add(new SimpleTask(workTask, "work"));
        assertThat(v1.registerWorkflow(true, true)).isTrue();
        ConductorWorkflow<Map<String, Object>> v2 = new ConductorWorkflow<>(executor);
        v2.setName(name);
        v2.setVersion(2);
        v2.add(new ForkJoin("fork",
                new com.netflix.conductor.sdk.workflow.def.tasks.Task<?>[]{
                        new Javascript("prep", "'prepared'"), new SimpleTask(workTask, "work")},
                new com.netflix.conductor.sdk.workflow.def.tasks.Task<?>[]{
                        new SimpleTask(extraTask, "extra").input("prep", "${prep.output.result}")}));
        v2.setWorkflowOutput(Map.of("extra", "${extra.output.got}"));
        assertThat(v2.registerWorkflow(true, true)).isTrue();

        String workflowId = executor.startWorkflow(name, 1, Map.of());
        CountDownLatch upgraded = new CountDownLatch(1);
        startWorkers(worker(workTask, task -> {
            try {
                assertThat(upgraded.await(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Map.of();
        }), worker(extraTask, task -> Map.of("got", task.getInputData().get("prep"))));
        await().atMost(PATIENCE).until(() -> conductor.workflows.getWorkflow(workflowId, true).getTasks().get(0)
                .getStatus() == Task.Status.IN_PROGRESS);

        UpgradeWorkflowRequest upgrade = new UpgradeWorkflowRequest();
        upgrade.setName(name);
        upgrade.setVersion(2);
        upgrade.setTaskOutput(Map.of("prep", Map.of("result", "given at upgrade")));
        conductor.orkesWorkflows.upgradeRunningWorkflow(workflowId, upgrade);
        await().atMost(PATIENCE).until(() -> conductor.workflows.getWorkflow(workflowId, false).getWorkflowVersion() == 2);
        upgraded.countDown();

        Workflow done = await().atMost(PATIENCE).until(() -> conductor.workflows.getWorkflow(workflowId, true),
                w -> w.getStatus().isTerminal());
        assertThat(done.getStatus()).isEqualTo(Workflow.WorkflowStatus.COMPLETED);
        assertThat(done.getWorkflowVersion()).isEqualTo(2);
        assertThat(done.getOutput()).containsEntry("extra", "given at upgrade");
        assertThat(done.getTaskByRefName("prep").getStatus()).isEqualTo(Task.Status.SKIPPED);
        assertThat(done.getTaskByRefName("fork").getStatus()).isEqualTo(Task.Status.SKIPPED);
    }
}

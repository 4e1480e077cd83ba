package io.upgrader.upgrade;

import io.upgrader.support.EmbeddedInfrastructureTest;
import io.upgrader.support.Http;
import io.upgrader.support.TopicObserver;
import io.upgrader.support.UpgradeFixture;
import io.upgrader.support.UpstreamCommand;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.kafka.autoconfigure.KafkaConnectionDetails;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.listener.MessageListenerContainer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The upgrade API beyond the reference one, end to end on the in-process Kafka broker and MongoDB-wire
 * server: dry run, waiting for the outcome, the upgrade history and taskMapping for a renamed running task.
 */
@EmbeddedInfrastructureTest
class UpgradeExtrasIT extends UpgradeFixture {

    private static final Duration PATIENCE = Duration.ofSeconds(15);
    /** The id of the service's command listener container (UpgradeCommandListener). */
    private static final String COMMAND_LISTENER = "upgrade-commands";
    private static final ExecutorService BACKGROUND = Executors.newCachedThreadPool();

    @Autowired
    JsonMapper json;
    @Autowired
    KafkaListenerEndpointRegistry listeners;


    @Override
    protected Duration patience() {
        return PATIENCE;
    }

    @BeforeEach
    void listenerRuns() {
        assertThat(commandListener().isRunning()).as("the command listener runs at the start of each test").isTrue();
    }

    @AfterEach
    void listenerRunsAgain() {
        // Whatever a test did, the shared context's consumer must run again for the next one.
        if (!commandListener().isRunning()) {
            commandListener().start();
        }
    }

    @AfterAll
    static void stopBackground() {
        BACKGROUND.shutdownNow();
    }

    // =========================================================================================================
    // 1. Dry run
    // =========================================================================================================

    @Test
    void aDryRunAnswersThePlanAndNeitherPublishesNorStoresAnything() {
        String name = registerVersions(List.of("w"), List.of("pre", "w", "post"), List.of("pre", "w3"));
        String workflowId = start(name, 1, Map.of("a", 1, "keep", "k"));
        String before = http.get("/api/workflow/" + workflowId).body();

        Http.Response upgrade = dryRun(workflowId, Map.of("name", name, "version", 2,
                "workflowInput", Map.of("a", 2, "added", "x"), "taskOutput", Map.of("pre", Map.of("k", "v"))));

        assertThat(upgrade.status()).as(upgrade.body()).isEqualTo(200);
        JsonNode plan = upgrade.json();
        assertThat(plan.path("dryRun").isBoolean()).isTrue();
        assertThat(plan.path("dryRun").asBoolean()).isTrue();
        assertThat(plan.path("outcome").asString()).isEqualTo("UPGRADE");
        assertThat(plan.path("workflowId").asString()).isEqualTo(workflowId);
        assertThat(plan.path("fromVersion").asInt()).isEqualTo(1);
        assertThat(plan.path("toVersion").asInt()).isEqualTo(2);
        assertThat(plan.path("runningTask").asString()).isEqualTo("w");
        assertThat(plan.path("skippedTasks")).isEqualTo(tree(List.of("pre")));
        assertThat(plan.path("input")).isEqualTo(tree(Map.of("a", 2, "keep", "k", "added", "x")));
        assertThat(plan.path("taskMapping")).isEqualTo(tree(Map.of()));
        assertThat(plan.has("commandId")).as("a dry run makes no command").isFalse();
        assertThat(upgrade.header("Location")).isNull();

        Http.Response noop = dryRun(workflowId, Map.of("name", name, "version", 1));
        assertThat(noop.status()).as(noop.body()).isEqualTo(200);
        assertThat(noop.json().path("dryRun").asBoolean()).isTrue();
        assertThat(noop.json().path("outcome").asString()).isEqualTo("NOOP");
        assertThat(noop.json().path("fromVersion").asInt()).isEqualTo(1);
        assertThat(noop.json().path("toVersion").asInt()).isEqualTo(1);
        assertThat(noop.json().path("runningTask").asString()).isEqualTo("w");
        assertThat(noop.json().path("skippedTasks")).isEqualTo(tree(List.of()));
        assertThat(noop.json().path("input")).isEqualTo(tree(Map.of("a", 1, "keep", "k")));

        Http.Response mapped = dryRun(workflowId, Map.of("name", name, "version", 3,
                "taskMapping", Map.of("w", "w3")));
        assertThat(mapped.status()).as(mapped.body()).isEqualTo(200);
        assertThat(mapped.json().path("outcome").asString()).isEqualTo("UPGRADE");
        assertThat(mapped.json().path("toVersion").asInt()).isEqualTo(3);
        assertThat(mapped.json().path("runningTask").asString()).isEqualTo("w3");
        assertThat(mapped.json().path("skippedTasks")).isEqualTo(tree(List.of("pre")));
        assertThat(mapped.json().path("taskMapping")).isEqualTo(tree(Map.of("w", "w3")));
        assertThat(mapped.json().path("input")).isEqualTo(tree(Map.of("a", 1, "keep", "k")));

        // Rejections: the very status and body a real request gets.
        List<Object> rejected = List.of(
                Map.of("name", name, "version", 7),                                        // unregistered
                Map.of("name", name, "version", 3),                                        // w not in v3
                Map.of("name", name, "version", 3, "taskMapping", Map.of("w", "nope")),    // bad mapping
                Map.of("name", name, "version", 2, "taskOutput", Map.of("post", Map.of())), // post not skipped
                Map.of("name", "other_" + name, "version", 2),                             // name mismatch
                "{\"name\":\"" + name + "\",\"version\":\"two\"}");                         // schema
        for (Object body : rejected) {
            Http.Response dry = dryRun(workflowId, body);
            Http.Response real = http.postJson("/api/workflow/" + workflowId + "/upgrade", body);
            assertThat(dry.status()).as("%s: %s", body, dry.body()).isEqualTo(400);
            assertError(dry, 400, "", null);
            assertThat(dry.status()).isEqualTo(real.status());
            assertThat(dry.json()).as("%s", body).isEqualTo(real.json());
        }
        assertError(dryRun(workflowId, Map.of("name", name, "version", 3)), 400, "task w is not in version 3",
                "version");
        assertError(dryRun(workflowId, Map.of("name", name, "version", 3, "taskMapping", Map.of("w", "nope"))), 400,
                "nope", "taskMapping.w");

        String terminated = start(name, 1, Map.of());
        assertThat(http.send("DELETE", "/api/workflow/" + terminated, null, Map.of()).status()).isEqualTo(200);
        Http.Response dryOnTerminated = dryRun(terminated, Map.of("name", name, "version", 2));
        Http.Response realOnTerminated = http.postJson("/api/workflow/" + terminated + "/upgrade",
                Map.of("name", name, "version", 2));
        assertError(dryOnTerminated, 409, "TERMINATED", null);
        assertThat(dryOnTerminated.json()).isEqualTo(realOnTerminated.json());
        Http.Response dryOnUnknown = dryRun("nope-" + UUID.randomUUID(), Map.of("name", name, "version", 2));
        assertError(dryOnUnknown, 400, "not found", "workflowId");

        // Nothing stored: the execution is byte for byte what it was, and no status under the dry run's id.
        assertThat(http.get("/api/workflow/" + workflowId).body()).isEqualTo(before);
        assertThat(http.get("/api/workflow/upgrades/dry-run").status()).isEqualTo(404);

        // Nothing published: a real upgrade afterwards is the only command of this workflow on the topic (same
        // key, same partition: a dry run's command would have been seen before it).
        JsonNode applied = waitFor(workflowId, Map.of("name", name, "version", 2), 10).json();
        assertThat(applied.path("status").asString()).isEqualTo("APPLIED");
        assertOnlyCommandIs(workflowId, applied.path("commandId").asString());
        assertThat(observed.commandsFor(terminated)).isEmpty();
    }

    // =========================================================================================================
    // 2. Waiting for the outcome
    // =========================================================================================================

    @Test
    void waitForSecondsOutside0To30IsA400NamingItAndNothingIsPublished() {
        String name = registerVersions(List.of("w"), List.of("pre", "w"));
        String workflowId = start(name, 1, Map.of());
        Map<String, Object> body = Map.of("name", name, "version", 2);

        for (String wait : List.of("31", "-1", "1000")) {
            Http.Response response = http.postJson("/api/workflow/" + workflowId + "/upgrade?waitForSeconds=" + wait,
                    body);
            assertError(response, 400, "waitForSeconds", "waitForSeconds");
        }
        assertUnchanged(workflowId, 1);

        // 30, the bound itself, is accepted: the outcome comes as soon as the command is applied.
        long started = System.nanoTime();
        Http.Response accepted = waitFor(workflowId, body, 30);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(15));
        assertThat(accepted.json().path("status").asString()).isEqualTo("APPLIED");
        assertOnlyCommandIs(workflowId, accepted.json().path("commandId").asString());
    }

    @Test
    void waitForSecondsAnswersWithTheAppliedStatus() {
        String name = registerVersions(List.of("w"), List.of("pre", "w"));
        String workflowId = start(name, 1, Map.of());

        Http.Response response = waitFor(workflowId, Map.of("name", name, "version", 2), 10);

        JsonNode status = response.json();
        String commandId = status.path("commandId").asString();
        assertThat(commandId).isNotBlank();
        assertThat(status.path("status").asString()).isEqualTo("APPLIED");
        assertThat(status.path("workflowId").asString()).isEqualTo(workflowId);
        assertThat(status.path("fromVersion").asInt()).isEqualTo(1);
        assertThat(status.path("toVersion").asInt()).isEqualTo(2);
        assertThat(status.path("skippedTasks")).isEqualTo(tree(List.of("pre")));
        assertThat(Instant.parse(status.path("completedAt").asString())).isAfter(Instant.now().minusSeconds(60));
        // Already applied when the answer came: no waiting needed to see it.
        JsonNode workflow = get(workflowId);
        assertThat(workflow.path("workflowVersion").asInt()).isEqualTo(2);
        assertThat(task(workflow, "pre").path("status").asString()).isEqualTo("SKIPPED");
        assertThat(workflow.path("upgradeHistory").get(0).path("commandId").asString()).isEqualTo(commandId);
        // The same final status as the status resource serves.
        assertThat(http.get("/api/workflow/upgrades/" + commandId).json()).isEqualTo(status);
    }

    @Test
    void waitForSecondsAnswersWithTheNoopStatus() {
        String name = registerVersions(List.of("w"), List.of("pre", "w"));
        String workflowId = start(name, 1, Map.of());

        Http.Response response = waitFor(workflowId, Map.of("name", name, "version", 1), 10);

        JsonNode status = response.json();
        assertThat(status.path("status").asString()).isEqualTo("NOOP");
        assertThat(status.path("toVersion").asInt()).isEqualTo(1);
        assertThat(status.path("skippedTasks")).isEqualTo(tree(List.of()));
        assertThat(status.path("completedAt").asString()).isNotBlank();
        assertThat(http.get("/api/workflow/upgrades/" + status.path("commandId").asString()).json()
                .path("status").asString()).isEqualTo("NOOP");
        assertUnchanged(workflowId, 1);
    }

    @Test
    void waitForSecondsZeroIsAccepted() {
        String name = registerVersions(List.of("w"), List.of("pre", "w"));
        String workflowId = start(name, 1, Map.of());

        Http.Response response = http.postJson("/api/workflow/" + workflowId + "/upgrade?waitForSeconds=0",
                Map.of("name", name, "version", 2));

        assertThat(response.status()).as(response.body()).isIn(200, 202);
        String commandId = response.json().path("commandId").asString();
        assertThat(awaitFinalStatus(commandId).path("status").asString()).isEqualTo("APPLIED");
    }

    @Test
    void stillPendingAtTheDeadlineIsA202WithTheLocation() {
        String name = registerVersions(List.of("w"), List.of("pre", "w"));
        String workflowId = start(name, 1, Map.of());
        MessageListenerContainer consumer = commandListener();

        Http.Response response;
        long elapsedMillis;
        consumer.stop();
        try {
            long started = System.nanoTime();
            response = http.postJson("/api/workflow/" + workflowId + "/upgrade?waitForSeconds=1",
                    Map.of("name", name, "version", 2));
            elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            // Nothing could apply it meanwhile.
            assertUnchanged(workflowId, 1);
        } finally {
            consumer.start();
        }

        assertThat(response.status()).as(response.body()).isEqualTo(202);
        JsonNode body = response.json();
        String commandId = body.path("commandId").asString();
        assertThat(commandId).isNotBlank();
        assertThat(body.path("status").asString()).isEqualTo("ACCEPTED");
        assertThat(body.path("workflowId").asString()).isEqualTo(workflowId);
        assertThat(body.path("fromVersion").asInt()).isEqualTo(1);
        assertThat(body.path("toVersion").asInt()).isEqualTo(2);
        assertThat(response.header("Location")).isEqualTo("/api/workflow/upgrades/" + commandId);
        assertThat(elapsedMillis).as("it waited the second it was given").isBetween(950L, 10_000L);
        // The command was on the topic all along: once the consumer runs again, it is applied.
        JsonNode status = awaitFinalStatus(commandId);
        assertThat(status.path("status").asString()).isEqualTo("APPLIED");
        assertThat(get(workflowId).path("workflowVersion").asInt()).isEqualTo(2);
    }

    @Test
    void rejectedByTheConsumerIsTheRejections400() throws Exception {
        // v1 -> v3 with output for pre is fine while the execution runs v1 (pre is skipped); once the earlier
        // command moved it to v2 (pre SKIPPED there), the same request no longer fits: the consumer rejects it.
        String name = registerVersions(List.of("w"), List.of("pre", "w"), List.of("pre", "w"));
        String workflowId = start(name, 1, Map.of());
        MessageListenerContainer consumer = commandListener();

        CompletableFuture<Http.Response> waiting;
        consumer.stop();
        try {
            Http.Response first = http.postJson("/api/workflow/" + workflowId + "/upgrade",
                    Map.of("name", name, "version", 2));
            assertThat(first.status()).as(first.body()).isEqualTo(200);
            waiting = CompletableFuture.supplyAsync(() -> http.postJson("/api/workflow/" + workflowId
                    + "/upgrade?waitForSeconds=20", Map.of("name", name, "version", 3,
                    "taskOutput", Map.of("pre", Map.of("k", "v")))), BACKGROUND);
            // Published means its HTTP check passed; only then may the consumer run.
            await().atMost(PATIENCE).until(() -> observed.commandsFor(workflowId).size() == 2 || waiting.isDone());
            assertThat(waiting.isDone()).as("the second request is still waiting").isFalse();
        } finally {
            consumer.start();
        }

        Http.Response response = waiting.get(30, TimeUnit.SECONDS);
        assertError(response, 400, "pre", null);
        assertThat(response.json().path("message").asString()).contains("taskOutput");
        String secondId = json.readTree(observed.commandsFor(workflowId).get(1).value()).path("commandId").asString();
        JsonNode status = http.get("/api/workflow/upgrades/" + secondId).json();
        assertThat(status.path("status").asString()).isEqualTo("REJECTED");
        assertThat(status.path("rejection").asString()).isEqualTo("UNEXPECTED_TASK_OUTPUT");
        assertThat(response.json().path("message").asString()).isEqualTo(status.path("reason").asString());
        assertThat(get(workflowId).path("workflowVersion").asInt()).isEqualTo(2);
    }

    @Test
    void rejectedByTheConsumerForItsStatusIsA409() throws Exception {
        String name = registerVersions(List.of("w"), List.of("pre", "w"));
        String workflowId = start(name, 1, Map.of());
        MessageListenerContainer consumer = commandListener();

        CompletableFuture<Http.Response> waiting;
        consumer.stop();
        try {
            waiting = CompletableFuture.supplyAsync(() -> http.postJson("/api/workflow/" + workflowId
                    + "/upgrade?waitForSeconds=20", Map.of("name", name, "version", 2)), BACKGROUND);
            await().atMost(PATIENCE).until(() -> observed.commandsFor(workflowId).size() == 1 || waiting.isDone());
            assertThat(waiting.isDone()).as("the request is still waiting").isFalse();
            // Terminated between the request's check and the consumer's apply.
            assertThat(http.send("DELETE", "/api/workflow/" + workflowId, null, Map.of()).status()).isEqualTo(200);
        } finally {
            consumer.start();
        }

        Http.Response response = waiting.get(30, TimeUnit.SECONDS);
        assertError(response, 409, "TERMINATED", null);
        String commandId = json.readTree(observed.commandsFor(workflowId).get(0).value()).path("commandId").asString();
        JsonNode status = http.get("/api/workflow/upgrades/" + commandId).json();
        assertThat(status.path("status").asString()).isEqualTo("REJECTED");
        assertThat(status.path("rejection").asString()).isEqualTo("NOT_UPGRADABLE_STATUS");
    }

    // =========================================================================================================
    // 3. History
    // =========================================================================================================

    @Test
    void theHistoryListsTheAppliedUpgradesNewestFirst() {
        String name = registerVersions(List.of("w"), List.of("pre", "w"), List.of("pre", "mid", "w"));
        String workflowId = start(name, 1, Map.of());
        Http.Response none = http.get("/api/workflow/" + workflowId + "/upgrades");
        assertThat(none.status()).as(none.body()).isEqualTo(200);
        assertThat(none.json().isArray()).isTrue();
        assertThat(none.json()).isEmpty();

        String first = waitFor(workflowId, Map.of("name", name, "version", 2), 10).json().path("commandId").asString();
        String second = waitFor(workflowId, Map.of("name", name, "version", 3), 10).json().path("commandId")
                .asString();
        // A NOOP changes nothing, so it is no entry.
        assertThat(waitFor(workflowId, Map.of("name", name, "version", 3), 10).json().path("status").asString())
                .isEqualTo("NOOP");

        Http.Response response = http.get("/api/workflow/" + workflowId + "/upgrades");

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        JsonNode history = response.json();
        assertThat(history).hasSize(2);
        JsonNode newest = history.get(0);
        assertThat(newest.path("commandId").asString()).isEqualTo(second);
        assertThat(newest.path("fromVersion").asInt()).isEqualTo(2);
        assertThat(newest.path("toVersion").asInt()).isEqualTo(3);
        assertThat(newest.path("skippedTasks")).isEqualTo(tree(List.of("mid")));
        assertThat(newest.path("requestedBy").asString()).isEqualTo("api-token");
        JsonNode oldest = history.get(1);
        assertThat(oldest.path("commandId").asString()).isEqualTo(first);
        assertThat(oldest.path("fromVersion").asInt()).isEqualTo(1);
        assertThat(oldest.path("toVersion").asInt()).isEqualTo(2);
        assertThat(oldest.path("skippedTasks")).isEqualTo(tree(List.of("pre")));
        assertThat(oldest.path("requestedBy").asString()).isEqualTo("api-token");
        assertThat(Instant.parse(newest.path("appliedAt").asString()))
                .isAfterOrEqualTo(Instant.parse(oldest.path("appliedAt").asString()));
        // The execution's own upgradeHistory (oldest first), reversed.
        JsonNode stored = get(workflowId).path("upgradeHistory");
        assertThat(stored).hasSize(2);
        assertThat(newest).isEqualTo(stored.get(1));
        assertThat(oldest).isEqualTo(stored.get(0));
    }

    @Test
    void theHistoryOfAnUnknownWorkflowIsA404AndABadIdA400() {
        String unknown = UUID.randomUUID().toString();

        assertError(http.get("/api/workflow/" + unknown + "/upgrades"), 404, unknown, null);
        assertError(http.get("/api/workflow/bad$id/upgrades"), 400, "workflowId", "workflowId");
    }

    // =========================================================================================================
    // 4. Task mapping
    // =========================================================================================================

    @Test
    void aRenamedSimpleTaskKeepsItsRecordUnderTheNewNameAndTheWorkflowGoesOn() {
        // The running task's reference changes from w to w2; its task (what workers poll) stays the same.
        String worker = "job_" + UUID.randomUUID().toString().replace("-", "");
        String name = register(List.of(simple(worker, "w")),
                List.of(simple(worker + "_pre", "pre"), simple(worker, "w2"), simple(worker + "_post", "post")));
        String workflowId = start(name, 1, Map.of("a", 1));
        JsonNode running = task(get(workflowId), "w");

        Http.Response response = waitFor(workflowId, Map.of("name", name, "version", 2,
                "taskMapping", Map.of("w", "w2")), 10);

        assertThat(response.json().path("status").asString()).isEqualTo("APPLIED");
        assertThat(response.json().path("skippedTasks")).isEqualTo(tree(List.of("pre")));
        JsonNode workflow = get(workflowId);
        assertThat(workflow.path("workflowVersion").asInt()).isEqualTo(2);
        assertThat(refs(workflow)).containsExactlyInAnyOrder("w2", "pre");
        JsonNode renamed = task(workflow, "w2");
        assertThat(renamed.path("taskId").asString()).isEqualTo(running.path("taskId").asString());
        assertThat(renamed.path("status").asString()).isEqualTo("SCHEDULED");
        assertThat(renamed.path("inputData")).isEqualTo(running.path("inputData"));
        assertThat(renamed.path("seq")).isEqualTo(running.path("seq"));
        assertThat(task(workflow, "pre").path("status").asString()).isEqualTo("SKIPPED");

        // A worker still finds it, completes it, and the workflow continues after w2 in v2.
        Http.Response polled = http.get("/api/tasks/poll/" + worker + "?workerid=extras");
        assertThat(polled.status()).as(polled.body()).isEqualTo(200);
        assertThat(polled.json().path("taskId").asString()).isEqualTo(running.path("taskId").asString());
        assertThat(polled.json().path("referenceTaskName").asString()).isEqualTo("w2");
        complete(workflowId, running.path("taskId").asString());
        JsonNode after = get(workflowId);
        assertThat(task(after, "w2").path("status").asString()).isEqualTo("COMPLETED");
        assertThat(task(after, "post").path("status").asString()).isEqualTo("SCHEDULED");
    }

    @Test
    void aRenamedWaitTaskKeepsItsRecordUnderTheNewName() {
        String name = register(List.of(typed("WAIT", "hold")),
                List.of(simple("pre_task", "pre"), typed("WAIT", "hold2"), simple("post_task", "post")));
        String workflowId = start(name, 1, Map.of());
        JsonNode running = task(get(workflowId), "hold");
        assertThat(running.path("status").asString()).isEqualTo("IN_PROGRESS");

        Http.Response response = waitFor(workflowId, Map.of("name", name, "version", 2,
                "taskMapping", Map.of("hold", "hold2")), 10);

        assertThat(response.json().path("status").asString()).isEqualTo("APPLIED");
        JsonNode workflow = get(workflowId);
        assertThat(refs(workflow)).containsExactlyInAnyOrder("hold2", "pre");
        JsonNode renamed = task(workflow, "hold2");
        assertThat(renamed.path("taskId").asString()).isEqualTo(running.path("taskId").asString());
        assertThat(renamed.path("status").asString()).isEqualTo("IN_PROGRESS");
        assertThat(renamed.path("taskType").asString()).isEqualTo("WAIT");
        assertThat(task(workflow, "pre").path("status").asString()).isEqualTo("SKIPPED");

        complete(workflowId, running.path("taskId").asString());
        assertThat(task(get(workflowId), "post").path("status").asString()).isEqualTo("SCHEDULED");
    }

    @Test
    void badMappingsAreA400NamingTheMappingAndNothingIsPublished() {
        String name = registerVersions(List.of("w", "tail"), List.of("pre", "w2", "post"));
        String workflowId = start(name, 1, Map.of());
        String path = "/api/workflow/" + workflowId + "/upgrade";

        assertError(http.postJson(path, Map.of("name", name, "version", 2)), 400, "task w is not in version 2",
                "version");
        assertError(http.postJson(path, Map.of("name", name, "version", 2, "taskMapping", Map.of("w", "nope"))),
                400, "nope", "taskMapping.w");
        assertError(http.postJson(path, Map.of("name", name, "version", 2,
                "taskMapping", Map.of("w", "w2", "ghost", "pre"))), 400, "ghost", "taskMapping.ghost");
        Http.Response twoToOne = http.postJson(path, Map.of("name", name, "version", 2,
                "taskMapping", Map.of("w", "w2", "tail", "w2")));
        assertError(twoToOne, 400, "tail", "taskMapping");
        assertThat(twoToOne.json().path("validationErrors")).hasSize(1);
        // The shape of the mapping, refused by the request schema.
        assertError(http.postJson(path, "{\"name\":\"" + name + "\",\"version\":2,\"taskMapping\":{\"w\":\"\"}}"),
                400, "taskMapping", "taskMapping.w");
        assertError(http.postJson(path, "{\"name\":\"" + name + "\",\"version\":2,\"taskMapping\":{\"w\":5}}"),
                400, "taskMapping", "taskMapping.w");
        assertError(http.postJson(path, "{\"name\":\"" + name + "\",\"version\":2,\"taskMapping\":\"w2\"}"),
                400, "taskMapping", "taskMapping");
        assertUnchanged(workflowId, 1);

        JsonNode applied = waitFor(workflowId, Map.of("name", name, "version", 2, "taskMapping", Map.of("w", "w2")),
                10).json();
        assertThat(applied.path("status").asString()).isEqualTo("APPLIED");
        assertOnlyCommandIs(workflowId, applied.path("commandId").asString());
    }

    @Test
    void aCommandWithATaskMappingPublishedStraightToKafkaIsApplied() throws Exception {
        String name = registerVersions(List.of("w"), List.of("pre", "w2"));
        String workflowId = start(name, 1, Map.of());
        String runningTaskId = task(get(workflowId), "w").path("taskId").asString();
        String commandId = UUID.randomUUID().toString();

        upstream.send(new ProducerRecord<>(commandTopic, workflowId, command(commandId, workflowId, name, 2,
                Map.of("w", "w2")))).get();

        JsonNode status = awaitFinalStatus(commandId);
        assertThat(status.path("status").asString()).isEqualTo("APPLIED");
        assertThat(status.path("skippedTasks")).isEqualTo(tree(List.of("pre")));
        JsonNode workflow = get(workflowId);
        assertThat(workflow.path("workflowVersion").asInt()).isEqualTo(2);
        assertThat(refs(workflow)).containsExactlyInAnyOrder("w2", "pre");
        assertThat(task(workflow, "w2").path("taskId").asString()).isEqualTo(runningTaskId);
        assertThat(task(workflow, "w2").path("status").asString()).isEqualTo("SCHEDULED");
        assertThat(workflow.path("upgradeHistory").get(0).path("requestedBy").asString())
                .isEqualTo("upstream-system");
    }

    @Test
    void aCommandWithABadTaskMappingPublishedStraightToKafkaIsRejected() throws Exception {
        String name = registerVersions(List.of("w"), List.of("pre", "w2"));
        String workflowId = start(name, 1, Map.of());
        String commandId = UUID.randomUUID().toString();

        upstream.send(new ProducerRecord<>(commandTopic, workflowId, command(commandId, workflowId, name, 2,
                Map.of("w", "nope")))).get();

        JsonNode status = awaitFinalStatus(commandId);
        assertThat(status.path("status").asString()).isEqualTo("REJECTED");
        assertThat(status.path("rejection").asString()).isEqualTo("INVALID_TASK_MAPPING");
        assertThat(status.path("reason").asString()).contains("nope");
        assertUnchanged(workflowId, 1);
    }

    @Test
    void theSameIdempotencyKeyWithAnotherTaskMappingIsA422() {
        String name = registerVersions(List.of("w"), List.of("pre", "w2", "alt"));
        String workflowId = start(name, 1, Map.of());
        Map<String, String> key = Map.of("Idempotency-Key", "mapping-" + UUID.randomUUID());
        String path = "/api/workflow/" + workflowId + "/upgrade";

        Http.Response first = http.post(path, "{\"name\":\"" + name + "\",\"version\":2,"
                + "\"taskMapping\":{\"w\":\"w2\"}}", key);
        Http.Response otherMapping = http.post(path, "{\"name\":\"" + name + "\",\"version\":2,"
                + "\"taskMapping\":{\"w\":\"alt\"}}", key);

        assertThat(first.status()).as(first.body()).isEqualTo(200);
        // Regression (was a bug, now fixed): UpgradeRequests.fingerprint covers name, version, taskOutput and workflowInput but not taskMapping,
        // so a different taskMapping under the same key is taken for a retry: 200 with the first command (whose
        // mapping, w -> w2, is not what this request asked for) instead of the documented 422.
        assertError(otherMapping, 422, "Idempotency-Key", "Idempotency-Key");
    }

    // =========================================================================================================
    // Helpers
    // =========================================================================================================

    private MessageListenerContainer commandListener() {
        MessageListenerContainer container = listeners.getListenerContainer(COMMAND_LISTENER);
        assertThat(container).as("listener container " + COMMAND_LISTENER).isNotNull();
        return container;
    }

    private Http.Response dryRun(String workflowId, Object body) {
        return http.postJson("/api/workflow/" + workflowId + "/upgrade?dryRun=true", body);
    }

    /** An upgrade with waitForSeconds, which must answer 200. */
    private Http.Response waitFor(String workflowId, Object body, int seconds) {
        Http.Response response = http.postJson("/api/workflow/" + workflowId + "/upgrade?waitForSeconds=" + seconds,
                body);
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return response;
    }

    private void complete(String workflowId, String taskId) {
        Http.Response response = http.postJson("/api/tasks", Map.of("workflowInstanceId", workflowId,
                "taskId", taskId, "status", "COMPLETED", "outputData", Map.of("done", true)));
        assertThat(response.status()).as(response.body()).isEqualTo(200);
    }

    /** The commands of this workflow on the topic: exactly one, this one. */
    private void assertOnlyCommandIs(String workflowId, String commandId) {
        await().atMost(PATIENCE).until(() -> !observed.commandsFor(workflowId).isEmpty());
        assertThat(observed.commandsFor(workflowId)).extracting(r -> json.readTree(r.value()).path("commandId")
                .asString()).containsExactly(commandId);
    }

    private JsonNode tree(Object value) {
        return json.valueToTree(value);
    }

    private static Map<String, Object> simple(String taskName, String ref) {
        return Map.of("name", taskName, "taskReferenceName", ref, "type", "SIMPLE");
    }

    private static Map<String, Object> typed(String type, String ref) {
        return Map.of("name", ref + "_task", "taskReferenceName", ref, "type", type);
    }

    @SafeVarargs
    private String register(List<Map<String, Object>>... versions) {
        String name = "wf_" + UUID.randomUUID().toString().replace("-", "");
        for (int i = 0; i < versions.length; i++) {
            Http.Response response = http.postJson("/api/metadata/workflow",
                    Map.of("name", name, "version", i + 1, "tasks", versions[i]));
            assertThat(response.status()).as(response.body()).isEqualTo(200);
        }
        return name;
    }

    private static List<String> refs(JsonNode workflow) {
        List<String> refs = new ArrayList<>();
        workflow.path("tasks").forEach(task -> refs.add(task.path("referenceTaskName").asString()));
        return refs;
    }

    private void assertUnchanged(String workflowId, int version) {
        JsonNode workflow = get(workflowId);
        assertThat(workflow.path("workflowVersion").asInt()).isEqualTo(version);
        assertThat(workflow.path("upgradeHistory")).isEmpty();
        assertThat(workflow.path("tasks")).hasSize(1);
    }

    private static void assertError(Http.Response response, int status, String messagePart, String path) {
        assertThat(response.status()).as(response.body()).isEqualTo(status);
        JsonNode body = response.json();
        assertThat(body.path("status").asInt()).isEqualTo(status);
        assertThat(body.path("message").asString()).contains(messagePart);
        assertThat(body.path("retryable").isBoolean()).isTrue();
        assertThat(body.path("retryable").asBoolean()).isFalse();
        assertThat(response.body()).doesNotContain("Exception").doesNotContain("\tat ");
        if (path != null) {
            assertThat(body.path("validationErrors")).extracting(e -> e.path("path").asString()).contains(path);
        }
    }

    private byte[] command(String commandId, String workflowId, String name, int version,
                           Map<String, String> taskMapping) {
        return UpstreamCommand.of(commandId, workflowId, name, version).with("requestedBy", "upstream-system")
                .with("taskMapping", taskMapping).bytes();
    }
}

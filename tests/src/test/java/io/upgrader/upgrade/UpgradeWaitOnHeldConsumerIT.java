package io.upgrader.upgrade;

import io.upgrader.support.EmbeddedInfrastructureTest;
import io.upgrader.support.Http;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.listener.MessageListenerContainer;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code waitForSeconds} while the command consumer is held: a 202 at the deadline, and the consumer's
 * rejections as the request's answer. These tests stop the command listener, so they run in a context of their
 * own (its own broker and database): the shared context's listener is never stopped.
 */
@EmbeddedInfrastructureTest
@TestPropertySource(properties = "spring.mongodb.database=upgrader_held_consumer")
class UpgradeWaitOnHeldConsumerIT extends UpgradeApiFixture {

    /** The id of the service's command listener container (UpgradeCommandListener). */
    private static final String COMMAND_LISTENER = "upgrade-commands";
    private static final ExecutorService BACKGROUND = Executors.newCachedThreadPool();

    @Autowired
    KafkaListenerEndpointRegistry listeners;

    @AfterEach
    void listenerRunsAgain() {
        // Whatever a test did, this context's consumer must run again for the next one.
        if (!commandListener().isRunning()) {
            commandListener().start();
        }
    }

    @AfterAll
    static void stopBackground() {
        BACKGROUND.shutdownNow();
    }

    @Test
    void stillPendingAtTheDeadlineIsA202WithTheLocation() {
        String name = registerVersions(List.of("w"), List.of("pre", "w"));
        String workflowId = start(name, 1, Map.of());
        MessageListenerContainer consumer = commandListener();

        Http.Response response;
        consumer.stop();
        try {
            response = http.postJson("/api/workflow/" + workflowId + "/upgrade?waitForSeconds=1",
                    Map.of("name", name, "version", 2));
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

    private MessageListenerContainer commandListener() {
        MessageListenerContainer container = listeners.getListenerContainer(COMMAND_LISTENER);
        assertThat(container).as("listener container " + COMMAND_LISTENER).isNotNull();
        return container;
    }
}

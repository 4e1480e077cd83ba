package io.upgrader.upgrade;

import io.upgrader.contract.ContractSchema;
import io.upgrader.definition.WorkflowDef;
import io.upgrader.execution.Task;
import io.upgrader.execution.TaskStatus;
import io.upgrader.execution.Workflow;
import io.upgrader.execution.WorkflowStatus;
import io.upgrader.kafka.KafkaConfiguration;
import io.upgrader.mongo.execution.ExecutionStore;
import io.upgrader.support.Http;
import io.upgrader.support.TopicObserver;
import io.upgrader.support.UpgradeFixture;
import io.upgrader.support.UpstreamCommand;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.kafka.autoconfigure.KafkaConnectionDetails;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The upgrade pipeline end to end, through the real HTTP endpoint, a real Kafka broker and a MongoDB-wire
 * store: the same scenarios run on the in-process infrastructure and, where Docker exists, on real MongoDB
 * and Kafka.
 */
abstract class UpgradePipelineScenarios extends UpgradeFixture {


    @Autowired
    ExecutionStore executions;
    @Autowired
    JsonMapper json;


    // --- The seed document's three examples -------------------------------------------------------------

    @Test
    void upgradesARunningWorkflowToTheNextVersion() {
        String name = registerVersions(List.of("w"), List.of("pre", "w", "post"));
        String workflowId = start(name, 1, Map.of("a", 1));
        String runningTaskId = task(get(workflowId), "w").path("taskId").asString();

        Http.Response accepted = http.postJson("/api/workflow/" + workflowId + "/upgrade",
                Map.of("name", name, "taskOutput", Map.of(), "version", 2));

        assertThat(accepted.status()).isEqualTo(200);
        JsonNode body = accepted.json();
        String commandId = body.path("commandId").asString();
        assertThat(body.path("status").asString()).isEqualTo("ACCEPTED");
        assertThat(body.path("workflowId").asString()).isEqualTo(workflowId);
        assertThat(body.path("fromVersion").asInt()).isEqualTo(1);
        assertThat(body.path("toVersion").asInt()).isEqualTo(2);
        assertThat(accepted.header("Location")).isEqualTo("/api/workflow/upgrades/" + commandId);

        JsonNode status = awaitFinalStatus(commandId);
        assertThat(status.path("status").asString()).isEqualTo("APPLIED");
        assertThat(status.path("skippedTasks").toString()).isEqualTo("[\"pre\"]");
        assertThat(status.path("completedAt").isMissingNode() || status.path("completedAt").isNull()).isFalse();

        JsonNode workflow = get(workflowId);
        assertThat(workflow.path("workflowVersion").asInt()).isEqualTo(2);
        assertThat(workflow.path("workflowDefinition").path("version").asInt()).isEqualTo(2);
        assertThat(task(workflow, "pre").path("status").asString()).isEqualTo("SKIPPED");
        assertThat(task(workflow, "w").path("status").asString()).isEqualTo("SCHEDULED");
        assertThat(task(workflow, "w").path("taskId").asString()).isEqualTo(runningTaskId);
        assertThat(workflow.path("upgradeHistory").get(0).path("commandId").asString()).isEqualTo(commandId);
        // Who asked: the credential the request was authenticated with.
        assertThat(workflow.path("upgradeHistory").get(0).path("requestedBy").asString()).isEqualTo("api-token");

        JsonNode event = singleEvent(workflowId);
        assertThat(event.path("type").asString()).isEqualTo("WORKFLOW_UPGRADED");
        assertThat(event.path("commandId").asString()).isEqualTo(commandId);
        assertThat(event.path("fromVersion").asInt()).isEqualTo(1);
        assertThat(event.path("toVersion").asInt()).isEqualTo(2);
        assertThat(event.path("skippedTasks").toString()).isEqualTo("[\"pre\"]");
        assertThat(event.path("workflowName").asString()).isEqualTo(name);

        await().atMost(PATIENCE).until(() -> !observed.commandsFor(workflowId).isEmpty());
        JsonNode published = json.readTree(observed.commandsFor(workflowId).get(0).value());
        assertThat(ContractSchema.UPGRADE_COMMAND.validate(published)).as(published.toString()).isEmpty();
        assertThat(published.path("commandId").asString()).isEqualTo(commandId);
        assertThat(published.path("version").asInt()).isEqualTo(2);
    }

    @Test
    void mergesTheGivenWorkflowInputIntoTheExecution() {
        String name = registerVersions(List.of("w"), List.of("w"));
        String workflowId = start(name, 1, Map.of("name", "original", "kept", "yes"));

        Http.Response accepted = http.postJson("/api/workflow/" + workflowId + "/upgrade",
                Map.of("name", name, "version", 2, "workflowInput", Map.of("name", "updatedValue")));

        assertThat(accepted.status()).isEqualTo(200);
        assertThat(awaitFinalStatus(accepted.json().path("commandId").asString()).path("status").asString())
                .isEqualTo("APPLIED");
        JsonNode input = get(workflowId).path("input");
        assertThat(input.path("name").asString()).isEqualTo("updatedValue");
        assertThat(input.path("kept").asString()).isEqualTo("yes");
    }

    @Test
    void recordsTheGivenOutputForASkippedTask() {
        String name = registerVersions(List.of("w"), List.of("event_ref", "w"));
        String workflowId = start(name, 1, Map.of());

        Http.Response accepted = http.postJson("/api/workflow/" + workflowId + "/upgrade", Map.of("name", name,
                "taskOutput", Map.of("event_ref", Map.of("output", "This task execution is skipped via API call")),
                "version", 2));

        assertThat(accepted.status()).isEqualTo(200);
        awaitFinalStatus(accepted.json().path("commandId").asString());
        JsonNode skipped = task(get(workflowId), "event_ref");
        assertThat(skipped.path("status").asString()).isEqualTo("SKIPPED");
        assertThat(skipped.path("outputData").path("output").asString())
                .isEqualTo("This task execution is skipped via API call");
    }

    // --- Rejections on the HTTP path: nothing is published ---------------------------------------------

    @Test
    void anUnknownWorkflowIsA400NamingIt() {
        String name = registerVersions(List.of("w"), List.of("w"));
        String unknown = UUID.randomUUID().toString();

        Http.Response response = http.postJson("/api/workflow/" + unknown + "/upgrade",
                Map.of("name", name, "version", 2));

        assertError(response, 400, unknown, "workflowId");
        assertThat(observed.eventsFor(unknown)).isEmpty();
    }

    @Test
    void aNameOtherThanTheExecutionsIsA400() {
        String name = registerVersions(List.of("w"), List.of("w"));
        String other = registerVersions(List.of("w"), List.of("w"));
        String workflowId = start(name, 1, Map.of());

        assertError(http.postJson("/api/workflow/" + workflowId + "/upgrade", Map.of("name", other, "version", 2)),
                400, other, "name");
        assertUnchanged(workflowId, 1);
    }

    @Test
    void anUnregisteredVersionIsA400() {
        String name = registerVersions(List.of("w"), List.of("w"));
        String workflowId = start(name, 1, Map.of());

        assertError(http.postJson("/api/workflow/" + workflowId + "/upgrade", Map.of("name", name, "version", 7)),
                400, "has no version 7", "version");
        assertUnchanged(workflowId, 1);
    }

    @Test
    void aRunningTaskMissingFromTheTargetIsA400() {
        String name = registerVersions(List.of("w"), List.of("other"));
        String workflowId = start(name, 1, Map.of());

        assertError(http.postJson("/api/workflow/" + workflowId + "/upgrade", Map.of("name", name, "version", 2)),
                400, "task w is not in version 2", "version");
        assertUnchanged(workflowId, 1);
    }

    @Test
    void outputForATaskThatIsNotSkippedIsA400NamingIt() {
        String name = registerVersions(List.of("w"), List.of("pre", "w", "post"));
        String workflowId = start(name, 1, Map.of());

        assertError(http.postJson("/api/workflow/" + workflowId + "/upgrade", Map.of("name", name, "version", 2,
                "taskOutput", Map.of("post", Map.of("x", 1)))), 400, "post", "taskOutput.post");
        assertUnchanged(workflowId, 1);
    }

    @Test
    void aFinishedWorkflowIsA409() {
        String name = registerVersions(List.of("w"), List.of("w"));
        String workflowId = start(name, 1, Map.of());
        Workflow finished = completedCopyOf(executions.find(workflowId).orElseThrow());
        executions.insert(finished);
        String finishedId = finished.workflowId();

        assertError(http.postJson("/api/workflow/" + finishedId + "/upgrade", Map.of("name", name, "version", 2)),
                409, "COMPLETED", null);
    }

    @Test
    void aBodyThatBreaksTheSchemaIsA400NamingTheField() {
        String name = registerVersions(List.of("w"), List.of("w"));
        String workflowId = start(name, 1, Map.of());
        String path = "/api/workflow/" + workflowId + "/upgrade";

        assertError(http.postJson(path, "{\"name\":\"" + name + "\",\"version\":\"two\"}"), 400, "version", "version");
        assertError(http.postJson(path, "{\"name\":\"" + name + "\",\"version\":0}"), 400, "version", "version");
        assertError(http.postJson(path, "{\"version\":2}"), 400, "name", "name");
        assertError(http.postJson(path, "{\"name\":\"" + name + "\",\"version\":2,\"taskOutput\":{\"a\":1}}"),
                400, "taskOutput", "taskOutput.a");
        assertError(http.postJson(path, "{\"name\": \"" + name + "\", \"version\": 2"), 400, "not valid JSON", "body");
        assertError(http.post("/api/workflow/bad$id/upgrade", "{\"name\":\"x\",\"version\":2}", Map.of()),
                400, "workflowId", "workflowId");
        assertUnchanged(workflowId, 1);
    }

    @Test
    void anUnknownCommandIsA404WithConductorsErrorBody() {
        assertError(http.get("/api/workflow/upgrades/" + UUID.randomUUID()), 404, "not found", null);
    }

    // --- Outcomes and delivery semantics -----------------------------------------------------------------

    @Test
    void upgradingToTheCurrentVersionIsANoop() {
        String name = registerVersions(List.of("w"), List.of("pre", "w"));
        String workflowId = start(name, 1, Map.of());

        Http.Response accepted = http.postJson("/api/workflow/" + workflowId + "/upgrade",
                Map.of("name", name, "version", 1));

        assertThat(accepted.status()).isEqualTo(200);
        assertThat(awaitFinalStatus(accepted.json().path("commandId").asString()).path("status").asString())
                .isEqualTo("NOOP");
        assertThat(singleEvent(workflowId).path("type").asString()).isEqualTo("WORKFLOW_UPGRADE_NOOP");
        assertUnchanged(workflowId, 1);
    }

    @Test
    void aRepeatedIdempotencyKeyReturnsTheSameCommandAndPublishesNothingNew() {
        String name = registerVersions(List.of("w"), List.of("pre", "w"));
        String workflowId = start(name, 1, Map.of());
        String body = "{\"name\":\"" + name + "\",\"version\":2}";
        Map<String, String> key = Map.of("Idempotency-Key", "retry-" + UUID.randomUUID());

        Http.Response first = http.post("/api/workflow/" + workflowId + "/upgrade", body, key);
        String commandId = first.json().path("commandId").asString();
        awaitFinalStatus(commandId);
        Http.Response second = http.post("/api/workflow/" + workflowId + "/upgrade", body, key);
        Http.Response otherBody = http.post("/api/workflow/" + workflowId + "/upgrade",
                "{\"name\":\"" + name + "\",\"version\":1}", key);

        assertThat(first.status()).isEqualTo(200);
        assertThat(second.status()).isEqualTo(200);
        assertThat(second.json().path("commandId").asString()).isEqualTo(commandId);
        assertError(otherBody, 422, "Idempotency-Key", "Idempotency-Key");
        // Give a wrongly published second command every chance to show up before counting.
        String probe = publishProbeBehind(workflowId, name);
        awaitFinalStatus(probe);
        assertThat(events(workflowId)).extracting(e -> e.path("commandId").asString())
                .containsExactly(commandId, probe);
    }

    @Test
    void aCommandPublishedStraightToKafkaIsApplied() throws Exception {
        String name = registerVersions(List.of("w"), List.of("pre", "w"));
        String workflowId = start(name, 1, Map.of());
        String commandId = UUID.randomUUID().toString();

        upstream.send(new ProducerRecord<>(commandTopic, workflowId, command(commandId, workflowId, name, 2,
                Map.of("pre", Map.of("k", "v")), "upstream-system"))).get();

        JsonNode status = awaitFinalStatus(commandId);
        assertThat(status.path("status").asString()).isEqualTo("APPLIED");
        JsonNode workflow = get(workflowId);
        assertThat(workflow.path("workflowVersion").asInt()).isEqualTo(2);
        assertThat(task(workflow, "pre").path("outputData").path("k").asString()).isEqualTo("v");
        assertThat(workflow.path("upgradeHistory").get(0).path("requestedBy").asString()).isEqualTo("upstream-system");
        assertThat(singleEvent(workflowId).path("type").asString()).isEqualTo("WORKFLOW_UPGRADED");
    }

    @Test
    void theSameCommandDeliveredTwiceIsAppliedOnceAndBothEventsShareOneEventId() throws Exception {
        String name = registerVersions(List.of("w"), List.of("pre", "w"));
        String workflowId = start(name, 1, Map.of());
        String commandId = UUID.randomUUID().toString();
        byte[] command = command(commandId, workflowId, name, 2, Map.of(), null);

        upstream.send(new ProducerRecord<>(commandTopic, workflowId, command)).get();
        upstream.send(new ProducerRecord<>(commandTopic, workflowId, command)).get();

        await().atMost(PATIENCE).until(() -> events(workflowId).size() == 2);
        List<JsonNode> events = events(workflowId);
        assertThat(events).extracting(e -> e.path("eventId").asString()).containsOnly(
                UpgradeEvent.eventIdFor(commandId));
        assertThat(events).extracting(e -> e.path("type").asString()).containsOnly("WORKFLOW_UPGRADED");
        JsonNode workflow = get(workflowId);
        assertThat(workflow.path("upgradeHistory")).hasSize(1);
        assertThat(workflow.path("tasks")).hasSize(2);
    }

    @Test
    void aMalformedRecordGoesToTheDeadLetterTopicAndTheNextCommandIsStillApplied() throws Exception {
        String name = registerVersions(List.of("w"), List.of("pre", "w"));
        String workflowId = start(name, 1, Map.of());
        String commandId = UUID.randomUUID().toString();

        upstream.send(new ProducerRecord<>(commandTopic, workflowId, "{not json".getBytes(StandardCharsets.UTF_8)))
                .get();
        upstream.send(new ProducerRecord<>(commandTopic, workflowId,
                "{\"schemaVersion\":1,\"workflowId\":\"x\"}".getBytes(StandardCharsets.UTF_8))).get();
        upstream.send(new ProducerRecord<>(commandTopic, workflowId, command(commandId, workflowId, name, 2,
                Map.of(), null))).get();

        assertThat(awaitFinalStatus(commandId).path("status").asString()).isEqualTo("APPLIED");
        await().atMost(PATIENCE).until(() -> observed.deadLettersFor(workflowId).size() == 2);
        List<String> reasons = observed.deadLettersFor(workflowId).stream()
                .map(r -> new String(r.headers().lastHeader(KafkaConfiguration.REJECTION_HEADER).value(),
                        StandardCharsets.UTF_8)).toList();
        assertThat(reasons.get(0)).contains("not JSON");
        assertThat(reasons.get(1)).contains("commandId").contains("name");
        assertThat(new String(observed.deadLettersFor(workflowId).get(0).value(), StandardCharsets.UTF_8))
                .isEqualTo("{not json");
    }

    @Test
    void aCommandForAnUnknownWorkflowEndsRejectedWithItsReason() throws Exception {
        String unknown = UUID.randomUUID().toString();
        String commandId = UUID.randomUUID().toString();

        upstream.send(new ProducerRecord<>(commandTopic, unknown, command(commandId, unknown, "anything", 2,
                Map.of(), null))).get();

        JsonNode status = awaitFinalStatus(commandId);
        assertThat(status.path("status").asString()).isEqualTo("REJECTED");
        assertThat(status.path("reason").asString()).contains(unknown).contains("not found");
        JsonNode event = singleEvent(unknown);
        assertThat(event.path("type").asString()).isEqualTo("WORKFLOW_UPGRADE_REJECTED");
        assertThat(event.path("reason").asString()).contains("not found");
    }

    @Test
    void aCommandThatNoLongerFitsTheStateIsRejectedByTheConsumer() throws Exception {
        String name = registerVersions(List.of("w"), List.of("pre", "w"), List.of("other"));
        String workflowId = start(name, 1, Map.of());
        String commandId = UUID.randomUUID().toString();

        upstream.send(new ProducerRecord<>(commandTopic, workflowId, command(commandId, workflowId, name, 3,
                Map.of(), null))).get();

        assertThat(awaitFinalStatus(commandId).path("reason").asString()).isEqualTo("task w is not in version 3");
        assertUnchanged(workflowId, 1);
    }

    // --- Helpers -----------------------------------------------------------------------------------------

    /** Every event for the workflow, each checked against the published schema. */
    List<JsonNode> events(String workflowId) {
        List<JsonNode> events = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> record : observed.eventsFor(workflowId)) {
            JsonNode event = json.readTree(record.value());
            assertThat(ContractSchema.UPGRADE_EVENT.validate(event)).as(event.toString()).isEmpty();
            events.add(event);
        }
        return events;
    }

    JsonNode singleEvent(String workflowId) {
        await().atMost(PATIENCE).until(() -> !events(workflowId).isEmpty());
        assertThat(events(workflowId)).hasSize(1);
        return events(workflowId).get(0);
    }

    void assertUnchanged(String workflowId, int version) {
        JsonNode workflow = get(workflowId);
        assertThat(workflow.path("workflowVersion").asInt()).isEqualTo(version);
        assertThat(workflow.path("upgradeHistory")).isEmpty();
        assertThat(workflow.path("tasks")).hasSize(1);
    }

    static void assertError(Http.Response response, int status, String messagePart, String path) {
        assertThat(response.status()).as(response.body()).isEqualTo(status);
        JsonNode body = response.json();
        assertThat(body.path("status").asInt()).isEqualTo(status);
        assertThat(body.path("message").asString()).contains(messagePart);
        assertThat(body.has("retryable")).isTrue();
        assertThat(response.body()).doesNotContain("Exception").doesNotContain("\tat ");
        if (path != null) {
            assertThat(body.path("validationErrors")).extracting(e -> e.path("path").asString()).contains(path);
        }
    }

    byte[] command(String commandId, String workflowId, String name, int version,
                   Map<String, Map<String, Object>> taskOutput, String requestedBy) {
        return UpstreamCommand.of(commandId, workflowId, name, version).with("taskOutput", taskOutput)
                .with("requestedBy", requestedBy).bytes();
    }

    /** A NOOP command sent after the others of this workflow: once it is done, they are all done. */
    private String publishProbeBehind(String workflowId, String name) {
        String probe = UUID.randomUUID().toString();
        int version = get(workflowId).path("workflowVersion").asInt();
        try {
            upstream.send(new ProducerRecord<>(commandTopic, workflowId, command(probe, workflowId, name, version,
                    Map.of(), null))).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return probe;
    }

    /** A COMPLETED execution under a new id, as the task lifecycle would leave it. */
    private static Workflow completedCopyOf(Workflow running) {
        String workflowId = running.workflowId() + "-done";
        List<Task> tasks = running.tasks().stream().map(t -> new Task(t.taskId(), t.taskType(), t.taskDefName(),
                t.referenceTaskName(), TaskStatus.COMPLETED, t.seq(), t.inputData(), Map.of(), t.scheduledTime(),
                t.startTime(), t.endTime(), t.updateTime(), workflowId, null, null, 0, 0)).toList();
        return new Workflow(workflowId, running.workflowName(), running.workflowVersion(),
                WorkflowStatus.COMPLETED, running.input(), Map.of(), Map.of(), null, running.createTime(),
                running.updateTime(), running.updateTime(), running.workflowDefinition(), tasks, List.of(), 0, null);
    }
}

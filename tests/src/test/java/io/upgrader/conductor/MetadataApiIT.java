package io.upgrader.conductor;

import com.netflix.conductor.client.exception.ConductorClientException;
import com.netflix.conductor.common.metadata.tasks.TaskDef;
import com.netflix.conductor.common.metadata.workflow.WorkflowDef;
import com.netflix.conductor.common.metadata.workflow.WorkflowTask;
import io.upgrader.support.EmbeddedInfrastructureTest;
import io.upgrader.support.Http;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;

import static io.upgrader.conductor.OfficialClients.definition;
import static io.upgrader.conductor.OfficialClients.task;
import static io.upgrader.conductor.OfficialClients.uniqueName;
import static io.upgrader.conductor.OfficialClients.waitTask;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The metadata API (workflow and task definitions) through the official MetadataClient, with raw HTTP where
 * the client has no call for it: versions, conflicts, upserts, registration-time checks and Conductor's error body.
 */
@EmbeddedInfrastructureTest
class MetadataApiIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @LocalServerPort
    int port;

    OfficialClients conductor;
    Http http;

    @BeforeEach
    void connect() {
        conductor = new OfficialClients(port);
        http = new Http(port);
    }

    // ---- registering, conflicts, overwrite, upsert ----

    @Test
    void registeringTheSameNameAndVersionTwiceIsAConflictUnlessOverwriteIsAsked() {
        String name = uniqueName("twice");
        WorkflowDef first = definition(name, 1, waitTask("first_wait"));
        first.setDescription("first content");
        conductor.metadata.registerWorkflowDef(first);

        WorkflowDef again = definition(name, 1, waitTask("other_wait"));
        again.setDescription("second content");
        assertThatThrownBy(() -> conductor.metadata.registerWorkflowDef(again))
                .isInstanceOfSatisfying(ConductorClientException.class, e -> {
                    assertThat(e.getStatus()).isEqualTo(409);
                    JsonNode body = body(e);
                    assertThat(body.path("status").asInt()).isEqualTo(409);
                    assertThat(body.path("message").asString()).contains(name);
                    assertThat(body.path("retryable").isBoolean()).isTrue();
                    assertThat(body.path("retryable").asBoolean()).isFalse();
                });
        // The refused registration changed nothing.
        WorkflowDef stored = conductor.metadata.getWorkflowDef(name, 1);
        assertThat(stored.getDescription()).isEqualTo("first content");
        assertThat(refs(stored)).containsExactly("first_wait");

        // The same body over raw HTTP without overwrite: the same 409 in Conductor's body.
        Http.Response refused = http.postJson("/api/metadata/workflow", rawDefinition(name, 1, "raw", "raw_wait"));
        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.json().path("status").asInt()).isEqualTo(409);
        assertThat(refused.json().path("retryable").asBoolean(true)).isFalse();

        Http.Response overwritten = http.postJson("/api/metadata/workflow?overwrite=true",
                rawDefinition(name, 1, "overwritten content", "raw_wait"));
        assertThat(overwritten.status()).as(overwritten.body()).isBetween(200, 204);

        WorkflowDef replaced = conductor.metadata.getWorkflowDef(name, 1);
        assertThat(replaced.getVersion()).isEqualTo(1);
        assertThat(replaced.getDescription()).isEqualTo("overwritten content");
        assertThat(refs(replaced)).containsExactly("raw_wait");
        assertThat(replaced.getTasks().get(0).getType()).isEqualTo("WAIT");
    }

    @Test
    void updateWorkflowDefsUpsertsEveryDefinitionOfTheList() {
        String name = uniqueName("upsert");
        conductor.metadata.registerWorkflowDef(definition(name, 1, waitTask("before")));

        WorkflowDef replacedV1 = definition(name, 1, waitTask("after_v1"));
        replacedV1.setDescription("replaced v1");
        WorkflowDef newV2 = definition(name, 2, waitTask("new_v2"), waitTask("new_v2_second"));
        newV2.setDescription("created v2");
        conductor.metadata.updateWorkflowDefs(List.of(replacedV1, newV2));

        WorkflowDef v1 = conductor.metadata.getWorkflowDef(name, 1);
        assertThat(v1.getDescription()).isEqualTo("replaced v1");
        assertThat(refs(v1)).containsExactly("after_v1");
        WorkflowDef v2 = conductor.metadata.getWorkflowDef(name, 2);
        assertThat(v2.getDescription()).isEqualTo("created v2");
        assertThat(refs(v2)).containsExactly("new_v2", "new_v2_second");
        assertThat(conductor.metadata.getWorkflowDef(name, null).getVersion()).isEqualTo(2);
    }

    @Test
    void anUpsertListWithOneInvalidDefinitionStoresNoneOfThem() {
        String name = uniqueName("upsert_invalid");
        WorkflowDef valid = definition(name, 1, waitTask("ok"));
        WorkflowDef invalid = definition(name, 2, task("SWITCH", "decide", "decide_ref", Map.of()));

        assertThatThrownBy(() -> conductor.metadata.updateWorkflowDefs(List.of(valid, invalid)))
                .isInstanceOfSatisfying(ConductorClientException.class, e -> {
                    assertThat(e.getStatus()).isEqualTo(400);
                    assertThat(body(e).path("message").asString()).contains("decide_ref");
                });
        assertNotFound(() -> conductor.metadata.getWorkflowDef(name, 1));
        assertNotFound(() -> conductor.metadata.getWorkflowDef(name, 2));
    }

    // ---- reading versions, latest versions, unregistering ----

    @Test
    void versionsAreReadOneByOneOrTheLatestAndUnregisteredOnesAreGone() {
        String name = uniqueName("versions");
        // Registered out of order, and 10 > 2 only numerically: "latest" must be the highest version number.
        conductor.metadata.registerWorkflowDef(definition(name, 1, waitTask("in_v1")));
        conductor.metadata.registerWorkflowDef(definition(name, 10, waitTask("in_v10")));
        conductor.metadata.registerWorkflowDef(definition(name, 2, waitTask("in_v2")));

        WorkflowDef latest = conductor.metadata.getWorkflowDef(name, null);
        assertThat(latest.getName()).isEqualTo(name);
        assertThat(latest.getVersion()).isEqualTo(10);
        assertThat(refs(latest)).containsExactly("in_v10");

        WorkflowDef v1 = conductor.metadata.getWorkflowDef(name, 1);
        assertThat(v1.getVersion()).isEqualTo(1);
        assertThat(refs(v1)).containsExactly("in_v1");

        assertNotFound(() -> conductor.metadata.getWorkflowDef(name, 3));
        assertNotFound(() -> conductor.metadata.getWorkflowDef(uniqueName("never_registered"), null));
        assertNotFound(() -> conductor.metadata.getWorkflowDef(uniqueName("never_registered"), 1));

        List<WorkflowDef> ofThisName = conductor.metadata.getAllWorkflowsWithLatestVersions().stream()
                .filter(d -> d.getName().equals(name)).toList();
        assertThat(ofThisName).hasSize(1);
        assertThat(ofThisName.get(0).getVersion()).isEqualTo(10);
        assertThat(refs(ofThisName.get(0))).containsExactly("in_v10");

        conductor.metadata.unregisterWorkflowDef(name, 1);
        assertNotFound(() -> conductor.metadata.getWorkflowDef(name, 1));
        // Only version 1 went away.
        assertThat(conductor.metadata.getWorkflowDef(name, 2).getVersion()).isEqualTo(2);
        assertThat(conductor.metadata.getWorkflowDef(name, null).getVersion()).isEqualTo(10);
        assertNotFound(() -> conductor.metadata.unregisterWorkflowDef(name, 1));

        conductor.metadata.unregisterWorkflowDef(name, 10);
        assertThat(conductor.metadata.getWorkflowDef(name, null).getVersion()).isEqualTo(2);
        assertThat(conductor.metadata.getAllWorkflowsWithLatestVersions().stream()
                .filter(d -> d.getName().equals(name)).map(WorkflowDef::getVersion)).containsExactly(2);
    }

    // ---- checks at registration ----

    @ParameterizedTest
    @ValueSource(strings = {"EVENT", "KAFKA_PUBLISH", "DYNAMIC", "START_WORKFLOW"})
    void aTaskTypeThisRuntimeDoesNotRunIsRefusedAtRegistrationNamingTheTask(String type) {
        String name = uniqueName("unsupported");
        String ref = "unsupported_" + type.toLowerCase() + "_ref";
        WorkflowDef definition = definition(name, 1, waitTask("fine"), task(type, "step", ref, Map.of()));

        assertThatThrownBy(() -> conductor.metadata.registerWorkflowDef(definition))
                .isInstanceOfSatisfying(ConductorClientException.class, e -> {
                    assertThat(e.getStatus()).isEqualTo(400);
                    JsonNode body = body(e);
                    assertThat(body.path("status").asInt()).isEqualTo(400);
                    assertThat(body.path("message").asString()).contains(ref).contains(type);
                    assertThat(body.path("retryable").isBoolean()).isTrue();
                    assertThat(body.path("retryable").asBoolean()).isFalse();
                    JsonNode errors = body.path("validationErrors");
                    assertThat(errors.isArray()).isTrue();
                    assertThat(errors.size()).isEqualTo(1);
                    assertThat(errors.get(0).path("path").asString()).isEqualTo("tasks[1].type");
                    assertThat(errors.get(0).path("message").asString()).contains(ref).contains(type);
                });
        assertNotFound(() -> conductor.metadata.getWorkflowDef(name, 1));
        assertNotFound(() -> conductor.metadata.getWorkflowDef(name, null));

        // The same over raw HTTP, and with overwrite=true it is refused all the same.
        Map<String, Object> raw = Map.of("name", name, "version", 1, "tasks", List.of(
                Map.of("name", "step", "taskReferenceName", ref, "type", type)));
        for (String path : List.of("/api/metadata/workflow", "/api/metadata/workflow?overwrite=true")) {
            Http.Response refused = http.postJson(path, raw);
            assertThat(refused.status()).as(path).isEqualTo(400);
            assertThat(refused.json().path("status").asInt()).isEqualTo(400);
            assertThat(refused.json().path("message").asString()).contains(ref);
            assertThat(refused.json().path("validationErrors").get(0).path("path").asString())
                    .isEqualTo("tasks[0].type");
        }
        assertNotFound(() -> conductor.metadata.getWorkflowDef(name, 1));
    }

    @Test
    void duplicateTaskReferenceNamesAreRefused() {
        String name = uniqueName("duplicate_refs");
        WorkflowDef definition = definition(name, 1, waitTask("same"), waitTask("other"), waitTask("same"));

        assertThatThrownBy(() -> conductor.metadata.registerWorkflowDef(definition))
                .isInstanceOfSatisfying(ConductorClientException.class, e -> {
                    assertThat(e.getStatus()).isEqualTo(400);
                    JsonNode body = body(e);
                    assertThat(body.path("status").asInt()).isEqualTo(400);
                    assertThat(body.path("message").asString()).contains("same");
                    assertThat(body.path("retryable").asBoolean(true)).isFalse();
                    assertThat(texts(body.path("validationErrors"), "path")).contains("tasks[2].taskReferenceName");
                });
        assertNotFound(() -> conductor.metadata.getWorkflowDef(name, 1));
    }

    @Test
    void aDefinitionWithoutTasksIsRefused() {
        String name = uniqueName("no_tasks");
        assertThatThrownBy(() -> conductor.metadata.registerWorkflowDef(definition(name, 1)))
                .isInstanceOfSatisfying(ConductorClientException.class, e -> {
                    assertThat(e.getStatus()).isEqualTo(400);
                    assertThat(body(e).path("status").asInt()).isEqualTo(400);
                    assertThat(texts(body(e).path("validationErrors"), "path")).contains("tasks");
                });

        Http.Response refused = http.postJson("/api/metadata/workflow",
                Map.of("name", name, "version", 1, "tasks", List.of()));
        assertThat(refused.status()).isEqualTo(400);
        JsonNode body = refused.json();
        assertThat(body.path("status").asInt()).isEqualTo(400);
        assertThat(body.path("message").asString()).isNotBlank();
        assertThat(body.path("retryable").isBoolean()).isTrue();
        assertThat(body.path("retryable").asBoolean()).isFalse();
        assertThat(texts(body.path("validationErrors"), "path")).contains("tasks");
        assertThat(texts(body.path("validationErrors"), "message")).allSatisfy(m -> assertThat(m).isNotBlank());
        assertNotFound(() -> conductor.metadata.getWorkflowDef(name, 1));
    }

    // ---- task definitions ----

    @Test
    void taskDefinitionsAreRegisteredReadUpdatedAndUnregistered() {
        String name = uniqueName("taskdef");
        TaskDef taskDef = new TaskDef(name, "first description", "tests@example.com", 2, 120, 60);
        conductor.metadata.registerTaskDefs(List.of(taskDef));

        TaskDef read = conductor.metadata.getTaskDef(name);
        assertThat(read.getName()).isEqualTo(name);
        assertThat(read.getDescription()).isEqualTo("first description");
        assertThat(read.getRetryCount()).isEqualTo(2);
        assertThat(read.getTimeoutSeconds()).isEqualTo(120);
        assertThat(conductor.metadata.getAllTaskDefs()).extracting(TaskDef::getName).contains(name);

        TaskDef changed = new TaskDef(name, "second description", "tests@example.com", 5, 120, 60);
        conductor.metadata.updateTaskDef(changed);
        TaskDef updated = conductor.metadata.getTaskDef(name);
        assertThat(updated.getDescription()).isEqualTo("second description");
        assertThat(updated.getRetryCount()).isEqualTo(5);
        assertThat(conductor.metadata.getAllTaskDefs().stream().filter(t -> t.getName().equals(name)))
                .singleElement().satisfies(t -> assertThat(t.getDescription()).isEqualTo("second description"));

        conductor.metadata.unregisterTaskDef(name);
        assertNotFound(() -> conductor.metadata.getTaskDef(name));
        assertThat(conductor.metadata.getAllTaskDefs()).extracting(TaskDef::getName).doesNotContain(name);
        assertNotFound(() -> conductor.metadata.unregisterTaskDef(name));
    }

    // ---- helpers ----

    private static void assertNotFound(org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
        assertThatThrownBy(call).isInstanceOfSatisfying(ConductorClientException.class, e -> {
            assertThat(e.getStatus()).isEqualTo(404);
            JsonNode body = body(e);
            assertThat(body.path("status").asInt()).isEqualTo(404);
            assertThat(body.path("message").asString()).isNotBlank();
            assertThat(body.path("retryable").asBoolean(true)).isFalse();
        });
    }

    private static JsonNode body(ConductorClientException e) {
        assertThat(e.getResponseBody()).as("error body of " + e).isNotBlank();
        return JSON.readTree(e.getResponseBody());
    }

    private static List<String> texts(JsonNode array, String field) {
        assertThat(array.isArray()).as("validationErrors is an array: " + array).isTrue();
        return StreamSupport.stream(array.spliterator(), false).map(n -> n.path(field).asString()).toList();
    }

    private static List<String> refs(WorkflowDef definition) {
        List<String> refs = new ArrayList<>();
        for (WorkflowTask task : definition.getTasks()) {
            refs.add(task.getTaskReferenceName());
        }
        return refs;
    }

    private static Map<String, Object> rawDefinition(String name, int version, String description, String waitRef) {
        return Map.of("name", name, "version", version, "description", description, "schemaVersion", 2,
                "ownerEmail", "tests@example.com",
                "tasks", List.of(Map.of("name", waitRef, "taskReferenceName", waitRef, "type", "WAIT")));
    }
}

package io.upgrader.definition;

import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import io.upgrader.support.EmbeddedInfrastructureTest;
import io.upgrader.support.Http;
import io.upgrader.support.UpgradeFixture;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.data.mongodb.core.MongoTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The HTTP pre-check of an upgrade may use a definition read a few seconds ago; a change made through this
 * instance is seen at once, and the consumer, which plans with the stored definition, has the last word.
 */
@EmbeddedInfrastructureTest
class RecentDefinitionsIT extends UpgradeFixture {

    @Autowired
    MongoTemplate mongo;
    @Autowired
    JsonMapper json;

    @Test
    void aDefinitionReplacedThroughThisInstanceIsWhatTheNextPreCheckUses() {
        String name = registerVersions(List.of("w"), List.of("w"));
        String first = start(name, 1, Map.of());
        String second = start(name, 1, Map.of());
        // The first upgrade has the pre-check read version 2 as [w].
        assertThat(upgrade(first, name, Map.of()).status()).isEqualTo(200);

        Http.Response replaced = http.send("PUT", "/api/metadata/workflow", json.writeValueAsString(List.of(Map.of(
                "name", name, "version", 2, "tasks", List.of(simple("pre"), simple("w"))))),
                Map.of("Content-Type", "application/json"));
        assertThat(replaced.status()).as(replaced.body()).isEqualTo(200);

        Http.Response response = upgrade(second, name, Map.of("pre", Map.of("k", "v")));
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(awaitFinalStatus(response.json().path("commandId").asString()).path("status").asString())
                .isEqualTo("APPLIED");
        JsonNode upgraded = get(second);
        assertThat(upgraded.path("workflowVersion").asInt()).isEqualTo(2);
        assertThat(task(upgraded, "pre").path("status").asString()).isEqualTo("SKIPPED");
        assertThat(task(upgraded, "pre").path("outputData").path("k").asString()).isEqualTo("v");
    }

    @Test
    void aDefinitionChangedElsewhereSinceThePreCheckReadItIsCaughtByTheConsumer() {
        String name = registerVersions(List.of("w"), List.of("pre", "w"));
        String first = start(name, 1, Map.of());
        String second = start(name, 1, Map.of());
        assertThat(upgrade(first, name, Map.of("pre", Map.of("k", "v"))).status()).isEqualTo(200);

        // Another instance drops "pre" from version 2: this instance's pre-check still has the version it read.
        mongo.getCollection("workflow_defs").updateOne(Filters.eq("_id", name + ":2"),
                Updates.set("tasks", List.of(new Document(simple("w")))));

        Http.Response response = upgrade(second, name, Map.of("pre", Map.of("k", "v")));
        assertThat(response.status()).as("the pre-check passed on the definition it read").isEqualTo(200);
        JsonNode outcome = awaitFinalStatus(response.json().path("commandId").asString());
        assertThat(outcome.path("status").asString()).isEqualTo("REJECTED");
        assertThat(outcome.path("rejection").asString()).isEqualTo("UNEXPECTED_TASK_OUTPUT");
        assertThat(get(second).path("workflowVersion").asInt()).isEqualTo(1);
    }

    private Http.Response upgrade(String workflowId, String name, Map<String, Object> taskOutput) {
        return http.postJson("/api/workflow/" + workflowId + "/upgrade",
                Map.of("name", name, "version", 2, "taskOutput", taskOutput));
    }

    private static Map<String, Object> simple(String ref) {
        return Map.of("name", ref + "_task", "taskReferenceName", ref, "type", "SIMPLE");
    }
}

package io.upgrader.upgrade;

import io.upgrader.support.EmbeddedInfrastructureTest;
import io.upgrader.support.Http;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code dryRun=true}: the plan a real request would apply, the very rejections it would get, and nothing
 * stored or published.
 */
@EmbeddedInfrastructureTest
class UpgradeDryRunIT extends UpgradeApiFixture {

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

    private Http.Response dryRun(String workflowId, Object body) {
        return http.postJson("/api/workflow/" + workflowId + "/upgrade?dryRun=true", body);
    }
}

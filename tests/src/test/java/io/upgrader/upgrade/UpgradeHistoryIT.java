package io.upgrader.upgrade;

import io.upgrader.support.EmbeddedInfrastructureTest;
import io.upgrader.support.Http;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code GET /api/workflow/{workflowId}/upgrades}: the applied upgrades, newest first. */
@EmbeddedInfrastructureTest
class UpgradeHistoryIT extends UpgradeApiFixture {

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
}

package io.upgrader.upgrade;

import io.upgrader.support.EmbeddedInfrastructureTest;
import io.upgrader.support.Http;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code waitForSeconds}: the request answers with the command's final status once it is applied, within the
 * bounds 0..30.
 */
@EmbeddedInfrastructureTest
class UpgradeWaitForSecondsIT extends UpgradeApiFixture {

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

        // 30, the bound itself, is accepted: a 200 with the final status means the answer came once the command
        // was applied (a deadline reached would have been a 202).
        Http.Response accepted = waitFor(workflowId, body, 30);
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
}

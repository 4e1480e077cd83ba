package io.upgrader.baseline;

import io.upgrader.support.EmbeddedInfrastructureTest;
import io.upgrader.support.Http;
import io.upgrader.support.UpgradeFixture;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The benchmark's baseline upgrades within the request, and takes and refuses what the real endpoint does. */
@EmbeddedInfrastructureTest
class SynchronousUpgradeBaselineIT extends UpgradeFixture {

    @Test
    void theExecutionIsUpgradedWhenTheAnswerArrives() {
        String name = registerVersions(List.of("w"), List.of("pre", "w"));
        String workflowId = start(name, 1, Map.of());

        Http.Response response = http.postJson("/api/baseline/workflow/" + workflowId + "/upgrade",
                Map.of("name", name, "version", 2, "taskOutput", Map.of("pre", Map.of("done", true))));

        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.json().path("status").asString()).isEqualTo("APPLIED");
        assertThat(response.json().path("fromVersion").asInt()).isEqualTo(1);
        assertThat(response.json().path("toVersion").asInt()).isEqualTo(2);
        // No waiting: nothing is left to a consumer.
        JsonNode upgraded = get(workflowId);
        assertThat(upgraded.path("workflowVersion").asInt()).isEqualTo(2);
        assertThat(task(upgraded, "pre").path("status").asString()).isEqualTo("SKIPPED");
        assertThat(task(upgraded, "pre").path("outputData").path("done").asBoolean()).isTrue();
    }

    @Test
    void aBodyTheRealEndpointRefusesIsRefusedWithTheSameAnswer() {
        String name = registerVersions(List.of("w"), List.of("pre", "w"));
        String workflowId = start(name, 1, Map.of());
        for (Map<String, Object> body : List.of(Map.<String, Object>of("name", name),
                Map.<String, Object>of("name", name, "version", "two"),
                Map.<String, Object>of("name", name, "version", 2, "workflowInput",
                        Map.of("ref", Map.of("$ref", "x", "$id", 1))))) {
            Http.Response real = http.postJson("/api/workflow/" + workflowId + "/upgrade", body);
            Http.Response baseline = http.postJson("/api/baseline/workflow/" + workflowId + "/upgrade", body);

            assertThat(real.status()).as(real.body()).isEqualTo(400);
            assertThat(baseline.status()).as(baseline.body()).isEqualTo(400);
            assertThat(baseline.json().path("message").asString()).isEqualTo(real.json().path("message").asString());
        }
        assertThat(get(workflowId).path("workflowVersion").asInt()).isEqualTo(1);
    }
}

package io.upgrader.upgrade;

import io.upgrader.support.Http;
import io.upgrader.support.UpgradeFixture;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What the upgrade API's tests share beyond {@link UpgradeFixture}: waiting for an outcome, the commands seen on
 * the topic, and Conductor's error body.
 */
abstract class UpgradeApiFixture extends UpgradeFixture {

    @Autowired
    protected JsonMapper json;

    /** An upgrade with waitForSeconds, which must answer 200. */
    protected Http.Response waitFor(String workflowId, Object body, int seconds) {
        Http.Response response = http.postJson("/api/workflow/" + workflowId + "/upgrade?waitForSeconds=" + seconds,
                body);
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return response;
    }

    /** The commands of this workflow on the topic: exactly one, this one. */
    protected void assertOnlyCommandIs(String workflowId, String commandId) {
        await().atMost(PATIENCE).until(() -> !observed.commandsFor(workflowId).isEmpty());
        assertThat(observed.commandsFor(workflowId)).extracting(r -> json.readTree(r.value()).path("commandId")
                .asString()).containsExactly(commandId);
    }

    protected JsonNode tree(Object value) {
        return json.valueToTree(value);
    }

    protected void assertUnchanged(String workflowId, int version) {
        JsonNode workflow = get(workflowId);
        assertThat(workflow.path("workflowVersion").asInt()).isEqualTo(version);
        assertThat(workflow.path("upgradeHistory")).isEmpty();
        assertThat(workflow.path("tasks")).hasSize(1);
    }

    protected static void assertError(Http.Response response, int status, String messagePart, String path) {
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
}

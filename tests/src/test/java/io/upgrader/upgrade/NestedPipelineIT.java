package io.upgrader.upgrade;

import io.upgrader.support.EmbeddedInfrastructureTest;
import io.upgrader.support.Http;
import io.upgrader.support.UpgradeFixture;
import io.upgrader.support.UpstreamCommand;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Commands published straight to Kafka and bulk upgrades go through the same planner as the HTTP endpoint, so
 * executions whose running tasks sit in fork branches are upgraded by them with the same rules.
 */
@EmbeddedInfrastructureTest
class NestedPipelineIT extends UpgradeFixture {

    private static Map<String, Object> simple(String ref) {
        return Map.of("name", ref + "_task", "taskReferenceName", ref, "type", "SIMPLE");
    }

    /** v1: a fork of a and b; v2: pre before a, and a third branch c, joined too. */
    private String registerForkVersions() {
        String name = "nested_" + UUID.randomUUID().toString().replace("-", "");
        List<Map<String, Object>> v1 = List.of(
                Map.of("name", "f", "taskReferenceName", "f", "type", "FORK_JOIN",
                        "forkTasks", List.of(List.of(simple("a")), List.of(simple("b")))),
                Map.of("name", "j", "taskReferenceName", "j", "type", "JOIN", "joinOn", List.of("a", "b")));
        List<Map<String, Object>> v2 = List.of(
                Map.of("name", "f", "taskReferenceName", "f", "type", "FORK_JOIN", "forkTasks",
                        List.of(List.of(simple("pre"), simple("a")), List.of(simple("b")), List.of(simple("c")))),
                Map.of("name", "j", "taskReferenceName", "j", "type", "JOIN", "joinOn", List.of("a", "b", "c")));
        for (int version = 1; version <= 2; version++) {
            Http.Response response = http.postJson("/api/metadata/workflow",
                    Map.of("name", name, "version", version, "tasks", version == 1 ? v1 : v2));
            assertThat(response.status()).as(response.body()).isEqualTo(200);
        }
        return name;
    }

    private void assertUpgradedWithANewBranch(String workflowId) {
        JsonNode workflow = get(workflowId);
        assertThat(workflow.path("workflowVersion").asInt()).isEqualTo(2);
        assertThat(task(workflow, "pre").path("status").asString()).isEqualTo("SKIPPED");
        assertThat(task(workflow, "a").path("status").asString()).isEqualTo("SCHEDULED");
        assertThat(task(workflow, "b").path("status").asString()).isEqualTo("SCHEDULED");
        assertThat(task(workflow, "c").path("status").asString()).as("the new branch started").isEqualTo("SCHEDULED");
        assertThat(task(workflow, "j").path("inputData").path("joinOn").toString()).isNotEmpty();
    }

    @Test
    void aCommandPublishedByAnUpstreamSystemUpgradesAForkedExecution() throws Exception {
        String name = registerForkVersions();
        String workflowId = start(name, 1, Map.of());
        String commandId = "upstream-" + UUID.randomUUID();

        upstream.send(new ProducerRecord<>(commandTopic, workflowId, UpstreamCommand.of(commandId, workflowId, name, 2)
                .with("taskOutput", Map.of("pre", Map.of("score", 3))).bytes())).get();

        assertThat(awaitFinalStatus(commandId).path("status").asString()).isEqualTo("APPLIED");
        assertUpgradedWithANewBranch(workflowId);
        assertThat(task(get(workflowId), "pre").path("outputData").path("score").asInt()).isEqualTo(3);
    }

    @Test
    void aBulkUpgradeMovesEveryForkedExecutionWithTheSameRules() {
        String name = registerForkVersions();
        List<String> ids = IntStream.range(0, 9).mapToObj(i -> start(name, 1, Map.of("i", i))).toList();

        Http.Response accepted = http.postJson("/api/workflow/upgrade/bulk",
                Map.of("name", name, "fromVersions", List.of(1), "toVersion", 2));
        assertThat(accepted.status()).as(accepted.body()).isEqualTo(202);
        String batchId = accepted.json().path("batchId").asString();

        JsonNode progress = await().atMost(PATIENCE).until(() -> http.get("/api/workflow/upgrade/bulk/" + batchId),
                r -> r.status() == 200 && r.json().path("applied").asLong() == ids.size()).json();
        assertThat(progress.path("rejected").asLong()).isZero();
        ids.forEach(this::assertUpgradedWithANewBranch);
    }
}

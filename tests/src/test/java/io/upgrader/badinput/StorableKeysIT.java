package io.upgrader.badinput;

import io.upgrader.support.EmbeddedInfrastructureTest;
import io.upgrader.support.Http;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keys MongoDB treats specially ('.' paths, '$' operators) inside workflowInput and taskOutput: stored and
 * returned exactly as sent, through the HTTP request, the Kafka command, the MongoDB document and back. Never a
 * silent change, never a 500.
 */
@EmbeddedInfrastructureTest
class StorableKeysIT extends BadInputFixture {

    @Test
    void dottedAndDollarKeysRoundTripThroughStartUpgradeAndRead() {
        String name = registerVersions(List.of("w"), List.of("pre", "w"));
        Map<String, Object> input = new LinkedHashMap<>();
        input.put("a.b", 1);
        input.put("$x", "dollar");
        input.put("nested", Map.of("c.d", 1, "$e", Map.of("f.g", true)));
        String workflowId = start(name, 1, input);

        JsonNode started = get(workflowId);
        assertThat(started.path("input")).isEqualTo(PLAIN_JSON.valueToTree(input));

        Http.Response accepted = http.postJson("/api/workflow/" + workflowId + "/upgrade", Map.of(
                "name", name, "version", 2,
                "workflowInput", Map.of("x.y", 2, "$z", 3),
                "taskOutput", Map.of("pre", Map.of("out.put", 1, "$dollar", "v"))));
        assertThat(accepted.status()).as(accepted.body()).isEqualTo(200);
        JsonNode status = awaitFinalStatus(accepted.json().path("commandId").asString());
        assertThat(status.path("status").asString()).as(status.toString()).isEqualTo("APPLIED");

        Http.Response read = http.get("/api/workflow/" + workflowId);
        assertThat(read.status()).as(read.body()).isEqualTo(200);
        JsonNode workflow = read.json();
        Map<String, Object> merged = new LinkedHashMap<>(input);
        merged.put("x.y", 2);
        merged.put("$z", 3);
        assertThat(workflow.path("input")).isEqualTo(PLAIN_JSON.valueToTree(merged));
        assertThat(task(workflow, "pre").path("status").asString()).isEqualTo("SKIPPED");
        assertThat(task(workflow, "pre").path("outputData"))
                .isEqualTo(PLAIN_JSON.valueToTree(Map.of("out.put", 1, "$dollar", "v")));
        assertThat(http.get("/api/workflow/" + workflowId + "?includeTasks=false").status()).isEqualTo(200);
    }

    /** Keys that look like MongoDB operators, DBRef fields, the document id, or nothing at all. */
    @Test
    void operatorLookalikeAndEdgeKeysRoundTripExactly() {
        String name = registerVersions(List.of("w"), List.of("pre", "w"));
        Map<String, Object> input = new LinkedHashMap<>();
        input.put("$set", Map.of("status", "COMPLETED"));
        input.put("$where", "function() { return true; }");
        input.put("$ne", 1);
        input.put("_id", "not-the-id");
        input.put("$ref", "a lone $ref key is not a DBRef");
        input.put("$db", Map.of("$ref", "only a $ref, no $id"));
        input.put("$", "just a dollar");
        input.put(".", "just a dot");
        input.put("..", "two dots");
        input.put("a..b", "double dot");
        input.put(".leading", "leading dot");
        input.put("trailing.", "trailing dot");
        input.put("", "empty key");
        input.put("tasks.0.status", "COMPLETED");
        input.put("list", List.of(Map.of("$in", List.of(1, 2)), Map.of("k.k", "v")));
        String workflowId = start(name, 1, input);
        assertThat(get(workflowId).path("input")).isEqualTo(PLAIN_JSON.valueToTree(input));

        Map<String, Object> update = new LinkedHashMap<>();
        update.put("$unset", Map.of("input", ""));
        update.put("revision", 99);
        update.put("", "replaced");
        Map<String, Object> output = new LinkedHashMap<>();
        output.put("$inc", Map.of("revision", 1));
        output.put("status", "COMPLETED");
        output.put("a.b.c", List.of(1, Map.of("$d", 2)));
        Http.Response accepted = http.postJson("/api/workflow/" + workflowId + "/upgrade", Map.of(
                "name", name, "version", 2, "workflowInput", update, "taskOutput", Map.of("pre", output)));
        assertThat(accepted.status()).as(accepted.body()).isEqualTo(200);
        JsonNode status = awaitFinalStatus(accepted.json().path("commandId").asString());
        assertThat(status.path("status").asString()).as(status.toString()).isEqualTo("APPLIED");

        JsonNode workflow = get(workflowId);
        Map<String, Object> merged = new LinkedHashMap<>(input);
        merged.putAll(update);
        assertThat(workflow.path("input")).isEqualTo(PLAIN_JSON.valueToTree(merged));
        assertThat(task(workflow, "pre").path("outputData")).isEqualTo(PLAIN_JSON.valueToTree(output));
        // The operator-like keys were data, not operators: the execution itself is as the upgrade left it.
        assertThat(workflow.path("status").asString()).isEqualTo("RUNNING");
        assertThat(workflow.path("revision").asLong()).isEqualTo(1);
        assertThat(workflow.path("workflowVersion").asInt()).isEqualTo(2);
        assertThat(task(workflow, "w").path("status").asString()).isEqualTo("SCHEDULED");
    }

    /**
     * An object holding both "$ref" and "$id" is how MongoDB spells a DBRef: the driver would read it back as
     * one, renaming those keys and dropping every other. It cannot round-trip, so it gets a clear 400 naming
     * where it is, at every entry, and nothing is stored or published.
     */
    @Test
    void anObjectShapedLikeADbRefIsA400NamingWhereItIs() {
        String name = registerVersions(List.of("w"), List.of("pre", "w"));
        Map<String, Object> link = new LinkedHashMap<>();
        link.put("$ref", "workflows");
        link.put("$id", "x");
        link.put("other", "kept");

        Http.Response started = http.postJson("/api/workflow/" + name + "?version=1", Map.of("link", link));
        assertThat(started.status()).as(started.body()).isEqualTo(400);
        assertThat(started.json().path("validationErrors").get(0).path("path").asString()).isEqualTo("input.link");
        assertThat(started.json().path("message").asString()).contains("$ref").contains("$id");

        String workflowId = start(name, 1, Map.of("a", 1));
        String before = snapshot(workflowId);
        Http.Response inInput = http.postJson("/api/workflow/" + workflowId + "/upgrade", Map.of(
                "name", name, "version", 2, "workflowInput", Map.of("pointer", link)));
        Http.Response inOutput = http.postJson("/api/workflow/" + workflowId + "/upgrade", Map.of(
                "name", name, "version", 2, "taskOutput", Map.of("pre", Map.of("link", link))));

        assertThat(inInput.status()).as(inInput.body()).isEqualTo(400);
        assertThat(inInput.json().path("validationErrors").get(0).path("path").asString())
                .isEqualTo("workflowInput.pointer");
        assertThat(inOutput.status()).as(inOutput.body()).isEqualTo(400);
        assertThat(inOutput.json().path("validationErrors").get(0).path("path").asString())
                .isEqualTo("taskOutput.pre.link");
        assertThat(snapshot(workflowId)).isEqualTo(before);
        assertThat(observed.commandsFor(workflowId)).isEmpty();
    }

    /**
     * A JSON number beyond 64 bits is valid JSON; BSON has no such integer. Storing it some other exact way or
     * refusing it with a 400 are both fine; a 500 is not.
     */
    @Test
    void anIntegerBeyond64BitsInTheStartInputIsNeverA500() {
        // Regression (was a bug, now fixed): POST /api/workflow/{name}?version=1 with body {"x":123456789012345678901234567890} answers
        // 500 {"message":"Internal error; the request may be retried","retryable":true}: Jackson reads the number
        // into a java.math.BigInteger, DocumentMapper puts it into the org.bson.Document as is, and the MongoDB
        // driver has no codec for BigInteger (CodecConfigurationException) - and "retryable":true invites a retry
        // that fails the same way. Expected: a 400 naming input.x, or the number stored exactly (e.g. Decimal128).
        String name = registerVersions(List.of("w"), List.of("pre", "w"));
        Http.Response response = http.postJson("/api/workflow/" + name + "?version=1",
                "{\"x\":123456789012345678901234567890}");
        assertThat(response.status()).as(response.body()).isLessThan(500);
        if (response.status() == 200) {
            assertThat(get(response.body()).path("input").path("x").bigIntegerValue())
                    .isEqualTo(new java.math.BigInteger("123456789012345678901234567890"));
        } else {
            assertConductorError(response, 400, null);
        }
    }

    /** 1e400 is valid JSON but no double: refuse it, or keep it; it must not come back as something else. */
    @Test
    void aNumberBeyondDoubleRangeIsNotSilentlyTurnedIntoAString() {
        // Regression (was a bug, now fixed): an upgrade with workflowInput {"x":1e400,"y":-1e400} answers 200, is APPLIED, and GET then shows
        // input {"x":"Infinity","y":"-Infinity"}: Jackson parses 1e400 as Double.POSITIVE_INFINITY, which the
        // command JSON carries as the string "Infinity" (non-finite numbers written as strings), so a number
        // silently became a string. Expected: 400 naming workflowInput.x, or the number kept.
        String name = registerVersions(List.of("w"), List.of("pre", "w"));
        String workflowId = start(name, 1, Map.of());
        String before = snapshot(workflowId);
        Http.Response response = http.postJson("/api/workflow/" + workflowId + "/upgrade",
                "{\"name\":\"" + name + "\",\"version\":2,\"workflowInput\":{\"x\":1e400,\"y\":-1e400}}");
        assertThat(response.status()).as(response.body()).isLessThan(500);
        if (response.status() == 200) {
            assertThat(awaitFinalStatus(response.json().path("commandId").asString()).path("status").asString())
                    .isEqualTo("APPLIED");
            JsonNode input = get(workflowId).path("input");
            assertThat(input.path("x").isNumber()).as("input after the upgrade: " + input).isTrue();
            assertThat(input.path("y").isNumber()).as("input after the upgrade: " + input).isTrue();
        } else {
            assertConductorError(response, 400, null);
            assertUntouched(workflowId, before);
        }
    }
}

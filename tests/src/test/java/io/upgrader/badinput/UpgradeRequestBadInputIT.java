package io.upgrader.badinput;

import io.upgrader.support.EmbeddedInfrastructureTest;
import io.upgrader.support.Http;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bad bodies on POST /api/workflow/{workflowId}/upgrade against a real RUNNING execution: each is a 4xx with
 * Conductor's error body naming the field, the execution stays exactly as it was, no status record is stored
 * and no command is published. Every rejection test ends with one valid upgrade whose command must be the
 * only one ever seen for that workflow, which makes "nothing was published" an observable claim.
 */
@EmbeddedInfrastructureTest
class UpgradeRequestBadInputIT extends BadInputFixture {

    /** upgrader.http.max-body-size default (1MB = 1 MiB for Spring's DataSize). */
    private static final int MAX_BODY = 1024 * 1024;
    /** upgrader.http.max-json-depth default. */
    private static final int MAX_DEPTH = 64;

    String name;
    String workflowId;
    String path;
    String before;

    @BeforeEach
    void runningExecution() {
        name = registerVersions(List.of("w"), List.of("pre", "w"));
        workflowId = start(name, 1, Map.of("kept", "yes"));
        path = "/api/workflow/" + workflowId + "/upgrade";
        before = snapshot(workflowId);
    }

    private void assertNothingHappened() {
        assertUntouched(workflowId, before);
        assertOnlyCommandIsAValidProbe(workflowId, name);
    }

    private Http.Response postJsonBytes(byte[] body) {
        return http.postBytes(path, body, Map.of("Content-Type", "application/json"));
    }

    private static byte[] bytes(Object... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object part : parts) {
            out.writeBytes(part instanceof String s ? s.getBytes(StandardCharsets.UTF_8) : (byte[]) part);
        }
        return out.toByteArray();
    }

    private static byte[] hex(String hex) {
        return HexFormat.of().parseHex(hex);
    }

    /** n objects nested in each other, the innermost holding "a": 1. */
    private static String nestedObjects(int n) {
        return "{\"a\":".repeat(n - 1) + "{\"a\":1}" + "}".repeat(n - 1);
    }

    // --- Malformed JSON ------------------------------------------------------------------------------------

    @Test
    void malformedJsonIsA400NamingTheBody() {
        List<String> malformed = List.of(
                "{\"name\": \"" + name + "\", \"version\": 2",          // unterminated
                "{\"name\": \"" + name + "\", \"version\": 2,}",       // trailing comma
                "{\"name\": \"" + name + "\" \"version\": 2}",         // missing comma
                "{name: \"" + name + "\", version: 2}",                // unquoted names
                "{'name': '" + name + "', 'version': 2}",              // single quotes
                "{\"name\": \"" + name + "\", \"version\": 02}",       // leading zero
                "{\"name\": \"" + name + "\", \"version\": NaN}",      // not a JSON number
                "{\"name\": \"" + name + "\", \"version\": 2} trailing",
                "{\"name\": \"" + name + "\", \"version\": 2}{\"name\":\"x\"}",
                "{\"name\": \"" + name + "\u0001\", \"version\": 2}",  // unescaped control character
                "{\"name\": \"" + name + "\", \"version\": 2 /* comment */}",
                "{");
        for (String body : malformed) {
            Http.Response response = http.postJson(path, body);
            JsonNode error = assertConductorError(response, 400, "body");
            assertThat(error.path("message").asString()).as(body).contains("not valid JSON");
        }
        assertNothingHappened();
    }

    // --- Wrong types -----------------------------------------------------------------------------------------

    @Test
    void aVersionOfTheWrongTypeOrRangeIsA400NamingVersion() {
        List<String> versions = List.of("\"two\"", "2.5", "-1", "0", String.valueOf(1L << 40), "\"2\"", "true",
                "null", "[2]", "{\"v\":2}", "1e400", "-0.5", "2147483648", "123456789012345678901234567890");
        for (String version : versions) {
            Http.Response response = http.postJson(path, "{\"name\":\"" + name + "\",\"version\":" + version + "}");
            JsonNode error = assertConductorError(response, 400, "version");
            assertThat(error.path("message").asString()).as(version).contains("version");
        }
        assertNothingHappened();
    }

    @Test
    void aMissingOrInvalidNameOrVersionIsA400NamingTheField() {
        assertConductorError(http.postJson(path, "{\"version\":2}"), 400, "name");
        assertConductorError(http.postJson(path, "{\"name\":\"" + name + "\"}"), 400, "version");
        JsonNode both = assertConductorError(http.postJson(path, "{}"), 400, "name");
        assertThat(both.path("validationErrors")).extracting(e -> e.path("path").asString()).contains("version");
        for (String badName : List.of("\"\"", "\"   \"", "\"" + "n".repeat(257) + "\"", "5", "null", "[\"" + name
                + "\"]", "{\"name\":\"" + name + "\"}", "true")) {
            assertConductorError(http.postJson(path, "{\"name\":" + badName + ",\"version\":2}"), 400, "name");
        }
        // A well-formed name of another definition, and this name with different case or padding.
        assertConductorError(http.postJson(path, "{\"name\":\"" + name.toUpperCase() + "\",\"version\":2}"), 400,
                "name");
        assertConductorError(http.postJson(path, "{\"name\":\" " + name + "\",\"version\":2}"), 400, "name");
        // taskOutput / workflowInput of the wrong shape.
        assertConductorError(http.postJson(path, "{\"name\":\"" + name + "\",\"version\":2,\"taskOutput\":[]}"),
                400, "taskOutput");
        assertConductorError(http.postJson(path, "{\"name\":\"" + name + "\",\"version\":2,\"taskOutput\":"
                + "{\"pre\":\"not an object\"}}"), 400, "taskOutput.pre");
        assertConductorError(http.postJson(path, "{\"name\":\"" + name + "\",\"version\":2,\"workflowInput\":"
                + "[1,2]}"), 400, "workflowInput");
        assertConductorError(http.postJson(path, "{\"name\":\"" + name + "\",\"version\":2,\"workflowInput\":"
                + "\"x\"}"), 400, "workflowInput");
        assertNothingHappened();
    }

    // --- Empty and non-object bodies -------------------------------------------------------------------------

    @Test
    void anEmptyBodyIsA400NamingTheBody() {
        assertConductorError(http.post(path, "", Map.of()), 400, "body");
        assertConductorError(http.post(path, "   \n\t ", Map.of()), 400, "body");
        assertConductorError(http.send("POST", path, null, Map.of("Content-Type", "application/json")), 400, "body");
        for (String notAnObject : List.of("null", "[]", "\"" + name + "\"", "2", "true")) {
            JsonNode error = assertConductorError(http.postJson(path, notAnObject), 400, null);
            // The whole body is the offending value; its validation error says it must be an object.
            assertThat(error.path("validationErrors")).as(notAnObject).isNotEmpty();
            assertThat(error.path("message").asString()).as(notAnObject).contains("object expected");
        }
        assertNothingHappened();
    }

    // --- Size limit ------------------------------------------------------------------------------------------

    /** A well-formed, otherwise valid upgrade request of exactly {@code size} bytes. */
    private byte[] validRequestOfSize(int size) {
        String head = "{\"name\":\"" + name + "\",\"version\":2,\"workflowInput\":{\"big\":\"";
        String tail = "\"}}";
        int padding = size - head.length() - tail.length();
        byte[] body = (head + "x".repeat(padding) + tail).getBytes(StandardCharsets.UTF_8);
        assertThat(body).hasSize(size);
        return body;
    }

    @Test
    void aBodyOneByteOverTheLimitIs413WithContentLength() {
        JsonNode error = assertConductorError(postJsonBytes(validRequestOfSize(MAX_BODY + 1)), 413, "body");
        assertThat(error.path("message").asString()).contains(String.valueOf(MAX_BODY));
        assertNothingHappened();
    }

    @Test
    void aChunkedBodyOneByteOverTheLimitIs413() {
        byte[] body = validRequestOfSize(MAX_BODY + 1);
        JsonNode error = assertConductorError(postChunked(path, () -> new ByteArrayInputStream(body),
                "application/json"), 413, "body");
        assertThat(error.path("message").asString()).contains(String.valueOf(MAX_BODY));
        assertNothingHappened();
    }

    @Test
    void aBodyOfExactlyTheLimitIsAcceptedAndApplied() {
        byte[] body = validRequestOfSize(MAX_BODY);
        Http.Response accepted = postJsonBytes(body);
        assertThat(accepted.status()).as(accepted.body()).isEqualTo(200);
        assertThat(awaitFinalStatus(accepted.json().path("commandId").asString()).path("status").asString())
                .isEqualTo("APPLIED");
        JsonNode input = get(workflowId).path("input");
        assertThat(input.path("big").asString()).hasSize(MAX_BODY - validRequestOverhead()).matches("x+");
        assertThat(input.path("kept").asString()).isEqualTo("yes");

        // The same limit holds for a chunked body: exactly the limit passes.
        String second = start(name, 1, Map.of());
        byte[] chunked = validRequestOfSize(MAX_BODY);
        Http.Response streamed = postChunked("/api/workflow/" + second + "/upgrade",
                () -> new ByteArrayInputStream(chunked), "application/json");
        assertThat(streamed.status()).as(streamed.body()).isEqualTo(200);
    }

    private int validRequestOverhead() {
        return ("{\"name\":\"" + name + "\",\"version\":2,\"workflowInput\":{\"big\":\"" + "\"}}").length();
    }

    // --- Nesting depth ---------------------------------------------------------------------------------------

    @Test
    void jsonNestedDeeperThanTheLimitIsA400NamingTheBody() {
        // The body object is depth 1, so a workflowInput of MAX_DEPTH nested objects is depth MAX_DEPTH + 1.
        List<String> tooDeep = List.of(
                "{\"name\":\"" + name + "\",\"version\":2,\"workflowInput\":" + nestedObjects(MAX_DEPTH) + "}",
                "{\"name\":\"" + name + "\",\"version\":2,\"workflowInput\":{\"l\":" + "[".repeat(MAX_DEPTH)
                        + "]".repeat(MAX_DEPTH) + "}}",
                "{\"name\":\"" + name + "\",\"version\":2,\"taskOutput\":{\"pre\":" + nestedObjects(MAX_DEPTH - 1)
                        + "}}",
                // Far deeper than any stack would like: refused by the limit, not by a StackOverflowError.
                "{\"name\":\"" + name + "\",\"version\":2,\"workflowInput\":{\"l\":" + "[".repeat(200_000)
                        + "]".repeat(200_000) + "}}");
        for (String body : tooDeep) {
            JsonNode error = assertConductorError(http.postJson(path, body), 400, "body");
            assertThat(error.path("message").asString()).contains("depth").contains(String.valueOf(MAX_DEPTH));
        }
        assertNothingHappened();
    }

    @Test
    void jsonNestedExactlyToTheLimitIsAcceptedAndTheExecutionStaysReadable() {
        // depth 1 (body) + 63 = 64 for workflowInput; 1 (body) + 1 (taskOutput) + 62 = 64 for the task output.
        String body = "{\"name\":\"" + name + "\",\"version\":2,\"workflowInput\":{\"deep\":"
                + nestedObjects(MAX_DEPTH - 2) + "},\"taskOutput\":{\"pre\":" + nestedObjects(MAX_DEPTH - 2) + "}}";
        Http.Response accepted = http.postJson(path, body);
        assertThat(accepted.status()).as(accepted.body()).isEqualTo(200);
        assertThat(awaitFinalStatus(accepted.json().path("commandId").asString()).path("status").asString())
                .isEqualTo("APPLIED");
        JsonNode workflow = get(workflowId);
        assertThat(depthOf(workflow.path("input").path("deep"))).isEqualTo(MAX_DEPTH - 2);
        assertThat(depthOf(task(workflow, "pre").path("outputData"))).isEqualTo(MAX_DEPTH - 2);
    }

    private static int depthOf(JsonNode node) {
        int depth = 0;
        while (node.isObject()) {
            depth++;
            node = node.path("a");
        }
        return depth;
    }

    // --- Content-Type --------------------------------------------------------------------------------------

    @Test
    void aWrongContentTypeIs415() {
        String valid = "{\"name\":\"" + name + "\",\"version\":2}";
        for (String type : List.of("text/plain", "application/xml", "application/x-www-form-urlencoded",
                "multipart/form-data; boundary=x", "text/json", "application/octet-stream",
                "application/merge-patch+json")) {
            JsonNode error = assertConductorError(http.send("POST", path, valid, Map.of("Content-Type", type)), 415,
                    null);
            assertThat(error.path("message").asString()).as(type).contains("Content-Type");
        }
        // No Content-Type at all.
        JsonNode error = assertConductorError(http.postBytes(path, valid.getBytes(StandardCharsets.UTF_8), Map.of()),
                415, null);
        assertThat(error.path("message").asString()).contains("Content-Type");
        assertNothingHappened();
    }

    // --- Bytes that are not UTF-8 ----------------------------------------------------------------------------

    @Test
    void bytesThatAreNotUtf8AreA400NamingTheBody() {
        String valid = "{\"name\":\"" + name + "\",\"version\":2,\"workflowInput\":{\"k\":\"v\"}}";
        Map<String, byte[]> bodies = new LinkedHashMap<>();
        bodies.put("C3 28 inside the name", bytes("{\"name\":\"" + name, hex("c328"), "\",\"version\":2}"));
        bodies.put("lone continuation byte in a value", bytes("{\"name\":\"" + name + "\",\"version\":2,"
                + "\"workflowInput\":{\"k\":\"a", hex("80"), "b\"}}"));
        bodies.put("Latin-1 e-acute in a key", bytes("{\"name\":\"" + name + "\",\"version\":2,"
                + "\"workflowInput\":{\"caf", hex("e9"), "\":1}}"));
        bodies.put("UTF-16 surrogate encoded in UTF-8", bytes("{\"name\":\"" + name + "\",\"version\":2,"
                + "\"workflowInput\":{\"k\":\"", hex("eda080"), "\"}}"));
        bodies.put("truncated 3-byte sequence", bytes("{\"name\":\"" + name + "\",\"version\":2,"
                + "\"workflowInput\":{\"k\":\"", hex("e282"), "\"}}"));
        bodies.put("FF FE before the body", bytes(hex("fffe"), valid));
        bodies.put("Latin-1 body declared as UTF-8", ("{\"name\":\"" + name + "\",\"version\":2,"
                + "\"workflowInput\":{\"k\":\"d\u00e9j\u00e0\"}}").getBytes(StandardCharsets.ISO_8859_1));
        for (Map.Entry<String, byte[]> body : bodies.entrySet()) {
            Http.Response response = postJsonBytes(body.getValue());
            assertThat(response.status()).as(body.getKey() + ": " + response.body()).isEqualTo(400);
            assertConductorError(response, 400, "body");
        }
        assertNothingHappened();
    }

    /**
     * Overlong encodings (a character in more bytes than UTF-8 allows) and sequences above U+10FFFF are not
     * UTF-8 either (RFC 3629); they must be refused like the other bad bytes, not decoded into something else.
     */
    @Test
    void overlongAndOutOfRangeUtf8AreA400NotASilentChange() {
        // Regression (was a bug, now fixed): Jackson's UTF-8 parser (tools.jackson.core 3.1.4) decodes overlong sequences and 4-byte sequences
        // above U+10FFFF instead of refusing them, and nothing after it checks. Observed: the request below
        // (C0 AF, an overlong '/') answers 200 ACCEPTED and the execution's input becomes "a/b"; C0 80 becomes
        // a NUL character; F4 90 80 80 becomes two lone surrogates stored as "\uFFFD\uFFFD"-like garbage; and
        // "C1 B7" + rest of the name is decoded to the real name 'w...' so a forged spelling of the name is
        // accepted as the name. Expected: 400 with validationErrors [{path: body}], nothing published.
        Map<String, byte[]> bodies = new LinkedHashMap<>();
        bodies.put("C0 AF (overlong '/') in a value", bytes("{\"name\":\"" + name + "\",\"version\":2,"
                + "\"workflowInput\":{\"k\":\"a", hex("c0af"), "b\"}}"));
        bodies.put("C0 80 (overlong NUL) in a value", bytes("{\"name\":\"" + name + "\",\"version\":2,"
                + "\"workflowInput\":{\"k\":\"x", hex("c080"), "y\"}}"));
        bodies.put("E0 80 AF (3-byte overlong '/') in a key", bytes("{\"name\":\"" + name + "\",\"version\":2,"
                + "\"workflowInput\":{\"a", hex("e080af"), "b\":1}}"));
        bodies.put("F4 90 80 80 (above U+10FFFF) in a value", bytes("{\"name\":\"" + name + "\",\"version\":2,"
                + "\"workflowInput\":{\"k\":\"", hex("f4908080"), "\"}}"));
        bodies.put("C1 B7 (overlong 'w') spelling the name", bytes("{\"name\":\"", hex("c1b7"), name.substring(1),
                "\",\"version\":2}"));
        Map<String, String> notRefused = new LinkedHashMap<>();
        for (Map.Entry<String, byte[]> body : bodies.entrySet()) {
            Http.Response response = postJsonBytes(body.getValue());
            if (response.status() != 400) {
                notRefused.put(body.getKey(), response.status() + " " + response.body());
            } else {
                assertConductorError(response, 400, "body");
            }
        }
        assertThat(notRefused).as("bodies that were not refused, then the execution: " + get(workflowId)
                .path("input")).isEmpty();
        assertNothingHappened();
    }

    /** A body in UTF-16 or UTF-32 is not UTF-8 either; JSON between systems must be UTF-8 (RFC 8259, 8.1). */
    @Test
    void bodiesInOtherUnicodeEncodingsAreA400() {
        // Regression (was a bug, now fixed): Jackson auto-detects UTF-16/UTF-32 from the first bytes and the service accepts the body: a valid
        // request sent as UTF-16LE (no BOM, Content-Type application/json) answers 200 ACCEPTED and is applied.
        // The spec says bytes that are not UTF-8 get a 4xx naming the body. Less harmful than the overlong case
        // (the text is decoded faithfully), but it is input the contract does not allow.
        String valid = "{\"name\":\"" + name + "\",\"version\":2}";
        Map<String, String> notRefused = new LinkedHashMap<>();
        for (java.nio.charset.Charset charset : List.of(StandardCharsets.UTF_16LE, StandardCharsets.UTF_16BE,
                java.nio.charset.Charset.forName("UTF-32BE"))) {
            Http.Response response = postJsonBytes(valid.getBytes(charset));
            if (response.status() != 400) {
                notRefused.put(charset.name(), response.status() + " " + response.body());
            } else {
                assertConductorError(response, 400, "body");
            }
        }
        assertThat(notRefused).as("bodies that were not refused").isEmpty();
        assertNothingHappened();
    }
}

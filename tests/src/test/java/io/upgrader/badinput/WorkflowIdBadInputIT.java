package io.upgrader.badinput;

import io.upgrader.support.EmbeddedInfrastructureTest;
import io.upgrader.support.Http;
import io.upgrader.support.TestCredentials;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Path ids that cannot be ids, on every endpoint that takes one: a 400 with Conductor's error body (404 only
 * where no route can match), never HTML, never a 500, and never a lookup: the execution that exists is left
 * exactly as it was, whatever the DELETE, PUT or POST said.
 */
@EmbeddedInfrastructureTest
class WorkflowIdBadInputIT extends BadInputFixture {

    /** An endpoint taking an id: method, path with {id}, and the validationErrors path naming the id. */
    record Endpoint(String method, String template, String field, String body) {
        String path(String rawId) {
            return template.replace("{id}", rawId);
        }

        @Override
        public String toString() {
            return method + " " + template;
        }
    }

    static final List<Endpoint> ENDPOINTS = List.of(
            new Endpoint("GET", "/api/workflow/{id}", "workflowId", null),
            new Endpoint("POST", "/api/workflow/{id}/upgrade", "workflowId", "{\"name\":\"x\",\"version\":2}"),
            new Endpoint("GET", "/api/workflow/upgrades/{id}", "commandId", null),
            new Endpoint("PUT", "/api/workflow/{id}/pause", "workflowId", null),
            new Endpoint("PUT", "/api/workflow/{id}/resume", "workflowId", null),
            new Endpoint("DELETE", "/api/workflow/{id}", "workflowId", null),
            new Endpoint("DELETE", "/api/workflow/{id}/remove", "workflowId", null));

    String name;
    String workflowId;
    String before;
    long workflowCount;

    @BeforeEach
    void runningExecution() {
        name = registerVersions(List.of("w"), List.of("pre", "w"));
        workflowId = start(name, 1, Map.of("a", 1));
        before = snapshot(workflowId);
        workflowCount = mongo.getCollection("workflows").countDocuments();
    }

    /** The existing execution was not paused, terminated, removed or upgraded by any of the requests. */
    private void assertExecutionUntouched() {
        JsonNode workflow = get(workflowId);
        assertThat(workflow.path("status").asString()).isEqualTo("RUNNING");
        assertUntouched(workflowId, before);
        assertThat(mongo.getCollection("workflows").countDocuments()).isEqualTo(workflowCount);
    }

    /**
     * Ids the router passes to the controllers (percent-decoded by the container): each must be refused by the
     * id check itself, a 400 naming the id, before any lookup (a lookup would answer 404 "not found").
     */
    @Test
    void idsThatCannotBeIdsAreA400NamingTheIdOnEveryEndpoint() {
        Map<String, String> ids = new LinkedHashMap<>();
        ids.put("a".repeat(129), "129 characters");
        ids.put(workflowId + "x".repeat(129 - workflowId.length()), "the real id padded to 129 characters");
        ids.put("bad$id", "a '$'");
        ids.put("%24ne", "'$ne'");
        ids.put("%24where", "'$where'");
        ids.put("%7B", "a '{'");
        ids.put("%7B%22%24ne%22%3A1%7D", "{\"$ne\":1}");
        ids.put("%7B%22%24gt%22%3A%22%22%7D", "{\"$gt\":\"\"}");
        ids.put("a..b", "'..' inside");
        ids.put("a.b", "a '.'");
        ids.put("%20", "a space");
        ids.put(workflowId + "%20", "the real id and a space");
        ids.put("%C3%A9t%C3%A9", "non-ASCII letters");
        ids.put("%F0%9F%92%A5", "an emoji");
        ids.put("a%2Cb", "a comma");
        ids.put("*", "a '*'");
        ids.put(".*", "a regular expression");
        for (Map.Entry<String, String> id : ids.entrySet()) {
            for (Endpoint endpoint : ENDPOINTS) {
                Http.Response response = raw(endpoint.method(), endpoint.path(id.getKey()), endpoint.body());
                assertThat(response.status()).as(endpoint + " with " + id.getValue() + ": " + response.body())
                        .isEqualTo(400);
                JsonNode error = assertConductorError(response, 400, endpoint.field());
                assertThat(error.path("message").asString()).contains("not a valid id");
            }
        }
        assertExecutionUntouched();
        assertOnlyCommandIsAValidProbe(workflowId, name);
    }

    /** The boundary: 128 id characters are an id (unknown here, so 404 Conductor JSON), 129 are not. */
    @Test
    void aLongestPossibleIdIsLookedUpAndNotFound() {
        String longest = "A".repeat(128);
        JsonNode error = assertConductorError(http.get("/api/workflow/" + longest), 404, null);
        assertThat(error.path("message").asString()).contains("not found");
        assertConductorError(http.get("/api/workflow/upgrades/" + longest), 404, null);
        assertConductorError(http.send("PUT", "/api/workflow/" + longest + "/pause", null, Map.of()), 404, null);
        assertConductorError(http.send("DELETE", "/api/workflow/" + longest, null, Map.of()), 404, null);
        assertConductorError(http.get("/api/workflow/" + longest + "A"), 400, "workflowId");
    }

    /**
     * Dot segments and path parameters are refused before routing (Spring Security's firewall, then /error);
     * still a Conductor JSON body.
     */
    @Test
    void dotSegmentsAndPathParametersAreConductorJson400s() {
        List<String> ids = List.of("..", "%2E%2E", "%2e%2e", ".", workflowId + ";x=1", workflowId + ";%24ne=1",
                "a%3Bb", "a%25b");
        for (String id : ids) {
            for (Endpoint endpoint : ENDPOINTS) {
                Http.Response response = raw(endpoint.method(), endpoint.path(id), endpoint.body());
                assertThat(response.status()).as(endpoint + " with " + id + ": " + response.body())
                        .isIn(400, 404);
                assertConductorError(response, response.status(), null);
            }
        }
        // A dot segment that would climb out of /api/workflow/{id} onto another route.
        for (String climb : List.of("/api/workflow/../workflow/" + workflowId + "/pause",
                "/api/workflow/" + workflowId + "/../" + workflowId + "/pause",
                "/api/workflow/%2E%2E/metadata/workflow")) {
            Http.Response response = raw("PUT", climb, null);
            assertThat(response.status()).as(climb + ": " + response.body()).isIn(400, 404);
            assertConductorError(response, response.status(), null);
        }
        assertExecutionUntouched();
    }

    /**
     * Encoded '/' and '\' (and an encoded NUL) are refused by the servlet container before Spring sees the
     * request; the answer must still be Conductor's JSON error body, which ConductorErrorController exists for.
     */
    @Test
    void encodedSlashesBackslashesAndNulAreConductorJson400s() {
        // Regression (was a bug, now fixed): Tomcat (11.0.22) rejects these in CoyoteAdapter.postParseRequest, before the request is mapped
        // to the application, so the error page is rendered by Tomcat's ErrorReportValve and /error
        // (ConductorErrorController) never runs: e.g. GET /api/workflow/a%2Fb answers
        // 400 text/html "<!doctype html>...<h1>HTTP Status 400 – Bad Request</h1>...". Expected: 400
        // application/json {status:400, message, retryable:false, validationErrors}. Same for %5C and %00.
        List<String> ids = List.of("a%2Fb", "%2F", workflowId + "%2F..%2F" + workflowId, "a%2fb", "a%5Cb", "%5C",
                "a%5cb", "a%00b");
        List<String> notJson = new ArrayList<>();
        for (String id : ids) {
            for (Endpoint endpoint : ENDPOINTS) {
                Http.Response response = raw(endpoint.method(), endpoint.path(id), endpoint.body());
                assertThat(response.status()).as(endpoint + " with " + id).isIn(400, 404);
                String type = response.header("Content-Type");
                if (type == null || !type.startsWith("application/json")) {
                    notJson.add(endpoint + " " + id + " -> " + response.status() + " " + type);
                } else {
                    assertConductorError(response, response.status(), null);
                }
            }
        }
        assertThat(notJson).as("answers that are not Conductor JSON").isEmpty();
        assertExecutionUntouched();
    }

    /** Percent-escapes that are not escapes, sent as raw bytes (java.net.URI would refuse to build them). */
    @Test
    void malformedPercentEncodingIsAConductorJson400() {
        // Regression (was a bug, now fixed): like the encoded slash, Tomcat refuses a malformed escape (or one decoding to invalid UTF-8)
        // before the application and answers with its HTML error page rather than Conductor's JSON body.
        List<String> notJson = new ArrayList<>();
        for (String rawPath : List.of("/api/workflow/a%zz", "/api/workflow/a%", "/api/workflow/%C3%28",
                "/api/workflow/%FF/pause")) {
            String response = rawHttp("GET", rawPath);
            String statusLine = response.substring(0, response.indexOf("\r\n"));
            assertThat(statusLine).as(rawPath).matches("HTTP/1\\.1 40[04].*");
            String head = response.substring(0, response.indexOf("\r\n\r\n")).toLowerCase();
            if (!head.contains("content-type: application/json")) {
                notJson.add(rawPath + " -> " + statusLine);
            }
        }
        assertThat(notJson).as("answers that are not Conductor JSON").isEmpty();
        assertExecutionUntouched();
    }

    /** One HTTP/1.1 request written byte for byte; returns the whole answer. */
    private String rawHttp(String method, String rawPath) {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write((method + " " + rawPath + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nX-Authorization: "
                    + TestCredentials.API_TOKEN + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            in.transferTo(answer);
            return answer.toString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

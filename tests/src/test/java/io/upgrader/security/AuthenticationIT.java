package io.upgrader.security;

import com.netflix.conductor.client.exception.ConductorClientException;
import com.netflix.conductor.client.http.ConductorClient;
import com.netflix.conductor.client.http.MetadataClient;
import com.netflix.conductor.common.metadata.workflow.StartWorkflowRequest;
import com.netflix.conductor.common.metadata.workflow.UpgradeWorkflowRequest;
import com.netflix.conductor.common.metadata.workflow.WorkflowDef;
import com.netflix.conductor.common.metadata.workflow.WorkflowTask;
import com.netflix.conductor.common.run.Workflow;
import io.orkes.conductor.client.ApiClient;
import io.orkes.conductor.client.http.OrkesWorkflowClient;
import io.upgrader.support.EmbeddedInfrastructureTest;
import io.upgrader.support.Http;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.upgrader.support.TestCredentials.API_TOKEN;
import static io.upgrader.support.TestCredentials.KEY_ID;
import static io.upgrader.support.TestCredentials.KEY_SECRET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * X-Authorization on the shared test context: static API tokens, JWTs from POST /api/token for application
 * keys, the Conductor error body on 401, open actuator endpoints, and the official Orkes client end to end.
 */
@EmbeddedInfrastructureTest
@ExtendWith(OutputCaptureExtension.class)
class AuthenticationIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    /** One request per protected area of the API: executions, upgrades, metadata, tasks. */
    private record Call(String method, String path, String body) {
        Http.Response send(Http http) {
            return http.send(method, path, body, body == null ? Map.of() : Map.of("Content-Type", "application/json"));
        }

        @Override
        public String toString() {
            return method + " " + path;
        }
    }

    private static final Call GET_WORKFLOW = new Call("GET", "/api/workflow/x", null);
    private static final Call POST_UPGRADE = new Call("POST", "/api/workflow/wf-does-not-exist/upgrade",
            "{\"name\":\"some_flow\",\"version\":2}");
    private static final Call GET_DEFINITIONS = new Call("GET", "/api/metadata/workflow", null);
    private static final Call POST_TASK = new Call("POST", "/api/tasks",
            "{\"taskId\":\"no-such-task\",\"status\":\"COMPLETED\"}");
    private static final List<Call> PROTECTED = List.of(GET_WORKFLOW, POST_UPGRADE, GET_DEFINITIONS, POST_TASK);

    @LocalServerPort
    int port;

    @Autowired
    SecurityProperties properties;

    Http anonymous;

    @BeforeEach
    void connect() {
        anonymous = new Http(port, null);
    }

    // ---- the header is required ----

    @Test
    void withoutTheHeaderEveryApiAreaAnswers401WithTheConductorErrorBodyNamingXAuthorization() {
        for (Call call : PROTECTED) {
            Http.Response response = call.send(anonymous);
            assertThat(response.status()).as(call.toString()).isEqualTo(401);
            assertUnauthorizedBody(response, call.toString());
            assertThat(response.json().get("message").asString()).as(call.toString()).contains("X-Authorization");
        }
    }

    @Test
    void aBlankHeaderIsAMissingOne() {
        Http.Response response = GET_DEFINITIONS.send(anonymous.withAuthorization("   "));
        assertThat(response.status()).isEqualTo(401);
        assertUnauthorizedBody(response, "blank header");
    }

    @ParameterizedTest
    @ValueSource(strings = {"not-the-token", API_TOKEN + "x", "Bearer not-the-token", KEY_SECRET, "Basic dGVzdDp0ZXN0"})
    void aWrongTokenIs401OnEveryApiArea(String wrong) {
        Http http = anonymous.withAuthorization(wrong);
        for (Call call : PROTECTED) {
            Http.Response response = call.send(http);
            assertThat(response.status()).as(call + " with " + wrong).isEqualTo(401);
            assertUnauthorizedBody(response, call.toString());
        }
    }

    @Test
    void theApiTokenReachesEveryApiArea() {
        Http http = anonymous.withAuthorization(API_TOKEN);
        assertThat(GET_WORKFLOW.send(http).status()).as("unknown execution").isEqualTo(404);
        Http.Response definitions = GET_DEFINITIONS.send(http);
        assertThat(definitions.status()).isEqualTo(200);
        assertThat(definitions.json().isArray()).isTrue();
        // Past authentication, the upgrade of an unknown execution is rejected by the planner.
        Http.Response upgrade = POST_UPGRADE.send(http);
        assertThat(upgrade.status()).as(upgrade.body()).isEqualTo(400);
        assertThat(upgrade.json().get("message").asString()).contains("wf-does-not-exist");
        Http.Response task = POST_TASK.send(http);
        assertThat(task.status()).as(task.body()).isEqualTo(404);
        // The body is validated once authenticated: an empty task result is the caller's mistake, not a 401.
        Http.Response emptyTask = http.send("POST", "/api/tasks", "{}", Map.of("Content-Type", "application/json"));
        assertThat(emptyTask.status()).isEqualTo(400);
        assertThat(emptyTask.json().get("message").asString()).contains("taskId");
    }

    @Test
    void theBearerFormIsAcceptedToo() {
        assertThat(GET_DEFINITIONS.send(anonymous.withAuthorization("Bearer " + API_TOKEN)).status()).isEqualTo(200);
        assertThat(GET_WORKFLOW.send(anonymous.withAuthorization("Bearer " + API_TOKEN)).status()).isEqualTo(404);
        String jwt = issueToken(KEY_ID, KEY_SECRET);
        assertThat(GET_DEFINITIONS.send(anonymous.withAuthorization("Bearer " + jwt)).status()).isEqualTo(200);
    }

    // ---- POST /api/token ----

    @Test
    void theApplicationKeyIsExchangedForAnExpiringHs256JwtThatTheApiAccepts() {
        Instant before = Instant.now().minusSeconds(5);
        Http.Response response = anonymous.postJson("/api/token", Map.of("keyId", KEY_ID, "keySecret", KEY_SECRET));
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        String token = response.json().get("token").asString();
        assertThat(token).isNotEqualTo(API_TOKEN).doesNotContain(KEY_SECRET);

        String[] parts = token.split("\\.");
        assertThat(parts).hasSize(3);
        JsonNode header = JSON.readTree(Base64.getUrlDecoder().decode(parts[0]));
        JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
        assertThat(header.get("alg").asString()).isEqualTo("HS256");
        assertThat(claims.get("sub").asString()).isEqualTo(KEY_ID);
        Instant expiresAt = Instant.ofEpochSecond(claims.get("exp").asLong());
        assertThat(expiresAt).isAfter(Instant.now())
                .isBeforeOrEqualTo(Instant.now().plus(properties.tokenTtl()).plusSeconds(5));
        assertThat(Instant.ofEpochSecond(claims.get("iat").asLong())).isAfterOrEqualTo(before.minusSeconds(1));
        assertThat(claims.toString()).doesNotContain(KEY_SECRET);

        Http withJwt = anonymous.withAuthorization(token);
        assertThat(GET_DEFINITIONS.send(withJwt).status()).isEqualTo(200);
        assertThat(GET_WORKFLOW.send(withJwt).status()).isEqualTo(404);
        assertThat(POST_TASK.send(withJwt).status()).isEqualTo(404);
    }

    @Test
    void aWrongSecretOrAnUnknownKeyIdGets401AndNoToken() {
        List<Map<String, String>> wrong = List.of(
                Map.of("keyId", KEY_ID, "keySecret", KEY_SECRET + "x"),
                Map.of("keyId", KEY_ID, "keySecret", ""),
                Map.of("keyId", KEY_ID, "keySecret", API_TOKEN),
                Map.of("keyId", "unknown-key", "keySecret", KEY_SECRET),
                Map.of("keyId", KEY_SECRET, "keySecret", KEY_ID),
                Map.of("keyId", "", "keySecret", ""));
        for (Map<String, String> request : wrong) {
            Http.Response response = anonymous.postJson("/api/token", request);
            assertThat(response.status()).as(request.get("keyId") + " / " + request.get("keySecret")).isEqualTo(401);
            JsonNode body = response.json();
            assertThat(body.has("token")).as(response.body()).isFalse();
            assertThat(body.get("status").asInt()).isEqualTo(401);
            assertThat(body.get("retryable").asBoolean()).isFalse();
            assertThat(body.get("message").asString()).isNotBlank();
            assertThat(response.body()).doesNotContain(KEY_SECRET);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"{}", "{\"keyId\":\"" + KEY_ID + "\"}", "{\"keySecret\":\"" + KEY_SECRET + "\"}",
            "{\"keyId\":null,\"keySecret\":null}"})
    void missingFieldsAre400AndNoToken(String body) {
        Http.Response response = anonymous.post("/api/token", body, Map.of());
        assertThat(response.status()).as(response.body()).isEqualTo(400);
        JsonNode json = response.json();
        assertThat(json.has("token")).isFalse();
        assertThat(json.get("status").asInt()).isEqualTo(400);
        assertThat(json.get("message").asString()).contains("keyId").contains("keySecret");
        assertThat(response.body()).doesNotContain(KEY_SECRET);
    }

    // ---- JWTs that must not pass ----

    @Test
    void aJwtSignedWithTheServiceKeyButExpiredIs401() {
        // Control: the same construction with the current time is accepted, so the key is the service's own.
        String fresh = new AccessTokens(properties, Clock.systemUTC()).issue(KEY_ID);
        assertThat(GET_DEFINITIONS.send(anonymous.withAuthorization(fresh)).status()).isEqualTo(200);

        Clock twoHoursAgo = Clock.fixed(Instant.now().minus(Duration.ofHours(2)), ZoneOffset.UTC);
        String expired = new AccessTokens(properties, twoHoursAgo).issue(KEY_ID);
        JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(expired.split("\\.")[1]));
        assertThat(Instant.ofEpochSecond(claims.get("exp").asLong())).isBefore(Instant.now());

        for (String value : List.of(expired, "Bearer " + expired)) {
            Http.Response response = GET_DEFINITIONS.send(anonymous.withAuthorization(value));
            assertThat(response.status()).isEqualTo(401);
            assertUnauthorizedBody(response, "expired");
            assertThat(POST_TASK.send(anonymous.withAuthorization(value)).status()).isEqualTo(401);
        }
    }

    @Test
    void aJwtSignedWithAnotherKeyIs401() {
        SecurityProperties other = new SecurityProperties(List.of(), List.of(KEY_ID + ":some-other-secret-entirely"),
                null, properties.tokenTtl(), properties.issuer());
        String foreign = new AccessTokens(other, Clock.systemUTC()).issue(KEY_ID);
        Http.Response response = GET_DEFINITIONS.send(anonymous.withAuthorization(foreign));
        assertThat(response.status()).isEqualTo(401);
        assertUnauthorizedBody(response, "foreign key");

        SecurityProperties explicitKey = new SecurityProperties(List.of(), List.of(KEY_ID + ":" + KEY_SECRET),
                "an-explicit-signing-key-of-at-least-32-bytes", properties.tokenTtl(), properties.issuer());
        String other2 = new AccessTokens(explicitKey, Clock.systemUTC()).issue(KEY_ID);
        assertThat(GET_DEFINITIONS.send(anonymous.withAuthorization(other2)).status()).isEqualTo(401);
    }

    @Test
    void aTamperedJwtIs401() {
        String token = issueToken(KEY_ID, KEY_SECRET);
        assertThat(GET_DEFINITIONS.send(anonymous.withAuthorization(token)).status()).isEqualTo(200);

        // A character in the middle of the signature: the last one may only carry unused padding bits.
        int at = token.lastIndexOf('.') + 10;
        char changed = token.charAt(at) == 'A' ? 'B' : 'A';
        String badSignature = token.substring(0, at) + changed + token.substring(at + 1);
        assertThat(badSignature).isNotEqualTo(token);
        Http.Response response = GET_DEFINITIONS.send(anonymous.withAuthorization(badSignature));
        assertThat(response.status()).isEqualTo(401);
        assertUnauthorizedBody(response, "tampered signature");

        // The claims changed (another subject, a later expiry) under the original signature.
        String[] parts = token.split("\\.");
        String claims = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
        String forgedClaims = claims.replace("\"" + KEY_ID + "\"", "\"admin\"");
        assertThat(forgedClaims).isNotEqualTo(claims);
        String badClaims = parts[0] + "." + Base64.getUrlEncoder().withoutPadding()
                .encodeToString(forgedClaims.getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
        assertThat(GET_DEFINITIONS.send(anonymous.withAuthorization(badClaims)).status()).isEqualTo(401);

        // The unsigned form ("alg":"none") of the same claims.
        String none = Base64.getUrlEncoder().withoutPadding()
                .encodeToString("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8)) + "." + parts[1] + ".";
        assertThat(GET_DEFINITIONS.send(anonymous.withAuthorization(none)).status()).isEqualTo(401);
    }

    // ---- actuator ----

    @ParameterizedTest
    @ValueSource(strings = {"/actuator/health", "/actuator/health/readiness", "/actuator/health/liveness",
            "/actuator/info", "/actuator/metrics", "/actuator/metrics/jvm.memory.used"})
    void healthInfoAndMetricsStayOpen(String path) {
        Http.Response response = anonymous.get(path);
        assertThat(response.status()).as(path + ": " + response.body()).isEqualTo(200);
        assertThat(response.json().isObject()).isTrue();
    }

    // ---- the official Orkes client, unchanged ----

    @Test
    void theOrkesClientWithAKeyIdAndSecretRegistersStartsAndUpgradesAWorkflow() {
        ConductorClient client = new ApiClient("http://127.0.0.1:" + port + "/api", KEY_ID, KEY_SECRET);
        try (OrkesWorkflowClient workflows = new OrkesWorkflowClient(client)) {
            MetadataClient metadata = new MetadataClient(client);
            String name = "auth_flow_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
            metadata.registerWorkflowDef(definition(name, 1, waitTask("w")));
            metadata.registerWorkflowDef(definition(name, 2, waitTask("w"), waitTask("after")));
            assertThat(metadata.getWorkflowDef(name, 2).getTasks()).hasSize(2);

            StartWorkflowRequest start = new StartWorkflowRequest();
            start.setName(name);
            start.setVersion(1);
            start.setInput(Map.of("a", 1));
            String workflowId = workflows.startWorkflow(start);
            assertThat(workflows.getWorkflow(workflowId, true).getWorkflowVersion()).isEqualTo(1);

            UpgradeWorkflowRequest upgrade = new UpgradeWorkflowRequest();
            upgrade.setName(name);
            upgrade.setVersion(2);
            workflows.upgradeRunningWorkflow(workflowId, upgrade);

            Workflow upgraded = await().atMost(PATIENCE).until(() -> workflows.getWorkflow(workflowId, true),
                    workflow -> workflow.getWorkflowVersion() == 2);
            assertThat(upgraded.getStatus()).isEqualTo(Workflow.WorkflowStatus.RUNNING);
            assertThat(upgraded.getInput()).containsEntry("a", 1);
        } finally {
            client.shutdown();
        }
    }

    @Test
    void theOrkesClientWithAWrongSecretGets401OnItsFirstCall() {
        ConductorClient client = new ApiClient("http://127.0.0.1:" + port + "/api", KEY_ID, KEY_SECRET + "-wrong");
        try {
            MetadataClient metadata = new MetadataClient(client);
            // OrkesAuthentication fetches its token through a Guava cache, which wraps the client's exception.
            assertThatThrownBy(metadata::getAllWorkflowsWithLatestVersions)
                    .satisfies(thrown -> assertThat(conductorException(thrown)).isNotNull()
                            .extracting(ConductorClientException::getStatus).isEqualTo(401));
        } finally {
            client.shutdown();
        }
    }

    // ---- secrets never logged ----

    @Test
    void noSecretReachesTheLogsOnFailedOrSuccessfulTokenRequests(CapturedOutput output) {
        String wrongSecret = "wrong-secret-" + UUID.randomUUID();
        String wrongToken = "wrong-token-" + UUID.randomUUID();
        withVerboseLogging(() -> {
            assertThat(anonymous.postJson("/api/token", Map.of("keyId", KEY_ID, "keySecret", wrongSecret)).status())
                    .isEqualTo(401);
            assertThat(anonymous.postJson("/api/token", Map.of("keyId", "unknown-key", "keySecret", KEY_SECRET))
                    .status()).isEqualTo(401);
            String jwt = issueToken(KEY_ID, KEY_SECRET);
            assertThat(GET_DEFINITIONS.send(anonymous.withAuthorization(jwt)).status()).isEqualTo(200);
            assertThat(GET_DEFINITIONS.send(anonymous.withAuthorization(API_TOKEN)).status()).isEqualTo(200);
            assertThat(GET_DEFINITIONS.send(anonymous.withAuthorization(wrongToken)).status()).isEqualTo(401);
        });
        // The capture sees these requests, so the absence below means something: the token request is logged,
        // with its keyId...
        assertThat(output.getAll()).contains("/api/token").contains("TokenRequest[keyId=" + KEY_ID + "]")
                .contains("/api/metadata/workflow");
        // ...but none of the secrets, the wrong ones included.
        assertThat(output.getAll()).doesNotContain(KEY_SECRET).doesNotContain(wrongSecret)
                .doesNotContain(API_TOKEN).doesNotContain(wrongToken);
    }

    @Test
    void theIssuedTokenDoesNotReachTheLogsEither(CapturedOutput output) {
        String[] jwt = new String[1];
        withVerboseLogging(() -> jwt[0] = issueToken(KEY_ID, KEY_SECRET));
        assertThat(output.getAll()).contains("/api/token");
        // BUG: TokenRequest hides keySecret from toString, but TokenResponse keeps the record default, so Spring MVC
        // (RequestResponseBodyMethodProcessor, "Writing [TokenResponse[token=...]]" at TRACE) logs the whole bearer
        // JWT, a credential valid for upgrader.security.token-ttl (60 min). At DEBUG it is cut to its first 100
        // characters, which stops before the signature.
        assertThat(output.getAll()).as("the log").doesNotContain(jwt[0]);
    }

    /** As verbose as an operator chasing a 401 would make it: a secret must not show up even then. */
    private void withVerboseLogging(Runnable requests) {
        LoggingSystem logging = LoggingSystem.get(getClass().getClassLoader());
        List<String> loggers = List.of("io.upgrader", "org.springframework.security", "org.springframework.web");
        loggers.forEach(logger -> logging.setLogLevel(logger, LogLevel.TRACE));
        try {
            requests.run();
        } finally {
            loggers.forEach(logger -> logging.setLogLevel(logger, null));
        }
    }

    // ---- helpers ----

    private String issueToken(String keyId, String keySecret) {
        Http.Response response = anonymous.postJson("/api/token", Map.of("keyId", keyId, "keySecret", keySecret));
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return response.json().get("token").asString();
    }

    private static void assertUnauthorizedBody(Http.Response response, String what) {
        assertThat(response.header("Content-Type")).as(what).startsWith("application/json");
        JsonNode body = response.json();
        assertThat(body.get("status").asInt()).as(what).isEqualTo(401);
        assertThat(body.get("retryable").isBoolean()).as(what).isTrue();
        assertThat(body.get("retryable").asBoolean()).as(what).isFalse();
        assertThat(body.get("message").asString()).as(what).isNotBlank();
        JsonNode errors = body.get("validationErrors");
        assertThat(errors.isArray()).as(what).isTrue();
        assertThat(errors.size()).as(what).isEqualTo(1);
        assertThat(errors.get(0).get("path").asString()).as(what).isEqualTo("X-Authorization");
    }

    private static ConductorClientException conductorException(Throwable thrown) {
        for (Throwable cause = thrown; cause != null; cause = cause.getCause()) {
            if (cause instanceof ConductorClientException e) {
                return e;
            }
        }
        return null;
    }

    private static WorkflowDef definition(String name, int version, WorkflowTask... tasks) {
        WorkflowDef definition = new WorkflowDef();
        definition.setName(name);
        definition.setVersion(version);
        definition.setSchemaVersion(2);
        definition.setOwnerEmail("tests@example.com");
        definition.setTasks(List.of(tasks));
        return definition;
    }

    private static WorkflowTask waitTask(String ref) {
        WorkflowTask task = new WorkflowTask();
        task.setName(ref);
        task.setTaskReferenceName(ref);
        task.setType("WAIT");
        return task;
    }
}

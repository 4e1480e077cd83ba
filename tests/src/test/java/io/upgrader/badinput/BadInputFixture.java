package io.upgrader.badinput;

import io.upgrader.support.Http;
import io.upgrader.support.TestCredentials;
import io.upgrader.support.TopicObserver;
import io.upgrader.support.UpgradeFixture;
import io.upgrader.support.UpstreamCommand;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.kafka.autoconfigure.KafkaConnectionDetails;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.data.mongodb.core.MongoTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What the bad-input tests share: the service's port, a raw Kafka producer, the topic observer and helpers to
 * register definitions, start executions, read them back and check Conductor's error body. Not a test itself;
 * every concrete class carries exactly {@code @EmbeddedInfrastructureTest}, so they all share one context.
 */
abstract class BadInputFixture extends UpgradeFixture {

    static final JsonMapper PLAIN_JSON = JsonMapper.builder().build();
    private static final HttpClient RAW_CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Autowired
    MongoTemplate mongo;


    // --- Definitions and executions -----------------------------------------------------------------------

    /** The execution as a client sees it, minus nothing: used to compare before and after a rejected request. */
    String snapshot(String workflowId) {
        return get(workflowId).toString();
    }

    /** Every upgrade_commands record stored for this workflow (a rejected request must leave none). */
    long statusRecordsFor(String workflowId) {
        return mongo.getCollection("upgrade_commands").countDocuments(new org.bson.Document("workflowId", workflowId));
    }

    /** Asserts the execution is still at version 1 without any upgrade, exactly as {@code before}. */
    void assertUntouched(String workflowId, String before) {
        JsonNode workflow = get(workflowId);
        assertThat(workflow.path("workflowVersion").asInt()).isEqualTo(1);
        assertThat(workflow.path("upgradeHistory").isEmpty()).as(workflow.toString()).isTrue();
        assertThat(workflow.toString()).isEqualTo(before);
        assertThat(statusRecordsFor(workflowId)).as("status records for " + workflowId).isZero();
    }

    /**
     * Ends a test that claims nothing was published for {@code workflowId}: one valid upgrade goes through,
     * its command is awaited on the topic, and it must be the only command ever seen for that key. A broken
     * implementation that published a rejected request would show a second command here (same partition, so
     * an earlier one is delivered before the probe).
     */
    void assertOnlyCommandIsAValidProbe(String workflowId, String name) {
        Http.Response accepted = http.postJson("/api/workflow/" + workflowId + "/upgrade",
                Map.of("name", name, "version", 2));
        assertThat(accepted.status()).as(accepted.body()).isEqualTo(200);
        String commandId = accepted.json().path("commandId").asString();
        await().atMost(PATIENCE).until(() -> observed.commandsFor(workflowId).stream()
                .anyMatch(r -> commandId.equals(commandIdOf(r))));
        assertThat(observed.commandsFor(workflowId)).extracting(BadInputFixture::commandIdOf)
                .containsExactly(commandId);
        assertThat(awaitFinalStatus(commandId).path("status").asString()).isEqualTo("APPLIED");
        assertThat(statusRecordsFor(workflowId)).isEqualTo(1);
    }

    static String commandIdOf(ConsumerRecord<String, byte[]> record) {
        return PLAIN_JSON.readTree(record.value()).path("commandId").asString();
    }

    // --- Kafka ---------------------------------------------------------------------------------------------

    void publish(String key, byte[] value) {
        try {
            upstream.send(new ProducerRecord<>(commandTopic, key, value)).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static Map<String, Object> command(String commandId, String workflowId, String name, Object version) {
        return UpstreamCommand.of(commandId, workflowId, name, version).with("taskOutput", Map.of()).fields();
    }

    // --- HTTP ----------------------------------------------------------------------------------------------

    /** A POST whose body is streamed without Content-Length (chunked transfer encoding). */
    Http.Response postChunked(String path, Supplier<InputStream> body, String contentType) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", contentType)
                .header("X-Authorization", TestCredentials.API_TOKEN)
                .POST(HttpRequest.BodyPublishers.ofInputStream(body))
                .build();
        return send(request);
    }

    /** Any method, any raw (already encoded) path. */
    Http.Response raw(String method, String rawPath, String body) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + rawPath))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .header("X-Authorization", TestCredentials.API_TOKEN)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body))
                .build();
        return send(request);
    }

    private static Http.Response send(HttpRequest request) {
        try {
            HttpResponse<String> response = RAW_CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
            return new Http.Response(response.statusCode(), response.body(), response.headers());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Conductor's error body: {status, message, retryable, validationErrors}, the same status inside as on the
     * wire, JSON content type, no exception class names or stack frames.
     *
     * @param path a validationErrors path that must be present, or null
     */
    static JsonNode assertConductorError(Http.Response response, int status, String path) {
        assertThat(response.status()).as(response.body()).isEqualTo(status);
        assertThat(response.header("Content-Type")).as("Content-Type of " + response.body())
                .startsWith("application/json");
        JsonNode body = response.json();
        assertThat(body.isObject()).as(response.body()).isTrue();
        assertThat(body.path("status").asInt()).as(response.body()).isEqualTo(status);
        assertThat(body.path("message").isString()).as(response.body()).isTrue();
        assertThat(body.path("message").asString()).as(response.body()).isNotBlank();
        assertThat(body.path("retryable").isBoolean()).as(response.body()).isTrue();
        assertThat(body.path("retryable").asBoolean()).as(response.body()).isFalse();
        assertThat(response.body()).doesNotContain("Exception").doesNotContain("\tat ").doesNotContain("\\tat ")
                .doesNotContain("<html").doesNotContain("<!doctype");
        if (path != null) {
            assertThat(body.path("validationErrors").isArray()).as(response.body()).isTrue();
            assertThat(body.path("validationErrors")).as(response.body())
                    .extracting(e -> e.path("path").asString()).contains(path);
            for (JsonNode error : body.path("validationErrors")) {
                assertThat(error.path("message").asString()).as(response.body()).isNotBlank();
            }
        }
        return body;
    }

    protected int partitionOf(String key) {
        int partitions = upstream.partitionsFor(commandTopic).size();
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    /** A new RUNNING execution of the definition whose commands land on the same partition as {@code key}'s. */
    protected String startOnThePartitionOf(String definition, String key) {
        for (int attempt = 0; attempt < 64; attempt++) {
            String workflowId = start(definition, 1, Map.of());
            if (partitionOf(workflowId) == partitionOf(key)) {
                return workflowId;
            }
        }
        throw new AssertionError("no execution landed on partition " + partitionOf(key));
    }
}

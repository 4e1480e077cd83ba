package io.upgrader.support;

import io.upgrader.kafka.UpgradeTopics;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.kafka.autoconfigure.KafkaConnectionDetails;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What upgrade tests against a running service share: an HTTP client with the tests' credentials, an upstream
 * Kafka producer on the command topic, and helpers to register versions, start executions and follow commands.
 */
public abstract class UpgradeFixture {

    protected static final Duration PATIENCE = Duration.ofSeconds(30);

    @LocalServerPort
    protected int port;
    @Autowired
    protected TopicObserver observed;
    @Autowired
    protected KafkaConnectionDetails kafka;
    protected String commandTopic;

    @Autowired
    void readCommandTopic(UpgradeTopics topics) {
        commandTopic = topics.commandTopic();
    }

    protected Http http;
    protected KafkaProducer<String, byte[]> upstream;

    @BeforeEach
    void connectFixture() {
        http = new Http(port);
        upstream = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.getBootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new ByteArraySerializer());
    }

    @AfterEach
    void disconnectFixture() {
        upstream.close();
    }

    /** Registers versions 1..n of a fresh definition name, each a list of SIMPLE task reference names. */
    @SafeVarargs
    protected final String registerVersions(List<String>... versions) {
        String name = "wf_" + UUID.randomUUID().toString().replace("-", "");
        for (int i = 0; i < versions.length; i++) {
            List<Map<String, Object>> tasks = new ArrayList<>();
            for (String ref : versions[i]) {
                tasks.add(Map.of("name", ref + "_task", "taskReferenceName", ref, "type", "SIMPLE"));
            }
            Http.Response response = http.postJson("/api/metadata/workflow",
                    Map.of("name", name, "version", i + 1, "tasks", tasks));
            assertThat(response.status()).as(response.body()).isEqualTo(200);
        }
        return name;
    }

    protected String start(String name, int version, Object input) {
        Http.Response response = http.postJson("/api/workflow/" + name + "?version=" + version, input);
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        assertThat(response.body()).matches("[A-Za-z0-9_-]{1,128}");
        return response.body();
    }

    protected JsonNode get(String workflowId) {
        Http.Response response = http.get("/api/workflow/" + workflowId);
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        return response.json();
    }

    protected static JsonNode task(JsonNode workflow, String ref) {
        for (JsonNode task : workflow.path("tasks")) {
            if (task.path("referenceTaskName").asString().equals(ref)) {
                return task;
            }
        }
        throw new AssertionError("no task " + ref + " in " + workflow.path("tasks"));
    }

    /** How long the helpers wait for the consumer; a test class may ask for less. */
    protected Duration patience() {
        return PATIENCE;
    }

    protected JsonNode awaitFinalStatus(String commandId) {
        return await().atMost(patience()).until(() -> http.get("/api/workflow/upgrades/" + commandId),
                r -> r.status() == 200 && !r.json().path("status").asString().equals("ACCEPTED")).json();
    }

    protected Http.Response progress(String batchId) {
        return http.get("/api/workflow/upgrade/bulk/" + batchId);
    }

    /** Waits until a bulk batch is expanded and every selected command has its outcome. */
    protected JsonNode awaitDone(String batchId) {
        return await().atMost(patience()).until(() -> progress(batchId), r -> {
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            JsonNode p = r.json();
            return p.path("state").asString().equals("EXPANDED") && p.path("applied").asLong()
                    + p.path("noop").asLong() + p.path("rejected").asLong() == p.path("selected").asLong();
        }).json();
    }
}

package io.upgrader.contract;

import io.upgrader.kafka.KafkaConfiguration;
import io.upgrader.kafka.UpgradeTopics;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.io.ClassPathResource;
import org.springframework.kafka.support.KafkaHeaders;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.dataformat.yaml.YAMLMapper;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * schemas/asyncapi.yaml against the service. Structural checks: no JSON Schema of AsyncAPI 3 is served by Maven
 * Central (neither the @asyncapi/specs WebJar nor its mvnpm package), so the rules of the specification that
 * matter here are checked by hand: version 3.x, every channel's address is a topic the service uses and every
 * topic it uses has a channel, operations point at their channel and that channel's messages, every $ref
 * resolves (the payloads to the contract files beside it), keys, trace context and the dead-letter headers are
 * described.
 */
class AsyncApiDocumentTest {

    private static final Path SCHEMAS = Path.of("..", "schemas");

    @Test
    void describesEveryTopicWithTheContractSchemas() throws Exception {
        JsonNode doc = YAMLMapper.builder().build().readTree(SCHEMAS.resolve("asyncapi.yaml").toFile());
        assertThat(doc.path("asyncapi").asString()).matches("3\\.\\d+\\.\\d+");
        assertThat(doc.path("info").path("title").asString()).isNotBlank();
        assertThat(doc.path("info").path("version").asString()).isNotBlank();

        // Channels: exactly the topics UpgradeTopics binds (upgrader.kafka.*-topic) as the service configures them.
        Map<String, String> topics = configuredTopics();
        Map<String, String> addresses = new TreeMap<>();
        doc.path("channels").properties().forEach(channel -> {
            String address = channel.getValue().path("address").asString();
            addresses.put(channel.getKey(), address);
            JsonNode binding = channel.getValue().path("bindings").path("kafka").path("topic");
            assertThat(binding.isMissingNode() || binding.asString().equals(address))
                    .as("kafka binding topic of channel " + channel.getKey()).isTrue();
            assertThat(channel.getValue().path("messages").isEmpty()).as("messages of " + channel.getKey())
                    .isFalse();
        });
        assertThat(new TreeSet<>(addresses.values())).as("channel addresses vs the topics the service uses")
                .isEqualTo(new TreeSet<>(topics.values()));
        assertThat(addresses).hasSameSizeAs(topics);

        // Every $ref resolves: inside the document, or to a file beside it (and a fragment in it).
        List<String> refs = new ArrayList<>();
        collectRefs(doc, refs);
        assertThat(refs).isNotEmpty();
        for (String ref : refs) {
            assertThat(resolve(doc, ref).isMissingNode()).as("$ref " + ref).isFalse();
        }

        // Operations: action, a channel of the document, and only messages of that channel.
        assertThat(doc.path("operations").isEmpty()).isFalse();
        doc.path("operations").properties().forEach(operation -> {
            JsonNode op = operation.getValue();
            assertThat(op.path("action").asString()).as(operation.getKey()).isIn("send", "receive");
            String channel = op.path("channel").path("$ref").asString();
            assertThat(channel).as(operation.getKey()).startsWith("#/channels/");
            op.path("messages").forEach(message -> assertThat(message.path("$ref").asString())
                    .as("message of " + operation.getKey()).startsWith(channel + "/messages/"));
        });

        // The messages: the command and event payloads are the contract files; each says what its key is.
        assertThat(payloadRef(doc, topics.get("commandTopic"))).isEqualTo("./upgrade-command.schema.json");
        assertThat(payloadRef(doc, topics.get("eventTopic"))).isEqualTo("./upgrade-event.schema.json");
        for (String topic : topics.values()) {
            JsonNode message = message(doc, topic);
            assertThat(message.path("bindings").path("kafka").path("key").path("description").asString())
                    .as("key of " + topic).isNotBlank();
        }
        assertThat(message(doc, topics.get("commandTopic")).path("bindings").path("kafka").path("key")
                .path("description").asString()).contains("workflowId");
        assertThat(message(doc, topics.get("bulkTopic")).path("bindings").path("kafka").path("key")
                .path("description").asString()).contains("batchId");

        // Trace context travels in the command and event records' traceparent header (observability/CommandTracing).
        for (String topic : List.of(topics.get("commandTopic"), topics.get("eventTopic"))) {
            assertThat(message(doc, topic).path("headers").path("properties").has("traceparent"))
                    .as("traceparent header on " + topic).isTrue();
        }

        // Dead letters: the service's reason header and Spring Kafka's own, by their real names.
        JsonNode headers = message(doc, topics.get("deadLetterTopic")).path("headers").path("properties");
        assertThat(headers.has(KafkaConfiguration.REJECTION_HEADER)).isTrue();
        Set<String> springHeaders = new HashSet<>();
        for (Field field : KafkaHeaders.class.getFields()) {
            if (field.getName().startsWith("DLT_") && Modifier.isStatic(field.getModifiers())) {
                springHeaders.add((String) field.get(null));
            }
        }
        headers.propertyNames().forEach(name -> {
            if (!name.equals(KafkaConfiguration.REJECTION_HEADER)) {
                assertThat(springHeaders).as("dead-letter header " + name).contains(name);
            }
        });
        assertThat(headers.propertyNames()).contains(KafkaHeaders.DLT_ORIGINAL_TOPIC, KafkaHeaders.DLT_EXCEPTION_MESSAGE);
    }

    /** Record component name (commandTopic, ...) to topic: the record's defaults, unless application.yml sets one. */
    private static Map<String, String> configuredTopics() throws Exception {
        UpgradeTopics bound = new Binder(ConfigurationPropertySources.from(new YamlPropertySourceLoader()
                .load("application.yml", new ClassPathResource("application.yml"))))
                .bindOrCreate("upgrader.kafka", UpgradeTopics.class);
        Map<String, String> topics = new TreeMap<>();
        for (RecordComponent component : UpgradeTopics.class.getRecordComponents()) {
            if (component.getName().endsWith("Topic")) {
                topics.put(component.getName(), (String) component.getAccessor().invoke(bound));
            }
        }
        assertThat(topics).containsKeys("commandTopic", "eventTopic", "deadLetterTopic", "bulkTopic");
        return topics;
    }

    /** The one message of the channel whose address is the topic, resolved. */
    private static JsonNode message(JsonNode doc, String topic) {
        for (JsonNode channel : doc.path("channels")) {
            if (channel.path("address").asString().equals(topic)) {
                assertThat(channel.path("messages").size()).as("messages on " + topic).isEqualTo(1);
                JsonNode message = channel.path("messages").iterator().next();
                return message.has("$ref") ? resolve(doc, message.path("$ref").asString()) : message;
            }
        }
        throw new AssertionError("No channel for " + topic);
    }

    private static String payloadRef(JsonNode doc, String topic) {
        return message(doc, topic).path("payload").path("$ref").asString();
    }

    private static void collectRefs(JsonNode node, List<String> refs) {
        if (node.isObject()) {
            node.properties().forEach(entry -> {
                if (entry.getKey().equals("$ref")) {
                    refs.add(entry.getValue().asString());
                } else {
                    collectRefs(entry.getValue(), refs);
                }
            });
        } else if (node.isArray()) {
            node.forEach(element -> collectRefs(element, refs));
        }
    }

    private static JsonNode resolve(JsonNode doc, String ref) {
        int hash = ref.indexOf('#');
        String file = hash < 0 ? ref : ref.substring(0, hash);
        String pointer = hash < 0 ? "" : ref.substring(hash + 1);
        JsonNode target = doc;
        if (!file.isEmpty()) {
            Path path = SCHEMAS.resolve(file).normalize();
            assertThat(path.startsWith(SCHEMAS) && Files.isRegularFile(path)).as("file of $ref " + ref).isTrue();
            target = JsonMapper.builder().build().readTree(path.toFile());
        }
        return pointer.isEmpty() ? target : target.at(pointer);
    }
}

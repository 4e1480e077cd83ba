package io.upgrader.badinput;

import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import io.upgrader.contract.ContractSchema;
import io.upgrader.kafka.KafkaConfiguration;
import io.upgrader.kafka.UpgradeTopics;
import io.upgrader.support.EmbeddedInfrastructureTest;
import io.upgrader.support.Http;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.bson.Document;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Every accepted command reaches a final status, and one command that cannot apply never blocks its partition:
 * a command whose execution document the mapper cannot read is retried a bounded number of times, then ends
 * REJECTED with "internal error", its event and a dead letter, while the commands behind it are applied; a
 * command whose execution or target definition was removed meanwhile ends REJECTED and is not dead-lettered.
 */
@EmbeddedInfrastructureTest
class CommandFailureBoundsIT extends BadInputFixture {

    int maxUnexpectedAttempts;

    @Autowired
    void readMaxUnexpectedAttempts(UpgradeTopics topics) {
        maxUnexpectedAttempts = topics.maxUnexpectedAttempts();
    }

    String name;

    @BeforeEach
    void definitions() {
        name = registerVersions(List.of("w"), List.of("pre", "w"));
    }



    private byte[] valid(String commandId, String workflowId, String definition) {
        return PLAIN_JSON.writeValueAsBytes(command(commandId, workflowId, definition, 2));
    }

    private List<JsonNode> events(String workflowId) {
        return observed.eventsFor(workflowId).stream().map(r -> PLAIN_JSON.readTree(r.value())).toList();
    }

    private JsonNode onlyRejectedEvent(String workflowId, String commandId) {
        await().atMost(PATIENCE).until(() -> !events(workflowId).isEmpty());
        assertThat(events(workflowId)).hasSize(1);
        JsonNode event = events(workflowId).get(0);
        assertThat(ContractSchema.UPGRADE_EVENT.validate(event)).as(event.toString()).isEmpty();
        assertThat(event.path("type").asString()).isEqualTo("WORKFLOW_UPGRADE_REJECTED");
        assertThat(event.path("commandId").asString()).isEqualTo(commandId);
        return event;
    }

    @Test
    void aCommandForAnUnreadableExecutionIsRetriedBoundedThenRejectedAndDeadLetteredAndThePartitionFlows() {
        String broken = start(name, 1, Map.of());
        List<String> behind = List.of(startOnThePartitionOf(name, broken), startOnThePartitionOf(name, broken),
                startOnThePartitionOf(name, broken));
        // A document the mapper cannot read: workflowVersion an object instead of a number.
        long changed = mongo.getCollection("workflows").updateOne(Filters.eq("_id", broken),
                Updates.set("workflowVersion", new Document("major", 1))).getModifiedCount();
        assertThat(changed).isEqualTo(1);
        try {
            String brokenId = UUID.randomUUID().toString();
            List<String> behindIds = new ArrayList<>();
            publish(broken, valid(brokenId, broken, name));
            for (String workflowId : behind) {
                String commandId = UUID.randomUUID().toString();
                behindIds.add(commandId);
                publish(workflowId, valid(commandId, workflowId, name));
            }

            // The commands behind it on the same partition are applied.
            for (int i = 0; i < behind.size(); i++) {
                assertThat(awaitFinalStatus(behindIds.get(i)).path("status").asString()).isEqualTo("APPLIED");
                assertThat(get(behind.get(i)).path("workflowVersion").asInt()).isEqualTo(2);
            }

            // The unreadable one ends REJECTED with a public reason that tells nothing of the internals.
            JsonNode status = awaitFinalStatus(brokenId);
            assertThat(status.path("status").asString()).as(status.toString()).isEqualTo("REJECTED");
            assertThat(status.path("reason").asString()).isEqualTo("internal error");
            JsonNode event = onlyRejectedEvent(broken, brokenId);
            assertThat(event.path("reason").asString()).isEqualTo("internal error");

            // ... and reaches operators on the dead-letter topic after the bounded attempts, as received.
            await().atMost(PATIENCE).until(() -> !observed.deadLettersFor(broken).isEmpty());
            List<ConsumerRecord<String, byte[]>> deadLetters = observed.deadLettersFor(broken);
            assertThat(deadLetters).hasSize(1);
            Header header = deadLetters.get(0).headers().lastHeader(KafkaConfiguration.REJECTION_HEADER);
            assertThat(header).isNotNull();
            assertThat(new String(header.value(), StandardCharsets.UTF_8)).startsWith("internal error")
                    .contains("after " + maxUnexpectedAttempts + " attempts");
            assertThat(PLAIN_JSON.readTree(deadLetters.get(0).value()).path("commandId").asString())
                    .isEqualTo(brokenId);
        } finally {
            // Nothing else in the shared context may meet this document.
            mongo.getCollection("workflows").deleteOne(Filters.eq("_id", broken));
        }
    }

    @Test
    void aCommandWhoseExecutionWasRemovedMeanwhileIsRejectedNotDeadLettered() {
        String removed = start(name, 1, Map.of());
        String behind = startOnThePartitionOf(name, removed);
        Http.Response deleted = http.send("DELETE", "/api/workflow/" + removed + "/remove", null, Map.of());
        assertThat(deleted.status()).as(deleted.body()).isLessThan(300);
        String removedId = UUID.randomUUID().toString();
        String behindId = UUID.randomUUID().toString();

        publish(removed, valid(removedId, removed, name));
        publish(behind, valid(behindId, behind, name));

        JsonNode status = awaitFinalStatus(removedId);
        assertThat(status.path("status").asString()).isEqualTo("REJECTED");
        assertThat(status.path("reason").asString()).contains(removed).contains("not found");
        assertThat(onlyRejectedEvent(removed, removedId).path("reason").asString()).contains("not found");
        assertThat(awaitFinalStatus(behindId).path("status").asString()).isEqualTo("APPLIED");
        assertThat(observed.deadLettersFor(removed)).isEmpty();
    }

    @Test
    void aCommandWhoseTargetDefinitionWasDeletedMeanwhileIsRejectedNotDeadLettered() {
        String other = registerVersions(List.of("w"), List.of("pre", "w"));
        String workflowId = start(other, 1, Map.of());
        Http.Response deleted = http.send("DELETE", "/api/metadata/workflow/" + other + "/2", null, Map.of());
        assertThat(deleted.status()).as(deleted.body()).isLessThan(300);
        String commandId = UUID.randomUUID().toString();

        publish(workflowId, valid(commandId, workflowId, other));

        JsonNode status = awaitFinalStatus(commandId);
        assertThat(status.path("status").asString()).isEqualTo("REJECTED");
        assertThat(status.path("reason").asString()).contains("no version 2");
        onlyRejectedEvent(workflowId, commandId);
        assertThat(get(workflowId).path("workflowVersion").asInt()).isEqualTo(1);
        assertThat(observed.deadLettersFor(workflowId)).isEmpty();
    }
}

package io.upgrader.upgrade;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import io.upgrader.mongo.upgrade.UpgradeStatusStore;
import io.upgrader.support.EmbeddedInfrastructureTest;
import io.upgrader.support.Http;
import io.upgrader.support.UpgradeFixture;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.data.mongodb.core.MongoTemplate;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Retention of command statuses on the in-process MongoDB-wire server (no TTL monitor there: the sweep does
 * the deleting). The defaults apply: final statuses 7 days after completion, ACCEPTED ones 30 days after
 * acceptance; statuses are written with old times through the store itself, so their expiry is computed as in
 * production.
 */
@EmbeddedInfrastructureTest
class UpgradeStatusRetentionIT extends UpgradeFixture {

    @Autowired
    UpgradeStatusStore store;
    @Autowired
    UpgradeStatusSweep sweep;
    @Autowired
    MongoTemplate mongo;

    @Test
    void statusesOlderThanTheRetentionDisappearAfterASweepNewerOnesAreStillFound() {
        Instant now = Instant.now();
        String workflowId = "retention-" + UUID.randomUUID();
        // Final 8 days ago: past the 7 days. Accepted 40 days ago and never final: past the 30 days.
        String oldNoop = keep(status(workflowId, UpgradeStatus.State.NOOP, now.minus(Duration.ofDays(9)),
                now.minus(Duration.ofDays(8))), "old-noop");
        String oldAccepted = keep(status(workflowId, UpgradeStatus.State.ACCEPTED, now.minus(Duration.ofDays(40)),
                null), "old-accepted");
        // Final 6 days ago; accepted 8 days ago and still ACCEPTED (pending, or applied: the execution holds it).
        String recentRejected = keep(status(workflowId, UpgradeStatus.State.REJECTED, now.minus(Duration.ofDays(7)),
                now.minus(Duration.ofDays(6))), "recent-rejected");
        String pending = keep(status(workflowId, UpgradeStatus.State.ACCEPTED, now.minus(Duration.ofDays(8)), null),
                "pending");

        assertThat(sweep.sweep()).isGreaterThanOrEqualTo(2);

        for (String gone : List.of(oldNoop, oldAccepted)) {
            assertThat(store.find(gone)).as(gone).isEmpty();
            assertThat(http.get("/api/workflow/upgrades/" + gone).status()).isEqualTo(404);
        }
        assertThat(store.findByIdempotencyKey(workflowId, "old-noop")).isEmpty();
        assertThat(store.findByIdempotencyKey(workflowId, "old-accepted")).isEmpty();

        Http.Response rejected = http.get("/api/workflow/upgrades/" + recentRejected);
        assertThat(rejected.status()).as(rejected.body()).isEqualTo(200);
        assertThat(rejected.json().path("status").asString()).isEqualTo("REJECTED");
        assertThat(rejected.json().has("expiresAt")).as("an internal field").isFalse();
        assertThat(store.findByIdempotencyKey(workflowId, "recent-rejected").orElseThrow().status().commandId())
                .isEqualTo(recentRejected);
        assertThat(store.find(pending).orElseThrow().status()).isEqualTo(UpgradeStatus.State.ACCEPTED);
        assertThat(store.findByIdempotencyKey(workflowId, "pending")).isPresent();
    }

    @Test
    void anAppliedCommandsRecordIsAppliedByTheApplyItselfAndExpiresLikeTheOtherFinalOnes() {
        String name = registerVersions(List.of("w"), List.of("pre", "w"));
        String workflowId = start(name, 1, Map.of());
        Http.Response accepted = http.post("/api/workflow/" + workflowId + "/upgrade",
                "{\"name\":\"" + name + "\",\"version\":2}", Map.of("Idempotency-Key", "applied-" + UUID.randomUUID()));
        assertThat(accepted.status()).as(accepted.body()).isEqualTo(200);
        String commandId = accepted.json().path("commandId").asString();

        // The relay's age is 30 s here: a record APPLIED sooner was written by the apply, not found by the relay.
        await().atMost(Duration.ofSeconds(20)).until(() ->
                "APPLIED".equals(collection().find(new Document("_id", commandId)).first().getString("status")));

        Document record = collection().find(new Document("_id", commandId)).first();
        assertThat(record.getInteger("toVersion")).isEqualTo(2);
        assertThat(record.get("skippedTasks", List.class)).containsExactly("pre");
        Date expiresAt = record.getDate("expiresAt");
        assertThat(expiresAt.toInstant()).isAfter(Instant.now().plus(Duration.ofDays(6)))
                .isBefore(Instant.now().plus(Duration.ofDays(8)));
        assertThat(http.get("/api/workflow/upgrades/" + commandId).json().path("status").asString())
                .isEqualTo("APPLIED");
    }

    @Test
    void theExpiryIsATtlIndexedDateSoThatRealMongoDbExpiresStatusesOnItsOwn() {
        List<Document> indexes = collection().listIndexes().into(new ArrayList<>());
        Document ttl = indexes.stream().filter(index -> index.get("key", Document.class).containsKey("expiresAt"))
                .findFirst().orElseThrow(() -> new AssertionError("no index on expiresAt: " + indexes));
        assertThat(((Number) ttl.get("expireAfterSeconds")).longValue()).isZero();

        String workflowId = "retention-" + UUID.randomUUID();
        Instant completed = Instant.now().minus(Duration.ofDays(1));
        String id = keep(status(workflowId, UpgradeStatus.State.NOOP, completed.minusSeconds(1), completed), "k");
        Object expiresAt = collection().find(Filters.eq("_id", id)).first().get("expiresAt");
        assertThat(expiresAt).isInstanceOf(Date.class);
        assertThat(((Date) expiresAt).toInstant()).isEqualTo(completed.plus(Duration.ofDays(7)).truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
    }

    @Test
    void anIdempotencyKeyOlderThanTheRetentionIsForgottenARetryCreatesANewCommand() {
        String name = registerVersions(List.of("w"), List.of("pre", "w"));
        String workflowId = start(name, 1, Map.of());
        Map<String, String> key = Map.of("Idempotency-Key", "retention-" + UUID.randomUUID());
        String body = "{\"name\":\"" + name + "\",\"version\":1}";

        Http.Response first = http.post("/api/workflow/" + workflowId + "/upgrade?waitForSeconds=30", body, key);
        assertThat(first.status()).as(first.body()).isEqualTo(200);
        String firstId = first.json().path("commandId").asString();
        assertThat(first.json().path("status").asString()).isEqualTo("NOOP");
        Http.Response retry = http.post("/api/workflow/" + workflowId + "/upgrade", body, key);
        assertThat(retry.json().path("commandId").asString()).as("within the retention: the same command")
                .isEqualTo(firstId);

        // As if the retention had passed: its expiry a second ago (an expiry of "now" may fall in the sweep's own
        // millisecond, and the sweep deletes only what expired strictly before it).
        collection().updateOne(Filters.eq("_id", firstId),
                Updates.set("expiresAt", Date.from(Instant.now().minusSeconds(1))));
        assertThat(sweep.sweep()).isGreaterThanOrEqualTo(1);

        assertThat(http.get("/api/workflow/upgrades/" + firstId).status()).isEqualTo(404);
        Http.Response later = http.post("/api/workflow/" + workflowId + "/upgrade?waitForSeconds=30", body, key);
        assertThat(later.status()).as(later.body()).isEqualTo(200);
        assertThat(later.json().path("commandId").asString()).as("the key was forgotten: a new command")
                .isNotEqualTo(firstId);
        assertThat(later.json().path("status").asString()).isEqualTo("NOOP");
    }

    /** Stores the status as the service does: accepted under a key, then its outcome if final. */
    private String keep(UpgradeStatus status, String idempotencyKey) {
        UpgradeStatus accepted = new UpgradeStatus(status.commandId(), status.workflowId(), status.workflowName(),
                UpgradeStatus.State.ACCEPTED, null, status.fromVersion(), status.toVersion(), List.of(),
                status.acceptedAt(), null, null);
        assertThat(store.insertAccepted(accepted, idempotencyKey, "fingerprint")).isTrue();
        if (status.status().isFinal()) {
            store.recordOutcome(status);
        }
        return status.commandId();
    }

    private static UpgradeStatus status(String workflowId, UpgradeStatus.State state, Instant acceptedAt,
                                        Instant completedAt) {
        return new UpgradeStatus("retention-" + UUID.randomUUID(), workflowId, "retention", state,
                state == UpgradeStatus.State.REJECTED ? "no" : null, 1, 2, List.of(), acceptedAt, completedAt,
                state == UpgradeStatus.State.REJECTED ? Rejection.Reason.NOT_UPGRADABLE_STATUS : null);
    }

    private MongoCollection<Document> collection() {
        return mongo.getCollection("upgrade_commands");
    }
}

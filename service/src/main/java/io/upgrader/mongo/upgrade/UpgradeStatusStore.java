package io.upgrader.mongo.upgrade;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.UpdateOptions;
import io.upgrader.bulk.BatchStatuses;
import io.upgrader.mongo.DocumentMapper;
import io.upgrader.upgrade.UpgradeOutbox;
import io.upgrader.upgrade.UpgradeProperties;
import io.upgrader.upgrade.UpgradeStatus;
import io.upgrader.upgrade.UpgradeStatusRetention;
import org.bson.Document;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.data.mongodb.core.MongoTemplate;
import org.springframework.stereotype.Component;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Upgrade commands and their outcomes in the {@code upgrade_commands} collection, {@code _id} = commandId.
 * Besides serving status look-ups, a final status is how a redelivered NOOP or REJECTED command is
 * recognised (an APPLIED one is recognised by the execution's own upgradeHistory).
 */
@Component
public class UpgradeStatusStore implements UpgradeOutbox, UpgradeStatusRetention, BatchStatuses {

    /** Present only on commands sent with an Idempotency-Key: workflowId + '\n' + key, unique. */
    private static final String IDEMPOTENCY_SCOPE = "idempotencyScope";
    private static final String FINGERPRINT = "requestFingerprint";
    /**
     * The outbox: on commands accepted over HTTP, the command itself as the command schema's JSON, stored before
     * it is published, so that the relay can publish it again while it is ACCEPTED. Absent on older records.
     */
    private static final String COMMAND = "command";
    /**
     * A BSON date: when the record may be deleted (a TTL index with expireAfterSeconds 0 on real MongoDB, and
     * {@link #deleteExpired}). ACCEPTED: acceptance + accepted-status-retention; final: completion +
     * status-retention.
     */
    private static final String EXPIRES_AT = "expiresAt";

    private final MongoCollection<Document> commands;
    private final DocumentMapper mapper;
    private Duration statusRetention = UpgradeProperties.defaults().statusRetention();
    private Duration acceptedStatusRetention = UpgradeProperties.defaults().acceptedStatusRetention();

    public UpgradeStatusStore(MongoTemplate mongo, DocumentMapper mapper) {
        this.commands = mongo.getCollection("upgrade_commands");
        this.mapper = mapper;
        commands.createIndex(Indexes.ascending(IDEMPOTENCY_SCOPE), new IndexOptions().unique(true).sparse(true));
        commands.createIndex(Indexes.ascending("workflowId"));
        // The outbox relay's scan: ACCEPTED commands older than its age, oldest first.
        commands.createIndex(Indexes.ascending("status", "acceptedAt"));
        // A bulk upgrade's rejections, a page at a time: the batch's commandId range within one status.
        commands.createIndex(Indexes.ascending("status", "_id"));
        commands.createIndex(Indexes.ascending(EXPIRES_AT), new IndexOptions().expireAfter(0L, TimeUnit.SECONDS));
    }

    @Autowired(required = false)
    void retention(UpgradeProperties properties) {
        this.statusRetention = properties.statusRetention();
        this.acceptedStatusRetention = properties.acceptedStatusRetention();
    }

    /** Deletes the records whose retention is over (the TTL monitor's work, for servers without one). */
    @Override
    public long deleteExpired(Instant now) {
        return commands.deleteMany(Filters.lt(EXPIRES_AT, Date.from(now))).getDeletedCount();
    }

    public Optional<UpgradeStatus> find(String commandId) {
        return Optional.ofNullable(commands.find(Filters.eq("_id", commandId)).first()).map(this::status);
    }

    /** The NOOP and REJECTED outcomes already recorded among these commands, by commandId. */
    public Map<String, UpgradeStatus> findFinal(Collection<String> commandIds) {
        Map<String, UpgradeStatus> found = new HashMap<>();
        commands.find(Filters.and(Filters.in("_id", commandIds),
                        Filters.in("status", UpgradeStatus.State.NOOP.name(), UpgradeStatus.State.REJECTED.name())))
                .forEach(document -> {
                    UpgradeStatus status = status(document);
                    found.put(status.commandId(), status);
                });
        return found;
    }

    /**
     * One page of the statuses in {@code state} of the commands whose commandId starts so (a batch's), in
     * commandId order after {@code afterCommandId} (null: from the start): a range of the ({@code status},
     * {@code _id}) index on MongoDB, not a read of every status.
     */
    @Override
    public List<UpgradeStatus> findByCommandIdPrefix(String prefix, UpgradeStatus.State state, String afterCommandId,
                                                     int limit) {
        List<UpgradeStatus> found = new ArrayList<>();
        String from = afterCommandId != null && afterCommandId.compareTo(prefix) > 0 ? afterCommandId : prefix;
        commands.find(Filters.and(Filters.gt("_id", from), Filters.lt("_id", prefixEnd(prefix)),
                        Filters.eq("status", state.name())))
                .sort(Sorts.ascending("_id")).limit(limit).forEach(document -> found.add(status(document)));
        return found;
    }

    /**
     * How many commands whose commandId starts so are in {@code state}: a range of the ({@code status}, {@code _id})
     * index, read only to reconcile a batch's counters (see {@link io.upgrader.mongo.bulk.BulkCounts}).
     */
    public long countByCommandIdPrefix(String prefix, UpgradeStatus.State state) {
        return commands.countDocuments(Filters.and(Filters.gte("_id", prefix), Filters.lt("_id", prefixEnd(prefix)),
                Filters.eq("status", state.name())));
    }

    /** The least string above every string that starts with {@code prefix} (non-empty). */
    private static String prefixEnd(String prefix) {
        return prefix.substring(0, prefix.length() - 1) + (char) (prefix.charAt(prefix.length() - 1) + 1);
    }

    public Optional<KeyedRequest> findByIdempotencyKey(String workflowId, String key) {
        return Optional.ofNullable(commands.find(Filters.eq(IDEMPOTENCY_SCOPE, scope(workflowId, key))).first())
                .map(document -> new KeyedRequest(status(document), document.getString(FINGERPRINT)));
    }

    /** @return false when another request already holds this Idempotency-Key for this workflow */
    public boolean insertAccepted(UpgradeStatus status, String idempotencyKey, String fingerprint) {
        return insertAccepted(status, idempotencyKey, fingerprint, null);
    }

    /**
     * @param commandJson the command as the command schema's JSON, kept for the outbox relay; null for none
     * @return false when another request already holds this Idempotency-Key for this workflow
     */
    public boolean insertAccepted(UpgradeStatus status, String idempotencyKey, String fingerprint,
                                  String commandJson) {
        Document document = mapper.toDocument(status, status.commandId());
        if (commandJson != null) {
            document.append(COMMAND, commandJson);
        }
        document.append(EXPIRES_AT, expiry(status.acceptedAt(), acceptedStatusRetention));
        if (idempotencyKey != null) {
            document.append(IDEMPOTENCY_SCOPE, scope(status.workflowId(), idempotencyKey)).append(FINGERPRINT, fingerprint);
        }
        try {
            commands.insertOne(document);
            return true;
        } catch (MongoWriteException e) {
            if (e.getError().getCategory() == ErrorCategory.DUPLICATE_KEY && idempotencyKey != null) {
                return false;
            }
            throw e;
        }
    }

    /**
     * Records a final outcome; creates the record for commands that did not come through HTTP.
     *
     * @return true when this created the record: the first time this command's outcome is recorded
     */
    public boolean recordOutcome(UpgradeStatus outcome) {
        return commands.updateOne(Filters.eq("_id", outcome.commandId()), outcomeUpdate(outcome),
                new UpdateOptions().upsert(true)).getUpsertedId() != null;
    }

    /**
     * {@link #recordOutcome} for several outcomes in one unordered bulk write (idempotent: an upsert by commandId).
     *
     * @return the outcomes whose record this created
     */
    public List<UpgradeStatus> recordOutcomes(List<UpgradeStatus> outcomes) {
        if (outcomes.isEmpty()) {
            return List.of();
        }
        List<com.mongodb.client.model.WriteModel<Document>> writes = new ArrayList<>();
        for (UpgradeStatus outcome : outcomes) {
            writes.add(new com.mongodb.client.model.UpdateOneModel<>(Filters.eq("_id", outcome.commandId()),
                    outcomeUpdate(outcome), new UpdateOptions().upsert(true)));
        }
        return commands.bulkWrite(writes, new com.mongodb.client.model.BulkWriteOptions().ordered(false))
                .getUpserts().stream().map(upsert -> outcomes.get(upsert.getIndex())).toList();
    }

    private Document outcomeUpdate(UpgradeStatus outcome) {
        Document fields = mapper.toDocument(outcome, outcome.commandId());
        fields.remove("_id");
        Object acceptedAt = fields.remove("acceptedAt");
        fields.append(EXPIRES_AT, expiry(outcome.completedAt(), statusRetention));
        return new Document("$set", fields).append("$setOnInsert", new Document("acceptedAt", acceptedAt));
    }

    /** Forgets a command that was never published, so that a retry with the same key can publish it. */
    public void delete(String commandId) {
        commands.deleteOne(Filters.eq("_id", commandId));
    }

    /** The command JSON stored with an ACCEPTED record, if it has one. */
    public Optional<String> findCommand(String commandId) {
        return Optional.ofNullable(commands.find(Filters.eq("_id", commandId))
                .projection(Projections.include(COMMAND)).first()).map(document -> document.getString(COMMAND));
    }

    /**
     * One page of the commands still ACCEPTED that were accepted before {@code cutoff}, ordered by
     * (acceptedAt, commandId), after {@code after} (null: from the start); read through the (status, acceptedAt)
     * index.
     */
    @Override
    public List<Outboxed> findAcceptedBefore(Instant cutoff, Outboxed after, int limit) {
        Object before = mapper.toDocument(Map.of("at", cutoff), null).get("at");
        List<org.bson.conversions.Bson> conditions = new ArrayList<>(List.of(
                Filters.eq("status", UpgradeStatus.State.ACCEPTED.name()), Filters.lt("acceptedAt", before)));
        if (after != null) {
            conditions.add(Filters.or(Filters.gt("acceptedAt", after.acceptedAt()),
                    Filters.and(Filters.eq("acceptedAt", after.acceptedAt()), Filters.gt("_id", after.commandId()))));
        }
        List<Outboxed> found = new ArrayList<>();
        commands.find(Filters.and(conditions))
                .projection(Projections.include("_id", "workflowId", "acceptedAt", COMMAND))
                .sort(Sorts.ascending("acceptedAt", "_id")).limit(limit)
                .forEach(document -> found.add(new Outboxed(document.getString("_id"),
                        document.getString("workflowId"), document.get("acceptedAt"), document.getString(COMMAND))));
        return found;
    }

    private UpgradeStatus status(Document document) {
        Document copy = new Document(document);
        copy.remove(IDEMPOTENCY_SCOPE);
        copy.remove(FINGERPRINT);
        copy.remove(COMMAND);
        copy.remove(EXPIRES_AT);
        return mapper.fromDocument(copy, UpgradeStatus.class);
    }

    private static Date expiry(Instant from, Duration retention) {
        return Date.from((from == null ? Instant.now() : from).plus(retention));
    }

    private static String scope(String workflowId, String key) {
        return workflowId + "\n" + key;
    }
}

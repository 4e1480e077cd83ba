package io.upgrader.mongo.bulk;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.Updates;
import io.upgrader.bulk.BatchRecounts;
import io.upgrader.bulk.BulkBatch;
import io.upgrader.mongo.upgrade.UpgradeStatusStore;
import io.upgrader.upgrade.BatchCommandIds;
import io.upgrader.upgrade.BatchOutcomeCounts;
import io.upgrader.upgrade.UpgradeStatus;
import org.bson.Document;
import org.bson.conversions.Bson;
import org.springframework.data.mongodb.core.MongoTemplate;
import org.springframework.stereotype.Component;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The counts of a bulk upgrade's outcomes, kept on its {@code upgrade_batches} document: one {@code $inc} per
 * batch per poll, of the outcomes recorded for the first time (so a redelivery is not counted twice). Progress
 * reads them in one find by {@code _id}, however large the batch.
 *
 * <p>The counting follows the status write: a crash between the two leaves a batch short of a few outcomes. So
 * an EXPANDED batch whose counters have not moved for {@code upgrader.bulk.resume-after} and do not add up to
 * its selection is counted once from its statuses (a range of the status index) and its counters raised to that;
 * one whose counters add up is marked settled and never read again.
 */
@Component
public class BulkCounts implements BatchOutcomeCounts, BatchRecounts {

    static final String COUNTED_AT = "countedAt";
    /** True once the batch's counters add up to its selection: it is never counted again. */
    public static final String SETTLED = "settled";

    private static final Map<UpgradeStatus.State, String> FIELDS = Map.of(UpgradeStatus.State.APPLIED, "applied",
            UpgradeStatus.State.NOOP, "noop", UpgradeStatus.State.REJECTED, "rejected");

    private final MongoCollection<Document> batches;
    private final UpgradeStatusStore statuses;
    private final Clock clock;

    public BulkCounts(MongoTemplate mongo, UpgradeStatusStore statuses, Clock clock) {
        this.batches = mongo.getCollection("upgrade_batches");
        this.statuses = statuses;
        this.clock = clock;
        batches.createIndex(Indexes.ascending("state", SETTLED, COUNTED_AT));
    }

    @Override
    public void firstRecorded(List<UpgradeStatus> outcomes) {
        Map<String, Map<UpgradeStatus.State, Long>> byBatch = new LinkedHashMap<>();
        for (UpgradeStatus outcome : outcomes) {
            String field = FIELDS.get(outcome.status());
            BatchCommandIds.batchIdOf(outcome.commandId()).filter(batchId -> field != null).ifPresent(batchId ->
                    byBatch.computeIfAbsent(batchId, id -> new EnumMap<>(UpgradeStatus.State.class))
                            .merge(outcome.status(), 1L, Long::sum));
        }
        Date now = Date.from(clock.instant());
        byBatch.forEach((batchId, counts) -> {
            List<Bson> updates = new ArrayList<>();
            counts.forEach((state, count) -> updates.add(Updates.inc(FIELDS.get(state), count)));
            updates.add(Updates.set(COUNTED_AT, now));
            batches.updateOne(Filters.eq("_id", batchId), Updates.combine(updates));
        });
    }

    /**
     * One reconciliation pass over at most {@code limit} EXPANDED, unsettled batches whose counters last moved
     * before {@code cutoff}.
     *
     * @return the batches counted again from their statuses
     */
    @Override
    public int reconcile(Instant cutoff, int limit) {
        List<Document> quiet = new ArrayList<>();
        batches.find(Filters.and(Filters.eq("state", BulkBatch.State.EXPANDED.name()), Filters.ne(SETTLED, true),
                        Filters.lt(COUNTED_AT, Date.from(cutoff))))
                .projection(Projections.include("selected", "applied", "noop", "rejected")).limit(limit)
                .forEach(quiet::add);
        int recounted = 0;
        for (Document batch : quiet) {
            long selected = number(batch, "selected");
            long counted = number(batch, "applied") + number(batch, "noop") + number(batch, "rejected");
            if (counted >= selected) {
                batches.updateOne(Filters.eq("_id", batch.get("_id")), Updates.set(SETTLED, true));
                continue;
            }
            String prefix = BatchCommandIds.prefix(batch.getString("_id"));
            List<Bson> updates = new ArrayList<>();
            long recorded = 0;
            for (Map.Entry<UpgradeStatus.State, String> field : FIELDS.entrySet()) {
                long count = statuses.countByCommandIdPrefix(prefix, field.getKey());
                recorded += count;
                updates.add(Updates.max(field.getValue(), count));
            }
            updates.add(Updates.set(COUNTED_AT, Date.from(clock.instant())));
            updates.add(Updates.set(SETTLED, recorded >= selected));
            batches.updateOne(Filters.eq("_id", batch.get("_id")), Updates.combine(updates));
            recounted++;
        }
        return recounted;
    }

    private static long number(Document document, String field) {
        Object value = document.get(field);
        return value instanceof Number number ? number.longValue() : 0;
    }
}

package io.upgrader.mongo.bulk;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.Updates;
import io.upgrader.bulk.BulkBatch;
import io.upgrader.bulk.BulkBatches;
import io.upgrader.mongo.DocumentMapper;
import org.bson.Document;
import org.springframework.data.mongodb.core.MongoTemplate;
import org.springframework.stereotype.Component;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;

/** Bulk upgrades in {@code upgrade_batches}, {@code _id} = batchId. */
@Component
public class BulkBatchStore implements BulkBatches {

    /**
     * A BSON date: when the batch's cursor last moved (or the resumer last sent it again); the resumer's scan
     * reads EXPANDING batches whose movedAt is older than {@code upgrader.bulk.resume-after}.
     */
    static final String MOVED_AT = "movedAt";

    private final MongoCollection<Document> batches;
    private final DocumentMapper mapper;

    public BulkBatchStore(MongoTemplate mongo, DocumentMapper mapper) {
        this.batches = mongo.getCollection("upgrade_batches");
        this.mapper = mapper;
        batches.createIndex(Indexes.ascending("state", MOVED_AT));
    }

    @Override
    public void insert(BulkBatch batch) {
        Document document = mapper.toDocument(batch, batch.batchId());
        Date created = Date.from(batch.createdAt() == null ? Instant.now() : batch.createdAt());
        document.append(MOVED_AT, created).append(BulkCounts.COUNTED_AT, created);
        batches.insertOne(document);
    }

    @Override
    public Optional<BulkBatch> find(String batchId) {
        return Optional.ofNullable(batches.find(Filters.eq("_id", batchId)).first())
                .map(document -> {
                    document.remove(MOVED_AT);
                    document.remove(BulkCounts.COUNTED_AT);
                    document.remove(BulkCounts.SETTLED);
                    // Batches stored before their outcomes were counted.
                    List.of("applied", "noop", "rejected").forEach(field -> document.putIfAbsent(field, 0L));
                    return mapper.fromDocument(document, BulkBatch.class);
                });
    }

    /**
     * Records that the commands up to {@code newCursor} are published, if the batch still stands where this
     * expansion found it.
     *
     * @return false when another delivery of the batch moved it on first: read it again
     */
    @Override
    public boolean advance(String batchId, String expectedCursor, String newCursor, int published, Instant now) {
        return batches.updateOne(Filters.and(Filters.eq("_id", batchId), Filters.eq("cursor", expectedCursor)),
                Updates.combine(Updates.set("cursor", newCursor), Updates.inc("selected", (long) published),
                        Updates.set(MOVED_AT, Date.from(now))))
                .getModifiedCount() == 1;
    }

    /** Marks the batch expanded if it still stands at {@code expectedCursor}; false when another delivery did. */
    @Override
    public boolean markExpanded(String batchId, String expectedCursor, Instant now) {
        return batches.updateOne(Filters.and(Filters.eq("_id", batchId), Filters.eq("cursor", expectedCursor),
                        Filters.eq("state", BulkBatch.State.EXPANDING.name())),
                Updates.combine(Updates.set("state", BulkBatch.State.EXPANDED.name()),
                        Updates.set("expandedAt", now.toString()), Updates.set(MOVED_AT, Date.from(now))))
                .getModifiedCount() == 1;
    }

    /** How many batches are in this state: a count over the (state, movedAt) index on MongoDB. */
    @Override
    public long countInState(BulkBatch.State state) {
        return batches.countDocuments(Filters.eq("state", state.name()));
    }

    /** Up to {@code limit} EXPANDING batches whose cursor has not moved since {@code cutoff}, oldest first. */
    @Override
    public List<Stale> findStale(Instant cutoff, int limit) {
        List<Stale> found = new ArrayList<>();
        batches.find(Filters.and(Filters.eq("state", BulkBatch.State.EXPANDING.name()),
                        Filters.lt(MOVED_AT, Date.from(cutoff))))
                .projection(Projections.include("_id", MOVED_AT)).sort(Sorts.ascending(MOVED_AT)).limit(limit)
                .forEach(document -> found.add(new Stale(document.getString("_id"), document.getDate(MOVED_AT))));
        return found;
    }

    /**
     * Claims the resumption of a stale batch: moves its movedAt to {@code now} if nobody (another instance, the
     * expansion) did since it was read, so that one instance sends it again per period.
     */
    @Override
    public boolean claimResume(Stale stale, Instant now) {
        return batches.updateOne(Filters.and(Filters.eq("_id", stale.batchId()),
                        Filters.eq("state", BulkBatch.State.EXPANDING.name()), Filters.eq(MOVED_AT, stale.movedAt())),
                Updates.set(MOVED_AT, Date.from(now))).getModifiedCount() == 1;
    }
}

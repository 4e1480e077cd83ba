package io.upgrader.bulk;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import io.upgrader.mongo.DocumentMapper;
import org.bson.Document;
import org.springframework.data.mongodb.core.MongoTemplate;
import org.springframework.stereotype.Component;

import java.time.Instant;
import java.util.Optional;

/** Bulk upgrades in {@code upgrade_batches}, {@code _id} = batchId. */
@Component
public class BulkBatchStore {

    private final MongoCollection<Document> batches;
    private final DocumentMapper mapper;

    public BulkBatchStore(MongoTemplate mongo, DocumentMapper mapper) {
        this.batches = mongo.getCollection("upgrade_batches");
        this.mapper = mapper;
    }

    public void insert(BulkBatch batch) {
        batches.insertOne(mapper.toDocument(batch, batch.batchId()));
    }

    public Optional<BulkBatch> find(String batchId) {
        return Optional.ofNullable(batches.find(Filters.eq("_id", batchId)).first())
                .map(document -> mapper.fromDocument(document, BulkBatch.class));
    }

    /**
     * Records that the commands up to {@code newCursor} are published, if the batch still stands where this
     * expansion found it.
     *
     * @return false when another delivery of the batch moved it on first: read it again
     */
    public boolean advance(String batchId, String expectedCursor, String newCursor, int published) {
        return batches.updateOne(Filters.and(Filters.eq("_id", batchId), Filters.eq("cursor", expectedCursor)),
                Updates.combine(Updates.set("cursor", newCursor), Updates.inc("selected", (long) published)))
                .getModifiedCount() == 1;
    }

    public void markExpanded(String batchId, Instant now) {
        batches.updateOne(Filters.eq("_id", batchId), Updates.combine(
                Updates.set("state", BulkBatch.State.EXPANDED.name()), Updates.set("expandedAt", now.toString())));
    }
}

package io.upgrader.embedded;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.bson.Document;

/**
 * The candidates of a query from a unique index whose fields the query pins, as MongoDB's planner finds them.
 * mongo-java-server uses an index only when the query's fields are exactly the index's, so the conditional
 * write every upgrade makes, {@code {_id, revision, ...}}, scanned the whole collection under its lock: the
 * cost of an upgrade grew with the number of executions stored. The top-level fields of a query are a
 * conjunction, so the documents the index finds for the pinned fields hold every match; the collection then
 * applies the whole query to those few.
 */
final class UniqueIndexSeek<P> {

    private final List<Index<P>> indexes = new CopyOnWriteArrayList<>();

    /** Call after the collection took the index; a second index of the same name is one the collection ignored. */
    void added(Index<P> index) {
        boolean known = indexes.stream().anyMatch(existing -> existing.getName().equals(index.getName()));
        if (index.isUnique() && !known) {
            indexes.add(index);
        }
    }

    void dropped(String indexName) {
        indexes.removeIf(index -> index.getName().equals(indexName));
    }

    /** Empty when no unique index can narrow the query: the collection then scans, as before. */
    Optional<Iterable<P>> candidates(Document query, Document orderBy) {
        if (query.size() < 2 || naturalOrder(orderBy)) {
            // A query on an index's fields alone is already served from it; $natural order is the scan's order.
            return Optional.empty();
        }
        for (Index<P> index : indexes) {
            Document pinned = pinnedFields(query, index.getKeys());
            if (pinned != null && index.canHandle(pinned)) {
                return Optional.of(index.getPositions(pinned));
            }
        }
        return Optional.empty();
    }

    private static Document pinnedFields(Document query, List<IndexKey> keys) {
        Document pinned = new Document();
        for (IndexKey key : keys) {
            if (!query.containsKey(key.getKey())) {
                return null;
            }
            pinned.put(key.getKey(), query.get(key.getKey()));
        }
        return pinned;
    }

    private static boolean naturalOrder(Document orderBy) {
        return orderBy != null && orderBy.containsKey("$natural");
    }
}

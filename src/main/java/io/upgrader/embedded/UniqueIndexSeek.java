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
 * cost of an upgrade grew with the number of executions stored. The top-level fields of a query, and the
 * clauses of a top-level {@code $and} (how the Java driver sends {@code Filters.and}), are a conjunction, so
 * the documents the index finds for the pinned fields hold every match; the collection then applies the
 * whole query to those few.
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
        if (naturalOrder(orderBy)) {
            // $natural is the order of the scan itself.
            return Optional.empty();
        }
        Document conjuncts = conjuncts(query);
        for (Index<P> index : indexes) {
            Document pinned = pinnedFields(conjuncts, index.getKeys());
            if (pinned != null && index.canHandle(pinned)) {
                return Optional.of(index.getPositions(pinned));
            }
        }
        return Optional.empty();
    }

    /**
     * The field conditions every match must meet, from the top level and nested {@code $and}s; of two on the
     * same field, either narrows, so the first is kept.
     */
    static Document conjuncts(Document query) {
        Document conjuncts = new Document();
        collectConjuncts(query, conjuncts);
        return conjuncts;
    }

    private static void collectConjuncts(Document query, Document conjuncts) {
        for (var condition : query.entrySet()) {
            if (condition.getKey().equals("$and") && condition.getValue() instanceof List<?> clauses) {
                for (Object clause : clauses) {
                    if (clause instanceof Document document) {
                        collectConjuncts(document, conjuncts);
                    }
                }
            } else if (!condition.getKey().startsWith("$")) {
                conjuncts.putIfAbsent(condition.getKey(), condition.getValue());
            }
        }
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

package io.upgrader.embedded;

import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.bson.Document;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

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

    private static final String ID = "_id";

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

    /** The documents an index found for a query, and what of the query is still to be checked on each of them. */
    record Narrowed<P>(Iterable<P> candidates, Document query) {
    }

    /** Empty when no unique index can narrow the query: the collection then scans, as before. */
    Optional<Narrowed<P>> narrow(Document query, Document orderBy) {
        if (naturalOrder(orderBy)) {
            // $natural is the order of the scan itself.
            return Optional.empty();
        }
        Document conjuncts = conjuncts(query);
        for (Index<P> index : indexes) {
            Document pinned = pinnedFields(conjuncts, index.getKeys());
            if (pinned != null && index.canHandle(pinned)) {
                return Optional.of(new Narrowed<>(index.getPositions(pinned), withoutIdList(query, index)));
            }
        }
        return Optional.empty();
    }

    /**
     * The query without its {@code _id: {$in: [...]}} once the _id index found the documents of that list: the
     * collection's matcher walks the list for every document, so reading n executions by id cost n x n
     * comparisons (a read of 500 took longer than writing them). Only the one plain list on _id is dropped; any
     * other condition, and the whole query when _id is named twice, is matched as before.
     */
    private static <P> Document withoutIdList(Document query, Index<P> index) {
        if (index.getKeys().size() != 1 || !index.getKeys().get(0).getKey().equals(ID) || occurrences(query, ID) != 1
                || !(conjuncts(query).get(ID) instanceof Document condition) || condition.size() != 1
                || !(condition.get("$in") instanceof List<?>)) {
            return query;
        }
        return without(query, ID);
    }

    private static int occurrences(Document query, String field) {
        int count = 0;
        for (var condition : query.entrySet()) {
            if (condition.getKey().equals(field)) {
                count++;
            } else if (condition.getValue() instanceof List<?> clauses && condition.getKey().startsWith("$")) {
                for (Object clause : clauses) {
                    if (clause instanceof Document document) {
                        count += occurrences(document, field);
                    }
                }
            }
        }
        return count;
    }

    private static Document without(Document query, String field) {
        Document rest = new Document();
        for (var condition : query.entrySet()) {
            if (condition.getKey().equals(field)) {
                continue;
            }
            if (condition.getKey().equals("$and") && condition.getValue() instanceof List<?> clauses) {
                List<Object> kept = new ArrayList<>();
                for (Object clause : clauses) {
                    Object remaining = clause instanceof Document document ? without(document, field) : clause;
                    if (!(remaining instanceof Document document && document.isEmpty())) {
                        kept.add(remaining);
                    }
                }
                if (!kept.isEmpty()) {
                    rest.put("$and", kept);
                }
            } else {
                rest.put(condition.getKey(), condition.getValue());
            }
        }
        return rest;
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

package io.upgrader.embedded;

import de.bwaldvogel.mongo.bson.Document;
import org.h2.mvstore.Cursor;
import org.h2.mvstore.MVMap;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * A page of a query sorted by {@code _id} after a given string id, such as the selection a bulk upgrade walks,
 * read in {@code _id} order from the H2 map that holds the documents by {@code _id}, up to the limit. Without it,
 * mongo-java-server reads, matches and sorts every stored document for every page. H2 orders strings as
 * {@link String#compareTo} does, which is MongoDB's order for the ASCII ids workflows have; all string keys sit
 * together in H2's order, and {@code _id > "..."} matches strings only, so the walk ends at the first other key.
 */
final class IdOrderWalk {

    private IdOrderWalk() {
    }

    /** The string after (or from) which the query's matches start, when the query can be walked so. */
    static Optional<String> start(Document query, Document orderBy, int limit) {
        if (limit <= 0 || orderBy == null || orderBy.size() != 1 || !(orderBy.get("_id") instanceof Number order)
                || order.intValue() != 1) {
            return Optional.empty();
        }
        if (UniqueIndexSeek.conjuncts(query).get("_id") instanceof Document range) {
            Object bound = range.containsKey("$gt") ? range.get("$gt") : range.get("$gte");
            if (bound instanceof String from) {
                return Optional.of(from);
            }
        }
        return Optional.empty();
    }

    /** The documents from {@code from} on, lazily, in {@code _id} order; the query still has to be applied. */
    static Stream<Document> documents(MVMap<Object, Document> byId, String from) {
        Cursor<Object, Document> cursor = byId.cursor(from);
        Iterator<Document> inOrder = new Iterator<>() {
            private Document next = advance();

            private Document advance() {
                return cursor.hasNext() && cursor.next() instanceof String ? cursor.getValue() : null;
            }

            @Override
            public boolean hasNext() {
                return next != null;
            }

            @Override
            public Document next() {
                if (next == null) {
                    throw new NoSuchElementException();
                }
                Document current = next;
                next = advance();
                return current;
            }
        };
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(inOrder, Spliterator.ORDERED), false);
    }
}

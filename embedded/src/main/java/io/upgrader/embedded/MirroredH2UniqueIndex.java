package io.upgrader.embedded;

import de.bwaldvogel.mongo.backend.AbstractUniqueIndex;
import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.backend.KeyValue;
import de.bwaldvogel.mongo.backend.Missing;
import org.h2.mvstore.MVMap;

import java.util.List;
import java.util.Map;
import java.util.Map.Entry;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A unique index kept in its H2 map, exactly as the H2 backend keeps it, and answered from a copy on the heap.
 * H2 orders keys it does not know, such as mongo-java-server's KeyValue, by their Java-serialized bytes: every
 * comparison of a B-tree search serialized both keys, which made the look-up by _id the largest cost of each
 * read and write (about a third of the store's CPU in the benchmark's profile). The H2 map stays the record,
 * as the plain H2 backend reads it; the copy costs some heap per stored document and is
 * filled once, when the index is opened.
 */
final class MirroredH2UniqueIndex extends AbstractUniqueIndex<Object> {

    private final MVMap<KeyValue, Object> stored;
    private final Map<KeyValue, Object> mirror = new ConcurrentHashMap<>();

    MirroredH2UniqueIndex(MVMap<KeyValue, Object> stored, String name, List<IndexKey> keys, boolean sparse) {
        super(name, keys, sparse);
        this.stored = stored;
        stored.forEach(mirror::put);
    }

    @Override
    protected synchronized Object removeDocument(KeyValue keyValue) {
        Object removed = stored.remove(keyValue);
        mirror.remove(keyValue);
        return removed;
    }

    @Override
    protected synchronized boolean putKeyPosition(KeyValue keyValue, Object position) {
        Object value = Missing.ofNullable(position);
        boolean added = stored.putIfAbsent(keyValue, value) == null;
        if (added) {
            mirror.put(keyValue, value);
        }
        return added;
    }

    /** Walked for a regular expression on the indexed field; the copy is walked without deserializing keys. */
    @Override
    protected Iterable<Entry<KeyValue, Object>> getIterable() {
        return mirror.entrySet();
    }

    @Override
    protected Object getPosition(KeyValue keyValue) {
        return mirror.get(keyValue);
    }

    @Override
    public long getCount() {
        return stored.sizeAsLong();
    }

    @Override
    public boolean isEmpty() {
        return stored.isEmpty();
    }

    @Override
    public long getDataSize() {
        return getCount();
    }

    @Override
    public void drop() {
        super.drop();
        mirror.clear();
    }
}

package io.upgrader.embedded;

import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;

import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.backend.CollectionOptions;
import de.bwaldvogel.mongo.backend.Assert;
import de.bwaldvogel.mongo.backend.CursorRegistry;
import de.bwaldvogel.mongo.backend.DocumentWithPosition;
import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.backend.KeyValue;
import de.bwaldvogel.mongo.backend.Missing;
import de.bwaldvogel.mongo.backend.QueryResult;
import de.bwaldvogel.mongo.backend.Utils;
import de.bwaldvogel.mongo.backend.ValueComparator;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.h2.H2Collection;
import de.bwaldvogel.mongo.backend.h2.H2Database;
import de.bwaldvogel.mongo.bson.Document;

/**
 * mongo-java-server's H2 backend, with changes that make a look-up by {@code _id} cost the same with ten
 * thousand or a million executions stored: collections narrow a query with a unique index whose fields it pins
 * ({@link UniqueIndexSeek}), unique indexes answer from a heap copy ({@link MirroredH2UniqueIndex}), a page
 * sorted by {@code _id} after a given id is read in {@code _id} order up to its limit ({@link IdOrderWalk}), and
 * documents are stored as BSON ({@link BsonDocumentType}). Everything else is the H2 backend's: its files open
 * here, while a file written here needs this backend.
 */
public final class IndexSeekingH2Backend extends H2Backend {

    private IndexSeekingH2Backend(MVStore store) {
        super(store);
    }

    /**
     * H2 writes a changed document by writing its whole page again, every document of it encoded, and reads a
     * page whole; its default of 16 KiB held about five executions, so each upgrade encoded about five. At
     * 4 KiB a page holds one or two.
     */
    private static final int PAGE_SPLIT_SIZE = 4 * 1024;

    /** Stored in {@code file}, which is created when missing and reopened with its data otherwise. */
    public static IndexSeekingH2Backend inFile(String file) {
        return inFile(file, 16);
    }

    /** As {@link #inFile(String)}, with a page cache of {@code cacheSizeMb} (H2's default is 16 MB). */
    public static IndexSeekingH2Backend inFile(String file, int cacheSizeMb) {
        return new IndexSeekingH2Backend(new MVStore.Builder().fileName(file).cacheSize(cacheSizeMb)
                .pageSplitSize(PAGE_SPLIT_SIZE).open());
    }

    /** Kept in memory only: for tests. */
    public static IndexSeekingH2Backend inMemory() {
        return new IndexSeekingH2Backend(MVStore.open(null));
    }

    @Override
    protected MongoDatabase openOrCreateDatabase(String databaseName) {
        return new Database(databaseName);
    }

    /** An inner class: H2Database's constructor opens the stored collections, before any field of ours is set. */
    private final class Database extends H2Database {

        // H2Database's own map names (not visible from here): a file of the plain H2 backend opens here.
        private static final String DATA_MAP_PREFIX = "databases.";
        private static final String META_MAP_PREFIX = "meta.";
        private static final String INDEX_MAP_INFIX = "._index_";

        Database(String databaseName) {
            super(databaseName, getMvStore(), getCursorRegistry());
        }

        @Override
        protected Index<Object> openOrCreateUniqueIndex(String collectionName, String indexName, List<IndexKey> keys,
                                                        boolean sparse) {
            MVMap<KeyValue, Object> map = getMvStore().openMap(getFullCollectionNamespace(collectionName)
                    + INDEX_MAP_INFIX + indexName);
            return new MirroredH2UniqueIndex(map, indexName, keys, sparse);
        }

        @Override
        protected MongoCollection<Object> openOrCreateCollection(String collectionName, CollectionOptions options) {
            String fullName = getFullCollectionNamespace(collectionName);
            MVStore store = getMvStore();
            MVMap<Object, byte[]> data = store.openMap(DATA_MAP_PREFIX + fullName,
                    new MVMap.Builder<Object, byte[]>().valueType(new BsonDocumentType()));
            MVMap<String, Object> meta = store.openMap(META_MAP_PREFIX + fullName);
            return new Collection(this, collectionName, options, data, meta, cursorRegistry);
        }
    }

    /**
     * H2's collection over a map whose values are BSON ({@link BsonDocumentType}): every method of
     * {@link H2Collection} that touches its map is overridden here, so its own reference, typed for documents,
     * is never used.
     */
    private static final class Collection extends H2Collection {

        private static final String ID_FIELD = "_id";

        private final UniqueIndexSeek<Object> seek = new UniqueIndexSeek<>();
        private final MVMap<Object, byte[]> byId;

        @SuppressWarnings("unchecked")
        Collection(MongoDatabase database, String collectionName, CollectionOptions options,
                   MVMap<Object, byte[]> data, MVMap<String, Object> meta, CursorRegistry cursors) {
            super(database, collectionName, options, (MVMap<Object, Document>) (MVMap<?, ?>) data, meta, cursors);
            this.byId = data;
        }

        @Override
        protected Object addDocumentInternal(Document document) {
            Object key = getIdField() != null ? Utils.getSubdocumentValue(document, getIdField()) : UUID.randomUUID();
            byte[] previous = byId.put(Missing.ofNullable(key), BsonDocuments.encode(document));
            Assert.isNull(previous, () -> "Document with key '" + key + "' already existed in " + this);
            return key;
        }

        @Override
        public int count() {
            return byId.size();
        }

        @Override
        public boolean isEmpty() {
            return byId.isEmpty();
        }

        @Override
        protected Document getDocument(Object position) {
            byte[] stored = byId.get(position);
            return stored == null ? null : BsonDocuments.decode(stored);
        }

        @Override
        protected void removeDocument(Object position) {
            if (byId.remove(position) == null) {
                throw new NoSuchElementException("No document with key " + position);
            }
        }

        @Override
        protected void handleUpdate(Object position, Document oldDocument, Document newDocument) {
            byId.put(Missing.ofNullable(position), BsonDocuments.encode(newDocument));
        }

        @Override
        protected Stream<DocumentWithPosition<Object>> streamAllDocumentsWithPosition() {
            return byId.entrySet().stream()
                    .map(entry -> new DocumentWithPosition<>(BsonDocuments.decode(entry.getValue()), entry.getKey()));
        }

        @Override
        protected QueryResult matchDocuments(Document query, Document orderBy, int numberToSkip, int limit,
                                             int batchSize, Document fieldSelector) {
            Stream<Document> documents = isNaturalDescending(orderBy)
                    ? streamAllDocumentsWithPosition()
                            .sorted((a, b) -> ValueComparator.desc().compare(a.getPosition(), b.getPosition()))
                            .map(DocumentWithPosition::getDocument)
                    : byId.values().stream().map(BsonDocuments::decode);
            return matchDocumentsFromStream(documents, query, orderBy, numberToSkip, limit, batchSize, fieldSelector);
        }

        @Override
        public void addIndex(Index<Object> index) {
            super.addIndex(index);
            seek.added(index);
        }

        @Override
        public void dropIndex(String indexName) {
            super.dropIndex(indexName);
            seek.dropped(indexName);
        }

        @Override
        protected QueryResult queryDocuments(Document query, Document orderBy, int numberToSkip, int limit,
                                             int batchSize, Document fieldSelector) {
            Optional<UniqueIndexSeek.Narrowed<Object>> narrowed = seek.narrow(query, orderBy);
            if (narrowed.isPresent()) {
                return matchDocuments(narrowed.get().query(), narrowed.get().candidates(), orderBy, numberToSkip,
                        limit, batchSize, fieldSelector);
            }
            Optional<String> from = ID_FIELD.equals(getIdField()) ? IdOrderWalk.start(query, orderBy, limit)
                    : Optional.empty();
            if (from.isPresent()) {
                // Already in the order asked for: no comparator, so the stream stops at the limit.
                return matchDocumentsFromStream(query, IdOrderWalk.values(byId, from.get()).map(BsonDocuments::decode),
                        numberToSkip, limit, batchSize, null, fieldSelector);
            }
            return super.queryDocuments(query, orderBy, numberToSkip, limit, batchSize, fieldSelector);
        }
    }
}

package io.upgrader.embedded;

import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.backend.CollectionOptions;
import de.bwaldvogel.mongo.backend.CursorRegistry;
import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.backend.KeyValue;
import de.bwaldvogel.mongo.backend.QueryResult;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.h2.H2Collection;
import de.bwaldvogel.mongo.backend.h2.H2Database;
import de.bwaldvogel.mongo.bson.Document;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;

import java.util.List;
import java.util.Optional;

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
            MVMap<Object, Document> data = store.openMap(DATA_MAP_PREFIX + fullName,
                    new MVMap.Builder<Object, Document>().valueType(new BsonDocumentType()));
            MVMap<String, Object> meta = store.openMap(META_MAP_PREFIX + fullName);
            return new Collection(this, collectionName, options, data, meta, cursorRegistry);
        }
    }

    private static final class Collection extends H2Collection {

        private static final String ID_FIELD = "_id";

        private final UniqueIndexSeek<Object> seek = new UniqueIndexSeek<>();
        private final MVMap<Object, Document> byId;

        Collection(MongoDatabase database, String collectionName, CollectionOptions options,
                   MVMap<Object, Document> data, MVMap<String, Object> meta, CursorRegistry cursors) {
            super(database, collectionName, options, data, meta, cursors);
            this.byId = data;
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
                return matchDocumentsFromStream(query, IdOrderWalk.documents(byId, from.get()), numberToSkip, limit,
                        batchSize, null, fieldSelector);
            }
            return super.queryDocuments(query, orderBy, numberToSkip, limit, batchSize, fieldSelector);
        }
    }
}

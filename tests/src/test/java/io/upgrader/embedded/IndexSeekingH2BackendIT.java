package io.upgrader.embedded;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.Updates;
import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import org.bson.Document;
import org.bson.conversions.Bson;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The queries the service makes, through the real driver, answer the same with the narrowing as the plain
 * collection's scan would; and files of the plain H2 backend open here.
 */
class IndexSeekingH2BackendIT {

    @TempDir
    Path dataDir;

    @Test
    void conditionalWritesTouchOnlyTheDocumentWhoseConditionsHold() {
        withCollection(IndexSeekingH2Backend.inMemory(), workflows -> {
            seed(workflows, 500);
            assertThat(workflows.find(Filters.and(Filters.eq("_id", "wf-7"), Filters.eq("revision", 7))).first())
                    .isNotNull();
            assertThat(workflows.find(Filters.and(Filters.eq("_id", "wf-7"), Filters.eq("revision", 8))).first())
                    .isNull();

            Bson unapplied = Filters.and(Filters.eq("_id", "wf-7"), Filters.eq("revision", 7),
                    Filters.ne("upgradeHistory.commandId", "c-1"));
            Document upgraded = new Document("revision", 8).append("status", "RUNNING")
                    .append("upgradeHistory", List.of(new Document("commandId", "c-1")));
            assertThat(workflows.replaceOne(unapplied, upgraded).getModifiedCount()).isEqualTo(1);
            assertThat(workflows.replaceOne(unapplied, upgraded).getModifiedCount()).isZero();
            Bson atNewRevision = Filters.and(Filters.eq("_id", "wf-7"), Filters.eq("revision", 8),
                    Filters.ne("upgradeHistory.commandId", "c-1"));
            assertThat(workflows.replaceOne(atNewRevision, upgraded).getModifiedCount()).isZero();

            assertThat(workflows.deleteOne(Filters.and(Filters.eq("_id", "wf-8"), Filters.eq("revision", 0)))
                    .getDeletedCount()).isZero();
            assertThat(workflows.countDocuments()).isEqualTo(500);
            assertThat(workflows.find(Filters.eq("revision", 8)).into(new ArrayList<>()))
                    .extracting(document -> document.get("_id")).containsExactlyInAnyOrder("wf-7", "wf-8");
        });
    }

    @Test
    void anIdListWithFurtherConditionsKeepsFilterSortAndLimit() {
        withCollection(IndexSeekingH2Backend.inMemory(), workflows -> {
            seed(workflows, 200);
            Bson filter = Filters.and(Filters.in("_id", "wf-1", "wf-2", "wf-3", "wf-4", "wf-5", "wf-404"),
                    Filters.eq("status", "RUNNING"));
            assertThat(workflows.find(filter).sort(Sorts.descending("revision")).limit(2).into(new ArrayList<>()))
                    .extracting(document -> document.get("_id")).containsExactly("wf-5", "wf-3");
            assertThat(workflows.updateMany(filter, Updates.set("status", "PAUSED")).getModifiedCount())
                    .isEqualTo(3);
            assertThat(workflows.countDocuments(Filters.eq("status", "PAUSED"))).isEqualTo(3);
        });
    }

    @Test
    void aCompoundUniqueIndexStillRefusesDuplicatesAndNarrowsItsQueries() {
        withCollection(IndexSeekingH2Backend.inMemory(), workflows -> {
            workflows.createIndex(Indexes.ascending("definition", "key"), new IndexOptions().unique(true));
            workflows.insertOne(new Document("_id", 1).append("definition", "d").append("key", 1).append("x", 1));
            workflows.insertOne(new Document("_id", 2).append("definition", "d").append("key", 2).append("x", 2));
            assertThat(workflows.find(Filters.and(Filters.eq("definition", "d"), Filters.eq("key", 2),
                    Filters.eq("x", 2))).first()).extracting(document -> document.get("_id")).isEqualTo(2);
            assertThat(workflows.find(Filters.and(Filters.eq("definition", "d"), Filters.eq("key", 2),
                    Filters.eq("x", 1))).first()).isNull();
            assertThatThrownBy(() -> workflows.insertOne(
                    new Document("_id", 3).append("definition", "d").append("key", 1)))
                    .hasMessageContaining("duplicate key");
        });
    }

    @Test
    void opensAFileOfThePlainH2BackendAndKeepsItsDocumentsAsItConvertsThem() {
        String file = dataDir.resolve("mongo.mv").toString();
        withCollection(new H2Backend(file), workflows -> {
            seed(workflows, 50);
            workflows.deleteOne(Filters.eq("_id", "wf-9"));
        });
        withCollection(IndexSeekingH2Backend.inFile(file), workflows -> {
            // Java-serialized by the plain backend; the documents written now are stored as BSON.
            assertThat(workflows.countDocuments()).isEqualTo(49);
            assertThat(workflows.find(Filters.eq("_id", "wf-9")).first()).isNull();
            assertThatThrownBy(() -> workflows.insertOne(new Document("_id", "wf-3"))).hasMessageContaining("duplicate key");
            workflows.insertOne(new Document("_id", "wf-9").append("revision", 90));
            Bson conditional = Filters.and(Filters.eq("_id", "wf-3"), Filters.eq("revision", 3));
            assertThat(workflows.updateOne(conditional, Updates.set("revision", 30)).getModifiedCount()).isEqualTo(1);
        });
        withCollection(IndexSeekingH2Backend.inFile(file), workflows -> {
            assertThat(workflows.find(Filters.and(Filters.eq("_id", "wf-3"), Filters.eq("revision", 30))).first())
                    .isNotNull();
            assertThat(workflows.find(Filters.and(Filters.eq("_id", "wf-9"), Filters.eq("revision", 90))).first())
                    .isNotNull();
            assertThat(workflows.find(Filters.eq("_id", "wf-5")).first())
                    .isEqualTo(new Document("_id", "wf-5").append("revision", 5).append("status", "RUNNING"));
            assertThatThrownBy(() -> workflows.insertOne(new Document("_id", "wf-9"))).hasMessageContaining("duplicate key");
            assertThat(workflows.countDocuments()).isEqualTo(50);
        });
    }

    @Test
    void aUniqueIndexAnswersFromWhatIsStoredAfterDeletesAndKeyChanges() {
        String file = dataDir.resolve("mongo.mv").toString();
        withCollection(IndexSeekingH2Backend.inFile(file), workflows -> {
            workflows.createIndex(Indexes.ascending("scope"), new IndexOptions().unique(true).sparse(true));
            workflows.insertOne(new Document("_id", "a").append("scope", "k-1"));
            workflows.insertOne(new Document("_id", "b").append("scope", "k-2"));
            workflows.updateOne(Filters.eq("_id", "a"), Updates.set("scope", "k-3"));
            workflows.deleteOne(Filters.eq("_id", "b"));
        });
        withCollection(IndexSeekingH2Backend.inFile(file), workflows -> {
            // k-1 and k-2 are free again, k-3 is taken: as the index read back from the file says.
            workflows.insertOne(new Document("_id", "c").append("scope", "k-1"));
            workflows.insertOne(new Document("_id", "b").append("scope", "k-2"));
            assertThatThrownBy(() -> workflows.insertOne(new Document("_id", "d").append("scope", "k-3")))
                    .hasMessageContaining("duplicate key");
            assertThat(workflows.find(Filters.and(Filters.eq("scope", "k-3"), Filters.eq("_id", "a"))).first())
                    .isNotNull();
        });
    }

    @Test
    void pagesSortedByIdAfterAnIdAreWhatThePlainServerAnswers() {
        List<Document> documents = new ArrayList<>();
        java.util.Random random = new java.util.Random(7);
        for (int i = 0; i < 400; i++) {
            documents.add(new Document("_id", "wf-" + Integer.toString(random.nextInt(1_000_000), 36))
                    .append("status", i % 3 == 0 ? "COMPLETED" : "RUNNING").append("n", i));
        }
        documents.add(new Document("_id", 42).append("status", "RUNNING"));
        documents.add(new Document("_id", new org.bson.types.ObjectId()).append("status", "RUNNING"));
        documents.add(new Document("_id", "").append("status", "RUNNING"));
        List<Bson> filters = List.of(
                Filters.and(Filters.eq("status", "RUNNING"), Filters.gt("_id", "")),
                Filters.and(Filters.eq("status", "RUNNING"), Filters.gt("_id", "wf-g")),
                Filters.and(Filters.gte("_id", documents.get(5).getString("_id")), Filters.lt("n", 200)),
                Filters.and(Filters.gt("_id", "wf-"), Filters.in("status", "COMPLETED", "PAUSED")),
                Filters.gt("_id", "wf-zzzzzz"));
        List<List<Object>> expected = new ArrayList<>();
        withCollection(new de.bwaldvogel.mongo.backend.memory.MemoryBackend(), workflows -> {
            workflows.insertMany(documents);
            filters.forEach(filter -> expected.add(page(workflows, filter)));
        });
        withCollection(IndexSeekingH2Backend.inMemory(), workflows -> {
            workflows.insertMany(documents);
            for (int i = 0; i < filters.size(); i++) {
                assertThat(page(workflows, filters.get(i))).as(filters.get(i).toString()).isEqualTo(expected.get(i));
            }
        });
        assertThat(expected.get(0)).hasSize(25).allMatch(id -> id instanceof String s && !s.isEmpty());
        assertThat(expected.get(4)).isEmpty();
    }

    /**
     * Beyond the queries the service makes: updates in place, upserts, deletes, scans, natural order and counts
     * answer as the plain H2 backend does, and what was written is what a reopened file holds.
     */
    @Test
    void writesAndScansAnswerAsThePlainServerAndSurviveAReopen() {
        List<Object> expected = new ArrayList<>();
        withCollection(H2Backend.inMemory(), workflows -> expected.addAll(readAndWrite(workflows)));
        String file = dataDir.resolve("store.mv").toString();
        List<Object> answered = new ArrayList<>();
        withCollection(IndexSeekingH2Backend.inFile(file), workflows -> answered.addAll(readAndWrite(workflows)));
        assertThat(answered).isEqualTo(expected);

        withCollection(IndexSeekingH2Backend.inFile(file), workflows -> assertThat(workflows.find()
                .sort(Sorts.ascending("_id")).into(new ArrayList<>())).isEqualTo(expected.get(expected.size() - 1)));
    }

    private static List<Object> readAndWrite(MongoCollection<Document> workflows) {
        seed(workflows, 40);
        List<Object> answers = new ArrayList<>();
        answers.add(workflows.updateMany(Filters.eq("status", "RUNNING"),
                Updates.combine(Updates.inc("revision", 1), Updates.push("tags", "touched"))).getModifiedCount());
        answers.add(workflows.updateOne(Filters.eq("_id", "wf-3"), Updates.set("status", "PAUSED")).getModifiedCount());
        answers.add(workflows.updateOne(Filters.eq("_id", "wf-new"), Updates.set("status", "RUNNING"),
                new com.mongodb.client.model.UpdateOptions().upsert(true)).getUpsertedId());
        answers.add(workflows.findOneAndUpdate(Filters.eq("_id", "wf-5"), Updates.unset("status")));
        answers.add(workflows.deleteMany(Filters.eq("status", "COMPLETED")).getDeletedCount());
        answers.add(workflows.countDocuments());
        answers.add(workflows.countDocuments(Filters.gt("revision", 20)));
        answers.add(workflows.find().sort(new Document("$natural", -1)).limit(5).map(d -> d.get("_id"))
                .into(new ArrayList<>()));
        answers.add(workflows.find(Filters.eq("tags", "touched")).sort(Sorts.descending("revision")).limit(3)
                .into(new ArrayList<>()));
        answers.add(workflows.find().sort(Sorts.ascending("_id")).into(new ArrayList<>()));
        return answers;
    }

    /** The third page of 25, ids only, as the bulk expansion asks for them. */
    private static List<Object> page(MongoCollection<Document> workflows, Bson filter) {
        return workflows.find(filter).projection(com.mongodb.client.model.Projections.include("_id"))
                .sort(Sorts.ascending("_id")).skip(50).limit(25).map(document -> document.get("_id"))
                .into(new ArrayList<>());
    }

    private static void seed(MongoCollection<Document> workflows, int count) {
        List<Document> documents = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            documents.add(new Document("_id", "wf-" + i).append("revision", i == 8 ? 8 : i)
                    .append("status", i % 2 == 1 ? "RUNNING" : "COMPLETED"));
        }
        workflows.insertMany(documents);
    }

    private static void withCollection(MongoBackend backend, java.util.function.Consumer<MongoCollection<Document>> use) {
        MongoServer server = new MongoServer(backend);
        try {
            server.bind("127.0.0.1", 0);
            try (MongoClient client = MongoClients.create("mongodb://127.0.0.1:" + server.getLocalAddress().getPort())) {
                use.accept(client.getDatabase("upgrader").getCollection("workflows"));
            }
        } finally {
            server.shutdownNow();
        }
    }
}

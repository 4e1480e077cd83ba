package io.upgrader.embedded;

import de.bwaldvogel.mongo.backend.EmptyIndex;
import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.backend.memory.index.MemoryUniqueIndex;
import de.bwaldvogel.mongo.bson.Document;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** Which queries a unique index narrows, and to which positions; positions here are the documents' numbers. */
class UniqueIndexSeekTest {

    private final UniqueIndexSeek<Integer> seek = new UniqueIndexSeek<>();
    private final Index<Integer> idIndex = new MemoryUniqueIndex("_id_", List.of(new IndexKey("_id", true)), false);
    private final Index<Integer> taskIndex = new MemoryUniqueIndex("workflowId_1_seq_1",
            List.of(new IndexKey("workflowId", true), new IndexKey("seq", true)), false);

    @BeforeEach
    void storeFiveDocuments() {
        for (int position = 0; position < 5; position++) {
            Document document = new Document("_id", "wf-" + position).append("revision", position)
                    .append("workflowId", "wf-" + position).append("seq", 1);
            idIndex.add(document, position, null);
            taskIndex.add(document, position, null);
        }
        seek.added(idIndex);
        seek.added(taskIndex);
    }

    @Test
    void narrowsAConditionalWriteToTheDocumentItsIdNames() {
        assertThat(candidates(new Document("_id", "wf-3").append("revision", 7))).contains(List.of(3));
    }

    @Test
    void findsNoCandidateForAnIdThatIsNotStored() {
        assertThat(candidates(new Document("_id", "wf-9").append("revision", 0))).contains(List.of());
    }

    @Test
    void narrowsAnIdInListWithFurtherConditions() {
        Document query = new Document("_id", new Document("$in", List.of("wf-1", "wf-4", "wf-9")))
                .append("status", "RUNNING");
        assertThat(candidates(query)).hasValueSatisfying(positions -> assertThat(positions).containsExactly(1, 4));
    }

    @Test
    void narrowsWithACompoundIndexOnlyWhenTheQueryPinsAllItsFields() {
        assertThat(candidates(new Document("workflowId", "wf-2").append("seq", 1).append("status", "x")))
                .contains(List.of(2));
        assertThat(candidates(new Document("workflowId", "wf-2").append("status", "x"))).isEmpty();
    }

    @Test
    void leavesToTheScanWhatNoIndexCanAnswer() {
        assertThat(candidates(new Document("revision", 3).append("status", "RUNNING"))).isEmpty();
        assertThat(candidates(new Document("_id", new Document("$gt", "wf-1")).append("revision", 3))).isEmpty();
        assertThat(candidates(new Document("_id", new Document("$ne", "wf-1")).append("revision", 3))).isEmpty();
    }

    @Test
    void narrowsTheClausesOfAnAndAsTheJavaDriverSendsThem() {
        Document query = new Document("$and", List.of(new Document("_id", "wf-2"), new Document("revision", 2),
                new Document("upgradeHistory.commandId", new Document("$ne", "c-1"))));
        assertThat(candidates(query)).contains(List.of(2));
        Document nested = new Document("$and", List.of(new Document("$and", List.of(new Document("_id", "wf-4"))),
                new Document("revision", 4)));
        assertThat(candidates(nested)).contains(List.of(4));
    }

    @Test
    void neverNarrowsByTheBranchesOfAnOrOrNor() {
        assertThat(candidates(new Document("$or", List.of(new Document("_id", "wf-2"), new Document("revision", 3)))))
                .isEmpty();
        assertThat(candidates(new Document("$nor", List.of(new Document("_id", "wf-2"))).append("revision", 3)))
                .isEmpty();
    }

    @Test
    void narrowsAQueryOnTheIndexFieldsAlone() {
        assertThat(candidates(new Document("_id", "wf-3"))).contains(List.of(3));
    }

    @Test
    void keepsTheScanForNaturalOrder() {
        Document query = new Document("_id", "wf-3").append("revision", 3);
        assertThat(seek.narrow(query, new Document("$natural", -1))).isEmpty();
        assertThat(seek.narrow(query, new Document("revision", 1))).isPresent();
    }

    @Test
    void ignoresSecondaryIndexesWhichMongoJavaServerDoesNotFill() {
        UniqueIndexSeek<Integer> onlySecondary = new UniqueIndexSeek<>();
        onlySecondary.added(new EmptyIndex<>("revision_1", List.of(new IndexKey("revision", true))));
        assertThat(onlySecondary.narrow(new Document("revision", 3).append("x", 1), null)).isEmpty();
    }

    @Test
    void forgetsADroppedIndex() {
        seek.dropped("_id_");
        assertThat(candidates(new Document("_id", "wf-3").append("revision", 3))).isEmpty();
    }

    @Test
    void keepsTheFirstIndexOfANameWhichIsTheOneTheCollectionKeeps() {
        Index<Integer> emptyNamesake = new MemoryUniqueIndex("_id_", List.of(new IndexKey("_id", true)), false);
        seek.added(emptyNamesake);
        assertThat(candidates(new Document("_id", "wf-3").append("revision", 3))).contains(List.of(3));
    }

    @Test
    void anIdListTheIndexAnsweredIsNotMatchedAgainstEachDocument() {
        Document ids = new Document("$in", List.of("wf-1", "wf-4", "wf-9"));
        assertThat(candidates(new Document("_id", ids))).contains(List.of(1, 4));
        assertThat(residual(new Document("_id", ids))).isEqualTo(new Document());
        Document status = new Document("status", new Document("$in", List.of("NOOP", "REJECTED")));
        assertThat(residual(new Document("$and", List.of(new Document("_id", ids), status))))
                .isEqualTo(new Document("$and", List.of(status)));
        assertThat(residual(new Document("_id", ids).append("revision", 3))).isEqualTo(new Document("revision", 3));
    }

    @Test
    void everyOtherConditionOnTheIdIsStillMatched() {
        Document ids = new Document("$in", List.of("wf-1", "wf-4"));
        Document twice = new Document("_id", ids).append("$and",
                List.of(new Document("_id", new Document("$ne", "wf-4"))));
        assertThat(residual(twice)).isEqualTo(twice);
        Document listAndMore = new Document("_id", new Document("$in", List.of("wf-1")).append("$ne", "wf-1"));
        assertThat(residual(listAndMore)).isEqualTo(listAndMore);
        Document single = new Document("_id", "wf-3").append("revision", 3);
        assertThat(residual(single)).isEqualTo(single);
        Document compound = new Document("workflowId", new Document("$in", List.of("wf-2"))).append("seq", 1);
        assertThat(residual(compound)).isEqualTo(compound);
    }

    /** What is matched against each document: the whole query too when no index narrowed it. */
    private Document residual(Document query) {
        return seek.narrow(query, null).map(UniqueIndexSeek.Narrowed::query).orElse(query);
    }

    private Optional<List<Integer>> candidates(Document query) {
        return seek.narrow(query, null).map(narrowed -> {
            List<Integer> list = new java.util.ArrayList<>();
            narrowed.candidates().forEach(list::add);
            return list;
        });
    }
}

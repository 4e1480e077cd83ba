package io.upgrader.embedded;

import de.bwaldvogel.mongo.bson.Document;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Which queries are walked in _id order, and what the walk reads. */
class IdOrderWalkTest {

    private static final Document BY_ID = new Document("_id", 1);

    @Test
    void walksAPageSortedByIdAfterAStringAsTheDriverSendsIt() {
        Document query = new Document("$and", List.of(new Document("workflowName", "w"),
                new Document("_id", new Document("$gt", "wf-5"))));
        assertThat(IdOrderWalk.start(query, BY_ID, 500)).contains("wf-5");
        assertThat(IdOrderWalk.start(new Document("_id", new Document("$gte", "")), BY_ID, 1)).contains("");
    }

    @Test
    void leavesEverythingElseToTheCollection() {
        Document after = new Document("_id", new Document("$gt", "wf-5"));
        assertThat(IdOrderWalk.start(after, BY_ID, 0)).as("no limit").isEmpty();
        assertThat(IdOrderWalk.start(after, new Document("_id", -1), 10)).as("descending").isEmpty();
        assertThat(IdOrderWalk.start(after, new Document("_id", 1).append("n", 1), 10)).isEmpty();
        assertThat(IdOrderWalk.start(after, null, 10)).as("unsorted").isEmpty();
        assertThat(IdOrderWalk.start(new Document("_id", new Document("$gt", 5)), BY_ID, 10)).isEmpty();
        assertThat(IdOrderWalk.start(new Document("_id", new Document("$lt", "wf-5")), BY_ID, 10)).isEmpty();
        assertThat(IdOrderWalk.start(new Document("$or", List.of(after)), BY_ID, 10)).isEmpty();
    }

    @Test
    void readsStringKeysFromTheStartOnInOrderAndStopsAtTheFirstOtherKey() {
        MVStore store = MVStore.open(null);
        try {
            MVMap<Object, Document> byId = store.openMap("data");
            for (Object id : List.of("b", 7L, "a", "c", "bb")) {
                byId.put(id, new Document("_id", id));
            }
            assertThat(IdOrderWalk.documents(byId, "b").map(document -> document.get("_id")))
                    .containsExactly("b", "bb", "c");
        } finally {
            store.close();
        }
    }
}

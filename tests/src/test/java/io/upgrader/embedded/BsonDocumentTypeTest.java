package io.upgrader.embedded;

import de.bwaldvogel.mongo.bson.BinData;
import de.bwaldvogel.mongo.bson.BsonTimestamp;
import de.bwaldvogel.mongo.bson.Decimal128;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.bson.MaxKey;
import de.bwaldvogel.mongo.bson.MinKey;
import de.bwaldvogel.mongo.bson.ObjectId;
import de.bwaldvogel.mongo.wire.bson.BsonDecoder;
import io.netty.buffer.Unpooled;
import org.h2.mvstore.WriteBuffer;
import org.h2.mvstore.type.ObjectDataType;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ConcurrentModificationException;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BsonDocumentTypeTest {

    private final BsonDocumentType type = new BsonDocumentType();

    @Test
    void everyBsonValueComesBackAsItWasStored() {
        Document stored = execution("wf-1")
                .append("objectId", new ObjectId())
                .append("when", Instant.ofEpochMilli(1_764_000_000_123L))
                .append("big", 1L << 40)
                .append("ratio", 0.25)
                .append("exact", new Decimal128(3, 7))
                .append("flag", true)
                .append("nothing", null)
                .append("bytes", new BinData(new byte[] {1, 2, 3}))
                .append("uuid", UUID.fromString("3b241101-e2bb-4255-8caf-4136c566a962"))
                .append("timestamp", new BsonTimestamp(42L))
                .append("bounds", List.of(MinKey.getInstance(), MaxKey.getInstance()))
                .append("unicode", "é ✓ 🚀");

        Document read = roundTrip(stored);

        assertThat(read).isEqualTo(stored);
        assertThat(List.copyOf(read.keySet())).containsExactlyElementsOf(stored.keySet());
        assertThat(read.get("big")).isInstanceOf(Long.class);
        assertThat(read.get("objectId")).isEqualTo(stored.get("objectId"));
    }

    @Test
    void aDocumentJavaSerializedByThePlainH2BackendIsStillRead() {
        Document stored = execution("wf-legacy");
        WriteBuffer buffer = new WriteBuffer();
        new ObjectDataType().write(buffer, stored);

        assertThat(type.read(buffer.getBuffer().flip())).isEqualTo(stored);
    }

    @Test
    void valuesOfBothFormatsSideBySideInOnePageAreReadInTurn() {
        Document first = execution("wf-1");
        Document legacy = execution("wf-2");
        Document last = execution("wf-3").append("tail", List.of(1, 2, 3));
        WriteBuffer buffer = new WriteBuffer();
        type.write(buffer, first);
        new ObjectDataType().write(buffer, legacy);
        type.write(buffer, last);
        ByteBuffer page = buffer.getBuffer().flip();

        assertThat(type.read(page)).isEqualTo(first);
        assertThat(type.read(page)).isEqualTo(legacy);
        assertThat(type.read(page)).isEqualTo(last);
        assertThat(page.hasRemaining()).isFalse();
    }

    @Test
    void theEncodingIsTheTagThenTheBsonDocument() {
        WriteBuffer buffer = new WriteBuffer();
        type.write(buffer, new Document("_id", "a"));
        ByteBuffer written = buffer.getBuffer().flip();

        assertThat(written.get()).isEqualTo(BsonDocumentType.BSON_TAG);
        // BSON: its int32 length (little-endian) 4 + type 1 + "_id\0" 4 + string length 4 + "a\0" 2 + end 1 = 16
        assertThat(Integer.reverseBytes(written.getInt())).isEqualTo(16).isEqualTo(written.limit() - 1);
    }

    @Test
    void equalDocumentsCompareEqualAndOthersInAConsistentOrder() {
        Document a = execution("wf-a");
        Document b = execution("wf-b");

        assertThat(type.compare(a, execution("wf-a"))).isZero();
        assertThat(Integer.signum(type.compare(a, b))).isEqualTo(-Integer.signum(type.compare(b, a))).isNotZero();
    }

    @Test
    void theMemoryEstimateFollowsTheSizeOfWhatIsStored() {
        int initial = type.getMemory(execution("wf-1"));
        Document large = execution("wf-large").append("payload", "x".repeat(100_000));
        for (int i = 0; i < 64; i++) {
            roundTrip(large);
        }
        assertThat(type.getMemory(large)).isGreaterThan(100_000).isGreaterThan(initial);
    }

    private Document roundTrip(Document document) {
        WriteBuffer buffer = new WriteBuffer();
        type.write(buffer, document);
        return type.read(buffer.getBuffer().flip());
    }

    private static Document execution(String workflowId) {
        return new Document("_id", workflowId)
                .append("workflowName", "orders")
                .append("workflowVersion", 2)
                .append("revision", 7L)
                .append("input", new Document("customer", "c-1").append("amount", 12.5))
                .append("tasks", List.of(
                        new Document("taskReferenceName", "pre").append("status", "SKIPPED"),
                        new Document("taskReferenceName", "w").append("status", "IN_PROGRESS")
                                .append("outputData", new Document())));
    }

    /**
     * mongo-java-server's update removes fields of the stored document in place while H2's background writer may be
     * encoding it, and the encoder's iteration then throws ConcurrentModificationException (which closed the store):
     * the document is encoded again, as it then is.
     */
    @Test
    void aDocumentChangedWhileItIsEncodedIsEncodedAgainAsItThenIs() {
        Document beingUpdated = new Document("_id", "wf-1").append("status", "RUNNING").append("obsolete", "x");
        AtomicInteger attempts = new AtomicInteger();

        byte[] encoded = BsonDocumentType.encode(beingUpdated, document -> {
            if (attempts.incrementAndGet() < 3) {
                document.remove("obsolete");
                throw new ConcurrentModificationException();
            }
            return BsonDocumentType.encodeOnce(document);
        });

        assertThat(attempts).hasValue(3);
        assertThat(BsonDecoder.decodeBson(Unpooled.wrappedBuffer(encoded)))
                .isEqualTo(new Document("_id", "wf-1").append("status", "RUNNING"));
    }

    @Test
    void aDocumentThatNeverStopsChangingFailsTheWriteInTheEnd() {
        AtomicInteger attempts = new AtomicInteger();

        assertThatThrownBy(() -> BsonDocumentType.encode(new Document("_id", "wf-1"), document -> {
            attempts.incrementAndGet();
            throw new ConcurrentModificationException();
        })).isInstanceOf(ConcurrentModificationException.class);
        assertThat(attempts).hasValue(BsonDocumentType.ENCODE_ATTEMPTS);
    }
}

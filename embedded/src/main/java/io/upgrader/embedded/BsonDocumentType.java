package io.upgrader.embedded;

import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.wire.bson.BsonDecoder;
import de.bwaldvogel.mongo.wire.bson.BsonEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.h2.mvstore.WriteBuffer;
import org.h2.mvstore.type.BasicDataType;
import org.h2.mvstore.type.ObjectDataType;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.ConcurrentModificationException;
import java.util.function.Function;

/**
 * Stores a collection's documents in H2 as BSON, with mongo-java-server's own wire codec, where the H2 backend
 * Java-serializes them. H2 writes every changed document again at each commit, and Java serialization of a
 * document's maps was the largest single cost of the benchmark's store (a third of its CPU, in a thread of its
 * own, besides the deserialization of every page read from the file). BSON is also what the store received and
 * what it answers with, so a document comes back with exactly the values it was given.
 *
 * <p>Documents a file of the plain H2 backend holds are still read: they start with H2's own type tag and are
 * handed to H2's {@link ObjectDataType}; each is stored as BSON when it is next written. A file written here no
 * longer opens in the plain backend.
 */
final class BsonDocumentType extends BasicDataType<Document> {

    /** First byte of a document stored here: H2's ObjectDataType never writes it (its tags end at 119). */
    static final byte BSON_TAG = 127;

    /** Encodings of one document tried while an update is removing its fields, at most. */
    static final int ENCODE_ATTEMPTS = 1_000;

    private final ObjectDataType legacy = new ObjectDataType();

    /** Heap estimate for H2's page splits and cache: a moving average of four times the encoded size. */
    private volatile int averageMemory = 2048;

    @Override
    public Document[] createStorage(int size) {
        return new Document[size];
    }

    @Override
    public int getMemory(Document document) {
        return averageMemory;
    }

    @Override
    public void write(WriteBuffer buffer, Document document) {
        byte[] encoded = encode(document);
        track(encoded.length);
        buffer.put(BSON_TAG).put(encoded);
    }

    @Override
    public Document read(ByteBuffer buffer) {
        if (buffer.get(buffer.position()) != BSON_TAG) {
            return (Document) legacy.read(buffer);
        }
        buffer.get();
        ByteBuf encoded = Unpooled.wrappedBuffer(buffer);
        Document document = BsonDecoder.decodeBson(encoded);
        track(encoded.readerIndex());
        buffer.position(buffer.position() + encoded.readerIndex());
        return document;
    }

    /** Values are never ordered by H2's maps; equal documents compare equal, others by their encoding. */
    @Override
    public int compare(Document a, Document b) {
        if (a.equals(b)) {
            return 0;
        }
        return Arrays.compare(encode(a), encode(b));
    }

    /**
     * mongo-java-server's update removes fields from the stored document in place before it stores the new one, so
     * H2's background writer may be encoding that very document, in a page version the update then supersedes; the
     * {@link ConcurrentModificationException} it met closed the whole store. The removals are a short loop: encoding
     * again once it is over writes the document as it then is.
     */
    private static byte[] encode(Document document) {
        return encode(document, BsonDocumentType::encodeOnce);
    }

    static byte[] encode(Document document, Function<Document, byte[]> encoder) {
        for (int attempt = 1; ; attempt++) {
            try {
                return encoder.apply(document);
            } catch (ConcurrentModificationException e) {
                if (attempt == ENCODE_ATTEMPTS) {
                    throw e;
                }
                Thread.onSpinWait();
            }
        }
    }

    static byte[] encodeOnce(Document document) {
        ByteBuf encoded = Unpooled.buffer(512);
        try {
            BsonEncoder.encodeDocument(document, encoded);
            byte[] bytes = new byte[encoded.readableBytes()];
            encoded.readBytes(bytes);
            return bytes;
        } finally {
            encoded.release();
        }
    }

    private void track(int encodedSize) {
        averageMemory = (int) ((4L * encodedSize + 15L * averageMemory) / 16);
    }
}

package io.upgrader.embedded;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

import org.h2.mvstore.WriteBuffer;
import org.h2.mvstore.type.BasicDataType;
import org.h2.mvstore.type.ObjectDataType;

import de.bwaldvogel.mongo.bson.Document;

/**
 * A collection's documents in H2: stored as BSON, and held in H2's pages and page cache as that same BSON, one
 * byte array per document ({@link BsonDocuments} turns them into documents when the collection reads them).
 *
 * <p>The H2 backend Java-serializes documents and caches them decoded. Java serialization was the largest
 * single cost of the benchmark's store; and a decoded execution is a few hundred small objects, so every page
 * read since the last collection made the JVM's young collections copy thousands of objects per document (the
 * benchmark JVM's pauses, which hold the broker and the store, followed the size of this cache). An array is
 * one object, and a cache of a given size holds about four times as many documents.
 *
 * <p>Documents a file of the plain H2 backend holds are still read: they start with H2's own type tag, are
 * handed to H2's {@link ObjectDataType} and held as BSON from then on; each is stored as BSON when its page is
 * next written. A file written here no longer opens in the plain backend.
 */
final class BsonDocumentType extends BasicDataType<byte[]> {

    /** First byte of a document stored here: H2's ObjectDataType never writes it (its tags end at 119). */
    static final byte BSON_TAG = 127;

    /** A BSON document is at least its int32 length and its terminating zero. */
    private static final int SMALLEST_DOCUMENT = 5;

    /** An array's header and the page's reference to it, besides its bytes. */
    private static final int ARRAY_OVERHEAD = 24;

    private final ObjectDataType legacy = new ObjectDataType();

    @Override
    public byte[][] createStorage(int size) {
        return new byte[size][];
    }

    @Override
    public int getMemory(byte[] document) {
        return document.length + ARRAY_OVERHEAD;
    }

    @Override
    public void write(WriteBuffer buffer, byte[] document) {
        buffer.put(BSON_TAG).put(document);
    }

    @Override
    public byte[] read(ByteBuffer buffer) {
        if (buffer.get(buffer.position()) != BSON_TAG) {
            return BsonDocuments.encode((Document) legacy.read(buffer));
        }
        buffer.get();
        int length = buffer.duplicate().order(ByteOrder.LITTLE_ENDIAN).getInt();
        if (length < SMALLEST_DOCUMENT || length > buffer.remaining()) {
            throw new IllegalStateException("a stored document claims " + length + " bytes where " + buffer.remaining()
                    + " remain in its page: the file is damaged");
        }
        byte[] document = new byte[length];
        buffer.get(document);
        return document;
    }

    /** Values are never ordered by H2's maps, only compared for equality: by their encoding. */
    @Override
    public int compare(byte[] a, byte[] b) {
        return Arrays.compare(a, b);
    }
}

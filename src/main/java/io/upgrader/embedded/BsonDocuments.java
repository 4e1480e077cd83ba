package io.upgrader.embedded;

import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.wire.bson.BsonDecoder;
import de.bwaldvogel.mongo.wire.bson.BsonEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * Documents to BSON and back, with mongo-java-server's own wire codec: BSON is what the store received and
 * what it answers with, so a document comes back with exactly the values it was given.
 */
final class BsonDocuments {

    private BsonDocuments() {
    }

    static byte[] encode(Document document) {
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

    /** A new document each time: what a caller changes in it is stored only when it is written back. */
    static Document decode(byte[] bson) {
        return BsonDecoder.decodeBson(Unpooled.wrappedBuffer(bson));
    }
}

package io.upgrader.mongo;

import com.mongodb.MongoClientSettings;
import com.mongodb.event.CommandListener;
import com.mongodb.event.CommandStartedEvent;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import org.bson.BsonArray;
import org.bson.BsonBinaryReader;
import org.bson.BsonBinaryWriter;
import org.bson.BsonDocument;
import org.bson.BsonReader;
import org.bson.BsonValue;
import org.bson.codecs.BsonDocumentCodec;
import org.bson.codecs.EncoderContext;
import org.bson.io.BasicOutputBuffer;
import org.springframework.boot.mongodb.autoconfigure.MongoClientSettingsBuilderCustomizer;
import org.springframework.stereotype.Component;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the service sends to MongoDB: every command's size in bytes, recorded in the distribution summary
 * {@value #METRIC} tagged by {@code command} (its name: find, update, insert, findAndModify...) and
 * {@code collection} ("-" for commands on none); COUNT is the commands, TOTAL their bytes. The size is the BSON
 * size of the command as the driver reports it to command listeners: the command document with its document
 * sequences (the documents of an insert, the statements of an update or delete) as arrays in it. Registered on
 * Spring Boot's MongoClient.
 *
 * <p>The driver hands listeners commands backed by the bytes it is about to send; their sizes are read from
 * those bytes (a BSON document starts with its length), not encoded again.
 */
@Component
public class CommandBytesMetrics implements MongoClientSettingsBuilderCustomizer {

    public static final String METRIC = "upgrader.mongo.command.bytes";

    private static final BsonDocumentCodec CODEC = new BsonDocumentCodec();

    private final MeterRegistry meters;
    private final Map<String, DistributionSummary> summaries = new ConcurrentHashMap<>();

    public CommandBytesMetrics(MeterRegistry meters) {
        this.meters = meters;
    }

    @Override
    public void customize(MongoClientSettings.Builder builder) {
        builder.addCommandListener(new CommandListener() {
            @Override
            public void commandStarted(CommandStartedEvent event) {
                record(event.getCommandName(), event.getCommand());
            }
        });
    }

    void record(String commandName, BsonDocument command) {
        String collection = collection(commandName, command);
        summaries.computeIfAbsent(commandName + '\u0000' + collection, key -> DistributionSummary.builder(METRIC)
                        .description("Commands sent to MongoDB (COUNT) and their size (TOTAL)").baseUnit("bytes")
                        .tag("command", commandName).tag("collection", collection).register(meters))
                .record(size(command));
    }

    /** The collection a command works on: its first value for most, the collection field of a getMore. */
    static String collection(String commandName, BsonDocument command) {
        BsonValue named = "getMore".equals(commandName) ? command.get("collection")
                : command.isEmpty() ? null : command.get(command.getFirstKey());
        return named != null && named.isString() ? named.asString().getValue() : "-";
    }

    /** The BSON size of a document in bytes. */
    static long size(BsonDocument document) {
        BsonReader reader = document.asBsonReader();
        try {
            if (reader instanceof BsonBinaryReader binary) {
                // Backed by its bytes: the first four are its length.
                return binary.getBsonInput().readInt32();
            }
        } finally {
            reader.close();
        }
        long size = 4 + 1;
        for (Map.Entry<String, BsonValue> entry : document.entrySet()) {
            size += element(entry.getKey(), entry.getValue());
        }
        return size;
    }

    private static long element(String key, BsonValue value) {
        return 1 + key.getBytes(StandardCharsets.UTF_8).length + 1 + valueSize(value);
    }

    private static long valueSize(BsonValue value) {
        if (value instanceof BsonDocument document) {
            return size(document);
        }
        if (value instanceof BsonArray array) {
            long size = 4 + 1;
            for (int i = 0; i < array.size(); i++) {
                size += element(Integer.toString(i), array.get(i));
            }
            return size;
        }
        // Any other value: encoded alone in a document {"": value}, less that document's own 7 bytes.
        BasicOutputBuffer buffer = new BasicOutputBuffer(64);
        try (BsonBinaryWriter writer = new BsonBinaryWriter(buffer)) {
            CODEC.encode(writer, new BsonDocument("", value), EncoderContext.builder().build());
        }
        return buffer.getSize() - 7;
    }
}

package io.upgrader.mongo.definition;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.mongodb.ErrorCategory;
import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.UpdateOptions;
import com.mongodb.client.model.Updates;
import io.upgrader.definition.WorkflowDef;
import io.upgrader.mongo.DocumentMapper;
import org.bson.Document;
import org.springframework.data.mongodb.core.MongoTemplate;
import org.springframework.stereotype.Component;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The definitions executions run on, in {@code definition_snapshots}: each stored once, immutable, under the
 * SHA-256 of its canonical JSON. An execution holds the reference, not a copy, so a task update never ships the
 * definition, an upgrade changes one short string, and overwriting a registered definition never changes what a
 * running execution follows.
 */
@Component
public class DefinitionSnapshots {

    /** Snapshots are immutable, so a cached one is never stale; the bound only caps memory. */
    private static final int CACHED = 10_000;

    private final MongoCollection<Document> snapshots;
    private final DocumentMapper mapper;
    private final JsonMapper canonical;
    private final Cache<String, WorkflowDef> known;
    /** By identity (weak keys): the definition instance a poll's commands share is hashed once, not per apply. */
    private final Cache<WorkflowDef, String> hashed;

    public DefinitionSnapshots(MongoTemplate mongo, DocumentMapper mapper, JsonMapper json) {
        this.snapshots = mongo.getCollection("definition_snapshots");
        this.mapper = mapper;
        this.canonical = json.rebuild()
                .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
                .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
                .build();
        this.known = Caffeine.newBuilder().maximumSize(CACHED).build();
        this.hashed = Caffeine.newBuilder().weakKeys().maximumSize(CACHED).build();
    }

    /** The reference of this definition: its content hash, hex. Pure. */
    public String reference(WorkflowDef definition) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(canonical.writeValueAsBytes(definition));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java runtime", e);
        }
    }

    /**
     * Stores the snapshot unless it is there already (before any execution refers to it, so a reference always
     * resolves), and returns its reference. Safe to race: the insert is an upsert that only ever sets on insert.
     */
    public String store(WorkflowDef definition) {
        String reference = hashed.get(definition, this::reference);
        if (known.getIfPresent(reference) != null) {
            return reference;
        }
        try {
            snapshots.updateOne(Filters.eq("_id", reference),
                    Updates.setOnInsert("definition", mapper.toFields(definition)),
                    new UpdateOptions().upsert(true));
        } catch (MongoWriteException e) {
            // Two first writers of one snapshot: the loser's upsert meets the winner's _id. Same content either way.
            if (e.getError().getCategory() != ErrorCategory.DUPLICATE_KEY) {
                throw e;
            }
        }
        known.put(reference, definition);
        return reference;
    }

    /** The snapshot under this reference; from memory after its first read. */
    public Optional<WorkflowDef> find(String reference) {
        WorkflowDef cached = known.getIfPresent(reference);
        if (cached != null) {
            return Optional.of(cached);
        }
        Document document = snapshots.find(Filters.eq("_id", reference)).first();
        if (document == null) {
            return Optional.empty();
        }
        WorkflowDef definition = mapper.fromDocument(document.get("definition", Document.class), WorkflowDef.class);
        known.put(reference, definition);
        return Optional.of(definition);
    }
}

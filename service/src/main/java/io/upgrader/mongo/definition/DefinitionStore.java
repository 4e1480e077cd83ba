package io.upgrader.mongo.definition;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.mongodb.ErrorCategory;
import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.Sorts;
import io.upgrader.definition.DefinitionProperties;
import io.upgrader.definition.WorkflowDef;
import io.upgrader.definition.WorkflowDefRegistry;
import io.upgrader.mongo.DocumentMapper;
import org.bson.Document;
import org.springframework.data.mongodb.core.MongoTemplate;
import org.springframework.stereotype.Component;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Workflow definitions in the {@code workflow_defs} collection, unique on (name, version). */
@Component
public class DefinitionStore implements WorkflowDefRegistry {

    private final MongoCollection<Document> definitions;
    private final DocumentMapper mapper;
    /** Definitions read at most the TTL ago; a change made through this instance drops its entry at once. */
    private final Cache<String, WorkflowDef> recent;

    public DefinitionStore(MongoTemplate mongo, DocumentMapper mapper,
                           DefinitionProperties properties) {
        Duration recentTtl = properties.recentTtl();
        this.definitions = mongo.getCollection("workflow_defs");
        this.mapper = mapper;
        this.recent = Caffeine.newBuilder().expireAfterWrite(recentTtl)
                .maximumSize(recentTtl.isZero() ? 0 : 10_000).build();
        definitions.createIndex(Indexes.ascending("name", "version"), new IndexOptions().unique(true));
    }

    /** @return false when (name, version) is already registered */
    @Override
    public boolean register(WorkflowDef definition) {
        String id = id(definition.name(), definition.version());
        try {
            definitions.insertOne(mapper.toDocument(definition, id));
            return true;
        } catch (MongoWriteException e) {
            if (e.getError().getCategory() == ErrorCategory.DUPLICATE_KEY) {
                return false;
            }
            throw e;
        } finally {
            // After the write: a read racing with it cannot put the old definition back.
            recent.invalidate(id);
        }
    }

    /** Registers or replaces (name, version); the creation time of a replaced definition is kept. */
    @Override
    public void upsert(WorkflowDef definition, long now) {
        long created = find(definition.name(), definition.version()).map(WorkflowDef::createTime).orElse(now);
        String id = id(definition.name(), definition.version());
        try {
            definitions.replaceOne(Filters.eq("_id", id), mapper.toDocument(definition.withTimestamps(created, now), id),
                    new ReplaceOptions().upsert(true));
        } finally {
            recent.invalidate(id);
        }
    }

    @Override
    public List<WorkflowDef> all() {
        List<WorkflowDef> all = new ArrayList<>();
        definitions.find().sort(Sorts.ascending("name", "version"))
                .forEach(document -> all.add(mapper.fromDocument(document, WorkflowDef.class)));
        return all;
    }

    @Override
    public boolean delete(String name, int version) {
        String id = id(name, version);
        try {
            return definitions.deleteOne(Filters.eq("_id", id)).getDeletedCount() == 1;
        } finally {
            recent.invalidate(id);
        }
    }

    private static String id(String name, int version) {
        return name + ":" + version;
    }

    @Override
    public Optional<WorkflowDef> find(String name, int version) {
        return Optional.ofNullable(definitions.find(Filters.and(Filters.eq("name", name), Filters.eq("version", version))).first())
                .map(document -> mapper.fromDocument(document, WorkflowDef.class));
    }

    /**
     * The definition as the store held it at most {@code upgrader.definitions.recent-ttl} ago (5 s by default;
     * a change made through this instance is seen at once). Only for checks that are made again against the
     * store before anything is written, such as the HTTP pre-check of an upgrade, which the consumer repeats.
     */
    @Override
    public Optional<WorkflowDef> findRecent(String name, int version) {
        String id = id(name, version);
        WorkflowDef known = recent.getIfPresent(id);
        if (known != null) {
            return Optional.of(known);
        }
        Optional<WorkflowDef> found = find(name, version);
        found.ifPresent(definition -> recent.put(id, definition));
        return found;
    }

    @Override
    public Optional<WorkflowDef> latest(String name) {
        return Optional.ofNullable(definitions.find(Filters.eq("name", name)).sort(Sorts.descending("version")).first())
                .map(document -> mapper.fromDocument(document, WorkflowDef.class));
    }
}

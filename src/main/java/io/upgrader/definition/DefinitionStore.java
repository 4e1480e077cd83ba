package io.upgrader.definition;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.Sorts;
import io.upgrader.mongo.DocumentMapper;
import org.bson.Document;
import org.springframework.data.mongodb.core.MongoTemplate;
import org.springframework.stereotype.Component;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Workflow definitions in the {@code workflow_defs} collection, unique on (name, version). */
@Component
public class DefinitionStore {

    private final MongoCollection<Document> definitions;
    private final DocumentMapper mapper;

    public DefinitionStore(MongoTemplate mongo, DocumentMapper mapper) {
        this.definitions = mongo.getCollection("workflow_defs");
        this.mapper = mapper;
        definitions.createIndex(Indexes.ascending("name", "version"), new IndexOptions().unique(true));
    }

    /** @return false when (name, version) is already registered */
    public boolean register(WorkflowDef definition) {
        try {
            definitions.insertOne(mapper.toDocument(definition, id(definition.name(), definition.version())));
            return true;
        } catch (MongoWriteException e) {
            if (e.getError().getCategory() == ErrorCategory.DUPLICATE_KEY) {
                return false;
            }
            throw e;
        }
    }

    /** Registers or replaces (name, version); the creation time of a replaced definition is kept. */
    public void upsert(WorkflowDef definition, long now) {
        long created = find(definition.name(), definition.version()).map(WorkflowDef::createTime).orElse(now);
        definitions.replaceOne(Filters.eq("_id", id(definition.name(), definition.version())),
                mapper.toDocument(definition.withTimestamps(created, now), id(definition.name(), definition.version())),
                new ReplaceOptions().upsert(true));
    }

    public List<WorkflowDef> all() {
        List<WorkflowDef> all = new ArrayList<>();
        definitions.find().sort(Sorts.ascending("name", "version"))
                .forEach(document -> all.add(mapper.fromDocument(document, WorkflowDef.class)));
        return all;
    }

    public boolean delete(String name, int version) {
        return definitions.deleteOne(Filters.eq("_id", id(name, version))).getDeletedCount() == 1;
    }

    private static String id(String name, int version) {
        return name + ":" + version;
    }

    public Optional<WorkflowDef> find(String name, int version) {
        return Optional.ofNullable(definitions.find(Filters.and(Filters.eq("name", name), Filters.eq("version", version))).first())
                .map(document -> mapper.fromDocument(document, WorkflowDef.class));
    }

    public Optional<WorkflowDef> latest(String name) {
        return Optional.ofNullable(definitions.find(Filters.eq("name", name)).sort(Sorts.descending("version")).first())
                .map(document -> mapper.fromDocument(document, WorkflowDef.class));
    }
}

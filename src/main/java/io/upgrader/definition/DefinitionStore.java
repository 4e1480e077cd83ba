package io.upgrader.definition;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.Sorts;
import io.upgrader.mongo.DocumentMapper;
import org.bson.Document;
import org.springframework.data.mongodb.core.MongoTemplate;
import org.springframework.stereotype.Component;

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
            definitions.insertOne(mapper.toDocument(definition, definition.name() + ":" + definition.version()));
            return true;
        } catch (MongoWriteException e) {
            if (e.getError().getCategory() == ErrorCategory.DUPLICATE_KEY) {
                return false;
            }
            throw e;
        }
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

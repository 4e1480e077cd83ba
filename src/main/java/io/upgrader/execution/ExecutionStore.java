package io.upgrader.execution;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import io.upgrader.mongo.DocumentMapper;
import org.bson.Document;
import org.springframework.data.mongodb.core.MongoTemplate;
import org.springframework.stereotype.Component;

import java.util.Optional;

/**
 * Executions in the {@code workflows} collection, {@code _id} = workflowId. Every change is one conditional
 * single-document write on the revision it was computed from, so concurrent writers never lose each other's
 * changes and no multi-document transaction is needed on any MongoDB topology.
 */
@Component
public class ExecutionStore {

    private final MongoCollection<Document> workflows;
    private final DocumentMapper mapper;

    public ExecutionStore(MongoTemplate mongo, DocumentMapper mapper) {
        this.workflows = mongo.getCollection("workflows");
        this.mapper = mapper;
    }

    public void insert(Workflow workflow) {
        workflows.insertOne(mapper.toDocument(workflow, workflow.workflowId()));
    }

    public Optional<Workflow> find(String workflowId) {
        return Optional.ofNullable(workflows.find(Filters.eq("_id", workflowId)).first())
                .map(document -> mapper.fromDocument(document, Workflow.class));
    }

    /**
     * Stores an upgraded execution if nobody changed it since {@code expectedRevision} was read and the
     * command is not applied yet.
     *
     * @return false on a conflict: read again and re-plan
     */
    public boolean replaceUpgraded(Workflow upgraded, long expectedRevision, String commandId) {
        Document replacement = mapper.toDocument(upgraded.withRevision(expectedRevision + 1), upgraded.workflowId());
        return workflows.replaceOne(Filters.and(
                        Filters.eq("_id", upgraded.workflowId()),
                        Filters.eq("revision", expectedRevision),
                        Filters.ne("upgradeHistory.commandId", commandId)),
                replacement).getModifiedCount() == 1;
    }
}

package io.upgrader.mongo.execution;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.Sorts;
import io.upgrader.execution.Workflow;
import io.upgrader.execution.WorkflowSearch;
import io.upgrader.execution.WorkflowSearchQuery;
import io.upgrader.mongo.DocumentMapper;
import org.bson.Document;
import org.bson.conversions.Bson;
import org.springframework.data.mongodb.core.MongoTemplate;
import org.springframework.stereotype.Component;

import java.util.ArrayList;
import java.util.List;

/**
 * {@link WorkflowSearch} over the {@code workflows} collection: the criteria of a parsed
 * {@link WorkflowSearchQuery} as an index-backed filter (workflowName, workflowVersion, status; _id;
 * correlationId), the heavy fields (tasks, definition, upgrade history, variables) projected away, a page
 * of {@code start}/{@code size} and the total counted with countDocuments.
 */
@Component
public class MongoWorkflowSearch implements WorkflowSearch {

    private final MongoCollection<Document> workflows;
    private final DocumentMapper mapper;

    public MongoWorkflowSearch(MongoTemplate mongo, DocumentMapper mapper) {
        this.workflows = mongo.getCollection("workflows");
        this.mapper = mapper;
        workflows.createIndex(Indexes.ascending("workflowName", "workflowVersion", "status"));
        workflows.createIndex(Indexes.ascending("correlationId"));
    }

    @Override
    public Page search(WorkflowSearchQuery.Criteria criteria, Sort sort, int start, int size) {
        if (criteria.matchesNothing()) {
            return new Page(0, List.of());
        }
        Bson filter = filter(criteria);
        long total = workflows.countDocuments(filter);
        List<Workflow> results = new ArrayList<>();
        if (size > 0 && start < total) {
            Bson order = sort.field().equals("_id")
                    ? (sort.ascending() ? Sorts.ascending("_id") : Sorts.descending("_id"))
                    : Sorts.orderBy(sort.ascending() ? Sorts.ascending(sort.field()) : Sorts.descending(sort.field()),
                    Sorts.ascending("_id"));
            workflows.find(filter)
                    .projection(Projections.exclude("tasks", "workflowDefinition", ExecutionDocuments.DEFINITION_REF,
                            "upgradeHistory", "variables"))
                    .sort(order).skip(start).limit(size)
                    .forEach(document -> results.add(mapper.fromDocument(document, Workflow.class)));
        }
        return new Page(total, results);
    }

    static Bson filter(WorkflowSearchQuery.Criteria criteria) {
        List<Bson> conditions = new ArrayList<>();
        if (criteria.workflowTypes() != null) {
            conditions.add(in("workflowName", criteria.workflowTypes()));
        }
        if (criteria.versions() != null) {
            conditions.add(in("workflowVersion", criteria.versions()));
        }
        if (criteria.statuses() != null) {
            conditions.add(in("status", criteria.statuses().stream().map(Enum::name).toList()));
        }
        if (criteria.workflowIds() != null) {
            conditions.add(in("_id", criteria.workflowIds()));
        }
        if (criteria.correlationIds() != null) {
            conditions.add(in("correlationId", criteria.correlationIds()));
        }
        return conditions.isEmpty() ? new Document() : Filters.and(conditions);
    }

    private static <T> Bson in(String field, java.util.Collection<T> values) {
        return values.size() == 1 ? Filters.eq(field, values.iterator().next()) : Filters.in(field, values);
    }
}

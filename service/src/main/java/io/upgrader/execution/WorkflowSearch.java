package io.upgrader.execution;

import java.util.List;

/**
 * Conductor's workflow search: the executions matching a parsed {@link WorkflowSearchQuery}, without their tasks,
 * a page at a time, with how many match in all. {@code mongo.execution.MongoWorkflowSearch} is the MongoDB
 * implementation.
 */
public interface WorkflowSearch {

    Page search(WorkflowSearchQuery.Criteria criteria, Sort sort, int start, int size);

    /** A page of executions without their tasks, and how many match in all. */
    record Page(long totalHits, List<Workflow> results) {
    }

    /** What a page is sorted on: a stored field and its direction; {@code _id} breaks ties. */
    record Sort(String field, boolean ascending) {
        public static final Sort DEFAULT = new Sort("_id", true);
    }
}

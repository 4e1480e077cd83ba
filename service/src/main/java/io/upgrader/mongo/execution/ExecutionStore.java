package io.upgrader.mongo.execution;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoCursor;
import com.mongodb.client.model.BulkWriteOptions;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.FindOneAndUpdateOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.ReturnDocument;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.UpdateOneModel;
import com.mongodb.client.model.Updates;
import io.upgrader.bulk.ExecutionSelection;
import io.upgrader.execution.ExecutionRecords;
import io.upgrader.execution.SystemTaskClaims;
import io.upgrader.execution.Task;
import io.upgrader.execution.TaskStatus;
import io.upgrader.execution.UpgradableExecutions;
import io.upgrader.execution.Workflow;
import io.upgrader.execution.WorkflowStatus;
import org.bson.Document;
import org.bson.RawBsonDocument;
import org.bson.codecs.Codec;
import org.bson.conversions.Bson;
import org.springframework.data.mongodb.core.MongoTemplate;
import org.springframework.stereotype.Component;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Executions in the {@code workflows} collection, {@code _id} = workflowId. Every change is one conditional
 * single-document update on the revision it was computed from, so concurrent writers never lose each other's
 * changes and no multi-document transaction is needed on any MongoDB topology; the update carries what changed
 * ({@link ExecutionUpdate}), not the document.
 */
@Component
public class ExecutionStore implements ExecutionRecords, UpgradableExecutions, SystemTaskClaims, ExecutionSelection {

    /** How often a poll looks again after other pollers took the task it found. */
    private static final int CLAIM_ATTEMPTS = 8;

    private final MongoCollection<Document> workflows;
    private final MongoCollection<RawBsonDocument> rawWorkflows;
    private final Codec<Document> documentCodec;
    private final ExecutionDocuments documents;
    /** Of the executions {@link #findWithin} last read; a hint for its cursor's batch size, racy by design. */
    private volatile long averageDocumentBytes = 16 * 1024;

    public ExecutionStore(MongoTemplate mongo, ExecutionDocuments documents) {
        this.workflows = mongo.getCollection("workflows");
        this.rawWorkflows = workflows.withDocumentClass(RawBsonDocument.class);
        this.documentCodec = workflows.getCodecRegistry().get(Document.class);
        this.documents = documents;
        workflows.createIndex(Indexes.ascending("tasks.taskId"));
        workflows.createIndex(Indexes.ascending("tasks.taskType", "tasks.status"));
        workflows.createIndex(Indexes.ascending("workflowName", "status"));
        workflows.createIndex(Indexes.ascending("upgradeHistory.commandId"));
    }

    @Override
    public void insert(Workflow workflow) {
        workflows.insertOne(documents.toDocument(workflow));
    }

    @Override
    public Optional<Workflow> find(String workflowId) {
        return Optional.ofNullable(workflows.find(Filters.eq("_id", workflowId)).first())
                .map(documents::fromDocument);
    }

    /**
     * Reads raw documents, so that their stored size is known before they are decoded, and stops once the budget
     * is reached. The cursor's batches are sized from the documents last read, so that a stop leaves little
     * fetched and unused.
     */
    @Override
    public Reading findWithin(Collection<String> workflowIds, long byteBudget) {
        Map<String, Workflow> found = new HashMap<>();
        long bytes = 0;
        boolean exhausted = true;
        // One more than fits, as the read stops after the document that reaches the budget.
        long fit = Math.min(workflowIds.size(), byteBudget / Math.max(1, averageDocumentBytes));
        int batch = (int) Math.max(2, Math.min(workflowIds.size(), fit + 1));
        try (MongoCursor<RawBsonDocument> cursor = rawWorkflows.find(Filters.in("_id", workflowIds))
                .batchSize(batch).iterator()) {
            while (cursor.hasNext()) {
                if (!found.isEmpty() && bytes >= byteBudget) {
                    exhausted = false;
                    break;
                }
                RawBsonDocument raw = cursor.next();
                bytes += raw.getByteBuffer().remaining();
                Workflow workflow = documents.fromDocument(raw.decode(documentCodec));
                found.put(workflow.workflowId(), workflow);
            }
        }
        if (!found.isEmpty()) {
            averageDocumentBytes = bytes / found.size();
        }
        Set<String> unread = new HashSet<>();
        if (!exhausted) {
            workflowIds.stream().filter(id -> !found.containsKey(id)).forEach(unread::add);
        }
        return new Reading(found, unread);
    }

    /** The execution that holds this applied upgrade, if any. */
    @Override
    public Optional<Workflow> findByAppliedCommand(String commandId) {
        return Optional.ofNullable(workflows.find(Filters.eq("upgradeHistory.commandId", commandId)).first())
                .map(documents::fromDocument);
    }

    /**
     * Stores many upgraded executions with one unordered bulk write; each keeps its own conditions (revision,
     * commandId not applied), so a conflict on one does not fail the others.
     *
     * @return the commandIds now applied; the others met a conflict and must be planned again
     */
    @Override
    public Set<String> updateAllUpgraded(List<UpgradeWrite> writes) {
        if (writes.isEmpty()) {
            return Set.of();
        }
        List<UpdateOneModel<Document>> models = writes.stream().map(write -> new UpdateOneModel<Document>(
                upgradable(write.before(), write.commandId()), documents.update(write.before(), write.upgraded())))
                .toList();
        int modified = workflows.bulkWrite(models, new BulkWriteOptions().ordered(false)).getModifiedCount();
        Set<String> applied = new HashSet<>();
        if (modified == writes.size()) {
            writes.forEach(write -> applied.add(write.commandId()));
            return applied;
        }
        // The bulk result does not say which failed: ask the documents themselves.
        Map<String, Document> after = new HashMap<>();
        workflows.find(Filters.in("_id", writes.stream().map(w -> w.upgraded().workflowId()).toList()))
                .projection(Projections.include("upgradeHistory.commandId"))
                .forEach(document -> after.put(document.getString("_id"), document));
        for (UpgradeWrite write : writes) {
            Document document = after.get(write.upgraded().workflowId());
            List<?> history = document == null ? List.of() : document.getList("upgradeHistory", Document.class, List.of());
            if (history.stream().anyMatch(entry -> write.commandId().equals(((Document) entry).getString("commandId")))) {
                applied.add(write.commandId());
            }
        }
        return applied;
    }

    /**
     * A page of the ids of a definition's executions, in id order after {@code afterId}: the walk a bulk
     * upgrade takes, resumable from the last id it reached.
     */
    @Override
    public List<String> selectIds(String name, Collection<Integer> versions, Collection<WorkflowStatus> statuses,
                                  Collection<String> workflowIds, String afterId, int limit) {
        List<Bson> conditions = new ArrayList<>();
        conditions.add(Filters.eq("workflowName", name));
        conditions.add(Filters.in("status", statuses.stream().map(Enum::name).toList()));
        if (!versions.isEmpty()) {
            conditions.add(Filters.in("workflowVersion", versions));
        }
        if (!workflowIds.isEmpty()) {
            conditions.add(Filters.in("_id", workflowIds));
        }
        // Workflow ids are non-empty strings: "" bounds the first page too, so a store can walk its _id order.
        conditions.add(Filters.gt("_id", afterId == null ? "" : afterId));
        List<String> ids = new ArrayList<>();
        workflows.find(Filters.and(conditions)).projection(Projections.include("_id")).sort(Sorts.ascending("_id"))
                .limit(limit).forEach(document -> ids.add(document.getString("_id")));
        return ids;
    }


    @Override
    public Optional<Workflow> findByTaskId(String taskId) {
        return Optional.ofNullable(workflows.find(Filters.eq("tasks.taskId", taskId)).first())
                .map(documents::fromDocument);
    }

    /** Ids of the executions of a definition still under way (RUNNING or PAUSED, as Conductor's "pending"). */
    @Override
    public List<String> runningIds(String name, Integer version) {
        Bson filter = Filters.and(Filters.eq("workflowName", name),
                Filters.in("status", WorkflowStatus.RUNNING.name(), WorkflowStatus.PAUSED.name()));
        if (version != null) {
            filter = Filters.and(filter, Filters.eq("workflowVersion", version));
        }
        List<String> ids = new ArrayList<>();
        workflows.find(filter).projection(Projections.include("_id")).forEach(d -> ids.add(d.getString("_id")));
        return ids;
    }

    /**
     * Stores {@code updated}, computed from {@code before}, if nobody changed the execution since.
     *
     * @return false on a conflict: re-read
     */
    @Override
    public boolean update(Workflow before, Workflow updated) {
        return workflows.updateOne(atRevision(before), documents.update(before, updated)).getModifiedCount() == 1;
    }

    /**
     * Stores an upgraded execution if nobody changed it since {@code before} was read and the command is not
     * applied yet.
     *
     * @return false on a conflict: read again and re-plan
     */
    @Override
    public boolean updateUpgraded(Workflow before, Workflow upgraded, String commandId) {
        return workflows.updateOne(upgradable(before, commandId), documents.update(before, upgraded))
                .getModifiedCount() == 1;
    }

    private static Bson atRevision(Workflow before) {
        return Filters.and(Filters.eq("_id", before.workflowId()), Filters.eq("revision", before.revision()));
    }

    private static Bson upgradable(Workflow before, String commandId) {
        return Filters.and(atRevision(before), Filters.ne("upgradeHistory.commandId", commandId));
    }

    /**
     * Hands one SCHEDULED task of this type, from a RUNNING execution, to a worker: a conditional update of that
     * one task (by taskId, while still SCHEDULED) marks it IN_PROGRESS, so concurrent pollers never get the same
     * task, even when parallel branches schedule several tasks of one type in one execution. It also moves the
     * revision on, so a concurrent read-modify-write of the execution (an upgrade, a task update) re-reads.
     */
    @Override
    public Optional<Task> claimScheduled(String taskType, String workerId, long now) {
        Bson scheduled = Filters.and(Filters.eq("taskType", taskType),
                Filters.eq("status", TaskStatus.SCHEDULED.name()), Filters.lte("scheduledTime", now));
        for (int attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
            Document candidate = workflows.find(Filters.and(Filters.eq("status", WorkflowStatus.RUNNING.name()),
                    Filters.elemMatch("tasks", scheduled))).first();
            if (candidate == null) {
                return Optional.empty();
            }
            Optional<Task> due = documents.fromDocument(candidate).tasks().stream()
                    .filter(t -> t.status() == TaskStatus.SCHEDULED && t.taskType().equals(taskType)
                            && t.scheduledTime() <= now)
                    .findFirst();
            if (due.isEmpty()) {
                continue;
            }
            Document claimed = workflows.findOneAndUpdate(stillScheduled(candidate.getString("_id"), due.get().taskId()),
                    claim(workerId, now), new FindOneAndUpdateOptions().returnDocument(ReturnDocument.AFTER));
            if (claimed != null) {
                return documents.fromDocument(claimed).task(due.get().taskId());
            }
            // Another poller took it first: look again.
        }
        return Optional.empty();
    }

    @Override
    public boolean delete(String workflowId) {
        return workflows.deleteOne(Filters.eq("_id", workflowId)).getDeletedCount() == 1;
    }

    /** @return false when an execution with this workflowId exists already */
    @Override
    public boolean insertIfAbsent(Workflow workflow) {
        try {
            insert(workflow);
            return true;
        } catch (com.mongodb.MongoWriteException e) {
            if (e.getError().getCategory() == com.mongodb.ErrorCategory.DUPLICATE_KEY) {
                return false;
            }
            throw e;
        }
    }

    /**
     * Hands one SCHEDULED task of a RUNNING execution to the server's own worker: a conditional update of that
     * task (by taskId, while still SCHEDULED) to IN_PROGRESS, so of all instances and threads only one runs it.
     * Moves the revision on, as {@link #claimScheduled} does.
     *
     * @return false when the task is no longer SCHEDULED or the execution no longer RUNNING
     */
    @Override
    public boolean claimTask(String workflowId, String taskId, String workerId, long now) {
        return workflows.updateOne(stillScheduled(workflowId, taskId), claim(workerId, now)).getModifiedCount() == 1;
    }

    /** The execution, while RUNNING and while this task of it is still SCHEDULED. */
    private static Bson stillScheduled(String workflowId, String taskId) {
        return Filters.and(Filters.eq("_id", workflowId), Filters.eq("status", WorkflowStatus.RUNNING.name()),
                Filters.elemMatch("tasks", Filters.and(Filters.eq("taskId", taskId),
                        Filters.eq("status", TaskStatus.SCHEDULED.name()))));
    }

    /** The task matched by the filter becomes the worker's, IN_PROGRESS; the revision moves on. */
    private static Bson claim(String workerId, long now) {
        return Updates.combine(
                Updates.set("tasks.$.status", TaskStatus.IN_PROGRESS.name()),
                Updates.set("tasks.$.startTime", now),
                Updates.set("tasks.$.updateTime", now),
                Updates.set("tasks.$.workerId", workerId),
                Updates.inc("tasks.$.pollCount", 1),
                Updates.set("updateTime", now),
                Updates.inc("revision", 1L));
    }

    /**
     * RUNNING executions with work for the server's own workers: a SCHEDULED HTTP or SUB_WORKFLOW task, or an
     * IN_PROGRESS WAIT whose waitTimeout has come; at most {@code limit} of them.
     */
    @Override
    public List<Workflow> findWithServerWork(long now, int limit) {
        // One $or of elemMatch clauses: each clause is answered from the (tasks.taskType, tasks.status) index on
        // MongoDB, and a store without secondary indexes reads the collection once rather than once per kind.
        Bson work = Filters.or(
                Filters.elemMatch("tasks", Filters.and(Filters.eq("taskType", "HTTP"),
                        Filters.eq("status", TaskStatus.SCHEDULED.name()))),
                Filters.elemMatch("tasks", Filters.and(Filters.eq("taskType", "SUB_WORKFLOW"),
                        Filters.eq("status", TaskStatus.SCHEDULED.name()))),
                Filters.elemMatch("tasks", Filters.and(Filters.eq("taskType", "WAIT"),
                        Filters.eq("status", TaskStatus.IN_PROGRESS.name()),
                        Filters.gt("waitTimeout", 0L), Filters.lte("waitTimeout", now))));
        List<Workflow> found = new ArrayList<>();
        workflows.find(Filters.and(Filters.eq("status", WorkflowStatus.RUNNING.name()), work)).limit(limit)
                .forEach(document -> found.add(documents.fromDocument(document)));
        return found;
    }

}

package io.upgrader.mongo.execution;

import io.upgrader.definition.WorkflowDef;
import io.upgrader.execution.Workflow;
import io.upgrader.mongo.DocumentMapper;
import io.upgrader.mongo.definition.DefinitionSnapshots;
import org.bson.Document;
import org.bson.conversions.Bson;
import org.springframework.stereotype.Component;

import java.util.Optional;

/**
 * An execution's stored form: the {@code workflows} document, whose definition is a reference to its snapshot
 * ({@link DefinitionSnapshots}) rather than a copy, and the update that turns one stored revision into the next.
 * Documents written before snapshots existed embed the definition; they are read as they are.
 */
@Component
public class ExecutionDocuments {

    /** The field holding the definition snapshot's reference. */
    public static final String DEFINITION_REF = "workflowDefinitionRef";
    static final String DEFINITION = "workflowDefinition";

    private final DocumentMapper mapper;
    private final DefinitionSnapshots snapshots;

    public ExecutionDocuments(DocumentMapper mapper, DefinitionSnapshots snapshots) {
        this.mapper = mapper;
        this.snapshots = snapshots;
    }

    /** The document to insert; the definition's snapshot is stored first, so the reference always resolves. */
    public Document toDocument(Workflow workflow) {
        Document document = mapper.toDocument(workflow, workflow.workflowId());
        document.remove(DEFINITION);
        if (workflow.workflowDefinition() != null) {
            document.append(DEFINITION_REF, snapshots.store(workflow.workflowDefinition()));
        }
        return document;
    }

    public Workflow fromDocument(Document document) {
        Object reference = document.get(DEFINITION_REF);
        if (reference == null) {
            return mapper.fromDocument(document, Workflow.class);
        }
        Document copy = new Document(document);
        copy.remove(DEFINITION_REF);
        WorkflowDef definition = snapshots.find((String) reference).orElseThrow(() -> new IllegalStateException(
                "Workflow " + document.get("_id") + " refers to definition snapshot " + reference + ", which is missing"));
        return mapper.fromDocument(copy, Workflow.class).withDefinition(definition);
    }

    /**
     * The update operators from {@code before} (as stored at its revision) to {@code after}, revision included;
     * a changed definition is stored as a snapshot first. Only to be applied under a filter on
     * {@code before}'s revision: positions in the task list are those of {@code before}.
     */
    public Bson update(Workflow before, Workflow after) {
        Optional<String> definitionRef = Optional.empty();
        WorkflowDef definition = after.workflowDefinition();
        if (definition != before.workflowDefinition() && definition != null
                && !definition.equals(before.workflowDefinition())) {
            definitionRef = Optional.of(snapshots.store(definition));
        }
        return ExecutionUpdate.between(before, after, definitionRef, mapper::toValue);
    }
}

package io.upgrader.bulk;

import io.upgrader.contract.ContractSchema;
import io.upgrader.contract.SchemaCheckedBody;
import io.upgrader.definition.WorkflowDef;
import io.upgrader.definition.WorkflowDefinitions;
import io.upgrader.error.InvalidInputException;
import io.upgrader.error.NotFoundException;
import io.upgrader.error.UnavailableException;
import io.upgrader.execution.UpgradableExecutions;
import io.upgrader.execution.Workflow;
import io.upgrader.input.Identifiers;
import io.upgrader.input.StorableInput;
import io.upgrader.upgrade.BatchCommandIds;
import io.upgrader.upgrade.UpgradeCommand;
import io.upgrader.upgrade.UpgradeOutcome;
import io.upgrader.upgrade.UpgradePlanner;
import io.upgrader.upgrade.UpgradeStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.net.URI;
import java.security.Principal;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Bulk upgrades: a selection of one definition's executions moved to one version, expanded into one command
 * per execution through Kafka, so each goes through the same checks and exactly-once apply as a single one.
 */
@RestController
@RequestMapping("/api/workflow/upgrade/bulk")
public class BulkUpgradeController {

    private static final int MAX_LISTED = 1000;
    private static final int DRY_RUN_PAGE = 500;

    /** 202 body of an accepted bulk upgrade. */
    public record Accepted(String batchId, BulkBatch.State state) {
    }

    /**
     * A dry run: what the bulk upgrade would do to the executions it selects now. It evaluates at most
     * {@code upgrader.bulk.dry-run-limit} of them, the first in workflowId order: {@code selected} and
     * {@code evaluated} count those, and {@code truncated} says the selection holds more.
     */
    public record DryRun(boolean dryRun, long selected, long wouldUpgrade, long wouldNoop, long wouldReject,
                         List<Map<String, String>> rejections, long evaluated, boolean truncated) {
    }

    /** Where a bulk upgrade stands. */
    public record Progress(String batchId, BulkBatch.State state, long selected, long accepted, long applied,
                           long noop, long rejected, long pending, double progress,
                           List<Map<String, String>> rejections, Instant createdAt, Instant expandedAt,
                           String nextRejectionsAfter) {
    }

    private final BulkBatches batches;
    private final WorkflowDefinitions definitions;
    private final ExecutionSelection selection;
    private final UpgradableExecutions executions;
    private final BatchStatuses statuses;
    private final BulkBatchSender sender;
    private final BulkProperties properties;
    private final Clock clock;
    private final JsonMapper json;

    public BulkUpgradeController(BulkBatches batches, WorkflowDefinitions definitions, ExecutionSelection selection,
                                 UpgradableExecutions executions, BatchStatuses statuses, BulkBatchSender sender,
                                 BulkProperties properties, Clock clock, JsonMapper json) {
        this.json = json;
        this.batches = batches;
        this.definitions = definitions;
        this.selection = selection;
        this.executions = executions;
        this.statuses = statuses;
        this.sender = sender;
        this.properties = properties;
        this.clock = clock;
    }

    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    public ResponseEntity<?> bulkUpgrade(@RequestBody JsonNode body, Principal caller) {
        SchemaCheckedBody.require(ContractSchema.BULK_UPGRADE_REQUEST, body, "bulk upgrade request");
        BulkUpgradeRequest request = json.treeToValue(body, BulkUpgradeRequest.class);
        WorkflowDef target = check(request);
        if (request.dryRun()) {
            return ResponseEntity.ok(dryRun(request, target));
        }
        String batchId = UUID.randomUUID().toString();
        batches.insert(new BulkBatch(batchId, request, BulkBatch.State.EXPANDING, 0, null,
                caller == null ? null : caller.getName(), clock.instant(), null));
        try {
            sender.send(batchId);
        } catch (BulkBatchSender.NotSentException e) {
            throw notPublished(batchId, e);
        }
        return ResponseEntity.accepted().location(URI.create("/api/workflow/upgrade/bulk/" + batchId))
                .body(new Accepted(batchId, BulkBatch.State.EXPANDING));
    }

    /** The batch is recorded: the resumer sends it again once its cursor stood still for resume-after. */
    private UnavailableException notPublished(String batchId, BulkBatchSender.NotSentException cause) {
        return new UnavailableException("Bulk upgrade " + batchId + " is recorded but could"
                + " not be handed to Kafka within " + sender.sendTimeout().toSeconds() + "s; it will be resumed"
                + " automatically within about " + properties.resumeAfter().toSeconds() + "s (progress at "
                + "/api/workflow/upgrade/bulk/" + batchId + "); retrying starts another batch", cause);
    }

    @GetMapping("/{batchId}")
    public Progress progress(@PathVariable String batchId,
                             @RequestParam(required = false) String rejectionsAfter,
                             @RequestParam(required = false) Integer rejectionsLimit) {
        if (rejectionsAfter != null) {
            Identifiers.check("rejectionsAfter", rejectionsAfter);
        }
        int limit = rejectionsLimit == null ? MAX_LISTED : rejectionsLimit;
        if (limit < 1 || limit > MAX_LISTED) {
            throw InvalidInputException.of("rejectionsLimit", "rejectionsLimit must be between 1 and " + MAX_LISTED);
        }
        BulkBatch batch = batches.find(Identifiers.check("batchId", batchId))
                .orElseThrow(() -> new NotFoundException("Bulk upgrade " + batchId + " not found"));
        // Counters kept with the batch: one read, however many commands it has.
        long applied = batch.applied();
        long noop = batch.noop();
        long rejected = batch.rejected();
        List<UpgradeStatus> page = rejected == 0 ? List.of() : statuses.findByCommandIdPrefix(
                BatchCommandIds.prefix(batchId), UpgradeStatus.State.REJECTED, rejectionsAfter, limit);
        String next = page.size() == limit ? page.get(page.size() - 1).commandId() : null;
        List<Map<String, String>> rejections = page.stream()
                .map(s -> Map.of("commandId", s.commandId(), "workflowId", s.workflowId(), "reason", s.reason()))
                .toList();
        long done = applied + noop + rejected;
        double progress = batch.state() == BulkBatch.State.EXPANDED && batch.selected() == 0 ? 1.0
                : batch.selected() == 0 ? 0.0 : Math.min(1.0, (double) done / batch.selected());
        return new Progress(batchId, batch.state(), batch.selected(), batch.selected(), applied, noop, rejected,
                Math.max(0, batch.selected() - done), progress, rejections, batch.createdAt(), batch.expandedAt(), next);
    }

    private WorkflowDef check(BulkUpgradeRequest request) {
        if (request.name() == null || request.name().isBlank()) {
            throw InvalidInputException.of("name", "name is required");
        }
        if (request.toVersion() == null || request.toVersion() < 1) {
            throw InvalidInputException.of("toVersion", "toVersion must be an integer of at least 1");
        }
        for (int i = 0; i < request.workflowIds().size(); i++) {
            Identifiers.check("workflowIds[" + i + "]", request.workflowIds().get(i));
        }
        StorableInput.require("taskOutput", request.taskOutput());
        StorableInput.require("workflowInput", request.workflowInput());
        return definitions.find(request.name(), request.toVersion()).orElseThrow(() -> InvalidInputException.of(
                "toVersion", "Workflow definition '" + request.name() + "' has no version " + request.toVersion()));
    }

    /**
     * Plans the first {@code upgrader.bulk.dry-run-limit} selected executions (workflowId order) with the same
     * planner as the apply; publishes and stores nothing. Bounded, so that it answers within one request.
     */
    private DryRun dryRun(BulkUpgradeRequest request, WorkflowDef target) {
        int cap = properties.dryRunLimit();
        long selected = 0;
        long upgrade = 0;
        long noop = 0;
        List<Map<String, String>> rejections = new ArrayList<>();
        Instant now = clock.instant();
        String cursor = null;
        while (selected < cap) {
            List<String> page = selection.selectIds(request.name(), request.fromVersions(), request.statuses(),
                    request.workflowIds(), cursor, (int) Math.min(DRY_RUN_PAGE, cap - selected));
            if (page.isEmpty()) {
                return new DryRun(true, selected, upgrade, noop, selected - upgrade - noop, rejections, selected,
                        false);
            }
            Map<String, Workflow> current = executions.findAll(page);
            for (String workflowId : page) {
                selected++;
                UpgradeCommand command = new UpgradeCommand(UpgradeCommand.SCHEMA_VERSION, "dry-run", workflowId,
                        request.name(), request.toVersion(), request.taskOutput(), request.workflowInput(), now, null,
                        request.taskMapping());
                UpgradeOutcome outcome = UpgradePlanner.plan(current.get(workflowId), target, command, now);
                if (outcome instanceof UpgradeOutcome.Upgraded) {
                    upgrade++;
                } else if (outcome instanceof UpgradeOutcome.Unchanged) {
                    noop++;
                } else if (rejections.size() < MAX_LISTED) {
                    rejections.add(Map.of("workflowId", workflowId, "reason",
                            ((UpgradeOutcome.Rejected) outcome).rejection().message()));
                }
            }
            cursor = page.get(page.size() - 1);
        }
        boolean truncated = !selection.selectIds(request.name(), request.fromVersions(), request.statuses(),
                request.workflowIds(), cursor, 1).isEmpty();
        return new DryRun(true, selected, upgrade, noop, selected - upgrade - noop, rejections, selected, truncated);
    }
}

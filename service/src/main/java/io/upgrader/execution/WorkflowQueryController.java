package io.upgrader.execution;

import io.upgrader.error.InvalidInputException;
import io.upgrader.error.NotFoundException;
import io.upgrader.input.Identifiers;
import io.upgrader.input.StorableInput;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.json.JsonMapper;

import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Conductor's workflow routes for searching executions, listing an execution's tasks and skipping a task
 * that has not run yet, with Conductor's paths, parameters and response shapes.
 */
@RestController
@RequestMapping("/api/workflow")
public class WorkflowQueryController {

    /** The most results one search page holds. */
    static final int MAX_PAGE = 1000;

    private static final Map<String, String> SORT_FIELDS = Map.of(
            "startTime", "createTime", "createTime", "createTime", "updateTime", "updateTime",
            "endTime", "endTime", "workflowId", "_id", "workflowType", "workflowName",
            "version", "workflowVersion", "status", "status", "correlationId", "correlationId");

    /** Conductor's SkipTaskRequest. */
    public record SkipTaskRequest(Map<String, Object> taskInput, Map<String, Object> taskOutput) {
    }

    /** Conductor's SearchResult. */
    public record SearchResult<T>(long totalHits, List<T> results) {
    }

    /** Conductor's TaskListSearchResultSummary: a page of tasks, their total, and counts per status. */
    public record TaskListSearchResultSummary(List<Task> results, long totalHits, Map<TaskStatus, Integer> summary) {
    }

    private final Executions executions;
    private final WorkflowSearch search;
    private final JsonMapper json;

    public WorkflowQueryController(Executions executions, WorkflowSearch search, JsonMapper json) {
        this.executions = executions;
        this.search = search;
        this.json = json;
    }

    @GetMapping("/search")
    public SearchResult<WorkflowSummary> search(@RequestParam(defaultValue = "0") int start,
                                                @RequestParam(defaultValue = "100") int size,
                                                @RequestParam(required = false) String sort,
                                                @RequestParam(defaultValue = "*") String freeText,
                                                @RequestParam(required = false) String query) {
        if (start < 0) {
            throw InvalidInputException.of("start", "start must not be negative");
        }
        if (size < 0 || size > MAX_PAGE) {
            throw InvalidInputException.of("size", "size must be between 0 and " + MAX_PAGE);
        }
        if (!freeText.isBlank() && !freeText.trim().equals("*")) {
            throw InvalidInputException.of("freeText", "freeText search is not supported; use freeText=* and "
                    + "query (workflowType, version, status, workflowId, correlationId with = or IN, joined by AND)");
        }
        WorkflowSearchQuery.Criteria criteria;
        try {
            criteria = WorkflowSearchQuery.parse(query);
        } catch (WorkflowSearchQuery.Unsupported e) {
            throw InvalidInputException.of("query", e.getMessage());
        }
        WorkflowSearch.Page page = search.search(criteria, sort(sort), start, size);
        return new SearchResult<>(page.totalHits(),
                page.results().stream().map(workflow -> WorkflowSummary.of(workflow, json)).toList());
    }

    @GetMapping("/{workflowId}/tasks")
    public TaskListSearchResultSummary tasks(@PathVariable String workflowId,
                                             @RequestParam(defaultValue = "0") int start,
                                             @RequestParam(defaultValue = "15") int count,
                                             @RequestParam(required = false) List<String> status) {
        if (start < 0) {
            throw InvalidInputException.of("start", "start must not be negative");
        }
        if (count < 0 || count > MAX_PAGE) {
            throw InvalidInputException.of("count", "count must be between 0 and " + MAX_PAGE);
        }
        Workflow workflow = executions.find(Identifiers.checkWorkflowId(workflowId))
                .orElseThrow(() -> new NotFoundException("Workflow " + workflowId + " not found"));
        Set<TaskStatus> wanted = statuses(status);
        List<Task> matching = workflow.tasks().stream()
                .filter(task -> wanted.isEmpty() || wanted.contains(task.status())).toList();
        Map<TaskStatus, Integer> summary = new EnumMap<>(TaskStatus.class);
        workflow.tasks().forEach(task -> summary.merge(task.status(), 1, Integer::sum));
        List<Task> page = matching.stream().skip(start).limit(count).toList();
        return new TaskListSearchResultSummary(page, matching.size(), summary);
    }

    @PutMapping("/{workflowId}/skiptask/{taskReferenceName}")
    public void skipTask(@PathVariable String workflowId, @PathVariable String taskReferenceName,
                         @RequestBody(required = false) SkipTaskRequest request) {
        Map<String, Object> input = request == null ? null : request.taskInput();
        Map<String, Object> output = request == null ? null : request.taskOutput();
        StorableInput.require("taskInput", input);
        StorableInput.require("taskOutput", output);
        executions.skipTask(Identifiers.checkWorkflowId(workflowId), taskReferenceName, input, output);
    }

    private static Set<TaskStatus> statuses(List<String> names) {
        if (names == null) {
            return Set.of();
        }
        Set<TaskStatus> statuses = java.util.EnumSet.noneOf(TaskStatus.class);
        for (String list : names) {
            for (String name : list.split(",")) {
                if (name.isBlank()) {
                    continue;
                }
                try {
                    statuses.add(TaskStatus.valueOf(name.trim().toUpperCase(Locale.ROOT)));
                } catch (IllegalArgumentException e) {
                    throw InvalidInputException.of("status", "Unknown task status '" + name.trim() + "'; one of "
                            + java.util.Arrays.toString(TaskStatus.values()));
                }
            }
        }
        return statuses;
    }

    /** Conductor's {@code sort}: {@code field} or {@code field:ASC|DESC}; none sorts by workflowId. */
    static WorkflowSearch.Sort sort(String sort) {
        if (sort == null || sort.isBlank()) {
            return WorkflowSearch.Sort.DEFAULT;
        }
        String[] parts = sort.trim().split(":", -1);
        String field = SORT_FIELDS.get(parts[0].trim());
        String direction = parts.length > 1 ? parts[1].trim().toUpperCase(Locale.ROOT) : "ASC";
        if (field == null || parts.length > 2 || !(direction.equals("ASC") || direction.equals("DESC"))) {
            throw InvalidInputException.of("sort", "Unsupported sort '" + sort + "': one field of "
                    + new java.util.TreeSet<>(SORT_FIELDS.keySet()) + ", optionally :ASC or :DESC");
        }
        return new WorkflowSearch.Sort(field, direction.equals("ASC"));
    }
}

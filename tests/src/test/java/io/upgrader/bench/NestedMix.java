package io.upgrader.bench;

import io.upgrader.definition.WorkflowDef;
import io.upgrader.execution.Decider;
import io.upgrader.execution.Task;
import io.upgrader.execution.TaskResult;
import io.upgrader.execution.TaskStatus;
import io.upgrader.execution.Workflow;
import io.upgrader.execution.WorkflowStatus;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The kinds of executions the benchmark upgrades, and in what shares. Each kind has its own definition (versions 1
 * and 2, one name per kind), and every execution is built by the runtime's own {@link Decider} (start, then a
 * task result where the kind needs one), so its document is what the runtime stores. Each version 2 adds a task
 * named {@code pre} before a running task, so that the HTTP body's {@code taskOutput.pre} is valid for all kinds.
 *
 * <ul>
 *   <li>SEQUENTIAL: {@code w} running; version 2 adds {@code pre} before it.</li>
 *   <li>FORK: a FORK_JOIN with {@code a} and {@code b} running in two branches; version 2 adds {@code pre} before
 *       {@code a} and a third branch {@code c} (started by the upgrade's decider pass), joined on all three.</li>
 *   <li>LOOP: a DO_WHILE in iteration 2 ({@code b__1} completed, {@code b__2} running); version 2's body gains
 *       {@code pre} before {@code b} (recorded {@code pre__2}).</li>
 *   <li>SWITCH: a SWITCH whose case {@code review} holds the running {@code s}; version 2 adds {@code pre} before
 *       {@code s} in that case.</li>
 * </ul>
 *
 * <p>An execution's kind follows from its id (a hash), so that no table of a million ids is kept: the shares
 * are met on average, and the counts actually seeded and commanded are reported.
 */
final class NestedMix {

    enum Kind {
        SEQUENTIAL(""), FORK("_fork"), LOOP("_loop"), SWITCH("_switch");

        final String suffix;

        Kind(String suffix) {
            this.suffix = suffix;
        }

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    static final String DEFAULT = "sequential=30,fork=30,loop=30,switch=10";

    private final int[] weights = new int[Kind.values().length];
    private final int total;

    private NestedMix(int[] weights) {
        System.arraycopy(weights, 0, this.weights, 0, weights.length);
        int sum = 0;
        for (int w : weights) {
            sum += w;
        }
        this.total = sum;
    }

    /** {@code sequential=30,fork=30,loop=30,switch=10}: weights, any scale; kinds not named weigh 0. */
    static NestedMix parse(String spec) {
        int[] weights = new int[Kind.values().length];
        for (String part : spec.replace("\"", "").split(",")) {
            if (part.isBlank()) {
                continue;
            }
            String[] kv = part.trim().split("[=:]");
            if (kv.length != 2) {
                throw new IllegalArgumentException("--mix needs kind=weight pairs, got '" + part + "'");
            }
            Kind kind;
            try {
                kind = Kind.valueOf(kv[0].trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--mix: unknown kind '" + kv[0] + "' (sequential, fork, loop,"
                        + " switch)");
            }
            int weight;
            try {
                weight = Integer.parseInt(kv[1].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--mix: weight of " + kv[0] + " must be a whole number");
            }
            if (weight < 0) {
                throw new IllegalArgumentException("--mix: weight of " + kv[0] + " must not be negative");
            }
            weights[kind.ordinal()] = weight;
        }
        NestedMix mix = new NestedMix(weights);
        if (mix.total == 0) {
            throw new IllegalArgumentException("--mix: all weights are 0");
        }
        return mix;
    }

    List<Kind> kinds() {
        List<Kind> kinds = new ArrayList<>();
        for (Kind kind : Kind.values()) {
            if (weights[kind.ordinal()] > 0) {
                kinds.add(kind);
            }
        }
        return kinds;
    }

    double share(Kind kind) {
        return weights[kind.ordinal()] / (double) total;
    }

    String describe() {
        List<String> parts = new ArrayList<>();
        for (Kind kind : Kind.values()) {
            parts.add(String.format(Locale.ROOT, "%s %.0f %%", kind.label(), share(kind) * 100));
        }
        return String.join(", ", parts);
    }

    Kind kindOf(String workflowId) {
        int h = workflowId.hashCode();
        h ^= h >>> 16;
        h *= 0x45d9f3b;
        h ^= h >>> 16;
        int r = Math.floorMod(h, total);
        for (Kind kind : Kind.values()) {
            r -= weights[kind.ordinal()];
            if (r < 0) {
                return kind;
            }
        }
        throw new IllegalStateException("unreachable");
    }

    Map<Kind, Long> count(String[] workflowIds) {
        Map<Kind, Long> counts = new EnumMap<>(Kind.class);
        for (String id : workflowIds) {
            counts.merge(kindOf(id), 1L, Long::sum);
        }
        return counts;
    }

    static String name(String base, Kind kind) {
        return base + kind.suffix;
    }

    static String simple(String ref) {
        return "{\"name\":\"" + ref + "_task\",\"taskReferenceName\":\"" + ref + "\",\"type\":\"SIMPLE\"}";
    }

    static String waitTask(String ref) {
        return "{\"name\":\"" + ref + "\",\"taskReferenceName\":\"" + ref + "\",\"type\":\"WAIT\"}";
    }

    /** The registration body of one kind's definition, version 1 or 2. */
    static String definitionJson(String name, Kind kind, int version) {
        boolean v2 = version == 2;
        String tasks = switch (kind) {
            case SEQUENTIAL -> (v2 ? waitTask("pre") + "," : "") + waitTask("w");
            case FORK -> "{\"name\":\"fork\",\"taskReferenceName\":\"fork\",\"type\":\"FORK_JOIN\",\"forkTasks\":["
                    + "[" + (v2 ? simple("pre") + "," : "") + simple("a") + "],[" + simple("b") + "]"
                    + (v2 ? ",[" + simple("c") + "]" : "") + "]},"
                    + "{\"name\":\"join\",\"taskReferenceName\":\"join\",\"type\":\"JOIN\",\"joinOn\":[\"a\",\"b\""
                    + (v2 ? ",\"c\"" : "") + "]}";
            case LOOP -> "{\"name\":\"loop\",\"taskReferenceName\":\"loop\",\"type\":\"DO_WHILE\","
                    + "\"loopCondition\":\"$.loop.iteration < 3\",\"loopOver\":["
                    + (v2 ? simple("pre") + "," : "") + simple("b") + "]}";
            case SWITCH -> "{\"name\":\"route\",\"taskReferenceName\":\"route\",\"type\":\"SWITCH\","
                    + "\"evaluatorType\":\"value-param\",\"expression\":\"route\","
                    + "\"inputParameters\":{\"route\":\"${workflow.input.route}\"},\"decisionCases\":{"
                    + "\"review\":[" + (v2 ? simple("pre") + "," : "") + simple("s") + "],"
                    + "\"other\":[" + simple("o") + "]},\"defaultCase\":[" + simple("d") + "]}";
        };
        return "{\"name\":\"" + name + "\",\"version\":" + version + ",\"description\":\"benchmark, "
                + kind.label() + "\",\"tasks\":[" + tasks + "]}";
    }

    /** Per loop definition (name/version): an execution brought to iteration 2 by the runtime, to copy. */
    private static final Map<String, Workflow> LOOP_TEMPLATES = new ConcurrentHashMap<>();

    /**
     * A new execution of {@code version1} in the state the kind describes, as the runtime would have it: started
     * by the decider and, for a loop, its first iteration's task completed through {@link Decider#onTaskResult}.
     *
     * <p>A loop's completion evaluates its JavaScript condition (GraalJS, interpreted on a stock JDK: 2-20 ms on
     * these cores, 20 times the rest of an execution), which would make seeding a million executions take
     * hours. So the runtime brings one execution per loop definition to iteration 2, and each loop execution is
     * that one under its own workflowId, task ids, input, correlationId and times. Nothing in these definitions
     * reads the workflow input or the ids, so the copy is what the runtime would have stored for it.
     */
    static Workflow build(Kind kind, String workflowId, WorkflowDef version1, Map<String, Object> input,
                          String correlationId, long now) {
        if (kind == Kind.LOOP) {
            Workflow template = LOOP_TEMPLATES.computeIfAbsent(version1.name() + "/" + version1.version(),
                    key -> loopInIteration2(ExecutionPool.uuid(), version1, input, correlationId, now));
            return copy(template, workflowId, input, correlationId, now);
        }
        return Decider.start(workflowId, version1, input, correlationId, now, ExecutionPool::uuid);
    }

    private static Workflow loopInIteration2(String workflowId, WorkflowDef version1, Map<String, Object> input,
                                             String correlationId, long now) {
        Workflow started = Decider.start(workflowId, version1, input, correlationId, now, ExecutionPool::uuid);
        Task first = started.taskByReference("b__1").orElseThrow(() -> new IllegalStateException(
                "a loop execution without b__1: " + started.tasks().stream().map(Task::referenceTaskName).toList()));
        TaskResult done = new TaskResult(workflowId, first.taskId(), TaskResult.Status.COMPLETED,
                Map.of("score", 1), null, "bench-worker", null);
        return Decider.onTaskResult(started, done, now, ExecutionPool::uuid);
    }

    static Workflow copy(Workflow template, String workflowId, Map<String, Object> input,
                                 String correlationId, long now) {
        long shift = now - template.createTime();
        List<Task> tasks = new ArrayList<>(template.tasks().size());
        for (Task t : template.tasks()) {
            tasks.add(new Task(ExecutionPool.uuid(), t.taskType(), t.taskDefName(), t.referenceTaskName(), t.status(),
                    t.seq(), t.inputData(), t.outputData(), shifted(t.scheduledTime(), shift),
                    shifted(t.startTime(), shift), shifted(t.endTime(), shift), shifted(t.updateTime(), shift),
                    workflowId, t.reasonForIncompletion(), t.workerId(), t.pollCount(), t.callbackAfterSeconds(),
                    t.iteration(), t.subWorkflowId(), t.waitTimeout()));
        }
        return new Workflow(workflowId, template.workflowName(), template.workflowVersion(), template.status(),
                input, template.output(), template.variables(), correlationId, now,
                shifted(template.updateTime(), shift), shifted(template.endTime(), shift),
                template.workflowDefinition(), tasks, template.upgradeHistory(), template.revision(),
                template.reasonForIncompletion(), template.parentWorkflowId(), template.parentWorkflowTaskId());
    }

    private static long shifted(long time, long shift) {
        return time == 0 ? 0 : time + shift;
    }

    /** Why a stored execution is not what its kind's upgrade to version 2 must leave; empty when it is. */
    static Optional<String> upgradeProblem(Kind kind, Workflow w) {
        List<String> problems = new ArrayList<>();
        if (w.workflowVersion() != 2) {
            problems.add("version " + w.workflowVersion());
        }
        if (w.status() != WorkflowStatus.RUNNING) {
            problems.add("status " + w.status());
        }
        switch (kind) {
            case SEQUENTIAL -> {
                expect(w, "pre", TaskStatus.SKIPPED, problems);
                expectRunning(w, "w", problems);
            }
            case FORK -> {
                expect(w, "fork", TaskStatus.COMPLETED, problems);
                expect(w, "pre", TaskStatus.SKIPPED, problems);
                expectRunning(w, "a", problems);
                expectRunning(w, "b", problems);
                expect(w, "c", TaskStatus.SCHEDULED, problems);
                expect(w, "join", TaskStatus.IN_PROGRESS, problems);
            }
            case LOOP -> {
                expect(w, "b__1", TaskStatus.COMPLETED, problems);
                expect(w, "pre__2", TaskStatus.SKIPPED, problems);
                expectRunning(w, "b__2", problems);
                expect(w, "loop", TaskStatus.IN_PROGRESS, problems);
            }
            case SWITCH -> {
                expect(w, "route", TaskStatus.COMPLETED, problems);
                expect(w, "pre", TaskStatus.SKIPPED, problems);
                expectRunning(w, "s", problems);
            }
        }
        return problems.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", problems) + " in "
                + w.tasks().stream().map(t -> t.referenceTaskName() + ":" + t.status()).toList());
    }

    private static void expect(Workflow w, String ref, TaskStatus status, List<String> problems) {
        Optional<Task> task = w.taskByReference(ref);
        if (task.isEmpty()) {
            problems.add("no " + ref);
        } else if (task.get().status() != status) {
            problems.add(ref + " " + task.get().status() + " (expected " + status + ")");
        }
    }

    private static void expectRunning(Workflow w, String ref, List<String> problems) {
        Optional<Task> task = w.taskByReference(ref);
        if (task.isEmpty()) {
            problems.add("no " + ref);
        } else if (!task.get().status().isRunning()) {
            problems.add(ref + " " + task.get().status() + " (expected running)");
        }
    }
}

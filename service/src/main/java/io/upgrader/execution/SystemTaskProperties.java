package io.upgrader.execution;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.time.Duration;

/**
 * How the server runs the tasks it performs itself (HTTP, SUB_WORKFLOW, timed WAIT); the defaults are
 * here, documented in docs/operations.md.
 *
 * @param sweepInterval how often each instance looks for such tasks nobody is handling (after a crash, or
 *                      started on another instance); 0 disables the sweep
 * @param httpThreads   how many HTTP tasks one instance calls at the same time
 * @param scriptTimeLimit how long one JavaScript evaluation (INLINE, a SWITCH's or DECISION's expression, a
 *                        DO_WHILE's loopCondition) may run before it fails its task
 * @param maxLoopIterations how many iterations a DO_WHILE may run before it fails
 */
@ConfigurationProperties("upgrader.system-tasks")
public record SystemTaskProperties(@DefaultValue("30s") Duration sweepInterval, @DefaultValue("8") int httpThreads,
                                   @DefaultValue("2s") Duration scriptTimeLimit,
                                   @DefaultValue("1000") int maxLoopIterations) {

    public SystemTaskProperties {
        if (sweepInterval == null || sweepInterval.isNegative()) {
            throw new IllegalArgumentException("upgrader.system-tasks.sweep-interval must be 0 or positive");
        }
        if (httpThreads < 1) {
            throw new IllegalArgumentException("upgrader.system-tasks.http-threads must be at least 1");
        }
        if (scriptTimeLimit == null || scriptTimeLimit.isNegative() || scriptTimeLimit.isZero()) {
            throw new IllegalArgumentException("upgrader.system-tasks.script-time-limit must be positive");
        }
        if (maxLoopIterations < 1) {
            throw new IllegalArgumentException("upgrader.system-tasks.max-loop-iterations must be at least 1");
        }
    }

    /** The limits the decider evaluates scripts and loops under. */
    public SystemTasks limits() {
        return new SystemTasks(scriptTimeLimit, maxLoopIterations);
    }
}

package io.upgrader.background;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A step each instance repeats in the background (a sweep, a relay, a resumer), on a daemon thread of its own, a
 * fixed delay after the previous run ended. The step must not throw: an exception would end the repetition.
 */
public final class FixedDelayJob {

    private final Duration delay;
    private final Runnable step;
    private final ScheduledExecutorService executor;

    /** @param delay between the end of one run and the start of the next; zero never runs the step */
    public FixedDelayJob(String threadName, Duration delay, Runnable step) {
        this.delay = delay;
        this.step = step;
        this.executor = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, threadName);
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Runs the step first one delay from now, then one delay after each run. */
    public void start() {
        long millis = delay.toMillis();
        if (millis > 0) {
            executor.scheduleWithFixedDelay(step, millis, millis, TimeUnit.MILLISECONDS);
        }
    }

    public void stop() {
        executor.shutdownNow();
    }
}

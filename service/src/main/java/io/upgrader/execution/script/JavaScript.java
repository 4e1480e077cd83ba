package io.upgrader.execution.script;

import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.EnvironmentAccess;
import org.graalvm.polyglot.HostAccess;
import org.graalvm.polyglot.PolyglotAccess;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
import org.graalvm.polyglot.io.IOAccess;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

import java.io.OutputStream;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Conductor's INLINE task expressions ({@code evaluatorType} javascript / graaljs), run by GraalJS.
 * <p>
 * The input crosses into the script as JSON text that the script itself parses, and the result crosses back as the
 * text of {@code JSON.stringify}: no Java object is ever visible to the script, so the context can deny every kind
 * of host access, and the result is exactly what a workflow can store. One engine is shared so that parsed code is
 * cached across evaluations; each evaluation gets its own context because contexts are single-threaded and must not
 * leak one workflow's globals into another's.
 */
public final class JavaScript {

    /** Binds {@code $} and hands back {@code JSON.stringify} as it was before the author's code could replace it. */
    private static final Source BIND_INPUT = Source.create("js",
            "(function (input) { globalThis.$ = JSON.parse(input); return JSON.stringify; })");

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private JavaScript() {
    }

    /**
     * @return the script's completion value as plain Java: Map (LinkedHashMap), List, String, Boolean, Long for an
     * integral number, Double otherwise, null for null and undefined (and for what JSON cannot carry, such as a function)
     * @throws ScriptFailure when the script does not parse, throws, runs past {@code timeLimit} or returns a value
     *                       JSON cannot hold (a cycle, a BigInt)
     */
    public static Object evaluate(String expression, Map<String, Object> input, Duration timeLimit) {
        Objects.requireNonNull(expression, "expression");
        Objects.requireNonNull(timeLimit, "timeLimit");
        String inputJson = inputAsJson(input);
        Source source = Source.newBuilder("js", expression, "expression.js").cached(true).buildLiteral();
        AtomicBoolean timedOut = new AtomicBoolean();
        Context context = newContext();
        ScheduledFuture<?> watchdog = Watchdog.EXECUTOR.schedule(() -> {
            timedOut.set(true);
            context.close(true);
        }, timeLimit.toNanos(), TimeUnit.NANOSECONDS);
        try {
            Value stringify = context.eval(BIND_INPUT).execute(inputJson);
            Value result = context.eval(source);
            Value json = resultAsJson(stringify, result, timedOut);
            return json.isString() ? PlainJson.read(JSON, json.asString()) : null;
        } catch (PolyglotException e) {
            throw failure(e, timedOut.get(), timeLimit);
        } catch (IllegalStateException e) {
            // The watchdog closed the context between two steps, before the script itself was running.
            if (timedOut.get()) {
                throw ranTooLong(timeLimit, e);
            }
            throw e;
        } finally {
            watchdog.cancel(false);
            closeQuietly(context);
        }
    }

    /** Pays the engine's one-off start-up (a few seconds) now, for example while the application starts. */
    public static void warmUp() {
        newContext().close();
    }

    private static String inputAsJson(Map<String, Object> input) {
        try {
            return JSON.writeValueAsString(input == null ? Map.of() : input);
        } catch (JacksonException e) {
            throw new ScriptFailure("expression input cannot be written as JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static Context newContext() {
        return Context.newBuilder("js")
                .engine(SharedEngine.ENGINE)
                .allowHostAccess(HostAccess.NONE)
                .allowHostClassLookup(className -> false)
                .allowHostClassLoading(false)
                .allowIO(IOAccess.NONE)
                .allowCreateThread(false)
                .allowCreateProcess(false)
                .allowNativeAccess(false)
                .allowPolyglotAccess(PolyglotAccess.NONE)
                .allowEnvironmentAccess(EnvironmentAccess.NONE)
                .out(OutputStream.nullOutputStream())
                .err(OutputStream.nullOutputStream())
                .build();
    }

    private static Value resultAsJson(Value stringify, Value result, AtomicBoolean timedOut) {
        try {
            return stringify.execute(result);
        } catch (PolyglotException e) {
            if (timedOut.get() || !e.isGuestException() || e.isCancelled() || e.isInterrupted()) {
                throw e;
            }
            throw new ScriptFailure("expression returned a value that JSON cannot hold: " + e.getMessage(), e);
        }
    }

    private static ScriptFailure failure(PolyglotException e, boolean timedOut, Duration timeLimit) {
        if (timedOut || e.isCancelled() || e.isInterrupted()) {
            return ranTooLong(timeLimit, e);
        }
        if (e.isSyntaxError()) {
            return new ScriptFailure("expression has a syntax error: " + e.getMessage(), e);
        }
        if (e.isResourceExhausted()) {
            return new ScriptFailure("expression ran out of resources: " + e.getMessage(), e);
        }
        if (e.isInternalError()) {
            return new ScriptFailure("expression failed inside the script engine: " + e.getMessage(), e);
        }
        return new ScriptFailure("expression threw: " + e.getMessage(), e);
    }

    private static ScriptFailure ranTooLong(Duration timeLimit, Exception cause) {
        return new ScriptFailure("expression ran longer than " + timeLimit.toMillis() + " ms", cause);
    }

    private static void closeQuietly(Context context) {
        try {
            context.close(true);
        } catch (PolyglotException | IllegalStateException alreadyClosedByWatchdog) {
            // Nothing is left to release.
        }
    }

    /**
     * Built on first use, so that code which never runs a script never pays for the engine, and warmed up before
     * anyone uses it: a cold engine takes seconds over its first few contexts, which would otherwise be charged to
     * the first expressions' time limits.
     */
    private static final class SharedEngine {
        static final Engine ENGINE = Engine.newBuilder("js")
                .option("engine.WarnInterpreterOnly", "false")
                .out(OutputStream.nullOutputStream())
                .err(OutputStream.nullOutputStream())
                .build();

        static {
            Source warmUp = Source.create("js", "[$.a + 1, $.b.length, typeof $.c]");
            for (int i = 0; i < 5; i++) {
                try (Context context = newContext()) {
                    context.eval(BIND_INPUT).execute("{\"a\": 1, \"b\": [true]}").execute(context.eval(warmUp));
                }
            }
        }
    }

    /** One daemon thread is enough: its only work is to cancel a context, which takes moments. */
    private static final class Watchdog {
        static final ScheduledThreadPoolExecutor EXECUTOR = executor();

        private static ScheduledThreadPoolExecutor executor() {
            ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, runnable -> {
                Thread thread = new Thread(runnable, "javascript-time-limit");
                thread.setDaemon(true);
                return thread;
            });
            // Otherwise every finished evaluation's context would stay reachable until its limit had passed.
            executor.setRemoveOnCancelPolicy(true);
            return executor;
        }
    }
}

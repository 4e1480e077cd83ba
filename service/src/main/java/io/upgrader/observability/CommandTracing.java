package io.upgrader.observability;

import io.micrometer.tracing.Span;
import io.micrometer.tracing.TraceContext;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;
import io.upgrader.upgrade.CommandScopes;
import io.upgrader.upgrade.UpgradeCommand;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.slf4j.MDC;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One upgrade is one trace: the HTTP request's trace context (W3C {@code traceparent}) goes into the command
 * record's headers; the consumer opens, for each command of a poll, a span that is a child of the context its record
 * carries, around that command's part of the apply; the command's event carries that span's context in turn. Logs
 * written meanwhile carry {@code traceId}/{@code spanId} (Micrometer Tracing's MDC) and {@code commandId}.
 *
 * <p>A poll's commands are applied together (one read, one bulk write, one event flush), so each command's span
 * covers the shared apply; the applier puts a command's span in scope while it works on that command alone.
 * Without a tracer (tracing off) only the {@code commandId} reaches the logs.
 */
@Component
public class CommandTracing implements CommandScopes {

    /** The MDC key of the command being applied, next to Micrometer Tracing's traceId and spanId. */
    public static final String COMMAND_ID = "commandId";

    private static final Propagator.Getter<Headers> FROM_HEADERS = (headers, key) -> {
        Header header = headers.lastHeader(key);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    };
    private static final Propagator.Setter<Headers> TO_HEADERS = (headers, key, value) -> {
        headers.remove(key);
        headers.add(key, value.getBytes(StandardCharsets.UTF_8));
    };

    private final Tracer tracer;
    private final Propagator propagator;
    /** The spans of the commands this consumer thread is applying, by commandId. */
    private final ThreadLocal<Map<String, Span>> applying = new ThreadLocal<>();

    public CommandTracing(ObjectProvider<Tracer> tracer, ObjectProvider<Propagator> propagator) {
        this.tracer = tracer.getIfAvailable(() -> Tracer.NOOP);
        this.propagator = propagator.getIfAvailable(() -> Propagator.NOOP);
    }

    /** A command on its way out: the current trace (the HTTP request's), if any. */
    public void injectCurrent(Headers headers) {
        Span current = tracer.currentSpan();
        if (current != null) {
            inject(current.context(), headers);
        }
    }

    /** A command's event on its way out: the trace of that command's apply on this thread, else the current one. */
    public void injectFor(String commandId, Headers headers) {
        Map<String, Span> spans = applying.get();
        Span span = spans == null ? null : spans.get(commandId);
        if (span != null) {
            inject(span.context(), headers);
        } else {
            injectCurrent(headers);
        }
    }

    private void inject(TraceContext context, Headers headers) {
        propagator.inject(context, headers, TO_HEADERS);
    }

    /**
     * Starts one span per command, each the child of the trace context its record carries (a new trace when it
     * carries none); closing the returned handle ends them.
     *
     * @param records the records the commands were decoded from, in the same order
     */
    public Applying applying(List<ConsumerRecord<String, byte[]>> records, List<UpgradeCommand> commands) {
        Map<String, Span> spans = new HashMap<>();
        for (int i = 0; i < commands.size(); i++) {
            UpgradeCommand command = commands.get(i);
            ConsumerRecord<String, byte[]> record = records.get(i);
            Span span = propagator.extract(record.headers(), FROM_HEADERS).name("upgrade apply")
                    .kind(Span.Kind.CONSUMER)
                    .tag("upgrader.command.id", command.commandId())
                    .tag("upgrader.workflow.id", command.workflowId())
                    .tag("messaging.destination.name", record.topic())
                    .tag("messaging.kafka.partition", String.valueOf(record.partition()))
                    .tag("messaging.kafka.offset", String.valueOf(record.offset()))
                    .start();
            Span earlier = spans.put(command.commandId(), span);
            if (earlier != null) {
                earlier.end(); // the same command twice in a poll: its later copy's trace carries the event
            }
        }
        applying.set(spans);
        return new Applying(spans);
    }

    /** Puts the command's span (if this thread is applying it) and its commandId in scope. */
    @Override
    public Scope open(UpgradeCommand command) {
        Map<String, Span> spans = applying.get();
        Span span = spans == null ? null : spans.get(command.commandId());
        Tracer.SpanInScope inScope = span == null ? null : tracer.withSpan(span);
        String previous = MDC.get(COMMAND_ID);
        MDC.put(COMMAND_ID, command.commandId());
        return () -> {
            if (previous == null) {
                MDC.remove(COMMAND_ID);
            } else {
                MDC.put(COMMAND_ID, previous);
            }
            if (inScope != null) {
                inScope.close();
            }
        };
    }

    /** The spans of a poll's commands; closing ends them and forgets them. */
    public final class Applying implements AutoCloseable {
        private final Map<String, Span> spans;

        private Applying(Map<String, Span> spans) {
            this.spans = spans;
        }

        /** Marks every command's span as failed (the poll is retried, or applied one command at a time). */
        public void failed(Throwable failure) {
            spans.values().forEach(span -> span.error(failure));
        }

        @Override
        public void close() {
            applying.remove();
            spans.values().forEach(Span::end);
        }
    }
}

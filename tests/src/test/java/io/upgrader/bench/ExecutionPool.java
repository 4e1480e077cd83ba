package io.upgrader.bench;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.InsertManyOptions;
import io.upgrader.definition.WorkflowDef;
import io.upgrader.execution.Workflow;
import io.upgrader.mongo.DocumentMapper;
import org.bson.Document;
import tools.jackson.databind.json.JsonMapper;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The executions the benchmark upgrades: seeded straight into the {@code workflows} collection with exactly the
 * document shape the service stores (a {@link Workflow} of version 1 of its kind's definition, brought to its
 * state by the runtime's own {@code Decider}, see {@link NestedMix}, converted by its {@link DocumentMapper}),
 * and handed out so that no two phases touch the same execution.
 */
final class ExecutionPool {

    static final int BATCH = 1000;

    private final MongoCollection<Document> workflows;
    private final DocumentMapper mapper = new DocumentMapper(JsonMapper.builder().build());
    private final NestedMix mix;
    private final Map<NestedMix.Kind, WorkflowDef> version1;
    private final java.util.concurrent.atomic.AtomicLongArray seededByKind =
            new java.util.concurrent.atomic.AtomicLongArray(NestedMix.Kind.values().length);
    private final List<String> ids = new ArrayList<>();
    private final BitSet used = new BitSet();
    private int cursor;

    /** Seeding figures, for the report: documents and seconds. */
    long seededDocuments;
    double seedingSeconds;

    /** @param version1 the version 1 definition of each kind the mix seeds */
    ExecutionPool(MongoCollection<Document> workflows, NestedMix mix, Map<NestedMix.Kind, WorkflowDef> version1) {
        this.workflows = workflows;
        this.mix = mix;
        this.version1 = Map.copyOf(version1);
        for (NestedMix.Kind kind : mix.kinds()) {
            if (!version1.containsKey(kind)) {
                throw new IllegalArgumentException("no version 1 definition for " + kind);
            }
        }
    }

    NestedMix mix() {
        return mix;
    }

    /** Executions seeded by this pool so far (temporary ones included), by kind. */
    Map<String, Long> seededByKind() {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (NestedMix.Kind kind : NestedMix.Kind.values()) {
            counts.put(kind.label(), seededByKind.get(kind.ordinal()));
        }
        return counts;
    }

    /** Documents in the collection (the store's own estimate: cheap on any size). */
    long stored() {
        return workflows.estimatedDocumentCount();
    }

    int seededCount() {
        return ids.size();
    }

    int unusedCount() {
        return ids.size() - used.cardinality();
    }

    /** Seeds {@code count} new executions and keeps them for {@link #take} and {@link #spread}. */
    void seed(int count) {
        List<String> fresh = newIds(count);
        insert(fresh);
        ids.addAll(fresh);
    }

    /** Seeds executions that are not kept in the pool (for warming up); delete them with {@link #delete}. */
    List<String> seedTemporary(int count) {
        List<String> fresh = newIds(count);
        insert(fresh);
        return fresh;
    }

    void delete(List<String> workflowIds) {
        for (int i = 0; i < workflowIds.size(); i += BATCH) {
            workflows.deleteMany(Filters.in("_id", workflowIds.subList(i, Math.min(workflowIds.size(), i + BATCH))));
        }
    }

    /** Up to {@code n} executions never handed out before, in the order they were seeded. */
    String[] take(int n) {
        List<String> taken = new ArrayList<>(n);
        while (taken.size() < n && cursor < ids.size()) {
            if (!used.get(cursor)) {
                used.set(cursor);
                taken.add(ids.get(cursor));
            }
            cursor++;
        }
        return taken.toArray(String[]::new);
    }

    /** Up to {@code n} executions never handed out before, spread evenly over everything seeded so far. */
    String[] spread(int n) {
        int size = ids.size();
        List<String> taken = new ArrayList<>(n);
        for (int k = 0; k < n && taken.size() < n; k++) {
            int index = used.nextClearBit((int) ((long) k * size / n));
            if (index >= size) {
                index = used.nextClearBit(0);
                if (index >= size) {
                    break;
                }
            }
            used.set(index);
            taken.add(ids.get(index));
        }
        return taken.toArray(String[]::new);
    }

    /** The document the runtime would store for a new execution of version 1 with this id, of its kind. */
    Document document(String workflowId, long sequence) {
        return mapper.toDocument(workflow(workflowId, sequence), workflowId);
    }

    Workflow workflow(String workflowId, long sequence) {
        Map<String, Object> input = new LinkedHashMap<>();
        input.put("orderId", "order-" + sequence);
        input.put("customerId", "customer-" + (sequence % 9973));
        input.put("region", (sequence & 1) == 0 ? "eu-west" : "us-east");
        input.put("amount", 100 + (sequence % 900) + 0.5);
        input.put("priority", sequence % 10 == 0 ? "high" : "normal");
        input.put("items", List.of(Map.of("sku", "sku-" + (sequence % 500), "quantity", 1 + (int) (sequence % 3))));
        NestedMix.Kind kind = mix.kindOf(workflowId);
        if (kind == NestedMix.Kind.SWITCH) {
            input.put("route", "review");
        }
        long now = System.currentTimeMillis();
        seededByKind.incrementAndGet(kind.ordinal());
        return NestedMix.build(kind, workflowId, version1.get(kind), input, "corr-" + sequence, now);
    }

    DocumentMapper mapper() {
        return mapper;
    }

    private List<String> newIds(int count) {
        List<String> fresh = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            fresh.add(uuid());
        }
        return fresh;
    }

    private void insert(List<String> fresh) {
        if (fresh.isEmpty()) {
            return;
        }
        long started = System.nanoTime();
        long base = seededDocuments;
        int threads = Math.max(1, Math.min(4, Machine.cores()));
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "bench-seeder");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> batches = new ArrayList<>();
            for (int from = 0; from < fresh.size(); from += BATCH) {
                int start = from;
                int end = Math.min(fresh.size(), from + BATCH);
                batches.add(pool.submit(() -> {
                    List<Document> documents = new ArrayList<>(end - start);
                    for (int i = start; i < end; i++) {
                        documents.add(document(fresh.get(i), base + i));
                    }
                    workflows.insertMany(documents, new InsertManyOptions().ordered(false));
                }));
            }
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(30);
            for (Future<?> batch : batches) {
                batch.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
        } catch (TimeoutException e) {
            throw new IllegalStateException("seeding " + fresh.size() + " executions did not finish within 30 min", e);
        } catch (Exception e) {
            throw new IllegalStateException("seeding failed: " + e, e);
        } finally {
            pool.shutdownNow();
        }
        seededDocuments += fresh.size();
        seedingSeconds += (System.nanoTime() - started) / 1e9;
    }

    /** A random (version 4) UUID without the contention of SecureRandom. */
    static String uuid() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long msb = (random.nextLong() & 0xffffffffffff0fffL) | 0x0000000000004000L;
        long lsb = (random.nextLong() & 0x3fffffffffffffffL) | 0x8000000000000000L;
        return new UUID(msb, lsb).toString();
    }
}

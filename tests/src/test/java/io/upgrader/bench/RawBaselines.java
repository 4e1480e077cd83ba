package io.upgrader.bench;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.BulkWriteOptions;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.UpdateOneModel;
import com.mongodb.client.model.UpdateOptions;
import com.mongodb.client.model.Updates;
import com.mongodb.client.model.WriteModel;
import io.upgrader.definition.WorkflowDef;
import io.upgrader.execution.Workflow;
import io.upgrader.mongo.DocumentMapper;
import io.upgrader.mongo.execution.ExecutionUpdate;
import io.upgrader.upgrade.UpgradeCommand;
import io.upgrader.upgrade.UpgradeOutcome;
import io.upgrader.upgrade.UpgradePlanner;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.bson.Document;
import org.bson.conversions.Bson;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * What the broker and the store allow on their own, on the same infrastructure and with the same payloads:
 * Kafka produce + consume of command-sized records, and conditional single-document replaces of execution
 * documents (one at a time, and in unordered bulk writes).
 */
final class RawBaselines {

    private RawBaselines() {
    }

    /** Raw Kafka: produce M records (acks=all, linger 5 ms) and read them back with a consumer. */
    static final class KafkaResult {
        int sent;
        int received;
        long errors;
        double seconds;
        double produceSeconds;
        int payloadBytes;
        boolean timedOut;
        final Histogram endToEnd = Stats.histogram();

        double throughput() {
            return seconds <= 0 ? 0 : received / seconds;
        }

        double produceThroughput() {
            return produceSeconds <= 0 ? 0 : sent / produceSeconds;
        }
    }

    static KafkaResult kafka(CommandProbe probe, int messages, int partitions, String name) throws Exception {
        KafkaResult result = new KafkaResult();
        String topic = "bench.raw." + ExecutionPool.uuid().substring(0, 8);
        probe.admin().createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(60, TimeUnit.SECONDS);
        byte[] sample = CommandProbe.command(ExecutionPool.uuid(), ExecutionPool.uuid(), name, 2);
        result.payloadBytes = sample.length;
        AtomicLongArray published = new AtomicLongArray(messages);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
                CommandProbe.producerProperties(probe.bootstrap()), new StringSerializer(), new ByteArraySerializer());
             KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(
                     CommandProbe.consumerProperties(probe.bootstrap(), "bench-raw-" + ExecutionPool.uuid()),
                     new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> assigned = CommandProbe.partitions(consumer, topic);
            consumer.assign(assigned);
            consumer.seekToBeginning(assigned);
            assigned.forEach(consumer::position);
            // Metadata for the producer before the clock starts.
            producer.partitionsFor(topic);

            Histogram histogram = result.endToEnd;
            int[] received = new int[1];
            long[] lastArrival = new long[1];
            Thread reader = new Thread(() -> {
                long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
                long lastProgress = System.nanoTime();
                while (received[0] < messages && System.nanoTime() < deadline
                        && System.nanoTime() - lastProgress < TimeUnit.SECONDS.toNanos(60)) {
                    var records = consumer.poll(Duration.ofMillis(100));
                    long arrival = System.nanoTime();
                    for (ConsumerRecord<String, byte[]> record : records) {
                        int index = Integer.parseInt(record.key().substring(record.key().lastIndexOf('-') + 1));
                        if (index >= 0 && index < messages && published.get(index) != 0) {
                            Stats.record(histogram, (arrival - published.get(index)) / 1000);
                            received[0]++;
                            lastArrival[0] = arrival;
                            lastProgress = arrival;
                        }
                    }
                }
            }, "bench-raw-kafka-reader");
            reader.setDaemon(true);

            AtomicLong errors = new AtomicLong();
            String prefix = ExecutionPool.uuid().substring(0, 24);
            reader.start();
            long first = System.nanoTime();
            for (int i = 0; i < messages; i++) {
                byte[] value = CommandProbe.command(ExecutionPool.uuid(), ExecutionPool.uuid(), name, 2);
                published.set(i, System.nanoTime());
                producer.send(new ProducerRecord<>(topic, prefix + "-" + i, value), (metadata, exception) -> {
                    if (exception != null) {
                        errors.incrementAndGet();
                    }
                });
            }
            producer.flush();
            result.produceSeconds = (System.nanoTime() - first) / 1e9;
            result.sent = messages;
            reader.join(TimeUnit.MINUTES.toMillis(11));
            if (reader.isAlive()) {
                result.timedOut = true;
                consumer.wakeup();
                reader.join(5000);
            }
            synchronized (histogram) {
                result.received = received[0];
                result.seconds = received[0] == 0 ? 0 : (lastArrival[0] - first) / 1e9;
            }
            result.timedOut |= result.received < messages;
            result.errors = errors.get();
        } finally {
            try {
                probe.admin().deleteTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                // left behind on an external broker; harmless
            }
        }
        return result;
    }

    /** Raw Kafka produce and raw store read, each offered open loop at one rate at the same time. */
    static final class PacedRawResult {
        double rate;
        double seconds;
        long produced;
        long produceErrors;
        long read;
        long readErrors;
        int payloadBytes;
        final Histogram produce = Stats.histogram();
        final Histogram reads = Stats.histogram();
    }

    /**
     * What the accept path's infrastructure costs at a given rate, without the service: two open-loop streams at
     * {@code rate} each, run at the same time for {@code duration}, each with up to {@code workers} operations
     * under way: a produce of a command-sized record with acks=all (linger 0, idempotent, as the service's
     * producer) waited for until acknowledged, and a read of one execution by _id (the executions given, in
     * turn). Each operation's latency counts from when it was due, as {@link HttpLoad#paced} does.
     */
    static PacedRawResult producePlusRead(CommandProbe probe, MongoCollection<Document> workflows,
                                          String[] readIds, String name, double rate, int workers,
                                          Duration duration) throws Exception {
        PacedRawResult result = new PacedRawResult();
        result.rate = rate;
        String topic = "bench.raw.paced." + ExecutionPool.uuid().substring(0, 8);
        probe.admin().createTopics(List.of(new NewTopic(topic, 6, (short) 1))).all().get(60, TimeUnit.SECONDS);
        java.util.Properties properties = CommandProbe.producerProperties(probe.bootstrap());
        properties.put(org.apache.kafka.clients.producer.ProducerConfig.LINGER_MS_CONFIG, 0);
        result.payloadBytes = CommandProbe.command(ExecutionPool.uuid(), ExecutionPool.uuid(), name, 2).length;
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(properties, new StringSerializer(),
                new ByteArraySerializer())) {
            producer.partitionsFor(topic);
            // Both paths warmed up before the clock starts.
            producer.send(new ProducerRecord<>(topic, "warm-up", new byte[1])).get(30, TimeUnit.SECONDS);
            workflows.find(Filters.eq("_id", readIds[0])).first();
            long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
            long end = start + duration.toNanos();
            AtomicLong produceErrors = new AtomicLong();
            AtomicLong readErrors = new AtomicLong();
            List<Thread> threads = new ArrayList<>();
            threads.addAll(openLoop("bench-raw-produce", workers, rate, start, end, result.produce, produceErrors,
                    i -> {
                        String workflowId = readIds[i % readIds.length];
                        producer.send(new ProducerRecord<>(topic, workflowId, CommandProbe.command(
                                ExecutionPool.uuid(), workflowId, name, 2))).get(30, TimeUnit.SECONDS);
                    }));
            threads.addAll(openLoop("bench-raw-read", workers, rate, start, end, result.reads, readErrors, i -> {
                if (workflows.find(Filters.eq("_id", readIds[i % readIds.length])).first() == null) {
                    throw new IllegalStateException("execution " + readIds[i % readIds.length] + " not found");
                }
            }));
            for (Thread thread : threads) {
                thread.join(duration.toMillis() + 90_000);
                thread.interrupt();
            }
            result.seconds = (Math.min(System.nanoTime(), end) - start) / 1e9;
            result.produced = result.produce.getTotalCount();
            result.read = result.reads.getTotalCount();
            result.produceErrors = produceErrors.get();
            result.readErrors = readErrors.get();
        } finally {
            try {
                probe.admin().deleteTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                // left behind on an external broker; harmless
            }
        }
        return result;
    }

    interface Operation {
        void run(int index) throws Exception;
    }

    /** Operation i is due at start + i / rate; whichever worker is free takes it; latency from when it was due. */
    private static List<Thread> openLoop(String name, int workers, double rate, long start, long end,
                                         Histogram into, AtomicLong errors, Operation operation) {
        java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            Thread thread = new Thread(() -> {
                Histogram own = Stats.histogram();
                while (!Thread.currentThread().isInterrupted()) {
                    int i = next.getAndIncrement();
                    long due = start + (long) (i * 1e9 / rate);
                    if (due > end) {
                        break;
                    }
                    long wait;
                    while ((wait = due - System.nanoTime()) > 0) {
                        java.util.concurrent.locks.LockSupport.parkNanos(wait);
                    }
                    try {
                        operation.run(i);
                        Stats.record(own, (System.nanoTime() - due) / 1000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } catch (Exception e) {
                        errors.incrementAndGet();
                    }
                }
                synchronized (into) {
                    into.add(own);
                }
            }, name + "-" + w);
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
        return threads;
    }

    /** Raw MongoDB: the service's conditional updates of upgraded executions. */
    static final class MongoResult {
        int documents;
        long modified;
        double seconds;
        int batchSize;
        final Histogram latency = Stats.histogram();

        /** Throughput of each round, when the figure is made of rounds. */
        final List<Double> rounds = new ArrayList<>();

        /** Over all documents; for a figure made of rounds, the median round's, which one disturbed round cannot move. */
        double throughput() {
            if (!rounds.isEmpty()) {
                List<Double> sorted = rounds.stream().sorted().toList();
                int middle = sorted.size() / 2;
                return sorted.size() % 2 == 1 ? sorted.get(middle) : (sorted.get(middle - 1) + sorted.get(middle)) / 2;
            }
            return seconds <= 0 ? 0 : modified / seconds;
        }

        void add(MongoResult round) {
            documents += round.documents;
            modified += round.modified;
            seconds += round.seconds;
            batchSize = round.batchSize;
            latency.add(round.latency);
            rounds.add(round.throughput());
        }
    }

    /**
     * One raw conditional write: the update the service would send (its own {@code ExecutionUpdate}, so the same
     * {@code $set} operators and bytes), filtered on the execution's _id and the revision it was read at, or on
     * the _id alone.
     */
    record StoreWrite(String id, long revision, Bson update, boolean byIdOnly) {

        Bson filter() {
            return byIdOnly ? Filters.eq("_id", id)
                    : Filters.and(Filters.eq("_id", id), Filters.eq("revision", revision));
        }

        UpdateOneModel<Document> model() {
            return new UpdateOneModel<>(filter(), update);
        }
    }

    /**
     * The writes the service would make to upgrade these executions to their target (by workflow name, one per
     * kind of the mix): for each, the service's planner runs on the stored execution and the service's own
     * {@code ExecutionUpdate} turns the change into {@code $set} of what changed, under a filter on its _id and
     * the revision it was read at. The definition reference set is a SHA-256 in hex, as the service's.
     */
    static List<StoreWrite> upgradeWrites(MongoCollection<Document> workflows, DocumentMapper mapper,
                                          String[] workflowIds, Map<String, WorkflowDef> targets) {
        List<StoreWrite> writes = new ArrayList<>(workflowIds.length);
        Instant now = Instant.now();
        for (int from = 0; from < workflowIds.length; from += 500) {
            List<String> batch = List.of(workflowIds).subList(from, Math.min(workflowIds.length, from + 500));
            Map<String, Document> found = new HashMap<>();
            workflows.find(Filters.in("_id", batch)).forEach(d -> found.put(d.getString("_id"), d));
            for (String id : batch) {
                Document stored = found.get(id);
                if (stored == null) {
                    continue;
                }
                Workflow current = mapper.fromDocument(stored, Workflow.class);
                WorkflowDef target = targets.get(current.workflowName());
                UpgradeCommand command = new UpgradeCommand(UpgradeCommand.SCHEMA_VERSION, ExecutionPool.uuid(), id,
                        target.name(), target.version(), null, null, now, null, null);
                UpgradeOutcome outcome = UpgradePlanner.plan(current, target, command, now);
                if (!(outcome instanceof UpgradeOutcome.Upgraded upgraded)) {
                    throw new IllegalStateException("execution " + id + " cannot be upgraded: " + outcome);
                }
                Bson update = ExecutionUpdate.between(current, upgraded.workflow(),
                        Optional.of(reference(target)), mapper::toValue);
                writes.add(new StoreWrite(id, current.revision(), update, false));
            }
        }
        return writes;
    }

    private static String reference(WorkflowDef target) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(
                    (target.name() + ":" + target.version()).getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The same updates, filtered on _id alone: the path the store serves from its _id index. */
    static List<StoreWrite> byIdOnly(List<StoreWrite> writes) {
        return writes.stream().map(w -> new StoreWrite(w.id(), w.revision(), w.update(), true)).toList();
    }

    static MongoResult oneAtATime(MongoCollection<Document> workflows, List<StoreWrite> writes,
                                  Duration cap) {
        MongoResult result = new MongoResult();
        result.batchSize = 1;
        long started = System.nanoTime();
        long deadline = started + cap.toNanos();
        for (StoreWrite write : writes) {
            long t = System.nanoTime();
            if (t > deadline) {
                break;
            }
            result.modified += workflows.updateOne(write.filter(), write.update()).getModifiedCount();
            Stats.record(result.latency, (System.nanoTime() - t) / 1000);
            result.documents++;
        }
        result.seconds = (System.nanoTime() - started) / 1e9;
        return result;
    }

    /**
     * Unordered bulk writes, alone and with each batch first reading the documents it writes (as the service's
     * apply does), in alternating rounds on their own shares of the writes: the store's background page writes
     * and this JVM's collections fall on both alike, not on whichever ran second. Each figure is the median of
     * its rounds: a single run swung by half from one benchmark run to the next (the store's background page
     * writes and chunk housekeeping, and this JVM's collections of 100-200 ms, land on one round or another).
     *
     * The third kind is the store's whole work for a poll of bulk upgrades (what the service's apply writes besides
     * the execution): the read and the bulk write, then each command's APPLIED status upserted in one bulk write
     * into {@code outcomes.statuses()} and the batch's counters moved by one {@code $inc} in
     * {@code outcomes.batches()}.
     *
     * @return the bulk figures, the read-then-bulk figures and the bulk-upgrade-work figures, each over its rounds
     */
    static MongoResult[] bulkAndReadThenBulk(MongoCollection<Document> workflows,
                                             List<StoreWrite> bulkWrites, List<StoreWrite> readWriteWrites,
                                             List<StoreWrite> outcomeWrites, Outcomes outcomes, int batchSize,
                                             int rounds, Duration cap) {
        MongoResult bulk = new MongoResult();
        MongoResult readWrite = new MongoResult();
        MongoResult withOutcomes = new MongoResult();
        for (int round = 0; round < rounds; round++) {
            bulk.add(bulk(workflows, share(bulkWrites, round, rounds), batchSize, cap.dividedBy(rounds), false,
                    null));
            readWrite.add(bulk(workflows, share(readWriteWrites, round, rounds), batchSize, cap.dividedBy(rounds),
                    true, null));
            withOutcomes.add(bulk(workflows, share(outcomeWrites, round, rounds), batchSize, cap.dividedBy(rounds),
                    true, outcomes));
        }
        return new MongoResult[] {bulk, readWrite, withOutcomes};
    }

    /** Where the bulk-upgrade-work kind records its statuses and counts its batch. */
    record Outcomes(MongoCollection<Document> statuses, MongoCollection<Document> batches, String batchId) {
    }

    /** As the service records a poll's APPLIED statuses (upserts by commandId) and counts them on their batch. */
    private static void recordOutcomes(Outcomes outcomes, List<StoreWrite> applied) {
        Date now = new Date();
        List<WriteModel<Document>> statuses = new ArrayList<>(applied.size());
        for (StoreWrite write : applied) {
            Document fields = new Document("workflowId", write.id()).append("status", "APPLIED")
                    .append("requestedBy", "bulk").append("fromVersion", 1).append("toVersion", 2)
                    .append("skippedTasks", List.of("pre")).append("completedAt", now).append("expiresAt", now);
            statuses.add(new UpdateOneModel<>(Filters.eq("_id", "bulk-" + outcomes.batchId() + "_" + write.id()),
                    new Document("$set", fields).append("$setOnInsert", new Document("acceptedAt", now)),
                    new UpdateOptions().upsert(true)));
        }
        outcomes.statuses().bulkWrite(statuses, new BulkWriteOptions().ordered(false));
        outcomes.batches().updateOne(Filters.eq("_id", outcomes.batchId()), Updates.combine(
                Updates.inc("applied", applied.size()), Updates.set("countedAt", now)), new UpdateOptions().upsert(true));
    }

    private static <T> List<T> share(List<T> all, int round, int rounds) {
        return all.subList(all.size() * round / rounds, all.size() * (round + 1) / rounds);
    }

    private static MongoResult bulk(MongoCollection<Document> workflows, List<StoreWrite> writes,
                                    int batchSize, Duration cap, boolean readFirst, Outcomes outcomes) {
        MongoResult result = new MongoResult();
        result.batchSize = batchSize;
        long started = System.nanoTime();
        long deadline = started + cap.toNanos();
        for (int from = 0; from < writes.size(); from += batchSize) {
            long t = System.nanoTime();
            if (t > deadline) {
                break;
            }
            List<StoreWrite> share = writes.subList(from, Math.min(writes.size(), from + batchSize));
            List<WriteModel<Document>> batch = new ArrayList<>(share.size());
            share.forEach(write -> batch.add(write.model()));
            if (readFirst) {
                List<Object> ids = new ArrayList<>(share.size());
                share.forEach(write -> ids.add(write.id()));
                List<Document> read = workflows.find(Filters.in("_id", ids)).into(new ArrayList<>());
                if (read.size() != ids.size()) {
                    throw new IllegalStateException("read " + read.size() + " of " + ids.size() + " executions");
                }
            }
            result.modified += workflows.bulkWrite(batch, new BulkWriteOptions().ordered(false)).getModifiedCount();
            if (outcomes != null) {
                recordOutcomes(outcomes, share);
            }
            Stats.record(result.latency, (System.nanoTime() - t) / 1000);
            result.documents += batch.size();
        }
        result.seconds = (System.nanoTime() - started) / 1e9;
        return result;
    }
}

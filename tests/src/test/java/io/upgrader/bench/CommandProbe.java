package io.upgrader.bench;

import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;

/**
 * The apply path seen from outside the service: commands published straight to the command topic with a raw
 * producer (as an upstream system would), and the service's events read back by a raw consumer on the event
 * topic; the time from each command's publication to its event's arrival is its end-to-end latency.
 */
final class CommandProbe implements AutoCloseable {

    static final String COMMAND_TOPIC = "workflow.upgrade.commands";
    static final String EVENT_TOPIC = "workflow.upgrade.events";
    static final String SERVICE_GROUP = "workflow-upgrader";

    /** One apply run: what was sent, what came back, when. */
    static final class Result {
        final String label;
        int sent;
        int received;
        long publishErrors;
        long duplicates;
        double seconds;
        double publishSeconds;
        double targetRate;
        boolean timedOut;
        final Histogram endToEnd = Stats.histogram();
        final Map<String, Long> types = new TreeMap<>();
        /** Event types by the execution's workflow name (one name per kind of the mix). */
        final Map<String, Map<String, Long>> typesByWorkflow = new TreeMap<>();

        Result(String label) {
            this.label = label;
        }

        double throughput() {
            return seconds <= 0 ? 0 : received / seconds;
        }
    }

    /** Progress of one run, fed by the event reader. */
    private static final class Tracker {
        private final Histogram endToEnd = Stats.histogram();
        private final Map<String, Long> types = new HashMap<>();
        private final Map<String, Map<String, Long>> typesByWorkflow = new HashMap<>();
        private int received;
        private long lastArrival;
        private long duplicates;

        synchronized void arrived(long latencyNanos, String type, String workflowName, long arrival) {
            received++;
            Stats.record(endToEnd, latencyNanos / 1000);
            types.merge(type, 1L, Long::sum);
            typesByWorkflow.computeIfAbsent(workflowName, n -> new TreeMap<>()).merge(type, 1L, Long::sum);
            lastArrival = Math.max(lastArrival, arrival);
        }

        synchronized void duplicate() {
            duplicates++;
        }

        synchronized int received() {
            return received;
        }
    }

    private record Pending(long publishedNanos, Tracker tracker, AtomicBoolean seen) {
    }

    private final String bootstrap;
    private final KafkaProducer<String, byte[]> producer;
    private final KafkaConsumer<String, byte[]> events;
    private final Admin admin;
    private final Map<String, Pending> pending = new ConcurrentHashMap<>();
    private final Map<String, Set<String>> upgradedByBatch = new ConcurrentHashMap<>();
    private final JsonMapper json = JsonMapper.builder().build();
    private final Thread reader;
    private volatile boolean running = true;
    private final AtomicLong foreignEvents = new AtomicLong();
    private List<TopicPartition> commandPartitions;

    CommandProbe(String bootstrap) {
        this.bootstrap = bootstrap;
        this.producer = new KafkaProducer<>(producerProperties(bootstrap), new StringSerializer(),
                new ByteArraySerializer());
        Properties admin = new Properties();
        admin.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        admin.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000);
        admin.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        this.admin = Admin.create(admin);
        this.events = new KafkaConsumer<>(consumerProperties(bootstrap, "bench-events-" + ExecutionPool.uuid()),
                new StringDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = partitions(events, EVENT_TOPIC);
        events.assign(partitions);
        events.seekToEnd(partitions);
        partitions.forEach(events::position);
        this.reader = new Thread(this::readEvents, "bench-event-reader");
        reader.setDaemon(true);
        reader.start();
    }

    static Properties producerProperties(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000);
        return p;
    }

    static Properties consumerProperties(String bootstrap, String group) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 100);
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
        return p;
    }

    static List<TopicPartition> partitions(KafkaConsumer<?, ?> consumer, String topic) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(10));
            if (infos != null && !infos.isEmpty()) {
                List<TopicPartition> partitions = new ArrayList<>();
                infos.forEach(info -> partitions.add(new TopicPartition(topic, info.partition())));
                return partitions;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("topic " + topic + " has no partitions after 60 s");
            }
            ServiceProcess.pace(500);
        }
    }

    /** Distinct commands of a bulk upgrade whose WORKFLOW_UPGRADED event arrived (redeliveries counted once). */
    long upgradedInBatch(String batchId) {
        Set<String> upgraded = upgradedByBatch.get(batchId);
        return upgraded == null ? 0 : upgraded.size();
    }

    private void readEvents() {
        while (running) {
            ConsumerRecords<String, byte[]> records;
            try {
                records = events.poll(Duration.ofMillis(100));
            } catch (WakeupException e) {
                break;
            } catch (RuntimeException e) {
                System.err.println("bench: event reader: " + e);
                ServiceProcess.pace(200);
                continue;
            }
            long arrival = System.nanoTime();
            for (ConsumerRecord<String, byte[]> record : records) {
                String commandId;
                String type;
                String workflowName;
                try {
                    JsonNode node = json.readTree(record.value());
                    commandId = node.path("commandId").asString();
                    type = node.path("type").asString();
                    workflowName = node.path("workflowName").asString("?");
                    String batchId = node.path("batchId").asString("");
                    if (!batchId.isEmpty() && "WORKFLOW_UPGRADED".equals(type)) {
                        upgradedByBatch.computeIfAbsent(batchId, id -> ConcurrentHashMap.newKeySet()).add(commandId);
                    }
                } catch (RuntimeException e) {
                    continue;
                }
                Pending p = pending.get(commandId);
                if (p == null) {
                    foreignEvents.incrementAndGet();
                } else if (p.seen.compareAndSet(false, true)) {
                    p.tracker.arrived(arrival - p.publishedNanos, type, workflowName, arrival);
                } else {
                    p.tracker.duplicate();
                }
            }
        }
    }

    static byte[] command(String commandId, String workflowId, String name, int version) {
        return ("{\"schemaVersion\":1,\"commandId\":\"" + commandId + "\",\"workflowId\":\"" + workflowId
                + "\",\"name\":\"" + name + "\",\"version\":" + version + ",\"requestedAt\":\"" + Instant.now() + "\"}")
                .getBytes(StandardCharsets.UTF_8);
    }

    /** Publishes one command per execution as fast as the producer takes them, then waits for every event. */
    Result runAsFastAsPossible(String label, String[] workflowIds, Function<String, String> name, int version,
                               Duration noProgress, Duration cap) {
        return run(label, workflowIds, name, version, 0, noProgress, cap);
    }

    /** Publishes one command per execution at a fixed rate (commands per second), then waits for every event. */
    Result runPaced(String label, String[] workflowIds, Function<String, String> name, int version, double rate,
                    Duration noProgress, Duration cap) {
        return run(label, workflowIds, name, version, rate, noProgress, cap);
    }

    /** @param name the workflow name each command names, by workflowId (each kind of the mix has its own) */
    private Result run(String label, String[] workflowIds, Function<String, String> name, int version, double rate,
                       Duration noProgress, Duration cap) {
        Result result = new Result(label);
        result.targetRate = rate;
        Tracker tracker = new Tracker();
        AtomicLong publishErrors = new AtomicLong();
        List<String> commandIds = new ArrayList<>(workflowIds.length);
        long capNanos = cap.toNanos();
        long first = System.nanoTime();
        double interval = rate > 0 ? 1e9 / rate : 0;
        for (int i = 0; i < workflowIds.length; i++) {
            if (rate > 0) {
                long due = first + (long) (i * interval);
                long wait;
                // Parked, never spun: on two shared cores a spinning generator takes CPU from what it measures.
                // The latency of each command counts from when it was actually sent.
                while ((wait = due - System.nanoTime()) > 0) {
                    LockSupport.parkNanos(wait);
                }
            }
            if (System.nanoTime() - first > capNanos) {
                result.timedOut = true;
                break;
            }
            String commandId = ExecutionPool.uuid();
            byte[] value = command(commandId, workflowIds[i], name.apply(workflowIds[i]), version);
            long now = System.nanoTime();
            pending.put(commandId, new Pending(now, tracker, new AtomicBoolean()));
            commandIds.add(commandId);
            try {
                producer.send(new ProducerRecord<>(COMMAND_TOPIC, workflowIds[i], value), (metadata, exception) -> {
                    if (exception != null) {
                        publishErrors.incrementAndGet();
                    }
                });
            } catch (RuntimeException e) {
                publishErrors.incrementAndGet();
            }
        }
        producer.flush();
        result.publishSeconds = (System.nanoTime() - first) / 1e9;
        result.sent = commandIds.size();

        long lastProgress = System.nanoTime();
        int seen = -1;
        while (true) {
            int received = tracker.received();
            if (received >= result.sent - publishErrors.get()) {
                break;
            }
            long now = System.nanoTime();
            if (received != seen) {
                seen = received;
                lastProgress = now;
            } else if (now - lastProgress > noProgress.toNanos() || now - first > capNanos) {
                result.timedOut = true;
                break;
            }
            ServiceProcess.pace(20);
        }
        synchronized (tracker) {
            result.received = tracker.received;
            result.duplicates = tracker.duplicates;
            result.endToEnd.add(tracker.endToEnd);
            result.types.putAll(tracker.types);
            tracker.typesByWorkflow.forEach((n, t) -> result.typesByWorkflow.put(n, new TreeMap<>(t)));
            result.seconds = tracker.received == 0 ? 0 : (tracker.lastArrival - first) / 1e9;
        }
        result.publishErrors = publishErrors.get();
        commandIds.forEach(pending::remove);
        return result;
    }

    /** Commands on the command topic that the service's consumer group has not committed yet. */
    long serviceLag() {
        try {
            if (commandPartitions == null) {
                TopicDescription description = admin.describeTopics(List.of(COMMAND_TOPIC)).allTopicNames()
                        .get(30, TimeUnit.SECONDS).get(COMMAND_TOPIC);
                List<TopicPartition> partitions = new ArrayList<>();
                description.partitions().forEach(p -> partitions.add(new TopicPartition(COMMAND_TOPIC, p.partition())));
                commandPartitions = partitions;
            }
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(SERVICE_GROUP)
                    .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            Map<TopicPartition, OffsetSpec> request = new HashMap<>();
            commandPartitions.forEach(tp -> request.put(tp, OffsetSpec.latest()));
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(request).all()
                    .get(30, TimeUnit.SECONDS);
            long lag = 0;
            for (TopicPartition tp : commandPartitions) {
                OffsetAndMetadata c = committed.get(tp);
                lag += Math.max(0, ends.get(tp).offset() - (c == null ? 0 : c.offset()));
            }
            return lag;
        } catch (Exception e) {
            return -1;
        }
    }

    /** How long the service took to work off its backlog of commands. */
    record Drain(long initialLag, long finalLag, double seconds, boolean drained) {

        double rate() {
            return seconds <= 0 ? 0 : (initialLag - Math.max(0, finalLag)) / seconds;
        }
    }

    Drain awaitDrained(Duration noProgress, Duration cap) {
        long started = System.nanoTime();
        long initial = serviceLag();
        long last = initial;
        long lastProgress = started;
        while (true) {
            long lag = serviceLag();
            long now = System.nanoTime();
            if (lag == 0) {
                return new Drain(initial, 0, (now - started) / 1e9, true);
            }
            if (lag != last) {
                last = lag;
                lastProgress = now;
            }
            if (now - lastProgress > noProgress.toNanos() || now - started > cap.toNanos()) {
                return new Drain(initial, lag, (now - started) / 1e9, false);
            }
            ServiceProcess.pace(200);
        }
    }

    /** Consumer groups on the broker: the service's should be the only one reading the command topic. */
    Collection<String> consumerGroups() {
        try {
            List<String> groups = new ArrayList<>();
            admin.listGroups().all().get(30, TimeUnit.SECONDS).forEach(g -> groups.add(g.groupId()));
            return groups;
        } catch (Exception e) {
            return List.of("(unknown: " + e + ")");
        }
    }

    Admin admin() {
        return admin;
    }

    String bootstrap() {
        return bootstrap;
    }

    long foreignEvents() {
        return foreignEvents.get();
    }

    @Override
    public void close() {
        running = false;
        events.wakeup();
        try {
            reader.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            events.close(Duration.ofSeconds(5));
        } catch (RuntimeException e) {
            // closing anyway
        }
        producer.close(Duration.ofSeconds(10));
        admin.close(Duration.ofSeconds(10));
    }
}

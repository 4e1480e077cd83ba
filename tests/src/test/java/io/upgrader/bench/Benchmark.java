package io.upgrader.bench;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import com.mongodb.ConnectionString;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import io.upgrader.definition.WorkflowDef;
import org.bson.Document;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The benchmark of workflow-upgrader: how fast, and how close to what the broker and the store allow. Not a
 * test; run by {@code mvn -Pbench verify} (see pom.xml), flags in {@link BenchOptions}.
 *
 * <p>Phases, in order: start the broker and the store (in this JVM, or external ones named by
 * KAFKA_BOOTSTRAP_SERVERS / MONGODB_URI); start the service in its own JVM (-Xmx512m); warm it up on executions
 * that are deleted afterwards; apply cost at the smallest scale; the accept path (POST /upgrade, C closed-loop
 * clients) and the synchronous-in-HTTP baseline, each as fast as it goes, then both at the same open-loop rate;
 * the apply path (commands straight to Kafka, events read back) at full speed and at half that rate; raw Kafka
 * and raw MongoDB baselines; a bulk upgrade; apply cost at the larger scales; the service's memory.
 */
public final class Benchmark {

    static final String WORKFLOW = "bench_workflow";
    static final double MIB = 1024.0 * 1024.0;
    static final double SCALE_BUDGET_SECONDS = 480;
    static final double APPLY_BUDGET_SECONDS = 900;

    private final BenchOptions options;
    private final Report report = new Report();
    private final Path outDir = Path.of("target", "bench");
    private final Map<String, Object> cpu = new LinkedHashMap<>();
    private final Map<Long, RawBaselines.MongoResult[]> storeScale = new LinkedHashMap<>();
    /** Heap of this JVM after a GC, by executions stored (with the in-process store it holds them all). */
    private final Map<String, Long> benchHeap = new LinkedHashMap<>();
    private final Map<Long, Long> benchHeapByStored = new java.util.TreeMap<>();
    private Double idleServiceCores;

    private Infrastructure infrastructure;
    private ServiceProcess service;
    private MongoClient mongo;
    private CommandProbe probe;
    private MongoCollection<Document> workflows;
    private ExecutionPool pool;
    private NestedMix mix;
    /** Version 2 of every kind's definition (main and bulk), by workflow name: what each execution upgrades to. */
    private final Map<String, WorkflowDef> targets = new java.util.HashMap<>();
    /** By phase, by kind: commands sent, event types received, and the sample of stored executions checked. */
    private final Map<String, Map<String, Map<String, Object>>> mixOutcomes = new LinkedHashMap<>();

    // The figures issue 14 sets targets on, kept for the targets section at the end.
    /** The store's bulk conditional $set x500 (median round), docs/s; null until measured. */
    private Double storeBulkCeiling;
    /** The raw store's rate for all a bulk upgrade writes (read, execution, status, batch counters), docs/s. */
    private Double bulkUpgradeWork;
    /** The paced accept: offered rate, its p99, and the raw produce p99 and raw read p99 at that rate (ms). */
    private double[] acceptTarget;
    private BulkFigures bulkTarget;
    /** By task records per execution: the records phase's figures. */
    private final Map<Integer, RecordFigures> recordFigures = new java.util.TreeMap<>();

    private Benchmark(BenchOptions options) {
        this.options = options;
        this.mix = NestedMix.parse(options.mix);
    }

    public static void main(String[] args) {
        quietLogging();
        BenchOptions options;
        try {
            options = BenchOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        int code;
        try {
            code = new Benchmark(options).run();
        } catch (Throwable t) {
            t.printStackTrace();
            code = 1;
        }
        System.exit(code);
    }

    private int run() {
        long started = System.nanoTime();
        header();
        int code = 0;
        try {
            infrastructure = Infrastructure.start(options.allowRemote, options.storeCacheMb);
            report.header("infrastructure", infrastructure.describe());
            log("infrastructure: " + infrastructure.describe());
            service = ServiceProcess.start(infrastructure, outDir.resolve("service.log"), Duration.ofSeconds(240));
            log("service: pid " + service.pid() + " on " + service.baseUrl + " (log: " + outDir.resolve("service.log")
                    + ")");
            service.startSampler();
            mongo = MongoClients.create(infrastructure.mongoUri);
            String database = new ConnectionString(infrastructure.mongoUri).getDatabase();
            workflows = mongo.getDatabase(database == null ? "test" : database).getCollection("workflows");
            Map<NestedMix.Kind, WorkflowDef> version1 = registerDefinitions(WORKFLOW);
            pool = new ExecutionPool(workflows, mix, version1);
            probe = new CommandProbe(infrastructure.kafkaBootstrap);
            checkConsumerGroups();

            double[] warm = warmUp();
            List<Integer> scales = options.scaleExecutions;
            Map<Long, CommandProbe.Result> scaleResults = new LinkedHashMap<>();
            scalePoint(scales.get(0), scaleResults);
            mainPhases(warm);
            // Before the larger scale points: the embedded store answers the expansion's selection and the
            // progress counts by scanning every stored execution (it has no secondary indexes).
            bulkPhase();
            for (int i = 1; i < scales.size(); i++) {
                scalePoint(scales.get(i), scaleResults);
            }
            scaleRows(scaleResults);
            // Last: its executions of up to 1,000 task records are the largest documents of the run.
            recordsPhase();
        } catch (Exception e) {
            code = 1;
            report.note("the run stopped early: " + e);
            e.printStackTrace();
        } finally {
            try {
                mixRows();
            } catch (RuntimeException e) {
                report.note("mix figures unavailable: " + e);
            }
            try {
                targetRows();
            } catch (RuntimeException e) {
                report.note("target figures unavailable: " + e);
            }
            try {
                memoryRows();
            } catch (RuntimeException e) {
                report.note("memory figures unavailable: " + e);
            }
            report.phase("cpu", cpu);
            report.phase("benchmarkJvmHeapAfterGcBytesByStoredExecutions", benchHeap);
            report.header("total run time", String.format(Locale.ROOT, "%.0f s", (System.nanoTime() - started) / 1e9));
            report.print();
            try {
                report.writeJson(outDir.resolve("results.json"));
                log("results written to " + outDir.resolve("results.json").toAbsolutePath());
            } catch (Exception e) {
                System.err.println("bench: could not write results.json: " + e);
                code = 1;
            }
            shutdown();
        }
        return code;
    }

    // ---------------------------------------------------------------- set-up

    private void header() {
        report.header("machine", Machine.cores() + " cores (" + Machine.cpuModel() + "), "
                + String.format(Locale.ROOT, "%.1f GiB", Machine.memoryBytes() / MIB / 1024) + " memory, "
                + Machine.javaVersion());
        report.header("parameters", "N=" + options.executions + " executions, C=" + options.clients + " clients, M="
                + options.commands + " commands, D=" + options.durationSeconds + " s, scale="
                + options.scaleExecutions + " stored executions x " + options.scaleCommands + " commands"
                + ", store cache " + options.storeCacheMb + " MB, bulk " + options.bulkExecutions + " executions, task"
                + " records " + options.records + " (" + options.recordsOps + " ops, " + options.recordsCommands
                + " commands)" + (options.quick ? " (--quick)" : ""));
        report.header("mix", mix.describe() + " (--mix " + options.mix + ")");
        report.header("started", Instant.now().toString());
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("executions", options.executions);
        parameters.put("clients", options.clients);
        parameters.put("commands", options.commands);
        parameters.put("durationSeconds", options.durationSeconds);
        parameters.put("scaleExecutions", options.scaleExecutions);
        parameters.put("scaleCommands", options.scaleCommands);
        parameters.put("warmupExecutions", options.warmupExecutions);
        parameters.put("storeCacheMb", options.storeCacheMb);
        parameters.put("quick", options.quick);
        parameters.put("mix", options.mix);
        parameters.put("bulkExecutions", options.bulkExecutions);
        parameters.put("bulkBudgetSeconds", options.bulkBudgetSeconds());
        parameters.put("bulkProgressIntervalMs", options.bulkProgressIntervalMs);
        parameters.put("records", options.records);
        parameters.put("recordsOps", options.recordsOps);
        parameters.put("recordsCommands", options.recordsCommands);
        report.phase("parameters", parameters);
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("cores", Machine.cores());
        machine.put("cpu", Machine.cpuModel());
        machine.put("memoryBytes", Machine.memoryBytes());
        machine.put("java", Machine.javaVersion());
        machine.put("benchmarkMaxHeapBytes", Runtime.getRuntime().maxMemory());
        report.phase("machine", machine);
        log("starting: " + Machine.cores() + " cores, N=" + options.executions + " C=" + options.clients + " M="
                + options.commands + " D=" + options.durationSeconds + " s");
    }

    /**
     * Registers versions 1 and 2 of every kind's definition under {@code base} (see {@link NestedMix}) through the
     * service's API, and reads them back as the service stores them.
     *
     * @return version 1 of each kind; version 2 goes to {@link #targets}
     */
    private Map<NestedMix.Kind, WorkflowDef> registerDefinitions(String base) throws Exception {
        JsonMapper json = JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
        Map<NestedMix.Kind, WorkflowDef> version1 = new java.util.EnumMap<>(NestedMix.Kind.class);
        for (NestedMix.Kind kind : NestedMix.Kind.values()) {
            String name = NestedMix.name(base, kind);
            for (int version : List.of(1, 2)) {
                HttpResponse<String> response = service.post("/api/metadata/workflow?overwrite=true",
                        NestedMix.definitionJson(name, kind, version));
                if (response.statusCode() / 100 != 2) {
                    throw new IllegalStateException("registering " + name + " version " + version + " answered "
                            + response.statusCode() + ": " + response.body());
                }
            }
            version1.put(kind, json.readValue(definition(name, 1), WorkflowDef.class));
            targets.put(name, json.readValue(definition(name, 2), WorkflowDef.class));
        }
        return version1;
    }

    private String definition(String name, int version) throws Exception {
        HttpResponse<String> response = service.get("/api/metadata/workflow/" + name + "?version=" + version);
        if (response.statusCode() != 200) {
            throw new IllegalStateException("reading " + name + " version " + version + " answered "
                    + response.statusCode() + ": " + response.body());
        }
        return response.body();
    }

    private void checkConsumerGroups() {
        for (String group : probe.consumerGroups()) {
            // The service gets this JVM's classpath, test classes included; Spring Boot's test type filter keeps the
            // tests' @TestComponent beans (a topic observer among them) out of it. Checked, not assumed.
            if (!group.equals(CommandProbe.SERVICE_GROUP) && !group.startsWith("bench-")) {
                report.note("an unexpected consumer group reads from the broker: " + group);
            }
        }
    }

    // ---------------------------------------------------------------- warm-up

    /** @return the accept and sync throughputs seen while warming up (req/s), to size the main phases */
    private double[] warmUp() {
        phase("warm-up");
        int total = options.warmupExecutions;
        List<String> temporary = pool.seedTemporary(total);
        String[] all = temporary.toArray(String[]::new);
        int acceptCount = total * 4 / 10;
        int syncCount = total * 2 / 10;
        int applyCount = total * 3 / 10;
        String[] accept = Arrays.copyOfRange(all, 0, acceptCount);
        String[] sync = Arrays.copyOfRange(all, acceptCount, acceptCount + syncCount);
        int applyFrom = acceptCount + syncCount;
        String[] apply = Arrays.copyOfRange(all, applyFrom, applyFrom + applyCount);
        String[] store = Arrays.copyOfRange(all, acceptCount + syncCount + applyCount, all.length);
        // This JVM's own MongoDB client paths (the raw baselines) are warmed up too.
        List<RawBaselines.StoreWrite> storeWrites = RawBaselines.upgradeWrites(workflows, pool.mapper(), store,
                targets);
        int third = storeWrites.size() / 3;
        RawBaselines.oneAtATime(workflows, storeWrites.subList(0, third), Duration.ofSeconds(10));
        RawBaselines.oneAtATime(workflows, RawBaselines.byIdOnly(storeWrites.subList(third, 2 * third)),
                Duration.ofSeconds(10));
        List<RawBaselines.StoreWrite> bulkWarmup = storeWrites.subList(2 * third, storeWrites.size());
        int bulkThird = bulkWarmup.size() / 3;
        RawBaselines.bulkAndReadThenBulk(workflows, bulkWarmup.subList(0, bulkThird),
                bulkWarmup.subList(bulkThird, 2 * bulkThird), bulkWarmup.subList(2 * bulkThird, bulkWarmup.size()),
                rawOutcomes("warm-up"), 500, 2, Duration.ofSeconds(20));
        Duration time = Duration.ofSeconds(options.warmupSeconds);
        HttpLoad.Result a = HttpLoad.run("warmup-accept", service.baseUrl, "/api/workflow/%s/upgrade", this::body, accept,
                options.clients, time, 0);
        probe.awaitDrained(Duration.ofSeconds(60), Duration.ofMinutes(5));
        HttpLoad.Result s = HttpLoad.run("warmup-sync", service.baseUrl, "/api/baseline/workflow/%s/upgrade", this::body,
                sync, options.clients, time, 0);
        CommandProbe.Result p = probe.runAsFastAsPossible("warmup-apply", apply, this::nameOf, 2, Duration.ofSeconds(60),
                Duration.ofMinutes(5));
        probe.awaitDrained(Duration.ofSeconds(60), Duration.ofMinutes(5));
        pool.delete(temporary);
        log(String.format(Locale.ROOT, "warm-up: accept %.0f req/s (%d errors), sync %.0f req/s (%d errors), apply"
                        + " %.0f cmd/s (%d/%d events)", a.throughput(), a.errors, s.throughput(), s.errors,
                p.throughput(), p.received, p.sent));
        if (a.errors > 0 || s.errors > 0) {
            report.note("warm-up errors: accept " + a.statuses + " " + a.sampleErrors + ", sync " + s.statuses + " "
                    + s.sampleErrors);
        }
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("executions", total);
        details.put("accept", httpDetails(a));
        details.put("sync", httpDetails(s));
        details.put("apply", applyDetails(p));
        report.phase("warmup", details);

        // What the service and this JVM burn with no load at all, to read the per-operation CPU figures against.
        phase("idle");
        Machine.CpuMark idleStart = Machine.CpuMark.now(service);
        ServiceProcess.pace(3000);
        Machine.CpuUse idle = idleStart.until(Machine.CpuMark.now(service));
        cpu.put("idle", cpuDetails(idle));
        idleServiceCores = idle.serviceSeconds() < 0 ? null : idle.serviceSeconds() / idle.wallSeconds();
        return new double[] {a.throughput(), s.throughput()};
    }

    // ---------------------------------------------------------------- main phases

    private void mainPhases(double[] warm) throws Exception {
        int d = options.durationSeconds;
        int m = options.commands;
        int acceptSlice = (int) Math.min(Integer.MAX_VALUE / 4, Math.max(warm[0], 200) * d * 2 + 2000);
        int syncSlice = (int) Math.min(Integer.MAX_VALUE / 4, Math.max(warm[1], 200) * d * 2 + 2000);
        int paced = Math.max(1, m / 2);
        int indexProbe = Math.min(m, 1000);
        int storeProbe = Math.min(m, 100);
        // The paced runs go at half the slower closed-loop rate, so warm-up rate x d covers each of them twice over.
        int pacedHttpSlice = (int) Math.min(Integer.MAX_VALUE / 4, Math.max(Math.max(warm[0], warm[1]), 200) * d + 2000);
        long need = (long) acceptSlice + syncSlice + 2L * pacedHttpSlice + m + paced + 4L * m + indexProbe + storeProbe;
        phase("seed-main");
        int seed = (int) Math.max(options.executions, need - pool.unusedCount());
        long seedStart = System.nanoTime();
        pool.seed(seed);
        double seedSeconds = (System.nanoTime() - seedStart) / 1e9;
        long storedMain = pool.stored();
        log(String.format(Locale.ROOT, "seeded %,d executions in %.1f s (%,.0f docs/s); %,d stored", seed, seedSeconds,
                seed / seedSeconds, storedMain));
        report.header("executions stored for the main phases", String.format(Locale.ROOT,
                "%,d (N=%,d requested; seeded at %,.0f docs/s with insertMany x 1000)", storedMain,
                options.executions, seed / seedSeconds));
        report.header("executions seeded by kind (all phases but bulk, warm-up included)",
                pool.seededByKind().toString());
        gc();

        // Accept path, then the synchronous baseline at the same offered load.
        phase("accept");
        Machine.CpuMark before = Machine.CpuMark.now(service);
        String[] acceptIds = pool.take(acceptSlice);
        HttpLoad.Result accept = HttpLoad.run("accept", service.baseUrl, "/api/workflow/%s/upgrade", this::body,
                acceptIds, options.clients, Duration.ofSeconds(d), 0);
        Machine.CpuMark afterAccept = Machine.CpuMark.now(service);
        long backlog = probe.serviceLag();
        phase("accept-drain");
        CommandProbe.Drain drain = probe.awaitDrained(Duration.ofSeconds(60), Duration.ofMinutes(20));
        Machine.CpuMark afterDrain = Machine.CpuMark.now(service);
        cpu.put("accept", cpuDetails(before.until(afterAccept)));
        cpu.put("accept-drain", cpuDetails(afterAccept.until(afterDrain)));
        log(String.format(Locale.ROOT, "accept: %.0f req/s, p99 %.1f ms, %d errors; backlog %d commands, drained in"
                        + " %.1f s", accept.throughput(), Stats.ms(accept.latency, 99), accept.errors, backlog,
                drain.seconds()));
        // The accepted upgrades, applied by now: a sample read back and checked, by kind.
        checkSample("accept", sample(Arrays.copyOf(acceptIds, (int) Math.min(acceptIds.length, accept.ok)), 400),
                mixOutcomes.computeIfAbsent("accept", k -> new LinkedHashMap<>()));
        if (!drain.drained()) {
            report.note("the service did not work off the accept phase's commands (" + drain.finalLag()
                    + " left after " + Math.round(drain.seconds()) + " s); later phases share the CPU with it");
        }

        phase("sync");
        Machine.CpuMark beforeSync = Machine.CpuMark.now(service);
        HttpLoad.Result sync = HttpLoad.run("sync", service.baseUrl, "/api/baseline/workflow/%s/upgrade", this::body,
                pool.take(syncSlice), options.clients, Duration.ofSeconds(d), 0);
        Machine.CpuMark afterSync = Machine.CpuMark.now(service);
        cpu.put("sync", cpuDetails(beforeSync.until(afterSync)));
        log(String.format(Locale.ROOT, "sync baseline: %.0f req/s, p99 %.1f ms, %d errors", sync.throughput(),
                Stats.ms(sync.latency, 99), sync.errors));
        Map<String, Object> acceptDetails = httpDetails(accept);
        acceptDetails.put("backlogAfterPhase", backlog);
        acceptDetails.put("drainSeconds", Stats.round(drain.seconds()));
        acceptDetails.put("drained", drain.drained());
        acceptDetails.put("drainRatePerSecond", Stats.round(drain.rate()));
        report.phase("accept", acceptDetails);
        report.phase("syncBaseline", httpDetails(sync));

        // The same offered load for all: an open-loop rate, half the maximum accept rate (the closed-loop one).
        double httpRate = Math.max(1, 0.5 * accept.throughput());
        phase("accept-paced");
        double[] stagesBefore = acceptStages();
        Machine.GcMark gcBeforeAcceptPaced = Machine.GcMark.now();
        String[] acceptPacedIds = pool.take(pacedHttpSlice);
        HttpLoad.Result acceptPaced = HttpLoad.paced("accept-paced", service.baseUrl, "/api/workflow/%s/upgrade",
                this::body, acceptPacedIds, options.clients, httpRate, Duration.ofSeconds(d));
        double[] stagesAfter = acceptStages();
        gcDuring.put("the paced accept run", gcBeforeAcceptPaced.until(Machine.GcMark.now()));
        CommandProbe.Drain pacedDrain = probe.awaitDrained(Duration.ofSeconds(60), Duration.ofMinutes(20));
        phase("sync-paced");
        HttpLoad.Result syncPaced = HttpLoad.paced("sync-paced", service.baseUrl,
                "/api/baseline/workflow/%s/upgrade", this::body, pool.take(pacedHttpSlice), options.clients, httpRate,
                Duration.ofSeconds(d));
        log(String.format(Locale.ROOT, "at %.0f req/s offered to both: accept p99 %.1f ms, sync p99 %.1f ms (%d + %d"
                        + " errors; accept's commands drained in %.1f s)", httpRate, Stats.ms(acceptPaced.latency, 99),
                Stats.ms(syncPaced.latency, 99), acceptPaced.errors, syncPaced.errors, pacedDrain.seconds()));
        Map<String, Object> acceptPacedDetails = httpDetails(acceptPaced);
        acceptPacedDetails.put("offeredRatePerSecond", Stats.round(httpRate));
        report.phase("acceptPaced", acceptPacedDetails);
        Map<String, Object> syncPacedDetails = httpDetails(syncPaced);
        syncPacedDetails.put("offeredRatePerSecond", Stats.round(httpRate));
        report.phase("syncBaselinePaced", syncPacedDetails);

        // What the accept path's infrastructure alone costs at that rate: a raw acks=all produce and a raw read by
        // _id (of the executions the paced accept upgraded), both offered at the same rate at the same time.
        phase("raw-accept-paced");
        String[] readIds = Arrays.copyOf(acceptPacedIds, (int) Math.max(1, Math.min(acceptPacedIds.length,
                Math.max(1, acceptPaced.ok + acceptPaced.errors))));
        Machine.GcMark gcBeforeRawPaced = Machine.GcMark.now();
        RawBaselines.PacedRawResult rawPaced = RawBaselines.producePlusRead(probe, workflows, readIds, WORKFLOW,
                httpRate, options.clients, Duration.ofSeconds(d));
        gcDuring.put("the raw produce + read at the paced accept's rate",
                gcBeforeRawPaced.until(Machine.GcMark.now()));
        log(String.format(Locale.ROOT, "raw at %.0f/s: produce acks=all p99 %.1f ms, read by _id p99 %.1f ms (%d + %d"
                        + " errors)", httpRate, Stats.ms(rawPaced.produce, 99), Stats.ms(rawPaced.reads, 99),
                rawPaced.produceErrors, rawPaced.readErrors));
        Map<String, Object> rawPacedDetails = new LinkedHashMap<>();
        rawPacedDetails.put("offeredRatePerSecond", Stats.round(httpRate));
        rawPacedDetails.put("workersPerStream", options.clients);
        rawPacedDetails.put("seconds", Stats.round(rawPaced.seconds));
        rawPacedDetails.put("payloadBytes", rawPaced.payloadBytes);
        rawPacedDetails.put("produceAcksAll", Stats.summary(rawPaced.produce));
        rawPacedDetails.put("produceErrors", rawPaced.produceErrors);
        rawPacedDetails.put("readById", Stats.summary(rawPaced.reads));
        rawPacedDetails.put("readErrors", rawPaced.readErrors);
        report.phase("acceptRawBaselinePaced", rawPacedDetails);
        acceptTarget = new double[] {httpRate, Stats.ms(acceptPaced.latency, 99), Stats.ms(rawPaced.produce, 99),
            Stats.ms(rawPaced.reads, 99)};

        // Apply path: as fast as possible, then at half that rate. The store's own conditional update, timed on a
        // few executions first, bounds the command count so that the phase cannot run for hours on a slow store.
        phase("apply");
        RawBaselines.MongoResult storeCost = RawBaselines.oneAtATime(workflows, RawBaselines.upgradeWrites(workflows,
                pool.mapper(), pool.take(storeProbe), targets), Duration.ofSeconds(20));
        double perWrite = storeCost.modified == 0 ? 0 : storeCost.seconds / storeCost.modified;
        int applyCount = m;
        if (perWrite > 0 && m * perWrite > APPLY_BUDGET_SECONDS) {
            applyCount = (int) Math.max(200, APPLY_BUDGET_SECONDS / perWrite);
            report.note(String.format(Locale.ROOT, "apply phase: %,d commands instead of %,d, since the store's own"
                    + " conditional update takes %.0f ms with %,d executions stored", applyCount, m, perWrite * 1000,
                    pool.stored()));
        }
        Machine.CpuMark beforeApply = Machine.CpuMark.now(service);
        String[] applyIds = pool.take(applyCount);
        CommandProbe.Result apply = probe.runAsFastAsPossible("apply", applyIds, this::nameOf, 2,
                Duration.ofSeconds(60), Duration.ofMinutes(20));
        Machine.CpuMark afterApply = Machine.CpuMark.now(service);
        settle("apply", apply);
        recordOutcomes("apply", applyIds, apply, WORKFLOW);
        cpu.put("apply", cpuDetails(beforeApply.until(afterApply)));
        report.phase("apply", applyDetails(apply));
        log(String.format(Locale.ROOT, "apply: %.0f cmd/s, end-to-end p50 %.1f ms p99 %.1f ms (%d/%d events)",
                apply.throughput(), Stats.ms(apply.endToEnd, 50), Stats.ms(apply.endToEnd, 99), apply.received,
                apply.sent));

        CommandProbe.Result half = null;
        double rate = apply.throughput() / 2;
        if (rate > 0) {
            phase("apply-paced");
            int count = (int) Math.max(1, Math.min(paced, rate * 60));
            Machine.CpuMark beforePaced = Machine.CpuMark.now(service);
            Machine.GcMark gcBeforePaced = Machine.GcMark.now();
            String[] pacedIds = pool.take(count);
            half = probe.runPaced("apply-paced", pacedIds, this::nameOf, 2, rate, Duration.ofSeconds(60),
                    Duration.ofMinutes(10));
            gcDuring.put("the apply at half the max rate", gcBeforePaced.until(Machine.GcMark.now()));
            cpu.put("apply-paced", cpuDetails(beforePaced.until(Machine.CpuMark.now(service))));
            settle("apply-paced", half);
            recordOutcomes("apply-paced", pacedIds, half, WORKFLOW);
            report.phase("applyPaced", applyDetails(half));
            log(String.format(Locale.ROOT, "apply at %.0f cmd/s: end-to-end p50 %.1f ms p99 %.1f ms (%d/%d events)",
                    rate, Stats.ms(half.endToEnd, 50), Stats.ms(half.endToEnd, 99), half.received, half.sent));
        }

        // Baselines: raw Kafka, raw MongoDB.
        phase("raw-kafka");
        RawBaselines.KafkaResult kafka = RawBaselines.kafka(probe, m, 6, WORKFLOW);
        log(String.format(Locale.ROOT, "raw Kafka: %.0f msg/s produce+consume, %.0f msg/s produce (%d/%d)",
                kafka.throughput(), kafka.produceThroughput(), kafka.received, kafka.sent));
        phase("raw-mongo");
        List<RawBaselines.StoreWrite> singleWrites = RawBaselines.upgradeWrites(workflows, pool.mapper(),
                pool.take(m), targets);
        List<RawBaselines.StoreWrite> bulkWrites = RawBaselines.upgradeWrites(workflows, pool.mapper(),
                pool.take(m), targets);
        List<RawBaselines.StoreWrite> idOnlyWrites = RawBaselines.byIdOnly(RawBaselines.upgradeWrites(workflows,
                pool.mapper(), pool.take(indexProbe), targets));
        List<RawBaselines.StoreWrite> readWriteWrites = RawBaselines.upgradeWrites(workflows, pool.mapper(),
                pool.take(m), targets);
        RawBaselines.MongoResult single = RawBaselines.oneAtATime(workflows, singleWrites, Duration.ofSeconds(120));
        RawBaselines.MongoResult idOnly = RawBaselines.oneAtATime(workflows, idOnlyWrites, Duration.ofSeconds(60));
        List<RawBaselines.StoreWrite> outcomeWrites = RawBaselines.upgradeWrites(workflows, pool.mapper(),
                pool.take(m), targets);
        RawBaselines.MongoResult[] bulks = RawBaselines.bulkAndReadThenBulk(workflows, bulkWrites, readWriteWrites,
                outcomeWrites, rawOutcomes("raw"), 500, 8, Duration.ofSeconds(300));
        RawBaselines.MongoResult bulk = bulks[0];
        RawBaselines.MongoResult readWrite = bulks[1];
        bulkUpgradeWork = bulks[2].modified == 0 ? null : bulks[2].throughput();
        if (bulkUpgradeWork == null) {
            report.note("raw MongoDB bulk-upgrade work: no executions left to measure it on");
        }
        storeBulkCeiling = bulk.modified == 0 ? null : bulk.throughput();
        log(String.format(Locale.ROOT, "raw MongoDB: updateOne $set %.0f docs/s, bulkWrite x500 %.0f docs/s, find x500 +"
                + " bulkWrite x500 %.0f docs/s, + statuses x500 and counters %.0f docs/s, updateOne by _id only %.0f"
                + " docs/s", single.throughput(), bulk.throughput(), readWrite.throughput(), bulks[2].throughput(),
                idOnly.throughput()));
        Map<String, Object> raw = new LinkedHashMap<>();
        raw.put("kafka", kafkaDetails(kafka));
        raw.put("mongoOneAtATime", mongoDetails(single));
        raw.put("mongoBulk", mongoDetails(bulk));
        raw.put("mongoByIdOnly", mongoDetails(idOnly));
        raw.put("mongoReadThenBulk", mongoDetails(readWrite));
        raw.put("mongoBulkUpgradeWork", mongoDetails(bulks[2]));
        report.phase("rawBaselines", raw);

        mainRows(accept, sync, backlog, drain, apply, half, rate, kafka, single, bulk, idOnly, readWrite);
        pacedRows(acceptPaced, syncPaced, rawPaced, httpRate);
        acceptStageRows(stagesBefore, stagesAfter, httpRate);
    }

    /** Scratch collections for the raw bulk-upgrade work, apart from the service's own. */
    private RawBaselines.Outcomes rawOutcomes(String batchId) {
        com.mongodb.client.MongoDatabase database = mongo.getDatabase(workflows.getNamespace().getDatabaseName());
        return new RawBaselines.Outcomes(database.getCollection("bench_raw_statuses"),
                database.getCollection("bench_raw_batches"), batchId);
    }

    /**
     * The benchmark JVM's collections during the latency phases: they stop the broker and the store it holds,
     * so every latency measured then includes them. Reported with the memory figures.
     */
    private final Map<String, Machine.GcMark> gcDuring = new LinkedHashMap<>();

    private static final String[] ACCEPT_STAGES = {"check", "record", "publish"};

    /** Per stage of the service's accept timer: accepted requests so far, then seconds spent so far. */
    private double[] acceptStages() {
        double[] counts = new double[ACCEPT_STAGES.length * 2];
        for (int i = 0; i < ACCEPT_STAGES.length; i++) {
            String metric = "upgrader.upgrade.accept?tag=stage:" + ACCEPT_STAGES[i];
            counts[2 * i] = service.metric(metric, "COUNT");
            counts[2 * i + 1] = service.metric(metric, "TOTAL_TIME");
        }
        return counts;
    }

    /** Where an accepted request's time went during the paced run, from the service's own timer. */
    private void acceptStageRows(double[] before, double[] after, double rate) {
        String section = String.format(Locale.ROOT, "same offered load: %,.0f req/s open loop to each (half the max"
                + " accept rate), up to %d under way", rate, options.clients);
        for (int i = 0; i < ACCEPT_STAGES.length; i++) {
            double count = after[2 * i] - before[2 * i];
            double seconds = after[2 * i + 1] - before[2 * i + 1];
            boolean known = before[2 * i] >= 0 && after[2 * i] >= 0 && count > 0;
            report.info(section, "accept stage " + ACCEPT_STAGES[i] + ", mean (service timer)",
                    known ? seconds * 1000 / count : null, "ms", known ? String.format(Locale.ROOT, "%,.0f requests",
                            count) : "timer not available");
        }
    }

    private void pacedRows(HttpLoad.Result accept, HttpLoad.Result sync, RawBaselines.PacedRawResult raw,
                           double rate) {
        String a = String.format(Locale.ROOT, "same offered load: %,.0f req/s open loop to each (half the max accept"
                + " rate), up to %d under way", rate, options.clients);
        String syncName = "sync-in-HTTP";
        report.compare(a, "accept latency p50", Stats.ms(accept.latency, 50), "ms", syncName,
                Stats.ms(sync.latency, 50), "ms", null, null, httpNote(accept));
        // The target against sync-in-HTTP (<= 0.5x) is replaced by issue 14's against the raw produce + read.
        report.compare(a, "accept latency p99", Stats.ms(accept.latency, 99), "ms", syncName,
                Stats.ms(sync.latency, 99), "ms", null, null, "its target: against raw produce + read, see targets");
        double produce99 = Stats.ms(raw.produce, 99);
        double read99 = Stats.ms(raw.reads, 99);
        String rawNote = String.format(Locale.ROOT, "%,d in %.1f s, %,d errors", raw.produced, raw.seconds,
                raw.produceErrors);
        report.info(a, String.format(Locale.ROOT, "raw Kafka produce, acks=all, waited for (%d-byte records) p50",
                raw.payloadBytes), Stats.ms(raw.produce, 50), "ms", rawNote);
        report.info(a, "raw Kafka produce, acks=all, waited for p99", produce99, "ms", null);
        report.info(a, "raw MongoDB read of one execution by _id p50", Stats.ms(raw.reads, 50), "ms",
                String.format(Locale.ROOT, "%,d in %.1f s, %,d errors", raw.read, raw.seconds, raw.readErrors));
        report.info(a, "raw MongoDB read of one execution by _id p99", read99, "ms", null);
        report.compare(a, "accept latency p99.9", Stats.ms(accept.latency, 99.9), "ms", syncName,
                Stats.ms(sync.latency, 99.9), "ms", null, null, null);
        report.absolute(a, "errors (non-200 or I/O), accept + sync", (double) (accept.errors + sync.errors),
                "requests", "0", accept.errors + sync.errors == 0, accept.errors + sync.errors == 0 ? null
                        : accept.statuses + " / " + sync.statuses);
    }

    private void mainRows(HttpLoad.Result accept, HttpLoad.Result sync, long backlog, CommandProbe.Drain drain,
                          CommandProbe.Result apply, CommandProbe.Result half, double rate,
                          RawBaselines.KafkaResult kafka, RawBaselines.MongoResult single,
                          RawBaselines.MongoResult bulk, RawBaselines.MongoResult idOnly,
                          RawBaselines.MongoResult readWrite) {
        String a = "accept path: POST /api/workflow/{id}/upgrade, " + options.clients + " closed-loop clients";
        String syncName = "sync-in-HTTP";
        report.compare(a, "accept throughput", accept.throughput(), "req/s", syncName, sync.throughput(), "req/s",
                1.0, null, httpNote(accept));
        report.compare(a, "accept latency p50", Stats.ms(accept.latency, 50), "ms", syncName,
                Stats.ms(sync.latency, 50), "ms", null, null, null);
        report.compare(a, "accept latency p99", Stats.ms(accept.latency, 99), "ms", syncName,
                Stats.ms(sync.latency, 99), "ms", null, null, "closed loop: each side at its own rate");
        report.compare(a, "accept latency p99.9", Stats.ms(accept.latency, 99.9), "ms", syncName,
                Stats.ms(sync.latency, 99.9), "ms", null, null, null);
        report.absolute(a, "accept errors (non-200 or I/O)", (double) accept.errors, "requests", "0",
                accept.errors == 0, accept.errors == 0 ? null : accept.statuses.toString());
        report.info(a, "commands not yet applied when the accept phase ended", backlog < 0 ? null : (double) backlog,
                "commands", backlog < 0 ? "lag unknown" : null);
        report.info(a, "time to apply that backlog", drain.seconds(), "s", drain.drained() ? String.format(Locale.ROOT,
                "%,.0f cmd/s", drain.rate()) : "timed out, " + drain.finalLag() + " left");

        String s = "baseline: synchronous upgrade inside the HTTP request (same load, same body)";
        report.info(s, "sync-in-HTTP throughput", sync.throughput(), "req/s", httpNote(sync));
        report.info(s, "sync-in-HTTP latency p50", Stats.ms(sync.latency, 50), "ms", null);
        report.info(s, "sync-in-HTTP latency p99", Stats.ms(sync.latency, 99), "ms", null);
        report.info(s, "sync-in-HTTP latency p99.9", Stats.ms(sync.latency, 99.9), "ms", null);
        report.info(s, "sync-in-HTTP errors", (double) sync.errors, "requests",
                sync.errors == 0 ? null : sync.statuses.toString());

        String p = "apply path: " + apply.sent + " commands published straight to Kafka, events read back";
        Double applyRate = apply.received == 0 ? null : apply.throughput();
        String applyNote = applyNote(apply);
        report.compare(p, "apply throughput", applyRate, "cmd/s", "bulk conditional $set x500",
                bulk.throughput(), "docs/s", 0.7, null, applyNote);
        report.compare(p, "apply throughput vs the store's read-modify-write", applyRate, "cmd/s",
                "find x500 + bulk conditional $set x500", readWrite.throughput(), "docs/s", null, null,
                "the store's work per upgrade without Kafka or planning");
        report.compare(p, "apply throughput vs one-at-a-time", applyRate, "cmd/s", "updateOne $set one at a time",
                single.throughput(), "docs/s", null, null, null);
        report.compare(p, "apply throughput vs raw Kafka", applyRate, "cmd/s", "raw Kafka produce+consume",
                kafka.throughput(), "msg/s", null, null, null);
        report.compare(p, "end-to-end latency p50 at max throughput", Stats.ms(apply.endToEnd, 50), "ms",
                "raw Kafka p50", Stats.ms(kafka.endToEnd, 50), "ms", null, null, null);
        report.compare(p, "end-to-end latency p99 at max throughput", Stats.ms(apply.endToEnd, 99), "ms",
                "raw Kafka p99", Stats.ms(kafka.endToEnd, 99), "ms", null, null, null);
        if (half != null) {
            String at = String.format(Locale.ROOT, " at %,.0f cmd/s (half max, %d cmds)", rate, half.sent);
            report.info(p, "end-to-end latency p50" + at, Stats.ms(half.endToEnd, 50), "ms", applyNote(half));
            double p99 = Stats.ms(half.endToEnd, 99);
            report.absolute(p, "end-to-end latency p99" + at, Double.isNaN(p99) ? null : p99, "ms", "<= 100 ms",
                    !Double.isNaN(p99) && p99 <= 100 && !half.timedOut, applyNote(half));
        } else {
            report.info(p, "end-to-end latency at half max", null, "ms", "not measured: no apply throughput");
        }

        String r = "baselines: the broker and the store on their own";
        report.info(r, String.format(Locale.ROOT, "raw Kafka produce+consume (%d-byte records, acks=all)",
                kafka.payloadBytes), kafka.received == 0 ? null : kafka.throughput(), "msg/s",
                kafka.timedOut ? "timed out, " + kafka.received + "/" + kafka.sent : null);
        report.info(r, "raw Kafka produce only (acks=all, linger 5 ms)", kafka.produceThroughput(), "msg/s", null);
        report.info(r, "raw MongoDB updateOne $set {_id, revision}, one at a time", single.throughput(), "docs/s",
                mongoNote(single));
        report.info(r, "raw MongoDB updateOne $set latency p50", Stats.ms(single.latency, 50), "ms", null);
        report.info(r, "raw MongoDB bulkWrite unordered x500 {_id, revision}", bulk.throughput(), "docs/s",
                mongoNote(bulk));
        report.info(r, "raw MongoDB find $in x500 then bulkWrite x500 {_id, revision}", readWrite.throughput(),
                "docs/s", mongoNote(readWrite));
        report.info(r, "raw MongoDB bulk-upgrade work: find x500, bulkWrite x500, statuses upsert x500, batch $inc",
                bulkUpgradeWork, "docs/s", "the store's writes per bulk upgrade, without Kafka or planning");
        report.compare(r, "raw MongoDB updateOne $set {_id} only (unconditional), one at a time", idOnly.throughput(),
                "docs/s", "{_id, revision}", single.throughput(), "docs/s", null, null, mongoNote(idOnly));

        String c = "CPU (" + Machine.cores() + " cores shared by the service, the clients, the broker and the store)";
        @SuppressWarnings("unchecked")
        Map<String, Object> acceptCpu = (Map<String, Object>) cpu.get("accept");
        @SuppressWarnings("unchecked")
        Map<String, Object> drainCpu = (Map<String, Object>) cpu.get("accept-drain");
        @SuppressWarnings("unchecked")
        Map<String, Object> syncCpu = (Map<String, Object>) cpu.get("sync");
        @SuppressWarnings("unchecked")
        Map<String, Object> applyCpu = (Map<String, Object>) cpu.get("apply");
        Double asyncPerUpgrade = perOp(sum(acceptCpu, drainCpu, "serviceCpuSeconds"), accept.ok);
        Double syncPerUpgrade = perOp(number(syncCpu, "serviceCpuSeconds"), sync.ok);
        report.compare(c, "service CPU per upgrade, accept + apply", asyncPerUpgrade, "ms", "sync-in-HTTP",
                syncPerUpgrade, "ms", null, null, null);
        report.info(c, "service CPU per applied command (apply phase)",
                perOp(number(applyCpu, "serviceCpuSeconds"), apply.received), "ms", null);
        report.info(c, "service CPU when idle (no load)", idleServiceCores, "cores", null);
        report.info(c, "machine CPU busy during the accept phase", percent(acceptCpu), "% of all cores",
                share(acceptCpu));
        report.info(c, "machine CPU busy during the sync phase", percent(syncCpu), "% of all cores", share(syncCpu));
        report.info(c, "machine CPU busy during the apply phase", percent(applyCpu), "% of all cores",
                share(applyCpu));
        @SuppressWarnings("unchecked")
        Map<String, Object> pacedCpu = (Map<String, Object>) cpu.get("apply-paced");
        if (half != null && pacedCpu != null) {
            report.compare(c, "service CPU per applied command at half max", perOp(number(pacedCpu,
                    "serviceCpuSeconds"), half.received), "ms", "at max", perOp(number(applyCpu, "serviceCpuSeconds"),
                    apply.received), "ms", null, null, null);
            report.compare(c, "benchmark JVM CPU per command at half max", perOp(number(pacedCpu,
                    "benchmarkJvmCpuSeconds"), half.received), "ms", "at max", perOp(number(applyCpu,
                    "benchmarkJvmCpuSeconds"), apply.received), "ms", null, null,
                    infrastructure.embeddedKafka || infrastructure.embeddedMongo ? "broker + store + probe" : "probe");
            report.info(c, "machine CPU busy during the half-max phase", percent(pacedCpu), "% of all cores",
                    share(pacedCpu));
        }
        if (infrastructure.embeddedMongo && single.throughput() > 0 && idOnly.throughput() > 3 * single.throughput()) {
            report.note(String.format(Locale.ROOT, "the in-process store (mongo-java-server) answers a filter from its"
                    + " _id index only when the filter is on _id alone; {_id, revision} (the service's conditional"
                    + " write) scans the whole collection under the collection's lock: updateOne {_id, revision}"
                    + " %,.0f docs/s vs {_id} %,.0f docs/s with %,d executions stored. Apply and scale figures on it"
                    + " measure that scan; real MongoDB serves both from the _id index (set MONGODB_URI)",
                    single.throughput(), idOnly.throughput(), pool.stored()));
        }
    }

    /** After a run that timed out, lets the service work off what is left, so that the next phase has it alone. */
    private void settle(String label, CommandProbe.Result result) {
        if (!result.timedOut) {
            return;
        }
        CommandProbe.Drain drain = probe.awaitDrained(Duration.ofSeconds(60), Duration.ofMinutes(10));
        report.note(String.format(Locale.ROOT, "%s timed out (%,d of %,d events); the service then took %.0f s to"
                        + " work off the rest%s", label, result.received, result.sent, drain.seconds(),
                drain.drained() ? "" : " and had not finished (" + drain.finalLag() + " commands left)"));
    }

    // ---------------------------------------------------------------- bulk

    private static final String BULK_WORKFLOW = "bench_bulk";
    /**
     * A bulk upgrade of {@code --bulk-executions} executions of their own definitions (so that no other phase's
     * executions are selected), in the same mix as the other phases: one bulk request per kind (a bulk upgrade
     * names one definition), all sent at once; time from the first request until every one is applied, expansion
     * through Kafka included. Meanwhile the progress endpoint is asked, one request at a time every
     * {@code --bulk-progress-interval-ms}, of each batch in turn, and its answer times recorded. Bounded in time
     * ({@code --bulk-budget-seconds}): a store too slow for the count reports the rate it reached.
     */
    private void bulkPhase() throws Exception {
        phase("bulk");
        JsonMapper json = JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
        Map<NestedMix.Kind, WorkflowDef> bulkV1 = registerDefinitions(BULK_WORKFLOW);
        int count = options.bulkExecutions;
        long seedStarted = System.nanoTime();
        ExecutionPool bulkPool = new ExecutionPool(workflows, mix, bulkV1);
        bulkPool.seed(count);
        Map<String, Long> seededByKind = bulkPool.seededByKind();
        log(String.format(Locale.ROOT, "bulk: seeded %,d executions in %.1f s (%s)", count,
                (System.nanoTime() - seedStarted) / 1e9, seededByKind));
        phase("bulk-run");
        long budgetSeconds = options.bulkBudgetSeconds();
        long started = System.nanoTime();
        Map<NestedMix.Kind, String> batches = new java.util.EnumMap<>(NestedMix.Kind.class);
        for (NestedMix.Kind kind : mix.kinds()) {
            if (seededByKind.get(kind.label()) == 0) {
                continue;
            }
            HttpResponse<String> accepted = service.post("/api/workflow/upgrade/bulk", "{\"name\":\""
                    + NestedMix.name(BULK_WORKFLOW, kind) + "\",\"fromVersions\":[1],\"toVersion\":2}");
            if (accepted.statusCode() != 202) {
                throw new IllegalStateException("bulk upgrade of " + kind.label() + " answered "
                        + accepted.statusCode() + ": " + accepted.body());
            }
            batches.put(kind, json.readTree(accepted.body()).path("batchId").asString());
        }
        long deadline = started + budgetSeconds * 1_000_000_000L;
        // Completion is read from the upgraded events, which carry the batchId; the progress endpoint is sampled
        // meanwhile, and asked once more at the end.
        ProgressSampler sampler = new ProgressSampler(List.copyOf(batches.values()), options.bulkProgressIntervalMs);
        sampler.start();
        double seconds;
        long applied;
        try {
            while (System.nanoTime() < deadline && upgraded(batches) < count) {
                ServiceProcess.pace(200);
            }
            seconds = (System.nanoTime() - started) / 1e9;
            applied = upgraded(batches);
        } finally {
            sampler.stop();
        }
        Long heapDuring = service.maxHeapByPhase().get("bulk-run");
        List<String> oomDuring = service.outOfMemoryLines();
        phase("bulk-after");
        long progressStarted = System.nanoTime();
        tools.jackson.databind.JsonNode progress = json.readTree("{}");
        String firstBatch = batches.values().iterator().next();
        try {
            progress = json.readTree(service.get("/api/workflow/upgrade/bulk/" + firstBatch).body());
        } catch (java.io.IOException e) {
            log("bulk: progress not answered in time (" + e.getMessage() + ")");
        }
        double progressSeconds = (System.nanoTime() - progressStarted) / 1e9;
        long selected = progress.path("selected").asLong();
        Map<String, Map<String, Object>> byKind = new LinkedHashMap<>();
        for (Map.Entry<NestedMix.Kind, String> batch : batches.entrySet()) {
            Map<String, Object> k = new LinkedHashMap<>();
            k.put("seeded", seededByKind.get(batch.getKey().label()));
            k.put("batchId", batch.getValue());
            k.put("upgradedEvents", probe.upgradedInBatch(batch.getValue()));
            byKind.put(batch.getKey().label(), k);
        }
        checkSample("bulk", bulkPool.spread(Math.min(count, 400)), byKind);
        mixOutcomes.put("bulk", byKind);
        double rate = seconds <= 0 ? 0 : applied / seconds;
        bulkTarget = new BulkFigures(count, applied, seconds, rate, Stats.ms(sampler.latency, 99),
                Stats.ms(sampler.rawReadLatency, 99), sampler.latency.getTotalCount(), sampler.errors.get(), heapDuring, oomDuring.size());
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("executions", count);
        details.put("seededByKind", seededByKind);
        details.put("byKind", byKind);
        details.put("selectedInFirstBatch", selected);
        details.put("applied", applied);
        details.put("seconds", seconds);
        details.put("budgetSeconds", budgetSeconds);
        details.put("finished", applied == count);
        details.put("upgradesPerSecond", Stats.round(rate));
        details.put("storeBulkCeilingDocsPerSecond", storeBulkCeiling == null ? null : Stats.round(storeBulkCeiling));
        details.put("ratioToStoreBulkCeiling", storeBulkCeiling == null || storeBulkCeiling == 0 ? null
                : Stats.round(rate / storeBulkCeiling));
        details.put("storeBulkUpgradeWorkDocsPerSecond", bulkUpgradeWork == null ? null : Stats.round(bulkUpgradeWork));
        details.put("ratioToStoreBulkUpgradeWork", bulkUpgradeWork == null || bulkUpgradeWork == 0 ? null
                : Stats.round(rate / bulkUpgradeWork));
        Map<String, Object> progressDuring = new LinkedHashMap<>();
        progressDuring.put("intervalMs", options.bulkProgressIntervalMs);
        progressDuring.put("latency", Stats.summary(sampler.latency));
        progressDuring.put("rawStoreReadByIdLatency", Stats.summary(sampler.rawReadLatency));
        progressDuring.put("errors", sampler.errors.get());
        progressDuring.put("statuses", new java.util.TreeMap<>(sampler.statuses));
        details.put("progressDuringRun", progressDuring);
        details.put("serviceHeapMaxDuringRunBytes", heapDuring);
        details.put("serviceOutOfMemoryErrorsSoFar", oomDuring.size());
        details.put("progressAnswerSecondsAfterRun", Stats.round(progressSeconds));
        details.put("progressAppliedCountOfFirstBatch", progress.path("applied").asLong());
        report.phase("bulk", details);
        String section = "bulk upgrade";
        String figure = String.format(Locale.ROOT, "bulk upgrade of %,d executions, %d kinds at once"
                + " (expansion through Kafka included)", count, batches.size());
        String note = String.format(Locale.ROOT, "%,d of %,d applied in %.1f s%s", applied, count, seconds,
                applied == count ? "" : ", stopped at the " + budgetSeconds + " s budget");
        report.compare(section, figure, rate, "upgrades/s", "store bulk conditional $set x500", storeBulkCeiling,
                "docs/s", null, null, note);
        report.compare(section, "bulk upgrade against the store's own bulk-upgrade work", rate, "upgrades/s",
                "find + bulkWrite + statuses + $inc x500", bulkUpgradeWork, "docs/s", null, null,
                "the store's writes per upgrade without Kafka, planning or the service");
        report.info(section, "progress endpoint latency p50 during the run", Stats.ms(sampler.latency, 50), "ms",
                String.format(Locale.ROOT, "%,d requests, one at a time every %d ms, %,d errors",
                        sampler.latency.getTotalCount(), options.bulkProgressIntervalMs, sampler.errors.get()));
        report.compare(section, "progress endpoint latency p99 during the run", Stats.ms(sampler.latency, 99), "ms",
                "raw store read of the batch by _id, p99", Stats.ms(sampler.rawReadLatency, 99), "ms", null, null,
                "the raw read right after each request, from the benchmark's own client");
        report.info(section, "progress endpoint latency max during the run", sampler.latency.getTotalCount() == 0
                ? null : sampler.latency.getMaxValue() / 1000.0, "ms", null);
        report.info(section, "progress endpoint answer time after the run", progressSeconds * 1000, "ms",
                String.format(Locale.ROOT, "first batch (%s): applied %,d, selected %,d",
                        batches.keySet().iterator().next().label(), progress.path("applied").asLong(), selected));
        report.info(section, "service heap, max sampled during the run", heapDuring == null ? null
                : heapDuring / MIB, "MiB", heapDuring == null ? "no sample (run shorter than a second?)" : null);
        log(String.format(Locale.ROOT, "bulk: %,d of %,d applied in %.1f s (%.0f/s); progress p99 %.1f ms during the"
                        + " run (%d samples), %.0f ms after", applied, count, seconds, rate,
                Stats.ms(sampler.latency, 99), sampler.latency.getTotalCount(), progressSeconds * 1000));
    }

    /** The bulk phase's figures for the targets. */
    private record BulkFigures(int executions, long applied, double seconds, double rate, double progressP99Ms,
                               double rawReadP99Ms, long progressSamples, long progressErrors, Long heapMaxBytes,
                               int outOfMemoryErrors) {
    }

    /**
     * Asks the bulk progress endpoint, one request at a time, of each batch in turn, a request every interval (or
     * right after the previous answer, if it took longer). A request not answered within 30 s counts as an error
     * and with its 30 s in the latencies.
     */
    private final class ProgressSampler {

        final org.HdrHistogram.Histogram latency = Stats.histogram();
        /** A raw read by _id of the batch's document after each request: what the endpoint cannot avoid. */
        final org.HdrHistogram.Histogram rawReadLatency = Stats.histogram();
        private final MongoCollection<Document> batchDocuments = mongo.getDatabase(
                workflows.getNamespace().getDatabaseName()).getCollection("upgrade_batches");
        final java.util.concurrent.atomic.AtomicLong errors = new java.util.concurrent.atomic.AtomicLong();
        final Map<String, Long> statuses = new java.util.concurrent.ConcurrentHashMap<>();
        private final List<String> batchIds;
        private final int intervalMs;
        private final Thread thread;
        private volatile boolean running = true;

        ProgressSampler(List<String> batchIds, int intervalMs) {
            this.batchIds = batchIds;
            this.intervalMs = intervalMs;
            this.thread = new Thread(this::sample, "bench-bulk-progress");
            thread.setDaemon(true);
        }

        void start() {
            thread.start();
        }

        void stop() throws InterruptedException {
            running = false;
            thread.join(40_000);
        }

        private void sample() {
            java.net.http.HttpClient client = java.net.http.HttpClient.newBuilder()
                    .version(java.net.http.HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
            for (int i = 0; running; i++) {
                long t = System.nanoTime();
                java.net.http.HttpRequest request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                                service.baseUrl + "/api/workflow/upgrade/bulk/" + batchIds.get(i % batchIds.size())))
                        .timeout(Duration.ofSeconds(30)).header("X-Authorization", ServiceProcess.TOKEN).GET().build();
                try {
                    HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
                    statuses.merge(String.valueOf(response.statusCode()), 1L, Long::sum);
                    if (response.statusCode() != 200) {
                        errors.incrementAndGet();
                    }
                } catch (java.io.IOException e) {
                    statuses.merge(e.getClass().getSimpleName(), 1L, Long::sum);
                    errors.incrementAndGet();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                long micros = (System.nanoTime() - t) / 1000;
                synchronized (latency) {
                    Stats.record(latency, micros);
                }
                // The baseline: the same batch document read straight from the store, right after.
                long r = System.nanoTime();
                try {
                    batchDocuments.find(com.mongodb.client.model.Filters.eq("_id",
                            batchIds.get(i % batchIds.size()))).first();
                    synchronized (rawReadLatency) {
                        Stats.record(rawReadLatency, (System.nanoTime() - r) / 1000);
                    }
                } catch (RuntimeException e) {
                    statuses.merge("raw read " + e.getClass().getSimpleName(), 1L, Long::sum);
                }
                long next = t + intervalMs * 1_000_000L - System.nanoTime();
                if (next > 0 && running) {
                    ServiceProcess.pace(next / 1_000_000);
                }
            }
        }
    }

    private long upgraded(Map<NestedMix.Kind, String> batches) {
        long sum = 0;
        for (String batchId : batches.values()) {
            sum += probe.upgradedInBatch(batchId);
        }
        return sum;
    }

    // ---------------------------------------------------------------- the mix: outcomes and checks

    /** Commands sent and events received in one apply run, by kind; then a sample of the executions checked. */
    private void recordOutcomes(String phase, String[] workflowIds, CommandProbe.Result result, String base) {
        Map<NestedMix.Kind, Long> sent = mix.count(workflowIds);
        Map<String, Map<String, Object>> byKind = new LinkedHashMap<>();
        for (NestedMix.Kind kind : NestedMix.Kind.values()) {
            long n = sent.getOrDefault(kind, 0L);
            if (n == 0) {
                continue;
            }
            Map<String, Object> k = new LinkedHashMap<>();
            k.put("commands", n);
            Map<String, Long> types = result.typesByWorkflow.getOrDefault(NestedMix.name(base, kind), Map.of());
            k.put("upgradedEvents", types.getOrDefault("WORKFLOW_UPGRADED", 0L));
            k.put("noopEvents", types.getOrDefault("WORKFLOW_UPGRADE_NOOP", 0L));
            k.put("rejectedEvents", types.getOrDefault("WORKFLOW_UPGRADE_REJECTED", 0L));
            byKind.put(kind.label(), k);
        }
        checkSample(phase, sample(workflowIds, 400), byKind);
        mixOutcomes.put(phase, byKind);
    }

    private static String[] sample(String[] ids, int n) {
        if (ids.length <= n) {
            return ids;
        }
        String[] picked = new String[n];
        for (int i = 0; i < n; i++) {
            picked[i] = ids[(int) ((long) i * ids.length / n)];
        }
        return picked;
    }

    /**
     * Reads the given executions back from the store and checks each against what its kind's upgrade must leave
     * (version 2, the added task SKIPPED, the running tasks still running, a new fork branch SCHEDULED): that the
     * commands were applied as upgrades, not rejected or merely acknowledged.
     */
    private void checkSample(String phase, String[] ids, Map<String, Map<String, Object>> byKind) {
        Map<NestedMix.Kind, int[]> checks = new java.util.EnumMap<>(NestedMix.Kind.class);
        Map<NestedMix.Kind, String> firstProblem = new java.util.EnumMap<>(NestedMix.Kind.class);
        for (int from = 0; from < ids.length; from += 500) {
            List<String> batch = Arrays.asList(ids).subList(from, Math.min(ids.length, from + 500));
            for (Document d : workflows.find(com.mongodb.client.model.Filters.in("_id", batch))) {
                io.upgrader.execution.Workflow w = pool.mapper().fromDocument(d, io.upgrader.execution.Workflow.class);
                NestedMix.Kind kind = mix.kindOf(w.workflowId());
                int[] c = checks.computeIfAbsent(kind, k -> new int[2]);
                c[0]++;
                java.util.Optional<String> problem = NestedMix.upgradeProblem(kind, w);
                if (problem.isEmpty()) {
                    c[1]++;
                } else {
                    firstProblem.putIfAbsent(kind, problem.get());
                }
            }
        }
        checks.forEach((kind, c) -> {
            Map<String, Object> k = byKind.computeIfAbsent(kind.label(), x -> new LinkedHashMap<>());
            k.put("sampleChecked", c[0]);
            k.put("sampleAsExpected", c[1]);
            if (firstProblem.containsKey(kind)) {
                k.put("firstProblem", firstProblem.get(kind));
                report.note(phase + ": " + (c[0] - c[1]) + " of " + c[0] + " sampled " + kind.label()
                        + " executions not upgraded as expected, e.g. " + firstProblem.get(kind));
            }
        });
        log(phase + ": mix outcomes " + byKind);
    }

    /** One row per phase and kind: upgraded events against commands sent, and the sample check. */
    private void mixRows() {
        String section = "the mix (" + mix.describe() + "): outcomes by kind";
        for (Map.Entry<String, Map<String, Map<String, Object>>> phase : mixOutcomes.entrySet()) {
            for (Map.Entry<String, Map<String, Object>> kind : phase.getValue().entrySet()) {
                Map<String, Object> k = kind.getValue();
                int checked = ((Number) k.getOrDefault("sampleChecked", 0)).intValue();
                int ok = ((Number) k.getOrDefault("sampleAsExpected", 0)).intValue();
                if (!k.containsKey("commands") && !k.containsKey("seeded")) {
                    // The HTTP accept path: its events are not tracked; the sample read back is the check.
                    report.absolute(section, phase.getKey() + ": " + kind.getKey() + " sampled executions upgraded",
                            (double) ok, "executions", "sample as expected", checked > 0 && ok == checked,
                            String.format(Locale.ROOT, "%d/%d of the accepted ones, read back after the drain",
                                    ok, checked));
                    continue;
                }
                Object sent = k.containsKey("commands") ? k.get("commands") : k.get("seeded");
                long upgradedEvents = ((Number) k.getOrDefault("upgradedEvents", 0L)).longValue();
                long total = sent instanceof Number n ? n.longValue() : 0;
                String note = String.format(Locale.ROOT, "of %,d %s; rejected %s, noop %s; sample %d/%d as expected",
                        total, k.containsKey("commands") ? "commands" : "seeded",
                        k.getOrDefault("rejectedEvents", "-"), k.getOrDefault("noopEvents", "-"), ok, checked);
                report.absolute(section, phase.getKey() + ": " + kind.getKey() + " upgraded (APPLIED events)",
                        (double) upgradedEvents, "events", "all, sample as expected",
                        upgradedEvents == total && checked > 0 && ok == checked, note);
            }
        }
        report.phase("mixOutcomes", mixOutcomes);
    }

    // ---------------------------------------------------------------- scale

    private void scalePoint(int executions, Map<Long, CommandProbe.Result> results) {
        phase("scale-" + executions);
        long stored = pool.stored();
        long fits = storeCapacity(stored);
        if (fits < executions) {
            report.note(String.format(Locale.ROOT, "scale point %,d: the in-process store holds every execution in"
                    + " this JVM's heap (~%,.0f bytes each, measured); only ~%,d fit in its old generation, so this"
                    + " point is measured at %,d stored executions", executions, bytesPerExecution(),
                    fits, Math.max(stored, fits)));
        }
        long goal = Math.min(executions, Math.max(stored, fits));
        // Executions no phase touched yet, for the store probes and the commands (other phases' count as stored).
        int untouched = options.scaleCommands + 2 * Math.max(1, Math.min(200, options.scaleCommands));
        if (stored < goal || pool.unusedCount() < untouched) {
            long seedStart = System.nanoTime();
            int count = (int) Math.max(goal - stored, untouched - pool.unusedCount());
            pool.seed(count);
            log(String.format(Locale.ROOT, "scale: seeded %,d executions in %.1f s", count,
                    (System.nanoTime() - seedStart) / 1e9));
            gc();
        }
        stored = pool.stored();

        // First what the store itself allows at this size: the service's conditional update, and one by _id alone.
        int probeCount = Math.max(1, Math.min(200, options.scaleCommands));
        List<RawBaselines.StoreWrite> conditional = RawBaselines.upgradeWrites(workflows, pool.mapper(),
                pool.spread(probeCount), targets);
        List<RawBaselines.StoreWrite> byId = RawBaselines.byIdOnly(RawBaselines.upgradeWrites(workflows,
                pool.mapper(), pool.spread(probeCount), targets));
        RawBaselines.MongoResult c = RawBaselines.oneAtATime(workflows, conditional, Duration.ofSeconds(30));
        RawBaselines.MongoResult i = RawBaselines.oneAtATime(workflows, byId, Duration.ofSeconds(30));
        storeScale.put(stored, new RawBaselines.MongoResult[] {c, i});
        log(String.format(Locale.ROOT, "scale: store updateOne $set {_id, revision} %.3f ms/doc, {_id} %.3f ms/doc",
                1000 / c.throughput(), 1000 / i.throughput()));

        // Then the service. Bounded so that one point takes about 8 minutes at most, whatever the store's speed.
        int commands = options.scaleCommands;
        double perWrite = c.modified == 0 ? 0 : c.seconds / c.modified;
        if (perWrite > 0 && commands * perWrite > SCALE_BUDGET_SECONDS) {
            commands = (int) Math.max(50, SCALE_BUDGET_SECONDS / perWrite);
            report.note(String.format(Locale.ROOT, "scale point %,d stored: %,d commands instead of %,d, since the"
                    + " store's own conditional update takes %.0f ms there", stored, commands, options.scaleCommands,
                    perWrite * 1000));
        }
        String[] scaleIds = pool.spread(commands);
        Machine.CpuMark before = Machine.CpuMark.now(service);
        CommandProbe.Result result = probe.runAsFastAsPossible("scale-" + stored, scaleIds, this::nameOf, 2,
                Duration.ofSeconds(60), Duration.ofMinutes(10));
        cpu.put("scale-" + stored, cpuDetails(before.until(Machine.CpuMark.now(service))));
        settle("scale-" + stored, result);
        recordOutcomes("scale-" + stored, scaleIds, result, WORKFLOW);
        Map<String, Object> details = applyDetails(result);
        details.put("storedExecutions", stored);
        details.put("requestedExecutions", executions);
        details.put("storeConditionalReplaceOne", mongoDetails(c));
        details.put("storeReplaceOneByIdOnly", mongoDetails(i));
        report.phase("scale-" + stored, details);
        log(String.format(Locale.ROOT, "scale: %,d stored, %.0f cmd/s = %.3f ms per command (%d/%d events)", stored,
                result.throughput(), 1000 / result.throughput(), result.received, result.sent));
        results.put(stored, result);
    }

    private void scaleRows(Map<Long, CommandProbe.Result> results) {
        String section = "scale: apply cost per upgrade, up to " + options.scaleCommands
                + " commands spread over all stored executions";
        Long smallest = null;
        for (Map.Entry<Long, CommandProbe.Result> entry : results.entrySet()) {
            CommandProbe.Result r = entry.getValue();
            Double cost = r.received == 0 ? null : 1000.0 / r.throughput();
            String figure = String.format(Locale.ROOT, "apply cost with %,d executions stored", entry.getKey());
            if (smallest == null) {
                smallest = entry.getKey();
                report.info(section, figure, cost, "ms/cmd", applyNote(r));
            } else {
                CommandProbe.Result small = results.get(smallest);
                Double smallCost = small.received == 0 ? null : 1000.0 / small.throughput();
                report.compare(section, figure, cost, "ms/cmd", String.format(Locale.ROOT, "%,d stored", smallest),
                        smallCost, "ms/cmd", null, 1.3, applyNote(r));
            }
        }
        String[] names = {"store: updateOne $set {_id, revision} with %,d stored",
            "store: updateOne $set {_id} only with %,d stored"};
        for (int k = 0; k < names.length; k++) {
            Long first = null;
            for (Map.Entry<Long, RawBaselines.MongoResult[]> entry : storeScale.entrySet()) {
                RawBaselines.MongoResult r = entry.getValue()[k];
                Double cost = r.modified == 0 ? null : 1000.0 / r.throughput();
                String figure = String.format(Locale.ROOT, names[k], entry.getKey());
                if (first == null) {
                    first = entry.getKey();
                    report.info(section, figure, cost, "ms/doc", r.modified + " docs");
                } else {
                    RawBaselines.MongoResult small = storeScale.get(first)[k];
                    report.compare(section, figure, cost, "ms/doc", String.format(Locale.ROOT, "%,d stored", first),
                            small.modified == 0 ? null : 1000.0 / small.throughput(), "ms/doc", null, null,
                            r.modified + " docs");
                }
            }
        }
    }

    /** Heap one stored execution takes in this JVM, from the heap after GC at two seeding points (in-process store). */
    private double bytesPerExecution() {
        Map.Entry<Long, Long> first = null;
        Map.Entry<Long, Long> last = null;
        for (Map.Entry<Long, Long> entry : benchHeapByStored.entrySet()) {
            if (first == null) {
                first = entry;
            }
            last = entry;
        }
        if (first == null || last.getKey() - first.getKey() < 5000) {
            return 10_000;
        }
        return Math.max(1000, (last.getValue() - first.getValue()) / (double) (last.getKey() - first.getKey()));
    }

    /**
     * How many executions may be stored in all without exhausting this JVM's old generation (85% of it), when the
     * store is the in-process one; unlimited with an external store.
     */
    private long storeCapacity(long stored) {
        if (!infrastructure.embeddedMongo) {
            return Long.MAX_VALUE;
        }
        long oldMax = -1;
        long oldUsed = 0;
        for (MemoryPoolMXBean bean : ManagementFactory.getMemoryPoolMXBeans()) {
            String name = bean.getName();
            if (bean.getType() == MemoryType.HEAP
                    && (name.contains("Old Gen") || name.contains("Tenured"))) {
                oldMax = bean.getUsage().getMax();
                oldUsed = bean.getUsage().getUsed();
            }
        }
        if (oldMax <= 0) {
            oldMax = Runtime.getRuntime().maxMemory();
            oldUsed = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
        }
        long room = (long) (oldMax * 0.85) - oldUsed;
        return stored + Math.max(0, (long) (room / bytesPerExecution()));
    }

    // ---------------------------------------------------------------- task records

    /** Documents seeded per size for the apply throughput run, at most. */
    private static final long RECORDS_SEED_BYTES = 128L << 20;

    /** One size of the records phase: bytes per operation (median of the ones done one at a time), throughput. */
    private record RecordFigures(int records, long documentBytes, Double updateBytes, Double updateCommands,
                                 int updates, Double applyBytes, Double applyCommands, int applies,
                                 CommandProbe.Result throughput, Double throughputBytesPerCommand,
                                 Double storeReadWriteRate) {
    }

    /**
     * Per size of {@code --records} (task records per execution, see {@link TaskRecords}): what the service sends
     * to MongoDB for one task update (POST /api/tasks completing the running task, which schedules the next) and
     * for one upgrade apply (a command straight to Kafka, until its event), each done {@code --records-ops} times
     * one at a time on executions of their own, with the service's command counter read before and after each;
     * then the apply throughput over {@code --records-commands} commands published at once. The executions are
     * deleted afterwards.
     */
    private void recordsPhase() throws Exception {
        JsonMapper json = JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
        TaskRecords records = new TaskRecords(workflows, pool.mapper());
        if (!CommandBytes.total(service).known()) {
            report.note("records phase: the service's " + io.upgrader.mongo.CommandBytesMetrics.METRIC + " metric is"
                    + " not available; bytes per operation not measured");
        }
        Map<String, Object> phaseDetails = new LinkedHashMap<>();
        long sequence = 0;
        for (int size : options.records) {
            phase("records-" + size);
            String name = TaskRecords.name(size);
            for (int version : List.of(1, 2)) {
                HttpResponse<String> response = service.post("/api/metadata/workflow?overwrite=true",
                        TaskRecords.definitionJson(size, version));
                if (response.statusCode() / 100 != 2) {
                    throw new IllegalStateException("registering " + name + " version " + version + " answered "
                            + response.statusCode() + ": " + HttpLoad.abbreviate(response.body()));
                }
            }
            WorkflowDef version1 = json.readValue(definition(name, 1), WorkflowDef.class);
            long built = System.nanoTime();
            io.upgrader.execution.Workflow template = TaskRecords.template(version1, size, System.currentTimeMillis());
            double buildSeconds = (System.nanoTime() - built) / 1e9;
            long documentBytes = new org.bson.RawBsonDocument(pool.mapper().toDocument(template,
                    template.workflowId()), new org.bson.codecs.DocumentCodec()).getByteBuffer().remaining();
            int ops = options.recordsOps;
            int commands = (int) Math.max(1, Math.min(options.recordsCommands, RECORDS_SEED_BYTES / documentBytes));
            long seedStarted = System.nanoTime();
            // The last ops are for the store's own read and write, after the service's throughput run.
            List<String> seeded = records.seed(template, 3 * ops + commands, sequence);
            sequence += seeded.size();
            double seedSeconds = (System.nanoTime() - seedStarted) / 1e9;
            log(String.format(Locale.ROOT, "records %,d: template built in %.1f s, %,d bytes a document; seeded %,d"
                    + " in %.1f s", size, buildSeconds, documentBytes, seeded.size(), seedSeconds));
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("taskRecords", size);
            details.put("documentBytes", documentBytes);
            details.put("seeded", seeded.size());
            details.put("seedSeconds", Stats.round(seedSeconds));
            try {
                // Task updates, one at a time.
                List<String> updateIds = seeded.subList(0, ops);
                List<Double> updateBytes = new ArrayList<>();
                List<Double> updateCommands = new ArrayList<>();
                org.HdrHistogram.Histogram updateLatency = Stats.histogram();
                Map<String, Long> updateStatuses = new java.util.TreeMap<>();
                Map<String, CommandBytes.Snapshot> before = CommandBytes.byCommand(service);
                for (String id : updateIds) {
                    String body = "{\"workflowInstanceId\":\"" + id + "\",\"taskId\":\""
                            + records.runningTaskId(id, size) + "\",\"status\":\"COMPLETED\",\"outputData\":{\"ok\":"
                            + "true,\"n\":" + size + "},\"workerId\":\"bench-worker\"}";
                    CommandBytes.Snapshot start = CommandBytes.total(service);
                    long t = System.nanoTime();
                    HttpResponse<String> response = service.post("/api/tasks", body);
                    long micros = (System.nanoTime() - t) / 1000;
                    CommandBytes.Snapshot sent = CommandBytes.total(service).minus(start);
                    updateStatuses.merge(String.valueOf(response.statusCode()), 1L, Long::sum);
                    if (response.statusCode() == 200) {
                        Stats.record(updateLatency, micros);
                        if (sent.known()) {
                            updateBytes.add(sent.bytes());
                            updateCommands.add(sent.commands());
                        }
                    }
                }
                Map<String, Object> updateByCommand = CommandBytes.perOperation(before, CommandBytes.byCommand(service),
                        updateLatency.getTotalCount());
                int updatesChecked = 0;
                String updateProblem = null;
                for (String id : updateIds) {
                    java.util.Optional<String> problem = TaskRecords.updateProblem(records.read(id), size);
                    updatesChecked++;
                    if (problem.isPresent() && updateProblem == null) {
                        updateProblem = problem.get();
                    }
                }
                if (updateProblem != null) {
                    report.note("records " + size + ": a task update did not leave what it must: " + updateProblem);
                }

                // Upgrades, one at a time: each command published, its event awaited.
                List<String> applyIds = seeded.subList(ops, 2 * ops);
                List<Double> applyBytes = new ArrayList<>();
                List<Double> applyCommands = new ArrayList<>();
                org.HdrHistogram.Histogram applyLatency = Stats.histogram();
                Map<String, Long> applyTypes = new java.util.TreeMap<>();
                before = CommandBytes.byCommand(service);
                for (String id : applyIds) {
                    CommandBytes.Snapshot start = CommandBytes.total(service);
                    CommandProbe.Result one = probe.runAsFastAsPossible("records-apply-" + size, new String[] {id},
                            x -> name, 2, Duration.ofSeconds(30), Duration.ofSeconds(60));
                    CommandBytes.Snapshot sent = CommandBytes.total(service).minus(start);
                    one.types.forEach((type, n) -> applyTypes.merge(type, n, Long::sum));
                    if (one.received == 1 && one.types.containsKey("WORKFLOW_UPGRADED")) {
                        applyLatency.add(one.endToEnd);
                        if (sent.known()) {
                            applyBytes.add(sent.bytes());
                            applyCommands.add(sent.commands());
                        }
                    } else if (one.timedOut) {
                        applyTypes.merge("timed out", 1L, Long::sum);
                    }
                }
                Map<String, Object> applyByCommand = CommandBytes.perOperation(before, CommandBytes.byCommand(service),
                        applyLatency.getTotalCount());

                // Apply throughput: every command published at once.
                String[] throughputIds = seeded.subList(2 * ops, 2 * ops + commands).toArray(String[]::new);
                Machine.CpuMark cpuBefore = Machine.CpuMark.now(service);
                CommandBytes.Snapshot start = CommandBytes.total(service);
                // A poll's batch of large executions may take minutes before its first event: waited for longer.
                CommandProbe.Result throughput = probe.runAsFastAsPossible("records-throughput-" + size,
                        throughputIds, x -> name, 2, Duration.ofSeconds(180), Duration.ofMinutes(10));
                CommandBytes.Snapshot sent = CommandBytes.total(service).minus(start);
                cpu.put("records-" + size, cpuDetails(cpuBefore.until(Machine.CpuMark.now(service))));
                settle("records-throughput-" + size, throughput);
                int checked = 0;
                int asExpected = 0;
                String applyProblem = null;
                for (String id : sample(throughputIds, 20)) {
                    java.util.Optional<String> problem = TaskRecords.upgradeProblem(records.read(id), size);
                    checked++;
                    if (problem.isEmpty()) {
                        asExpected++;
                    } else if (applyProblem == null) {
                        applyProblem = problem.get();
                    }
                }
                for (String id : applyIds) {
                    java.util.Optional<String> problem = TaskRecords.upgradeProblem(records.read(id), size);
                    checked++;
                    if (problem.isEmpty()) {
                        asExpected++;
                    } else if (applyProblem == null) {
                        applyProblem = problem.get();
                    }
                }
                if (applyProblem != null) {
                    report.note("records " + size + ": " + (checked - asExpected) + " of " + checked + " sampled"
                            + " upgrades did not leave what they must, e.g. " + applyProblem);
                }
                Double throughputBytes = sent.known() && throughput.received > 0 ? sent.bytes() / throughput.received
                        : null;
                // What the store alone does per execution of this size, one at a time: the apply's own floor.
                org.HdrHistogram.Histogram storeLatency = Stats.histogram();
                long storeStarted = System.nanoTime();
                for (String id : seeded.subList(2 * ops + commands, seeded.size())) {
                    long started = System.nanoTime();
                    Document read = workflows.find(Filters.eq("_id", id)).first();
                    long revision = read.get("revision", Number.class).longValue();
                    workflows.updateOne(Filters.and(Filters.eq("_id", id), Filters.eq("revision", revision)),
                            Updates.combine(Updates.set("revision", revision + 1),
                                    Updates.set("updateTime", System.currentTimeMillis())));
                    storeLatency.recordValue(Math.max(1, (System.nanoTime() - started) / 1_000));
                }
                double storeRate = ops / ((System.nanoTime() - storeStarted) / 1e9);
                Map<String, Object> store = new LinkedHashMap<>();
                store.put("operations", ops);
                store.put("docsPerSecond", Stats.round(storeRate));
                store.put("latency", Stats.summary(storeLatency));
                details.put("storeReadWriteOneAtATime", store);
                RecordFigures figures = new RecordFigures(size, documentBytes, median(updateBytes),
                        median(updateCommands), updateBytes.size(), median(applyBytes), median(applyCommands),
                        applyBytes.size(), throughput, throughputBytes, storeRate);
                recordFigures.put(size, figures);

                Map<String, Object> update = new LinkedHashMap<>();
                update.put("operations", ops);
                update.put("statuses", updateStatuses);
                update.put("measured", updateBytes.size());
                update.put("bytesMedian", Stats.round(nan(figures.updateBytes())));
                update.put("bytesEach", updateBytes.stream().map(Stats::round).toList());
                update.put("commandsMedian", Stats.round(nan(figures.updateCommands())));
                update.put("latency", Stats.summary(updateLatency));
                update.put("meanPerOperationByCommandAndCollection", updateByCommand);
                update.put("checked", updatesChecked);
                update.put("firstProblem", updateProblem);
                details.put("taskUpdate", update);
                Map<String, Object> apply = new LinkedHashMap<>();
                apply.put("operations", ops);
                apply.put("eventTypes", applyTypes);
                apply.put("measured", applyBytes.size());
                apply.put("bytesMedian", Stats.round(nan(figures.applyBytes())));
                apply.put("bytesEach", applyBytes.stream().map(Stats::round).toList());
                apply.put("commandsMedian", Stats.round(nan(figures.applyCommands())));
                apply.put("publishToEvent", Stats.summary(applyLatency));
                apply.put("meanPerOperationByCommandAndCollection", applyByCommand);
                details.put("applyOneAtATime", apply);
                Map<String, Object> throughputDetails = applyDetails(throughput);
                throughputDetails.put("bytesPerCommandMean", Stats.round(nan(throughputBytes)));
                throughputDetails.put("sampleChecked", checked);
                throughputDetails.put("sampleAsExpected", asExpected);
                throughputDetails.put("firstProblem", applyProblem);
                details.put("applyThroughput", throughputDetails);
                log(String.format(Locale.ROOT, "records %,d: task update %s bytes (median of %d, %s commands),"
                                + " apply %s bytes (median of %d), apply %.0f cmd/s (%d/%d events)", size,
                        Report.number(nan(figures.updateBytes())), updateBytes.size(),
                        Report.number(nan(figures.updateCommands())), Report.number(nan(figures.applyBytes())),
                        applyBytes.size(), throughput.throughput(), throughput.received, throughput.sent));
            } finally {
                records.delete(seeded);
                phaseDetails.put(String.valueOf(size), details);
            }
        }
        report.phase("records", phaseDetails);
        recordsRows();
    }

    private void recordsRows() {
        String section = "task records per execution: bytes sent to MongoDB per operation (the service's command"
                + " counter), apply throughput";
        RecordFigures smallest = recordFigures.isEmpty() ? null : recordFigures.values().iterator().next();
        for (RecordFigures f : recordFigures.values()) {
            boolean first = f == smallest;
            String base = String.format(Locale.ROOT, "%,d records", smallest.records());
            String doc = String.format(Locale.ROOT, "document %,d bytes", f.documentBytes());
            report.compare(section, String.format(Locale.ROOT, "per task update, %,d task records", f.records()),
                    f.updateBytes(), "bytes", first ? null : base, first ? null : smallest.updateBytes(), "bytes",
                    null, null, String.format(Locale.ROOT, "median of %d, %s commands; %s", f.updates(),
                            f.updateCommands() == null ? "?" : Report.number(f.updateCommands()), doc));
            report.compare(section, String.format(Locale.ROOT, "per upgrade apply, %,d task records", f.records()),
                    f.applyBytes(), "bytes", first ? null : base, first ? null : smallest.applyBytes(), "bytes",
                    null, null, String.format(Locale.ROOT, "median of %d one at a time, %s commands", f.applies(),
                            f.applyCommands() == null ? "?" : Report.number(f.applyCommands())));
            CommandProbe.Result r = f.throughput();
            report.compare(section, String.format(Locale.ROOT, "apply throughput, %,d task records", f.records()),
                    r.received == 0 ? null : r.throughput(), "cmd/s", first ? null : base,
                    first || smallest.throughput().received == 0 ? null : smallest.throughput().throughput(), "cmd/s",
                    null, null, applyNote(r) + (f.throughputBytesPerCommand() == null ? ""
                            : ", " + Report.number(f.throughputBytesPerCommand()) + " bytes/cmd"));
            report.compare(section, String.format(Locale.ROOT, "store alone: read by _id + conditional $set, one at"
                            + " a time, %,d task records", f.records()), f.storeReadWriteRate(), "docs/s",
                    first ? null : base, first ? null : smallest.storeReadWriteRate(), "docs/s", null, null,
                    "no service, one at a time: the store's own cost for a document of this size");
        }
    }

    /** The same ratio for the store alone (read + conditional write, one at a time): what bounds the apply's. */
    private static String storeBound(RecordFigures large, RecordFigures small) {
        if (large.storeReadWriteRate() == null || small.storeReadWriteRate() == null) {
            return "";
        }
        return String.format(Locale.ROOT, "; the store alone, read + write: %.0f ÷ %.0f docs/s = %.3fx",
                large.storeReadWriteRate(), small.storeReadWriteRate(),
                large.storeReadWriteRate() / small.storeReadWriteRate());
    }

    /**
     * Issue 14's targets, each a ratio against a baseline measured in this run (or an absolute bound), printed
     * together and kept under "targets" in results.json.
     */
    private void targetRows() {
        String section = "targets (issue 14): against baselines measured in this run";
        Map<String, Object> targets = new LinkedHashMap<>();
        RecordFigures small = recordFigures.isEmpty() ? null : recordFigures.values().iterator().next();
        RecordFigures large = recordFigures.isEmpty() ? null
                : ((java.util.TreeMap<Integer, RecordFigures>) recordFigures).lastEntry().getValue();
        if (small != null && large != null && large != small) {
            String of = String.format(Locale.ROOT, "%,d task records", large.records());
            String base = String.format(Locale.ROOT, "%,d task records", small.records());
            targets.put("bytesPerTaskUpdate", Report.json(report.compare(section,
                    "bytes sent to MongoDB per task update, " + of, large.updateBytes(), "bytes", base,
                    small.updateBytes(), "bytes", null, 1.5, "median of one-at-a-time updates")));
            targets.put("bytesPerApply", Report.json(report.compare(section,
                    "bytes sent to MongoDB per upgrade apply, " + of, large.applyBytes(), "bytes", base,
                    small.applyBytes(), "bytes", null, 1.5, "median of one-at-a-time applies")));
            targets.put("applyThroughputByRecords", Report.json(report.compare(section, "apply throughput, " + of,
                    large.throughput().received == 0 ? null : large.throughput().throughput(), "cmd/s", base,
                    small.throughput().received == 0 ? null : small.throughput().throughput(), "cmd/s", 0.5, null,
                    (large.throughput().received == 0 ? "not measured, " + applyNote(large.throughput()) + "; " : "")
                            + String.format(Locale.ROOT, "%,d and %,d commands", large.throughput().sent,
                            small.throughput().sent) + storeBound(large, small))));
        } else {
            report.note("targets: the records phase needs two sizes (--records) and did not measure them");
        }
        if (bulkTarget != null) {
            BulkFigures b = bulkTarget;
            targets.put("bulkVsStoreBulkCeiling", Report.json(report.compare(section, String.format(Locale.ROOT,
                            "bulk upgrade of %,d executions", b.executions()), b.applied() == 0 ? null : b.rate(),
                    "upgrades/s", "store bulk conditional $set x500", storeBulkCeiling, "docs/s", 0.5, null,
                    String.format(Locale.ROOT, "%,d applied in %.1f s%s", b.applied(), b.seconds(),
                            bulkUpgradeWork == null || b.applied() == 0 ? "" : String.format(Locale.ROOT,
                                    "; against the store's own bulk-upgrade work (%.0f docs/s): %.3fx",
                                    bulkUpgradeWork, b.rate() / bulkUpgradeWork)))));
            Double p99 = Double.isNaN(b.progressP99Ms()) ? null : b.progressP99Ms();
            targets.put("bulkProgressP99", Report.json(report.absolute(section,
                    "bulk progress endpoint p99 during the run", p99, "ms", "<= 50 ms",
                    p99 != null && p99 <= 50, String.format(Locale.ROOT, "%,d samples, %,d errors; raw store read"
                                    + " of the same document by _id at the same moments: p99 %s ms",
                            b.progressSamples(), b.progressErrors(), Report.number(b.rawReadP99Ms())))));
            Double heap = b.heapMaxBytes() == null ? null : b.heapMaxBytes() / MIB;
            targets.put("serviceHeapDuringBulk", Report.json(report.absolute(section,
                    String.format(Locale.ROOT, "service heap, max sampled during the bulk of %,d", b.executions()),
                    heap, "MiB", "<= 512 MiB", heap != null && heap <= 512 && b.outOfMemoryErrors() == 0,
                    b.outOfMemoryErrors() == 0 ? "-Xmx512m; sampled every second"
                            : b.outOfMemoryErrors() + " OutOfMemoryError lines in the service log")));
        }
        if (acceptTarget != null) {
            double[] a = acceptTarget;
            Double raw = Double.isNaN(a[2]) || Double.isNaN(a[3]) ? null : a[2] + a[3];
            targets.put("acceptP99VsRawProducePlusRead", Report.json(report.compare(section, String.format(
                            Locale.ROOT, "accept p99 at half the max accept rate (%,.0f req/s)", a[0]),
                    Double.isNaN(a[1]) ? null : a[1], "ms", "raw produce p99 + raw read p99, same rate", raw,
                    "ms", null, 3.0, String.format(Locale.ROOT, "produce %s + read %s ms",
                            Report.number(a[2]), Report.number(a[3])))));
        }
        report.phase("targets", targets);
    }

    private static Double median(List<Double> values) {
        if (values.isEmpty()) {
            return null;
        }
        List<Double> sorted = values.stream().sorted().toList();
        int middle = sorted.size() / 2;
        return sorted.size() % 2 == 1 ? sorted.get(middle) : (sorted.get(middle - 1) + sorted.get(middle)) / 2;
    }

    private static double nan(Double value) {
        return value == null ? Double.NaN : value;
    }

    // ---------------------------------------------------------------- memory

    private void memoryRows() {
        if (service == null) {
            return;
        }
        phase("end");
        String section = "service memory (separate JVM, -Xmx512m; heap sampled every second)";
        boolean alive = service.alive();
        long heapEnd = alive ? service.heapUsedNow() : -1;
        long maxHeap = Math.max(service.maxHeapUsed(), heapEnd);
        long rss = service.procStatus("VmRSS");
        long peakRss = Math.max(service.procStatus("VmHWM"), service.maxRssSampled());
        List<String> oom = service.outOfMemoryLines();
        double limit = 512;
        report.compare(section, "heap used at the end", heapEnd < 0 ? null : heapEnd / MIB, "MiB", "-Xmx",
                limit, "MiB", null, null, alive ? null : "service not running");
        report.compare(section, "max heap used during the run", maxHeap < 0 ? null : maxHeap / MIB, "MiB", "-Xmx",
                limit, "MiB", null, 1.0, service.heapSamples() + " samples");
        report.absolute(section, "OutOfMemoryError in the service", (double) oom.size(), "occurrences", "none",
                oom.isEmpty() && alive, alive ? null : "service exited");
        report.info(section, "resident set size (RSS) at the end", rss < 0 ? null : rss / MIB, "MiB", null);
        report.info(section, "peak RSS (VmHWM)", peakRss < 0 ? null : peakRss / MIB, "MiB", null);
        String gcSection = "garbage collection";
        double pauses = alive ? service.metric("jvm.gc.pause", "COUNT") : -1;
        double pauseSeconds = alive ? service.metric("jvm.gc.pause", "TOTAL_TIME") : -1;
        double longest = alive ? service.metric("jvm.gc.pause", "MAX") : -1;
        report.info(gcSection, "service: GC pause time over the run (jvm.gc.pause)", pauseSeconds < 0 ? null
                : pauseSeconds * 1000, "ms", pauses < 0 ? "not available" : String.format(Locale.ROOT,
                "%,.0f pauses, longest of the last minutes %.0f ms", pauses, longest * 1000));
        gcDuring.forEach((during, gc) -> report.info(gcSection, "benchmark JVM (broker + store + load): GC time"
                + " during " + during, (double) gc.millis(), "ms", String.format(Locale.ROOT,
                "%d collections, mean %.0f ms, %.1f %% of %.1f s", gc.collections(),
                gc.collections() == 0 ? 0 : gc.millis() / (double) gc.collections(), gc.share() * 100,
                gc.wallNanos() / 1e9)));
        Map<String, Object> memory = new LinkedHashMap<>();
        memory.put("heapUsedEndBytes", heapEnd);
        memory.put("heapUsedMaxBytes", maxHeap);
        memory.put("rssEndBytes", rss);
        memory.put("rssPeakBytes", peakRss);
        memory.put("heapSamples", service.heapSamples());
        memory.put("failedSamples", service.failedSamples());
        memory.put("maxHeapUsedBytesByPhase", service.maxHeapByPhase());
        memory.put("outOfMemoryErrors", oom);
        memory.put("serviceAlive", alive);
        Map<String, Object> counters = new LinkedHashMap<>();
        for (String outcome : List.of("applied", "noop", "rejected", "redelivered")) {
            double value = alive ? service.metric("upgrader.upgrade.commands?tag=outcome:" + outcome) : -1;
            // A counter never incremented is not registered: the actuator answers 404, i.e. zero.
            counters.put(outcome, alive ? Math.max(0, value) : null);
        }
        memory.put("serviceCommandCounters", counters);
        report.phase("serviceMemory", memory);
    }

    // ---------------------------------------------------------------- helpers

    /** The HTTP upgrade body for one execution: its own kind's definition, version 2. */
    private String body(String workflowId) {
        return String.format(Locale.ROOT, HttpLoad.BODY_TEMPLATE, nameOf(workflowId), 2);
    }

    /** The workflow name of a main-phase execution: one definition per kind of the mix. */
    private String nameOf(String workflowId) {
        return NestedMix.name(WORKFLOW, mix.kindOf(workflowId));
    }

    private void phase(String name) {
        if (service != null) {
            service.phase(name);
        }
        log("phase " + name);
    }

    private void gc() {
        System.gc();
        ServiceProcess.pace(200);
        Runtime runtime = Runtime.getRuntime();
        long used = runtime.totalMemory() - runtime.freeMemory();
        long stored = pool == null ? 0 : pool.stored();
        benchHeap.put(String.valueOf(stored), used);
        benchHeapByStored.put(stored, used);
        log(String.format(Locale.ROOT, "benchmark JVM heap after GC: %.0f MiB of %.0f MiB", used / MIB,
                runtime.maxMemory() / MIB));
    }

    private static void log(String message) {
        System.out.println("bench: " + message);
        System.out.flush();
    }

    private static String httpNote(HttpLoad.Result r) {
        StringBuilder note = new StringBuilder();
        note.append(String.format(Locale.ROOT, "%,d in %.1f s", r.ok, r.seconds));
        if (r.ranOutOfExecutions) {
            note.append(", ran out of executions");
        }
        if (r.timedOut) {
            note.append(", timed out");
        }
        return note.toString();
    }

    private static String applyNote(CommandProbe.Result r) {
        if (r.received == 0) {
            return "timed out: no event";
        }
        StringBuilder note = new StringBuilder(String.format(Locale.ROOT, "%,d/%,d events", r.received, r.sent));
        if (r.timedOut) {
            note.append(", timed out");
        }
        Long upgraded = r.types.get("WORKFLOW_UPGRADED");
        if (upgraded == null || upgraded != r.received) {
            note.append(", types ").append(r.types);
        }
        return note.toString();
    }

    private static String mongoNote(RawBaselines.MongoResult r) {
        String note = String.format(Locale.ROOT, "%,d modified of %,d in %.2f s", r.modified, r.documents, r.seconds);
        return r.rounds.isEmpty() ? note : note + String.format(Locale.ROOT, "; median of %d rounds, %,.0f-%,.0f",
                r.rounds.size(), r.rounds.stream().mapToDouble(Double::doubleValue).min().orElse(0),
                r.rounds.stream().mapToDouble(Double::doubleValue).max().orElse(0));
    }

    private static Map<String, Object> httpDetails(HttpLoad.Result r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ok", r.ok);
        m.put("errors", r.errors);
        m.put("seconds", Stats.round(r.seconds));
        m.put("throughputPerSecond", Stats.round(r.throughput()));
        m.put("latency", Stats.summary(r.latency));
        m.put("statuses", r.statuses);
        m.put("sampleErrors", r.sampleErrors);
        m.put("ranOutOfExecutions", r.ranOutOfExecutions);
        m.put("timedOut", r.timedOut);
        return m;
    }

    private static Map<String, Object> applyDetails(CommandProbe.Result r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("sent", r.sent);
        m.put("received", r.received);
        m.put("publishErrors", r.publishErrors);
        m.put("duplicateEvents", r.duplicates);
        m.put("eventTypes", r.types);
        m.put("targetRatePerSecond", r.targetRate > 0 ? Stats.round(r.targetRate) : null);
        m.put("publishSeconds", Stats.round(r.publishSeconds));
        m.put("firstPublishToLastEventSeconds", Stats.round(r.seconds));
        m.put("throughputPerSecond", Stats.round(r.throughput()));
        m.put("endToEnd", Stats.summary(r.endToEnd));
        m.put("timedOut", r.timedOut);
        return m;
    }

    private static Map<String, Object> kafkaDetails(RawBaselines.KafkaResult r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("sent", r.sent);
        m.put("received", r.received);
        m.put("errors", r.errors);
        m.put("payloadBytes", r.payloadBytes);
        m.put("produceSeconds", Stats.round(r.produceSeconds));
        m.put("produceThroughputPerSecond", Stats.round(r.produceThroughput()));
        m.put("firstProduceToLastConsumeSeconds", Stats.round(r.seconds));
        m.put("throughputPerSecond", Stats.round(r.throughput()));
        m.put("endToEnd", Stats.summary(r.endToEnd));
        m.put("timedOut", r.timedOut);
        return m;
    }

    private static Map<String, Object> mongoDetails(RawBaselines.MongoResult r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("documents", r.documents);
        m.put("modified", r.modified);
        m.put("batchSize", r.batchSize);
        m.put("seconds", Stats.round(r.seconds));
        m.put("throughputPerSecond", Stats.round(r.throughput()));
        if (!r.rounds.isEmpty()) {
            m.put("roundThroughputsPerSecond", r.rounds.stream().map(Stats::round).toList());
        }
        m.put("latencyPerCall", Stats.summary(r.latency));
        return m;
    }

    private static Map<String, Object> cpuDetails(Machine.CpuUse use) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("wallSeconds", Stats.round(use.wallSeconds()));
        m.put("serviceCpuSeconds", Stats.round(use.serviceSeconds()));
        m.put("benchmarkJvmCpuSeconds", Stats.round(use.benchSeconds()));
        m.put("machineCpuSeconds", Stats.round(use.machineSeconds()));
        m.put("otherProcessesCpuSeconds", Stats.round(use.otherSeconds()));
        m.put("machineUtilization", Stats.round(use.machineUtilization()));
        return m;
    }

    private static Double number(Map<String, Object> map, String key) {
        if (map == null || !(map.get(key) instanceof Number n) || n.doubleValue() < 0) {
            return null;
        }
        return n.doubleValue();
    }

    private static Double sum(Map<String, Object> a, Map<String, Object> b, String key) {
        Double x = number(a, key);
        Double y = number(b, key);
        return x == null || y == null ? null : x + y;
    }

    private static Double perOp(Double cpuSeconds, long ops) {
        return cpuSeconds == null || ops <= 0 ? null : cpuSeconds * 1000 / ops;
    }

    private static Double percent(Map<String, Object> cpu) {
        Double u = number(cpu, "machineUtilization");
        return u == null ? null : u * 100;
    }

    private static String share(Map<String, Object> cpu) {
        Double wall = number(cpu, "wallSeconds");
        Double svc = number(cpu, "serviceCpuSeconds");
        Double bench = number(cpu, "benchmarkJvmCpuSeconds");
        Double other = number(cpu, "otherProcessesCpuSeconds");
        if (wall == null || wall <= 0 || svc == null || bench == null) {
            return null;
        }
        return String.format(Locale.ROOT, "cores: service %.2f + benchmark JVM %.2f + others %s",
                svc / wall, bench / wall, other == null ? "?" : String.format(Locale.ROOT, "%.2f", other / wall));
    }

    private void shutdown() {
        if (probe != null) {
            try {
                probe.close();
            } catch (RuntimeException e) {
                System.err.println("bench: closing the Kafka clients: " + e);
            }
        }
        if (service != null) {
            service.close();
        }
        if (mongo != null) {
            mongo.close();
        }
        if (infrastructure != null) {
            infrastructure.close();
        }
    }

    /** The benchmark's own output is the table; libraries log warnings and errors only. */
    private static void quietLogging() {
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
            context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).setLevel(Level.WARN);
            for (String name : List.of("org.apache.kafka", "kafka", "state.change.logger", "org.mongodb.driver",
                    "de.bwaldvogel", "io.netty")) {
                context.getLogger(name).setLevel(Level.ERROR);
            }
        }
    }
}

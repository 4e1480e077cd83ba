package io.upgrader.faults;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.InsertManyOptions;
import com.mongodb.client.model.Projections;
import io.upgrader.definition.WorkflowDef;
import io.upgrader.execution.Decider;
import io.upgrader.execution.Task;
import io.upgrader.execution.Workflow;
import io.upgrader.mongo.DocumentMapper;
import io.upgrader.upgrade.BatchCommandIds;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The service as a process of its own (the packaged jar, or the test classpath when there is none) against the
 * in-test broker and store of {@link RestartableInfrastructure}, which stay up in this JVM: the process is killed
 * with SIGKILL in the middle of a burst of upgrades, or the broker stops for 10 s during one. Clients retry every
 * request that got no answer, an I/O error or a 5xx with the same Idempotency-Key until they get a 200; afterwards
 * every execution is upgraded exactly once, with the commandId its key was answered with, and no status is left
 * ACCEPTED. A failsafe test ({@code mvn verify}): it needs the jar.
 * <p>
 * The first case's burst is {@code -Dupgrader.crash.burst} upgrades (default 120); the {@code bench} profile runs that
 * case alone with 2,000 ({@code mvn -Pbench verify}), and with {@code -Dupgrader.crash.seed-bulk-ahead=false} so
 * that the 20,000 executions of the bulk case are not written meanwhile (the bulk case seeds them itself then).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ProcessCrashIT {

    private static final String TOKEN = "crash-it-token";
    private static final int CLIENTS = 6;
    private static final Duration RELAY_AGE = Duration.ofSeconds(2);
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    /** Upgrades in the first case's burst: 120 in {@code mvn verify}, 2,000 in the bench profile. */
    private static final int BURST = Integer.getInteger("upgrader.crash.burst", 120);
    /**
     * How long after the restarted service is ready every command the killed one left ACCEPTED may take to be final,
     * beyond the relay age. Such a command is either on the topic, uncommitted, and is applied once the new consumer
     * holds its partition (the killed member's 6 s session has expired while the new JVM started; the embedded broker
     * adds no initial rebalance delay), or, killed between its record and its publish, only in the store: then a
     * client's retry with its key publishes it again, or the relay does, whichever comes first. The relay's first
     * pass starts one relay-interval (1 s) after ready (the command, accepted before the kill, is already older than
     * the relay age) and walks the ACCEPTED records oldest first, a few store round trips each, one at a time; this
     * burst's command is among the newest, so it comes last. With ~40 such records that walk took up to 11.6 s on 2
     * cores oversubscribed ~15 times (other builds), then the apply 0.1 s; 2.5-7 s on a less loaded machine. 20 s
     * covers the interval, the walk under such load and the apply behind the burst's new commands.
     */
    private static final Duration FINAL_MARGIN = Duration.ofSeconds(20);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    private static volatile ServiceProcess service;
    private static final long T0 = System.nanoTime();

    static void phase(String what) {
        System.out.printf("ProcessCrashIT +%.1fs %s%n", (System.nanoTime() - T0) / 1e9, what);
    }

    @BeforeAll
    static void startService() throws IOException {
        phase("starting");
        RestartableInfrastructure.bootstrapServers();
        phase("broker and store up");
        service = ServiceProcess.start();
        phase("started");
        // The 20,000 executions of the bulk case are written while the other cases run (the store takes ~25 s),
        // unless only the first case runs (the bench profile), whose measurement they would disturb.
        if (Boolean.parseBoolean(System.getProperty("upgrader.crash.seed-bulk-ahead", "true"))) {
            bulkSeeding = startBulkSeeding();
        }
    }

    private static CompletableFuture<Seeded> startBulkSeeding() {
        String name = registerTwoVersions();
        WorkflowDef version1 = JSON.treeToValue(get("/api/metadata/workflow/" + name + "?version=1"), WorkflowDef.class);
        return CompletableFuture.supplyAsync(() -> {
            try (MongoClient client = MongoClients.create(RestartableInfrastructure.mongoUri())) {
                List<String> ids = seed(client.getDatabase("upgrader").getCollection("workflows"), version1, BULK_COUNT);
                phase("seeded " + ids.size() + " executions of " + name + " for the bulk case");
                return new Seeded(name, ids);
            }
        });
    }

    private static final int BULK_COUNT = 20_000;
    private static volatile CompletableFuture<Seeded> bulkSeeding;

    private record Seeded(String name, List<String> workflowIds) {
    }

    @AfterAll
    static void stopService() {
        if (service != null) {
            service.close();
        }
    }

    @Test
    @Order(1)
    void sigkillMidBurstThenARestartLosesNothingAndAppliesEachUpgradeOnce() throws Exception {
        int count = BURST;
        // The time the burst may take grows with its size: ~10 ms an upgrade on top of the fixed waits (2,000: +20 s).
        Duration patience = PATIENCE.plusMillis(10L * count);
        String name = registerTwoVersions();
        List<String> workflowIds = startExecutions(name, count);
        Burst burst = new Burst(name, workflowIds);
        phase(count + " executions started");
        long burstStarted = System.nanoTime();
        burst.start();

        await().atMost(patience).until(() -> burst.answered.size() >= workflowIds.size() / 3);
        ServiceProcess killed = service;
        killed.killHard();
        int exit = killed.exitValue();
        long killedAt = System.nanoTime();
        int answeredAtKill = burst.answered.size();
        // 128 + 9: the JVM got SIGKILL, not SIGTERM (143), so no shutdown hook or graceful shutdown ran.
        assertThat(exit).as("exit value of the killed service").isEqualTo(137);
        // What the killed process left: the commands it recorded and had not applied (ACCEPTED, on the topic
        // uncommitted or, killed between record and publish, only in the store). Read from the store directly.
        Set<String> leftAccepted = acceptedNotApplied(workflowIds);
        long relayedBeforeKill = killed.relayed(java.time.Instant.now()).keySet().stream()
                .filter(what -> !what.startsWith("(")).count();
        phase("killed with " + answeredAtKill + " answered, " + leftAccepted.size() + " commands left ACCEPTED; "
                + "its relay had published " + relayedBeforeKill + " distinct commands again");
        service = ServiceProcess.start();
        long ready = System.nanoTime();
        java.time.Instant readyAt = java.time.Instant.now();
        phase("restarted");

        // From ready, every command the crash left is final within the relay age plus the margin; polled while the
        // burst goes on, only the ones not yet final and all at once (a sequential poll under the burst's load
        // would add its own seconds), so the last poll is the moment the last one became final.
        Set<String> notFinal = ConcurrentHashMap.newKeySet();
        notFinal.addAll(leftAccepted);
        Map<String, Double> finalAfter = new ConcurrentHashMap<>();
        ExecutorService pollers = Executors.newFixedThreadPool(CLIENTS);
        try {
            await().atMost(RELAY_AGE.plus(FINAL_MARGIN).plus(patience)).pollDelay(Duration.ZERO)
                    .pollInterval(Duration.ofMillis(200)).until(() -> {
                        List<CompletableFuture<Void>> reads = new ArrayList<>();
                        for (String commandId : List.copyOf(notFinal)) {
                            reads.add(CompletableFuture.runAsync(() -> {
                                if (!"ACCEPTED".equals(status(commandId))) {
                                    finalAfter.put(commandId, (System.nanoTime() - ready) / 1e9);
                                    notFinal.remove(commandId);
                                }
                            }, pollers));
                        }
                        reads.forEach(CompletableFuture::join);
                        return notFinal.isEmpty();
                    });
        } finally {
            pollers.shutdown();
        }
        Duration leftFinal = Duration.ofNanos(System.nanoTime() - ready);
        phase("the " + leftAccepted.size() + " commands left ACCEPTED are final");

        burst.awaitDone(patience.plusSeconds(30));
        Duration burstTime = Duration.ofNanos(System.nanoTime() - burstStarted);
        Duration downTime = Duration.ofNanos(ready - killedAt);
        phase("all answered");
        Outcome outcome = verify(workflowIds, burst, patience);
        phase("verified");
        System.out.printf("SIGKILL mid-burst (exit %d after %d of %d answered): sent %d (requests %d, retried %d), "
                        + "applied %d / doubled %d / lost %d / left ACCEPTED %d%n", exit, answeredAtKill,
                workflowIds.size(), workflowIds.size(), burst.requests.get(), burst.retries.get(), outcome.applied,
                outcome.doubled, outcome.lost, outcome.leftAccepted);
        System.out.printf("SIGKILL mid-burst of %d: %d commands ACCEPTED and not applied at the kill, all final %.1f s "
                        + "after the restarted service was ready (bound: relay age %d s + margin %d s); kill to ready "
                        + "%.1f s; burst answered in %.1f s, its last 200 %.1f s after ready; every answered command "
                        + "seen APPLIED by %.1f s after ready (polled one by one)%n", count, leftAccepted.size(),
                leftFinal.toMillis() / 1e3, RELAY_AGE.toSeconds(), FINAL_MARGIN.toSeconds(),
                downTime.toMillis() / 1e3, burstTime.toMillis() / 1e3, (burst.lastAnswerAt.get() - ready) / 1e9,
                (outcome.allAppliedAt() - ready) / 1e9);
        // Which of them the relay published again, when, and when each was then seen final.
        Map<String, Double> relayed = service.relayed(readyAt);
        List<String> relayedLeft = relayed.entrySet().stream().filter(e -> leftAccepted.contains(e.getKey()))
                .map(e -> String.format(java.util.Locale.ROOT, "%.1f->%.1f", e.getValue(),
                        finalAfter.getOrDefault(e.getKey(), -1.0))).toList();
        relayed.forEach((what, at) -> {
            if (what.startsWith("(")) {
                phase(String.format(java.util.Locale.ROOT, "relay at %.1f s after ready: %s", at, what));
            }
        });
        System.out.printf("SIGKILL mid-burst of %d: the commands left ACCEPTED seen final after %s s; the restarted "
                        + "service's relay published again %.0f commands (%d of those, s after ready -> seen final: "
                        + "%s), its consumer applied %.0f and recognised %.0f redelivered%n", count,
                seconds(finalAfter.values()), metric(OUTBOX_REPUBLISHED), relayedLeft.size(), relayedLeft,
                metric(COMMANDS + "?tag=outcome:applied"), metric(COMMANDS + "?tag=outcome:redelivered"));
        outcome.assertExactlyOnce(workflowIds.size());
        assertThat(answeredAtKill).isLessThan(workflowIds.size());
        assertThat(burst.retries.get()).as("requests retried across the crash").isPositive();
    }

    /** Times in seconds, sorted, to a tenth. */
    private static List<String> seconds(java.util.Collection<Double> times) {
        return times.stream().sorted().map(t -> String.format(java.util.Locale.ROOT, "%.1f", t)).toList();
    }

    private static final String OUTBOX_REPUBLISHED = io.upgrader.upgrade.OutboxRelay.REPUBLISHED_METRIC;
    private static final String COMMANDS = io.upgrader.upgrade.UpgradeApplier.COMMANDS_METRIC;

    /** A counter of the running service (/actuator/metrics), or -1 when it cannot be read. */
    private static double metric(String nameAndTags) {
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(service.baseUrl
                            + "/actuator/metrics/" + nameAndTags)).timeout(Duration.ofSeconds(10))
                    .header("X-Authorization", TOKEN).GET().build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                return response.statusCode() == 404 ? 0 : -1;
            }
            for (JsonNode measurement : JSON.readTree(response.body()).path("measurements")) {
                if ("COUNT".equals(measurement.path("statistic").asString())) {
                    return measurement.path("value").asDouble();
                }
            }
            return -1;
        } catch (IOException | RuntimeException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /**
     * The commands recorded for these executions that are still ACCEPTED in the store and not in their history. With
     * timeouts of its own: the store is up, but may be slow to answer while the bulk case's executions are written.
     */
    private static Set<String> acceptedNotApplied(List<String> workflowIds) {
        MongoClientSettings settings = MongoClientSettings.builder()
                .applyConnectionString(new ConnectionString(RestartableInfrastructure.mongoUri()))
                .applyToClusterSettings(cluster -> cluster.serverSelectionTimeout(30, TimeUnit.SECONDS))
                .applyToSocketSettings(socket -> socket.connectTimeout(10, TimeUnit.SECONDS))
                .build();
        try (MongoClient client = MongoClients.create(settings)) {
            var database = client.getDatabase("upgrader");
            Set<String> applied = new java.util.HashSet<>();
            for (Document document : database.getCollection("workflows").find(Filters.in("_id", workflowIds))
                    .projection(Projections.include("upgradeHistory.commandId"))) {
                document.getList("upgradeHistory", Document.class, List.of())
                        .forEach(entry -> applied.add(entry.getString("commandId")));
            }
            Set<String> accepted = new java.util.HashSet<>();
            for (Document document : database.getCollection("upgrade_commands")
                    .find(Filters.and(Filters.in("workflowId", workflowIds), Filters.eq("status", "ACCEPTED")))
                    .projection(Projections.include("_id"))) {
                accepted.add(document.getString("_id"));
            }
            // The relay's first pass after the restart walks every ACCEPTED record older than its age, oldest first.
            phase("the store holds " + database.getCollection("upgrade_commands")
                    .countDocuments(Filters.eq("status", "ACCEPTED")) + " ACCEPTED records of any execution, "
                    + accepted.size() + " of this burst's, " + accepted.stream().filter(id -> !applied.contains(id))
                    .count() + " of them not applied");
            accepted.removeAll(applied);
            return accepted;
        }
    }

    @Test
    @Order(2)
    void kafkaDownForTenSecondsDuringABurstAnswers503RetryableAndLosesNothing() throws Exception {
        String name = registerTwoVersions();
        List<String> workflowIds = startExecutions(name, 60);
        Burst burst = new Burst(name, workflowIds);
        phase("executions started");
        burst.start();

        await().atMost(PATIENCE).until(() -> burst.answered.size() >= workflowIds.size() / 3);
        RestartableInfrastructure.stopKafka();
        long stopped = System.nanoTime();
        int answeredAtStop = burst.answered.size();
        try {
            // The outage lasts 10 s, and long enough that requests are seen answering 503.
            await().atMost(PATIENCE).pollInterval(Duration.ofMillis(200)).until(() ->
                    System.nanoTime() - stopped >= TimeUnit.SECONDS.toNanos(10) && burst.unavailable.get() > 0);
        } finally {
            phase("restarting kafka");
            RestartableInfrastructure.startKafka();
            phase("kafka restarted");
        }
        int answeredDuringOutage = burst.answered.size() - answeredAtStop;

        burst.awaitDone(Duration.ofSeconds(90));
        phase("all answered");
        Outcome outcome = verify(workflowIds, burst, PATIENCE);
        phase("verified");
        System.out.printf("Kafka down 10 s mid-burst: sent %d (requests %d, 503 retryable %d, other failures %d, "
                        + "200 while down %d), applied %d / doubled %d / lost %d / left ACCEPTED %d%n",
                workflowIds.size(), burst.requests.get(), burst.unavailable.get(), burst.otherFailures.get(),
                answeredDuringOutage, outcome.applied, outcome.doubled, outcome.lost, outcome.leftAccepted);
        outcome.assertExactlyOnce(workflowIds.size());
        assertThat(burst.unavailable.get()).as("503 retryable answers while the broker was down").isPositive();
        assertThat(burst.notRetryable).as("5xx answers without retryable: true").isEmpty();
        assertThat(burst.otherFailures.get()).as("I/O errors while the service was up").isZero();
    }

    @Test
    @Order(3)
    void sigkillDuringTheBulkExpansionOf20000ThenARestartCompletesTheBatchUpgradingEachOnce() throws Exception {
        int count = BULK_COUNT;
        if (bulkSeeding == null) {
            bulkSeeding = startBulkSeeding();
        }
        Seeded seeded = bulkSeeding.get(120, TimeUnit.SECONDS);
        String name = seeded.name();
        List<String> workflowIds = seeded.workflowIds();
        try (MongoClient client = MongoClients.create(RestartableInfrastructure.mongoUri())) {
            MongoCollection<Document> workflows = client.getDatabase("upgrader").getCollection("workflows");
            phase("the " + count + " executions are seeded");

            HttpResponse<String> accepted = post("/api/workflow/upgrade/bulk", JSON.writeValueAsString(
                    Map.of("name", name, "fromVersions", List.of(1), "toVersion", 2)));
            assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
            String batchId = JSON.readTree(accepted.body()).path("batchId").asString();
            phase("bulk upgrade " + batchId + " accepted");

            // Killed once some, not all, of the commands are applied and the expansion is still under way.
            await().atMost(PATIENCE).pollInterval(Duration.ofMillis(100)).until(() -> {
                long applied = get("/api/workflow/upgrade/bulk/" + batchId).path("applied").asLong();
                return applied > 0;
            });
            ServiceProcess killed = service;
            killed.killHard();
            int exit = killed.exitValue();
            long appliedAtKill = workflows.countDocuments(Filters.eq("upgradeHistory.commandId",
                    new Document("$regex", "^" + java.util.regex.Pattern.quote(BatchCommandIds.prefix(batchId)))));
            Document batchAtKill = client.getDatabase("upgrader").getCollection("upgrade_batches")
                    .find(Filters.eq("_id", batchId)).first();
            assertThat(exit).as("exit value of the killed service").isEqualTo(137);
            phase("killed with " + appliedAtKill + " applied, batch at kill: "
                    + (batchAtKill == null ? null : batchAtKill.get("state") + " selected " + batchAtKill.get("selected")));
            assertThat(appliedAtKill).as("executions upgraded when the service was killed").isLessThan(count);
            service = ServiceProcess.start("--upgrader.bulk.resume-after=3s", "--upgrader.bulk.resume-interval=1s",
                    "--upgrader.kafka.consumer-concurrency=6");
            phase("restarted");

            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).until(() -> {
                JsonNode progress = get("/api/workflow/upgrade/bulk/" + batchId);
                return "EXPANDED".equals(progress.path("state").asString())
                        && progress.path("applied").asLong() >= count;
            });
            JsonNode progress = get("/api/workflow/upgrade/bulk/" + batchId);
            phase("batch expanded and applied");

            // Every execution, in one query: its version and the commandIds of its upgrade history.
            int upgraded = 0;
            int doubled = 0;
            List<String> problems = new ArrayList<>();
            Set<String> seen = new java.util.HashSet<>();
            for (Document document : workflows.find(Filters.in("_id", workflowIds))
                    .projection(Projections.include("workflowVersion", "upgradeHistory.commandId"))) {
                String workflowId = document.getString("_id");
                seen.add(workflowId);
                List<Document> history = document.getList("upgradeHistory", Document.class, List.of());
                int version = document.getInteger("workflowVersion");
                if (history.size() > 1) {
                    doubled++;
                }
                if (version == 2 && !history.isEmpty()) {
                    upgraded++;
                }
                List<String> commandIds = history.stream().map(entry -> entry.getString("commandId")).toList();
                if (version != 2 || !commandIds.equals(List.of(BatchCommandIds.commandId(batchId, workflowId)))) {
                    problems.add(workflowId + ": version " + version + ", history " + commandIds);
                }
            }
            int lost = count - upgraded;
            phase("verified");
            System.out.printf("SIGKILL during the bulk expansion of %d (exit %d with %d applied): selected %d / "
                            + "applied %d / doubled %d / lost %d%n", count, exit, appliedAtKill,
                    progress.path("selected").asLong(), progress.path("applied").asLong(), doubled, lost);
            assertThat(seen).as("executions read back").hasSize(count);
            assertThat(problems).as("executions not upgraded exactly once by the batch's command").isEmpty();
            assertThat(progress.path("selected").asLong()).isEqualTo(count);
            assertThat(progress.path("applied").asLong()).isEqualTo(count);
            assertThat(doubled).isZero();
            assertThat(lost).isZero();
        }
    }

    /**
     * Executions of version 1 straight into the store: one built by the runtime's {@link Decider}, copied with new
     * workflowIds and taskIds, each converted by the service's own {@link DocumentMapper}, inserted in chunks.
     */
    private static List<String> seed(MongoCollection<Document> workflows, WorkflowDef version1, int count) {
        DocumentMapper mapper = new DocumentMapper(JsonMapper.builder().build());
        long now = System.currentTimeMillis();
        Workflow template = Decider.start(UUID.randomUUID().toString(), version1, Map.of("seeded", true), null, now,
                () -> UUID.randomUUID().toString());
        List<String> workflowIds = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            workflowIds.add(UUID.randomUUID().toString());
        }
        int chunk = 1000;
        ExecutorService seeders = Executors.newFixedThreadPool(2);
        try {
            List<CompletableFuture<Void>> inserts = new ArrayList<>();
            for (int from = 0; from < count; from += chunk) {
                List<String> ids = workflowIds.subList(from, Math.min(count, from + chunk));
                inserts.add(CompletableFuture.runAsync(() -> {
                    List<Document> documents = new ArrayList<>(ids.size());
                    for (String workflowId : ids) {
                        documents.add(mapper.toDocument(copy(template, workflowId), workflowId));
                    }
                    workflows.insertMany(documents, new InsertManyOptions().ordered(false));
                }, seeders));
            }
            inserts.forEach(CompletableFuture::join);
        } finally {
            seeders.shutdown();
        }
        return Collections.unmodifiableList(workflowIds);
    }

    /** The template with another workflowId and new taskIds. */
    private static Workflow copy(Workflow template, String workflowId) {
        List<Task> tasks = new ArrayList<>(template.tasks().size());
        for (Task t : template.tasks()) {
            tasks.add(new Task(UUID.randomUUID().toString(), t.taskType(), t.taskDefName(), t.referenceTaskName(),
                    t.status(), t.seq(), t.inputData(), t.outputData(), t.scheduledTime(), t.startTime(),
                    t.endTime(), t.updateTime(), workflowId, t.reasonForIncompletion(), t.workerId(),
                    t.pollCount(), t.callbackAfterSeconds(), t.iteration(), t.subWorkflowId(), t.waitTimeout()));
        }
        return new Workflow(workflowId, template.workflowName(), template.workflowVersion(), template.status(),
                template.input(), template.output(), template.variables(), template.correlationId(),
                template.createTime(), template.updateTime(), template.endTime(), template.workflowDefinition(), tasks,
                template.upgradeHistory(), template.revision(), template.reasonForIncompletion(),
                template.parentWorkflowId(), template.parentWorkflowTaskId());
    }

    // --- the burst ---------------------------------------------------------------------------------------------

    /** One upgrade per execution, each with its own key, from a few client threads, retried until a 200. */
    private static final class Burst {
        final String name;
        final List<String> workflowIds;
        final Map<String, String> answered = new ConcurrentHashMap<>();
        final Map<String, String> keys = new ConcurrentHashMap<>();
        final Set<String> unexpected = ConcurrentHashMap.newKeySet();
        final Set<String> notRetryable = ConcurrentHashMap.newKeySet();
        final AtomicInteger requests = new AtomicInteger();
        final AtomicInteger retries = new AtomicInteger();
        final AtomicInteger unavailable = new AtomicInteger();
        final AtomicInteger otherFailures = new AtomicInteger();
        /** System.nanoTime() of the last 200. */
        final java.util.concurrent.atomic.AtomicLong lastAnswerAt = new java.util.concurrent.atomic.AtomicLong();
        private final ConcurrentLinkedQueue<String> pending;
        private final ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        private final List<CompletableFuture<Void>> running = new ArrayList<>();

        Burst(String name, List<String> workflowIds) {
            this.name = name;
            this.workflowIds = workflowIds;
            this.pending = new ConcurrentLinkedQueue<>(workflowIds);
            workflowIds.forEach(id -> keys.put(id, "crash-" + UUID.randomUUID()));
        }

        void start() {
            for (int i = 0; i < CLIENTS; i++) {
                running.add(CompletableFuture.runAsync(this::client, clients));
            }
        }

        private void client() {
            String body = "{\"name\":\"" + name + "\",\"version\":2}";
            Set<String> tried = new java.util.HashSet<>();
            String workflowId;
            while ((workflowId = pending.poll()) != null) {
                if (!tried.add(workflowId)) {
                    retries.incrementAndGet();
                }
                requests.incrementAndGet();
                boolean done = false;
                try {
                    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
                                    URI.create(service.baseUrl + "/api/workflow/" + workflowId + "/upgrade"))
                            .timeout(Duration.ofSeconds(20)).header("Content-Type", "application/json")
                            .header("X-Authorization", TOKEN).header("Idempotency-Key", keys.get(workflowId))
                            .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                    if (response.statusCode() == 200) {
                        String commandId = JSON.readTree(response.body()).path("commandId").asString();
                        lastAnswerAt.accumulateAndGet(System.nanoTime(), Math::max);
                        String earlier = answered.putIfAbsent(workflowId, commandId);
                        if (earlier != null && !earlier.equals(commandId)) {
                            unexpected.add(workflowId + ": key answered " + earlier + " then " + commandId);
                        }
                        done = true;
                    } else if (response.statusCode() >= 500) {
                        if (response.statusCode() == 503) {
                            unavailable.incrementAndGet();
                        }
                        if (!retryable(response.body())) {
                            notRetryable.add(workflowId + ": " + response.statusCode() + " " + response.body());
                        }
                    } else {
                        unexpected.add(workflowId + ": " + response.statusCode() + " " + response.body());
                        done = true;
                    }
                } catch (IOException e) {
                    if (service.alive()) {
                        otherFailures.incrementAndGet();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                if (!done) {
                    pending.add(workflowId);
                    // A client's back-off before it retries, not a wait for a result.
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
                }
            }
        }

        private static boolean retryable(String body) {
            try {
                return JSON.readTree(body).path("retryable").asBoolean();
            } catch (RuntimeException e) {
                return false;
            }
        }

        void awaitDone(Duration atMost) {
            try {
                await().atMost(atMost).until(() -> running.stream().allMatch(CompletableFuture::isDone));
            } finally {
                clients.shutdownNow();
            }
            running.forEach(CompletableFuture::join);
            assertThat(unexpected).as("answers other than 200 or a retryable 5xx").isEmpty();
            assertThat(answered).as("every request answered 200 in the end").hasSize(workflowIds.size());
        }
    }

    // --- verification ------------------------------------------------------------------------------------------

    /** @param allAppliedAt System.nanoTime() when every answered command was seen APPLIED */
    private record Outcome(int applied, int doubled, int lost, int leftAccepted, List<String> problems,
                           long allAppliedAt) {
        void assertExactlyOnce(int sent) {
            assertThat(problems).as("executions not upgraded exactly once with their key's command").isEmpty();
            assertThat(applied).isEqualTo(sent);
            assertThat(doubled).isZero();
            assertThat(lost).isZero();
            assertThat(leftAccepted).isZero();
        }
    }

    private static Outcome verify(List<String> workflowIds, Burst burst, Duration patience) {
        // The consumer catches up, and the relay publishes what the crash left recorded but unpublished. Each poll
        // reads only what the previous ones did not find done yet (neither a version 2 nor APPLIED goes back).
        Set<String> notUpgraded = ConcurrentHashMap.newKeySet();
        notUpgraded.addAll(workflowIds);
        await().atMost(patience).pollInterval(Duration.ofMillis(500)).until(() -> {
            notUpgraded.removeIf(id -> version(id) == 2);
            return notUpgraded.isEmpty();
        });
        phase("all on version 2");
        // Past the relay age plus a margin, nothing a client was answered for is still ACCEPTED.
        Set<String> notApplied = ConcurrentHashMap.newKeySet();
        notApplied.addAll(burst.answered.values());
        await().atMost(RELAY_AGE.plus(Duration.ofSeconds(20))).pollInterval(Duration.ofMillis(500)).until(() -> {
            notApplied.removeIf(commandId -> "APPLIED".equals(status(commandId)));
            return notApplied.isEmpty();
        });
        long allAppliedAt = System.nanoTime();
        int applied = 0;
        int doubled = 0;
        int lost = 0;
        int leftAccepted = 0;
        List<String> problems = new ArrayList<>();
        Map<String, Object[]> read = readAll(workflowIds, burst);
        for (String workflowId : workflowIds) {
            JsonNode history = (JsonNode) read.get(workflowId)[0];
            Set<String> commandIds = new java.util.HashSet<>();
            history.forEach(entry -> commandIds.add(entry.path("commandId").asString()));
            int version = (Integer) read.get(workflowId)[1];
            String answered = burst.answered.get(workflowId);
            if (history.size() > 1 || commandIds.size() > 1) {
                doubled++;
            }
            if (history.isEmpty() || version != 2) {
                lost++;
            } else {
                applied++;
            }
            String status = (String) read.get(workflowId)[2];
            if ("ACCEPTED".equals(status)) {
                leftAccepted++;
            }
            if (history.size() != 1 || version != 2 || !commandIds.equals(Set.of(String.valueOf(answered)))
                    || !"APPLIED".equals(status)) {
                problems.add(workflowId + ": version " + version + ", history " + history + ", answered " + answered
                        + " (" + status + ")");
            }
        }
        return new Outcome(applied, doubled, lost, leftAccepted, problems, allAppliedAt);
    }

    /** Per execution: its upgrade history, its version, the status of the command its key was answered with. */
    private static Map<String, Object[]> readAll(List<String> workflowIds, Burst burst) {
        ExecutorService readers = Executors.newFixedThreadPool(CLIENTS);
        try {
            Map<String, CompletableFuture<Object[]>> reads = new java.util.LinkedHashMap<>();
            for (String workflowId : workflowIds) {
                reads.put(workflowId, CompletableFuture.supplyAsync(() -> {
                    String answered = burst.answered.get(workflowId);
                    return new Object[]{get("/api/workflow/" + workflowId + "/upgrades"), version(workflowId),
                            answered == null ? null : status(answered)};
                }, readers));
            }
            Map<String, Object[]> result = new java.util.HashMap<>();
            reads.forEach((id, future) -> result.put(id, future.join()));
            return result;
        } finally {
            readers.shutdown();
        }
    }

    // --- HTTP helpers ------------------------------------------------------------------------------------------

    private static String registerTwoVersions() {
        String name = "crash_" + UUID.randomUUID().toString().replace("-", "");
        List<List<String>> versions = List.of(List.of("w"), List.of("pre", "w"));
        for (int i = 0; i < versions.size(); i++) {
            List<Map<String, Object>> tasks = new ArrayList<>();
            for (String ref : versions.get(i)) {
                tasks.add(Map.of("name", ref + "_task", "taskReferenceName", ref, "type", "SIMPLE"));
            }
            HttpResponse<String> response = post("/api/metadata/workflow",
                    JSON.writeValueAsString(Map.of("name", name, "version", i + 1, "tasks", tasks)));
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        }
        return name;
    }

    private static List<String> startExecutions(String name, int count) throws Exception {
        ExecutorService starters = Executors.newFixedThreadPool(CLIENTS);
        try {
            List<CompletableFuture<String>> started = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                started.add(CompletableFuture.supplyAsync(() -> {
                    HttpResponse<String> response = post("/api/workflow/" + name + "?version=1", "{}");
                    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
                    return response.body();
                }, starters));
            }
            return Collections.unmodifiableList(started.stream().map(CompletableFuture::join).toList());
        } finally {
            starters.shutdown();
        }
    }

    private static int version(String workflowId) {
        return get("/api/workflow/" + workflowId).path("workflowVersion").asInt();
    }

    private static String status(String commandId) {
        return get("/api/workflow/upgrades/" + commandId).path("status").asString();
    }

    private static JsonNode get(String path) {
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(service.baseUrl + path))
                    .timeout(Duration.ofSeconds(10)).header("X-Authorization", TOKEN).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static HttpResponse<String> post(String path, String body) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(service.baseUrl + path)).timeout(Duration.ofSeconds(20))
                    .header("Content-Type", "application/json").header("X-Authorization", TOKEN)
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    // --- the service process -----------------------------------------------------------------------------------

    /** The service in a JVM of its own, on the broker and store of {@link RestartableInfrastructure}. */
    private static final class ServiceProcess implements AutoCloseable {
        final String baseUrl;
        private final Process process;
        private final Path log;

        private ServiceProcess(int port, Process process, Path log) {
            this.baseUrl = "http://127.0.0.1:" + port;
            this.process = process;
            this.log = log;
        }

        static ServiceProcess start(String... extraArguments) throws IOException {
            int port = freePort();
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            List<String> command = new ArrayList<>(List.of(java, "-Xmx512m", "-XX:TieredStopAtLevel=1"));
            Path jar = packagedJar();
            if (jar != null) {
                command.addAll(List.of("-jar", jar.toString()));
            } else {
                command.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.upgrader.UpgraderApplication"));
            }
            command.addAll(List.of("--server.port=" + port, "--upgrader.security.tokens=" + TOKEN,
                    "--upgrader.kafka.partitions=6",
                    "--upgrader.outbox.relay-age=" + RELAY_AGE.toSeconds() + "s",
                    "--upgrader.outbox.relay-interval=1s",
                    "--upgrader.kafka.send-timeout=3s",
                    "--upgrader.kafka.retry-initial-interval=100ms",
                    "--upgrader.kafka.retry-max-interval=500ms",
                    "--spring.kafka.producer.properties.max.block.ms=3000",
                    "--spring.kafka.producer.properties.delivery.timeout.ms=3000",
                    "--spring.kafka.producer.properties.request.timeout.ms=1500",
                    // A killed consumer's partitions move to the new process once its session expires: 6 s
                    // (the broker's minimum) instead of the default 45 s.
                    "--spring.kafka.consumer.properties.session.timeout.ms=6000",
                    "--spring.kafka.consumer.properties.heartbeat.interval.ms=1000",
                    "--logging.level.root=WARN", "--logging.level.io.upgrader.UpgraderApplication=INFO",
                    // One line per command the relay publishes again, with its time.
                    "--logging.level.io.upgrader.upgrade.OutboxRelay=INFO"));
            command.addAll(List.of(extraArguments));
            Path log = Files.createTempFile("process-crash-it-", ".log");
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
            builder.environment().put("KAFKA_BOOTSTRAP_SERVERS", RestartableInfrastructure.bootstrapServers());
            builder.environment().put("MONGODB_URI", RestartableInfrastructure.mongoUri());
            ServiceProcess service = new ServiceProcess(port, builder.start(), log);
            try {
                await().atMost(PATIENCE).pollInterval(Duration.ofMillis(250)).until(service::ready);
            } catch (RuntimeException | Error e) {
                String tail = service.tail();
                service.close();
                throw new AssertionError("the service did not get ready; its log ends:\n" + tail, e);
            }
            System.out.println("ProcessCrashIT service: " + service.startedLine());
            return service;
        }

        /** When the relay published commands again: seconds after {@code since}, per commandId, from the log. */
        Map<String, Double> relayed(java.time.Instant since) {
            Map<String, Double> relayed = new java.util.LinkedHashMap<>();
            try {
                for (String line : Files.readAllLines(log, StandardCharsets.ISO_8859_1)) {
                    int at = line.indexOf("Outbox relay published again upgrade command ");
                    if (line.contains("Outbox relay pass stopped")) {
                        java.time.Instant time = java.time.Instant.parse(line.substring(0, line.indexOf(' ')));
                        relayed.put("(pass stopped: " + line.substring(line.indexOf("Outbox relay pass stopped"))
                                + ")", Duration.between(since, time).toMillis() / 1e3);
                    }
                    if (at >= 0) {
                        String commandId = line.substring(at).split(" ")[6];
                        java.time.Instant time = java.time.Instant.parse(line.substring(0, line.indexOf(' ')));
                        relayed.put(commandId, Duration.between(since, time).toMillis() / 1e3);
                    }
                }
            } catch (IOException | RuntimeException e) {
                relayed.put("(log unreadable: " + e + ")", -1.0);
            }
            return relayed;
        }

        String startedLine() {
            try {
                return Files.readAllLines(log, StandardCharsets.ISO_8859_1).stream()
                        .filter(line -> line.contains("Started ")).findFirst().orElse("(no start line)");
            } catch (IOException e) {
                return "(could not read " + log + ")";
            }
        }

        /**
         * The service module's runnable jar (the production artifact, which needs KAFKA_BOOTSTRAP_SERVERS and
         * MONGODB_URI), as failsafe passes it; null, and the test classpath instead, when it was not built.
         */
        private static Path packagedJar() {
            String configured = System.getProperty("upgrader.service.jar");
            if (configured == null || configured.isBlank()) {
                return null;
            }
            Path jar = Path.of(configured);
            return Files.isRegularFile(jar) ? jar : null;
        }

        private boolean ready() {
            if (!process.isAlive()) {
                throw new IllegalStateException("the service exited with " + process.exitValue());
            }
            try {
                return HTTP.send(HttpRequest.newBuilder(URI.create(baseUrl + "/actuator/health/readiness"))
                        .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.discarding())
                        .statusCode() == 200;
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }

        boolean alive() {
            return process.isAlive();
        }

        /** SIGKILL on Linux: Process.destroyForcibly() sends signal 9. */
        void killHard() throws InterruptedException {
            process.destroyForcibly();
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("the killed service exited").isTrue();
        }

        int exitValue() {
            return process.exitValue();
        }

        String tail() {
            try {
                List<String> lines = Files.readAllLines(log, StandardCharsets.ISO_8859_1);
                return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
            } catch (IOException e) {
                return "(could not read " + log + ")";
            }
        }

        @Override
        public void close() {
            if (process.isAlive()) {
                process.destroy();
                try {
                    if (!process.waitFor(30, TimeUnit.SECONDS)) {
                        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    process.destroyForcibly();
                }
            }
            try {
                Files.deleteIfExists(log);
            } catch (IOException e) {
                // A temporary file; never mind.
            }
        }

        private static int freePort() {
            try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
                return socket.getLocalPort();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }
}

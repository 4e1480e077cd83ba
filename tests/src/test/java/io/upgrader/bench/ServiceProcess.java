package io.upgrader.bench;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The service under test in a JVM of its own (-Xmx512m), wired to the benchmark's broker and store, with a
 * background sampler of its heap (actuator) and resident memory (/proc) every second.
 */
final class ServiceProcess implements AutoCloseable {

    static final String TOKEN = "bench-token";

    final int port;
    final String baseUrl;
    private final Process process;
    private final Path log;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final JsonMapper json = JsonMapper.builder().build();
    private final Thread hook;
    private Thread sampler;
    private volatile boolean sampling;

    // Sampled figures (bytes); -1 while unknown.
    private volatile long lastHeapUsed = -1;
    private volatile long maxHeapUsed = -1;
    private volatile long maxRss = -1;
    private volatile int heapSamples;
    private volatile int failedSamples;
    private volatile String phase = "start";
    private final Map<String, Long> maxHeapByPhase = new LinkedHashMap<>();

    private ServiceProcess(int port, Process process, Path log) {
        this.port = port;
        this.baseUrl = "http://" + Infrastructure.HOST + ":" + port;
        this.process = process;
        this.log = log;
        this.hook = new Thread(this::kill, "bench-service-stop");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    static ServiceProcess start(Infrastructure infrastructure, Path log, Duration readyTimeout) throws IOException {
        int port = Infrastructure.freePort();
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new java.util.ArrayList<>(List.of(javaBin, "-Xmx512m"));
        // Extra JVM flags for the service only, e.g. -XX:StartFlightRecording=filename=service.jfr to profile it.
        String extra = System.getenv().getOrDefault("BENCH_SERVICE_JVM_ARGS", "").trim();
        if (!extra.isEmpty()) {
            command.addAll(List.of(extra.split("\\s+")));
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.upgrader.UpgraderApplication", "--server.port=" + port, "--upgrader.security.tokens=" + TOKEN,
                "--upgrader.baseline.sync-endpoint.enabled=true", "--upgrader.kafka.partitions=6",
                "--logging.level.root=WARN"));
        Files.createDirectories(log.getParent());
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
        builder.environment().put("KAFKA_BOOTSTRAP_SERVERS", infrastructure.kafkaBootstrap);
        builder.environment().put("MONGODB_URI", infrastructure.mongoUri);
        ServiceProcess service = new ServiceProcess(port, builder.start(), log);
        try {
            service.awaitReady(readyTimeout);
        } catch (RuntimeException e) {
            service.close();
            throw e;
        }
        return service;
    }

    long pid() {
        return process.pid();
    }

    boolean alive() {
        return process.isAlive();
    }

    private void awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer yet";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the service exited with code " + process.exitValue()
                        + " before it was ready; last lines of " + log + ":\n" + tail(40));
            }
            try {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                                URI.create(baseUrl + "/actuator/health/readiness")).timeout(Duration.ofSeconds(5)).GET()
                        .build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    return;
                }
                last = response.statusCode() + " " + response.body();
            } catch (IOException e) {
                last = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the service", e);
            }
            pace(250);
        }
        throw new IllegalStateException("the service was not ready within " + timeout.toSeconds() + " s (" + last
                + "); last lines of " + log + ":\n" + tail(40));
    }

    HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").header("X-Authorization", TOKEN)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(10))
                .header("X-Authorization", TOKEN).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /** One actuator metric value, or -1 when it cannot be read. */
    double metric(String nameAndTags) {
        return metric(nameAndTags, "COUNT");
    }

    /** One statistic of a metric (COUNT, TOTAL_TIME in seconds, MAX...); a gauge's VALUE always; -1 if absent. */
    double metric(String nameAndTags, String statistic) {
        try {
            HttpResponse<String> response = get("/actuator/metrics/" + nameAndTags);
            if (response.statusCode() != 200) {
                return -1;
            }
            JsonNode measurements = json.readTree(response.body()).path("measurements");
            for (JsonNode m : measurements) {
                if ("VALUE".equals(m.path("statistic").asString()) || statistic.equals(m.path("statistic").asString())) {
                    return m.path("value").asDouble();
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

    /** Every statistic of a metric (COUNT, TOTAL, MAX...) by name; empty when it cannot be read. */
    Map<String, Double> statistics(String nameAndTags) {
        Map<String, Double> values = new LinkedHashMap<>();
        try {
            HttpResponse<String> response = get("/actuator/metrics/" + nameAndTags);
            if (response.statusCode() == 200) {
                for (JsonNode m : json.readTree(response.body()).path("measurements")) {
                    values.put(m.path("statistic").asString(), m.path("value").asDouble());
                }
            }
        } catch (IOException | RuntimeException e) {
            values.clear();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            values.clear();
        }
        return values;
    }

    /** The values a metric's tag takes (the actuator's availableTags); empty when it cannot be read. */
    List<String> tagValues(String name, String tag) {
        List<String> values = new ArrayList<>();
        try {
            HttpResponse<String> response = get("/actuator/metrics/" + name);
            if (response.statusCode() == 200) {
                for (JsonNode t : json.readTree(response.body()).path("availableTags")) {
                    if (tag.equals(t.path("tag").asString())) {
                        t.path("values").forEach(v -> values.add(v.asString()));
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            values.clear();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            values.clear();
        }
        return values;
    }

    long heapUsedNow() {
        double value = metric("jvm.memory.used?tag=area:heap");
        return value < 0 ? -1 : (long) value;
    }

    void startSampler() {
        sampling = true;
        sampler = new Thread(() -> {
            while (sampling && process.isAlive()) {
                long heap = heapUsedNow();
                if (heap >= 0) {
                    lastHeapUsed = heap;
                    maxHeapUsed = Math.max(maxHeapUsed, heap);
                    heapSamples++;
                    synchronized (maxHeapByPhase) {
                        maxHeapByPhase.merge(phase, heap, Math::max);
                    }
                } else {
                    failedSamples++;
                }
                long rss = procStatus("VmRSS");
                if (rss >= 0) {
                    maxRss = Math.max(maxRss, rss);
                }
                pace(1000);
            }
        }, "bench-memory-sampler");
        sampler.setDaemon(true);
        sampler.start();
    }

    void phase(String name) {
        phase = name;
    }

    void stopSampler() {
        sampling = false;
        if (sampler != null) {
            sampler.interrupt();
            try {
                sampler.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    long lastHeapUsed() {
        return lastHeapUsed;
    }

    long maxHeapUsed() {
        return maxHeapUsed;
    }

    long maxRssSampled() {
        return maxRss;
    }

    int heapSamples() {
        return heapSamples;
    }

    int failedSamples() {
        return failedSamples;
    }

    Map<String, Long> maxHeapByPhase() {
        synchronized (maxHeapByPhase) {
            return new LinkedHashMap<>(maxHeapByPhase);
        }
    }

    /** A "VmRSS"-style line of /proc/PID/status in bytes, or -1. */
    long procStatus(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(process.pid()), "status"))) {
                if (line.startsWith(field + ":")) {
                    String[] parts = line.substring(field.length() + 1).trim().split("\\s+");
                    return Long.parseLong(parts[0]) * 1024L;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** CPU time the service process has used so far (user + system), in nanoseconds, or -1. */
    long cpuNanos() {
        return Machine.processCpuNanos(process.pid());
    }

    /** Lines of the service log that mention an OutOfMemoryError. */
    List<String> outOfMemoryLines() {
        List<String> found = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(log, StandardCharsets.ISO_8859_1)) {
                if (line.contains("OutOfMemoryError")) {
                    found.add(line.length() > 300 ? line.substring(0, 300) : line);
                }
            }
        } catch (IOException e) {
            found.add("(could not read " + log + ": " + e + ")");
        }
        return found;
    }

    String tail(int lines) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.ISO_8859_1);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(could not read " + log + ": " + e + ")";
        }
    }

    /** SIGTERM (a graceful stop), then SIGKILL if it is still running after 45 s. */
    @Override
    public void close() {
        stopSampler();
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(45, TimeUnit.SECONDS)) {
                    System.err.println("bench: the service did not stop within 45 s; killing it");
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // The JVM is already shutting down; the hook runs anyway.
        }
    }

    private void kill() {
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
            }
        }
    }

    /**
     * Waits for a span of time: the benchmark paces load and samples over fixed windows. This is timing, not
     * synchronisation: whatever the benchmark waits for, it checks for explicitly afterwards.
     */
    static void pace(long millis) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(millis));
    }
}

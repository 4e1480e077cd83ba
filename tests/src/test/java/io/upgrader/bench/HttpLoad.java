package io.upgrader.bench;

import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * HTTP load: C platform threads, each with its own keep-alive HTTP/1.1 client, POST upgrades (each to an
 * execution no request touched before) until the time is up or the executions run out. Closed loop: each
 * client sends its next request when the previous one is answered. Paced (open loop): request i is due at
 * start + i / rate, whichever client is free takes it, and its latency counts from when it was due, so time
 * spent queued behind a slow answer is measured rather than hidden (no coordinated omission). Latency is
 * recorded per request in microseconds (HdrHistogram).
 */
final class HttpLoad {

    static final String BODY_TEMPLATE = "{\"name\":\"%s\",\"version\":%d,"
            + "\"taskOutput\":{\"pre\":{\"preparedBy\":\"benchmark\",\"ok\":true}},"
            + "\"workflowInput\":{\"upgradeReason\":\"benchmark\"}}";

    /** What one run of the load produced. */
    static final class Result {
        final String label;
        long ok;
        long errors;
        double seconds;
        boolean ranOutOfExecutions;
        boolean timedOut;
        final Histogram latency = Stats.histogram();
        final Map<String, Long> statuses = new TreeMap<>();
        final List<String> sampleErrors = new ArrayList<>();

        Result(String label) {
            this.label = label;
        }

        double throughput() {
            return seconds <= 0 ? 0 : ok / seconds;
        }
    }

    private HttpLoad() {
    }

    /**
     * @param pathFormat e.g. "/api/workflow/%s/upgrade"; %s is the workflowId
     * @param maxRequests stop after this many requests (0 = no limit besides the executions and the time)
     */
    static Result run(String label, String baseUrl, String pathFormat, Function<String, String> body, String[] workflowIds, int clients,
                      Duration duration, long maxRequests) {
        return run(label, baseUrl, pathFormat, body, workflowIds, clients, duration, maxRequests, 0);
    }

    /** Open loop at {@code ratePerSecond}, with up to {@code clients} requests under way at once. */
    static Result paced(String label, String baseUrl, String pathFormat, Function<String, String> body, String[] workflowIds,
                        int clients, double ratePerSecond, Duration duration) {
        return run(label, baseUrl, pathFormat, body, workflowIds, clients, duration, 0, ratePerSecond);
    }

    private static Result run(String label, String baseUrl, String pathFormat, Function<String, String> body, String[] workflowIds,
                              int clients, Duration duration, long maxRequests, double ratePerSecond) {
        Result result = new Result(label);
        AtomicInteger next = new AtomicInteger();
        AtomicLong ok = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        AtomicBoolean ranOut = new AtomicBoolean();
        Map<String, Long> statuses = new ConcurrentHashMap<>();
        List<String> sampleErrors = java.util.Collections.synchronizedList(new ArrayList<>());
        Histogram[] histograms = new Histogram[clients];
        CountDownLatch ready = new CountDownLatch(clients);
        CountDownLatch go = new CountDownLatch(1);
        long[] startEnd = new long[2];
        long limit = maxRequests <= 0 ? Long.MAX_VALUE : maxRequests;
        List<Thread> threads = new ArrayList<>();
        long[] deadline = new long[1];
        for (int c = 0; c < clients; c++) {
            Histogram histogram = Stats.histogram();
            histograms[c] = histogram;
            Thread thread = new Thread(() -> {
                HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(Duration.ofSeconds(5)).build();
                ready.countDown();
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                while (System.nanoTime() < deadline[0] && !Thread.currentThread().isInterrupted()) {
                    int index = next.getAndIncrement();
                    if (index >= workflowIds.length) {
                        ranOut.set(true);
                        break;
                    }
                    if (index >= limit) {
                        break;
                    }
                    HttpRequest request = HttpRequest.newBuilder(
                                    URI.create(baseUrl + String.format(pathFormat, workflowIds[index])))
                            .timeout(Duration.ofSeconds(30))
                            .header("Content-Type", "application/json")
                            .header("X-Authorization", ServiceProcess.TOKEN)
                            .POST(HttpRequest.BodyPublishers.ofString(body.apply(workflowIds[index]))).build();
                    long started = System.nanoTime();
                    if (ratePerSecond > 0) {
                        long due = startEnd[0] + (long) (index * 1e9 / ratePerSecond);
                        if (due > deadline[0]) {
                            break;
                        }
                        while (System.nanoTime() < due) {
                            java.util.concurrent.locks.LockSupport.parkNanos(due - System.nanoTime());
                        }
                        started = due;
                    }
                    try {
                        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
                        long micros = (System.nanoTime() - started) / 1000;
                        statuses.merge(String.valueOf(response.statusCode()), 1L, Long::sum);
                        if (response.statusCode() == 200) {
                            Stats.record(histogram, micros);
                            ok.incrementAndGet();
                        } else {
                            errors.incrementAndGet();
                            if (sampleErrors.size() < 5) {
                                sampleErrors.add(response.statusCode() + " " + abbreviate(response.body()));
                            }
                        }
                    } catch (IOException e) {
                        errors.incrementAndGet();
                        statuses.merge(e.getClass().getSimpleName(), 1L, Long::sum);
                        if (sampleErrors.size() < 5) {
                            sampleErrors.add(e.toString());
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        break;
                    }
                }
            }, "bench-http-" + label + "-" + c);
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
        try {
            ready.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        startEnd[0] = System.nanoTime();
        deadline[0] = startEnd[0] + duration.toNanos();
        go.countDown();
        long joinDeadline = deadline[0] + Duration.ofSeconds(60).toNanos();
        for (Thread thread : threads) {
            long left = joinDeadline - System.nanoTime();
            try {
                if (left > 0) {
                    thread.join(Math.max(1, left / 1_000_000));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (thread.isAlive()) {
                result.timedOut = true;
            }
        }
        startEnd[1] = System.nanoTime();
        if (result.timedOut) {
            threads.forEach(Thread::interrupt);
        }
        result.seconds = (startEnd[1] - startEnd[0]) / 1e9;
        result.ok = ok.get();
        result.errors = errors.get();
        result.ranOutOfExecutions = ranOut.get();
        result.statuses.putAll(statuses);
        result.sampleErrors.addAll(sampleErrors);
        for (Histogram h : histograms) {
            result.latency.add(h);
        }
        return result;
    }

    static String abbreviate(String text) {
        if (text == null) {
            return "";
        }
        String flat = text.replaceAll("\\s+", " ");
        return flat.length() > 200 ? flat.substring(0, 200) + "..." : flat;
    }
}

package io.upgrader.execution.http;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import org.springframework.http.HttpStatus;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Conductor's HTTP task: one request, its response in Conductor's output shape.
 * <p>
 * Every way the call can go wrong, from a bad definition to a dead server, is an {@link Outcome} with a reason a
 * workflow's author can act on, never an exception: the caller's job is to record the task's result, not to
 * classify exceptions. The JDK client has no per-request connect timeout, so clients are shared per connect timeout
 * (in practice one: Conductor's default); and since its request timeout runs from the start of the connection, the
 * whole exchange is given connectionTimeOut + readTimeOut.
 */
public final class HttpCall {

    /**
     * @param output {@code {"response": {statusCode, reasonPhrase, headers, body}}} whenever a response came, else empty
     * @param reason why the task failed, null when it succeeded
     */
    public record Outcome(boolean succeeded, Map<String, Object> output, String reason) {

        static Outcome failed(String reason) {
            return new Outcome(false, Map.of(), reason);
        }
    }

    private static final JsonMapper JSON = JsonMapper.builder().enable(DeserializationFeature.USE_LONG_FOR_INTS).build();
    private static final Cache<Duration, HttpClient> CLIENTS = Caffeine.newBuilder().maximumSize(16).build();

    private HttpCall() {
    }

    /** @param input the HTTP task's input, with the request under {@code http_request} or at its top level */
    public static Outcome execute(Map<String, Object> input) {
        HttpCallRequest request;
        try {
            request = HttpCallRequest.from(input);
        } catch (IllegalArgumentException e) {
            return Outcome.failed("HTTP task input is invalid: " + e.getMessage());
        }
        return execute(request);
    }

    public static Outcome execute(HttpCallRequest request) {
        String target = request.method() + " " + request.uri();
        Duration deadline = request.connectionTimeout().plus(request.readTimeout());
        HttpRequest httpRequest;
        try {
            httpRequest = toHttpRequest(request, deadline);
        } catch (IllegalArgumentException | JacksonException e) {
            return Outcome.failed("HTTP task request cannot be sent: " + e.getMessage());
        }
        CompletableFuture<HttpResponse<String>> exchange = client(request.connectionTimeout())
                .sendAsync(httpRequest, HttpResponse.BodyHandlers.ofString());
        try {
            // Also bounds a body that trickles in after the headers, which the request timeout does not cover.
            return outcome(target, exchange.get(deadline.toMillis(), TimeUnit.MILLISECONDS));
        } catch (TimeoutException e) {
            exchange.cancel(true);
            return Outcome.failed(noResponse(target, deadline));
        } catch (InterruptedException e) {
            exchange.cancel(true);
            Thread.currentThread().interrupt();
            return Outcome.failed(target + " was interrupted");
        } catch (ExecutionException e) {
            return Outcome.failed(reason(target, e.getCause(), request, deadline));
        }
    }

    private static HttpRequest toHttpRequest(HttpCallRequest request, Duration deadline) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(request.uri()).timeout(deadline);
        request.headers().forEach((name, values) -> values.forEach(value -> builder.header(name, value)));
        if (!names(request, "accept")) {
            builder.header("Accept", request.accept());
        }
        HttpRequest.BodyPublisher body = HttpRequest.BodyPublishers.noBody();
        if (request.body() != null) {
            Object value = request.body();
            String text = value instanceof String string ? string : JSON.writeValueAsString(value);
            body = HttpRequest.BodyPublishers.ofString(text, StandardCharsets.UTF_8);
            if (!names(request, "content-type")) {
                builder.header("Content-Type", request.contentType());
            }
        }
        return builder.method(request.method(), body).build();
    }

    private static boolean names(HttpCallRequest request, String header) {
        return request.headers().keySet().stream().anyMatch(header::equalsIgnoreCase);
    }

    private static HttpClient client(Duration connectionTimeout) {
        return CLIENTS.get(connectionTimeout, timeout -> HttpClient.newBuilder()
                .connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NORMAL)
                .version(HttpClient.Version.HTTP_1_1)
                .build());
    }

    private static Outcome outcome(String target, HttpResponse<String> response) {
        int status = response.statusCode();
        String phrase = reasonPhrase(status);
        Map<String, Object> shape = new LinkedHashMap<>();
        shape.put("statusCode", status);
        shape.put("reasonPhrase", phrase);
        shape.put("headers", headers(response));
        shape.put("body", body(response));
        Map<String, Object> output = new LinkedHashMap<>();
        output.put("response", shape);
        boolean succeeded = status >= 200 && status < 300;
        String reason = succeeded ? null : "HTTP " + status + (phrase.isEmpty() ? "" : " " + phrase) + " from " + target;
        return new Outcome(succeeded, output, reason);
    }

    private static String reasonPhrase(int status) {
        HttpStatus known = HttpStatus.resolve(status);
        return known == null ? "" : known.getReasonPhrase();
    }

    private static Map<String, List<String>> headers(HttpResponse<String> response) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        response.headers().map().forEach((name, values) -> {
            if (!name.startsWith(":")) {
                headers.put(name, List.copyOf(values));
            }
        });
        return headers;
    }

    /** Parsed when the server says it is JSON, as the text otherwise (or when it is not JSON after all). */
    private static Object body(HttpResponse<String> response) {
        String text = response.body();
        if (text == null || text.isEmpty()) {
            return null;
        }
        String type = response.headers().firstValue("Content-Type").orElse("").toLowerCase(Locale.ROOT);
        if (type.contains("json")) {
            try {
                return JSON.readValue(text, Object.class);
            } catch (JacksonException notJson) {
                return text;
            }
        }
        return text;
    }

    private static String reason(String target, Throwable cause, HttpCallRequest request, Duration deadline) {
        if (cause instanceof HttpConnectTimeoutException) {
            return "could not connect for " + target + " within " + request.connectionTimeout().toMillis() + " ms";
        }
        if (cause instanceof HttpTimeoutException) {
            return noResponse(target, deadline);
        }
        if (cause instanceof ConnectException) {
            return "could not connect for " + target + ": " + describe(cause, "connection refused");
        }
        return target + " failed: " + describe(cause, cause.getClass().getSimpleName());
    }

    private static String noResponse(String target, Duration deadline) {
        return "no response to " + target + " within " + deadline.toMillis() + " ms (connectionTimeOut + readTimeOut)";
    }

    /** The JDK client often wraps the telling exception in one without a message. */
    private static String describe(Throwable error, String fallback) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                return t.getMessage();
            }
        }
        return fallback;
    }
}

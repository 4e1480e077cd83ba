package io.upgrader.execution.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

class HttpCallIT {

    private static HttpServer server;
    private static ExecutorService serverThreads;
    private static final AtomicReference<Received> received = new AtomicReference<>();
    private static final CountDownLatch releaseSlow = new CountDownLatch(1);

    private record Received(String method, String body, String contentType, String accept, String custom) {
    }

    @BeforeAll
    static void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        serverThreads = Executors.newCachedThreadPool();
        server.setExecutor(serverThreads);
        server.createContext("/json", exchange -> respond(exchange, 200, "application/json",
                "{\"hello\": \"world\", \"n\": 1, \"items\": [1.5, true]}"));
        server.createContext("/echo", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            var headers = exchange.getRequestHeaders();
            received.set(new Received(exchange.getRequestMethod(), body, headers.getFirst("Content-Type"),
                    headers.getFirst("Accept"), headers.getFirst("X-Custom")));
            respond(exchange, 201, "application/json; charset=utf-8", body);
        });
        server.createContext("/missing", exchange -> respond(exchange, 404, "application/json",
                "{\"error\": \"not here\"}"));
        server.createContext("/text", exchange -> respond(exchange, 200, "text/plain; charset=utf-8", "plain words"));
        server.createContext("/slow", holdUntilReleased());
        server.start();
    }

    @AfterAll
    static void stopServer() {
        releaseSlow.countDown();
        server.stop(0);
        serverThreads.shutdownNow();
    }

    private static HttpHandler holdUntilReleased() {
        return exchange -> {
            try {
                releaseSlow.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            respond(exchange, 200, "text/plain", "late");
        };
    }

    private static void respond(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", contentType);
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> response(HttpCall.Outcome outcome) {
        return (Map<String, Object>) outcome.output().get("response");
    }

    @Test
    @SuppressWarnings("unchecked")
    void getsJsonAndParsesIt() {
        HttpCall.Outcome outcome = HttpCall.execute(Map.of("http_request", Map.of("uri", url("/json"), "method", "GET")));

        assertThat(outcome.succeeded()).isTrue();
        assertThat(outcome.reason()).isNull();
        Map<String, Object> response = response(outcome);
        assertThat(response).containsEntry("statusCode", 200).containsEntry("reasonPhrase", "OK");
        assertThat(response.get("body")).isEqualTo(Map.of("hello", "world", "n", 1L, "items", List.of(1.5, true)));
        assertThat((Map<String, List<String>>) response.get("headers")).containsEntry("content-type", List.of("application/json"));
    }

    @Test
    void postsAJsonBodyWithItsHeaders() {
        Map<String, Object> request = Map.of(
                "uri", url("/echo"),
                "method", "post",
                "headers", Map.of("X-Custom", "abc"),
                "body", Map.of("name", "widget", "tags", List.of("a", "b")));

        HttpCall.Outcome outcome = HttpCall.execute(Map.of("http_request", request));

        assertThat(outcome.succeeded()).isTrue();
        Received got = received.get();
        assertThat(got.method()).isEqualTo("POST");
        assertThat(got.contentType()).isEqualTo("application/json");
        assertThat(got.accept()).isEqualTo("application/json");
        assertThat(got.custom()).isEqualTo("abc");
        assertThat(got.body()).contains("\"name\":\"widget\"");
        assertThat(response(outcome)).containsEntry("statusCode", 201)
                .containsEntry("body", Map.of("name", "widget", "tags", List.of("a", "b")));
    }

    @Test
    void sendsAStringBodyAsItIsWithTheGivenContentType() {
        HttpCall.Outcome outcome = HttpCall.execute(Map.of("http_request", Map.of(
                "uri", url("/echo"), "method", "PUT", "body", "a=1&b=2",
                "contentType", "application/x-www-form-urlencoded", "accept", "text/plain")));

        assertThat(outcome.succeeded()).isTrue();
        assertThat(received.get()).isEqualTo(new Received("PUT", "a=1&b=2", "application/x-www-form-urlencoded",
                "text/plain", null));
    }

    @Test
    void aNotFoundFailsWithTheResponseInTheOutput() {
        HttpCall.Outcome outcome = HttpCall.execute(Map.of("http_request", Map.of("uri", url("/missing"))));

        assertThat(outcome.succeeded()).isFalse();
        assertThat(outcome.reason()).isEqualTo("HTTP 404 Not Found from GET " + url("/missing"));
        assertThat(response(outcome)).containsEntry("statusCode", 404)
                .containsEntry("reasonPhrase", "Not Found")
                .containsEntry("body", Map.of("error", "not here"));
    }

    @Test
    void aTextResponseIsKeptAsText() {
        HttpCall.Outcome outcome = HttpCall.execute(Map.of("http_request", Map.of("uri", url("/text"))));

        assertThat(outcome.succeeded()).isTrue();
        assertThat(response(outcome)).containsEntry("body", "plain words");
    }

    @Test
    void readsTheRequestFromTheTopLevelWhenHttpRequestIsAbsent() {
        HttpCall.Outcome outcome = HttpCall.execute(Map.of("uri", url("/json"), "method", "GET"));

        assertThat(outcome.succeeded()).isTrue();
        assertThat(response(outcome)).containsEntry("statusCode", 200);
    }

    @Test
    void aRefusedConnectionFailsWithAClearReason() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        String uri = "http://127.0.0.1:" + closedPort + "/x";

        HttpCall.Outcome outcome = HttpCall.execute(Map.of("http_request", Map.of("uri", uri)));

        assertThat(outcome.succeeded()).isFalse();
        assertThat(outcome.output()).isEmpty();
        assertThat(outcome.reason()).startsWith("could not connect for GET " + uri + ": ");
    }

    @Test
    void aServerThatDoesNotAnswerInTimeFailsWithAClearReason() {
        HttpCall.Outcome outcome = HttpCall.execute(Map.of("http_request", Map.of(
                "uri", url("/slow"), "connectionTimeOut", 200, "readTimeOut", 300)));

        assertThat(outcome.succeeded()).isFalse();
        assertThat(outcome.reason()).startsWith("no response to GET " + url("/slow") + " within 500 ms");
    }

    @Test
    void aBadDefinitionFailsBeforeAnyConnection() {
        assertThat(HttpCall.execute(Map.of()).reason()).isEqualTo("HTTP task input is invalid: uri is missing");
        assertThat(HttpCall.execute(Map.of("uri", "not a uri")).reason())
                .startsWith("HTTP task input is invalid: uri 'not a uri' is not valid");
        assertThat(HttpCall.execute(Map.of("uri", "ftp://example.org/file")).reason())
                .isEqualTo("HTTP task input is invalid: uri 'ftp://example.org/file' is not an absolute http or https address");
        assertThat(HttpCall.execute(Map.of("uri", url("/json"), "method", "FETCH")).reason())
                .startsWith("HTTP task input is invalid: method 'FETCH' is not one of ");
        assertThat(HttpCall.execute(Map.of("uri", url("/json"), "readTimeOut", "soon")).reason())
                .isEqualTo("HTTP task input is invalid: readTimeOut must be a number of milliseconds, got 'soon'");
        assertThat(HttpCall.execute(Map.of("uri", url("/json"), "headers", Map.of("Host", "elsewhere"))).reason())
                .startsWith("HTTP task request cannot be sent: ");
    }
}

package io.upgrader.execution.http;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What an HTTP task asks for, read from its input once and checked, so that a mistake in the definition is reported
 * in words before any connection is attempted.
 *
 * @param headers    request headers; a header given as a list is sent once per element
 * @param body       null for no body; a String is sent as it is, anything else as JSON
 * @param accept     the Accept header unless {@code headers} names one
 * @param contentType the Content-Type header of a body unless {@code headers} names one
 */
public record HttpCallRequest(URI uri, String method, Map<String, List<String>> headers, Object body, String accept,
                              String contentType, Duration connectionTimeout, Duration readTimeout) {

    /** Conductor's defaults. */
    static final Duration DEFAULT_CONNECTION_TIMEOUT = Duration.ofMillis(3000);
    static final Duration DEFAULT_READ_TIMEOUT = Duration.ofMillis(3000);
    static final String DEFAULT_MEDIA_TYPE = "application/json";
    static final Set<String> METHODS = Set.of("GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH");

    public HttpCallRequest {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(accept, "accept");
        Objects.requireNonNull(contentType, "contentType");
        Objects.requireNonNull(connectionTimeout, "connectionTimeout");
        Objects.requireNonNull(readTimeout, "readTimeout");
        headers = headers == null ? Map.of() : Map.copyOf(headers);
    }

    /**
     * Reads Conductor's HTTP task input: the request under {@code http_request}, or, when that is absent, the same keys
     * at the top level of the input.
     *
     * @throws IllegalArgumentException naming what is missing or wrong
     */
    public static HttpCallRequest from(Map<String, Object> input) {
        Map<?, ?> request = input == null ? Map.of() : input;
        Object nested = request.get("http_request");
        if (nested instanceof Map<?, ?> map) {
            request = map;
        } else if (nested != null) {
            throw new IllegalArgumentException("http_request must be an object, got " + describe(nested));
        }
        return new HttpCallRequest(uri(request.get("uri")), method(request.get("method")),
                headers(request.get("headers")), request.get("body"),
                text(request.get("accept"), DEFAULT_MEDIA_TYPE), text(request.get("contentType"), DEFAULT_MEDIA_TYPE),
                millis(request.get("connectionTimeOut"), "connectionTimeOut", DEFAULT_CONNECTION_TIMEOUT),
                millis(request.get("readTimeOut"), "readTimeOut", DEFAULT_READ_TIMEOUT));
    }

    private static URI uri(Object value) {
        if (!(value instanceof String text) || text.isBlank()) {
            throw new IllegalArgumentException("uri is missing");
        }
        try {
            URI uri = new URI(text.strip());
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
                throw new IllegalArgumentException("uri '" + text + "' is not an absolute http or https address");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("uri '" + text + "' is not valid: " + e.getMessage(), e);
        }
    }

    private static String method(Object value) {
        if (value == null) {
            return "GET";
        }
        String method = String.valueOf(value).strip().toUpperCase(Locale.ROOT);
        if (!METHODS.contains(method)) {
            throw new IllegalArgumentException("method '" + value + "' is not one of " + METHODS);
        }
        return method;
    }

    private static Map<String, List<String>> headers(Object value) {
        if (value == null) {
            return Map.of();
        }
        if (!(value instanceof Map<?, ?> map)) {
            throw new IllegalArgumentException("headers must be an object, got " + describe(value));
        }
        Map<String, List<String>> headers = new LinkedHashMap<>();
        map.forEach((name, values) -> {
            if (name == null || values == null) {
                return;
            }
            List<String> texts = new ArrayList<>();
            if (values instanceof List<?> list) {
                list.stream().filter(v -> v != null).forEach(v -> texts.add(String.valueOf(v)));
            } else {
                texts.add(String.valueOf(values));
            }
            headers.put(String.valueOf(name), List.copyOf(texts));
        });
        return headers;
    }

    private static String text(Object value, String fallback) {
        return value == null || String.valueOf(value).isBlank() ? fallback : String.valueOf(value);
    }

    private static Duration millis(Object value, String name, Duration fallback) {
        if (value == null) {
            return fallback;
        }
        long millis;
        try {
            millis = value instanceof Number number ? number.longValue() : Long.parseLong(String.valueOf(value).strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a number of milliseconds, got " + describe(value), e);
        }
        if (millis <= 0) {
            throw new IllegalArgumentException(name + " must be a positive number of milliseconds, got " + millis);
        }
        return Duration.ofMillis(millis);
    }

    private static String describe(Object value) {
        return value instanceof String ? "'" + value + "'" : String.valueOf(value);
    }
}

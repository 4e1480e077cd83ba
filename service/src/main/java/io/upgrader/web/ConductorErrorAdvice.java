package io.upgrader.web;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.context.request.ServletWebRequest;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.NoHandlerFoundException;
import org.springframework.web.servlet.resource.NoResourceFoundException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

import java.util.List;

/**
 * Every error leaves as Conductor's error body. Spring MVC's own exceptions keep their statuses (415, 405,
 * 404, ...) but lose Spring's wording where it would leak internals; anything unexpected is a 500 with a
 * generic message, its stack trace only in the log.
 */
@RestControllerAdvice
public class ConductorErrorAdvice extends ResponseEntityExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ConductorErrorAdvice.class);

    @ExceptionHandler(ApiException.class)
    ResponseEntity<ErrorBody> api(ApiException e) {
        return respond(e.status(), e.body());
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<ErrorBody> unexpected(Exception e) {
        log.error("Unexpected error", e);
        return respond(HttpStatus.INTERNAL_SERVER_ERROR,
                new ErrorBody(500, "Internal error; the request may be retried", true, List.of()));
    }

    @Override
    protected ResponseEntity<Object> handleHttpMessageNotReadable(HttpMessageNotReadableException ex,
            HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        String path = jsonPath(ex.getMostSpecificCause());
        String message = ex.getMessage() != null && ex.getMessage().startsWith("Required request body is missing")
                ? "Request body is missing"
                : "Request body is not valid JSON" + (path.equals("body") ? "" : " at " + path) + ": "
                        + withoutInternals(firstLine(ex.getMostSpecificCause().getMessage()));
        return new ResponseEntity<>(new ErrorBody(400, message, false,
                List.of(new ErrorBody.ValidationError(path, message))), jsonHeaders(), HttpStatus.BAD_REQUEST);
    }

    /** An unknown route: Conductor's error body naming the method and path, never Spring's resource wording. */
    @Override
    protected ResponseEntity<Object> handleNoResourceFoundException(NoResourceFoundException ex, HttpHeaders headers,
            HttpStatusCode status, WebRequest request) {
        return noRoute(HttpStatus.NOT_FOUND, "No route for " + route(request), headers);
    }

    @Override
    protected ResponseEntity<Object> handleNoHandlerFoundException(NoHandlerFoundException ex, HttpHeaders headers,
            HttpStatusCode status, WebRequest request) {
        return noRoute(HttpStatus.NOT_FOUND, "No route for " + route(request), headers);
    }

    /** A known path with a method it does not take: 405, saying which methods it takes (also in Allow). */
    @Override
    protected ResponseEntity<Object> handleHttpRequestMethodNotSupported(HttpRequestMethodNotSupportedException ex,
            HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        String allowed = ex.getSupportedHttpMethods() == null || ex.getSupportedHttpMethods().isEmpty() ? ""
                : " (allowed: " + String.join(", ", ex.getSupportedHttpMethods().stream()
                        .map(org.springframework.http.HttpMethod::name).sorted().toList()) + ")";
        return noRoute(HttpStatus.METHOD_NOT_ALLOWED, "No route for " + route(request) + allowed, headers);
    }

    private static ResponseEntity<Object> noRoute(HttpStatus status, String message, HttpHeaders headers) {
        return new ResponseEntity<>(new ErrorBody(status.value(), message, false, List.of()),
                headers == null ? jsonHeaders() : withJson(headers), status);
    }

    private static String route(WebRequest request) {
        if (request instanceof ServletWebRequest servlet) {
            String path = servlet.getRequest().getRequestURI();
            return servlet.getRequest().getMethod() + " " + (path.length() > 200 ? path.substring(0, 200) + "..." : path);
        }
        return request.getDescription(false);
    }

    @Override
    protected ResponseEntity<Object> handleExceptionInternal(Exception ex, Object body, HttpHeaders headers,
            HttpStatusCode statusCode, WebRequest request) {
        String message = ex.getMessage() == null ? HttpStatus.valueOf(statusCode.value()).getReasonPhrase()
                : firstLine(ex.getMessage());
        boolean retryable = statusCode.is5xxServerError() || statusCode.value() == 429;
        return new ResponseEntity<>(new ErrorBody(statusCode.value(), message, retryable, List.of()),
                headers == null ? jsonHeaders() : withJson(headers), statusCode);
    }

    private static ResponseEntity<ErrorBody> respond(HttpStatus status, ErrorBody body) {
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_JSON).body(body);
    }

    private static HttpHeaders jsonHeaders() {
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.APPLICATION_JSON);
        return headers;
    }

    private static HttpHeaders withJson(HttpHeaders original) {
        HttpHeaders headers = new HttpHeaders();
        headers.putAll(original);
        headers.setContentType(MediaType.APPLICATION_JSON);
        return headers;
    }

    /** Where in the body the parser stopped, as {@code tasks[2].forkTasks[1][0]}; "body" when it cannot say. */
    private static String jsonPath(Throwable cause) {
        if (!(cause instanceof tools.jackson.core.JacksonException jackson) || jackson.getPath().isEmpty()) {
            return "body";
        }
        StringBuilder path = new StringBuilder();
        for (tools.jackson.core.JacksonException.Reference reference : jackson.getPath()) {
            if (reference.getIndex() >= 0) {
                path.append('[').append(reference.getIndex()).append(']');
            } else if (reference.getPropertyName() != null) {
                path.append(path.isEmpty() ? "" : ".").append(reference.getPropertyName());
            }
        }
        return path.isEmpty() ? "body" : path.toString();
    }

    /** The parser's words without the names of our classes and settings, which are no business of the caller. */
    private static String withoutInternals(String message) {
        return message.replaceAll(" ?\\(bound as `[^`]*`\\)", "")
                .replaceAll(":? ?not allowed as per `[^`]*`", "")
                .replaceAll("`(tools|com|io|java)\\.[^`]*`", "the value");
    }

    /** Parser messages carry the offending source on later lines; the first line says what is wrong. */
    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        int newline = message.indexOf('\n');
        String line = newline < 0 ? message : message.substring(0, newline);
        return line.length() > 300 ? line.substring(0, 300) + "..." : line;
    }
}

package io.upgrader.web;

import io.upgrader.error.DomainException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.ServletWebRequest;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.NoHandlerFoundException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import org.springframework.web.servlet.resource.NoResourceFoundException;

import java.util.List;

/**
 * Every error leaves as Conductor's error body, from this one place. The domain's own failures
 * ({@link DomainException}) get the status of their kind, their message and field errors as they are; Spring
 * MVC's own exceptions keep their statuses (415, 405, 404, ...) but lose Spring's wording where it would leak
 * internals; anything unexpected is a 500 with a generic message, its stack trace only in the log.
 */
@RestControllerAdvice
public class ConductorErrorAdvice extends ResponseEntityExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ConductorErrorAdvice.class);

    @ExceptionHandler(DomainException.class)
    ResponseEntity<Object> domain(DomainException e) {
        return answer(new ErrorBody(statusOf(e.kind()).value(), e.getMessage(), e.retryable(), e.fieldErrors().stream()
                .map(f -> new ErrorBody.ValidationError(f.path(), f.message())).toList()), null);
    }

    /** The only place a kind becomes a status; a new kind does not compile until it has one. */
    static HttpStatus statusOf(DomainException.Kind kind) {
        return switch (kind) {
            case INVALID_INPUT -> HttpStatus.BAD_REQUEST;
            case UNAUTHENTICATED -> HttpStatus.UNAUTHORIZED;
            case NOT_FOUND -> HttpStatus.NOT_FOUND;
            case CONFLICT, CONCURRENT_CHANGE -> HttpStatus.CONFLICT;
            case UNPROCESSABLE -> HttpStatus.UNPROCESSABLE_CONTENT;
            case TOO_MANY_REQUESTS -> HttpStatus.TOO_MANY_REQUESTS;
            case UNAVAILABLE -> HttpStatus.SERVICE_UNAVAILABLE;
        };
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<Object> unexpected(Exception e) {
        log.error("Unexpected error", e);
        return answer(new ErrorBody(500, "Internal error; the request may be retried", true, List.of()), null);
    }

    @Override
    protected ResponseEntity<Object> handleHttpMessageNotReadable(HttpMessageNotReadableException ex,
            HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        String path = jsonPath(ex.getMostSpecificCause());
        String message = ex.getMessage() != null && ex.getMessage().startsWith("Required request body is missing")
                ? "Request body is missing"
                : "Request body is not valid JSON" + (path.equals("body") ? "" : " at " + path) + ": "
                        + withoutInternals(firstLine(ex.getMostSpecificCause().getMessage()));
        return answer(new ErrorBody(400, message, false, List.of(new ErrorBody.ValidationError(path, message))), null);
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
        return answer(new ErrorBody(status.value(), message, false, List.of()), headers);
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
        return answer(new ErrorBody(statusCode.value(), message, retryable, List.of()), headers);
    }

    /**
     * Every answer of this class: the body's status, the framework's headers when it has any (Allow on a 405),
     * and JSON whatever the request accepts, as the official clients parse errors as JSON.
     */
    private static ResponseEntity<Object> answer(ErrorBody body, HttpHeaders frameworkHeaders) {
        HttpHeaders headers = new HttpHeaders();
        if (frameworkHeaders != null) {
            headers.putAll(frameworkHeaders);
        }
        headers.setContentType(MediaType.APPLICATION_JSON);
        return new ResponseEntity<>(body, headers, HttpStatusCode.valueOf(body.status()));
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

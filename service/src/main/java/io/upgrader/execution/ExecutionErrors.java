package io.upgrader.execution;

import io.upgrader.web.ApiException;
import io.upgrader.web.ErrorBody;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

import java.util.List;

/** Lifecycle rejections as Conductor answers them: 404 for what does not exist, 409 for the wrong state. */
@RestControllerAdvice
@Order(Ordered.HIGHEST_PRECEDENCE)
public class ExecutionErrors {

    @ExceptionHandler(ExecutionRejected.class)
    ResponseEntity<ErrorBody> rejected(ExecutionRejected e) {
        HttpStatus status = switch (e.reason()) {
            case WORKFLOW_NOT_FOUND, TASK_NOT_FOUND -> HttpStatus.NOT_FOUND;
            default -> HttpStatus.CONFLICT;
        };
        return respond(new ApiException(status, e.getMessage(), false, List.of()));
    }

    @ExceptionHandler(Executions.ConcurrentChangeException.class)
    ResponseEntity<ErrorBody> concurrent(Executions.ConcurrentChangeException e) {
        return respond(new ApiException(HttpStatus.CONFLICT, e.getMessage(), true, List.of()));
    }

    private static ResponseEntity<ErrorBody> respond(ApiException e) {
        return ResponseEntity.status(e.status()).contentType(MediaType.APPLICATION_JSON).body(e.body());
    }
}

package io.upgrader.web;

import io.upgrader.error.ConflictException;
import io.upgrader.error.DomainException;
import io.upgrader.error.FieldError;
import io.upgrader.error.InvalidInputException;
import io.upgrader.error.NotFoundException;
import io.upgrader.error.UnavailableException;
import io.upgrader.execution.ExecutionRejected;
import io.upgrader.execution.Executions;
import io.upgrader.upgrade.Rejection;
import io.upgrader.upgrade.UpgradeApplier;
import io.upgrader.upgrade.UpgradeCommandBus;
import io.upgrader.upgrade.UpgradeOutcomes;
import io.upgrader.upgrade.UpgradeRequests;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.ResultActions;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

/**
 * Each domain exception through the real Spring MVC resolution (the advice competing with its own catch-all
 * handler), as Conductor's error body: the status of its kind, its message and field errors as they are.
 */
class ConductorErrorAdviceIT {

    /** Throws whatever the test put in {@link #failure}. */
    @RestController
    static class Throwing {
        RuntimeException failure;

        @GetMapping("/fail")
        String fail() {
            throw failure;
        }
    }

    private final Throwing controller = new Throwing();
    private final MockMvc mvc = MockMvcBuilders.standaloneSetup(controller)
            .setControllerAdvice(new ConductorErrorAdvice()).build();

    private ResultActions answerTo(RuntimeException failure) throws Exception {
        controller.failure = failure;
        return mvc.perform(get("/fail").accept(MediaType.APPLICATION_JSON))
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_JSON));
    }

    @Test
    void invalidInputIs400NamingTheField() throws Exception {
        answerTo(InvalidInputException.of("name", "name is required"))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.status").value(400))
                .andExpect(jsonPath("$.message").value("name is required"))
                .andExpect(jsonPath("$.retryable").value(false))
                .andExpect(jsonPath("$.validationErrors", hasSize(1)))
                .andExpect(jsonPath("$.validationErrors[0].path").value("name"))
                .andExpect(jsonPath("$.validationErrors[0].message").value("name is required"));
    }

    @Test
    void invalidInputKeepsEveryFieldErrorInOrder() throws Exception {
        answerTo(new InvalidInputException("Invalid workflow definition: two problems", List.of(
                new FieldError("tasks[0].name", "task name is required"),
                new FieldError("tasks[1].taskReferenceName", "taskReferenceName is required"))))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.validationErrors[0].path").value("tasks[0].name"))
                .andExpect(jsonPath("$.validationErrors[1].path").value("tasks[1].taskReferenceName"))
                .andExpect(jsonPath("$.validationErrors[1].message").value("taskReferenceName is required"));
    }

    @Test
    void notFoundIs404WithoutFieldErrors() throws Exception {
        answerTo(new NotFoundException("Workflow w-1 not found"))
                .andExpect(status().isNotFound())
                .andExpect(jsonPath("$.status").value(404))
                .andExpect(jsonPath("$.message").value("Workflow w-1 not found"))
                .andExpect(jsonPath("$.retryable").value(false))
                .andExpect(jsonPath("$.validationErrors", hasSize(0)));
    }

    @Test
    void conflictIs409NotRetryable() throws Exception {
        answerTo(new ConflictException("Workflow definition d version 1 already exists"))
                .andExpect(status().isConflict())
                .andExpect(jsonPath("$.status").value(409))
                .andExpect(jsonPath("$.message").value("Workflow definition d version 1 already exists"))
                .andExpect(jsonPath("$.retryable").value(false));
    }

    @Test
    void aConcurrentChangeIs409Retryable() throws Exception {
        answerTo(new Executions.ConcurrentChangeException("Workflow w kept changing"))
                .andExpect(status().isConflict())
                .andExpect(jsonPath("$.retryable").value(true));
        answerTo(new UpgradeApplier.ConcurrentUpdateException("conflict"))
                .andExpect(status().isConflict())
                .andExpect(jsonPath("$.message").value("conflict"))
                .andExpect(jsonPath("$.retryable").value(true));
    }

    @Test
    void anExecutionRejectionIs404ForWhatIsMissingAnd409ForTheWrongState() throws Exception {
        answerTo(new ExecutionRejected(ExecutionRejected.Reason.TASK_NOT_FOUND, "Task t not found"))
                .andExpect(status().isNotFound())
                .andExpect(jsonPath("$.message").value("Task t not found"));
        answerTo(new ExecutionRejected(ExecutionRejected.Reason.WORKFLOW_NOT_FOUND, "Workflow w not found"))
                .andExpect(status().isNotFound());
        answerTo(new ExecutionRejected(ExecutionRejected.Reason.TASK_ENDED, "Task t is COMPLETED"))
                .andExpect(status().isConflict())
                .andExpect(jsonPath("$.retryable").value(false));
    }

    @Test
    void anUpgradeRejectionIs409ForTheExecutionsStateAnd400ForTheRequest() throws Exception {
        answerTo(new UpgradeRequests.UpgradeRejectedException(new Rejection(Rejection.Reason.NOT_UPGRADABLE_STATUS,
                "Workflow w is COMPLETED", List.of(new FieldError("workflowId", "Workflow w is COMPLETED")))))
                .andExpect(status().isConflict())
                .andExpect(jsonPath("$.message").value("Workflow w is COMPLETED"))
                .andExpect(jsonPath("$.validationErrors[0].path").value("workflowId"));
        answerTo(new UpgradeRequests.UpgradeRejectedException(new Rejection(Rejection.Reason.UNKNOWN_VERSION,
                "No version 9", List.of(new FieldError("version", "No version 9")))))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.validationErrors[0].path").value("version"));
        // The consumer's "internal error" has no reason: answered as the request was, a 400.
        answerTo(new UpgradeRequests.UpgradeRejectedException(new Rejection(null, "internal error", List.of())))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.validationErrors", hasSize(0)));
    }

    @Test
    void aReusedIdempotencyKeyIs422NamingTheHeader() throws Exception {
        answerTo(new UpgradeRequests.IdempotencyKeyReusedException("Idempotency-Key 'k' was already used"))
                .andExpect(status().isUnprocessableContent())
                .andExpect(jsonPath("$.status").value(422))
                .andExpect(jsonPath("$.retryable").value(false))
                .andExpect(jsonPath("$.validationErrors[0].path").value("Idempotency-Key"))
                .andExpect(jsonPath("$.validationErrors[0].message").value("Idempotency-Key 'k' was already used"));
    }

    @Test
    void tooManyWaitersIs429Retryable() throws Exception {
        answerTo(new UpgradeOutcomes.TooManyWaitersException("Too many requests waiting"))
                .andExpect(status().isTooManyRequests())
                .andExpect(jsonPath("$.status").value(429))
                .andExpect(jsonPath("$.retryable").value(true));
    }

    @Test
    void unavailableIs503RetryableAndItsCauseStaysInside() throws Exception {
        answerTo(new UpgradeCommandBus.CommandNotPublishedException("Upgrade command c is recorded but Kafka did not "
                + "acknowledge it in time", new IllegalStateException("org.apache.kafka internals")))
                .andExpect(status().isServiceUnavailable())
                .andExpect(jsonPath("$.status").value(503))
                .andExpect(jsonPath("$.retryable").value(true))
                .andExpect(jsonPath("$.message").value(not(containsString("internals"))));
        answerTo(new UnavailableException("Bulk upgrade b is recorded but could not be handed to Kafka", null))
                .andExpect(status().isServiceUnavailable());
    }

    @Test
    void unauthenticatedIs401() throws Exception {
        answerTo(new DomainException(DomainException.Kind.UNAUTHENTICATED, "Unknown key or wrong secret") {
        })
                .andExpect(status().isUnauthorized())
                .andExpect(jsonPath("$.status").value(401))
                .andExpect(jsonPath("$.retryable").value(false));
    }

    /** Whatever the kind, the body's status is the response's and its retryable flag the kind's. */
    @ParameterizedTest
    @EnumSource(DomainException.Kind.class)
    void everyKindAnswersAClientOrRetryableStatus(DomainException.Kind kind) throws Exception {
        int expected = ConductorErrorAdvice.statusOf(kind).value();
        answerTo(new DomainException(kind, "m") {
        })
                .andExpect(status().is(expected))
                .andExpect(jsonPath("$.status").value(expected))
                .andExpect(jsonPath("$.retryable").value(kind.retryable()));
        // Only what a retry can cure may be a 5xx: never a 500 for a domain failure.
        if (expected >= 500) {
            assertThat(kind.retryable()).isTrue();
            assertThat(expected).isNotEqualTo(500);
        }
    }

    @Test
    void anythingElseIsAGeneric500WithoutItsMessage() throws Exception {
        answerTo(new IllegalStateException("secret detail from io.upgrader.mongo"))
                .andExpect(status().isInternalServerError())
                .andExpect(jsonPath("$.message").value("Internal error; the request may be retried"))
                .andExpect(jsonPath("$.retryable").value(true));
    }
}

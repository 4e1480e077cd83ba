package io.upgrader.kafka;

import com.mongodb.MongoException;
import com.mongodb.MongoExecutionTimeoutException;
import com.mongodb.MongoNodeIsRecoveringException;
import com.mongodb.MongoNotPrimaryException;
import com.mongodb.MongoSocketException;
import com.mongodb.MongoTimeoutException;
import io.upgrader.error.DomainException;
import org.apache.kafka.common.errors.RetriableException;
import org.springframework.dao.TransientDataAccessException;

/**
 * Why applying a command failed, decided in one place; the consumer's answer depends only on this:
 * <ul>
 *     <li>{@link #INVALID_RECORD}: the record is not a command; dead-letter topic at once.</li>
 *     <li>{@link #DOMAIN}: the command cannot apply for a reason of its own, a {@link DomainException} that is
 *     not retryable (the upgrade rejected, the execution missing or ended); REJECTED with that reason.</li>
 *     <li>{@link #INFRASTRUCTURE}: MongoDB or Kafka unreachable or slow, or a retryable
 *     {@link DomainException} (a storm of concurrent writes); retried for as long as it takes, never skipped.
 *     The same retryable flag HTTP callers get in the error body.</li>
 *     <li>{@link #UNEXPECTED}: anything else (a bug, a stored document the mapper cannot read); retried a bounded
 *     number of times, then REJECTED with "internal error" and dead-lettered for operators.</li>
 * </ul>
 * The whole cause chain is looked at: an infrastructure failure wrapped in anything is still one.
 */
public enum CommandFailure {
    INVALID_RECORD, DOMAIN, INFRASTRUCTURE, UNEXPECTED;

    /** The public reason of a command that failed unexpectedly; the detail goes to the log only. */
    public static final String INTERNAL_ERROR = "internal error";

    public static CommandFailure classify(Throwable failure) {
        boolean domain = false;
        int depth = 0;
        for (Throwable cause = failure; cause != null && depth < 64; cause = next(cause), depth++) {
            if (cause instanceof InvalidUpgradeCommandException) {
                return INVALID_RECORD;
            }
            if (isInfrastructure(cause)) {
                return INFRASTRUCTURE;
            }
            domain |= cause instanceof DomainException;
        }
        return domain ? DOMAIN : UNEXPECTED;
    }

    private static boolean isInfrastructure(Throwable cause) {
        return cause instanceof MongoTimeoutException || cause instanceof MongoSocketException
                || cause instanceof MongoExecutionTimeoutException || cause instanceof MongoNotPrimaryException
                || cause instanceof MongoNodeIsRecoveringException
                || (cause instanceof MongoException mongo
                    && (mongo.hasErrorLabel(MongoException.TRANSIENT_TRANSACTION_ERROR_LABEL)
                        || mongo.hasErrorLabel("RetryableWriteError")))
                // Kafka's own TimeoutException is a RetriableException, like NotEnoughReplicas, NetworkException...
                || cause instanceof RetriableException
                || cause instanceof java.util.concurrent.TimeoutException
                || cause instanceof InterruptedException
                || cause instanceof TransientDataAccessException
                || cause instanceof org.springframework.dao.DataAccessResourceFailureException
                // Concurrent writes kept winning, a dependency did not answer: the next attempt reads fresh state.
                || (cause instanceof DomainException domain && domain.retryable());
    }

    private static Throwable next(Throwable cause) {
        return cause.getCause() == cause ? null : cause.getCause();
    }
}

package io.upgrader.bulk;

import java.time.Duration;

/**
 * Hands a batchId to whichever instance expands it (the bulk topic, keyed by batchId, which
 * kafka.BulkExpansionListener reads), returning once the hand-over is durable. Owned by the bulk feature; the Kafka
 * adapter implements it (kafka.KafkaBulkBatchSender).
 */
public interface BulkBatchSender {

    /** @throws NotSentException when the batchId could not be handed over within {@link #sendTimeout()} */
    void send(String batchId);

    /** How long one {@link #send} may wait for the acknowledgement. */
    Duration sendTimeout();

    /** The batchId could not be handed to Kafka within the send timeout. */
    class NotSentException extends RuntimeException {
        public NotSentException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}

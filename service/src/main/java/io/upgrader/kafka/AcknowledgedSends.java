package io.upgrader.kafka;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.springframework.kafka.core.KafkaTemplate;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiFunction;

/** Many records handed to Kafka together, returning once the broker acknowledged every one. */
final class AcknowledgedSends {

    private AcknowledgedSends() {
    }

    /**
     * Sends all first and then waits, so the producer batches them into few requests.
     *
     * @param what       the records in words, for the failure's message, e.g. "12 events"
     * @param failure    the exception the caller answers a failure with, from a message and the cause
     */
    static void sendAll(KafkaTemplate<String, byte[]> template, List<ProducerRecord<String, byte[]>> records,
                        Duration timeout, String what, BiFunction<String, Throwable, RuntimeException> failure) {
        List<CompletableFuture<?>> sent = new ArrayList<>(records.size());
        for (ProducerRecord<String, byte[]> record : records) {
            sent.add(template.send(record));
        }
        // All of them are in the producer's buffer: send them now rather than after linger.ms.
        template.flush();
        try {
            CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new))
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failure.apply("Interrupted while publishing " + what, e);
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            throw failure.apply(what + " not all acknowledged by Kafka within " + timeout.toSeconds() + "s", e);
        }
    }
}

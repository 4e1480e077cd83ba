package io.upgrader.kafka;

import io.upgrader.observability.CommandTracing;
import io.upgrader.upgrade.UpgradeCommand;
import io.upgrader.upgrade.UpgradeCommandBus;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;

import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Publishes commands keyed by workflowId, so that one workflow's commands stay in order on one partition; each
 * carries the current trace (the HTTP request's) in a {@code traceparent} header.
 */
@Component
public class KafkaUpgradeCommandBus implements UpgradeCommandBus {

    private final KafkaTemplate<String, byte[]> template;
    private final UpgradeCommandCodec codec;
    private final UpgradeTopics topics;
    private final CommandTracing tracing;

    public KafkaUpgradeCommandBus(KafkaTemplate<String, byte[]> template, UpgradeCommandCodec codec,
                                  UpgradeTopics topics, CommandTracing tracing) {
        this.template = template;
        this.codec = codec;
        this.topics = topics;
        this.tracing = tracing;
    }

    private ProducerRecord<String, byte[]> record(UpgradeCommand command) {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(topics.commandTopic(), command.workflowId(),
                codec.encode(command));
        tracing.injectCurrent(record.headers());
        return record;
    }

    /**
     * Fetches the command topic's metadata once the service is up, so that the first upgrade request does not
     * wait for it on top of the broker's acknowledgement.
     */
    @EventListener(ApplicationReadyEvent.class)
    void fetchTopicMetadata() {
        try {
            template.partitionsFor(topics.commandTopic());
        } catch (RuntimeException e) {
            // The first send will fetch it, or answer 503 if the broker is still away.
        }
    }

    @Override
    public void publishAll(List<UpgradeCommand> commands) {
        AcknowledgedSends.sendAll(template, commands.stream().map(this::record).toList(), topics.sendTimeout(),
                commands.size() + " upgrade commands", CommandNotPublishedException::new);
    }

    @Override
    public void publish(UpgradeCommand command) {
        try {
            template.send(record(command)).get(topics.sendTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CommandNotPublishedException("Interrupted while publishing the upgrade command", e);
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            throw new CommandNotPublishedException("The upgrade command could not be handed to Kafka within "
                    + topics.sendTimeout().toSeconds() + "s; nothing was changed, retry later", e);
        }
    }
}

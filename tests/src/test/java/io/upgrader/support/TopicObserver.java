package io.upgrader.support;

import io.upgrader.kafka.UpgradeTopics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.boot.test.context.TestComponent;
import org.springframework.kafka.annotation.KafkaListener;

import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/** Reads what the service emits, as a downstream consumer would: the command, event and dead-letter topics. */
@TestComponent
public class TopicObserver {

    private final Queue<ConsumerRecord<String, byte[]>> events = new ConcurrentLinkedQueue<>();
    private final Queue<ConsumerRecord<String, byte[]>> deadLetters = new ConcurrentLinkedQueue<>();
    private final Queue<ConsumerRecord<String, byte[]>> commands = new ConcurrentLinkedQueue<>();
    private final UpgradeTopics topics;

    public TopicObserver(UpgradeTopics topics) {
        this.topics = topics;
    }

    /** For the {@code @KafkaListener} expressions ({@code __listener} is this bean). */
    public UpgradeTopics topics() {
        return topics;
    }

    @KafkaListener(topics = "#{__listener.topics().commandTopic()}", groupId = "test-observer-commands")
    void onCommand(ConsumerRecord<String, byte[]> record) {
        commands.add(record);
    }

    @KafkaListener(topics = "#{__listener.topics().eventTopic()}", groupId = "test-observer-events")
    void onEvent(ConsumerRecord<String, byte[]> record) {
        events.add(record);
    }

    @KafkaListener(topics = "#{__listener.topics().deadLetterTopic()}", groupId = "test-observer-dead-letters")
    void onDeadLetter(ConsumerRecord<String, byte[]> record) {
        deadLetters.add(record);
    }

    public List<ConsumerRecord<String, byte[]>> eventsFor(String workflowId) {
        return events.stream().filter(record -> workflowId.equals(record.key())).toList();
    }

    public List<ConsumerRecord<String, byte[]>> commandsFor(String workflowId) {
        return commands.stream().filter(record -> workflowId.equals(record.key())).toList();
    }

    public List<ConsumerRecord<String, byte[]>> deadLettersFor(String key) {
        return deadLetters.stream().filter(record -> key.equals(record.key())).toList();
    }
}

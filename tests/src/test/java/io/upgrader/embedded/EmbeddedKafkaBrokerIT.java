package io.upgrader.embedded;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.core.env.StandardEnvironment;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class EmbeddedKafkaBrokerIT {

    private static final String HOST = "127.0.0.1";
    private static final String TOPIC = "embedded-persistence";

    @TempDir
    Path logDir;

    @BeforeAll
    static void lessVerboseLogging() {
        // Without a logback config the root logger is at DEBUG, and a broker at DEBUG prints megabytes.
        LoggingSystem loggingSystem = LoggingSystem.get(EmbeddedKafkaBrokerIT.class.getClassLoader());
        LogLevel root = loggingSystem.getLoggerConfiguration(LoggingSystem.ROOT_LOGGER_NAME).getEffectiveLevel();
        if (root != null && root.ordinal() < LogLevel.INFO.ordinal()) {
            loggingSystem.setLogLevel(LoggingSystem.ROOT_LOGGER_NAME, LogLevel.INFO);
        }
        EmbeddedInfrastructure.quietBrokerLogging(new StandardEnvironment());
    }

    @Test
    void keepsTopicsAndRecordsAcrossARestart() throws Exception {
        int port = freePort();

        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(HOST, port, logDir)) {
            assertThat(broker.bootstrapServers()).isEqualTo(HOST + ":" + port);
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            }
            try (KafkaProducer<String, String> producer = producer(broker.bootstrapServers())) {
                producer.send(new ProducerRecord<>(TOPIC, "order-1", "created")).get(30, TimeUnit.SECONDS);
            }
            assertThat(readFromBeginning(broker.bootstrapServers(), "before-restart")).containsExactly("order-1=created");
        }

        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(HOST, port, logDir)) {
            assertThat(readFromBeginning(broker.bootstrapServers(), "after-restart")).containsExactly("order-1=created");
        }
    }

    private static KafkaProducer<String, String> producer(String bootstrapServers) {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class));
    }

    /** A fresh consumer group reads from the earliest offset; this also exercises __consumer_offsets. */
    private static List<String> readFromBeginning(String bootstrapServers, String groupId) {
        List<String> records = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.GROUP_ID_CONFIG, groupId,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class))) {
            consumer.subscribe(List.of(TOPIC));
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> records.add(r.key() + "=" + r.value()));
                return !records.isEmpty();
            });
        }
        return records;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return socket.getLocalPort();
        }
    }
}

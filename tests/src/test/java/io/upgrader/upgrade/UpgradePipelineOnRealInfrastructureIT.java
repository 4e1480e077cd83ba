package io.upgrader.upgrade;

import io.upgrader.support.TestCredentials;
import io.upgrader.support.TopicObserver;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.testcontainers.service.connection.ServiceConnection;
import org.springframework.context.annotation.Import;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.mongodb.MongoDBContainer;

/**
 * The same pipeline scenarios against real MongoDB 7 (a single-node replica set) and Apache Kafka, on every
 * machine that has Docker; skipped where there is none.
 */
@Testcontainers(disabledWithoutDocker = true)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "upgrader.kafka.partitions=3",
        "upgrader.kafka.retry-max-interval=1s",
        TestCredentials.TOKENS_PROPERTY,
        TestCredentials.KEYS_PROPERTY
})
@Import(TopicObserver.class)
class UpgradePipelineOnRealInfrastructureIT extends UpgradePipelineScenarios {

    @Container
    @ServiceConnection
    static final MongoDBContainer MONGO = new MongoDBContainer("mongo:7");

    @Container
    @ServiceConnection
    static final KafkaContainer KAFKA = new KafkaContainer("apache/kafka:4.1.1");
}

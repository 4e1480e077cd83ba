package io.upgrader.support;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Import;
import org.springframework.kafka.test.context.EmbeddedKafka;
import org.springframework.test.context.ContextConfiguration;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The service on a random port against a real Kafka broker (KRaft, in process) and the in-process
 * MongoDB-wire server. Every class with exactly this annotation shares one Spring context and one broker.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "upgrader.kafka.partitions=3",
        "upgrader.kafka.retry-max-interval=1s",
        "upgrader.kafka.consumer-concurrency=2",
        // Small pages, so that bulk expansions in tests span several pages and cursor steps.
        "upgrader.bulk.page-size=7",
        // Polls of more than 5 commands are applied in several reads: the chunking runs in every pipeline test.
        "upgrader.apply.read-chunk=5",
        // The benchmark's synchronous baseline, so that its test shares this context.
        "upgrader.baseline.sync-endpoint.enabled=true",
        TestCredentials.TOKENS_PROPERTY,
        TestCredentials.KEYS_PROPERTY
})
@EmbeddedKafka(bootstrapServersProperty = "spring.kafka.bootstrap-servers")
@ContextConfiguration(initializers = InProcessMongo.class)
@Import(TopicObserver.class)
public @interface EmbeddedInfrastructureTest {
}

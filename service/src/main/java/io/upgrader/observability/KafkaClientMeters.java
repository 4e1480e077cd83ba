package io.upgrader.observability;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import org.apache.kafka.clients.consumer.Consumer;
import org.springframework.boot.kafka.autoconfigure.DefaultKafkaConsumerFactoryCustomizer;
import org.springframework.boot.kafka.autoconfigure.DefaultKafkaProducerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.MicrometerConsumerListener;
import org.springframework.kafka.core.MicrometerProducerListener;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The Kafka clients' own metrics in Micrometer (Spring Kafka's listeners on the factories Spring Boot builds), in
 * place of Spring Boot's KafkaMetricsAutoConfiguration (excluded in application.yml) for one difference: a
 * consumer's per-partition metrics, {@code records-lag} of the command topic among them
 * ({@code kafka_consumer_fetch_manager_records_lag{topic,partition}}), exist only once the consumer was assigned and
 * fetched, and Micrometer looks for new client metrics every 60 s by default; here every
 * {@code upgrader.metrics.refresh-interval}, so that a partition's lag shows soon after a rebalance.
 */
@Configuration(proxyBeanMethods = false)
public class KafkaClientMeters {

    @Bean
    DefaultKafkaConsumerFactoryCustomizer kafkaConsumerMeters(MeterRegistry meters,
            MetricsProperties metrics) {
        return factory -> addListener(factory, meters, metrics.refreshInterval());
    }

    @Bean
    DefaultKafkaProducerFactoryCustomizer kafkaProducerMeters(MeterRegistry meters) {
        return factory -> addListener(factory, meters);
    }

    private static <K, V> void addListener(DefaultKafkaConsumerFactory<K, V> factory, MeterRegistry meters,
                                           Duration refresh) {
        factory.addListener(new RefreshingConsumerListener<>(meters, refresh));
    }

    private static <K, V> void addListener(DefaultKafkaProducerFactory<K, V> factory, MeterRegistry meters) {
        factory.addListener(new MicrometerProducerListener<>(meters));
    }

    /** Binds each consumer's metrics with a refresh of its own; unbinding (the consumer closed) stops it. */
    static final class RefreshingConsumerListener<K, V> extends MicrometerConsumerListener<K, V> {
        private final Duration refresh;

        RefreshingConsumerListener(MeterRegistry meters, Duration refresh) {
            super(meters);
            this.refresh = !refresh.isNegative() && !refresh.isZero() ? refresh : Duration.ofSeconds(60);
        }

        @Override
        protected MeterBinder createClientMetrics(Consumer<K, V> consumer, List<Tag> tags) {
            ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
                Thread thread = new Thread(runnable, "kafka-consumer-meters");
                thread.setDaemon(true);
                return thread;
            });
            return new ClosingBinder(new KafkaClientMetrics(consumer, tags, scheduler, refresh), scheduler);
        }
    }

    /** Spring Kafka closes a client's binder when the client goes; the scheduler goes with it. */
    private record ClosingBinder(KafkaClientMetrics metrics, ScheduledExecutorService scheduler)
            implements MeterBinder, AutoCloseable {
        @Override
        public void bindTo(MeterRegistry registry) {
            metrics.bindTo(registry);
        }

        @Override
        public void close() {
            scheduler.shutdownNow();
            metrics.close();
        }
    }
}

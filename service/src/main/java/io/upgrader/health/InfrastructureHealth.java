package io.upgrader.health;

import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.bson.Document;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.mongodb.core.MongoTemplate;
import org.springframework.kafka.core.KafkaAdmin;

import java.util.concurrent.TimeUnit;

/**
 * Health of the two things the service cannot work without; both take part in readiness. MongoDB is
 * checked with {@code ping} rather than Boot's {@code hello}, which the in-process MongoDB-wire server does
 * not implement.
 */
@Configuration(proxyBeanMethods = false)
public class InfrastructureHealth {

    private static final long TIMEOUT_MS = 3_000;

    /** The name replaces Boot's own MongoDB indicator. */
    @Bean("mongoHealthContributor")
    HealthIndicator mongoHealth(MongoTemplate mongo) {
        return () -> {
            try {
                Document answer = mongo.executeCommand(new Document("ping", 1).append("maxTimeMS", TIMEOUT_MS));
                return Health.up().withDetail("database", mongo.getDb().getName()).withDetail("ping", answer.get("ok"))
                        .build();
            } catch (RuntimeException e) {
                return Health.down().withDetail("error", e.getClass().getSimpleName()).build();
            }
        };
    }

    @Bean(destroyMethod = "close")
    AdminClient healthAdminClient(KafkaAdmin admin) {
        return AdminClient.create(admin.getConfigurationProperties());
    }

    @Bean("kafkaHealthIndicator")
    HealthIndicator kafkaHealth(AdminClient healthAdminClient) {
        return () -> {
            try {
                int nodes = healthAdminClient.describeCluster(new DescribeClusterOptions().timeoutMs((int) TIMEOUT_MS))
                        .nodes().get(TIMEOUT_MS, TimeUnit.MILLISECONDS).size();
                return Health.up().withDetail("brokers", nodes).build();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Health.down().withDetail("error", "interrupted").build();
            } catch (Exception e) {
                return Health.down().withDetail("error", e.getClass().getSimpleName()).build();
            }
        };
    }
}

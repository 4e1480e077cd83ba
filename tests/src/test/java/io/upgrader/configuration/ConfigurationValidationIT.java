package io.upgrader.configuration;

import io.upgrader.embedded.EmbeddedInfrastructure;
import io.upgrader.execution.ApplyProperties;
import io.upgrader.kafka.UpgradeTopics;
import io.upgrader.task.TaskProperties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.Banner;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.unit.DataSize;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every {@code upgrader.*} record is bound and validated when the application starts: the defaults alone start
 * it, and a bad value stops it with the failure report Spring Boot prints, which names the property. Only the
 * records are loaded (no Kafka, no MongoDB, no web server), with application.yml, as the service does.
 */
@ExtendWith(OutputCaptureExtension.class)
class ConfigurationValidationIT {

    @Configuration(proxyBeanMethods = false)
    @ConfigurationPropertiesScan("io.upgrader")
    static class RecordsOnly {
    }

    private static ConfigurableApplicationContext start(String... arguments) {
        return new SpringApplicationBuilder(RecordsOnly.class).web(WebApplicationType.NONE)
                .bannerMode(Banner.Mode.OFF).logStartupInfo(false).run(arguments);
    }

    @Test
    void theDefaultsAreValid() {
        try (ConfigurableApplicationContext context = start()) {
            assertThat(context.getBean(ApplyProperties.class)).isEqualTo(new ApplyProperties(16, 50, DataSize.ofMegabytes(4)));
            assertThat(context.getBean(TaskProperties.class).maxPollWait()).isEqualTo(Duration.ofSeconds(5));
            assertThat(context.getBean(UpgradeTopics.class).consumerGroup()).isEqualTo("workflow-upgrader");
        }
    }

    @Test
    void aValueThatIsSetIsBound() {
        try (ConfigurableApplicationContext context = start("--upgrader.apply.read-chunk=7",
                "--upgrader.tasks.max-poll-wait=2s")) {
            assertThat(context.getBean(ApplyProperties.class).readChunk()).isEqualTo(7);
            assertThat(context.getBean(TaskProperties.class).maxPollWait()).isEqualTo(Duration.ofSeconds(2));
        }
    }

    /** The argument, then what the printed report must say (the property's name, and why). */
    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
            "upgrader.apply.read-chunk=0; upgrader.apply.read-chunk; must be greater than or equal to 1",
            "upgrader.apply.max-conflict-retries=-1; upgrader.apply.max-conflict-retries; must be greater than or equal to 1",
            "upgrader.tasks.max-batch-size=0; upgrader.tasks.max-batch-size; must be greater than or equal to 1",
            "upgrader.tasks.poll-recheck-interval=0s; upgrader.tasks.poll-recheck-interval; must be longer than or equal to",
            "upgrader.tasks.max-poll-wait=-1s; upgrader.tasks.max-poll-wait; must be longer than or equal to",
            "upgrader.definitions.recent-ttl=-5s; upgrader.definitions.recent-ttl; must be longer than or equal to",
            "upgrader.metrics.refresh-interval=0s; upgrader.metrics.refresh-interval; must be longer than or equal to",
            "upgrader.http.max-json-depth=0; upgrader.http.max-json-depth; must be greater than or equal to 1",
            "upgrader.http.max-body-size=0B; upgrader.http.max-body-size; must be positive",
            "upgrader.kafka.command-topic=; upgrader.kafka.command-topic; must not be blank",
            "upgrader.kafka.consumer-concurrency=0; upgrader.kafka.consumer-concurrency; must be greater than or equal to 1",
            "upgrader.kafka.max-unexpected-attempts=0; upgrader.kafka.max-unexpected-attempts; must be greater than or equal to 1",
            "upgrader.kafka.send-timeout=0ms; upgrader.kafka.send-timeout; must be longer than or equal to",
            "upgrader.kafka.max-command-size=0B; upgrader.kafka.max-command-size; must be positive",
            "upgrader.security.token-ttl=0s; upgrader.security.token-ttl; must be longer than or equal to 1 second",
            "upgrader.security.issuer=; upgrader.security.issuer; must not be blank",
            // A value that is not one at all, and a record that checks itself in its constructor.
            "upgrader.apply.read-chunk=many; upgrader.apply.read-chunk; many",
            "upgrader.bulk.page-size=0; upgrader.bulk.page-size; must be between 1 and 10000",
            "upgrader.apply.read-budget=0B; upgrader.apply.read-budget; must be positive",
    })
    void aBadValueStopsTheStartNamingTheProperty(String argument, String property, String reason,
                                                  CapturedOutput output) {
        assertThatThrownBy(() -> start("--" + argument).close()).isInstanceOf(RuntimeException.class);
        String printed = output.getAll();
        assertThat(printed).contains("APPLICATION FAILED TO START");
        String report = printed.substring(printed.indexOf("APPLICATION FAILED TO START"));
        assertThat(report).contains(property).contains(reason);
    }

    /**
     * The embedded module binds its settings before any bean exists (it starts the broker and server the context
     * connects to); a bad one stops the start with the same report, and nothing is started.
     */
    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
            "upgrader.embedded.kafka-port=70000; upgrader.embedded.kafka-port; must be less than or equal to 65535",
            "upgrader.embedded.mongodb-port=0; upgrader.embedded.mongodb-port; must be greater than or equal to 1",
            "upgrader.embedded.mongodb-cache-size-mb=0; upgrader.embedded.mongodb-cache-size-mb; must be greater than or equal to 1",
            "upgrader.embedded.host=; upgrader.embedded.host; must not be blank",
            "upgrader.embedded.enabled=perhaps; upgrader.embedded.enabled; perhaps",
    })
    void aBadEmbeddedValueStopsTheStartNamingTheProperty(String argument, String property, String reason,
                                                         CapturedOutput output) {
        EmbeddedInfrastructure embedded = new EmbeddedInfrastructure();
        assertThatThrownBy(() -> new SpringApplicationBuilder(RecordsOnly.class).web(WebApplicationType.NONE)
                .bannerMode(Banner.Mode.OFF).logStartupInfo(false).listeners(embedded).run("--" + argument).close())
                .isInstanceOf(RuntimeException.class);
        String printed = output.getAll();
        assertThat(printed).contains("APPLICATION FAILED TO START");
        String report = printed.substring(printed.indexOf("APPLICATION FAILED TO START"));
        assertThat(report).contains(property).contains(reason);
        assertThat(printed).doesNotContain("Started embedded");
    }
}

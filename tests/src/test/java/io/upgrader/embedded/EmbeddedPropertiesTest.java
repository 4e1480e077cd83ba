package io.upgrader.embedded;

import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.validation.BindValidationException;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The embedded mode's settings, bound and validated from the Environment before any bean exists. */
class EmbeddedPropertiesTest {

    @Test
    void theDefaultsAreTheDocumentedOnes() {
        EmbeddedProperties settings = EmbeddedProperties.bind(environment(Map.of()));

        // ./data, which the conversion to a Path normalises.
        assertThat(settings).isEqualTo(new EmbeddedProperties(true, "127.0.0.1", 9092, 27017,
                EmbeddedMongoServer.DEFAULT_CACHE_SIZE_MB, Path.of("data")));
    }

    @Test
    void setValuesAreBoundThroughRelaxedBinding() {
        EmbeddedProperties settings = EmbeddedProperties.bind(environment(Map.of(
                "upgrader.embedded.enabled", "false", "upgrader.embedded.kafkaPort", "19092",
                "upgrader.embedded.mongodb-port", "37017", "upgrader.embedded.mongodb-cache-size-mb", "8",
                "upgrader.embedded.data-dir", "/var/tmp/upgrader")));

        assertThat(settings).isEqualTo(new EmbeddedProperties(false, "127.0.0.1", 19092, 37017, 8,
                Path.of("/var/tmp/upgrader")));
    }

    @Test
    void aPortOutOfRangeFailsNamingTheProperty() {
        assertThatThrownBy(() -> EmbeddedProperties.bind(environment(Map.of("upgrader.embedded.kafka-port", "70000"))))
                .isInstanceOf(BindException.class)
                .hasRootCauseInstanceOf(BindValidationException.class)
                .rootCause().hasMessageContaining("upgrader.embedded.kafka-port")
                .hasMessageContaining("less than or equal to 65535");
    }

    @Test
    void aValueOfTheWrongTypeFailsNamingTheProperty() {
        assertThatThrownBy(() -> EmbeddedProperties.bind(environment(Map.of("upgrader.embedded.mongodb-port", "x"))))
                .isInstanceOf(BindException.class)
                .hasMessageContaining("upgrader.embedded.mongodb-port");
    }

    @Test
    void aBlankHostOrAZeroCacheIsRefused() {
        assertThatThrownBy(() -> EmbeddedProperties.bind(environment(Map.of("upgrader.embedded.host", " "))))
                .rootCause().hasMessageContaining("upgrader.embedded.host");
        assertThatThrownBy(() -> EmbeddedProperties.bind(environment(Map.of(
                "upgrader.embedded.mongodb-cache-size-mb", "0")))).rootCause()
                .hasMessageContaining("upgrader.embedded.mongodb-cache-size-mb");
    }

    @Test
    void aDisabledModeStartsNothing() {
        EmbeddedInfrastructure infrastructure = new EmbeddedInfrastructure();
        StandardEnvironment environment = environment(Map.of("upgrader.embedded.enabled", "false"));

        infrastructure.start(environment);

        assertThat(environment.getPropertySources().contains(EmbeddedInfrastructure.PROPERTY_SOURCE_NAME)).isFalse();
    }

    private static StandardEnvironment environment(Map<String, Object> properties) {
        StandardEnvironment environment = new StandardEnvironment();
        // Only what the test sets: the machine's own variables must not leak in.
        environment.getPropertySources().remove(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME);
        environment.getPropertySources().remove(StandardEnvironment.SYSTEM_PROPERTIES_PROPERTY_SOURCE_NAME);
        environment.getPropertySources().addFirst(new MapPropertySource("test", properties));
        return environment;
    }
}

package io.upgrader.embedded;

import io.upgrader.UpgraderApplication;
import org.springframework.boot.SpringApplication;

/**
 * The development default ({@code mvn spring-boot:run}, or this module's runnable jar): the service, with an
 * in-process Kafka broker and MongoDB-wire server started wherever {@code KAFKA_BOOTSTRAP_SERVERS} /
 * {@code MONGODB_URI} are unset ({@link EmbeddedInfrastructure}). Not for production: the service's own jar
 * holds none of this and needs both variables.
 */
public final class EmbeddedUpgraderApplication {

    private EmbeddedUpgraderApplication() {
    }

    public static void main(String[] args) {
        SpringApplication application = UpgraderApplication.application();
        // Only this entry point starts embedded infrastructure; tests bring their own broker and store.
        application.addListeners(new EmbeddedInfrastructure());
        application.run(args);
    }
}

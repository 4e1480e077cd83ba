package io.upgrader;

import io.upgrader.embedded.EmbeddedInfrastructure;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Bean;

import java.time.Clock;

@SpringBootApplication
@ConfigurationPropertiesScan
public class UpgraderApplication {

    public static void main(String[] args) {
        SpringApplication application = new SpringApplication(UpgraderApplication.class);
        // Only the real entry point starts embedded infrastructure; tests bring their own broker and store.
        application.addListeners(new EmbeddedInfrastructure());
        application.run(args);
    }

    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }
}

package io.upgrader;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Bean;

import java.time.Clock;

@SpringBootApplication
@ConfigurationPropertiesScan
public class UpgraderApplication {

    public static void main(String[] args) {
        application().run(args);
    }

    /**
     * The application as its entry points start it: this service's main, and the embedded development module's,
     * which adds its in-process broker and store. Either refuses to start without a Kafka and a MongoDB to use
     * ({@link RequiredInfrastructure}); tests bring their own and start the application without it.
     */
    public static SpringApplication application() {
        SpringApplication application = new SpringApplication(UpgraderApplication.class);
        application.addListeners(new RequiredInfrastructure());
        return application;
    }

    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }
}

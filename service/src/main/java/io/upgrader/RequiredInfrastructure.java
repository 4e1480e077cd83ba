package io.upgrader;

import org.springframework.boot.context.event.ApplicationPreparedEvent;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.context.ApplicationListener;
import org.springframework.core.env.Environment;
import org.springframework.util.StringUtils;

import java.util.ArrayList;
import java.util.List;

/**
 * The service needs a Kafka and a MongoDB of the operator's: {@code KAFKA_BOOTSTRAP_SERVERS} and {@code MONGODB_URI}
 * (application.yml maps them to {@code spring.kafka.bootstrap-servers} and {@code spring.mongodb.uri}, which may
 * be set directly instead). Without them it refuses to start, naming what is missing, rather than trying a broker
 * and a server on localhost. Checked once the environment is complete, after every environment listener (the
 * embedded development module's sets both to its in-process broker and store) and before any bean exists.
 */
public class RequiredInfrastructure implements ApplicationListener<ApplicationPreparedEvent> {

    @Override
    public void onApplicationEvent(ApplicationPreparedEvent event) {
        Environment environment = event.getApplicationContext().getEnvironment();
        List<String> missing = new ArrayList<>();
        if (!StringUtils.hasText(environment.getProperty("spring.kafka.bootstrap-servers"))) {
            missing.add("KAFKA_BOOTSTRAP_SERVERS");
        }
        if (!StringUtils.hasText(environment.getProperty("spring.mongodb.uri"))) {
            missing.add("MONGODB_URI");
        }
        if (!missing.isEmpty()) {
            throw new MissingInfrastructureException(missing);
        }
    }

    /** Thrown at start-up when {@code KAFKA_BOOTSTRAP_SERVERS} and/or {@code MONGODB_URI} are not set. */
    public static final class MissingInfrastructureException extends IllegalStateException {

        private final List<String> variables;

        MissingInfrastructureException(List<String> variables) {
            super("Cannot start: " + String.join(" and ", variables) + (variables.size() == 1 ? " is" : " are")
                    + " not set. The service needs an external Kafka (KAFKA_BOOTSTRAP_SERVERS, e.g. kafka:9092) and "
                    + "MongoDB (MONGODB_URI, e.g. mongodb://mongo:27017/upgrader).");
            this.variables = List.copyOf(variables);
        }

        public List<String> variables() {
            return variables;
        }
    }

    /** Prints the missing variables as Spring Boot's "APPLICATION FAILED TO START" report, without a stack trace. */
    public static final class Analyzer extends AbstractFailureAnalyzer<MissingInfrastructureException> {

        @Override
        protected FailureAnalysis analyze(Throwable rootFailure, MissingInfrastructureException cause) {
            return new FailureAnalysis(cause.getMessage(), "Set " + String.join(" and ", cause.variables())
                    + ". For development without them, run the embedded module instead (mvn spring-boot:run, or "
                    + "java -jar embedded/target/workflow-upgrader-embedded-<version>-exec.jar): it starts an "
                    + "in-process Kafka broker and MongoDB-wire server.", cause);
        }
    }
}

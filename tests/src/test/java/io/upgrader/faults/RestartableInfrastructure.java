package io.upgrader.faults;

import io.upgrader.embedded.EmbeddedKafkaBroker;
import io.upgrader.embedded.EmbeddedMongoServer;
import org.springframework.boot.test.util.TestPropertyValues;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;

import java.nio.file.Path;

/**
 * A Kafka broker and a MongoDB-wire server that fault tests stop and start again, on the same ports and
 * data, so that clients reconnect to the state they left (the service's own in-process implementations).
 */
public final class RestartableInfrastructure implements ApplicationContextInitializer<ConfigurableApplicationContext> {

    private static final String HOST = "127.0.0.1";
    private static final int KAFKA_PORT = LocalResources.freePort();
    private static final int MONGO_PORT = LocalResources.freePort();
    private static final Path DATA = LocalResources.temporaryDirectory("upgrader-faults");

    private static EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.start(HOST, KAFKA_PORT, DATA.resolve("kafka"));
    private static EmbeddedMongoServer mongo = EmbeddedMongoServer.start(HOST, MONGO_PORT, DATA.resolve("mongo.mv"));

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(RestartableInfrastructure::stopAll, "fault-infra-stop"));
    }

    public static String bootstrapServers() {
        return HOST + ":" + KAFKA_PORT;
    }

    /** Short timeouts, so that an outage shows within seconds rather than the driver's default 30 s. */
    public static String mongoUri() {
        return "mongodb://" + HOST + ":" + MONGO_PORT + "/upgrader?serverSelectionTimeoutMS=1500&connectTimeoutMS=1000";
    }

    public static synchronized void stopKafka() {
        kafka.close();
    }

    public static synchronized void startKafka() {
        kafka = EmbeddedKafkaBroker.start(HOST, KAFKA_PORT, DATA.resolve("kafka"));
    }

    public static synchronized void stopMongo() {
        mongo.close();
    }

    public static synchronized void startMongo() {
        mongo = EmbeddedMongoServer.start(HOST, MONGO_PORT, DATA.resolve("mongo.mv"));
    }

    /** At the JVM's exit: the servers, then their files (hundreds of MB after a bulk crash test). */
    private static synchronized void stopAll() {
        kafka.close();
        mongo.close();
        LocalResources.deleteRecursively(DATA);
    }

    @Override
    public void initialize(ConfigurableApplicationContext context) {
        TestPropertyValues.of("spring.kafka.bootstrap-servers=" + bootstrapServers(),
                "spring.mongodb.uri=" + mongoUri()).applyTo(context);
    }
}

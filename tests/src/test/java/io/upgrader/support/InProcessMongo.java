package io.upgrader.support;

import de.bwaldvogel.mongo.MongoServer;
import io.upgrader.embedded.IndexSeekingH2Backend;
import org.springframework.boot.test.util.TestPropertyValues;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;

import java.net.InetSocketAddress;

/**
 * One in-process MongoDB-wire server for the whole test JVM (mongo-java-server, with the embedded mode's
 * backend kept in memory); the real MongoDB driver and Spring Data talk to it unchanged.
 */
public class InProcessMongo implements ApplicationContextInitializer<ConfigurableApplicationContext> {

    private static final MongoServer SERVER = startServer();

    private static MongoServer startServer() {
        MongoServer server = new MongoServer(IndexSeekingH2Backend.inMemory());
        server.bind("127.0.0.1", 0);
        Runtime.getRuntime().addShutdownHook(new Thread(server::shutdownNow, "in-process-mongo-stop"));
        return server;
    }

    public static String connectionString() {
        InetSocketAddress address = SERVER.getLocalAddress();
        return "mongodb://127.0.0.1:" + address.getPort() + "/upgrader";
    }

    @Override
    public void initialize(ConfigurableApplicationContext context) {
        TestPropertyValues.of("spring.mongodb.uri=" + connectionString()).applyTo(context);
    }
}

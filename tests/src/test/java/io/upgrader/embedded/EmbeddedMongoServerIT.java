package io.upgrader.embedded;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import org.bson.Document;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggingSystem;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EmbeddedMongoServerIT {

    private static final String HOST = "127.0.0.1";

    @TempDir
    Path dataDir;

    @BeforeAll
    static void lessVerboseLogging() {
        // Without a logback config the root logger is at DEBUG, which floods the output with Netty and driver lines.
        LoggingSystem loggingSystem = LoggingSystem.get(EmbeddedMongoServerIT.class.getClassLoader());
        LogLevel root = loggingSystem.getLoggerConfiguration(LoggingSystem.ROOT_LOGGER_NAME).getEffectiveLevel();
        if (root != null && root.ordinal() < LogLevel.INFO.ordinal()) {
            loggingSystem.setLogLevel(LoggingSystem.ROOT_LOGGER_NAME, LogLevel.INFO);
        }
    }

    @Test
    void keepsDocumentsAcrossARestart() throws Exception {
        int port = freePort();
        // A nested, not yet existing directory: start must create it.
        Path h2File = dataDir.resolve("nested/mongo.mv");

        try (EmbeddedMongoServer server = EmbeddedMongoServer.start(HOST, port, h2File);
                MongoClient client = MongoClients.create(server.connectionString())) {
            assertThat(server.connectionString()).isEqualTo("mongodb://" + HOST + ":" + port);
            workflows(client).insertOne(new Document("_id", "wf-1").append("version", 2));
        }

        try (EmbeddedMongoServer server = EmbeddedMongoServer.start(HOST, port, h2File);
                MongoClient client = MongoClients.create(server.connectionString())) {
            Document found = workflows(client).find(Filters.eq("_id", "wf-1")).first();
            assertThat(found).isNotNull();
            assertThat(found.getInteger("version")).isEqualTo(2);
        }
    }

    @Test
    void failsClearlyOnATakenPortAndReleasesTheFile() throws Exception {
        Path h2File = dataDir.resolve("mongo.mv");
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            assertThatThrownBy(() -> EmbeddedMongoServer.start(HOST, taken.getLocalPort(), h2File))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(String.valueOf(taken.getLocalPort()));
        }
        // The failed start must not keep the H2 file locked.
        try (EmbeddedMongoServer server = EmbeddedMongoServer.start(HOST, freePort(), h2File)) {
            assertThat(server.h2File()).isEqualTo(h2File.toAbsolutePath().normalize());
        }
    }

    private static MongoCollection<Document> workflows(MongoClient client) {
        return client.getDatabase(EmbeddedInfrastructure.DATABASE).getCollection("workflows");
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return socket.getLocalPort();
        }
    }
}

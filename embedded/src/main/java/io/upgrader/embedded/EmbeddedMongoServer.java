package io.upgrader.embedded;

import de.bwaldvogel.mongo.MongoServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A MongoDB-wire server inside this JVM (mongo-java-server), storing its data in an H2 MVStore
 * file so it survives a restart, its queries narrowed by unique indexes as MongoDB's are
 * ({@link IndexSeekingH2Backend}). It speaks the protocol the MongoDB driver needs, but it is not
 * MongoDB: it implements a subset of the query language and none of the replication features.
 */
public final class EmbeddedMongoServer implements AutoCloseable {

    public static final int DEFAULT_CACHE_SIZE_MB = 64;

    private final MongoServer server;
    private final String connectionString;
    private final Path h2File;
    private boolean closed;

    private EmbeddedMongoServer(MongoServer server, String connectionString, Path h2File) {
        this.server = server;
        this.connectionString = connectionString;
        this.h2File = h2File;
    }

    public static EmbeddedMongoServer start(String host, int port, Path h2File) {
        return start(host, port, h2File, DEFAULT_CACHE_SIZE_MB);
    }

    /** @param cacheSizeMb H2's page cache: documents beyond it are read from the file and deserialized again */
    public static EmbeddedMongoServer start(String host, int port, Path h2File, int cacheSizeMb) {
        Path file = h2File.toAbsolutePath().normalize();
        createParentDirectories(file);
        MongoServer server = new MongoServer(IndexSeekingH2Backend.inFile(file.toString(), cacheSizeMb));
        try {
            server.bind(host, port);
        } catch (Exception e) {
            // Netty rethrows the checked BindException sneakily, past MongoServer's own cleanup:
            // release the event loops and the H2 file lock here so a retry in this JVM works.
            server.shutdownNow();
            throw new IllegalStateException("Cannot bind the embedded MongoDB-wire server to " + host + ":" + port, e);
        }
        return new EmbeddedMongoServer(server, "mongodb://" + host + ":" + port, file);
    }

    /** {@code mongodb://host:port}, without a database name. */
    public String connectionString() {
        return connectionString;
    }

    public Path h2File() {
        return h2File;
    }

    /**
     * Disconnects the clients and closes the backend; closing the H2 backend stores the pending
     * changes and closes the MVStore, so the file is consistent and unlocked for the next start.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        server.shutdownNow();
    }

    private static void createParentDirectories(Path file) {
        Path parent = file.getParent();
        if (parent == null) {
            return;
        }
        try {
            Files.createDirectories(parent);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create the directory for " + file, e);
        }
    }
}

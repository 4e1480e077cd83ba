package io.upgrader.bench;

import de.bwaldvogel.mongo.MongoServer;
import io.upgrader.embedded.EmbeddedKafkaBroker;
import io.upgrader.embedded.IndexSeekingH2Backend;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * The broker and the store the benchmark runs against: by default an in-process Kafka broker (KRaft) and an
 * in-process MongoDB-wire server (the embedded mode's H2 backend, in a temporary file) in this JVM, both on 127.0.0.1; or the servers named by
 * KAFKA_BOOTSTRAP_SERVERS and MONGODB_URI.
 */
final class Infrastructure implements AutoCloseable {

    static final String HOST = "127.0.0.1";
    static final String DEFAULT_DATABASE = "upgrader";

    final String kafkaBootstrap;
    final String mongoUri;
    final boolean embeddedKafka;
    final boolean embeddedMongo;

    private EmbeddedKafkaBroker broker;
    private Path dataDir;
    private MongoServer mongoServer;

    private Infrastructure(String kafkaBootstrap, String mongoUri, boolean embeddedKafka, boolean embeddedMongo,
                           EmbeddedKafkaBroker broker, Path dataDir, MongoServer mongoServer) {
        this.kafkaBootstrap = kafkaBootstrap;
        this.mongoUri = mongoUri;
        this.embeddedKafka = embeddedKafka;
        this.embeddedMongo = embeddedMongo;
        this.broker = broker;
        this.dataDir = dataDir;
        this.mongoServer = mongoServer;
    }

    static Infrastructure start(boolean allowRemote, int storeCacheMb) {
        String externalKafka = blankToNull(System.getenv("KAFKA_BOOTSTRAP_SERVERS"));
        String externalMongo = blankToNull(System.getenv("MONGODB_URI"));
        if (!allowRemote) {
            requireLoopback("KAFKA_BOOTSTRAP_SERVERS", externalKafka);
            requireLoopback("MONGODB_URI", externalMongo);
        }
        EmbeddedKafkaBroker broker = null;
        Path dataDir = null;
        MongoServer mongo = null;
        try {
            dataDir = Files.createTempDirectory("bench-data-");
            String bootstrap = externalKafka;
            if (bootstrap == null) {
                broker = EmbeddedKafkaBroker.start(HOST, freePort(), dataDir.resolve("kafka"));
                bootstrap = broker.bootstrapServers();
            }
            String uri = externalMongo;
            if (uri == null) {
                mongo = new MongoServer(IndexSeekingH2Backend.inFile(dataDir.resolve("mongo.mv").toString(),
                        storeCacheMb));
                mongo.bind(HOST, freePort());
                uri = "mongodb://" + HOST + ":" + mongo.getLocalAddress().getPort() + "/" + DEFAULT_DATABASE;
            }
            Infrastructure infrastructure = new Infrastructure(bootstrap, uri, externalKafka == null,
                    externalMongo == null, broker, dataDir, mongo);
            // Ctrl-C or a crash: stop the broker and the store and remove their data directory all the same.
            Runtime.getRuntime().addShutdownHook(new Thread(infrastructure::close, "bench-infrastructure-stop"));
            return infrastructure;
        } catch (IOException | RuntimeException e) {
            if (broker != null) {
                broker.close();
            }
            if (mongo != null) {
                mongo.shutdownNow();
            }
            deleteTree(dataDir);
            throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        }
    }

    String describe() {
        return "Kafka " + (embeddedKafka ? "in-process broker (KRaft) at " : "external at ") + kafkaBootstrap
                + ", MongoDB " + (embeddedMongo ? "in-process mongo-java-server (H2 file backend) at " : "external at ")
                + redact(mongoUri);
    }

    @Override
    public synchronized void close() {
        try {
            if (broker != null) {
                EmbeddedKafkaBroker b = broker;
                broker = null;
                b.close();
            }
        } catch (RuntimeException e) {
            System.err.println("bench: stopping the Kafka broker failed: " + e);
        } finally {
            if (mongoServer != null) {
                MongoServer m = mongoServer;
                mongoServer = null;
                m.shutdownNow();
            }
            deleteTree(dataDir);
            dataDir = null;
        }
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on " + HOST, e);
        }
    }

    static String redact(String uri) {
        return uri == null ? null : uri.replaceAll("//[^/@]*@", "//***@");
    }

    private static void requireLoopback(String variable, String value) {
        if (value == null) {
            return;
        }
        for (String host : hosts(value)) {
            boolean loopback;
            try {
                loopback = host.equalsIgnoreCase("localhost") || InetAddress.getByName(host).isLoopbackAddress();
            } catch (IOException e) {
                loopback = false;
            }
            if (!loopback) {
                throw new IllegalStateException(variable + " names " + host + ", which is not a loopback address; this"
                        + " benchmark sends load only to 127.0.0.1 unless --allow-remote-infrastructure is given");
            }
        }
    }

    private static java.util.List<String> hosts(String value) {
        String list = value;
        if (list.startsWith("mongodb://") || list.startsWith("mongodb+srv://")) {
            list = list.substring(list.indexOf("//") + 2);
            int at = list.lastIndexOf('@', list.indexOf('/') < 0 ? list.length() : list.indexOf('/'));
            if (at >= 0) {
                list = list.substring(at + 1);
            }
            int end = list.indexOf('/');
            list = end < 0 ? list : list.substring(0, end);
            int query = list.indexOf('?');
            list = query < 0 ? list : list.substring(0, query);
        }
        java.util.List<String> hosts = new java.util.ArrayList<>();
        for (String part : list.split(",")) {
            String p = part.trim();
            if (p.isEmpty()) {
                continue;
            }
            if (p.contains("://")) {
                p = URI.create(p).getHost();
            } else if (p.startsWith("[")) {
                p = p.substring(1, p.indexOf(']'));
            } else if (p.indexOf(':') == p.lastIndexOf(':') && p.contains(":")) {
                p = p.substring(0, p.indexOf(':'));
            }
            hosts.add(p);
        }
        return hosts;
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.trim();
    }

    static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            System.err.println("bench: could not delete " + dir + ": " + e);
        }
    }
}

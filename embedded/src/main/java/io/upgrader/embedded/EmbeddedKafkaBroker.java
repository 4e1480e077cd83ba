package io.upgrader.embedded;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * A real Apache Kafka broker running inside this JVM: one KRaft node that is both broker and
 * controller, built from the {@code kafka_2.13} artifacts (not from spring-kafka-test, which is
 * test scope). The log directory is kept between runs, so topics, messages and committed offsets
 * survive a restart.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

    /**
     * Loggers of the broker internals; at INFO they print hundreds of lines per start. Clients
     * (org.apache.kafka.clients) are deliberately not in this list: they belong to the application.
     */
    public static final List<String> BROKER_LOGGERS = List.of(
            "kafka",
            "state.change.logger",
            "org.apache.kafka.controller",
            "org.apache.kafka.coordinator",
            "org.apache.kafka.image",
            "org.apache.kafka.metadata",
            "org.apache.kafka.network",
            "org.apache.kafka.queue",
            "org.apache.kafka.raft",
            "org.apache.kafka.server",
            "org.apache.kafka.snapshot",
            "org.apache.kafka.storage");

    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);

    private static final int NODE_ID = 1;

    private final KafkaRaftServer server;
    private final String bootstrapServers;
    private final String clusterId;
    private final Path logDir;
    private boolean closed;

    private EmbeddedKafkaBroker(KafkaRaftServer server, String bootstrapServers, String clusterId, Path logDir) {
        this.server = server;
        this.bootstrapServers = bootstrapServers;
        this.clusterId = clusterId;
        this.logDir = logDir;
    }

    /**
     * Formats {@code logDir} on first use, then starts the node and returns once the broker is
     * unfenced, i.e. ready to serve clients on {@code host:port}.
     */
    public static EmbeddedKafkaBroker start(String host, int port, Path logDir) {
        return start(host, port, port, logDir);
    }

    /**
     * As {@link #start(String, int, Path)}, but the broker tells clients (in its metadata) to connect to
     * {@code host:advertisedPort}, e.g. a proxy in front of {@code port}; {@link #bootstrapServers()} stays
     * {@code host:port}.
     */
    public static EmbeddedKafkaBroker start(String host, int port, int advertisedPort, Path logDir) {
        Path dir = logDir.toAbsolutePath().normalize();
        createDirectories(dir);
        Map<String, String> config = nodeConfig(host, port, advertisedPort, freePort(host), dir);
        String clusterId = formatIfNeeded(config, dir);
        KafkaRaftServer server = new KafkaRaftServer(new KafkaConfig(config, false), Time.SYSTEM);
        try {
            server.startup();
        } catch (RuntimeException e) {
            // A half-started node keeps threads and the log dir lock; release them so a retry works.
            server.shutdown();
            server.awaitShutdown();
            throw e;
        }
        return new EmbeddedKafkaBroker(server, host + ":" + port, clusterId, dir);
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public String clusterId() {
        return clusterId;
    }

    public Path logDir() {
        return logDir;
    }

    /** Shuts the node down and waits for it, so the log dir is clean and the ports are free again. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        server.shutdown();
        server.awaitShutdown();
    }

    private static Map<String, String> nodeConfig(String host, int port, int advertisedPort, int controllerPort,
                                                  Path dir) {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("process.roles", "broker,controller");
        config.put("node.id", String.valueOf(NODE_ID));
        config.put("listeners", "PLAINTEXT://" + host + ":" + port + ",CONTROLLER://" + host + ":" + controllerPort);
        config.put("advertised.listeners", "PLAINTEXT://" + host + ":" + advertisedPort);
        config.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        config.put("inter.broker.listener.name", "PLAINTEXT");
        config.put("controller.listener.names", "CONTROLLER");
        // A static voter set (kraft.version 0) keeps the controller address out of the metadata
        // log, so the controller may get a different free port on every start.
        config.put("controller.quorum.voters", NODE_ID + "@" + host + ":" + controllerPort);
        config.put("log.dirs", dir.toString());
        // One node: every internal topic must be satisfiable with a single replica.
        config.put("offsets.topic.replication.factor", "1");
        config.put("transaction.state.log.replication.factor", "1");
        config.put("transaction.state.log.min.isr", "1");
        config.put("share.coordinator.state.topic.replication.factor", "1");
        config.put("share.coordinator.state.topic.min.isr", "1");
        config.put("default.replication.factor", "1");
        config.put("min.insync.replicas", "1");
        // Fewer internal partitions make the first group join and transaction much faster.
        config.put("offsets.topic.num.partitions", "1");
        config.put("transaction.state.log.num.partitions", "1");
        config.put("share.coordinator.state.topic.num.partitions", "1");
        config.put("group.initial.rebalance.delay.ms", "0");
        config.put("auto.create.topics.enable", "true");
        config.put("num.partitions", "1");
        // The broker shares the application's heap: the cleaner's default 128 MiB buffer is too much.
        config.put("log.cleaner.dedupe.buffer.size", String.valueOf(8 * 1024 * 1024));
        config.put("num.network.threads", "2");
        config.put("num.io.threads", "2");
        return config;
    }

    /**
     * Formats the log dir with a new cluster id unless it already holds meta.properties (written
     * last by the formatter, so its presence means a complete format); then the existing cluster
     * id is kept and the data survives.
     */
    private static String formatIfNeeded(Map<String, String> config, Path dir) {
        Path metaProperties = dir.resolve("meta.properties");
        if (Files.exists(metaProperties)) {
            return readClusterId(metaProperties);
        }
        String clusterId = Uuid.randomUuid().toString();
        Path configFile = writeTemporaryConfig(config);
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        try (PrintStream printStream = new PrintStream(output, true, StandardCharsets.UTF_8)) {
            // StorageTool is the supported entry point of "kafka-storage.sh format"; the Formatter
            // it drives lives in kafka-metadata, which is only a runtime dependency of kafka_2.13.
            int exitCode = StorageTool.execute(new String[] {
                    "format", "--config", configFile.toString(), "--cluster-id", clusterId, "--ignore-formatted"},
                    printStream);
            if (exitCode != 0) {
                throw new IllegalStateException("Formatting the Kafka log dir " + dir + " failed: " + output);
            }
        } finally {
            deleteQuietly(configFile);
        }
        log.debug("Formatted Kafka log dir {}: {}", dir, output.toString(StandardCharsets.UTF_8).trim());
        return clusterId;
    }

    private static String readClusterId(Path metaProperties) {
        Properties properties = new Properties();
        try (InputStream in = Files.newInputStream(metaProperties)) {
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + metaProperties, e);
        }
        return properties.getProperty("cluster.id");
    }

    private static Path writeTemporaryConfig(Map<String, String> config) {
        Properties properties = new Properties();
        properties.putAll(config);
        try {
            Path file = Files.createTempFile("embedded-kafka-", ".properties");
            try (OutputStream out = Files.newOutputStream(file)) {
                properties.store(out, "embedded Kafka node, used only to format the log dir");
            }
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the Kafka config for formatting", e);
        }
    }

    private static int freePort(String host) {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(host))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("No free port on " + host + " for the KRaft controller listener", e);
        }
    }

    private static void createDirectories(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create the Kafka log dir " + dir, e);
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            log.debug("Could not delete {}", file, e);
        }
    }
}

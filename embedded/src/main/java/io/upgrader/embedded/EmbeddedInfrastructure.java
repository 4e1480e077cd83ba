package io.upgrader.embedded;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import io.upgrader.security.SecurityConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.Marker;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.DefaultSingletonBeanRegistry;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.boot.context.event.ApplicationFailedEvent;
import org.springframework.boot.context.event.ApplicationPreparedEvent;
import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.Environment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.util.ClassUtils;
import org.springframework.util.StringUtils;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The embedded development default: when no external Kafka ({@code KAFKA_BOOTSTRAP_SERVERS}) or
 * MongoDB ({@code MONGODB_URI}) is configured, starts an in-process Kafka broker and/or
 * MongoDB-wire server and points {@code spring.kafka.bootstrap-servers} / {@code spring.mongodb.uri}
 * at them.
 *
 * <p>Registered with {@code SpringApplication.addListeners} rather than as a bean, because the
 * servers must be running, and the properties set, before the context creates its clients.
 */
public class EmbeddedInfrastructure implements ApplicationListener<ApplicationEvent> {

    public static final String PROPERTY_SOURCE_NAME = "embeddedInfrastructure";

    /** Set to true when both Kafka and MongoDB are embedded, i.e. the service runs in its development mode. */
    public static final String EMBEDDED_MODE_PROPERTY = SecurityConfiguration.EMBEDDED_MODE_PROPERTY;

    static final String DATABASE = "upgrader";

    private static final Logger log = LoggerFactory.getLogger(EmbeddedInfrastructure.class);

    private static final String CLOSER_NAME = EmbeddedInfrastructure.class.getName() + ".close";

    private EmbeddedKafkaBroker kafka;
    private EmbeddedMongoServer mongo;
    private boolean closesWithContext;
    private boolean shutdownHandlerAdded;

    public EmbeddedInfrastructure() {
        // Instantiated by EmbeddedUpgraderApplication's main method, or reflectively.
    }

    @Override
    public void onApplicationEvent(ApplicationEvent event) {
        if (event instanceof ApplicationEnvironmentPreparedEvent prepared) {
            start(prepared.getEnvironment());
        } else if (event instanceof ApplicationPreparedEvent prepared) {
            closeWithContext(prepared.getApplicationContext());
        } else if (event instanceof ApplicationFailedEvent && !closesWithContext) {
            // Failed before a context could take over the closing (e.g. a port was taken).
            close();
        }
    }

    synchronized void start(ConfigurableEnvironment environment) {
        if (kafka != null || mongo != null) {
            return;
        }
        EmbeddedProperties settings = EmbeddedProperties.bind(environment);
        if (!settings.enabled()) {
            return;
        }
        boolean needsKafka = !StringUtils.hasText(environment.getProperty("KAFKA_BOOTSTRAP_SERVERS"));
        boolean needsMongo = !StringUtils.hasText(environment.getProperty("MONGODB_URI"));
        if (!needsKafka && !needsMongo) {
            return;
        }
        String host = settings.host();
        Path dataDir = settings.dataDir().toAbsolutePath().normalize();
        // Both ports are checked before anything starts, so a clash costs no broker start and stop.
        if (needsKafka) {
            requireFreePort(host, settings.kafkaPort(), "upgrader.embedded.kafka-port", "KAFKA_BOOTSTRAP_SERVERS");
        }
        if (needsMongo) {
            requireFreePort(host, settings.mongodbPort(), "upgrader.embedded.mongodb-port", "MONGODB_URI");
        }
        Map<String, Object> properties = new LinkedHashMap<>();
        try {
            if (needsKafka) {
                quietBrokerLogging(environment);
                long started = System.nanoTime();
                kafka = EmbeddedKafkaBroker.start(host, settings.kafkaPort(), dataDir.resolve("kafka"));
                log.info("Started embedded Apache Kafka broker (KRaft) on {}, log dir {} (cluster id {}, {} ms)",
                        kafka.bootstrapServers(), kafka.logDir(), kafka.clusterId(), (System.nanoTime() - started) / 1_000_000);
                properties.put("spring.kafka.bootstrap-servers", kafka.bootstrapServers());
            }
            if (needsMongo) {
                mongo = EmbeddedMongoServer.start(host, settings.mongodbPort(), dataDir.resolve("mongo.mv"),
                        settings.mongodbCacheSizeMb());
                log.info("Started embedded MongoDB-wire server (mongo-java-server, H2 backend) on {}, data file {}",
                        mongo.connectionString(), mongo.h2File());
                properties.put("spring.mongodb.uri", mongo.connectionString() + "/" + DATABASE);
            }
        } catch (RuntimeException e) {
            // Whatever did start must not outlive the failed application.
            close();
            throw e;
        }
        if (needsKafka && needsMongo) {
            // The development mode proper: nothing external is configured. Only it may run without credentials.
            properties.put(EMBEDDED_MODE_PROPERTY, "true");
        }
        // First, so the embedded addresses win over the defaults in application.yml.
        environment.getPropertySources().addFirst(new MapPropertySource(PROPERTY_SOURCE_NAME, properties));
        log.warn("Embedded infrastructure is a development default, not for production: set KAFKA_BOOTSTRAP_SERVERS "
                + "and MONGODB_URI to use real servers.{}", mongo == null ? ""
                : " The MongoDB-wire server is mongo-java-server, not MongoDB: it implements only a subset of MongoDB"
                        + " (for example, non-unique secondary indexes are accepted but ignored).");
        addShutdownHandler();
    }

    /**
     * Closes when the context is fully closed. ContextClosedEvent would be too early: it is published
     * before the listener containers stop and before the Kafka and Mongo client beans are destroyed,
     * so they would lose their servers mid-shutdown (and a Kafka consumer then waits for its close
     * timeout). Instead a disposable is registered before any bean exists; singletons are destroyed
     * in reverse registration order, so it runs last, after every client is gone. This also covers
     * context.close() in tests and a failed refresh, which a JVM shutdown hook alone would not.
     */
    private synchronized void closeWithContext(ConfigurableApplicationContext context) {
        if ((kafka == null && mongo == null) || closesWithContext) {
            return;
        }
        ConfigurableListableBeanFactory beanFactory = context.getBeanFactory();
        if (beanFactory instanceof DefaultSingletonBeanRegistry registry) {
            registry.registerDisposableBean(CLOSER_NAME, this::close);
            closesWithContext = true;
        }
    }

    /**
     * The safety net: Spring Boot's own JVM shutdown hook runs these handlers after it has closed
     * every application context, unlike a plain Runtime hook, which would run concurrently with
     * the context close and could stop the broker under live consumers. (With
     * spring.main.register-shutdown-hook=false the hook is not installed and the context close
     * above is the only trigger.)
     */
    private void addShutdownHandler() {
        if (!shutdownHandlerAdded) {
            SpringApplication.getShutdownHandlers().add(this::close);
            shutdownHandlerAdded = true;
        }
    }

    /** Kafka first: it feeds the work that ends up in MongoDB. Idempotent. */
    public synchronized void close() {
        closesWithContext = false;
        try {
            if (kafka != null) {
                EmbeddedKafkaBroker broker = kafka;
                kafka = null;
                broker.close();
                log.info("Stopped embedded Apache Kafka broker on {}", broker.bootstrapServers());
            }
        } finally {
            if (mongo != null) {
                EmbeddedMongoServer server = mongo;
                mongo = null;
                server.close();
                log.info("Stopped embedded MongoDB-wire server on {}", server.connectionString());
            }
        }
    }

    private static void requireFreePort(String host, int port, String portProperty, String externalProperty) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(host, port));
        } catch (IOException e) {
            throw new IllegalStateException("Cannot start the embedded development infrastructure: port " + port
                    + " on " + host + " is already in use (" + e.getMessage() + "). Set " + portProperty
                    + " to a free port, or set " + externalProperty + " to use an existing server"
                    + " (upgrader.embedded.enabled=false turns the embedded mode off).", e);
        }
    }

    /**
     * The broker's INFO chatter (hundreds of lines, three full config dumps per start) drowns the
     * application's own logs. A logging.level set on the logger or on a parent (other than root) wins.
     */
    static void quietBrokerLogging(Environment environment) {
        LoggingSystem loggingSystem = LoggingSystem.get(EmbeddedInfrastructure.class.getClassLoader());
        for (String logger : EmbeddedKafkaBroker.BROKER_LOGGERS) {
            if (!levelConfigured(environment, logger)) {
                loggingSystem.setLogLevel(logger, LogLevel.WARN);
            }
        }
        if (!levelConfigured(environment, BrokerConfigDumpFilter.LOGGER)
                && ClassUtils.isPresent("ch.qos.logback.classic.LoggerContext", EmbeddedInfrastructure.class.getClassLoader())) {
            BrokerConfigDumpFilter.install();
        }
    }

    private static boolean levelConfigured(Environment environment, String logger) {
        for (String name = logger; ; name = name.substring(0, name.lastIndexOf('.'))) {
            if (environment.containsProperty("logging.level." + name)) {
                return true;
            }
            if (name.indexOf('.') < 0) {
                return false;
            }
        }
    }

    /**
     * The broker dumps its whole configuration through the logger shared by every Kafka config
     * class, so a level cannot silence it without also hiding the application's own producer and
     * consumer config dumps. This drops only the "KafkaConfig values:" ones. Logback only (Boot's
     * default); kept in a nested class so nothing loads logback classes when another backend is used.
     */
    private static final class BrokerConfigDumpFilter extends TurboFilter {

        static final String LOGGER = "org.apache.kafka.common.config.AbstractConfig";

        static void install() {
            if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
                return;
            }
            if (context.getTurboFilterList().stream().noneMatch(BrokerConfigDumpFilter.class::isInstance)) {
                BrokerConfigDumpFilter filter = new BrokerConfigDumpFilter();
                filter.start();
                context.addTurboFilter(filter);
            }
        }

        @Override
        public FilterReply decide(Marker marker, ch.qos.logback.classic.Logger logger, Level level, String format,
                Object[] params, Throwable t) {
            boolean brokerConfigDump = level == Level.INFO && format != null && LOGGER.equals(logger.getName())
                    && format.startsWith("KafkaConfig values:");
            return brokerConfigDump ? FilterReply.DENY : FilterReply.NEUTRAL;
        }
    }
}

package io.upgrader.security;

import io.upgrader.UpgraderApplication;
import io.upgrader.embedded.EmbeddedInfrastructure;
import io.upgrader.embedded.EmbeddedKafkaBroker;
import io.upgrader.embedded.EmbeddedMongoServer;
import io.upgrader.support.Http;
import org.apache.catalina.connector.Connector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.tomcat.TomcatWebServer;
import org.springframework.boot.web.server.WebServer;
import org.springframework.boot.web.server.servlet.context.ServletWebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The application started on its own (not the shared test context), to see what happens with no credential:
 * open, on loopback, with a warning in the embedded development mode; refused everywhere else.
 */
@ExtendWith(OutputCaptureExtension.class)
class OpenModeIT {

    private static final String HOST = "127.0.0.1";

    @TempDir
    static Path dataDir;

    private static EmbeddedKafkaBroker kafka;
    private static EmbeddedMongoServer mongo;

    @BeforeAll
    static void startInfrastructure() throws IOException {
        assumeTrue(System.getenv("UPGRADER_SECURITY_TOKENS") == null && System.getenv("UPGRADER_SECURITY_KEYS") == null,
                "credentials configured in the environment");
        // Without a logback configuration yet, the root logger is at DEBUG and a broker at DEBUG prints megabytes.
        LoggingSystem logging = LoggingSystem.get(OpenModeIT.class.getClassLoader());
        LogLevel root = logging.getLoggerConfiguration(LoggingSystem.ROOT_LOGGER_NAME).getEffectiveLevel();
        if (root != null && root.ordinal() < LogLevel.INFO.ordinal()) {
            logging.setLogLevel(LoggingSystem.ROOT_LOGGER_NAME, LogLevel.INFO);
        }
        EmbeddedKafkaBroker.BROKER_LOGGERS.forEach(logger -> logging.setLogLevel(logger, LogLevel.WARN));
        kafka = EmbeddedKafkaBroker.start(HOST, freePort(), dataDir.resolve("kafka"));
        mongo = EmbeddedMongoServer.start(HOST, freePort(), dataDir.resolve("mongo.mv"));
    }

    @AfterAll
    static void stopInfrastructure() {
        try {
            if (kafka != null) {
                kafka.close();
            }
        } finally {
            if (mongo != null) {
                mongo.close();
            }
        }
    }

    // ---- (a) the embedded development mode without credentials: open, loopback only, warned ----

    @Test
    void withoutCredentialsTheEmbeddedModeRunsOpenOnLoopbackOnlyAndWarns(CapturedOutput output) throws IOException {
        List<String> warningsBefore = openModeWarnings(output);
        ConfigurableApplicationContext context = start(EmbeddedInfrastructure.EMBEDDED_MODE_PROPERTY + "=true");
        try {
            int port = webServer(context).getPort();
            Http anonymous = new Http(port, null);
            assertThat(anonymous.get("/api/metadata/workflow").status()).isEqualTo(200);
            assertThat(anonymous.get("/api/workflow/x").status()).isEqualTo(404);
            assertThat(anonymous.get("/actuator/health").status()).isEqualTo(200);

            assertBoundToLoopbackOnly(context, port);

            List<String> warnings = openModeWarnings(output);
            assertThat(warnings).as("open-mode warnings after this start").hasSizeGreaterThan(warningsBefore.size());
            assertThat(warnings.get(warnings.size() - 1)).contains("OPEN").contains("127.0.0.1")
                    .contains("UPGRADER_SECURITY_TOKENS").contains("UPGRADER_SECURITY_KEYS");
        } finally {
            context.close();
        }
    }

    @Test
    void anOpenServiceStaysOnLoopbackEvenWhenAskedForEveryAddress() throws IOException {
        ConfigurableApplicationContext context = start(EmbeddedInfrastructure.EMBEDDED_MODE_PROPERTY + "=true",
                "server.address=0.0.0.0");
        try {
            int port = webServer(context).getPort();
            assertThat(new Http(port, null).get("/api/metadata/workflow").status()).isEqualTo(200);
            assertBoundToLoopbackOnly(context, port);
        } finally {
            context.close();
        }
    }

    @Test
    void withCredentialsTheEmbeddedModeRequiresTheHeaderAndDoesNotWarn(CapturedOutput output) {
        // The capture also holds what earlier tests of this class printed: the warnings are counted, not searched.
        int warningsBefore = openModeWarnings(output).size();
        ConfigurableApplicationContext context = start(EmbeddedInfrastructure.EMBEDDED_MODE_PROPERTY + "=true",
                "upgrader.security.tokens=standalone-token-1f3a");
        try {
            int port = webServer(context).getPort();
            Http.Response anonymous = new Http(port, null).get("/api/metadata/workflow");
            assertThat(anonymous.status()).isEqualTo(401);
            assertThat(new Http(port, "standalone-token-1f3a").get("/api/metadata/workflow").status()).isEqualTo(200);
            assertThat(output.getAll()).contains("Tomcat started on port " + port);
            assertThat(openModeWarnings(output)).hasSize(warningsBefore);
            assertThat(output.getAll()).doesNotContain("standalone-token-1f3a");
        } finally {
            context.close();
        }
    }

    // ---- (b) any other mode refuses to start without credentials ----

    @Test
    void withoutCredentialsOutsideTheEmbeddedModeTheStartIsRefused() {
        Throwable thrown = catchThrowable(() -> start().close());
        assertThat(thrown).as("the start without credentials").isNotNull();
        assertThat(messages(thrown)).anySatisfy(message -> assertThat(message)
                .contains("UPGRADER_SECURITY_TOKENS").contains("UPGRADER_SECURITY_KEYS"));
    }

    @Test
    void anExplicitlyInactiveEmbeddedModeIsRefusedToo() {
        Throwable thrown = catchThrowable(() -> start(EmbeddedInfrastructure.EMBEDDED_MODE_PROPERTY + "=false").close());
        assertThat(thrown).isNotNull();
        assertThat(messages(thrown)).anySatisfy(message -> assertThat(message)
                .contains("UPGRADER_SECURITY_TOKENS").contains("UPGRADER_SECURITY_KEYS"));
    }

    // ---- (c) a malformed application key refuses the start, without echoing the entry ----

    @ParameterizedTest
    @ValueSource(strings = {"key-without-colon-7d1e", "only-an-id-7d1e:", ":only-a-secret-7d1e"})
    void aMalformedKeyEntryFailsTheStartWithAClearMessage(String entry) {
        Throwable thrown = catchThrowable(() -> start("upgrader.security.keys=" + entry).close());
        assertThat(thrown).as("the start with upgrader.security.keys=" + entry).isNotNull();
        List<String> messages = messages(thrown);
        assertThat(messages).anySatisfy(message -> assertThat(message)
                .contains("upgrader.security.keys").contains("keyId:keySecret"));
        // The entry may well be a secret: the message names its position, not its content.
        assertThat(messages).noneSatisfy(message -> assertThat(message).contains("7d1e"));
    }

    // ---- with API tokens only, no application key: the JWT signing key must still be secret ----

    @Test
    void withOnlyApiTokensConfiguredAJwtForgedWithoutAnySecretIsRejected() {
        ConfigurableApplicationContext context = start("upgrader.security.tokens=standalone-token-1f3a");
        try {
            int port = webServer(context).getPort();
            assertThat(new Http(port, "standalone-token-1f3a").get("/api/metadata/workflow").status()).isEqualTo(200);
            // Built from nothing but what is public: the source code's key derivation over an empty key list, and
            // the default issuer. No token, no key. With no application key configured, no JWT may be accepted.
            String forged = forgeWithPublicKnowledge("attacker");
            assertThat(new Http(port, forged).get("/api/metadata/workflow").status())
                    .as("a JWT signed with the key derived from no secret at all").isEqualTo(401);
        } finally {
            context.close();
        }
    }

    /** An HS256 JWT signed with the key the service would derive from no application key at all. */
    private static String forgeWithPublicKnowledge(String subject) {
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec("workflow-upgrader/jwt-signing-key/v1"
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8), "HmacSHA256"));
            byte[] key = mac.doFinal();
            com.nimbusds.jwt.SignedJWT jwt = new com.nimbusds.jwt.SignedJWT(
                    new com.nimbusds.jose.JWSHeader(com.nimbusds.jose.JWSAlgorithm.HS256),
                    new com.nimbusds.jwt.JWTClaimsSet.Builder().issuer("workflow-upgrader").subject(subject)
                            .issueTime(new java.util.Date())
                            .expirationTime(new java.util.Date(System.currentTimeMillis() + 3_600_000)).build());
            jwt.sign(new com.nimbusds.jose.crypto.MACSigner(key));
            return jwt.serialize();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- helpers ----

    /** Starts the application against this class's broker and MongoDB-wire server, on a free port. */
    private static ConfigurableApplicationContext start(String... properties) {
        List<String> args = new ArrayList<>(List.of(
                // Command-line arguments, because application.yml outranks SpringApplicationBuilder.properties().
                "--server.port=0",
                "--spring.kafka.bootstrap-servers=" + kafka.bootstrapServers(),
                "--spring.mongodb.uri=" + mongo.connectionString() + "/upgrader",
                "--upgrader.kafka.partitions=1",
                "--upgrader.kafka.consumer-concurrency=1",
                "--spring.main.register-shutdown-hook=false",
                "--logging.level.kafka=WARN",
                "--logging.level.org.apache.kafka=WARN",
                "--logging.level.state.change.logger=WARN"));
        Stream.of(properties).map(property -> "--" + property).forEach(args::add);
        // UpgraderApplication.main is not called, so EmbeddedInfrastructure is not registered: nothing starts on
        // the default ports; upgrader.embedded.active is set or not by each test, as that listener would.
        return new SpringApplicationBuilder(UpgraderApplication.class).run(args.toArray(String[]::new));
    }

    /** The start-up warning of the open mode, each time it was printed. */
    private static List<String> openModeWarnings(CapturedOutput output) {
        return output.getAll().lines()
                .filter(line -> line.contains("WARN") && line.contains("the API is OPEN")).toList();
    }

    private static WebServer webServer(ConfigurableApplicationContext context) {
        return ((ServletWebServerApplicationContext) context).getWebServer();
    }

    private static void assertBoundToLoopbackOnly(ConfigurableApplicationContext context, int port) throws IOException {
        // What Tomcat was told to bind to...
        Connector connector = ((TomcatWebServer) webServer(context)).getTomcat().getConnector();
        Object address = connector.getProperty("address");
        assertThat(address).as("the connector's address").isNotNull();
        InetAddress bound = address instanceof InetAddress inet ? inet : InetAddress.getByName(address.toString());
        assertThat(bound.isLoopbackAddress()).as("bound to " + bound).isTrue();

        // ...and what a caller on the network sees: nothing, through this machine's non-loopback address.
        Optional<InetAddress> external = nonLoopbackAddress();
        assumeTrue(external.isPresent(), "no non-loopback interface to connect through");
        assumeTrue(reachable(external.get()), "a server on every address is not reachable through " + external.get());
        assertThat(connects(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))).as("via loopback").isTrue();
        assertThat(connects(new InetSocketAddress(external.get(), port))).as("via " + external.get()).isFalse();
    }

    private static Optional<InetAddress> nonLoopbackAddress() throws SocketException {
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!nic.isUp() || nic.isLoopback()) {
                continue;
            }
            for (InetAddress address : Collections.list(nic.getInetAddresses())) {
                if (address instanceof Inet4Address && !address.isLoopbackAddress() && !address.isLinkLocalAddress()) {
                    return Optional.of(address);
                }
            }
        }
        return Optional.empty();
    }

    /** Control: the external address does reach a server bound to every address, so a refusal means something. */
    private static boolean reachable(InetAddress external) throws IOException {
        try (ServerSocket everywhere = new ServerSocket(0)) {
            return connects(new InetSocketAddress(external, everywhere.getLocalPort()));
        }
    }

    private static boolean connects(InetSocketAddress address) {
        try (Socket socket = new Socket()) {
            socket.connect(address, 2000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static List<String> messages(Throwable thrown) {
        List<String> messages = new ArrayList<>();
        for (Throwable cause = thrown; cause != null; cause = cause.getCause()) {
            messages.add(String.valueOf(cause.getMessage()));
        }
        return messages;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 0, InetAddress.getByName(HOST))) {
            return socket.getLocalPort();
        }
    }
}

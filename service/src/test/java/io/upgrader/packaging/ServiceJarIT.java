package io.upgrader.packaging;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarInputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The production artifact, as packaged (failsafe runs this after the package phase): the runnable jar carries no
 * development infrastructure, and it refuses to start without an external Kafka and MongoDB, naming what is missing.
 */
class ServiceJarIT {

    /** Classes of the embedded development default: Kafka's broker, Scala, mongo-java-server, H2; and ours. */
    private static final List<String> FORBIDDEN = List.of("kafka/", "scala/", "de/bwaldvogel/",
            "org/h2/", "io/upgrader/embedded/", "io/upgrader/baseline/");

    private static Path jar;

    @BeforeAll
    static void findJar() {
        String configured = System.getProperty("upgrader.service.jar");
        assertThat(configured).as("system property upgrader.service.jar (set by the service module's pom)").isNotBlank();
        jar = Path.of(configured);
        assertThat(jar).as("the packaged service jar").isRegularFile();
    }

    @Test
    void holdsNoKafkaBrokerScalaMongoJavaServerOrH2() throws IOException {
        List<String> found = new ArrayList<>();
        int nestedJars = 0;
        int classes = 0;
        try (JarFile file = new JarFile(jar.toFile())) {
            for (JarEntry entry : java.util.Collections.list(file.entries())) {
                String name = entry.getName();
                if (name.startsWith("BOOT-INF/classes/")) {
                    classes++;
                    check(name.substring("BOOT-INF/classes/".length()), name, found);
                } else if (name.startsWith("BOOT-INF/lib/") && name.endsWith(".jar")) {
                    nestedJars++;
                    try (InputStream in = file.getInputStream(entry); JarInputStream nested = new JarInputStream(in)) {
                        for (JarEntry inner = nested.getNextJarEntry(); inner != null; inner = nested.getNextJarEntry()) {
                            check(inner.getName(), name + "!/" + inner.getName(), found);
                        }
                    }
                }
            }
        }
        assertThat(found).as("development infrastructure in " + jar.getFileName()).isEmpty();
        // Guards against a vacuous pass (a plain jar, another layout): the service's classes and libraries are there.
        assertThat(classes).as("entries under BOOT-INF/classes/").isGreaterThan(100);
        assertThat(nestedJars).as("libraries under BOOT-INF/lib/").isGreaterThan(50);
    }

    @Test
    void refusesToStartWithoutKafkaAndMongoDbNamingBothVariables() throws Exception {
        Result result = start(null, null);
        assertThat(result.exitCode).as(result.output).isNotZero();
        assertThat(result.output).contains("APPLICATION FAILED TO START")
                .contains("KAFKA_BOOTSTRAP_SERVERS and MONGODB_URI are not set");
    }

    @Test
    void refusesToStartWithoutMongoDbNamingIt() throws Exception {
        // Nothing listens there: the check comes before any client is created.
        Result result = start("127.0.0.1:1", null);
        assertThat(result.exitCode).as(result.output).isNotZero();
        assertThat(result.output).contains("APPLICATION FAILED TO START").contains("MONGODB_URI is not set")
                .doesNotContain("KAFKA_BOOTSTRAP_SERVERS is not set")
                .doesNotContain("KAFKA_BOOTSTRAP_SERVERS and");
    }

    private static void check(String entry, String where, List<String> found) {
        if (!entry.endsWith(".class")) {
            return;
        }
        // kafka/ alone is the broker's Scala packages (kafka.server, kafka.log...); the clients are org/apache/kafka/.
        for (String prefix : FORBIDDEN) {
            if (entry.startsWith(prefix)) {
                found.add(where);
                return;
            }
        }
    }

    private record Result(int exitCode, String output) {
    }

    private static Result start(String kafka, String mongo) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(java, "-XX:TieredStopAtLevel=1", "-jar", jar.toString(),
                "--server.port=0", "--upgrader.security.tokens=jar-check-token").redirectErrorStream(true);
        builder.environment().remove("KAFKA_BOOTSTRAP_SERVERS");
        builder.environment().remove("MONGODB_URI");
        if (kafka != null) {
            builder.environment().put("KAFKA_BOOTSTRAP_SERVERS", kafka);
        }
        if (mongo != null) {
            builder.environment().put("MONGODB_URI", mongo);
        }
        Path log = Files.createTempFile("service-jar-it-", ".log");
        try {
            Process process = builder.redirectOutput(log.toFile()).start();
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError("the service jar did not exit within 120 s:\n"
                        + Files.readString(log, StandardCharsets.ISO_8859_1));
            }
            return new Result(process.exitValue(), Files.readString(log, StandardCharsets.ISO_8859_1));
        } finally {
            Files.deleteIfExists(log);
        }
    }
}

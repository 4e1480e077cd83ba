package io.upgrader.configuration;

import io.upgrader.embedded.EmbeddedProperties;
import io.upgrader.execution.ApplyProperties;
import io.upgrader.kafka.UpgradeTopics;
import io.upgrader.security.EmbeddedMode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.context.annotation.ClassPathScanningCandidateComponentProvider;
import org.springframework.core.annotation.MergedAnnotation;
import org.springframework.core.annotation.MergedAnnotations;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.core.io.ClassPathResource;
import org.springframework.core.type.filter.AnnotationTypeFilter;
import org.springframework.util.ClassUtils;

import java.io.IOException;
import java.lang.reflect.Parameter;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's configuration table against the {@code upgrader.*} {@code @ConfigurationProperties} records, both
 * ways: every component of every record (by its relaxed-binding, kebab-case name under the record's prefix) has a
 * row with the record's default, and every {@code upgrader.*} row is a component of a record, but for the few
 * properties read before or outside a record, listed in {@link #NOT_IN_A_RECORD} with the reason. And the
 * defaults live in the records only: application.yml sets none of their properties.
 */
class ConfigurationTableTest {

    /**
     * Documented {@code upgrader.*} rows with no record: the benchmark's baseline endpoint is switched on by an
     * {@code @ConditionalOnProperty}.
     */
    static final Set<String> NOT_IN_A_RECORD = Set.of("upgrader.baseline.sync-endpoint.enabled");

    /** A row of the table: {@code | `name` (`ENV_VAR`) | default | meaning |}; the variable is optional. */
    private static final Pattern ROW = Pattern.compile(
            "^\\| `(?<name>[^`]+)`(?: \\(`(?<env>[^`]+)`\\))? \\| (?<default>[^|]*?) \\| .*\\|$");

    /** The documented default when a record's is an empty collection (@DefaultValue with no value). */
    private static final String EMPTY = "none";

    static Map<String, Property> recordProperties;
    static Map<String, Row> table;

    @BeforeAll
    static void read() throws IOException {
        recordProperties = recordProperties();
        table = table();
    }

    @Test
    void theRecordsAreFound() {
        // A scan that found nothing would make every check below pass.
        assertThat(recordProperties.keySet()).contains("upgrader.apply.read-chunk", "upgrader.kafka.command-topic",
                "upgrader.security.token-ttl", "upgrader.embedded.active", "upgrader.embedded.kafka-port");
        assertThat(recordProperties.get("upgrader.apply.max-conflict-retries").record()).isEqualTo(ApplyProperties.class);
        assertThat(recordProperties.get("upgrader.kafka.max-command-size").record()).isEqualTo(UpgradeTopics.class);
        assertThat(recordProperties.get("upgrader.embedded.active").record()).isEqualTo(EmbeddedMode.class);
        assertThat(recordProperties.get("upgrader.embedded.data-dir").record()).isEqualTo(EmbeddedProperties.class);
        assertThat(table.keySet()).contains("upgrader.apply.read-chunk", "KAFKA_BOOTSTRAP_SERVERS");
    }

    @Test
    void everyPropertyOfARecordHasARowWithItsDefault() {
        List<String> problems = new ArrayList<>();
        recordProperties.forEach((name, property) -> {
            Row row = table.get(name);
            if (row == null) {
                problems.add(name + " (" + property.record().getSimpleName() + ") has no row in the README table");
            } else if (property.documentedDefault() == null ? row.defaultCell().startsWith("`")
                    : !row.defaultCell().equals(property.documentedDefault())) {
                problems.add(name + ": the README says " + row.defaultCell() + ", " + property.record().getSimpleName()
                        + " " + (property.documentedDefault() == null ? "has no default (explain it in words)"
                        : property.documentedDefault()));
            }
        });
        assertThat(problems).isEmpty();
    }

    @Test
    void everyUpgraderRowIsAPropertyOfARecord() {
        List<String> strays = table.keySet().stream()
                .filter(name -> name.startsWith("upgrader."))
                .filter(name -> !recordProperties.containsKey(name) && !NOT_IN_A_RECORD.contains(name))
                .toList();
        assertThat(strays).as("README rows that no @ConfigurationProperties record binds").isEmpty();
        assertThat(NOT_IN_A_RECORD).as("exceptions that are in a record after all").doesNotContainAnyElementsOf(
                recordProperties.keySet());
        assertThat(table.keySet()).as("exceptions that lost their row").containsAll(NOT_IN_A_RECORD);
    }

    /** The variable a row names does set its property, through Spring Boot's relaxed binding of the environment. */
    @Test
    void everyEnvironmentVariableOfTheTableSetsItsProperty() {
        List<Row> withVariable = table.values().stream().filter(row -> row.env() != null).toList();
        assertThat(withVariable).isNotEmpty();
        for (Row row : withVariable) {
            StandardEnvironment environment = new StandardEnvironment();
            environment.getPropertySources().replace(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                    new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                            Map.of(row.env(), "set-by-the-variable")));
            assertThat(Binder.get(environment).bind(row.name(), String.class).orElse(null)).as(row.env())
                    .isEqualTo("set-by-the-variable");
        }
    }

    /** One place for the defaults: a value in application.yml would override the record's, unseen by the README. */
    @Test
    void applicationYmlSetsNoPropertyOfARecord() throws IOException {
        Set<String> set = new TreeSet<>();
        for (var source : new YamlPropertySourceLoader().load("application.yml",
                new ClassPathResource("application.yml"))) {
            set.addAll(Arrays.asList(((EnumerablePropertySource<?>) source).getPropertyNames()));
        }
        assertThat(set).as("application.yml keys").contains("spring.kafka.bootstrap-servers");
        assertThat(set).doesNotContainAnyElementsOf(recordProperties.keySet());
    }

    // --- the records ---------------------------------------------------------------------------------------

    /** A component of a record, with its default as the README writes it (null: none, the README says why). */
    record Property(Class<?> record, String documentedDefault) {
    }

    static Map<String, Property> recordProperties() {
        ClassPathScanningCandidateComponentProvider scanner = new ClassPathScanningCandidateComponentProvider(false);
        scanner.addIncludeFilter(new AnnotationTypeFilter(ConfigurationProperties.class));
        Map<String, Property> properties = new LinkedHashMap<>();
        for (BeanDefinition candidate : scanner.findCandidateComponents("io.upgrader")) {
            Class<?> type = ClassUtils.resolveClassName(candidate.getBeanClassName(), null);
            MergedAnnotation<ConfigurationProperties> annotation =
                    MergedAnnotations.from(type).get(ConfigurationProperties.class);
            String prefix = annotation.getString("prefix");
            if (prefix.startsWith("upgrader.")) {
                assertThat(type.isRecord()).as(type + " is a record").isTrue();
                addComponents(type, type, prefix, properties);
            }
        }
        return properties;
    }

    private static void addComponents(Class<?> owner, Class<?> record, String prefix, Map<String, Property> into) {
        RecordComponent[] components = record.getRecordComponents();
        Parameter[] parameters;
        try {
            parameters = record.getDeclaredConstructor(
                    Arrays.stream(components).map(RecordComponent::getType).toArray(Class<?>[]::new)).getParameters();
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(record + " has no canonical constructor", e);
        }
        for (int i = 0; i < components.length; i++) {
            String name = prefix + "." + kebab(components[i].getName());
            DefaultValue value = parameters[i].getAnnotation(DefaultValue.class);
            Class<?> type = components[i].getType();
            if (type.isRecord() && type.getPackageName().startsWith("io.upgrader")) {
                // A nested group: its components are properties under the component's name.
                addComponents(owner, type, name, into);
                continue;
            }
            Property previous = into.put(name, new Property(owner, documented(value)));
            assertThat(previous).as(name + " bound by two records").isNull();
        }
    }

    /** `60s` as written in the record; none for an empty collection; no default: the README explains (no backticks). */
    private static String documented(DefaultValue value) {
        if (value == null) {
            return null;
        }
        return value.value().length == 0 ? EMPTY : "`" + String.join(",", value.value()) + "`";
    }

    /** The canonical form of relaxed binding: maxConflictRetries is max-conflict-retries. */
    static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase();
    }

    // --- the README ----------------------------------------------------------------------------------------

    record Row(String name, String env, String defaultCell) {
    }

    static Map<String, Row> table() throws IOException {
        List<String> lines = Files.readAllLines(readme());
        int start = lines.indexOf("## Configuration");
        assertThat(start).as("README section ## Configuration").isNotNegative();
        Map<String, Row> rows = new LinkedHashMap<>();
        for (int i = start + 1; i < lines.size() && !lines.get(i).startsWith("#"); i++) {
            Matcher row = ROW.matcher(lines.get(i));
            if (row.matches()) {
                Row previous = rows.put(row.group("name"), new Row(row.group("name"), row.group("env"),
                        row.group("default").trim()));
                assertThat(previous).as("two rows for " + row.group("name")).isNull();
            }
        }
        return rows;
    }

    /**
     * The configuration table's document (docs/operations.md, linked from the README) at the root of the project,
     * wherever the tests run from (this module or a sub-module).
     */
    static Path readme() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("docs/operations.md"))) {
                return dir.resolve("docs/operations.md");
            }
        }
        throw new IllegalStateException("no docs/operations.md at the root of the project above "
                + Path.of("").toAbsolutePath());
    }
}

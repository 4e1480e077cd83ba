package io.upgrader.contract;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * One of the public JSON Schemas in schemas/ (shipped in the jar under the same name), so that what the
 * service accepts is what the published contract says, checked by a well-kept validator.
 */
public final class ContractSchema {

    public static final ContractSchema UPGRADE_REQUEST = load("upgrade-request.schema.json");
    public static final ContractSchema UPGRADE_COMMAND = load("upgrade-command.schema.json");
    public static final ContractSchema UPGRADE_EVENT = load("upgrade-event.schema.json");
    public static final ContractSchema BULK_UPGRADE_REQUEST = load("bulk-upgrade-request.schema.json");

    /** A place in the instance ("version", "taskOutput.x", or "" for the whole document) and what is wrong. */
    public record Violation(String path, String message) {
    }

    private final String file;
    private final Schema schema;

    private ContractSchema(String file, Schema schema) {
        this.file = file;
        this.schema = schema;
    }

    private static ContractSchema load(String file) {
        // "format" asserted, not only annotated: a requestedAt that is not a date-time is a broken command.
        SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12,
                builder -> builder.schemaRegistryConfig(SchemaRegistryConfig.builder().formatAssertionsEnabled(true)
                        .build()));
        try (InputStream in = ContractSchema.class.getResourceAsStream("/schemas/" + file)) {
            if (in == null) {
                throw new IllegalStateException("schemas/" + file + " is not on the classpath");
            }
            return new ContractSchema(file, registry.getSchema(in));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public List<Violation> validate(JsonNode instance) {
        return schema.validate(instance).stream().map(ContractSchema::violation).distinct().toList();
    }

    private static Violation violation(Error error) {
        String path = dotted(error.getInstanceLocation().toString());
        if (error.getProperty() != null && "required".equals(error.getKeyword())) {
            path = path.isEmpty() ? error.getProperty() : path + "." + error.getProperty();
        }
        return new Violation(path, error.getMessage());
    }

    /**
     * "/taskOutput/a" (a JSON Pointer) becomes "taskOutput.a", and "/workflowIds/0" becomes "workflowIds[0]":
     * the path style of Conductor's validationErrors.
     */
    private static String dotted(String pointer) {
        String path = pointer.startsWith("/") ? pointer.substring(1) : pointer.startsWith("$") ? pointer.substring(1) : pointer;
        if (path.startsWith(".")) {
            path = path.substring(1);
        }
        if (path.isEmpty()) {
            return path;
        }
        StringBuilder dotted = new StringBuilder();
        for (String segment : path.split("[/.]")) {
            String key = segment.replace("~1", "/").replace("~0", "~");
            if (!key.isEmpty() && key.chars().allMatch(Character::isDigit) && dotted.length() > 0) {
                dotted.append('[').append(key).append(']');
            } else {
                dotted.append(dotted.length() == 0 ? "" : ".").append(key);
            }
        }
        return dotted.toString();
    }

    @Override
    public String toString() {
        return file;
    }
}

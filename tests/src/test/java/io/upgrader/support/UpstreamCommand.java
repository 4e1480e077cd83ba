package io.upgrader.support;

import io.upgrader.contract.ContractSchema;
import tools.jackson.databind.json.JsonMapper;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** An upgrade command as an upstream system publishes it on the command topic (schemas/upgrade-command.schema.json). */
public final class UpstreamCommand {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Map<String, Object> fields = new LinkedHashMap<>();

    private UpstreamCommand(String commandId, String workflowId, String name, Object version) {
        fields.put("schemaVersion", 1);
        fields.put("commandId", commandId);
        fields.put("workflowId", workflowId);
        fields.put("name", name);
        fields.put("version", version);
        fields.put("requestedAt", Instant.now().toString());
    }

    /** The required fields; {@code version} is an Object so that bad-input tests can send what no schema allows. */
    public static UpstreamCommand of(String commandId, String workflowId, String name, Object version) {
        return new UpstreamCommand(commandId, workflowId, name, version);
    }

    /** Sets an optional field; a null value leaves it out. */
    public UpstreamCommand with(String field, Object value) {
        if (value == null) {
            fields.remove(field);
        } else {
            fields.put(field, value);
        }
        return this;
    }

    /** The fields, to be changed further by tests that build invalid records on purpose. */
    public Map<String, Object> fields() {
        return fields;
    }

    /** The record value, checked against the published schema: a test's valid command cannot drift from it. */
    public byte[] bytes() {
        byte[] bytes = JSON.writeValueAsBytes(fields);
        assertThat(ContractSchema.UPGRADE_COMMAND.validate(JSON.readTree(bytes))).as(new String(bytes)).isEmpty();
        return bytes;
    }
}

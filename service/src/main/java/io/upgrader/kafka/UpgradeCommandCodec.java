package io.upgrader.kafka;

import io.upgrader.contract.ContractSchema;
import io.upgrader.contract.StrictJsonText;
import io.upgrader.input.StorableValues;
import io.upgrader.upgrade.UpgradeCommand;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.util.List;
import java.util.stream.Collectors;

/** Command records as bytes on the topic: JSON checked against schemas/upgrade-command.schema.json. */
@Component
public class UpgradeCommandCodec {

    private final JsonMapper json;
    private final long maxBytes;

    public UpgradeCommandCodec(JsonMapper json, UpgradeTopics topics) {
        this.json = json;
        this.maxBytes = topics.maxCommandSize().toBytes();
    }

    public byte[] encode(UpgradeCommand command) {
        return json.writeValueAsBytes(command);
    }

    /** @throws InvalidUpgradeCommandException naming what is wrong with the record */
    public UpgradeCommand decode(String key, byte[] value) {
        if (value == null || value.length == 0) {
            throw new InvalidUpgradeCommandException("record has no value");
        }
        if (value.length > maxBytes) {
            throw new InvalidUpgradeCommandException("record value is " + value.length
                    + " bytes; commands are limited to " + maxBytes + " bytes (upgrader.kafka.max-command-size)");
        }
        StrictJsonText.problem(value).ifPresent(problem -> {
            throw new InvalidUpgradeCommandException("value is not JSON in UTF-8: " + problem);
        });
        JsonNode node;
        try {
            node = json.readTree(value);
        } catch (JacksonException e) {
            throw new InvalidUpgradeCommandException("value is not JSON in UTF-8: " + e.getOriginalMessage());
        }
        List<ContractSchema.Violation> violations = ContractSchema.UPGRADE_COMMAND.validate(node);
        if (!violations.isEmpty()) {
            throw new InvalidUpgradeCommandException("value breaks " + ContractSchema.UPGRADE_COMMAND + ": "
                    + violations.stream().map(v -> (v.path().isEmpty() ? "" : v.path() + ": ") + v.message())
                    .collect(Collectors.joining("; ")));
        }
        UpgradeCommand command;
        try {
            command = json.treeToValue(node, UpgradeCommand.class);
        } catch (JacksonException e) {
            throw new InvalidUpgradeCommandException("value does not fit the command: " + e.getOriginalMessage());
        }
        StorableValues.check("taskOutput", command.taskOutput()).or(() -> StorableValues.check("workflowInput",
                command.workflowInput())).ifPresent(problem -> {
            throw new InvalidUpgradeCommandException(problem.path() + " " + problem.message());
        });
        if (!command.workflowId().equals(key)) {
            // Ordering per workflow rests on the key; a command keyed otherwise could overtake another.
            throw new InvalidUpgradeCommandException("record key '" + key + "' must equal the workflowId '"
                    + command.workflowId() + "'");
        }
        return command;
    }
}

package io.upgrader.upgrade;

import io.upgrader.contract.ContractSchema;
import io.upgrader.contract.SchemaCheckedBody;
import io.upgrader.input.StorableInput;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** What an upgrade request body must pass before the store is read: its schema, then what MongoDB can store. */
public final class UpgradeRequestBody {

    private UpgradeRequestBody() {
    }

    /** @throws io.upgrader.error.InvalidInputException naming the offending field */
    public static UpgradeRequest read(JsonMapper json, JsonNode body) {
        SchemaCheckedBody.require(ContractSchema.UPGRADE_REQUEST, body, "upgrade request");
        UpgradeRequest request = json.treeToValue(body, UpgradeRequest.class);
        StorableInput.require("taskOutput", request.taskOutput());
        StorableInput.require("workflowInput", request.workflowInput());
        return request;
    }
}

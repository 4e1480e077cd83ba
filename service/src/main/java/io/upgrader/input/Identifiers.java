package io.upgrader.input;

import io.upgrader.error.InvalidInputException;

import java.util.regex.Pattern;

/**
 * The shape of ids accepted in paths: what this service generates (UUIDs) and what upstream producers
 * reasonably use. Checked before any lookup, so that nothing else ever reaches MongoDB as a filter.
 */
public final class Identifiers {

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,128}");

    private Identifiers() {
    }

    public static String checkWorkflowId(String workflowId) {
        return check("workflowId", workflowId);
    }

    public static String check(String name, String id) {
        if (id == null || !ID.matcher(id).matches()) {
            throw InvalidInputException.of(name, name + " '" + abbreviate(id)
                    + "' is not a valid id: 1 to 128 letters, digits, '-' or '_'");
        }
        return id;
    }

    private static String abbreviate(String value) {
        return value == null ? "" : value.length() > 64 ? value.substring(0, 64) + "..." : value;
    }
}

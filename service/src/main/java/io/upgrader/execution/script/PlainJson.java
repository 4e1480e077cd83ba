package io.upgrader.execution.script;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON text to the plain Java values the rest of the runtime stores. Walked by hand rather than bound to Object so
 * that numbers come out one way whatever their size: Long when integral and within range, Double otherwise.
 */
final class PlainJson {

    private PlainJson() {
    }

    static Object read(JsonMapper json, String text) {
        return plain(json.readTree(text));
    }

    private static Object plain(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return null;
        }
        if (node.isObject()) {
            Map<String, Object> map = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> property : node.properties()) {
                map.put(property.getKey(), plain(property.getValue()));
            }
            return map;
        }
        if (node.isArray()) {
            List<Object> list = new ArrayList<>(node.size());
            for (JsonNode element : node.values()) {
                list.add(plain(element));
            }
            return list;
        }
        if (node.isNumber()) {
            return node.isIntegralNumber() && node.canConvertToLong() ? (Object) node.longValue() : (Object) node.doubleValue();
        }
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        return node.stringValue();
    }
}

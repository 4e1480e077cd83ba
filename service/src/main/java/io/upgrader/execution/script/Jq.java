package io.upgrader.execution.script;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import net.thisptr.jackson.jq.BuiltinFunctionLoader;
import net.thisptr.jackson.jq.JsonQuery;
import net.thisptr.jackson.jq.Scope;
import net.thisptr.jackson.jq.Versions;
import net.thisptr.jackson.jq.exception.JsonQueryException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Conductor's JSON_JQ_TRANSFORM queries, run by jackson-jq with jq 1.6 semantics as Conductor does.
 * <p>
 * jackson-jq speaks Jackson 2 while the project speaks Jackson 3, so values cross as plain Maps and Lists and no
 * Jackson type leaks out. Workflows run the same few queries over and over, so compiled queries are cached, in a
 * bounded cache because query text comes from users.
 */
public final class Jq {

    private static final ObjectMapper JACKSON2 = new ObjectMapper();
    private static final Scope BUILTINS = builtins();
    private static final Cache<String, JsonQuery> COMPILED = Caffeine.newBuilder().maximumSize(1_000).build();
    /** 2^63: doubles at or past it do not fit a long. */
    private static final double LONG_LIMIT = 0x1p63;

    private Jq() {
    }

    /**
     * @return every output of the query, in order, as plain Java values: Map (LinkedHashMap), List, String, Boolean,
     * Long for an integral number, Double otherwise, null
     * @throws ScriptFailure when the query does not compile or fails on this input
     */
    public static List<Object> evaluate(String query, Map<String, Object> input) {
        Objects.requireNonNull(query, "query");
        JsonQuery compiled = COMPILED.get(query, Jq::compile);
        JsonNode in = inputAsTree(input);
        List<Object> outputs = new ArrayList<>();
        try {
            // A child scope per run: variables bound by one run must not be seen by another.
            compiled.apply(Scope.newChildScope(BUILTINS), in, out -> outputs.add(plain(out)));
        } catch (JsonQueryException e) {
            throw new ScriptFailure("jq query failed: " + e.getMessage(), e);
        } catch (StackOverflowError e) {
            throw new ScriptFailure("jq query recursed too deeply", e);
        }
        return outputs;
    }

    private static JsonQuery compile(String query) {
        try {
            return JsonQuery.compile(query, Versions.JQ_1_6);
        } catch (JsonQueryException e) {
            throw new ScriptFailure("jq query does not compile: " + e.getMessage(), e);
        }
    }

    private static JsonNode inputAsTree(Map<String, Object> input) {
        try {
            return JACKSON2.valueToTree(input == null ? Map.of() : input);
        } catch (IllegalArgumentException e) {
            throw new ScriptFailure("jq input cannot be written as JSON: " + e.getMessage(), e);
        }
    }

    private static Scope builtins() {
        Scope scope = Scope.newEmptyScope();
        BuiltinFunctionLoader.getInstance().loadFunctions(Versions.JQ_1_6, scope);
        return scope;
    }

    /** jq numbers are doubles, and jq prints an integral one without a fraction: so does this, as a Long. */
    private static Object plain(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return null;
        }
        if (node.isObject()) {
            Map<String, Object> map = new LinkedHashMap<>();
            node.properties().forEach(field -> map.put(field.getKey(), plain(field.getValue())));
            return map;
        }
        if (node.isArray()) {
            List<Object> list = new ArrayList<>(node.size());
            node.forEach(element -> list.add(plain(element)));
            return list;
        }
        if (node.isNumber()) {
            if (node.isIntegralNumber() && node.canConvertToLong()) {
                return node.longValue();
            }
            double value = node.doubleValue();
            boolean integral = value == Math.rint(value) && Math.abs(value) < LONG_LIMIT;
            return integral ? (Object) (long) value : (Object) value;
        }
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        return node.asText();
    }
}

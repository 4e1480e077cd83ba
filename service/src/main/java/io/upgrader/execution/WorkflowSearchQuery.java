package io.upgrader.execution;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The part of Conductor's search {@code query} syntax this runtime answers: clauses {@code field = value} or
 * {@code field IN (a, b)} joined by {@code AND}, on {@code workflowType}, {@code version} (or
 * {@code workflowVersion}), {@code status}, {@code workflowId} and {@code correlationId}. Values may be bare
 * or quoted ({@code "..."} or {@code '...'}). Pure: anything else is refused with an {@link Unsupported} that
 * names the part it cannot read.
 */
public final class WorkflowSearchQuery {

    /**
     * What a query asks for; a null set places no condition, an empty set matches nothing (two clauses on one
     * field that share no value).
     */
    public record Criteria(Set<String> workflowTypes, Set<Integer> versions, Set<WorkflowStatus> statuses,
                           Set<String> workflowIds, Set<String> correlationIds) {

        public static final Criteria ANY = new Criteria(null, null, null, null, null);

        public boolean matchesNothing() {
            return isEmpty(workflowTypes) || isEmpty(versions) || isEmpty(statuses) || isEmpty(workflowIds)
                    || isEmpty(correlationIds);
        }

        private static boolean isEmpty(Set<?> values) {
            return values != null && values.isEmpty();
        }
    }

    /** A query this runtime cannot answer; the message names the unsupported part. */
    public static class Unsupported extends IllegalArgumentException {
        public Unsupported(String message) {
            super(message);
        }
    }

    private static final Map<String, String> FIELDS = Map.of(
            "workflowtype", "workflowType",
            "version", "version",
            "workflowversion", "version",
            "status", "status",
            "workflowid", "workflowId",
            "correlationid", "correlationId");

    private final String text;
    private int position;

    private WorkflowSearchQuery(String text) {
        this.text = text;
    }

    /** @param query Conductor's {@code query} parameter; null or blank asks for everything */
    public static Criteria parse(String query) {
        if (query == null || query.isBlank()) {
            return Criteria.ANY;
        }
        return new WorkflowSearchQuery(query).criteria();
    }

    private Criteria criteria() {
        Set<String> types = null;
        Set<Integer> versions = null;
        Set<WorkflowStatus> statuses = null;
        Set<String> ids = null;
        Set<String> correlationIds = null;
        while (true) {
            int fieldStart = skipSpaces();
            String word = word();
            String field = FIELDS.get(word.toLowerCase(Locale.ROOT));
            if (field == null) {
                throw new Unsupported(word.isEmpty() ? "Unsupported query: expected a field at \"" + rest(fieldStart)
                        + "\"" : "Unsupported query field '" + word + "': supported are workflowType, version "
                        + "(or workflowVersion), status, workflowId and correlationId");
            }
            List<String> values = values(field);
            switch (field) {
                case "workflowType" -> types = intersect(types, new LinkedHashSet<>(values));
                case "version" -> versions = intersect(versions, versions(values));
                case "status" -> statuses = intersect(statuses, statuses(values));
                case "workflowId" -> ids = intersect(ids, new LinkedHashSet<>(values));
                default -> correlationIds = intersect(correlationIds, new LinkedHashSet<>(values));
            }
            int next = skipSpaces();
            if (next == text.length()) {
                return new Criteria(types, versions, statuses, ids, correlationIds);
            }
            String joiner = word();
            if (!joiner.equalsIgnoreCase("AND")) {
                throw new Unsupported("Unsupported query: only AND joins clauses; cannot read \"" + rest(next)
                        + "\"");
            }
        }
    }

    /** {@code = value} or {@code IN (value, ...)} after a field. */
    private List<String> values(String field) {
        int at = skipSpaces();
        if (at < text.length() && text.charAt(at) == '=') {
            position++;
            return List.of(value(field));
        }
        String operator = word();
        if (!operator.equalsIgnoreCase("IN")) {
            throw new Unsupported("Unsupported query operator after " + field + " at \"" + rest(at)
                    + "\": supported are = and IN (...)");
        }
        expect('(', field);
        List<String> values = new ArrayList<>();
        values.add(value(field));
        while (true) {
            int separator = skipSpaces();
            if (separator < text.length() && text.charAt(separator) == ',') {
                position++;
                values.add(value(field));
            } else {
                expect(')', field);
                return values;
            }
        }
    }

    private String value(String field) {
        int at = skipSpaces();
        if (at < text.length() && (text.charAt(at) == '"' || text.charAt(at) == '\'')) {
            char quote = text.charAt(at);
            int end = text.indexOf(quote, at + 1);
            if (end < 0) {
                throw new Unsupported("Unsupported query: unterminated quoted value for " + field + " at \""
                        + rest(at) + "\"");
            }
            position = end + 1;
            return text.substring(at + 1, end);
        }
        String bare = word();
        if (bare.isEmpty()) {
            throw new Unsupported("Unsupported query: expected a value for " + field + " at \"" + rest(at) + "\"");
        }
        return bare;
    }

    private void expect(char c, String field) {
        int at = skipSpaces();
        if (at >= text.length() || text.charAt(at) != c) {
            throw new Unsupported("Unsupported query: expected '" + c + "' in the " + field + " clause at \""
                    + rest(at) + "\"");
        }
        position++;
    }

    /** A run of characters up to a space or one of {@code = , ( ) " '}. */
    private String word() {
        int start = skipSpaces();
        while (position < text.length() && !Character.isWhitespace(text.charAt(position))
                && "=,()\"'".indexOf(text.charAt(position)) < 0) {
            position++;
        }
        return text.substring(start, position);
    }

    private int skipSpaces() {
        while (position < text.length() && Character.isWhitespace(text.charAt(position))) {
            position++;
        }
        return position;
    }

    private String rest(int from) {
        String rest = from >= text.length() ? "" : text.substring(from);
        return rest.length() > 60 ? rest.substring(0, 60) + "..." : rest;
    }

    private static Set<Integer> versions(List<String> values) {
        Set<Integer> versions = new LinkedHashSet<>();
        for (String value : values) {
            try {
                versions.add(Integer.parseInt(value.trim()));
            } catch (NumberFormatException e) {
                throw new Unsupported("Unsupported query value for version: '" + value + "' is not a number");
            }
        }
        return versions;
    }

    private static Set<WorkflowStatus> statuses(List<String> values) {
        Set<WorkflowStatus> statuses = new LinkedHashSet<>();
        for (String value : values) {
            try {
                statuses.add(WorkflowStatus.valueOf(value.trim().toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new Unsupported("Unsupported query value for status: '" + value + "' is not one of "
                        + java.util.Arrays.toString(WorkflowStatus.values()));
            }
        }
        return statuses;
    }

    private static <T> Set<T> intersect(Set<T> current, Set<T> more) {
        if (current == null) {
            return more;
        }
        Set<T> both = new LinkedHashSet<>(current);
        both.retainAll(more);
        return both;
    }
}

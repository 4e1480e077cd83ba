package io.upgrader.execution;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * When a WAIT task with {@code duration} ("30s", "1h 30m", "2 days") or {@code until} ("2026-12-25 09:00",
 * "2026-12-25 09:00 PST", "2026-12-25", or ISO-8601) ends, as Conductor reads them; times without a zone are UTC.
 */
final class WaitTime {

    private static final Pattern PART = Pattern.compile(
            "\\s*(\\d+)\\s*(days?|d|hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)\\s*", Pattern.CASE_INSENSITIVE);
    private static final List<DateTimeFormatter> ZONED = List.of(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm z"),
            DateTimeFormatter.ISO_ZONED_DATE_TIME);

    private WaitTime() {
    }

    /** The end time in epoch millis, none for a WAIT that only the task API completes. */
    static Optional<Long> until(Map<String, Object> input, long now) {
        Object duration = input.get("duration");
        Object until = input.get("until");
        if (duration != null && until != null) {
            throw new IllegalArgumentException("a WAIT takes either duration or until, not both");
        }
        if (duration != null) {
            return Optional.of(now + parseDuration(String.valueOf(duration)));
        }
        return until == null ? Optional.empty() : Optional.of(parseUntil(String.valueOf(until)));
    }

    static long parseDuration(String text) {
        Matcher part = PART.matcher(text);
        long millis = 0;
        int end = 0;
        while (part.find() && part.start() == end) {
            long amount = Long.parseLong(part.group(1));
            String unit = part.group(2).toLowerCase();
            millis += amount * (unit.startsWith("d") ? 86_400_000L : unit.startsWith("h") ? 3_600_000L
                    : unit.startsWith("m") ? 60_000L : 1_000L);
            end = part.end();
        }
        if (end == 0 || end != text.length()) {
            throw new IllegalArgumentException("WAIT duration '" + text + "' is not a duration such as 30s, 5m, "
                    + "1h 30m or 2 days");
        }
        return millis;
    }

    static long parseUntil(String text) {
        for (DateTimeFormatter format : ZONED) {
            try {
                return ZonedDateTime.parse(text, format).toInstant().toEpochMilli();
            } catch (DateTimeParseException ignored) {
                // the next format
            }
        }
        try {
            return OffsetDateTime.parse(text).toInstant().toEpochMilli();
        } catch (DateTimeParseException ignored) {
            // the next format
        }
        try {
            return Instant.parse(text).toEpochMilli();
        } catch (DateTimeParseException ignored) {
            // the next format
        }
        try {
            return LocalDateTime.parse(text, DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm"))
                    .toInstant(ZoneOffset.UTC).toEpochMilli();
        } catch (DateTimeParseException ignored) {
            // the next format
        }
        try {
            return LocalDate.parse(text).atStartOfDay().toInstant(ZoneOffset.UTC).toEpochMilli();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("WAIT until '" + text + "' is not a time such as 2026-12-25 09:00, "
                    + "2026-12-25 09:00 PST or 2026-12-25T09:00:00Z");
        }
    }
}

package io.upgrader.bench;

import io.upgrader.mongo.CommandBytesMetrics;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the service sent to MongoDB, read from its own counter ({@link CommandBytesMetrics}: every command's
 * BSON size, by command name and collection) through the actuator: snapshots taken before and after an
 * operation, and their difference.
 */
final class CommandBytes {

    /** Commands and bytes sent so far; negative when the counter could not be read. */
    record Snapshot(double commands, double bytes) {

        boolean known() {
            return commands >= 0 && bytes >= 0;
        }

        Snapshot minus(Snapshot before) {
            return known() && before.known() ? new Snapshot(commands - before.commands, bytes - before.bytes)
                    : new Snapshot(-1, -1);
        }
    }

    private static final Snapshot NONE = new Snapshot(0, 0);

    private CommandBytes() {
    }

    /** Every command sent so far, all names and collections together (one request to the actuator). */
    static Snapshot total(ServiceProcess service) {
        Map<String, Double> statistics = service.statistics(CommandBytesMetrics.METRIC);
        if (statistics.isEmpty()) {
            // Not registered before the first command, or not available: the caller tells them apart by
            // whether any snapshot of a phase is known.
            return new Snapshot(-1, -1);
        }
        return new Snapshot(statistics.getOrDefault("COUNT", -1.0), statistics.getOrDefault("TOTAL", -1.0));
    }

    /** Per command name and collection ("update workflows"), so far. */
    static Map<String, Snapshot> byCommand(ServiceProcess service) {
        Map<String, Snapshot> snapshots = new LinkedHashMap<>();
        for (String command : service.tagValues(CommandBytesMetrics.METRIC, "command")) {
            for (String collection : service.tagValues(CommandBytesMetrics.METRIC + "?tag=command:"
                    + encode(command), "collection")) {
                Map<String, Double> statistics = service.statistics(CommandBytesMetrics.METRIC + "?tag=command:"
                        + encode(command) + "&tag=collection:" + encode(collection));
                if (!statistics.isEmpty()) {
                    snapshots.put(command + " " + collection, new Snapshot(statistics.getOrDefault("COUNT", 0.0),
                            statistics.getOrDefault("TOTAL", 0.0)));
                }
            }
        }
        return snapshots;
    }

    /** What was sent between two {@link #byCommand} snapshots, per operation: commands and bytes by key. */
    static Map<String, Object> perOperation(Map<String, Snapshot> before, Map<String, Snapshot> after,
                                            long operations) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (operations <= 0) {
            return out;
        }
        after.forEach((key, a) -> {
            Snapshot d = a.minus(before.getOrDefault(key, NONE));
            if (d.known() && d.commands() > 0) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("commandsPerOperation", Stats.round(d.commands() / operations));
                m.put("bytesPerOperation", Stats.round(d.bytes() / operations));
                out.put(key, m);
            }
        });
        return out;
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}

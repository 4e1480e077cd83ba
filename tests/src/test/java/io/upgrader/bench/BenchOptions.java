package io.upgrader.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The benchmark's flags, parsed simply: {@code --name value} pairs and the switch {@code --quick}, which sets
 * small defaults for a smoke run; flags given explicitly win over it, whatever their order.
 */
final class BenchOptions {

    int executions = 100_000;
    int clients = 16;
    int commands = 20_000;
    int durationSeconds = 20;
    List<Integer> scaleExecutions = List.of(10_000, 1_000_000);
    /** Commands applied at each scale point; 0 = min(5,000, smallest scale / 2, commands). */
    int scaleCommands = 0;
    /** Executions seeded, used to warm the service up, then deleted again. */
    int warmupExecutions = 10_000;
    int warmupSeconds = 5;
    boolean quick;
    /** Executions of the bulk-upgrade phase (their own definition); the documented figure is from 1,000,000. */
    int bulkExecutions = 100_000;
    /** How long the bulk upgrade may take before the phase stops waiting; 0 = max(900 s, 10 ms per execution). */
    int bulkBudgetSeconds = 0;
    /** Pause between two samples of the bulk progress endpoint during the bulk upgrade (one request at a time). */
    int bulkProgressIntervalMs = 250;
    /** Task records per execution of the records phase (bytes per task update and per apply, apply throughput). */
    List<Integer> records = List.of(10, 100, 1_000);
    /** Task updates, and upgrades, applied one at a time per size for the bytes figures (the median is reported). */
    int recordsOps = 20;
    /** Commands of the apply throughput run per size (at most 128 MiB of seeded documents: 196 of 1,000 records). */
    int recordsCommands = 2_000;
    /** Page cache of the in-process store's H2 file, as the embedded mode's upgrader.embedded.mongodb-cache-size-mb. */
    int storeCacheMb = io.upgrader.embedded.EmbeddedMongoServer.DEFAULT_CACHE_SIZE_MB;
    /** Shares of the kinds of executions seeded (see NestedMix): sequential, fork, loop, switch. */
    String mix = NestedMix.DEFAULT;
    /** External infrastructure off the loopback interface is refused unless this is set. */
    boolean allowRemote;

    static BenchOptions parse(String[] args) {
        BenchOptions options = new BenchOptions();
        List<String> list = new ArrayList<>(Arrays.asList(args == null ? new String[0] : args));
        list.removeIf(String::isBlank);
        if (list.contains("--quick")) {
            options.quick = true;
            options.executions = 5_000;
            options.commands = 2_000;
            options.durationSeconds = 5;
            options.scaleExecutions = List.of(2_000, 20_000);
            options.bulkExecutions = 2_000;
            options.recordsOps = 5;
            options.recordsCommands = 100;
            options.warmupExecutions = 2_000;
            options.warmupSeconds = 3;
        }
        for (int i = 0; i < list.size(); i++) {
            String flag = list.get(i);
            switch (flag) {
                case "--quick" -> { }
                case "--allow-remote-infrastructure" -> options.allowRemote = true;
                case "--executions" -> options.executions = positive(flag, value(list, ++i, flag));
                case "--clients" -> options.clients = positive(flag, value(list, ++i, flag));
                case "--commands" -> options.commands = positive(flag, value(list, ++i, flag));
                case "--duration-seconds" -> options.durationSeconds = positive(flag, value(list, ++i, flag));
                case "--scale-commands" -> options.scaleCommands = positive(flag, value(list, ++i, flag));
                case "--bulk-executions" -> options.bulkExecutions = positive(flag, value(list, ++i, flag));
                case "--bulk-budget-seconds" -> options.bulkBudgetSeconds = positive(flag, value(list, ++i, flag));
                case "--bulk-progress-interval-ms" -> options.bulkProgressIntervalMs = positive(flag,
                        value(list, ++i, flag));
                case "--records" -> options.records = counts(flag, value(list, ++i, flag));
                case "--records-ops" -> options.recordsOps = positive(flag, value(list, ++i, flag));
                case "--records-commands" -> options.recordsCommands = positive(flag, value(list, ++i, flag));
                case "--warmup-executions" -> options.warmupExecutions = positive(flag, value(list, ++i, flag));
                case "--warmup-seconds" -> options.warmupSeconds = positive(flag, value(list, ++i, flag));
                case "--mix" -> {
                    options.mix = value(list, ++i, flag);
                    NestedMix.parse(options.mix);
                }
                case "--store-cache-mb" -> options.storeCacheMb = positive(flag, value(list, ++i, flag));
                case "--scale-executions" -> options.scaleExecutions = counts(flag, value(list, ++i, flag));
                case "--help", "-h" -> throw new IllegalArgumentException(usage());
                default -> throw new IllegalArgumentException("unknown flag " + flag + "\n" + usage());
            }
        }
        if (options.scaleCommands == 0) {
            options.scaleCommands = Math.max(1, Math.min(5_000,
                    Math.min(options.scaleExecutions.get(0) / 2, options.commands)));
        }
        return options;
    }

    /** A comma-separated list of positive counts, sorted. */
    private static List<Integer> counts(String flag, String raw) {
        List<Integer> values = new ArrayList<>();
        for (String part : raw.replace("\"", "").split(",")) {
            if (!part.isBlank()) {
                values.add(positive(flag, part.trim().replace("_", "")));
            }
        }
        if (values.isEmpty()) {
            throw new IllegalArgumentException(flag + " needs at least one count");
        }
        values.sort(Integer::compare);
        return List.copyOf(new java.util.LinkedHashSet<>(values));
    }

    /** The bulk phase's budget in seconds: the flag, or max(900 s, 10 ms per execution). */
    long bulkBudgetSeconds() {
        return bulkBudgetSeconds > 0 ? bulkBudgetSeconds : Math.max(900, bulkExecutions / 100L);
    }

    static String usage() {
        return "usage: Benchmark [--quick] [--executions N] [--clients C] [--commands M] [--duration-seconds D]"
                + " [--scale-executions \"10000,1000000\"] [--scale-commands K] [--bulk-executions B]"
                + " [--bulk-budget-seconds S] [--bulk-progress-interval-ms I] [--records \"10,100,1000\"]"
                + " [--records-ops O] [--records-commands R] [--warmup-executions W]"
                + " [--warmup-seconds S] [--store-cache-mb MB] [--mix \"sequential=30,fork=30,loop=30,switch=10\"]"
                + " [--allow-remote-infrastructure]";
    }

    private static String value(List<String> list, int index, String flag) {
        if (index >= list.size()) {
            throw new IllegalArgumentException(flag + " needs a value\n" + usage());
        }
        return list.get(index);
    }

    private static int positive(String flag, String raw) {
        try {
            int value = Integer.parseInt(raw.trim().replace("_", ""));
            if (value <= 0) {
                throw new IllegalArgumentException(flag + " must be positive, got " + raw);
            }
            return value;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " needs a whole number, got '" + raw + "'");
        }
    }
}

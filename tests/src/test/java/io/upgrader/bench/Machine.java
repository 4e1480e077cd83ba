package io.upgrader.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** What the machine is, and CPU time from /proc (Linux); every reader answers -1 where it cannot tell. */
final class Machine {

    private static final long TICKS_PER_SECOND = clockTicks();

    private Machine() {
    }

    static int cores() {
        return Runtime.getRuntime().availableProcessors();
    }

    static long memoryBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024L;
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getTotalMemorySize();
        }
        return -1;
    }

    static String javaVersion() {
        return System.getProperty("java.runtime.name", "Java") + " " + System.getProperty("java.runtime.version",
                System.getProperty("java.version"));
    }

    static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        return System.getProperty("os.arch");
    }

    /** CPU used by this JVM so far (the load generators and, when embedded, the broker and the store). */
    static long ownCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }

    /** utime + stime of a process, from /proc/PID/stat. */
    static long processCpuNanos(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // After "pid (comm) ", fields[0] is state (field 3); utime is field 14, stime field 15.
            long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
            return ticks * 1_000_000_000L / TICKS_PER_SECOND;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Busy CPU time of the whole machine (all processes, all cores), from /proc/stat. */
    static long machineBusyNanos() {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/stat"));
            String[] f = lines.get(0).trim().split("\\s+");
            // cpu user nice system idle iowait irq softirq steal ...
            long busy = 0;
            for (int i = 1; i < f.length && i <= 8; i++) {
                if (i != 4 && i != 5) {
                    busy += Long.parseLong(f[i]);
                }
            }
            return busy * 1_000_000_000L / TICKS_PER_SECOND;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static long clockTicks() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            p.waitFor();
            long value = Long.parseLong(out);
            return value > 0 ? value : 100;
        } catch (IOException | RuntimeException e) {
            return 100;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 100;
        }
    }

    /** CPU used by the service, by this JVM and by the whole machine between two moments. */
    /** This JVM's garbage collections so far (all collectors): how many, and their accumulated time. */
    record GcMark(long wallNanos, long collections, long millis) {

        static GcMark now() {
            long count = 0;
            long time = 0;
            for (java.lang.management.GarbageCollectorMXBean gc
                    : java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()) {
                count += Math.max(0, gc.getCollectionCount());
                time += Math.max(0, gc.getCollectionTime());
            }
            return new GcMark(System.nanoTime(), count, time);
        }

        /** Collections between this mark and {@code end}, their time, and its share of the wall time. */
        GcMark until(GcMark end) {
            return new GcMark(end.wallNanos - wallNanos, end.collections - collections, end.millis - millis);
        }

        double share() {
            return wallNanos <= 0 ? 0 : millis * 1e6 / wallNanos;
        }
    }

    record CpuMark(long wallNanos, long serviceNanos, long ownNanos, long machineNanos) {

        static CpuMark now(ServiceProcess service) {
            return new CpuMark(System.nanoTime(), service == null ? -1 : service.cpuNanos(), ownCpuNanos(),
                    machineBusyNanos());
        }

        CpuUse until(CpuMark end) {
            return new CpuUse((end.wallNanos - wallNanos) / 1e9, diff(serviceNanos, end.serviceNanos),
                    diff(ownNanos, end.ownNanos), diff(machineNanos, end.machineNanos));
        }

        private static double diff(long a, long b) {
            return a < 0 || b < 0 ? -1 : (b - a) / 1e9;
        }
    }

    /** Seconds of wall time and of CPU (service, benchmark JVM, whole machine) spent in a phase. */
    record CpuUse(double wallSeconds, double serviceSeconds, double benchSeconds, double machineSeconds) {

        /** Busy share of all cores over the phase, 0..1. */
        double machineUtilization() {
            return machineSeconds < 0 || wallSeconds <= 0 ? -1 : machineSeconds / (wallSeconds * cores());
        }

        /** CPU of processes other than the service and this JVM (e.g. a build running at the same time). */
        double otherSeconds() {
            return machineSeconds < 0 || serviceSeconds < 0 || benchSeconds < 0 ? -1
                    : Math.max(0, machineSeconds - serviceSeconds - benchSeconds);
        }
    }
}

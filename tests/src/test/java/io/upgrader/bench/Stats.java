package io.upgrader.bench;

import org.HdrHistogram.Histogram;

import java.util.LinkedHashMap;
import java.util.Map;

/** Latency histograms in microseconds (1 µs to 1 h, 3 significant digits) and their percentiles in ms. */
final class Stats {

    static final long MAX_MICROS = 3_600_000_000L;

    private Stats() {
    }

    static Histogram histogram() {
        return new Histogram(1, MAX_MICROS, 3);
    }

    static void record(Histogram histogram, long micros) {
        histogram.recordValue(Math.max(1, Math.min(MAX_MICROS, micros)));
    }

    /** The percentile in milliseconds, or NaN when nothing was recorded. */
    static double ms(Histogram histogram, double percentile) {
        if (histogram.getTotalCount() == 0) {
            return Double.NaN;
        }
        return histogram.getValueAtPercentile(percentile) / 1000.0;
    }

    static Map<String, Object> summary(Histogram histogram) {
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("count", histogram.getTotalCount());
        summary.put("p50_ms", round(ms(histogram, 50)));
        summary.put("p90_ms", round(ms(histogram, 90)));
        summary.put("p99_ms", round(ms(histogram, 99)));
        summary.put("p99_9_ms", round(ms(histogram, 99.9)));
        summary.put("max_ms", histogram.getTotalCount() == 0 ? null : round(histogram.getMaxValue() / 1000.0));
        summary.put("mean_ms", histogram.getTotalCount() == 0 ? null : round(histogram.getMean() / 1000.0));
        return summary;
    }

    static Double round(double value) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            return null;
        }
        double scale = Math.abs(value) >= 100 ? 10 : Math.abs(value) >= 1 ? 1000 : 100_000;
        return Math.round(value * scale) / scale;
    }
}

package io.berth.bench;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Summary of a sample of durations in milliseconds. Percentiles interpolate linearly between
 * the closest ranks (numpy's default, R's type 7), so the median of an even sample is the mean
 * of the middle two, as hyperfine computes it.
 */
public record Stats(int n, double median, double p90, double min, double max, double mean, double stddev) {

  public static Stats of(double[] samples) {
    if (samples.length == 0) {
      throw new IllegalArgumentException("no samples");
    }
    double[] s = samples.clone();
    Arrays.sort(s);
    double sum = 0;
    for (double v : s) {
      sum += v;
    }
    double mean = sum / s.length;
    double sq = 0;
    for (double v : s) {
      sq += (v - mean) * (v - mean);
    }
    double stddev = s.length > 1 ? Math.sqrt(sq / (s.length - 1)) : 0;
    return new Stats(s.length, percentile(s, 50), percentile(s, 90), s[0], s[s.length - 1], mean, stddev);
  }

  /** The p-th percentile (0..100) of an ascending sample. */
  static double percentile(double[] sorted, double p) {
    if (p < 0 || p > 100) {
      throw new IllegalArgumentException("percentile " + p + " is outside 0..100");
    }
    double h = (sorted.length - 1) * p / 100.0;
    int lo = (int) Math.floor(h);
    int hi = Math.min(lo + 1, sorted.length - 1);
    return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
  }

  /** The fields for a JSON document, rounded to the microsecond. */
  public Map<String, Object> toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("n", n);
    m.put("median_ms", round(median));
    m.put("p90_ms", round(p90));
    m.put("min_ms", round(min));
    m.put("max_ms", round(max));
    m.put("mean_ms", round(mean));
    m.put("stddev_ms", round(stddev));
    return m;
  }

  static double round(double ms) {
    return Math.round(ms * 1000) / 1000.0;
  }
}

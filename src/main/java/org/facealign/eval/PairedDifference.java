package org.facealign.eval;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Two models' errors on the same faces, compared face by face: the mean of the per-face differences (A - B), its
 * standard error, a percentile bootstrap interval and how many faces each model got closer. Pairing removes the
 * faces' own difficulty, which varies far more than the models do: two evaluations of one test set are compared
 * this way, never by their means' separate spreads.
 *
 * <p>The bootstrap resamples faces with replacement; it is seeded, so the same errors give the same interval.
 *
 * @param faces faces compared
 * @param meanA A's mean error
 * @param meanB B's mean error
 * @param difference mean of A - B (negative: A is better)
 * @param standardError the sample standard deviation of the differences over sqrt(faces); NaN for one face
 * @param lower the lower end of the bootstrap interval of the mean difference
 * @param upper its upper end
 * @param aBetter faces where A's error is smaller
 * @param bBetter faces where B's error is smaller
 */
public record PairedDifference(int faces, double meanA, double meanB, double difference, double standardError,
    double lower, double upper, int aBetter, int bBetter) {

  /**
   * The comparison of {@code a} and {@code b}, face i being the same face in both.
   *
   * @param samples bootstrap resamples (at least 100)
   * @param confidence two-sided coverage of the interval, in (0, 1)
   * @param seed the bootstrap's seed
   */
  public static PairedDifference of(double[] a, double[] b, int samples, double confidence, long seed) {
    if (confidence <= 0 || confidence >= 1) {
      throw new IllegalArgumentException("confidence must be in (0, 1), got " + confidence);
    }
    double[] d = differences(a, b);
    int n = d.length;
    if (n == 0) {
      throw new IllegalArgumentException("no faces to compare");
    }
    double sa = 0;
    double sb = 0;
    double sd = 0;
    int aBetter = 0;
    int bBetter = 0;
    for (int i = 0; i < n; i++) {
      sa += a[i];
      sb += b[i];
      sd += d[i];
      aBetter += d[i] < 0 ? 1 : 0;
      bBetter += d[i] > 0 ? 1 : 0;
    }
    double mean = sd / n;
    double ss = 0;
    for (double x : d) {
      ss += (x - mean) * (x - mean);
    }
    double se = n > 1 ? Math.sqrt(ss / (n - 1) / n) : Double.NaN;
    double[] means = bootstrapMeans(d, samples, new SplittableRandom(seed));
    Arrays.sort(means);
    double tail = (1 - confidence) / 2;
    return new PairedDifference(n, sa / n, sb / n, mean, se, quantile(means, tail), quantile(means, 1 - tail),
        aBetter, bBetter);
  }

  /** {@code a[i] - b[i]}; both arrays the same length, every value finite. */
  public static double[] differences(double[] a, double[] b) {
    if (a.length != b.length) {
      throw new IllegalArgumentException(a.length + " errors against " + b.length + ": the two must be of the same faces");
    }
    double[] d = new double[a.length];
    for (int i = 0; i < d.length; i++) {
      if (!Double.isFinite(a[i]) || !Double.isFinite(b[i])) {
        throw new IllegalArgumentException("face " + i + " has a non-finite error: " + a[i] + ", " + b[i]);
      }
      d[i] = a[i] - b[i];
    }
    return d;
  }

  /**
   * The means of {@code samples} resamples of {@code d} with replacement, each drawing {@code d.length} indices from
   * {@code rnd} in turn (unsorted, in the order drawn).
   */
  public static double[] bootstrapMeans(double[] d, int samples, SplittableRandom rnd) {
    if (samples < 100) {
      throw new IllegalArgumentException("bootstrap samples must be at least 100, got " + samples);
    }
    int n = d.length;
    double[] means = new double[samples];
    for (int s = 0; s < samples; s++) {
      double sum = 0;
      for (int i = 0; i < n; i++) {
        sum += d[rnd.nextInt(n)];
      }
      means[s] = sum / n;
    }
    return means;
  }

  /** The value at fraction {@code q} of {@code sorted}, rounding the index down (the one the gate has used). */
  public static double quantile(double[] sorted, double q) {
    return sorted[(int) Math.floor(q * (sorted.length - 1))];
  }
}

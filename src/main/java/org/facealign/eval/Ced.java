package org.facealign.eval;

import java.util.Arrays;

/**
 * The cumulative error distribution (CED) of a set of per-face errors, as 300-W reports results
 * (Sagonas et al.): {@code CED(x)} is the fraction of faces whose error is at most {@code x}, and the
 * area under it up to a threshold {@code T}, divided by {@code T}, is the AUC at {@code T}.
 *
 * <p>The AUC is computed exactly, not from a sampled curve: since {@code CED(x) = (1/n) sum_i [e_i <= x]},
 * <pre>  AUC_T = (1/T) integral_0^T CED(x) dx = (1/n) sum_i max(0, T - e_i) / T.</pre>
 *
 * <p>Errors must be finite and non-negative.
 */
public final class Ced {

  private Ced() {}

  /** {@code CED(t)} for each threshold: the fraction of errors {@code <= t}; all zeros when there are no errors. */
  public static double[] curve(double[] errors, double[] thresholds) {
    double[] sorted = sortedCopy(errors);
    double[] c = new double[thresholds.length];
    for (int k = 0; k < thresholds.length; k++) {
      double t = thresholds[k];
      if (Double.isNaN(t)) {
        throw new IllegalArgumentException("threshold " + k + " is NaN");
      }
      c[k] = sorted.length == 0 ? 0 : (double) countAtMost(sorted, t) / sorted.length;
    }
    return c;
  }

  /**
   * The grid {@code 0, step, 2 step, ...} up to {@code max} inclusive (when {@code max} is a whole number
   * of steps, within rounding, the last point is exactly {@code max}).
   */
  public static double[] grid(double max, double step) {
    if (!(Double.isFinite(max) && max >= 0)) {
      throw new IllegalArgumentException("grid maximum must be finite and >= 0, got " + max);
    }
    if (!(Double.isFinite(step) && step > 0)) {
      throw new IllegalArgumentException("grid step must be finite and > 0, got " + step);
    }
    double steps = max / step;
    long n = (long) Math.floor(steps + 1e-9);
    if (n >= Integer.MAX_VALUE - 1) {
      throw new IllegalArgumentException("grid of " + max + " by " + step + " is too large");
    }
    double[] g = new double[(int) n + 1];
    for (int i = 0; i <= n; i++) {
      g[i] = i * step;
    }
    if (Math.abs(steps - n) < 1e-9) {
      g[(int) n] = max;
    }
    return g;
  }

  /** Fraction of errors {@code <= t} ({@code CED(t)}); NaN when there are no errors. */
  public static double fractionAtMost(double[] errors, double t) {
    checkErrors(errors);
    if (errors.length == 0) {
      return Double.NaN;
    }
    int k = 0;
    for (double e : errors) {
      if (e <= t) {
        k++;
      }
    }
    return (double) k / errors.length;
  }

  /** Failure rate at {@code t}: the fraction of errors {@code > t}; NaN when there are no errors. */
  public static double failureRate(double[] errors, double t) {
    checkErrors(errors);
    if (errors.length == 0) {
      return Double.NaN;
    }
    int k = 0;
    for (double e : errors) {
      if (e > t) {
        k++;
      }
    }
    return (double) k / errors.length;
  }

  /** Exact area under the CED from 0 to {@code t}, divided by {@code t}; NaN when there are no errors. */
  public static double auc(double[] errors, double t) {
    checkErrors(errors);
    if (!(Double.isFinite(t) && t > 0)) {
      throw new IllegalArgumentException("AUC threshold must be finite and > 0, got " + t);
    }
    if (errors.length == 0) {
      return Double.NaN;
    }
    double sum = 0;
    for (double e : errors) {
      sum += Math.max(0, t - e);
    }
    return sum / errors.length / t;
  }

  static void checkErrors(double[] errors) {
    for (int i = 0; i < errors.length; i++) {
      if (!(Double.isFinite(errors[i]) && errors[i] >= 0)) {
        throw new IllegalArgumentException("error " + i + " must be finite and >= 0, got " + errors[i]);
      }
    }
  }

  private static double[] sortedCopy(double[] errors) {
    checkErrors(errors);
    double[] s = errors.clone();
    Arrays.sort(s);
    return s;
  }

  /** Number of sorted values {@code <= t}. */
  private static int countAtMost(double[] sorted, double t) {
    int lo = 0;
    int hi = sorted.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (sorted[mid] <= t) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }
}

package org.facealign.eval;

import java.util.Arrays;

/**
 * Summary of the per-face normalised mean errors of one subset under one normalisation, the figures
 * 300-W results are reported with (Sagonas et al.; inter-pupil normalisation as in Shi et al. 2014 and
 * Wang et al. 2017 MSRRN). All rates are fractions.
 *
 * <p>Conventions, consistent with the CED ({@link Ced}): a face <em>fails</em> at threshold {@code t}
 * when its error is strictly greater than {@code t}; it is <em>below</em> {@code t} when its error is at
 * most {@code t} (so {@code below010 + failureRate010 == 1} and {@code below005 == CED(0.05)}). The AUC
 * is exact: {@code mean_i max(0, 0.08 - e_i) / 0.08}.
 *
 * <p>For an empty subset {@code faces} is 0 and every other component is NaN ({@link #isEmpty()});
 * report files write these as null.
 *
 * @param faces number of faces
 * @param mean mean error
 * @param median median error (mean of the two middle values for an even count)
 * @param failureRate008 fraction of faces with error {@code > 0.08}
 * @param failureRate010 fraction of faces with error {@code > 0.10}
 * @param auc008 area under the CED from 0 to 0.08, divided by 0.08
 * @param below005 fraction of faces with error {@code <= 0.05}
 * @param below010 fraction of faces with error {@code <= 0.10}
 */
public record ErrorStats(
    int faces,
    double mean,
    double median,
    double failureRate008,
    double failureRate010,
    double auc008,
    double below005,
    double below010) {

  /** The statistics of the given errors (finite, non-negative fractions). */
  public static ErrorStats of(double[] errors) {
    Ced.checkErrors(errors);
    int n = errors.length;
    if (n == 0) {
      double nan = Double.NaN;
      return new ErrorStats(0, nan, nan, nan, nan, nan, nan, nan);
    }
    double sum = 0;
    for (double e : errors) {
      sum += e;
    }
    return new ErrorStats(
        n,
        sum / n,
        median(errors),
        Ced.failureRate(errors, 0.08),
        Ced.failureRate(errors, 0.10),
        Ced.auc(errors, 0.08),
        Ced.fractionAtMost(errors, 0.05),
        Ced.fractionAtMost(errors, 0.10));
  }

  /** True when there were no faces (and every statistic is NaN). */
  public boolean isEmpty() {
    return faces == 0;
  }

  private static double median(double[] errors) {
    double[] s = errors.clone();
    Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }
}

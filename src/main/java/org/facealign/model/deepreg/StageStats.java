package org.facealign.model.deepreg;

import java.io.Serializable;
import org.facealign.data.LandmarkScheme;
import org.facealign.data.Shape;
import org.facealign.eval.Nme;

/**
 * Error of a cascade after each stage over a set of samples, mergeable: the mean inter-pupil NME after
 * stage t = 0..T (DeepReg's Fig. 4) and the bias and variance of the normalised residual (its Fig. 2).
 *
 * <p>Residual of a sample after stage t: {@code e = (s_t - s*) / d_IP}, the 2P coordinates divided by the
 * inter-pupil distance of the ground truth. Bias: {@code ||E[e]||² / P}; variance: {@code E||e - E[e]||² / P}
 * (per landmark, so they add up to the mean squared normalised point error). The paper plots both per stage;
 * it does not define them further, so this is our reading.
 */
public final class StageStats implements Serializable {
  private static final long serialVersionUID = 1L;
  private final int stages;
  private final int dim;
  private long count;
  private final double[] nme;
  private final double[] io;
  private final double[][] sum;
  private final double[] sumSq;
  /** Faces whose IP-NME after stage t is below {@link #THRESHOLDS}[k]. */
  private final long[][] below;

  /** The per-face error thresholds whose fractions are counted (MSRRN's Table 2: 0.05 and 0.10). */
  public static final double[] THRESHOLDS = {0.05, 0.10};

  public StageStats(int stages, int dim) {
    this.stages = stages;
    this.dim = dim;
    this.nme = new double[stages + 1];
    this.io = new double[stages + 1];
    this.sum = new double[stages + 1][dim];
    this.sumSq = new double[stages + 1];
    this.below = new long[stages + 1][THRESHOLDS.length];
  }

  /** Adds one sample's trajectory {@code s_0 .. s_T} against its ground truth (any common frame). */
  public StageStats add(double[][] trajectory, double[] target, LandmarkScheme scheme) {
    Shape gt = Shape.of(target);
    double ip = scheme.interPupilDistance(gt);
    for (int t = 0; t <= stages; t++) {
      double e0 = Nme.interPupil(Shape.of(trajectory[t]), gt, scheme);
      nme[t] += e0;
      for (int k = 0; k < THRESHOLDS.length; k++) {
        below[t][k] += e0 < THRESHOLDS[k] ? 1 : 0;
      }
      io[t] += Nme.interOcular(Shape.of(trajectory[t]), gt, scheme);
      double sq = 0;
      for (int i = 0; i < dim; i++) {
        double e = (trajectory[t][i] - target[i]) / ip;
        sum[t][i] += e;
        sq += e * e;
      }
      sumSq[t] += sq;
    }
    count++;
    return this;
  }

  public StageStats merge(StageStats o) {
    for (int t = 0; t <= stages; t++) {
      nme[t] += o.nme[t];
      io[t] += o.io[t];
      sumSq[t] += o.sumSq[t];
      for (int k = 0; k < THRESHOLDS.length; k++) {
        below[t][k] += o.below[t][k];
      }
      for (int i = 0; i < dim; i++) {
        sum[t][i] += o.sum[t][i];
      }
    }
    count += o.count;
    return this;
  }

  public long count() {
    return count;
  }

  /** Fraction of the samples whose IP-NME after each stage is below {@code THRESHOLDS[k]}. */
  public double[] fractionBelow(int k) {
    double[] r = new double[stages + 1];
    for (int t = 0; t <= stages; t++) {
      r[t] = count == 0 ? Double.NaN : (double) below[t][k] / count;
    }
    return r;
  }

  /** Mean IP-NME after each stage. */
  public double[] nme() {
    double[] r = new double[stages + 1];
    for (int t = 0; t <= stages; t++) {
      r[t] = count == 0 ? Double.NaN : nme[t] / count;
    }
    return r;
  }

  /** Mean inter-ocular NME after each stage. */
  public double[] interOcular() {
    double[] r = new double[stages + 1];
    for (int t = 0; t <= stages; t++) {
      r[t] = count == 0 ? Double.NaN : io[t] / count;
    }
    return r;
  }

  /** Squared bias per landmark after each stage. */
  public double[] bias() {
    double[] r = new double[stages + 1];
    for (int t = 0; t <= stages; t++) {
      double s = 0;
      for (int i = 0; i < dim; i++) {
        double m = sum[t][i] / count;
        s += m * m;
      }
      r[t] = count == 0 ? Double.NaN : s / (dim / 2.0);
    }
    return r;
  }

  /** Variance per landmark after each stage. */
  public double[] variance() {
    double[] r = new double[stages + 1];
    double[] bias = bias();
    for (int t = 0; t <= stages; t++) {
      r[t] = count == 0 ? Double.NaN : sumSq[t] / count / (dim / 2.0) - bias[t];
    }
    return r;
  }
}

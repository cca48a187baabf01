package org.facealign.model.deepreg;

import java.io.Serializable;
import java.util.SplittableRandom;
import org.facealign.data.Hashes;

/**
 * Random starting shapes for sequential pre-training, as the Supervised Descent Method does (Xiong and De
 * la Torre 2013): the regressor of a stage sees not only where the previous stages put each training face,
 * but also similarity-perturbed versions of it, so it learns to correct a wider range of errors.
 *
 * <p>The perturbation of start k of a sample is a similarity about the centroid of s0: translation,
 * log-scale and rotation drawn from independent Gaussians whose means and standard deviations are those of
 * the similarity that best maps s0 onto the ground truth over the training samples ({@link Stats}). Start 0
 * is s0 itself. Draws are seeded by (seed, sample name, k): independent of partitioning.
 */
public final class Perturbation implements Serializable {
  private static final long serialVersionUID = 1L;
  private final Stats stats;
  private final long seed;

  public Perturbation(Stats stats, long seed) {
    this.stats = stats;
    this.seed = seed;
  }

  /** The {@code n} starts of a sample whose initial shape is {@code s0}. */
  public double[][] starts(String sampleName, double[] s0, int n) {
    double[][] out = new double[n][];
    out[0] = s0.clone();
    SplittableRandom r = new SplittableRandom(seed ^ Hashes.hash64(sampleName));
    for (int k = 1; k < n; k++) {
      out[k] = perturbed(s0, r);
    }
    return out;
  }

  /**
   * One start for a sample whose initial shape is {@code s0}, perturbed as those of {@link #starts} are but from
   * its own random stream, {@code stream} (joint training uses the epoch): a fresh draw per stream.
   */
  public double[] draw(String sampleName, double[] s0, long stream) {
    return perturbed(s0, new SplittableRandom(seed ^ Hashes.hash64(sampleName) ^ (stream + 1) * 0x9E3779B97F4A7C15L));
  }

  /** {@code s0} moved by a similarity drawn from {@code r} with the statistics' means and deviations. */
  private double[] perturbed(double[] s0, SplittableRandom r) {
    double tx = stats.mean[0] + stats.std[0] * gaussian(r);
    double ty = stats.mean[1] + stats.std[1] * gaussian(r);
    double sc = Math.exp(stats.mean[2] + stats.std[2] * gaussian(r));
    double th = stats.mean[3] + stats.std[3] * gaussian(r);
    return similarity(s0, tx, ty, sc, th);
  }

  /** {@code s} moved by the similarity (about its centroid). */
  static double[] similarity(double[] s, double tx, double ty, double scale, double theta) {
    int p = s.length / 2;
    double cx = 0;
    double cy = 0;
    for (int i = 0; i < p; i++) {
      cx += s[2 * i];
      cy += s[2 * i + 1];
    }
    cx /= p;
    cy /= p;
    double a = scale * Math.cos(theta);
    double b = scale * Math.sin(theta);
    double[] o = new double[s.length];
    for (int i = 0; i < p; i++) {
      double x = s[2 * i] - cx;
      double y = s[2 * i + 1] - cy;
      o[2 * i] = cx + tx + a * x - b * y;
      o[2 * i + 1] = cy + ty + b * x + a * y;
    }
    return o;
  }

  /**
   * The similarity (tx, ty, log scale, angle) that best maps {@code from} onto {@code to} in least
   * squares, about the centroid of {@code from}.
   */
  public static double[] fit(double[] from, double[] to) {
    int p = from.length / 2;
    double fx = 0;
    double fy = 0;
    double gx = 0;
    double gy = 0;
    for (int i = 0; i < p; i++) {
      fx += from[2 * i];
      fy += from[2 * i + 1];
      gx += to[2 * i];
      gy += to[2 * i + 1];
    }
    fx /= p;
    fy /= p;
    gx /= p;
    gy /= p;
    double sxx = 0;
    double num = 0;
    double cross = 0;
    for (int i = 0; i < p; i++) {
      double x = from[2 * i] - fx;
      double y = from[2 * i + 1] - fy;
      double u = to[2 * i] - gx;
      double v = to[2 * i + 1] - gy;
      sxx += x * x + y * y;
      num += x * u + y * v;
      cross += x * v - y * u;
    }
    double a = num / sxx;
    double b = cross / sxx;
    return new double[] {gx - fx, gy - fy, Math.log(Math.hypot(a, b)), Math.atan2(b, a)};
  }

  private static double gaussian(SplittableRandom r) {
    double u = 1 - r.nextDouble();
    double v = r.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Mean and standard deviation of (tx, ty, log scale, angle); mergeable sums. */
  public static final class Stats implements Serializable {
    private static final long serialVersionUID = 1L;
    final double[] sum = new double[4];
    final double[] sumSq = new double[4];
    long n;
    double[] mean = new double[4];
    double[] std = new double[4];

    public Stats add(double[] similarity) {
      for (int i = 0; i < 4; i++) {
        sum[i] += similarity[i];
        sumSq[i] += similarity[i] * similarity[i];
      }
      n++;
      return this;
    }

    public Stats merge(Stats o) {
      for (int i = 0; i < 4; i++) {
        sum[i] += o.sum[i];
        sumSq[i] += o.sumSq[i];
      }
      n += o.n;
      return this;
    }

    /** Computes mean and standard deviation from the sums; returns this. */
    public Stats finish() {
      for (int i = 0; i < 4; i++) {
        mean[i] = n == 0 ? 0 : sum[i] / n;
        std[i] = n == 0 ? 0 : Math.sqrt(Math.max(0, sumSq[i] / n - mean[i] * mean[i]));
      }
      return this;
    }

    public double[] mean() {
      return mean.clone();
    }

    public double[] std() {
      return std.clone();
    }

    /** These statistics with every standard deviation multiplied by {@code f}; the means are kept. */
    public Stats scaled(double f) {
      Stats s = new Stats();
      System.arraycopy(sum, 0, s.sum, 0, 4);
      System.arraycopy(sumSq, 0, s.sumSq, 0, 4);
      s.n = n;
      s.mean = mean.clone();
      for (int i = 0; i < 4; i++) {
        s.std[i] = f * std[i];
      }
      return s;
    }
  }
}

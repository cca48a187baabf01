package org.facealign.feature;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link ResponseMaps#integralGrid} with explicit SIMD: the {@code n} orientations of an integral node are
 * contiguous, so each of the four bilinear neighbours of a grid point is a whole number of vector loads, and
 * each grid point is a dozen instructions instead of {@code 8 n}; with so few instructions per point the
 * processor keeps many points' memory reads in flight, which matters because a face's integral images (2.4 MB)
 * are rarely in cache when a batch of faces is aligned: 0.59 against 0.82 µs per 128-value descriptor
 * ({@code FeatureBench.descriptorPerLandmark}). The same operations in the same order as the scalar loop, so
 * the same results to the last bit. Loaded only when {@link Simd#ENABLED}. (Building the integral's rows with
 * vectors of running sums was tried and was slower than the scalar loop: 1.02 against 0.74 ms per canvas.)
 */
final class IntegralSimd {
  private static final VectorSpecies<Double> SPECIES = DoubleVector.SPECIES_PREFERRED;
  /** Doubles per vector: 8 with AVX-512, 4 with AVX2. */
  static final int LANES = SPECIES.length();

  private IntegralSimd() {}

  /**
   * The grid of {@link ResponseMaps#integralGrid} on integral nodes {@code s} of a {@code w x h} canvas with
   * {@code n} orientations, {@code n} a multiple of {@link #LANES}.
   */
  static void grid(double[] s, int w, int h, int n, double[] xs, int nx, double[] ys, int ny, double[] out) {
    int below = (w + 1) * n;
    for (int r = 0; r < ny; r++) {
      double v = ys[r] + 0.5;
      v = v > 0 ? (v < h ? v : h) : 0; // NaN -> 0
      int j = Math.min((int) v, h - 1);
      double fv = v - j;
      for (int q = 0; q < nx; q++) {
        double u = xs[q] + 0.5;
        u = u > 0 ? (u < w ? u : w) : 0;
        int i = Math.min((int) u, w - 1);
        double fu = u - i;
        double w00 = (1 - fu) * (1 - fv);
        double w10 = fu * (1 - fv);
        double w01 = (1 - fu) * fv;
        double w11 = fu * fv;
        int p00 = j * below + i * n;
        int p01 = p00 + below;
        int o = (r * nx + q) * n;
        DoubleVector v00 = DoubleVector.broadcast(SPECIES, w00);
        DoubleVector v10 = DoubleVector.broadcast(SPECIES, w10);
        DoubleVector v01 = DoubleVector.broadcast(SPECIES, w01);
        DoubleVector v11 = DoubleVector.broadcast(SPECIES, w11);
        for (int k = 0; k < n; k += LANES) {
          DoubleVector a = DoubleVector.fromArray(SPECIES, s, p00 + k).mul(v00);
          DoubleVector b = DoubleVector.fromArray(SPECIES, s, p00 + n + k).mul(v10);
          DoubleVector c = DoubleVector.fromArray(SPECIES, s, p01 + k).mul(v01);
          DoubleVector d = DoubleVector.fromArray(SPECIES, s, p01 + n + k).mul(v11);
          a.add(b).add(c).add(d).intoArray(out, o + k);
        }
      }
    }
  }
}

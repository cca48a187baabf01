package org.facealign.feature;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The integral images of {@link ResponseMaps} with explicit SIMD: building a row ({@link #integrateRow}) and
 * reading a grid of points ({@link #grid}). In {@link #grid}, the {@code n} orientations of an integral node are
 * contiguous, so each of the four bilinear neighbours of a grid point is a whole number of vector loads, and
 * each grid point is a dozen instructions instead of {@code 8 n}; with so few instructions per point the
 * processor keeps many points' memory reads in flight, which matters because a face's integral images (2.4 MB)
 * are rarely in cache when a batch of faces is aligned. In {@link #integrateRow} the {@code n} running row sums
 * are vectors instead of {@code n} scalar chains. The same operations in the same order as the scalar loops,
 * so the same results to the last bit. Loaded only when {@link Simd#ENABLED}.
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

  /**
   * Row {@code y + 1} of the integral from row {@code y} ({@link ResponseMaps}'s {@code integrateRow}): {@code
   * wide} receives the blurred row {@code b} widened to double, then node {@code x + 1} of the row is the node
   * above plus the running sums of the row's pixels {@code 0..x}. The row's pixels lie in {@code parts} strips
   * of {@code stripWidth} pixels, pixel {@code t} of strip {@code p} at {@code t slot + p binLanes}; {@code n} a
   * multiple of {@link #LANES}.
   */
  static void integrateRow(float[] b, double[] wide, double[] s, int above, int here, int w, int n, int parts,
      int stripWidth, int slot, int binLanes) {
    for (int i = 0; i < b.length; i++) {
      wide[i] = b[i];
    }
    for (int k = 0; k < n; k += LANES) {
      DoubleVector run = DoubleVector.zero(SPECIES);
      for (int p = 0; p < parts; p++) {
        int xs = p * stripWidth;
        int count = Math.min(stripWidth, w - xs);
        for (int t = 0; t < count; t++) {
          int o = (xs + t) * n + k;
          run = run.add(DoubleVector.fromArray(SPECIES, wide, t * slot + p * binLanes + k));
          DoubleVector.fromArray(SPECIES, s, above + o).add(run).intoArray(s, here + o);
        }
      }
    }
  }
}

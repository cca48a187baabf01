package org.facealign.feature;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The integral images of {@link ResponseMaps} with explicit SIMD. {@link #row} builds a row of nodes with the
 * orientations' running sums in one vector register, two pixels per float store (the scalar loop's
 * conversions to float are slow). {@link #point}, for {@link ResponseMaps#integralGrid}:
 * the {@code n} orientations of an integral node are
 * contiguous, so each of the four bilinear neighbours of a grid point is a whole number of vector loads
 * (float nodes widened to double lanes), and each grid point is a dozen instructions instead of {@code 8 n};
 * with so few instructions per point the processor keeps many points' memory reads in flight, which matters
 * because a face's integral images (1.2 MB) are rarely in cache when a batch of faces is aligned. The same
 * operations in the same order as the scalar loop, so the same results to the last bit. Loaded only when
 * {@link Simd#ENABLED}.
 */
final class IntegralSimd {
  private static final VectorSpecies<Double> SPECIES = DoubleVector.SPECIES_PREFERRED;
  /**
   * Twice as many floats as {@link #SPECIES} has doubles: the preferred species, the one every other kernel uses
   * (a second float species in the same JVM makes the Vector API's calls polymorphic, and all kernels slow).
   */
  private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
  /** The upper half of a float vector: where the second of two converted double vectors goes. */
  private static final VectorMask<Float> UPPER = FLOATS.indexInRange(-FLOATS.length() / 2, FLOATS.length() / 2);
  /** Doubles per vector: 8 with AVX-512, 4 with AVX2. */
  static final int LANES = SPECIES.length();
  /**
   * Floats a {@link #point} or {@link #row} may read past the last value it uses: the integral's and the
   * blurred row's arrays are this much longer than their contents.
   */
  static final int PAD = FLOATS.length();

  private IntegralSimd() {}

  /**
   * The {@code n} bilinearly weighted integrals of one grid point of {@link ResponseMaps#integralGrid}: nodes
   * {@code p00} (and {@code p00 + n}) on the row above, {@code p01} (and {@code p01 + n}) below, weights {@code
   * w00, w10, w01, w11}, written to {@code out[o .. o + n)}; {@code n} a multiple of {@link #LANES}. With {@code
   * n = LANES} one float load holds both nodes of a row.
   */
  static void point(float[] s, int p00, int p01, int n, double w00, double w10, double w01, double w11,
      double[] out, int o) {
    DoubleVector v00 = DoubleVector.broadcast(SPECIES, w00);
    DoubleVector v10 = DoubleVector.broadcast(SPECIES, w10);
    DoubleVector v01 = DoubleVector.broadcast(SPECIES, w01);
    DoubleVector v11 = DoubleVector.broadcast(SPECIES, w11);
    if (n == LANES && FLOATS.length() == 2 * LANES) {
      FloatVector above = FloatVector.fromArray(FLOATS, s, p00);
      FloatVector below = FloatVector.fromArray(FLOATS, s, p01);
      DoubleVector a = widen(above, 0).mul(v00);
      DoubleVector b = widen(above, 1).mul(v10);
      DoubleVector c = widen(below, 0).mul(v01);
      DoubleVector d = widen(below, 1).mul(v11);
      a.add(b).add(c).add(d).intoArray(out, o);
      return;
    }
    for (int k = 0; k < n; k += LANES) {
      DoubleVector a = widen(FloatVector.fromArray(FLOATS, s, p00 + k), 0).mul(v00);
      DoubleVector b = widen(FloatVector.fromArray(FLOATS, s, p00 + n + k), 0).mul(v10);
      DoubleVector c = widen(FloatVector.fromArray(FLOATS, s, p01 + k), 0).mul(v01);
      DoubleVector d = widen(FloatVector.fromArray(FLOATS, s, p01 + n + k), 0).mul(v11);
      a.add(b).add(c).add(d).intoArray(out, o + k);
    }
  }

  /**
   * Row {@code y + 1} of the integral for {@code n = }{@link #LANES} orientations ({@code
   * ResponseMaps.integrateRow}): pixel by pixel in order, the running sums of the blurred row {@code b} (pixel
   * {@code x = p sw + t} at {@code b[t sl + p lanes ..]}) are added to the exact column sums {@code col[(x + 1) n
   * ..]}, which are stored rounded to float at {@code s[here + (x + 1) n ..]}, two pixels per float store. Each
   * lane does what the scalar loop does for its orientation, in the same order.
   */
  static void row(float[] b, int sw, int w, int sl, int lanes, double[] col, float[] s, int here) {
    int n = LANES;
    DoubleVector run = DoubleVector.zero(SPECIES);
    int t = 0;
    int p = 0;
    int x = 0;
    for (; x + 1 < w; x += 2) {
      int o = (x + 1) * n;
      run = run.add(widen(FloatVector.fromArray(FLOATS, b, t * sl + p * lanes), 0));
      DoubleVector c1 = DoubleVector.fromArray(SPECIES, col, o).add(run);
      c1.intoArray(col, o);
      if (++t == sw) {
        t = 0;
        p++;
      }
      run = run.add(widen(FloatVector.fromArray(FLOATS, b, t * sl + p * lanes), 0));
      DoubleVector c2 = DoubleVector.fromArray(SPECIES, col, o + n).add(run);
      c2.intoArray(col, o + n);
      if (++t == sw) {
        t = 0;
        p++;
      }
      narrow(c1, 0).blend(narrow(c2, -1), UPPER).intoArray(s, here + o);
    }
    if (x < w) {
      int o = (x + 1) * n;
      run = run.add(widen(FloatVector.fromArray(FLOATS, b, t * sl + p * lanes), 0));
      DoubleVector.fromArray(SPECIES, col, o).add(run).intoArray(col, o);
      for (int k = 0; k < n; k++) {
        s[here + o + k] = (float) col[o + k];
      }
    }
  }

  /**
   * {@link #row} for two consecutive rows at once: blurred rows {@code b0} (row {@code y}) and {@code b1} (row
   * {@code y + 1}) into the integral's rows at {@code here0} and {@code here1}. Each column sum takes row {@code
   * y}'s running sum, then row {@code y + 1}'s, as two calls of {@link #row} would, so the same bits; the two
   * running sums are independent chains of additions, which the processor overlaps.
   */
  static void rows(float[] b0, float[] b1, int sw, int w, int sl, int lanes, double[] col, float[] s, int here0,
      int here1) {
    int n = LANES;
    DoubleVector run0 = DoubleVector.zero(SPECIES);
    DoubleVector run1 = DoubleVector.zero(SPECIES);
    int t = 0;
    int p = 0;
    int x = 0;
    for (; x + 1 < w; x += 2) {
      int o = (x + 1) * n;
      int i = t * sl + p * lanes;
      run0 = run0.add(widen(FloatVector.fromArray(FLOATS, b0, i), 0));
      run1 = run1.add(widen(FloatVector.fromArray(FLOATS, b1, i), 0));
      DoubleVector a1 = DoubleVector.fromArray(SPECIES, col, o).add(run0);
      DoubleVector c1 = a1.add(run1);
      c1.intoArray(col, o);
      if (++t == sw) {
        t = 0;
        p++;
      }
      i = t * sl + p * lanes;
      run0 = run0.add(widen(FloatVector.fromArray(FLOATS, b0, i), 0));
      run1 = run1.add(widen(FloatVector.fromArray(FLOATS, b1, i), 0));
      DoubleVector a2 = DoubleVector.fromArray(SPECIES, col, o + n).add(run0);
      DoubleVector c2 = a2.add(run1);
      c2.intoArray(col, o + n);
      if (++t == sw) {
        t = 0;
        p++;
      }
      narrow(a1, 0).blend(narrow(a2, -1), UPPER).intoArray(s, here0 + o);
      narrow(c1, 0).blend(narrow(c2, -1), UPPER).intoArray(s, here1 + o);
    }
    if (x < w) {
      int o = (x + 1) * n;
      int i = t * sl + p * lanes;
      run0 = run0.add(widen(FloatVector.fromArray(FLOATS, b0, i), 0));
      run1 = run1.add(widen(FloatVector.fromArray(FLOATS, b1, i), 0));
      DoubleVector a1 = DoubleVector.fromArray(SPECIES, col, o).add(run0);
      DoubleVector c1 = a1.add(run1);
      c1.intoArray(col, o);
      for (int k = 0; k < n; k++) {
        s[here0 + o + k] = (float) a1.lane(k);
        s[here1 + o + k] = (float) c1.lane(k);
      }
    }
  }

  /** {@code v} rounded to floats, in the lower half of a float vector ({@code part} 0) or the upper ({@code -1}). */
  private static FloatVector narrow(DoubleVector v, int part) {
    return (FloatVector) v.convertShape(VectorOperators.D2F, FLOATS, part);
  }

  /** Lanes {@code [part LANES, (part + 1) LANES)} of {@code v}, widened to doubles. */
  private static DoubleVector widen(FloatVector v, int part) {
    return (DoubleVector) v.convertShape(VectorOperators.F2D, SPECIES, part);
  }
}

package org.facealign.feature;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The orientation binning of {@link ResponseMaps} with explicit SIMD: for a row of gradients, each pixel's two
 * bins and the magnitude's share in each, computed for a vector of pixels at a time (the plain loop does it pixel
 * by pixel with integer tricks the JIT does not vectorise); the row's maps are then written by a short scalar
 * loop. The same operations in the same order as {@code ResponseMaps.binRow}, so the same bits. Loaded only when
 * {@link Simd#ENABLED}.
 */
final class BinSimd {
  private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
  private static final VectorSpecies<Long> L = LongVector.SPECIES_PREFERRED;
  private static final int LANES = D.length();
  private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, VectorShape.forBitSize(LANES * 32));
  private static final VectorSpecies<Float> F = VectorSpecies.of(float.class, VectorShape.forBitSize(LANES * 32));

  private BinSimd() {}

  /**
   * For pixels {@code 0 .. w - 1}: first-quadrant angle {@code p = u + steep (quarter - 2u)} in bins, {@code k =
   * floor p}, {@code f = p - k}; the quadrant (the sign bits of {@code gx}, {@code gy}) maps bins {@code k, k + 1}
   * to {@code lo, hi} modulo {@code n}, which receive {@code (1 - f) m} and {@code f m} (as floats).
   */
  static void bins(double[] u, double[] steep, double[] mag, double[] gx, double[] gy, int w, int n, double quarter,
      int[] lo, int[] hi, float[] wlo, float[] whi) {
    int half = n / 2;
    int x = 0;
    for (int bound = D.loopBound(w); x < bound; x += LANES) {
      DoubleVector uv = DoubleVector.fromArray(D, u, x);
      DoubleVector p = uv.add(DoubleVector.fromArray(D, steep, x).mul(DoubleVector.broadcast(D, quarter).sub(uv.mul(2))));
      LongVector k = (LongVector) p.convertShape(VectorOperators.D2L, L, 0);
      DoubleVector f = p.sub(k.convertShape(VectorOperators.L2D, D, 0));
      DoubleVector m = DoubleVector.fromArray(D, mag, x);
      LongVector mx = DoubleVector.fromArray(D, gx, x).viewAsIntegralLanes().reinterpretAsLongs()
          .lanewise(VectorOperators.LSHR, 63);
      LongVector my = DoubleVector.fromArray(D, gy, x).viewAsIntegralLanes().reinterpretAsLongs()
          .lanewise(VectorOperators.LSHR, 63);
      LongVector sign = LongVector.broadcast(L, 1).sub(mx.lanewise(VectorOperators.XOR, my).mul(2));
      LongVector l = mx.mul(half).add(sign.mul(k));
      LongVector h = l.add(sign);
      l = wrap(l, n);
      h = wrap(h, n);
      l.convertShape(VectorOperators.L2I, I, 0).reinterpretAsInts().intoArray(lo, x);
      h.convertShape(VectorOperators.L2I, I, 0).reinterpretAsInts().intoArray(hi, x);
      DoubleVector one = DoubleVector.broadcast(D, 1);
      ((FloatVector) one.sub(f).mul(m).convertShape(VectorOperators.D2F, F, 0)).intoArray(wlo, x);
      ((FloatVector) f.mul(m).convertShape(VectorOperators.D2F, F, 0)).intoArray(whi, x);
    }
    for (; x < w; x++) {
      double p = u[x] + steep[x] * (quarter - 2 * u[x]);
      int k = (int) p;
      double f = p - k;
      double m = mag[x];
      int mirrorX = (int) (Double.doubleToRawLongBits(gx[x]) >>> 63);
      int mirrorY = (int) (Double.doubleToRawLongBits(gy[x]) >>> 63);
      int sign = 1 - 2 * (mirrorX ^ mirrorY);
      int l = mirrorX * half + sign * k;
      int h = l + sign;
      l += (l >> 31) & n;
      l -= ((n - 1 - l) >> 31) & n;
      h += (h >> 31) & n;
      h -= ((n - 1 - h) >> 31) & n;
      lo[x] = l;
      hi[x] = h;
      wlo[x] = (float) ((1 - f) * m);
      whi[x] = (float) (f * m);
    }
  }

  /** {@code v} in {@code (-n, 2n)} brought into {@code [0, n)}. */
  private static LongVector wrap(LongVector v, int n) {
    LongVector nv = LongVector.broadcast(L, n);
    v = v.add(v.lanewise(VectorOperators.ASHR, 63).and(nv));
    return v.sub(LongVector.broadcast(L, n - 1).sub(v).lanewise(VectorOperators.ASHR, 63).and(nv));
  }
}

package org.facealign.feature;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The magnitudes and unsigned orientations of a row of gradients for {@link HogFeature}, in vector lanes:
 * {@link FastAtan2#atan2}, folded into {@code [0, π]}, with each of its branches replaced by computing both
 * sides and keeping one per lane, so that a textured face (whose orientations a branch predictor cannot
 * guess) costs what a flat one does. The same operations on the same numbers as the scalar code, so the same
 * results to the last bit. Loaded only when {@link Simd#ENABLED}.
 */
final class HogSimd {
  private static final VectorSpecies<Double> SPECIES = DoubleVector.SPECIES_PREFERRED;

  private HogSimd() {}

  /**
   * For {@code x < w}: {@code mag[x] = sqrt(gx² + gy²)} and {@code theta[x]} the orientation of {@code (gx,
   * gy)} folded into {@code [0, π]} ({@code + π} where negative), 0 where the gradient is zero.
   */
  static void orientations(double[] gx, double[] gy, int w, double[] theta, double[] mag) {
    int x = 0;
    for (int end = SPECIES.loopBound(w); x < end; x += SPECIES.length()) {
      DoubleVector vx = DoubleVector.fromArray(SPECIES, gx, x);
      DoubleVector vy = DoubleVector.fromArray(SPECIES, gy, x);
      DoubleVector m = vx.mul(vx).add(vy.mul(vy)).lanewise(VectorOperators.SQRT);
      m.intoArray(mag, x);
      DoubleVector ax = vx.abs();
      DoubleVector ay = vy.abs();
      VectorMask<Double> steep = ay.compare(VectorOperators.GT, ax);
      // steep ? ax / ay : ay / ax
      DoubleVector z = ay.blend(ax, steep).div(ax.blend(ay, steep));
      // atan z for z in [0, 1]: above tan(π/12), π/6 + atan((√3 z - 1) / (z + √3))
      VectorMask<Double> reduce = z.compare(VectorOperators.GT, FastAtan2.TAN_PI_12);
      DoubleVector u = z.blend(z.mul(FastAtan2.SQRT3).sub(1).div(z.add(FastAtan2.SQRT3)), reduce);
      DoubleVector base = DoubleVector.zero(SPECIES).blend(Math.PI / 6, reduce);
      DoubleVector u2 = u.mul(u);
      DoubleVector p = DoubleVector.broadcast(SPECIES, -1.0 / 11);
      p = p.mul(u2).add(1.0 / 9);
      p = p.mul(u2).sub(1.0 / 7);
      p = p.mul(u2).add(1.0 / 5);
      p = p.mul(u2).sub(1.0 / 3);
      p = p.mul(u2).add(1);
      DoubleVector a = base.add(u.mul(p));
      a = a.blend(DoubleVector.broadcast(SPECIES, Math.PI / 2).sub(a), steep);
      a = a.blend(DoubleVector.broadcast(SPECIES, Math.PI).sub(a), vx.compare(VectorOperators.LT, 0));
      a = a.blend(a.neg(), vy.compare(VectorOperators.LT, 0));
      a = a.blend(a.add(Math.PI), a.compare(VectorOperators.LT, 0));
      a.blend(0.0, m.compare(VectorOperators.EQ, 0)).intoArray(theta, x);
    }
    for (; x < w; x++) {
      mag[x] = Math.sqrt(gx[x] * gx[x] + gy[x] * gy[x]);
      double t = mag[x] == 0 ? 0 : FastAtan2.atan2(gy[x], gx[x]);
      theta[x] = t < 0 ? t + Math.PI : t;
    }
  }
}

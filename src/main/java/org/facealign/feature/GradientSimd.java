package org.facealign.feature;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The first steps of {@link ResponseMaps} for one canvas row in vector lanes: the central differences (float
 * differences widened to double and halved), then each gradient's magnitude, the tangent of half its octant
 * angle and whether it is steep. The same operations on the same numbers as {@code ResponseMaps.centralDifferences}
 * and {@code ResponseMaps.halfAngles}, hence the same bits; the steepness, there an exact 0/1 quotient (a
 * branch-free loop the JIT vectorises), is here a lane comparison. Loaded only when {@link Simd#ENABLED}.
 */
final class GradientSimd {
  private static final VectorSpecies<Double> DOUBLES = DoubleVector.SPECIES_PREFERRED;
  /** Twice as many lanes as {@link #DOUBLES}: the preferred species, as every kernel uses. */
  private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;

  private GradientSimd() {}

  /**
   * Row {@code y} of the {@code w x h} canvas {@code p} (row-major; {@code w, h >= 2}): {@code gx, gy} as
   * {@code ResponseMaps.centralDifferences} defines them, then {@code half, steep, mag} as {@code
   * ResponseMaps.halfAngles} does.
   */
  static void row(float[] p, int w, int h, int y, double[] gx, double[] gy, double[] half, double[] steep,
      double[] mag) {
    int row = y * w;
    int step = FLOATS.length();
    gx[0] = p[row + 1] - p[row];
    int x = 1;
    for (; x + step <= w - 1; x += step) {
      FloatVector d = FloatVector.fromArray(FLOATS, p, row + x + 1).sub(FloatVector.fromArray(FLOATS, p, row + x - 1));
      widen(d, 0).mul(0.5).intoArray(gx, x);
      widen(d, 1).mul(0.5).intoArray(gx, x + step / 2);
    }
    for (; x < w - 1; x++) {
      gx[x] = 0.5 * (p[row + x + 1] - p[row + x - 1]);
    }
    gx[w - 1] = p[row + w - 1] - p[row + w - 2];
    int above = y == 0 ? row : row - w;
    int below = y == h - 1 ? row : row + w;
    double scale = y == 0 || y == h - 1 ? 1 : 0.5;
    x = 0;
    for (; x + step <= w; x += step) {
      FloatVector d = FloatVector.fromArray(FLOATS, p, below + x).sub(FloatVector.fromArray(FLOATS, p, above + x));
      widen(d, 0).mul(scale).intoArray(gy, x);
      widen(d, 1).mul(scale).intoArray(gy, x + step / 2);
    }
    for (; x < w; x++) {
      gy[x] = scale * (p[below + x] - p[above + x]);
    }
    x = 0;
    for (int end = DOUBLES.loopBound(w); x < end; x += DOUBLES.length()) {
      DoubleVector ax = DoubleVector.fromArray(DOUBLES, gx, x).abs();
      DoubleVector ay = DoubleVector.fromArray(DOUBLES, gy, x).abs();
      DoubleVector m = ax.mul(ax).add(ay.mul(ay)).lanewise(VectorOperators.SQRT);
      DoubleVector min = ax.min(ay);
      DoubleVector max = ax.max(ay);
      min.div(max.add(m).add(Double.MIN_NORMAL)).intoArray(half, x);
      DoubleVector.zero(DOUBLES).blend(1.0, ay.compare(VectorOperators.GT, ax)).intoArray(steep, x);
      m.intoArray(mag, x);
    }
    for (; x < w; x++) {
      double ax = Math.abs(gx[x]);
      double ay = Math.abs(gy[x]);
      double m = Math.sqrt(ax * ax + ay * ay);
      half[x] = Math.min(ax, ay) / (Math.max(ax, ay) + m + Double.MIN_NORMAL);
      steep[x] = ay > ax ? 1 : 0;
      mag[x] = m;
    }
  }

  /** Lanes {@code [part n, (part + 1) n)} of {@code v} widened to doubles, {@code n} the doubles per vector. */
  private static DoubleVector widen(FloatVector v, int part) {
    return (DoubleVector) v.convertShape(VectorOperators.F2D, DOUBLES, part);
  }
}

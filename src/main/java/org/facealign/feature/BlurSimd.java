package org.facealign.feature;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The blur of {@link ResponseMaps} for the default blur radius (6, {@code blurSigma} 2) in vector lanes, each
 * output the same sum in the same order as the plain loops, hence the same bits. {@link #row}: the horizontal
 * taps of a row in one pass instead of four. {@link #columns}: two rows at a time vertically; the rows one
 * output row reads (13 rows of 6 KB for a 192-px canvas) do not stay in the first-level cache between rows,
 * so the plain loops wait on reading them, and two output rows share 12 of their 14 input rows, which this
 * kernel loads once for both. Loaded only when {@link Simd#ENABLED}.
 */
final class BlurSimd {
  /** The blur radius this kernel is written for. */
  static final int RADIUS = 6;
  private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;

  private BlurSimd() {}

  /**
   * {@code ResponseMaps.blurRowFast} for radius 6 and 16-float slots: {@code out[i] = norm[i] ((((k0 c + k1 (l1 +
   * r1)) + (k2 (l2 + r2) + k3 (l3 + r3))) + (k4 (l4 + r4) + k5 (l5 + r5))) + k6 (l6 + r6))}, {@code c = in[i +
   * centre]} and {@code ld, rd} the slots {@code d} to its left and right, for {@code i < len} (a multiple of 16);
   * {@code taps[d]} the tap at distance {@code d}.
   */
  static void row(float[] in, int centre, float[] taps, float[] norm, float[] out, int len) {
    float k0 = taps[0];
    float k1 = taps[1];
    float k2 = taps[2];
    float k3 = taps[3];
    float k4 = taps[4];
    float k5 = taps[5];
    float k6 = taps[6];
    for (int i = 0; i < len; i += FLOATS.length()) {
      int j = i + centre;
      FloatVector s = FloatVector.fromArray(FLOATS, in, j).mul(k0)
          .add(FloatVector.fromArray(FLOATS, in, j - 16).add(FloatVector.fromArray(FLOATS, in, j + 16)).mul(k1));
      s = s.add(FloatVector.fromArray(FLOATS, in, j - 32).add(FloatVector.fromArray(FLOATS, in, j + 32)).mul(k2)
          .add(FloatVector.fromArray(FLOATS, in, j - 48).add(FloatVector.fromArray(FLOATS, in, j + 48)).mul(k3)));
      s = s.add(FloatVector.fromArray(FLOATS, in, j - 64).add(FloatVector.fromArray(FLOATS, in, j + 64)).mul(k4)
          .add(FloatVector.fromArray(FLOATS, in, j - 80).add(FloatVector.fromArray(FLOATS, in, j + 80)).mul(k5)));
      s = s.add(FloatVector.fromArray(FLOATS, in, j - 96).add(FloatVector.fromArray(FLOATS, in, j + 96)).mul(k6));
      FloatVector.fromArray(FLOATS, norm, i).mul(s).intoArray(out, i);
    }
  }

  /**
   * Rows {@code y} and {@code y + 1} blurred vertically into {@code out0} and {@code out1}: {@code rows[i]} is
   * input row {@code y - 6 + i} (14 rows), {@code taps[d]} ({@code taps[7 + d]}) the tap at distance {@code d}
   * for row {@code y} ({@code y + 1}), already scaled by that row's renormalisation; {@code len} a multiple of
   * the vector length.
   */
  static void columns(float[][] rows, float[] taps, float[] out0, float[] out1, int len) {
    float[] r0 = rows[0];
    float[] r1 = rows[1];
    float[] r2 = rows[2];
    float[] r3 = rows[3];
    float[] r4 = rows[4];
    float[] r5 = rows[5];
    float[] r6 = rows[6];
    float[] r7 = rows[7];
    float[] r8 = rows[8];
    float[] r9 = rows[9];
    float[] r10 = rows[10];
    float[] r11 = rows[11];
    float[] r12 = rows[12];
    float[] r13 = rows[13];
    float a0 = taps[0];
    float a1 = taps[1];
    float a2 = taps[2];
    float a3 = taps[3];
    float a4 = taps[4];
    float a5 = taps[5];
    float a6 = taps[6];
    float b0 = taps[7];
    float b1 = taps[8];
    float b2 = taps[9];
    float b3 = taps[10];
    float b4 = taps[11];
    float b5 = taps[12];
    float b6 = taps[13];
    for (int i = 0; i < len; i += FLOATS.length()) {
      FloatVector v0 = FloatVector.fromArray(FLOATS, r0, i);
      FloatVector v1 = FloatVector.fromArray(FLOATS, r1, i);
      FloatVector v2 = FloatVector.fromArray(FLOATS, r2, i);
      FloatVector v3 = FloatVector.fromArray(FLOATS, r3, i);
      FloatVector v4 = FloatVector.fromArray(FLOATS, r4, i);
      FloatVector v5 = FloatVector.fromArray(FLOATS, r5, i);
      FloatVector v6 = FloatVector.fromArray(FLOATS, r6, i);
      FloatVector v7 = FloatVector.fromArray(FLOATS, r7, i);
      FloatVector v8 = FloatVector.fromArray(FLOATS, r8, i);
      FloatVector v9 = FloatVector.fromArray(FLOATS, r9, i);
      FloatVector v10 = FloatVector.fromArray(FLOATS, r10, i);
      FloatVector v11 = FloatVector.fromArray(FLOATS, r11, i);
      FloatVector v12 = FloatVector.fromArray(FLOATS, r12, i);
      FloatVector v13 = FloatVector.fromArray(FLOATS, r13, i);
      // row y, centred on v6: ((k0 c + k1 (u1 + d1)) + (k2 (u2 + d2) + k3 (u3 + d3))) + ... as blurColumns sums
      FloatVector s = v6.mul(a0).add(v5.add(v7).mul(a1));
      s = s.add(v4.add(v8).mul(a2).add(v3.add(v9).mul(a3)));
      s = s.add(v2.add(v10).mul(a4).add(v1.add(v11).mul(a5)));
      s.add(v0.add(v12).mul(a6)).intoArray(out0, i);
      // row y + 1, centred on v7
      FloatVector t = v7.mul(b0).add(v6.add(v8).mul(b1));
      t = t.add(v5.add(v9).mul(b2).add(v4.add(v10).mul(b3)));
      t = t.add(v3.add(v11).mul(b4).add(v2.add(v12).mul(b5)));
      t.add(v1.add(v13).mul(b6)).intoArray(out1, i);
    }
  }
}

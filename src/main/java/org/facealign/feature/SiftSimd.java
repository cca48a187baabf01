package org.facealign.feature;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The cells and the SIFT normalisation of one {@link ShapeIndexedSift} descriptor with explicit SIMD: each
 * cell's {@code n} orientations are a whole number of double vectors, so a cell is four loads from the corner
 * integrals, and the sums of squares and the clip run in vector lanes. The last scaling and its rounding to
 * float stay a plain loop, which the JIT vectorises (the Vector API's conversion of a double vector into half
 * of a float vector was slower than that loop, measured with {@code submit/bench-jmh.sh
 * FeatureBench.descriptorPerLandmark}). The same operations in the same order as the plain loops of {@link
 * ShapeIndexedSift} (the sums of squares in the same {@value #PARTIALS} interleaved partial sums, added in the
 * same order; no fused multiply-add), so the same descriptor to the last bit. Loaded only when {@link
 * Simd#ENABLED}.
 */
final class SiftSimd {
  private static final VectorSpecies<Double> SPECIES = DoubleVector.SPECIES_PREFERRED;
  /** Doubles per vector: 8 with AVX-512, 4 with AVX2. */
  static final int LANES = SPECIES.length();
  /** The partial sums of {@link ShapeIndexedSift}'s sums of squares: one or two vectors of them. */
  static final int PARTIALS = ShapeIndexedSift.PARTIALS;

  private SiftSimd() {}

  /**
   * Whether the kernel computes descriptors of {@code orientations} bins: a whole number of vectors per cell and
   * the partial sums one or two vectors.
   */
  static boolean supports(int orientations) {
    return orientations % LANES == 0 && (PARTIALS == LANES || PARTIALS == 2 * LANES);
  }

  /**
   * The descriptor of one landmark from the integrals at its {@code (c + 1)²} cell corners ({@code corners},
   * {@code n} per corner, row-major): the raw cell sums into {@code raw}, then normalised (L2, clip, L2; zeros if
   * the raw norm is at most {@code minNorm}) into {@code out[offset ..]}.
   */
  static void describe(double[] corners, int c, int n, double clip, double minNorm, double[] raw, double[] partials,
      float[] out, int offset) {
    for (int r = 0; r < c; r++) {
      for (int q = 0; q < c; q++) {
        int a = (r * (c + 1) + q) * n;
        int b = a + n;
        int e = a + (c + 1) * n;
        int f = e + n;
        int o = (r * c + q) * n;
        for (int k = 0; k < n; k += LANES) {
          DoubleVector.fromArray(SPECIES, corners, f + k)
              .sub(DoubleVector.fromArray(SPECIES, corners, e + k))
              .sub(DoubleVector.fromArray(SPECIES, corners, b + k))
              .add(DoubleVector.fromArray(SPECIES, corners, a + k))
              .intoArray(raw, o + k);
        }
      }
    }
    int length = c * c * n;
    double norm = Math.sqrt(sumOfSquares(raw, length, partials));
    if (!(norm > minNorm)) {
      java.util.Arrays.fill(out, offset, offset + length, 0f);
      return;
    }
    DoubleVector inv = DoubleVector.broadcast(SPECIES, 1 / norm);
    DoubleVector cap = DoubleVector.broadcast(SPECIES, clip);
    for (int d = 0; d < length; d += LANES) {
      // min: the plain loop's "u > clip ? clip : u" for every u that is not NaN (u is finite here)
      DoubleVector.fromArray(SPECIES, raw, d).mul(inv).min(cap).intoArray(raw, d);
    }
    double ss = sumOfSquares(raw, length, partials);
    if (!(ss > 0)) {
      java.util.Arrays.fill(out, offset, offset + length, 0f);
      return;
    }
    double inv2 = 1 / Math.sqrt(ss);
    for (int d = 0; d < length; d++) {
      out[offset + d] = (float) (raw[d] * inv2);
    }
  }

  /**
   * The sum of squares of {@code v[0 .. length)} ({@code length} a multiple of {@link #PARTIALS}) as {@link
   * ShapeIndexedSift} sums it: partial sum {@code j} of the values {@code d ≡ j (mod PARTIALS)}, in order, then
   * the partial sums added in order of {@code j}.
   */
  private static double sumOfSquares(double[] v, int length, double[] partials) {
    DoubleVector first = DoubleVector.zero(SPECIES);
    DoubleVector second = DoubleVector.zero(SPECIES);
    for (int d = 0; d < length; d += PARTIALS) {
      DoubleVector x = DoubleVector.fromArray(SPECIES, v, d);
      first = first.add(x.mul(x));
      if (PARTIALS == 2 * LANES) {
        DoubleVector y = DoubleVector.fromArray(SPECIES, v, d + LANES);
        second = second.add(y.mul(y));
      }
    }
    first.intoArray(partials, 0);
    if (PARTIALS == 2 * LANES) {
      second.intoArray(partials, LANES);
    }
    double ss = 0;
    for (int j = 0; j < PARTIALS; j++) {
      ss += partials[j];
    }
    return ss;
  }
}

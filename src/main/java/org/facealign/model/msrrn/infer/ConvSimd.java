package org.facealign.model.msrrn.infer;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link ChannelConv#multiply} with explicit SIMD, register-blocked: a vector of output pixels of
 * {@value #OUTPUTS} output channels is accumulated in registers over all the taps, each tap's input vector loaded
 * once for all of them, one fused multiply-add per tap and channel. The plain loop's innermost loop instead
 * reads and writes its output channel once for every four taps, which bounds it by the cache's loads and stores.
 * The same operations in the same order as {@link ChannelConv}'s scalar loop (for each pixel and channel, one
 * fused multiply-add per tap from tap 0 on), so the same results to the last bit. Loaded only when {@link
 * org.facealign.feature.Simd#ENABLED}.
 */
final class ConvSimd {
  private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
  /** Floats per vector: 16 with AVX-512, 8 with AVX2. */
  static final int LANES = SPECIES.length();
  /** Output channels accumulated together. */
  static final int OUTPUTS = 8;

  private ConvSimd() {}

  /**
   * {@code z[o][i]} (tap r read from {@code x[r][off[r] + i]}) for the output pixels {@code i < } the largest multiple of {@link #LANES} not above {@code m},
   * and output channels {@code o <} the largest multiple of {@link #OUTPUTS} not above {@code n}; returns that
   * pixel count. The caller computes the rest.
   */
  static int multiply(float[][] x, int[] off, int k, float[] w, int n, float[][] z, int m) {
    int m1 = m - m % LANES;
    int n1 = n - n % OUTPUTS;
    for (int i = 0; i < m1; i += LANES) {
      for (int o = 0; o < n1; o += OUTPUTS) {
        FloatVector c0 = FloatVector.zero(SPECIES);
        FloatVector c1 = c0;
        FloatVector c2 = c0;
        FloatVector c3 = c0;
        FloatVector c4 = c0;
        FloatVector c5 = c0;
        FloatVector c6 = c0;
        FloatVector c7 = c0;
        for (int r = 0; r < k; r++) {
          FloatVector v = FloatVector.fromArray(SPECIES, x[r], off[r] + i);
          int b = r * n + o;
          c0 = v.fma(FloatVector.broadcast(SPECIES, w[b]), c0);
          c1 = v.fma(FloatVector.broadcast(SPECIES, w[b + 1]), c1);
          c2 = v.fma(FloatVector.broadcast(SPECIES, w[b + 2]), c2);
          c3 = v.fma(FloatVector.broadcast(SPECIES, w[b + 3]), c3);
          c4 = v.fma(FloatVector.broadcast(SPECIES, w[b + 4]), c4);
          c5 = v.fma(FloatVector.broadcast(SPECIES, w[b + 5]), c5);
          c6 = v.fma(FloatVector.broadcast(SPECIES, w[b + 6]), c6);
          c7 = v.fma(FloatVector.broadcast(SPECIES, w[b + 7]), c7);
        }
        c0.intoArray(z[o], i);
        c1.intoArray(z[o + 1], i);
        c2.intoArray(z[o + 2], i);
        c3.intoArray(z[o + 3], i);
        c4.intoArray(z[o + 4], i);
        c5.intoArray(z[o + 5], i);
        c6.intoArray(z[o + 6], i);
        c7.intoArray(z[o + 7], i);
      }
    }
    return n1 == 0 ? 0 : m1;
  }

  /**
   * {@link ChannelConv#poolWindows} for {@code j <} the largest multiple of {@link #LANES} not above {@code len};
   * returns that count.
   */
  static int poolWindows(float[] z, int len, int width, float bias, float leak, float[] out) {
    int n = len - len % LANES;
    FloatVector b = FloatVector.broadcast(SPECIES, bias);
    FloatVector s = FloatVector.broadcast(SPECIES, leak);
    for (int j = 0; j < n; j += LANES) {
      FloatVector top = FloatVector.fromArray(SPECIES, z, j).max(FloatVector.fromArray(SPECIES, z, j + width));
      FloatVector next = FloatVector.fromArray(SPECIES, z, j + 1).max(FloatVector.fromArray(SPECIES, z, j + 1 + width));
      FloatVector v = top.max(next).add(b);
      v.max(v.mul(s)).intoArray(out, j);
    }
    return n;
  }
}

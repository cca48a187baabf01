package org.facealign.model.msrrn.infer;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link ChannelConv#multiply} with explicit SIMD, register-blocked: a vector of output pixels of
 * {@value #OUTPUTS} output channels is accumulated in registers over all the taps, each tap's input vector loaded
 * once for all of them, one fused multiply-add per tap and channel. With 512-bit vectors (32 registers) two
 * vectors of pixels are accumulated at once, so each weight is broadcast once for both: {@code
 * submit/bench-jmh.sh -f 1 -wi 3 -i 5 -w 1s -r 1s ConvBench} on a 2-core AMD EPYC VM (AVX-512), the second
 * convolution 34.9 µs per block of 16 patches against 49.5 with one vector, the first 11.3 against 12.5. The plain
 * loop's innermost loop instead
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
  /** Two vectors of pixels at once: 16 accumulators, which 512-bit SIMD's 32 registers hold and AVX2's 16 do not. */
  private static final boolean PAIRS = LANES >= 16;

  private ConvSimd() {}

  /**
   * {@code z[o][i]} (tap r read from {@code x[r][off[r] + i]}) for the output pixels {@code i <} the largest
   * multiple of {@link #LANES} not above {@code m}, and output channels {@code o <} the largest multiple of {@link #OUTPUTS} not above {@code n}; returns that
   * pixel count. The caller computes the rest.
   */
  static int multiply(float[][] x, int[] off, int k, float[] w, int n, float[][] z, int m) {
    int m1 = m - m % LANES;
    int n1 = n - n % OUTPUTS;
    int m2 = PAIRS ? m - m % (2 * LANES) : 0;
    for (int i = 0; i < m2; i += 2 * LANES) {
      for (int o = 0; o < n1; o += OUTPUTS) {
        multiplyPair(x, off, k, w, n, z, i, o);
      }
    }
    for (int i = m2; i < m1; i += LANES) {
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
   * Output channels {@code o .. o + 7} at the {@code 2 LANES} output pixels from {@code i}: sixteen accumulators
   * in registers (AVX-512 has 32), so each tap's eight weights are broadcast once for two vectors of pixels.
   */
  private static void multiplyPair(float[][] x, int[] off, int k, float[] w, int n, float[][] z, int i, int o) {
    FloatVector c0 = FloatVector.zero(SPECIES);
    FloatVector c1 = c0;
    FloatVector c2 = c0;
    FloatVector c3 = c0;
    FloatVector c4 = c0;
    FloatVector c5 = c0;
    FloatVector c6 = c0;
    FloatVector c7 = c0;
    FloatVector d0 = c0;
    FloatVector d1 = c0;
    FloatVector d2 = c0;
    FloatVector d3 = c0;
    FloatVector d4 = c0;
    FloatVector d5 = c0;
    FloatVector d6 = c0;
    FloatVector d7 = c0;
    int j = i + LANES;
    for (int r = 0; r < k; r++) {
      FloatVector u = FloatVector.fromArray(SPECIES, x[r], off[r] + i);
      FloatVector v = FloatVector.fromArray(SPECIES, x[r], off[r] + j);
      int b = r * n + o;
      FloatVector a = FloatVector.broadcast(SPECIES, w[b]);
      c0 = u.fma(a, c0);
      d0 = v.fma(a, d0);
      a = FloatVector.broadcast(SPECIES, w[b + 1]);
      c1 = u.fma(a, c1);
      d1 = v.fma(a, d1);
      a = FloatVector.broadcast(SPECIES, w[b + 2]);
      c2 = u.fma(a, c2);
      d2 = v.fma(a, d2);
      a = FloatVector.broadcast(SPECIES, w[b + 3]);
      c3 = u.fma(a, c3);
      d3 = v.fma(a, d3);
      a = FloatVector.broadcast(SPECIES, w[b + 4]);
      c4 = u.fma(a, c4);
      d4 = v.fma(a, d4);
      a = FloatVector.broadcast(SPECIES, w[b + 5]);
      c5 = u.fma(a, c5);
      d5 = v.fma(a, d5);
      a = FloatVector.broadcast(SPECIES, w[b + 6]);
      c6 = u.fma(a, c6);
      d6 = v.fma(a, d6);
      a = FloatVector.broadcast(SPECIES, w[b + 7]);
      c7 = u.fma(a, c7);
      d7 = v.fma(a, d7);
    }
    c0.intoArray(z[o], i);
    c1.intoArray(z[o + 1], i);
    c2.intoArray(z[o + 2], i);
    c3.intoArray(z[o + 3], i);
    c4.intoArray(z[o + 4], i);
    c5.intoArray(z[o + 5], i);
    c6.intoArray(z[o + 6], i);
    c7.intoArray(z[o + 7], i);
    d0.intoArray(z[o], j);
    d1.intoArray(z[o + 1], j);
    d2.intoArray(z[o + 2], j);
    d3.intoArray(z[o + 3], j);
    d4.intoArray(z[o + 4], j);
    d5.intoArray(z[o + 5], j);
    d6.intoArray(z[o + 6], j);
    d7.intoArray(z[o + 7], j);
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

package org.facealign.model.msrrn.infer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.facealign.feature.Simd;
import org.junit.jupiter.api.Test;

/**
 * {@link ChannelConv#multiply} against a double-precision sum, and the vector kernel ({@link ConvSimd}) against
 * the scalar loop bit for bit, on shapes with a partial vector of pixels and a partial group of output channels.
 */
class ChannelConvTest {
  @Test
  void productEqualsTheSumAndTheScalarLoopBitForBit() {
    assertTrue(Simd.ENABLED, "the tests run with jdk.incubator.vector");
    Random r = new Random(3);
    // (taps, output channels, pixels): MSRRN's two recurrent convolutions on a block of 16 patches, and odd ones
    int[][] shapes = {{9, 16, 16 * 169}, {144, 16, 16 * 49}, {7, 3, 5}, {13, 21, 3 * ConvSimd.LANES + 7},
        {1, 8, ConvSimd.LANES}};
    for (int[] s : shapes) {
      int k = s[0];
      int n = s[1];
      int m = s[2];
      float[][] x = new float[k][m];
      for (float[] row : x) {
        for (int i = 0; i < m; i++) {
          row[i] = (float) r.nextGaussian();
        }
      }
      float[] w = new float[k * n];
      for (int i = 0; i < w.length; i++) {
        w[i] = (float) r.nextGaussian();
      }
      float[][] z = new float[n][m];
      float[][] zs = new float[n][m];
      for (float[] row : z) {
        java.util.Arrays.fill(row, Float.NaN); // every value must be written
      }
      ChannelConv.multiply(x, k, w, n, z, m);
      ChannelConv.multiplyScalar(x, new int[k], k, w, n, zs, 0, n, 0, m);
      // the same taps read at offsets into longer arrays
      float[][] shifted = new float[k][m + 7];
      int[] off = new int[k];
      float[][] zo = new float[n][m];
      for (int t = 0; t < k; t++) {
        off[t] = (3 * t) % 8;
        System.arraycopy(x[t], 0, shifted[t], off[t], m);
      }
      ChannelConv.multiply(shifted, off, k, w, n, zo, m);
      double worst = 0;
      for (int o = 0; o < n; o++) {
        assertArrayEquals(zs[o], z[o], 0f, "channel " + o + " of " + java.util.Arrays.toString(s));
        assertArrayEquals(z[o], zo[o], 0f, "offsets, channel " + o + " of " + java.util.Arrays.toString(s));
        for (int i = 0; i < m; i++) {
          double sum = 0;
          double abs = 0;
          for (int t = 0; t < k; t++) {
            sum += (double) w[t * n + o] * x[t][i];
            abs += Math.abs((double) w[t * n + o] * x[t][i]);
          }
          worst = Math.max(worst, Math.abs(z[o][i] - sum) / (abs + 1e-30));
        }
      }
      // float rounding of a sum of k products: a few units of 2^-24 relative to the sum of magnitudes
      assertTrue(worst < 1e-6 * Math.max(1, Math.sqrt(k)), java.util.Arrays.toString(s) + ": " + worst);
    }
  }

  @Test
  void poolWindowsAreBiasedRectifiedMaximaAtEveryPosition() {
    Random r = new Random(4);
    int width = 13;
    for (float leak : new float[] {0f, 0.1f, 1f}) {
      for (int len : new int[] {1, ConvSimd.LANES, 3 * ConvSimd.LANES + 5, 16 * 169 - width - 1}) {
        float[] z = new float[len + width + 1];
        for (int i = 0; i < z.length; i++) {
          z[i] = i % 17 == 0 ? -0f : (float) r.nextGaussian();
        }
        float[] out = new float[len + 3];
        java.util.Arrays.fill(out, Float.NaN);
        ChannelConv.poolWindows(z, len, width, 0.25f, leak, out);
        for (int j = 0; j < len; j++) {
          float m = Math.max(Math.max(z[j], z[j + 1]), Math.max(z[j + width], z[j + width + 1])) + 0.25f;
          float want = m > 0 ? m : leak * m;
          org.junit.jupiter.api.Assertions.assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(out[j]),
              "window " + j + " of " + len + ", slope " + leak);
        }
        assertTrue(Float.isNaN(out[len]), "nothing written past len");
      }
    }
  }
}

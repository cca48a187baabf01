package org.facealign.model.msrrn.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The recurrent network's bias + rectifier + 2x2 max-pooling against a direct computation. */
class PoolTest {

  @Test
  void poolingEqualsDirectComputationWithAndWithoutArgmax() {
    int m = 3;
    int q = 6;
    int ch = 4;
    int r = q / 2;
    Random rnd = new Random(3);
    double[] z = new double[m * q * q * ch];
    for (int i = 0; i < z.length; i++) {
      z[i] = rnd.nextGaussian();
    }
    double[] bias = {0.1, -0.2, 0.3, 0};
    for (double leak : new double[] {0, 0.1}) {
      for (boolean channelsFirst : new boolean[] {false, true}) {
        double[] withArg = new double[m * r * r * ch + 5];
        double[] without = new double[withArg.length];
        int[] arg = new int[withArg.length];
        ConvKernels.pool(z, m, q, ch, bias, withArg, 5, arg, 5, 100, channelsFirst, leak);
        ConvKernels.pool(z, m, q, ch, bias, without, 5, null, 5, 100, channelsFirst, leak);
        assertArrayEquals(withArg, without, 0, "leak " + leak + ", channels first " + channelsFirst);
        for (int i = 0; i < m; i++) {
          for (int y = 0; y < r; y++) {
            for (int x = 0; x < r; x++) {
              for (int k = 0; k < ch; k++) {
                double best = Double.NEGATIVE_INFINITY;
                int at = -1;
                for (int dy = 0; dy < 2; dy++) {
                  for (int dx = 0; dx < 2; dx++) {
                    int e = ((i * q + 2 * y + dy) * q + 2 * x + dx) * ch + k;
                    if (z[e] > best) {
                      best = z[e];
                      at = e;
                    }
                  }
                }
                double v = best + bias[k];
                double expected = v > 0 ? v : leak * v;
                int o = 5 + (channelsFirst ? (i * ch + k) * r * r + y * r + x : ((i * r + y) * r + x) * ch + k);
                assertEquals(expected, withArg[o], 1e-15);
                assertEquals(at + 100, arg[o], "argmax of cell " + i + "," + y + "," + x + "," + k);
              }
            }
          }
        }
      }
    }
  }
}

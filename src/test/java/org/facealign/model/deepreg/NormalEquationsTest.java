package org.facealign.model.deepreg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class NormalEquationsTest {
  /** y = A x + c + noise, with 1100 samples (more than one chunk), split over two accumulators. */
  @Test
  void recoversALinearMapAcrossMergedPartitions() {
    int in = 40;
    int out = 6;
    Random r = new Random(11);
    double[][] a = new double[out][in];
    double[] c = new double[out];
    for (int j = 0; j < out; j++) {
      c[j] = r.nextGaussian();
      for (int k = 0; k < in; k++) {
        a[j][k] = r.nextGaussian();
      }
    }
    NormalEquations p1 = new NormalEquations(in, out);
    NormalEquations p2 = new NormalEquations(in, out);
    NormalEquations all = new NormalEquations(in, out);
    double noise = 0;
    for (int i = 0; i < 1100; i++) {
      float[] x = new float[in];
      for (int k = 0; k < in; k++) {
        x[k] = (float) r.nextGaussian();
      }
      double[] y = new double[out];
      for (int j = 0; j < out; j++) {
        y[j] = c[j];
        for (int k = 0; k < in; k++) {
          y[j] += a[j][k] * x[k];
        }
        double e = 0.01 * r.nextGaussian();
        y[j] += e;
        noise += e * e;
      }
      (i % 3 == 0 ? p1 : p2).add(x, y);
      all.add(x, y);
    }
    NormalEquations merged = p1.seal().merge(p2.seal());
    assertEquals(1100, merged.count());
    LinearMap m = merged.solve(1e-8);
    LinearMap ref = all.solve(1e-8);
    float[] w = m.weights();
    for (int j = 0; j < out; j++) {
      assertEquals(c[j], m.biases()[j], 2e-3);
      for (int k = 0; k < in; k++) {
        assertEquals(a[j][k], w[j * in + k], 2e-3);
        assertEquals(ref.weights()[j * in + k], w[j * in + k], 1e-4);
      }
    }
    // the residual from the sums equals the noise energy (least squares fits a little of it)
    double mse = merged.meanSquaredError(m);
    assertTrue(mse <= noise / 1100 * 1.01 && mse > noise / 1100 * 0.9, mse + " vs " + noise / 1100);
    // a large ridge shrinks the weights
    LinearMap shrunk = merged.solve(10);
    double n0 = 0;
    double n1 = 0;
    for (int i = 0; i < w.length; i++) {
      n0 += w[i] * w[i];
      n1 += shrunk.weights()[i] * shrunk.weights()[i];
    }
    assertTrue(n1 < 0.2 * n0, n1 + " vs " + n0);
  }
}

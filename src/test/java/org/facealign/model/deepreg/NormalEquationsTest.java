package org.facealign.model.deepreg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
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

  /** Monte-Carlo loss under inverted dropout of the centred inputs, keep probability q, fixed masks. */
  private static double dropoutLoss(LinearMap m, float[][] xs, double[][] ys, double p, long seed) {
    Random r = new Random(seed);
    double q = 1 - p;
    double[] mean = new double[xs[0].length];
    for (float[] x : xs) {
      for (int k = 0; k < mean.length; k++) {
        mean[k] += x[k] / (double) xs.length;
      }
    }
    double loss = 0;
    int n = 0;
    float[] w = m.weights();
    float[] b = m.biases();
    for (int rep = 0; rep < 400; rep++) {
      for (int i = 0; i < xs.length; i++) {
        double[] mask = new double[xs[i].length];
        for (int k = 0; k < mask.length; k++) {
          mask[k] = r.nextDouble() < q ? 1 / q : 0;
        }
        for (int j = 0; j < ys[i].length; j++) {
          double pred = b[j];
          for (int k = 0; k < mask.length; k++) {
            pred += w[j * mask.length + k] * (mean[k] + mask[k] * (xs[i][k] - mean[k]));
          }
          loss += (ys[i][j] - pred) * (ys[i][j] - pred);
        }
        n++;
      }
    }
    return loss / n;
  }

  @Test
  void theDropoutSolutionMinimisesTheExpectedDropoutLoss() {
    int in = 8;
    int out = 2;
    Random r = new Random(5);
    float[][] xs = new float[150][in];
    double[][] ys = new double[150][out];
    NormalEquations ne = new NormalEquations(in, out);
    for (int i = 0; i < xs.length; i++) {
      for (int k = 0; k < in; k++) {
        xs[i][k] = (float) (r.nextGaussian() + (k % 3));
      }
      for (int j = 0; j < out; j++) {
        ys[i][j] = 0.5 * j + r.nextGaussian() * 0.1;
        for (int k = 0; k < in; k++) {
          ys[i][j] += (k + j) % 4 * 0.3 * xs[i][k];
        }
      }
      ne.add(xs[i], ys[i]);
    }
    double p = 0.5;
    LinearMap drop = ne.solve(1e-9, p);
    LinearMap plain = ne.solve(1e-9);
    double best = dropoutLoss(drop, xs, ys, p, 1);
    // the plain least-squares weights do clearly worse under dropout
    assertTrue(best < 0.8 * dropoutLoss(plain, xs, ys, p, 1), best + " vs " + dropoutLoss(plain, xs, ys, p, 1));
    // and so does any small step away from the dropout solution (same masks: common random numbers)
    for (int t = 0; t < 6; t++) {
      float[] w = drop.weights();
      for (int k = 0; k < w.length; k++) {
        w[k] += (float) (0.05 * r.nextGaussian());
      }
      double moved = dropoutLoss(new LinearMap(out, in, w, drop.biases()), xs, ys, p, 1);
      assertTrue(best < moved, best + " vs moved " + moved);
    }
  }

  /**
   * What Spark ships of sealed sums is the Gram matrix's upper triangle: d (d + 1) / 2 floats, not d², plus the cross
   * products; and the merge of two such halves is the upper triangle of the merged whole.
   */
  @Test
  void sealedSumsShipTheUpperTriangleOnly() throws Exception {
    int in = 300;
    int out = 4;
    int d = in + 1;
    java.util.Random r = new java.util.Random(5);
    NormalEquations a = new NormalEquations(in, out);
    NormalEquations b = new NormalEquations(in, out);
    for (int s = 0; s < 30; s++) {
      float[] x = new float[in];
      for (int k = 0; k < in; k++) {
        x[k] = (float) r.nextGaussian();
      }
      (s % 2 == 0 ? a : b).add(x, new double[] {r.nextGaussian(), r.nextGaussian(), 0, 1});
    }
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    try (java.io.ObjectOutputStream o = new java.io.ObjectOutputStream(bytes)) {
      o.writeObject(a.seal());
    }
    long values = 4L * (d * (d + 1L) / 2 + (long) d * out) + 8L * out;
    assertTrue(bytes.size() >= values && bytes.size() < values + 1024,
        bytes.size() + " bytes serialised for " + values + " bytes of sums (the full matrix: " + 4L * d * d + ")");
    NormalEquations back;
    try (java.io.ObjectInputStream i = new java.io.ObjectInputStream(
        new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
      back = (NormalEquations) i.readObject();
    }
    float[] ga = back.sealedGram();
    float[] gb = b.sealedGram();
    float[] merged = back.merge(b).sealedGram();
    for (int k = 0; k < d * d; k++) {
      org.junit.jupiter.api.Assertions.assertEquals(ga[k] + gb[k], merged[k], 0f, "element " + k);
    }
  }

  /**
   * Sums cut into row slices, the slices of two partitions merged slice by slice and joined, are the two sums merged
   * whole, to the last bit (the same additions), for any number of slices, more than rows included; a gap in the
   * slices is refused.
   */
  @Test
  void slicesMergedAndJoinedAreTheWholeSumsMerged() {
    int in = 40;
    int out = 3;
    java.util.Random r = new java.util.Random(9);
    for (int slices : new int[] {1, 2, 3, 7, 60}) {
      NormalEquations a = new NormalEquations(in, out);
      NormalEquations b = new NormalEquations(in, out);
      NormalEquations a2 = new NormalEquations(in, out);
      NormalEquations b2 = new NormalEquations(in, out);
      for (int s = 0; s < 25; s++) {
        float[] x = new float[in];
        for (int k = 0; k < in; k++) {
          x[k] = (float) r.nextGaussian();
        }
        double[] y = {r.nextGaussian(), r.nextGaussian(), r.nextGaussian()};
        (s % 3 == 0 ? a : b).add(x, y);
        (s % 3 == 0 ? a2 : b2).add(x, y);
      }
      java.util.List<NormalEquations.Slice> merged = new java.util.ArrayList<>();
      long values = 0;
      for (int k = 0; k < slices; k++) {
        NormalEquations.Slice sa = a.slice(k, slices);
        merged.add(sa.merge(b.slice(k, slices)));
        values += NormalEquations.sliceStart(in + 1, k + 1, slices) - NormalEquations.sliceStart(in + 1, k, slices);
      }
      assertEquals(in + 1, values, "the slices cover every row once");
      NormalEquations joined = NormalEquations.join(merged);
      NormalEquations whole = a2.merge(b2);
      assertEquals(whole.count(), joined.count());
      assertArrayEquals(whole.sealedGram(), joined.sealedGram(), 0f);
      LinearMap lw = whole.solve(1e-3, 0.5, false);
      LinearMap lj = joined.solve(1e-3, 0.5, false);
      assertArrayEquals(lw.weights(), lj.weights(), 0f, slices + " slices");
      assertArrayEquals(lw.biases(), lj.biases(), 0f);
      assertEquals(whole.meanSquaredTarget(), joined.meanSquaredTarget(), 0.0);
    }
    NormalEquations c = new NormalEquations(in, out);
    c.add(new float[in], new double[out]);
    assertThrows(IllegalArgumentException.class,
        () -> NormalEquations.join(java.util.List.of(c.slice(0, 3), c.slice(2, 3))), "a gap");
    assertThrows(IllegalArgumentException.class,
        () -> NormalEquations.join(java.util.List.of(c.slice(0, 3), c.slice(1, 3))), "the last rows missing");
  }

  /** Wide inputs are multiplied block by block above the diagonal: the sealed Gram matrix is still all of XᵀX. */
  @Test
  void blockedGramEqualsTheFullProduct() {
    assertArrayEquals(new int[] {0, 2176, 4352, 6528, 8705}, NormalEquations.blockBounds(8705));
    assertArrayEquals(new int[] {0, 33}, NormalEquations.blockBounds(33));
    int in = NormalEquations.BLOCK + 96; // two blocks of 1200 and 1201 columns with the bias
    int n = 40;
    java.util.Random r = new java.util.Random(3);
    float[][] x = new float[n][in];
    NormalEquations ne = new NormalEquations(in, 2);
    for (int s = 0; s < n; s++) {
      for (int k = 0; k < in; k++) {
        x[s][k] = (float) r.nextGaussian();
      }
      ne.add(x[s], new double[] {r.nextGaussian(), r.nextGaussian()});
    }
    float[] g = ne.sealedGram();
    int d = in + 1;
    double worst = 0;
    for (int a = 0; a < d; a += 7) {
      for (int b = 0; b < d; b++) {
        double sum = 0;
        for (int s = 0; s < n; s++) {
          sum += (a < in ? x[s][a] : 1.0) * (b < in ? x[s][b] : 1.0);
        }
        worst = Math.max(worst, Math.abs(sum - g[a * d + b]));
        org.junit.jupiter.api.Assertions.assertEquals(g[a * d + b], g[b * d + a], 0f, "symmetric at " + a + ", " + b);
      }
    }
    // entries are sums of 40 products of unit Gaussians (diagonal about 40): float rounding only
    assertTrue(worst < 1e-3, "largest difference from the double-precision product " + worst);
    org.junit.jupiter.api.Assertions.assertEquals(n, g[d * d - 1], 0f, "the bias column counts the samples");
  }
}

package org.facealign.model.deepreg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Factored maps and the reduced-rank factorisation of a layer. */
class ReducedRankTest {
  static final int OUT = 20;
  static final int IN = 70;

  private static float[] gaussians(int n, Random r) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return v;
  }

  /** Inputs with most of their energy in a few directions: {@code x = A g}, {@code A} of decaying columns. */
  private static float[][] anisotropicInputs(int n, Random r) {
    int k = 8;
    float[][] dirs = new float[k][];
    for (int j = 0; j < k; j++) {
      dirs[j] = gaussians(IN, r);
    }
    float[][] x = new float[n][IN];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < k; j++) {
        double g = r.nextGaussian() * Math.pow(0.3, j);
        for (int c = 0; c < IN; c++) {
          x[i][c] += (float) (g * dirs[j][c]);
        }
      }
      for (int c = 0; c < IN; c++) {
        x[i][c] += (float) (1e-3 * r.nextGaussian());
      }
    }
    return x;
  }

  /** {@code E[y yᵀ]} of {@code y = W x} over the inputs, row-major. */
  private static double[] outputMoment(LinearMap m, float[][] x) {
    double[] mom = new double[OUT * OUT];
    for (float[] xi : x) {
      double[] y = new double[OUT];
      m.applyAdd(xi, y);
      float[] b = m.biases();
      for (int i = 0; i < OUT; i++) {
        y[i] -= b[i];
      }
      for (int i = 0; i < OUT; i++) {
        for (int j = 0; j < OUT; j++) {
          mom[i * OUT + j] += y[i] * y[j] / x.length;
        }
      }
    }
    return mom;
  }

  private static double meanSquaredChange(LinearMap a, LinearMap b, float[][] x) {
    double s = 0;
    for (float[] xi : x) {
      double[] ya = new double[OUT];
      double[] yb = new double[OUT];
      a.applyAdd(xi, ya);
      b.applyAdd(xi, yb);
      for (int i = 0; i < OUT; i++) {
        s += (ya[i] - yb[i]) * (ya[i] - yb[i]);
      }
    }
    return s / x.length;
  }

  /** {@code W Wᵀ}: factoring with it in place of the output moment is the truncated SVD of {@code W}. */
  private static double[] gram(LinearMap m) {
    float[] w = m.weights();
    double[] g = new double[OUT * OUT];
    for (int i = 0; i < OUT; i++) {
      for (int j = 0; j < OUT; j++) {
        double s = 0;
        for (int c = 0; c < IN; c++) {
          s += (double) w[i * IN + c] * w[j * IN + c];
        }
        g[i * OUT + j] = s;
      }
    }
    return g;
  }

  @Test
  void eigenvectorsOfAKnownMatrix() {
    Random r = new Random(5);
    int n = 12;
    double[] a = new double[n * n];
    float[] g = gaussians(n * n, r);
    for (int i = 0; i < n; i++) {
      for (int j = 0; j <= i; j++) {
        double v = g[i * n + j];
        a[i * n + j] = v;
        a[j * n + i] = v;
      }
    }
    double[][] top = ReducedRank.topEigenvectors(a, n, 4);
    double previous = Double.POSITIVE_INFINITY;
    for (double[] v : top) {
      double norm = 0;
      double[] av = new double[n];
      for (int i = 0; i < n; i++) {
        norm += v[i] * v[i];
        for (int j = 0; j < n; j++) {
          av[i] += a[i * n + j] * v[j];
        }
      }
      assertEquals(1, norm, 1e-9);
      double lambda = 0;
      for (int i = 0; i < n; i++) {
        lambda += v[i] * av[i];
      }
      for (int i = 0; i < n; i++) {
        assertEquals(lambda * v[i], av[i], 1e-9, "A v = λ v");
      }
      assertTrue(lambda <= previous + 1e-12, "in decreasing order");
      previous = lambda;
    }
  }

  @Test
  void aFactoredMapIsTheProductOfItsFactorsInBothPathsToTheLastBit() throws Exception {
    Random r = new Random(6);
    int rank = 5;
    LinearMap v = new LinearMap(rank, IN, gaussians(rank * IN, r), new float[rank]);
    float[] b = gaussians(OUT, r);
    LinearMap u = new LinearMap(OUT, rank, gaussians(OUT * rank, r), b);
    LinearMap f = LinearMap.factored(v, u);
    assertTrue(f.isFactored());
    assertEquals(rank, f.rank());
    LinearMap dense = new LinearMap(OUT, IN, f.weights(), b);
    float[][] x = anisotropicInputs(9, r);
    double[][] batch = new double[9][OUT];
    f.applyAddAll(x, batch, 9);
    for (int i = 0; i < 9; i++) {
      double[] one = new double[OUT];
      f.applyAdd(x[i], one);
      assertArrayEquals(one, batch[i], 0.0, "one face or a batch: the same bits");
      double[] ref = new double[OUT];
      dense.applyAdd(x[i], ref);
      assertArrayEquals(ref, one, 1e-4, "U (V x) + b = (U V) x + b");
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream o = new ObjectOutputStream(bytes)) {
      o.writeObject(f);
    }
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      assertEquals(f, in.readObject());
    }
    assertFalse(f.equals(dense));
    assertThrows(IllegalArgumentException.class, () -> LinearMap.factored(new LinearMap(rank, IN, new float[rank * IN],
        new float[] {1, 0, 0, 0, 0}), u), "a projection with biases");
    assertThrows(IllegalArgumentException.class, () -> LinearMap.factored(u, v), "inner dimensions that do not meet");
  }

  @Test
  void aLayerOfExactRankIsReproduced() {
    Random r = new Random(7);
    int rank = 6;
    LinearMap low = LinearMap.factored(new LinearMap(rank, IN, gaussians(rank * IN, r), new float[rank]),
        new LinearMap(OUT, rank, gaussians(OUT * rank, r), gaussians(OUT, r)));
    LinearMap m = new LinearMap(OUT, IN, low.weights(), low.biases());
    float[][] x = anisotropicInputs(200, r);
    LinearMap f = ReducedRank.factor(m, outputMoment(m, x), rank);
    assertEquals(rank, f.rank());
    double energy = meanSquaredChange(m, LinearMap.zero(OUT, IN), x);
    assertTrue(meanSquaredChange(m, f, x) < 1e-9 * energy, "nothing lost at the map's own rank");
    assertSame(m, ReducedRank.factor(m, outputMoment(m, x), OUT), "full rank: the map itself");
  }

  @Test
  void theOutputMomentBeatsATruncatedSvdOnTheInputsItWasMeasuredOn() {
    Random r = new Random(8);
    LinearMap m = new LinearMap(OUT, IN, gaussians(OUT * IN, r), gaussians(OUT, r));
    float[][] x = anisotropicInputs(400, r);
    double[] moment = outputMoment(m, x);
    double energy = meanSquaredChange(m, LinearMap.zero(OUT, IN), x);
    double previous = Double.POSITIVE_INFINITY;
    for (int rank : new int[] {2, 4, 6, 8}) {
      LinearMap weighted = ReducedRank.factor(m, moment, rank);
      LinearMap svd = ReducedRank.factor(m, gram(m), rank);
      double lost = meanSquaredChange(m, weighted, x);
      double lostSvd = meanSquaredChange(m, svd, x);
      assertTrue(lost <= lostSvd, "rank " + rank + ": " + lost + " vs SVD " + lostSvd);
      assertTrue(lost < previous, "a higher rank loses less");
      previous = lost;
      if (rank == 2) {
        // the inputs' energy falls by 0.09 per direction: two directions keep most of the outputs, W's SVD does not
        assertTrue(lost < 0.5 * lostSvd, "rank 2: " + lost + " vs SVD " + lostSvd);
      }
    }
    // eight input directions (and 1e-3 noise): rank 8 keeps all but the noise
    assertTrue(previous < 1e-4 * energy, "rank 8 leaves " + previous / energy);
  }
}

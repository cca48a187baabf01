package org.facealign.model.deepreg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class CholeskyTest {
  /** {@code XᵀX + δI} of a random {@code 2d x d} X, column-major: positive definite, condition number about 30. */
  private static double[] gram(int d, long seed, double delta) {
    Random r = new Random(seed);
    int n = 2 * d;
    double[][] x = new double[n][d];
    for (double[] row : x) {
      for (int j = 0; j < d; j++) {
        row[j] = r.nextGaussian() + (j % 7 == 0 ? 0.5 : 0); // a few shared offsets: off-diagonal mass
      }
    }
    double[] a = new double[d * d];
    for (int i = 0; i < d; i++) {
      for (int j = 0; j <= i; j++) {
        double s = 0;
        for (double[] row : x) {
          s += row[i] * row[j];
        }
        a[j * d + i] = s + (i == j ? delta : 0);
        a[i * d + j] = a[j * d + i];
      }
    }
    return a;
  }

  /**
   * {@code L Lᵀ} gives back the matrix to 1e-12 of its largest entry, for sizes below, at and across block edges
   * (one to four blocks of 64, a last block of 1 and of 63), and L is the unique lower factor with a positive
   * diagonal: the same, to 1e-12, as an unblocked factorisation.
   */
  @Test
  void factorMultipliesBackToTheMatrix() {
    for (int d : new int[] {1, 20, 64, 65, 191, 256}) {
      double[] a = gram(d, d, 0.5);
      double[] l = a.clone();
      Cholesky.factorLower(l, d, 64);
      double[] unblocked = a.clone();
      Cholesky.factorLower(unblocked, d, d);
      double max = 0;
      for (double v : a) {
        max = Math.max(max, Math.abs(v));
      }
      for (int i = 0; i < d; i++) {
        for (int j = 0; j <= i; j++) {
          double s = 0;
          for (int k = 0; k <= j; k++) {
            s += l[k * d + i] * l[k * d + j];
          }
          assertEquals(a[j * d + i], s, 1e-12 * max, "d " + d + " at " + i + ", " + j);
          assertEquals(unblocked[j * d + i], l[j * d + i], 1e-12 * Math.sqrt(max), "d " + d + " at " + i + ", " + j);
        }
        assertTrue(l[i * d + i] > 0);
      }
    }
  }

  /** A matrix that is not positive definite is refused, naming the pivot where it fails, past the first block. */
  @Test
  void refusesAnIndefiniteMatrixAtItsPivot() {
    int d = 100;
    double[] a = gram(d, 3, 0.5);
    // the leading 80 x 80 block stays positive definite; its 81st pivot turns negative
    for (int k = 0; k < d; k++) {
      a[80 * d + k] = 0;
      a[k * d + 80] = 0;
    }
    a[80 * d + 80] = -1;
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> Cholesky.factorLower(a, d, 32));
    assertTrue(e.getMessage().contains("at 80 "), e.getMessage());
  }
}

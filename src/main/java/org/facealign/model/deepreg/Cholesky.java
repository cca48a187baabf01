package org.facealign.model.deepreg;

import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.interval;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The Cholesky factor {@code A = L Lᵀ} of a symmetric positive definite matrix, blocked and right-looking (Golub,
 * Van Loan, "Matrix Computations", 4th ed., Alg. 4.2.10): for each block column of {@value #BLOCK}, the diagonal
 * block is factorised and inverted in plain Java, the panel below it becomes {@code L21 = A21 L11⁻ᵀ} and the
 * trailing matrix {@code A22 - L21 L21ᵀ} (its lower part, a block column at a time), both by ND4J's matrix
 * product. Nearly all of the {@code d³/3}
 * multiply-adds are in that product, the routine every backend runs fastest and every DL4J model depends on.
 *
 * <p>Why not LAPACK's {@code potrf}: the OpenBLAS 0.3.19 that ND4J 1.0.0-M2.1 ships fails it on some AVX-512
 * processors, where it picks its Skylake-X kernels: positive definite matrices of a few dozen rows and more are
 * reported not positive definite at an early pivot (OpenBLAS issue 3534), while its matrix products are right.
 * Forming {@code L21} with the inverse of the diagonal block rather than by substitution is accurate enough for
 * the ridge-regularised normal equations it serves ({@code CholeskyTest} bounds the residual).
 */
public final class Cholesky {
  /** Columns per block: large enough for the products to run at full speed, small enough for the Java parts. */
  static final int BLOCK = 256;

  private Cholesky() {}

  /**
   * Factorises the {@code d x d} matrix {@code a} (column-major; only its lower triangle is read) in place: on
   * return its lower triangle holds {@code L}, its strict upper triangle is unspecified.
   *
   * @throws IllegalStateException naming the first pivot that is not positive (or NaN)
   */
  public static void factorLower(double[] a, int d) {
    factorLower(a, d, BLOCK);
  }

  /** {@link #factorLower(double[], int)} with blocks of {@code block} columns (the tests use small ones). */
  static void factorLower(double[] a, int d, int block) {
    if (a.length != (long) d * d || block < 1) {
      throw new IllegalArgumentException(a.length + " values for " + d + " x " + d + ", block " + block);
    }
    for (int k0 = 0; k0 < d; k0 += block) {
      int kb = Math.min(block, d - k0);
      int k1 = k0 + kb;
      double[][] l11 = new double[kb][kb];
      for (int i = 0; i < kb; i++) {
        for (int j = 0; j <= i; j++) {
          l11[i][j] = a[(k0 + j) * d + k0 + i];
        }
      }
      factorSmall(l11, k0);
      for (int i = 0; i < kb; i++) {
        for (int j = 0; j <= i; j++) {
          a[(k0 + j) * d + k0 + i] = l11[i][j];
        }
      }
      if (k1 == d) {
        break;
      }
      int m = d - k1;
      // the panel A21 (m x kb) row-major, then L21 = A21 L11⁻ᵀ
      double[] panel = new double[m * kb];
      for (int c = 0; c < kb; c++) {
        int col = (k0 + c) * d + k1;
        for (int r = 0; r < m; r++) {
          panel[r * kb + c] = a[col + r];
        }
      }
      try (INDArray a21 = Nd4j.create(panel, new long[] {m, kb}, 'c');
          INDArray invT = Nd4j.create(inverseLowerTransposed(l11));
          INDArray l21 = a21.mmul(invT)) {
        double[] l = l21.data().asDouble();
        for (int c = 0; c < kb; c++) {
          int col = (k0 + c) * d + k1;
          for (int r = 0; r < m; r++) {
            a[col + r] = l[r * kb + c];
          }
        }
        // A22 -= L21 L21ᵀ on and below the diagonal, a block column at a time: (L21 rows of the block) times
        // (L21 rows from the block down)ᵀ is that block column's update transposed, i.e. column-major
        for (int j0 = k1; j0 < d; j0 += block) {
          int j1 = Math.min(j0 + block, d);
          int rows = d - j0;
          try (INDArray update = Nd4j.gemm(l21.get(interval(j0 - k1, j1 - k1), all()),
              l21.get(interval(j0 - k1, m), all()), false, true)) {
            double[] u = update.data().asDouble();
            for (int c = 0; c < j1 - j0; c++) {
              int col = (j0 + c) * d + j0;
              int uc = c * rows;
              for (int r = c; r < rows; r++) {
                a[col + r] -= u[uc + r];
              }
            }
          }
        }
      }
    }
  }

  /** Unblocked Cholesky of the small block {@code m} (row-major, lower triangle) in place; zeroes the upper one. */
  private static void factorSmall(double[][] m, int offset) {
    int n = m.length;
    for (int j = 0; j < n; j++) {
      double[] rj = m[j];
      double s = rj[j];
      for (int k = 0; k < j; k++) {
        s -= rj[k] * rj[k];
      }
      if (!(s > 0)) {
        throw new IllegalStateException("normal equations not positive definite at " + (offset + j)
            + " (raise the ridge)");
      }
      double djj = Math.sqrt(s);
      rj[j] = djj;
      for (int i = j + 1; i < n; i++) {
        double[] ri = m[i];
        double t = ri[j];
        for (int k = 0; k < j; k++) {
          t -= ri[k] * rj[k];
        }
        ri[j] = t / djj;
      }
      for (int k = j + 1; k < n; k++) {
        rj[k] = 0;
      }
    }
  }

  /** {@code (L⁻¹)ᵀ} of the lower triangular {@code l}, row-major: column {@code j} of the inverse by substitution. */
  private static double[][] inverseLowerTransposed(double[][] l) {
    int n = l.length;
    double[][] t = new double[n][n];
    for (int j = 0; j < n; j++) {
      // x = L⁻¹ e_j: x_i = 0 for i < j; stored as row j of the transpose
      double[] x = t[j];
      x[j] = 1 / l[j][j];
      for (int i = j + 1; i < n; i++) {
        double s = 0;
        double[] li = l[i];
        for (int k = j; k < i; k++) {
          s -= li[k] * x[k];
        }
        x[i] = s / li[i];
      }
    }
    return t;
  }
}

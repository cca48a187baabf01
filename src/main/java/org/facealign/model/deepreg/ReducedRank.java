package org.facealign.model.deepreg;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.eigen.Eigen;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Local layers of rank {@code r}: each {@code W} ({@code out x in}) replaced by {@code U V} with {@code U} ({@code
 * out x r}) orthonormal columns and {@code V = Uᵀ W}, a {@link LinearMap#factored} map that costs {@code r (in + out)}
 * multiply-adds instead of {@code out in}.
 *
 * <p>{@code U} spans the top {@code r} eigenvectors of {@code E[y yᵀ]}, the second moment of the layer's outputs
 * {@code y = W φ} over training samples ({@link OutputMoments}): of all rank-{@code r} maps, {@code U Uᵀ W} makes the
 * least mean squared change to the outputs, {@code E||W φ - W' φ||²} (the reduced-rank regression of Izenman, "Reduced-rank
 * regression for the multivariate linear model", 1975, with identity weights on the outputs). A truncated SVD of
 * {@code W} alone would minimise {@code ||W - W'||_F} instead, which weighs every descriptor direction alike where
 * the descriptors have most of their energy in a few.
 *
 * <p>Where we had to choose: the moments are taken with the full-rank cascade's own trajectories for every layer
 * (one pass over the samples), so layer {@code t}'s inputs are not those the factored layers before it give; and the
 * second moment is not centred, since the biases are kept and the mean output is part of what must be reproduced.
 */
public final class ReducedRank {
  private ReducedRank() {}

  /** {@code cascade} with every local layer of rank above {@code rank} factored to it ({@link #factor}). */
  public static Cascade factor(Cascade cascade, OutputMoments moments, int rank) {
    if (moments.numStages() != cascade.numStages()) {
      throw new IllegalArgumentException("moments of " + moments.numStages() + " layers for " + cascade.numStages());
    }
    List<LinearMap> layers = new ArrayList<>();
    for (int t = 0; t < cascade.numStages(); t++) {
      layers.add(factor(cascade.stages().get(t), moments.mean(t), rank));
    }
    return cascade.withLayers(cascade.global(), layers);
  }

  /**
   * {@code m} as {@code U (Uᵀ W)} with {@code U} the top {@code rank} eigenvectors of {@code outputMoment}
   * ({@code E[y yᵀ]}, row-major {@code out x out}); {@code m} itself when its rank is {@code rank} or less.
   */
  public static LinearMap factor(LinearMap m, double[] outputMoment, int rank) {
    int out = m.outputs();
    int in = m.inputs();
    if (rank < 1) {
      throw new IllegalArgumentException("rank must be at least 1, got " + rank);
    }
    if (outputMoment.length != out * out) {
      throw new IllegalArgumentException("an output moment of " + outputMoment.length + " values for " + out + " outputs");
    }
    if (rank >= m.rank()) {
      return m;
    }
    double[][] u = topEigenvectors(outputMoment, out, rank);
    double[] ut = new double[rank * out];
    float[] uw = new float[out * rank];
    for (int k = 0; k < rank; k++) {
      for (int o = 0; o < out; o++) {
        ut[k * out + o] = u[k][o];
        uw[o * rank + k] = (float) u[k][o];
      }
    }
    float[] v = LinearMap.product(ut, rank, out, m.weights(), in);
    return LinearMap.factored(new LinearMap(rank, in, v, new float[rank]), new LinearMap(out, rank, uw, m.biases()));
  }

  /**
   * The eigenvectors of the {@code count} largest eigenvalues of the symmetric {@code n x n} matrix {@code a}
   * (row-major), by ND4J's LAPACK {@code syev}: {@code result[k]} is the k-th, unit length.
   */
  static double[][] topEigenvectors(double[] a, int n, int count) {
    INDArray m = Nd4j.create(a.clone(), new long[] {n, n}, DataType.DOUBLE);
    INDArray values = Eigen.symmetricGeneralizedEigenvalues(m, true);
    double[] lambda = values.toDoubleVector();
    double[][] vectors = m.toDoubleMatrix();
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (i, j) -> Double.compare(lambda[j], lambda[i]));
    double[][] top = new double[count][n];
    double scale = Math.max(Math.abs(lambda[order[0]]), Math.abs(lambda[order[n - 1]]));
    for (int k = 0; k < count; k++) {
      // syev leaves the eigenvectors in the columns of the (column-major) matrix it was given
      for (int i = 0; i < n; i++) {
        top[k][i] = vectors[i][order[k]];
      }
      checkEigenpair(a, n, top[k], lambda[order[k]], scale);
    }
    return top;
  }

  /**
   * Refuses an eigenpair that is not one: {@code ||A v - λ v|| <= 1e-6 max|λ|} with {@code ||v|| = 1}, so that a LAPACK
   * routine that fails on this processor (as OpenBLAS's {@code potrf} does on some, see {@link Cholesky}) stops the
   * training rather than silently factoring the layers with wrong vectors.
   */
  private static void checkEigenpair(double[] a, int n, double[] v, double lambda, double scale) {
    double norm = 0;
    double residual = 0;
    for (int i = 0; i < n; i++) {
      double av = 0;
      for (int j = 0; j < n; j++) {
        av += a[i * n + j] * v[j];
      }
      residual += (av - lambda * v[i]) * (av - lambda * v[i]);
      norm += v[i] * v[i];
    }
    if (!(Math.abs(norm - 1) <= 1e-6) || !(Math.sqrt(residual) <= 1e-6 * scale + Double.MIN_NORMAL)) {
      throw new IllegalStateException("the symmetric eigensolver returned a wrong eigenpair (|v|² = " + norm
          + ", residual " + Math.sqrt(residual) + " against max |λ| " + scale + ")");
    }
  }
}

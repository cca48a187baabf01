package org.facealign.model.deepreg;

import java.io.Serializable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The normal equations of a multi-output ridge regression {@code y ≈ W x + b}, accumulated sample by
 * sample and mergeable, so that each Spark partition sums its own samples and the sums are added: the
 * distributed closed-form fit of one DeepReg stage (eqs. 3-4 of Shi et al. 2014 without dropout).
 *
 * <p>The input is extended by a constant 1 (the bias). Samples are buffered in chunks and added to the
 * Gram matrix {@code [x 1]ᵀ[x 1]} by ND4J GEMMs, one per block of the matrix on or above its diagonal ({@link
 * #blockBounds}; float, off-heap, about 190 MB for the 8704-d descriptors of 68 landmarks; the full {@code
 * (d+1)²} floats, 303 MB, once sealed). {@link #seal} moves the sums to Java arrays for
 * Spark to ship and merge. {@link #solve} factorises in double precision with {@link Cholesky} (blocked, its
 * products on ND4J, so on any backend) and does the two triangular solves in Java (ND4J's {@code trsm}
 * binding passes the diagonal flag to CBLAS untranslated).
 *
 * <p>Ridge penalty: {@code λ = ridge · trace(XᵀX) / d} on the weights, not on the bias, so {@code ridge}
 * means the same whatever the number and scale of the features.
 *
 * <p>Not thread-safe.
 */
public final class NormalEquations implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final int CHUNK = 512;

  private final int in;
  private final int out;
  private long count;
  private double[] sumYy;
  /** Sealed sums ((in+1)², (in+1) x out, row-major), or null while accumulating in ND4J. */
  private float[] gram;
  private float[] cross;
  /** Column bounds of the Gram matrix's blocks while accumulating ({@link #blockBounds}). */
  private transient int[] bounds;
  /** The blocks on and above the diagonal, {@code [i B + j]} for {@code i <= j} (null below). */
  private transient INDArray[] gramBlocks;
  private transient INDArray crossNd;
  private transient float[] xs;
  private transient float[] ys;
  private transient int filled;

  public NormalEquations(int in, int out) {
    this.in = in;
    this.out = out;
    this.sumYy = new double[out];
  }

  public int inputs() {
    return in;
  }

  public long count() {
    return count;
  }

  /** Adds one sample. */
  public NormalEquations add(float[] x, double[] y) {
    if (x.length != in || y.length != out) {
      throw new IllegalArgumentException("sample " + x.length + " -> " + y.length + " for " + in + " -> " + out);
    }
    if (gram != null) {
      throw new IllegalStateException("sealed: merge it instead");
    }
    if (xs == null) {
      xs = new float[CHUNK * (in + 1)];
      ys = new float[CHUNK * out];
    }
    System.arraycopy(x, 0, xs, filled * (in + 1), in);
    xs[filled * (in + 1) + in] = 1;
    for (int j = 0; j < out; j++) {
      ys[filled * out + j] = (float) y[j];
      sumYy[j] += y[j] * y[j];
    }
    filled++;
    count++;
    if (filled == CHUNK) {
      flush();
    }
    return this;
  }

  private void flush() {
    if (filled == 0) {
      return;
    }
    int d = in + 1;
    if (gramBlocks == null) {
      bounds = blockBounds(d);
      int nb = bounds.length - 1;
      gramBlocks = new INDArray[nb * nb];
      for (int i = 0; i < nb; i++) {
        for (int j = i; j < nb; j++) {
          gramBlocks[i * nb + j] = Nd4j.zeros(DataType.FLOAT, bounds[i + 1] - bounds[i], bounds[j + 1] - bounds[j]);
        }
      }
      crossNd = Nd4j.zeros(DataType.FLOAT, d, out);
    }
    int nb = bounds.length - 1;
    float[] xa = filled == CHUNK ? xs : java.util.Arrays.copyOf(xs, filled * d);
    float[] ya = filled == CHUNK ? ys : java.util.Arrays.copyOf(ys, filled * out);
    INDArray[] cols = new INDArray[nb];
    try (INDArray x = Nd4j.create(xa, new long[] {filled, d}, 'c');
        INDArray y = Nd4j.create(ya, new long[] {filled, out}, 'c')) {
      for (int b = 0; b < nb; b++) {
        cols[b] = nb == 1 ? x : Nd4j.create(columns(xa, filled, d, bounds[b], bounds[b + 1]),
            new long[] {filled, bounds[b + 1] - bounds[b]}, 'c');
      }
      for (int i = 0; i < nb; i++) {
        for (int j = i; j < nb; j++) {
          Nd4j.gemm(cols[i], cols[j], gramBlocks[i * nb + j], true, false, 1.0, 1.0);
        }
      }
      Nd4j.gemm(x, y, crossNd, true, false, 1.0, 1.0);
    } finally {
      for (int b = 0; nb > 1 && b < nb; b++) {
        if (cols[b] != null) {
          cols[b].close();
        }
      }
    }
    filled = 0;
  }

  /** Largest side of a Gram block: an 8705-wide Gram matrix is cut into 4 x 4 blocks of 2176-2177. */
  static final int BLOCK = 2304;

  /**
   * Bounds of the column blocks of a {@code d}-wide Gram matrix, as even as possible, none wider than {@link
   * #BLOCK}. Only the blocks on and above the diagonal are multiplied (the matrix is symmetric): 10 of the 16 products
   * of a 4 x 4 cut, 62.5 % of the work of the full {@code XᵀX}.
   */
  static int[] blockBounds(int d) {
    int nb = (d + BLOCK - 1) / BLOCK;
    int[] b = new int[nb + 1];
    for (int i = 0; i <= nb; i++) {
      b[i] = (int) ((long) i * d / nb);
    }
    return b;
  }

  /** Columns {@code [lo, hi)} of the row-major {@code rows x d} matrix {@code x}, row-major. */
  private static float[] columns(float[] x, int rows, int d, int lo, int hi) {
    int w = hi - lo;
    float[] c = new float[rows * w];
    for (int r = 0; r < rows; r++) {
      System.arraycopy(x, r * d + lo, c, r * w, w);
    }
    return c;
  }

  /** Moves the sums to plain arrays (idempotent); call before Spark serialises this. */
  public NormalEquations seal() {
    if (gram == null) {
      flush();
      int d = in + 1;
      if (gramBlocks == null) {
        gram = new float[d * d];
        cross = new float[d * out];
      } else {
        gram = new float[d * d];
        int nb = bounds.length - 1;
        for (int i = 0; i < nb; i++) {
          for (int j = i; j < nb; j++) {
            INDArray block = gramBlocks[i * nb + j];
            float[] v = block.data().asFloat();
            block.close();
            gramBlocks[i * nb + j] = null;
            int r0 = bounds[i];
            int c0 = bounds[j];
            int h = bounds[i + 1] - r0;
            int w = bounds[j + 1] - c0;
            for (int r = 0; r < h; r++) {
              System.arraycopy(v, r * w, gram, (r0 + r) * d + c0, w);
            }
            // the block below the diagonal: the transpose of this one; a diagonal block's lower triangle likewise
            // from its upper one, since a GEMM's XᵢᵀXᵢ need not be exactly symmetric (OpenBLAS on an AMD EPYC
            // VM differs by an ulp) and the solver reads the upper triangle only
            for (int r = 0; r < h; r++) {
              for (int c = i < j ? 0 : r + 1; c < w; c++) {
                gram[(c0 + c) * d + r0 + r] = v[r * w + c];
              }
            }
          }
        }
        cross = crossNd.data().asFloat();
        crossNd.close();
        gramBlocks = null;
        crossNd = null;
      }
      xs = null;
      ys = null;
    }
    return this;
  }

  /** The sealed Gram matrix {@code [x 1]ᵀ[x 1]}, row-major (for the tests). */
  float[] sealedGram() {
    return seal().gram;
  }

  /** Adds {@code other}'s samples to this one's; both are sealed first. */
  public NormalEquations merge(NormalEquations other) {
    if (other.in != in || other.out != out) {
      throw new IllegalArgumentException("cannot merge " + other.in + "->" + other.out + " into " + in + "->" + out);
    }
    seal();
    other.seal();
    for (int i = 0; i < gram.length; i++) {
      gram[i] += other.gram[i];
    }
    for (int i = 0; i < cross.length; i++) {
      cross[i] += other.cross[i];
    }
    for (int j = 0; j < out; j++) {
      sumYy[j] += other.sumYy[j];
    }
    count += other.count;
    return this;
  }

  /** Mean squared residual per sample (summed over outputs) of {@code m} on the accumulated samples. */
  public double meanSquaredError(LinearMap m) {
    seal();
    if (count == 0) {
      return 0;
    }
    int d = in + 1;
    float[] w = m.weights();
    float[] b = m.biases();
    // [W b]ᵀ as a d x out matrix
    float[] wb = new float[d * out];
    for (int j = 0; j < out; j++) {
      for (int k = 0; k < in; k++) {
        wb[k * out + j] = w[j * in + k];
      }
      wb[in * out + j] = b[j];
    }
    double yy = 0;
    for (double v : sumYy) {
      yy += v;
    }
    // Σ_j (w_jᵀ G w_j - 2 w_jᵀ c_j) + yᵀy, with one GEMM for G [W b]ᵀ
    try (INDArray g = Nd4j.create(gram, new long[] {d, d}, 'c');
        INDArray wt = Nd4j.create(wb, new long[] {d, out}, 'c');
        INDArray c = Nd4j.create(cross, new long[] {d, out}, 'c');
        INDArray gw = g.mmul(wt);
        INDArray wd = wt.castTo(DataType.DOUBLE);
        INDArray gwd = gw.castTo(DataType.DOUBLE);
        INDArray cd = c.castTo(DataType.DOUBLE)) {
      double quad = gwd.muli(wd).sumNumber().doubleValue();
      double lin = cd.muli(wd).sumNumber().doubleValue();
      return (quad - 2 * lin + yy) / count;
    }
  }

  /** Mean squared target per sample (summed over outputs): the error of predicting no change. */
  public double meanSquaredTarget() {
    double yy = 0;
    for (double v : sumYy) {
      yy += v;
    }
    return count == 0 ? 0 : yy / count;
  }

  /** The ridge solution. */
  public LinearMap solve(double ridge) {
    return solve(ridge, 0);
  }

  /**
   * The minimiser of the expected squared error when each input, centred on its mean over the samples,
   * is dropped with probability {@code dropout} and the kept ones scaled by {@code 1 / (1 - dropout)}
   * (inverted dropout on centred inputs, as the joint phase's graph applies it), plus the ridge penalty.
   * For a linear map that expectation is exact in closed form: the squared error of the full input plus
   * {@code dropout / (1 - dropout) Σ_j W_j² Σ_n (x_nj - mean_j)²}, a ridge penalty on each input's weights
   * proportional to that input's variance (Wager, Wang, Liang, "Dropout Training as Adaptive
   * Regularization", 2013). So pre-training minimises the loss the joint phase starts from.
   */
  public LinearMap solve(double ridge, double dropout) {
    return solve(ridge, dropout, true);
  }

  /**
   * As {@link #solve(double, double)}; with {@code centred} false, the penalty of dropout on the raw
   * (uncentred) inputs, {@code dropout / (1 - dropout) Σ_j W_j² Σ_n x_nj²}: a stronger regulariser, since
   * the energy of an input includes its mean.
   */
  public LinearMap solve(double ridge, double dropout, boolean centred) {
    if (!(dropout >= 0 && dropout < 1)) {
      throw new IllegalArgumentException("dropout must be in [0, 1), got " + dropout);
    }
    double dropScale = dropout / (1 - dropout);
    if (count == 0) {
      throw new IllegalStateException("no samples to fit");
    }
    seal();
    int d = in + 1;
    double trace = 0;
    for (int k = 0; k < in; k++) {
      trace += gram[k * d + k];
    }
    double lambda = ridge * Math.max(trace / in, 1e-12);
    // symmetric: the row-major sums read as column-major are the same matrix
    double[] l = toDouble(gram);
    for (int k = 0; k < d; k++) {
      double gkk = l[k * d + k];
      // Σ_n (x_nk - mean_k)²: the energy dropout removes from a centred input (or Σ_n x_nk², uncentred)
      double energy = k >= in ? 0 : centred ? Math.max(0, gkk - (double) gram[k * d + in] * gram[k * d + in] / count) : gkk;
      l[k * d + k] = gkk + (k < in ? lambda + dropScale * energy : lambda * 1e-9);
    }
    Cholesky.factorLower(l, d);
    // column-major lower factor: L(i, k) = l[k d + i]; solve L Lᵀ W = C, C (d x out) row-major
    double[] y = toDouble(cross);
    for (int k = 0; k < d; k++) {
      double diag = l[k * d + k];
      if (!(diag > 0)) {
        throw new IllegalStateException("normal equations not positive definite at " + k + " (raise the ridge)");
      }
      int rk = k * out;
      for (int j = 0; j < out; j++) {
        y[rk + j] /= diag;
      }
      int col = k * d;
      for (int i = k + 1; i < d; i++) {
        double lik = l[col + i];
        if (lik != 0) {
          int ri = i * out;
          for (int j = 0; j < out; j++) {
            y[ri + j] -= lik * y[rk + j];
          }
        }
      }
    }
    for (int k = d - 1; k >= 0; k--) {
      int rk = k * out;
      int col = k * d;
      for (int i = k + 1; i < d; i++) {
        double lik = l[col + i];
        if (lik != 0) {
          int ri = i * out;
          for (int j = 0; j < out; j++) {
            y[rk + j] -= lik * y[ri + j];
          }
        }
      }
      double diag = l[col + k];
      for (int j = 0; j < out; j++) {
        y[rk + j] /= diag;
      }
    }
    float[] w = new float[out * in];
    float[] b = new float[out];
    for (int j = 0; j < out; j++) {
      for (int k = 0; k < in; k++) {
        w[j * in + k] = (float) y[k * out + j];
      }
      b[j] = (float) y[in * out + j];
    }
    return new LinearMap(out, in, w, b);
  }

  private static double[] toDouble(float[] f) {
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      d[i] = f[i];
    }
    return d;
  }
}

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
 * #blockBounds}; float, off-heap, about 190 MB for the 8704-d descriptors of 68 landmarks). {@link #seal} moves the
 * sums to Java arrays for Spark to ship and merge: the Gram matrix as its upper triangle, row by row ({@code d (d +
 * 1) / 2} floats for a {@code d}-wide matrix, 152 MB for those descriptors instead of the full matrix's 303 MB),
 * which is all the solver reads; merging adds the same elements in the same order as the full matrix's, so the
 * sums are the same to the last bit; {@link #slice} and {@link #join} cut them into rows and put them back, for
 * Spark to merge slice by slice. {@link #solve} factorises in double precision with {@link Cholesky} (blocked, its
 * products on ND4J, so on any backend) and does the two triangular solves in Java (ND4J's {@code trsm} binding
 * passes the diagonal flag to CBLAS untranslated).
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
  /**
   * Sealed sums, or null while accumulating in ND4J: the Gram matrix's upper triangle row by row ({@link #packed}),
   * and the (in+1) x out cross products, row-major.
   */
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
      gram = new float[Math.toIntExact(packedSize(d))];
      if (gramBlocks == null) {
        cross = new float[d * out];
      } else {
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
            // a diagonal block's upper triangle only: a GEMM's XᵢᵀXᵢ need not be exactly symmetric (OpenBLAS
            // on an AMD EPYC VM differs by an ulp), and the solver reads the upper triangle
            for (int r = 0; r < h; r++) {
              int from = i < j ? 0 : r;
              System.arraycopy(v, r * w + from, gram, packed(d, r0 + r, c0 + from), w - from);
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

  /** The sealed Gram matrix {@code [x 1]ᵀ[x 1]}, whole, row-major (for the tests and {@link #meanSquaredError}). */
  float[] sealedGram() {
    seal();
    int d = in + 1;
    float[] full = new float[d * d];
    for (int r = 0; r < d; r++) {
      int at = packed(d, r, r);
      System.arraycopy(gram, at, full, r * d + r, d - r);
      for (int c = r + 1; c < d; c++) {
        full[c * d + r] = gram[at + c - r];
      }
    }
    return full;
  }

  /** Floats of the upper triangle (diagonal included) of a {@code d x d} matrix. */
  static long packedSize(int d) {
    return (long) d * (d + 1) / 2;
  }

  /**
   * Index of element {@code (r, c)}, {@code r <= c}, of a {@code d x d} matrix's upper triangle stored row by row;
   * {@code packed(d, d, d)}, one past the last row, is the triangle's size.
   */
  static int packed(int d, int r, int c) {
    return (int) ((long) r * d - (long) r * (r - 1) / 2 + (c - r));
  }

  /** Adds {@code other}'s samples to this one's; both are sealed first. */
  public NormalEquations merge(NormalEquations other) {
    if (other.in != in || other.out != out) {
      throw new IllegalArgumentException("cannot merge " + other.in + "->" + other.out + " into " + in + "->" + out);
    }
    seal();
    other.seal();
    add(gram, other.gram);
    add(cross, other.cross);
    add(sumYy, other.sumYy);
    count += other.count;
    return this;
  }

  /**
   * Rows {@code [from, to)} of sealed sums: of the Gram matrix's upper triangle (contiguous in its packed form) and of
   * the cross products, and, in the first slice only, the sample count and the targets' sums of squares. Slices of the
   * same rows of two partitions' sums {@link #merge}; {@link #join} puts the slices of all rows back together. Spark
   * ships and merges the normal equations slice by slice (the training's {@code PartitionOrder.reduceSliced}).
   */
  public static final class Slice implements Serializable {
    private static final long serialVersionUID = 1L;
    private final int in;
    private final int out;
    private final int from;
    private final int to;
    private long count;
    private final double[] sumYy;
    private final float[] gram;
    private final float[] cross;

    private Slice(int in, int out, int from, int to, long count, double[] sumYy, float[] gram, float[] cross) {
      this.in = in;
      this.out = out;
      this.from = from;
      this.to = to;
      this.count = count;
      this.sumYy = sumYy;
      this.gram = gram;
      this.cross = cross;
    }

    /** Adds {@code other}'s sums (the same rows) to this slice's, element by element. */
    public Slice merge(Slice other) {
      if (other.in != in || other.out != out || other.from != from || other.to != to) {
        throw new IllegalArgumentException("cannot merge rows " + other.from + ".." + other.to + " of " + other.in
            + "->" + other.out + " into rows " + from + ".." + to + " of " + in + "->" + out);
      }
      add(gram, other.gram);
      add(cross, other.cross);
      if (sumYy != null) {
        add(sumYy, other.sumYy);
      }
      count += other.count;
      return this;
    }
  }

  /**
   * Slice {@code k} of {@code slices} of the sealed sums: rows cut so that the slices hold about as many of the Gram
   * triangle's values each (the first rows are the longest). The slice owns copies of its values.
   */
  public Slice slice(int k, int slices) {
    if (slices < 1 || k < 0 || k >= slices) {
      throw new IllegalArgumentException("slice " + k + " of " + slices);
    }
    seal();
    int d = in + 1;
    int from = sliceStart(d, k, slices);
    int to = sliceStart(d, k + 1, slices);
    // packed(d, d, d) is the triangle's size: the end of the last row
    return new Slice(in, out, from, to, k == 0 ? count : 0, k == 0 ? sumYy.clone() : null,
        java.util.Arrays.copyOfRange(gram, packed(d, from, from), packed(d, to, to)),
        java.util.Arrays.copyOfRange(cross, from * out, to * out));
  }

  /** The first row of slice {@code k}: the smallest row whose packed offset reaches k / slices of the triangle. */
  static int sliceStart(int d, int k, int slices) {
    if (k >= slices) {
      return d;
    }
    long target = packedSize(d) * k / slices;
    int r = 0;
    while (r < d && packed(d, r, r) < target) {
      r++;
    }
    return r;
  }

  /** The sums whose slices, in row order and covering every row once, are {@code slices}. */
  public static NormalEquations join(java.util.List<Slice> slices) {
    if (slices.isEmpty()) {
      throw new IllegalArgumentException("no slices to join");
    }
    Slice first = slices.get(0);
    NormalEquations ne = new NormalEquations(first.in, first.out);
    int d = first.in + 1;
    ne.gram = new float[Math.toIntExact(packedSize(d))];
    ne.cross = new float[d * first.out];
    int row = 0;
    for (Slice s : slices) {
      if (s.in != first.in || s.out != first.out || s.from != row) {
        throw new IllegalArgumentException("slice of rows " + s.from + ".." + s.to + " where row " + row + " is next");
      }
      System.arraycopy(s.gram, 0, ne.gram, packed(d, s.from, s.from), s.gram.length);
      System.arraycopy(s.cross, 0, ne.cross, s.from * first.out, s.cross.length);
      row = s.to;
    }
    if (row != d) {
      throw new IllegalArgumentException("the slices end at row " + row + " of " + d);
    }
    ne.count = first.count;
    System.arraycopy(first.sumYy, 0, ne.sumYy, 0, first.out);
    return ne;
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
    try (INDArray g = Nd4j.create(sealedGram(), new long[] {d, d}, 'c');
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
      trace += gram[packed(d, k, k)];
    }
    double lambda = ridge * Math.max(trace / in, 1e-12);
    // the upper triangle, row-major, is the lower triangle read column-major, which Cholesky.factorLower reads
    double[] l = new double[d * d];
    for (int r = 0; r < d; r++) {
      int at = packed(d, r, r);
      for (int c = r; c < d; c++) {
        l[r * d + c] = gram[at + c - r];
      }
    }
    for (int k = 0; k < d; k++) {
      double gkk = l[k * d + k];
      // Σ_n (x_nk - mean_k)²: the energy dropout removes from a centred input (or Σ_n x_nk², uncentred)
      double gkb = gram[packed(d, k, in)];
      double energy = k >= in ? 0 : centred ? Math.max(0, gkk - gkb * gkb / count) : gkk;
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

  /** {@code a += b}, element by element. */
  private static void add(float[] a, float[] b) {
    for (int i = 0; i < a.length; i++) {
      a[i] += b[i];
    }
  }

  private static void add(double[] a, double[] b) {
    for (int i = 0; i < a.length; i++) {
      a[i] += b[i];
    }
  }

  private static double[] toDouble(float[] f) {
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      d[i] = f[i];
    }
    return d;
  }
}

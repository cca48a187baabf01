package org.facealign.model.deepreg;

import java.util.Arrays;

/**
 * An affine map {@code y = W x + b}: the global layer ({@code W0}, on the HOG) and each local layer ({@code W_t},
 * on the shape-indexed descriptors) of DeepReg. Either dense, {@code W} stored row-major as floats, or factored,
 * {@code W = U V} with {@code V} ({@code r x in}) and {@code U} ({@code out x r}) two dense maps applied one after
 * the other ({@link #factored}), which costs {@code r (in + out)} multiply-adds instead of {@code out in}.
 * Immutable (the arrays are copied in and never handed out).
 */
public final class LinearMap implements java.io.Serializable {
  private static final long serialVersionUID = 2L;
  private final int out;
  private final int in;
  /** The dense weights, row-major; null for a factored map. */
  private final float[] w;
  /** A factored map's {@code V}: {@code r x in}, zero biases; null for a dense map. */
  private final LinearMap projection;
  /** A factored map's {@code U}: {@code out x r}, with the map's biases; null for a dense map. */
  private final LinearMap expansion;
  /**
   * The same weights as one array per input column ({@code cols[c][r] = W[r][c]}), for the vectorisable {@link
   * #applyAdd}: a loop {@code s[r] += cols[c][r] x_c} indexes both arrays alike, which the JIT turns into vector
   * instructions (with both in one flat array at an offset it cannot rule out an overlap and stays scalar).
   * Not serialised (Java or Kryo), rebuilt on first use (a benign race: every thread builds the same arrays).
   */
  private transient volatile float[][] cols;
  /** The weights as padded columns for {@link VectorProducts}, built on first use like {@link #cols}. */
  private transient volatile float[] vectorCols;

  private final float[] b;

  /**
   * @param out output dimension (2 x landmarks)
   * @param in input dimension
   * @param w {@code out x in} weights, row-major
   * @param b {@code out} biases
   */
  public LinearMap(int out, int in, float[] w, float[] b) {
    if (out < 1 || in < 1 || w.length != (long) out * in || b.length != out) {
      throw new IllegalArgumentException("linear map " + out + "x" + in + " needs " + (long) out * in + " weights and "
          + out + " biases, got " + w.length + " and " + b.length);
    }
    for (float v : w) {
      if (!Float.isFinite(v)) {
        throw new IllegalArgumentException("linear map has a non-finite weight");
      }
    }
    this.out = out;
    this.in = in;
    this.w = w.clone();
    this.b = b.clone();
    this.projection = null;
    this.expansion = null;
  }

  private LinearMap(LinearMap projection, LinearMap expansion) {
    this.out = expansion.out;
    this.in = projection.in;
    this.w = null;
    this.b = expansion.b;
    this.projection = projection;
    this.expansion = expansion;
  }

  /**
   * The factored map {@code x -> U (V x) + b}.
   *
   * @param projection {@code V}, {@code r x in}, dense, with zero biases
   * @param expansion {@code U}, {@code out x r}, dense, with the map's biases {@code b}
   */
  public static LinearMap factored(LinearMap projection, LinearMap expansion) {
    if (projection.isFactored() || expansion.isFactored() || projection.out != expansion.in) {
      throw new IllegalArgumentException("a factored map needs two dense maps r x in and out x r, got "
          + projection.out + "x" + projection.in + " and " + expansion.out + "x" + expansion.in);
    }
    for (float v : projection.b) {
      if (v != 0) {
        throw new IllegalArgumentException("the projection of a factored map has no biases");
      }
    }
    return new LinearMap(projection, expansion);
  }

  /** Whether this map is {@code U V} ({@link #factored}). */
  public boolean isFactored() {
    return projection != null;
  }

  /** The inner dimension {@code r} of a factored map; {@code min(out, in)} for a dense one. */
  public int rank() {
    return isFactored() ? projection.out : Math.min(out, in);
  }

  /** A factored map's {@code V} ({@code r x in}, zero biases). */
  public LinearMap projection() {
    requireFactored();
    return projection;
  }

  /** A factored map's {@code U} ({@code out x r}, with the map's biases). */
  public LinearMap expansion() {
    requireFactored();
    return expansion;
  }

  private void requireFactored() {
    if (!isFactored()) {
      throw new IllegalStateException("a dense map has no factors");
    }
  }

  private static float[][] columns(float[] w, int out, int in) {
    float[][] t = new float[in][out];
    for (int r = 0; r < out; r++) {
      for (int c = 0; c < in; c++) {
        t[c][r] = w[r * in + c];
      }
    }
    return t;
  }

  /** The zero map: adds nothing. */
  public static LinearMap zero(int out, int in) {
    return new LinearMap(out, in, new float[out * in], new float[out]);
  }

  public int outputs() {
    return out;
  }

  public int inputs() {
    return in;
  }

  /** The weights, copied (row-major); of a factored map, the product {@code U V}, summed in double. */
  public float[] weights() {
    if (!isFactored()) {
      return w.clone();
    }
    int r = projection.out;
    double[] u = new double[out * r];
    for (int k = 0; k < u.length; k++) {
      u[k] = expansion.w[k];
    }
    return product(u, out, r, projection.w, in);
  }

  /**
   * {@code A B} as floats, summed in double: {@code a} row-major {@code rows x inner}, {@code b} row-major {@code inner x
   * cols}; the result row-major {@code rows x cols}.
   */
  static float[] product(double[] a, int rows, int inner, float[] b, int cols) {
    double[] row = new double[cols];
    float[] p = new float[rows * cols];
    for (int o = 0; o < rows; o++) {
      java.util.Arrays.fill(row, 0);
      for (int k = 0; k < inner; k++) {
        double aok = a[o * inner + k];
        int bk = k * cols;
        for (int c = 0; c < cols; c++) {
          row[c] += aok * b[bk + c];
        }
      }
      for (int c = 0; c < cols; c++) {
        p[o * cols + c] = (float) row[c];
      }
    }
    return p;
  }

  /** The biases, copied. */
  public float[] biases() {
    return b.clone();
  }

  /**
   * {@code acc += W x + b}. Column by column ({@code acc += x_c W[:, c]}): each step is a short axpy the
   * JIT vectorises, where row-by-row dot products would be sequential float reductions; zero inputs
   * (clipped or empty descriptor cells) are skipped.
   */
  public void applyAdd(float[] x, double[] acc) {
    if (x.length != in || acc.length != out) {
      throw new IllegalArgumentException("input " + x.length + " / output " + acc.length + " for a " + out + "x" + in + " map");
    }
    if (isFactored()) {
      double[] z = new double[projection.out];
      projection.applyAdd(x, z);
      expansion.applyAdd(toFloats(z), acc);
      return;
    }
    float[] sum = new float[out];
    columns1(columns(), 0, in, x, sum);
    for (int r = 0; r < out; r++) {
      acc[r] += (double) sum[r] + b[r];
    }
  }

  /**
   * {@code acc[i] += W x[i] + b} for the first {@code n} inputs: {@link #applyAdd} on each, with the weights
   * read once per tile of {@link #TILE} input columns for the whole batch, four inputs per pass over a
   * column, instead of once per input (a single product streams the whole matrix from memory for a few
   * operations per weight). Each output sums its terms in the same order as {@link #applyAdd}, so the results
   * are the same to the last bit (a zero input skipped there adds a signed zero here).
   */
  public void applyAddAll(float[][] x, double[][] acc, int n) {
    if (n < 0 || n > x.length || n > acc.length) {
      throw new IllegalArgumentException(n + " inputs asked of " + x.length + " / " + acc.length);
    }
    for (int i = 0; i < n; i++) {
      if (x[i].length != in || acc[i].length != out) {
        throw new IllegalArgumentException("input " + i + ": " + x[i].length + " / output " + acc[i].length + " for a "
            + out + "x" + in + " map");
      }
    }
    if (isFactored()) {
      double[][] z = new double[n][projection.out];
      projection.applyAddAll(x, z, n);
      float[][] zf = new float[n][];
      for (int i = 0; i < n; i++) {
        zf[i] = toFloats(z[i]);
      }
      expansion.applyAddAll(zf, acc, n);
    } else if (org.facealign.feature.Simd.ENABLED) {
      productsVector(x, acc, n);
    } else {
      productsScalar(x, acc, n);
    }
  }

  /** {@link #applyAddAll} on {@link VectorProducts}; only with the Vector API present. */
  void productsVector(float[][] x, double[][] acc, int n) {
    int stride = VectorProducts.stride(out);
    float[][] sums = new float[n][stride];
    VectorProducts.products(vectorColumns(), stride, in, x, n, sums);
    addBiases(sums, acc, n);
  }

  /** {@link #applyAddAll} in loops the JIT vectorises by itself. */
  void productsScalar(float[][] x, double[][] acc, int n) {
    float[][] w = columns();
    float[][] sums = new float[n][out];
    for (int c0 = 0; c0 < in; c0 += TILE) {
      int c1 = Math.min(in, c0 + TILE);
      int i = 0;
      for (; i + 4 <= n; i += 4) {
        columns4(w, c0, c1, x[i], x[i + 1], x[i + 2], x[i + 3], sums[i], sums[i + 1], sums[i + 2], sums[i + 3]);
      }
      for (; i < n; i++) {
        columns1(w, c0, c1, x[i], sums[i]);
      }
    }
    addBiases(sums, acc, n);
  }

  /** The projection's outputs, which are float sums plus zero biases: exact as floats. */
  private static float[] toFloats(double[] z) {
    float[] f = new float[z.length];
    for (int k = 0; k < z.length; k++) {
      f[k] = (float) z[k];
    }
    return f;
  }

  private void addBiases(float[][] sums, double[][] acc, int n) {
    for (int i = 0; i < n; i++) {
      for (int r = 0; r < out; r++) {
        acc[i][r] += (double) sums[i][r] + b[r];
      }
    }
  }

  /** Input columns per tile of {@link #applyAddAll}: 128 columns of a 136-output layer are 70 kB of weights. */
  static final int TILE = 128;

  /** {@code s += W[:, c] x_c} for the columns {@code c0 <= c < c1}, zero inputs skipped. */
  private static void columns1(float[][] w, int c0, int c1, float[] x, float[] s) {
    for (int c = c0; c < c1; c++) {
      float xc = x[c];
      if (xc != 0) {
        axpy(w[c], xc, s);
      }
    }
  }

  private static void axpy(float[] col, float a, float[] s) {
    for (int r = 0; r < s.length; r++) {
      s[r] += col[r] * a;
    }
  }

  /** {@link #columns1} for four inputs: one load of each weight serves four products. */
  private static void columns4(float[][] w, int c0, int c1, float[] x0, float[] x1, float[] x2, float[] x3,
      float[] s0, float[] s1, float[] s2, float[] s3) {
    for (int c = c0; c < c1; c++) {
      float a0 = x0[c];
      float a1 = x1[c];
      float a2 = x2[c];
      float a3 = x3[c];
      if (a0 == 0 && a1 == 0 && a2 == 0 && a3 == 0) {
        continue;
      }
      float[] col = w[c];
      for (int r = 0; r < col.length; r++) {
        float v = col[r];
        s0[r] += v * a0;
        s1[r] += v * a1;
        s2[r] += v * a2;
        s3[r] += v * a3;
      }
    }
  }

  private float[] vectorColumns() {
    float[] c = this.vectorCols;
    if (c == null) {
      c = VectorProducts.columns(w, out, in);
      this.vectorCols = c;
    }
    return c;
  }

  private float[][] columns() {
    float[][] c = this.cols;
    if (c == null) {
      c = columns(w, out, in);
      this.cols = c;
    }
    return c;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LinearMap m && m.out == out && m.in == in && Arrays.equals(m.w, w) && Arrays.equals(m.b, b)
        && java.util.Objects.equals(m.projection, projection) && java.util.Objects.equals(m.expansion, expansion);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * Arrays.hashCode(w) + Arrays.hashCode(b)) + java.util.Objects.hashCode(projection);
  }
}

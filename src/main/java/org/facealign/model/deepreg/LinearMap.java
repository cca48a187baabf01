package org.facealign.model.deepreg;

import java.util.Arrays;

/**
 * An affine map {@code y = W x + b} with {@code W} stored row-major as floats: the global layer
 * ({@code W0}, on the HOG) and each local layer ({@code W_t}, on the shape-indexed descriptors) of DeepReg.
 * Immutable (the arrays are copied in and never handed out).
 */
public final class LinearMap implements java.io.Serializable {
  private static final long serialVersionUID = 1L;
  private final int out;
  private final int in;
  private final float[] w;
  /**
   * The same weights input-major ({@code wt[c out + r] = W[r][c]}), for the vectorisable {@link #applyAdd};
   * not serialised (Java or Kryo), rebuilt on first use (a benign race: every thread builds the same array).
   */
  private transient volatile float[] wt;
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
  }

  private static float[] transpose(float[] w, int out, int in) {
    float[] t = new float[w.length];
    for (int r = 0; r < out; r++) {
      for (int c = 0; c < in; c++) {
        t[c * out + r] = w[r * in + c];
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

  /** The weights, copied (row-major). */
  public float[] weights() {
    return w.clone();
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
    float[] wt = this.wt;
    if (wt == null) {
      wt = transpose(w, out, in);
      this.wt = wt;
    }
    float[] sum = new float[out];
    for (int c = 0; c < in; c++) {
      float xc = x[c];
      if (xc != 0) {
        int base = c * out;
        for (int r = 0; r < out; r++) {
          sum[r] += wt[base + r] * xc;
        }
      }
    }
    for (int r = 0; r < out; r++) {
      acc[r] += (double) sum[r] + b[r];
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LinearMap m && m.out == out && m.in == in && Arrays.equals(m.w, w) && Arrays.equals(m.b, b);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(w) + Arrays.hashCode(b);
  }
}

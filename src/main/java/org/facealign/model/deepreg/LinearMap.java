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

  /** {@code acc += W x + b}. */
  public void applyAdd(float[] x, double[] acc) {
    if (x.length != in || acc.length != out) {
      throw new IllegalArgumentException("input " + x.length + " / output " + acc.length + " for a " + out + "x" + in + " map");
    }
    for (int r = 0; r < out; r++) {
      int base = r * in;
      float s = 0;
      float s1 = 0;
      float s2 = 0;
      float s3 = 0;
      int c = 0;
      for (; c + 3 < in; c += 4) {
        s += w[base + c] * x[c];
        s1 += w[base + c + 1] * x[c + 1];
        s2 += w[base + c + 2] * x[c + 2];
        s3 += w[base + c + 3] * x[c + 3];
      }
      for (; c < in; c++) {
        s += w[base + c] * x[c];
      }
      acc[r] += (double) s + s1 + s2 + s3 + b[r];
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

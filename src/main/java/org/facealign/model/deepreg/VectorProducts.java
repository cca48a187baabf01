package org.facealign.model.deepreg;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The products of {@link LinearMap#applyAddAll} with explicit SIMD (the JDK's Vector API, incubating in JDK 17):
 * a register-blocked kernel that holds the partial sums of four inputs x three vectors of outputs in
 * registers while it walks the input columns, where the auto-vectorised loop of {@link LinearMap} loads and
 * stores every partial sum for each column. Used only when the JVM runs with {@code --add-modules
 * jdk.incubator.vector} (see {@link #AVAILABLE}); otherwise this class is never loaded.
 *
 * <p>The weights are one flat array of columns, each padded with zeros to a whole number of vectors
 * ({@code wt[c * stride + r] = W[r][c]}); the columns are walked in chunks that stay in the core's cache while
 * every input of the batch passes over them. Each output sums {@code W[r][c] x_c} in increasing {@code c},
 * with a rounded product then a rounded sum (no fused multiply-add), which is the order and rounding of the
 * scalar loop: the results are the same to the last bit.
 */
final class VectorProducts {
  private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
  /** Floats per vector: 16 with AVX-512, 8 with AVX2. */
  static final int LANES = SPECIES.length();
  /** Input columns per chunk: 256 columns of 144 floats are 147 kB of weights. */
  private static final int CHUNK = 256;

  private VectorProducts() {}

  /** Floats per padded column for {@code out} outputs: a whole number of vectors. */
  static int stride(int out) {
    return (out + LANES - 1) / LANES * LANES;
  }

  /** {@code W}, row-major {@code out x in}, as padded columns of {@link #stride} floats. */
  static float[] columns(float[] w, int out, int in) {
    int stride = stride(out);
    float[] t = new float[in * stride];
    for (int r = 0; r < out; r++) {
      for (int c = 0; c < in; c++) {
        t[c * stride + r] = w[r * in + c];
      }
    }
    return t;
  }

  /**
   * {@code sums[i][r] += sum over c of W[r][c] x[i][c]} for the first {@code n} inputs; {@code sums[i]} has
   * {@link #stride} floats (the padding comes out zero plus zero).
   */
  static void products(float[] wt, int stride, int in, float[][] x, int n, float[][] sums) {
    int vectors = stride / LANES;
    for (int c0 = 0; c0 < in; c0 += CHUNK) {
      int c1 = Math.min(in, c0 + CHUNK);
      int i = 0;
      for (; i + 4 <= n; i += 4) {
        int v = 0;
        for (; v + 3 <= vectors; v += 3) {
          block4x3(wt, stride, c0, c1, v * LANES, x[i], x[i + 1], x[i + 2], x[i + 3], sums[i], sums[i + 1],
              sums[i + 2], sums[i + 3]);
        }
        for (; v < vectors; v++) {
          block4x1(wt, stride, c0, c1, v * LANES, x[i], x[i + 1], x[i + 2], x[i + 3], sums[i], sums[i + 1],
              sums[i + 2], sums[i + 3]);
        }
      }
      for (; i < n; i++) {
        int v = 0;
        for (; v + 3 <= vectors; v += 3) {
          block1x3(wt, stride, c0, c1, v * LANES, x[i], sums[i]);
        }
        for (; v < vectors; v++) {
          block1x1(wt, stride, c0, c1, v * LANES, x[i], sums[i]);
        }
      }
    }
  }

  /** Four inputs, outputs {@code r0 .. r0 + 3 LANES}, columns {@code c0 .. c1}: twelve sums in registers. */
  private static void block4x3(float[] wt, int stride, int c0, int c1, int r0, float[] x0, float[] x1, float[] x2,
      float[] x3, float[] s0, float[] s1, float[] s2, float[] s3) {
    int r1 = r0 + LANES;
    int r2 = r1 + LANES;
    FloatVector a00 = FloatVector.fromArray(SPECIES, s0, r0);
    FloatVector a01 = FloatVector.fromArray(SPECIES, s0, r1);
    FloatVector a02 = FloatVector.fromArray(SPECIES, s0, r2);
    FloatVector a10 = FloatVector.fromArray(SPECIES, s1, r0);
    FloatVector a11 = FloatVector.fromArray(SPECIES, s1, r1);
    FloatVector a12 = FloatVector.fromArray(SPECIES, s1, r2);
    FloatVector a20 = FloatVector.fromArray(SPECIES, s2, r0);
    FloatVector a21 = FloatVector.fromArray(SPECIES, s2, r1);
    FloatVector a22 = FloatVector.fromArray(SPECIES, s2, r2);
    FloatVector a30 = FloatVector.fromArray(SPECIES, s3, r0);
    FloatVector a31 = FloatVector.fromArray(SPECIES, s3, r1);
    FloatVector a32 = FloatVector.fromArray(SPECIES, s3, r2);
    for (int c = c0; c < c1; c++) {
      int o = c * stride;
      FloatVector w0 = FloatVector.fromArray(SPECIES, wt, o + r0);
      FloatVector w1 = FloatVector.fromArray(SPECIES, wt, o + r1);
      FloatVector w2 = FloatVector.fromArray(SPECIES, wt, o + r2);
      FloatVector b0 = FloatVector.broadcast(SPECIES, x0[c]);
      FloatVector b1 = FloatVector.broadcast(SPECIES, x1[c]);
      FloatVector b2 = FloatVector.broadcast(SPECIES, x2[c]);
      FloatVector b3 = FloatVector.broadcast(SPECIES, x3[c]);
      a00 = a00.add(w0.mul(b0));
      a01 = a01.add(w1.mul(b0));
      a02 = a02.add(w2.mul(b0));
      a10 = a10.add(w0.mul(b1));
      a11 = a11.add(w1.mul(b1));
      a12 = a12.add(w2.mul(b1));
      a20 = a20.add(w0.mul(b2));
      a21 = a21.add(w1.mul(b2));
      a22 = a22.add(w2.mul(b2));
      a30 = a30.add(w0.mul(b3));
      a31 = a31.add(w1.mul(b3));
      a32 = a32.add(w2.mul(b3));
    }
    a00.intoArray(s0, r0);
    a01.intoArray(s0, r1);
    a02.intoArray(s0, r2);
    a10.intoArray(s1, r0);
    a11.intoArray(s1, r1);
    a12.intoArray(s1, r2);
    a20.intoArray(s2, r0);
    a21.intoArray(s2, r1);
    a22.intoArray(s2, r2);
    a30.intoArray(s3, r0);
    a31.intoArray(s3, r1);
    a32.intoArray(s3, r2);
  }

  /**
   * Four inputs, one vector of outputs: the vectors left over after the blocks of three (one of a reduced-rank
   * layer's 64 outputs), each weight vector loaded once for the four inputs. (A block of four vectors, sixteen
   * sums, was faster in {@code LayerBench} but in {@code bench predict} ran its products four times slower in some
   * JVMs than in others.)
   */
  private static void block4x1(float[] wt, int stride, int c0, int c1, int r0, float[] x0, float[] x1, float[] x2,
      float[] x3, float[] s0, float[] s1, float[] s2, float[] s3) {
    FloatVector a0 = FloatVector.fromArray(SPECIES, s0, r0);
    FloatVector a1 = FloatVector.fromArray(SPECIES, s1, r0);
    FloatVector a2 = FloatVector.fromArray(SPECIES, s2, r0);
    FloatVector a3 = FloatVector.fromArray(SPECIES, s3, r0);
    for (int c = c0; c < c1; c++) {
      FloatVector w = FloatVector.fromArray(SPECIES, wt, c * stride + r0);
      a0 = a0.add(w.mul(FloatVector.broadcast(SPECIES, x0[c])));
      a1 = a1.add(w.mul(FloatVector.broadcast(SPECIES, x1[c])));
      a2 = a2.add(w.mul(FloatVector.broadcast(SPECIES, x2[c])));
      a3 = a3.add(w.mul(FloatVector.broadcast(SPECIES, x3[c])));
    }
    a0.intoArray(s0, r0);
    a1.intoArray(s1, r0);
    a2.intoArray(s2, r0);
    a3.intoArray(s3, r0);
  }

  /** One input, three vectors of outputs. */
  private static void block1x3(float[] wt, int stride, int c0, int c1, int r0, float[] x, float[] s) {
    int r1 = r0 + LANES;
    int r2 = r1 + LANES;
    FloatVector a0 = FloatVector.fromArray(SPECIES, s, r0);
    FloatVector a1 = FloatVector.fromArray(SPECIES, s, r1);
    FloatVector a2 = FloatVector.fromArray(SPECIES, s, r2);
    for (int c = c0; c < c1; c++) {
      int o = c * stride;
      FloatVector b = FloatVector.broadcast(SPECIES, x[c]);
      a0 = a0.add(FloatVector.fromArray(SPECIES, wt, o + r0).mul(b));
      a1 = a1.add(FloatVector.fromArray(SPECIES, wt, o + r1).mul(b));
      a2 = a2.add(FloatVector.fromArray(SPECIES, wt, o + r2).mul(b));
    }
    a0.intoArray(s, r0);
    a1.intoArray(s, r1);
    a2.intoArray(s, r2);
  }

  /** One input, one vector of outputs. */
  private static void block1x1(float[] wt, int stride, int c0, int c1, int r0, float[] x, float[] s) {
    FloatVector a = FloatVector.fromArray(SPECIES, s, r0);
    for (int c = c0; c < c1; c++) {
      a = a.add(FloatVector.fromArray(SPECIES, wt, c * stride + r0).mul(FloatVector.broadcast(SPECIES, x[c])));
    }
    a.intoArray(s, r0);
  }
}

package org.facealign.model.msrrn.infer;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A constant {@code rows x cols} float matrix (row-major), the weights W of a dense layer {@code C = A · W} at
 * inference, read once out of the trained network.
 *
 * <p>Two ways to multiply, with the same result up to float rounding: {@link #multiplyJava} is a plain loop (each
 * row of A times W, accumulated row of W after row of W into a zero-offset row buffer, so the innermost loop
 * reads two arrays at the same index and the JIT vectorises it); {@link #multiplyNd4j} copies A into an ND4J
 * array and runs one BLAS sgemm. The Java loop has no call or copy overhead and reads W once per row of A: it
 * wins for a few rows (a few faces), BLAS for many. {@link #multiply} runs up to {@value #JAVA_MAX_ROWS} rows in
 * Java (measured on one core of an AVX-512 VM: for 1 face Java is about twice as fast as BLAS, for 32 faces
 * BLAS is 5-15 times faster).
 *
 * <p>Thread-safe: the values never change, and the ND4J copy is made once, on first use. No raw pointers into
 * ND4J's buffers: values go in through {@code Nd4j.create} and come out through {@code DataBuffer.asFloat}, so
 * any backend works; the temporary arrays are closed at once.
 */
public final class FloatMatrix {
  /** Most rows of A {@link #multiply} runs in Java. */
  public static final int JAVA_MAX_ROWS = 4;

  private final float[] values;
  /** The rows of W as separate arrays, for the Java loop. */
  private final float[][] rowArrays;
  private final int rows;
  private final int cols;
  private volatile INDArray nd;

  /** Wraps {@code values} ({@code rows x cols}, row-major; not copied, not to be changed). */
  public FloatMatrix(float[] values, int rows, int cols) {
    if (values.length != rows * cols) {
      throw new IllegalArgumentException(values.length + " values for a " + rows + "x" + cols + " matrix");
    }
    this.values = values;
    this.rows = rows;
    this.cols = cols;
    this.rowArrays = new float[rows][];
    for (int r = 0; r < rows; r++) {
      rowArrays[r] = Arrays.copyOfRange(values, r * cols, (r + 1) * cols);
    }
  }

  /** The values of a 2-d ND4J array, any order and data type, as a row-major float matrix. */
  public static FloatMatrix of(INDArray a) {
    if (a.rank() != 2) {
      throw new IllegalArgumentException("a matrix expected, got shape " + Arrays.toString(a.shape()));
    }
    return new FloatMatrix(values(a), (int) a.size(0), (int) a.size(1));
  }

  /** All values of {@code a} in row-major order, as floats. */
  public static float[] values(INDArray a) {
    try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces();
        INDArray f = a.castTo(DataType.FLOAT).dup('c')) {
      return f.data().asFloat();
    }
  }

  public int rows() {
    return rows;
  }

  public int cols() {
    return cols;
  }

  /** The values, row-major (shared: do not change them). */
  public float[] values() {
    return values;
  }

  /**
   * {@code c[cOff ..] = a[aOff ..] · this} for the {@code m x rows} matrix A at {@code aOff} (row-major), the
   * {@code m x cols} result at {@code cOff}: in Java up to {@code javaMaxRows} rows (normally {@link
   * #JAVA_MAX_ROWS}), else through ND4J.
   */
  public void multiply(float[] a, int aOff, int m, float[] c, int cOff, int javaMaxRows) {
    if (m <= javaMaxRows) {
      multiplyJava(a, aOff, m, c, cOff);
    } else {
      multiplyNd4j(a, aOff, m, c, cOff);
    }
  }

  /** {@link #multiply} in a plain Java loop. */
  public void multiplyJava(float[] a, int aOff, int m, float[] c, int cOff) {
    int k = rows;
    int n = cols;
    float[] acc = new float[n];
    for (int i = 0; i < m; i++) {
      int ao = aOff + i * k;
      Arrays.fill(acc, 0f);
      for (int r = 0; r < k; r++) {
        float v = a[ao + r];
        if (v == 0) {
          continue; // rectified inputs are often exactly zero
        }
        float[] w = rowArrays[r];
        for (int j = 0; j < n; j++) {
          acc[j] += v * w[j];
        }
      }
      System.arraycopy(acc, 0, c, cOff + i * n, n);
    }
  }

  /** {@link #multiply} as one ND4J matrix product (sgemm). */
  public void multiplyNd4j(float[] a, int aOff, int m, float[] c, int cOff) {
    int len = m * rows;
    float[] av = aOff == 0 && a.length == len ? a : Arrays.copyOfRange(a, aOff, aOff + len);
    try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces();
        INDArray x = Nd4j.create(av, new long[] {m, rows}, 'c');
        INDArray y = Nd4j.createUninitialized(DataType.FLOAT, m, cols)) {
      Nd4j.gemm(x, nd(), y, false, false, 1.0, 0.0);
      System.arraycopy(y.data().asFloat(), 0, c, cOff, m * cols);
    }
  }

  private INDArray nd() {
    INDArray r = nd;
    if (r == null) {
      synchronized (this) {
        r = nd;
        if (r == null) {
          try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            r = Nd4j.create(values, new long[] {rows, cols}, 'c');
          }
          nd = r;
        }
      }
    }
    return r;
  }
}

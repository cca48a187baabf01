package org.facealign.bench;

import java.util.concurrent.TimeUnit;
import org.facealign.model.deepreg.Cholesky;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The Cholesky factorisation of a local layer's normal equations ({@code d} = 8705: 68 x 128 descriptor values and
 * the bias), by {@link Cholesky} and by LAPACK's {@code potrf} through ND4J, on a random positive definite matrix.
 * {@code potrf} fails on processors where the bundled OpenBLAS picks its Skylake-X kernels; there run it as {@code
 * OPENBLAS_CORETYPE=Haswell submit/bench-jmh.sh CholeskyBench}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx8g", "-Dorg.bytedeco.javacpp.maxbytes=6G",
    "-Dorg.bytedeco.javacpp.maxphysicalbytes=16G"})
@Warmup(iterations = 1)
@Measurement(iterations = 3)
public class CholeskyBench {
  @Param("8705")
  public int d;

  private double[] matrix;

  @Setup
  public void setUp() {
    // B Bᵀ / d + I, B a d x d/2 Gaussian matrix
    try (INDArray b = Nd4j.randn(1L, new long[] {d, d / 2}).castTo(DataType.DOUBLE);
        INDArray a = b.mmul(b.transpose()).divi(d)) {
      matrix = a.data().asDouble();
    }
    for (int i = 0; i < d; i++) {
      matrix[i * d + i] += 1;
    }
  }

  @Benchmark
  public double[] blocked() {
    double[] a = matrix.clone();
    Cholesky.factorLower(a, d);
    return a;
  }

  @Benchmark
  public double[] potrf() {
    try (INDArray g = Nd4j.create(matrix.clone(), new long[] {d, d}, 'f')) {
      Nd4j.getBlasWrapper().lapack().potrf(g, true);
      return g.data().asDouble();
    }
  }
}

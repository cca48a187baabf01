package org.facealign.bench;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.facealign.model.deepreg.NormalEquations;
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
 * Accumulating a local layer's normal equations ({@code d} = 8704 descriptor values per sample, 136 outputs): 8192
 * samples added and sealed into the {@code (d+1)²} Gram matrix, about what each of the two pre-training tasks
 * accumulates per stage. {@code submit/bench-jmh.sh GramBench}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx6g", "-Dorg.bytedeco.javacpp.maxbytes=4G",
    "-Dorg.bytedeco.javacpp.maxphysicalbytes=12G"})
@Warmup(iterations = 1)
@Measurement(iterations = 3)
public class GramBench {
  @Param("8704")
  public int d;

  private static final int SAMPLES = 8192;
  private float[][] x;
  private double[] y;

  @Setup
  public void setUp() {
    Random r = new Random(1);
    x = new float[SAMPLES][d];
    for (float[] row : x) {
      for (int k = 0; k < d; k++) {
        row[k] = (float) Math.abs(r.nextGaussian()) * 0.1f;
      }
    }
    y = new double[136];
  }

  @Benchmark
  public NormalEquations accumulate() {
    NormalEquations ne = new NormalEquations(d, y.length);
    for (float[] row : x) {
      ne.add(row, y);
    }
    return ne.seal();
  }
}

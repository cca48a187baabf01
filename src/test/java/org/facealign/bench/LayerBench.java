package org.facealign.bench;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.facealign.model.deepreg.LinearMap;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One DeepReg local layer (136 x 8704 weights, the default 68 landmarks x 128 descriptor values) applied to
 * one face ({@link LinearMap#applyAdd}) and to a group of 16 faces ({@link LinearMap#applyAddAll}), reported
 * per face; dense random inputs. {@code rank}: 136 the full-rank layer, less a factored one ({@link
 * LinearMap#factored}, random factors). Run with {@code submit/bench-jmh.sh LayerBench}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class LayerBench {
  private static final int GROUP = 16;
  @Param({"136", "96", "48"})
  public int rank;
  private LinearMap layer;
  private float[][] x;
  private double[][] acc;

  @Setup
  public void setUp() {
    Random r = new Random(1);
    int out = 136;
    int in = 8704;
    layer = rank >= out ? new LinearMap(out, in, gaussians(out * in, r), new float[out])
        : LinearMap.factored(new LinearMap(rank, in, gaussians(rank * in, r), new float[rank]),
            new LinearMap(out, rank, gaussians(out * rank, r), new float[out]));
    x = new float[GROUP][in];
    acc = new double[GROUP][out];
    for (float[] v : x) {
      for (int i = 0; i < in; i++) {
        v[i] = r.nextFloat();
      }
    }
  }

  private static float[] gaussians(int n, Random r) {
    float[] w = new float[n];
    for (int i = 0; i < n; i++) {
      w[i] = (float) (1e-3 * r.nextGaussian());
    }
    return w;
  }

  @Benchmark
  public double[] oneFace() {
    layer.applyAdd(x[0], acc[0]);
    return acc[0];
  }

  @Benchmark
  @OperationsPerInvocation(GROUP)
  public double[][] perFaceInAGroupOf16() {
    layer.applyAddAll(x, acc, GROUP);
    return acc;
  }
}

package org.facealign.bench;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.facealign.model.msrrn.infer.ChannelConv;
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
 * MSRRN's recurrent convolutions on one block of 16 patches ({@link ChannelConv#multiply} to 16 output channels):
 * the first, 9 taps at 16 x 13 x 13 padded positions, and the second, 144 taps at 16 x 7 x 7, in µs per block
 * (the explicit SIMD kernel when the JVM has {@code jdk.incubator.vector}, as {@code submit/bench-jmh.sh} starts
 * it; {@code -jvmArgsAppend -Dfacealign.vector-api=false} times the plain loop). Run with {@code
 * submit/bench-jmh.sh ConvBench}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ConvBench {
  /** Taps and padded output positions of the block: {@code 9:2704} (conv1) or {@code 144:784} (conv2). */
  @Param({"9:2704", "144:784"})
  public String shape;

  private static final int OUT = 16;
  private int taps;
  private int m;
  private float[][] x;
  private float[] w;
  private float[][] z;

  @Setup
  public void setUp() {
    taps = Integer.parseInt(shape.split(":")[0]);
    m = Integer.parseInt(shape.split(":")[1]);
    Random r = new Random(1);
    x = new float[taps][m];
    for (float[] row : x) {
      for (int i = 0; i < m; i++) {
        row[i] = (float) r.nextGaussian();
      }
    }
    w = new float[taps * OUT];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) r.nextGaussian();
    }
    z = new float[OUT][m];
  }

  @Benchmark
  public float[][] multiply() {
    ChannelConv.multiply(x, taps, w, OUT, z, m);
    return z;
  }
}

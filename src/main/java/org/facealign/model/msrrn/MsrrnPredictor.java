package org.facealign.model.msrrn;

import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.facealign.data.GrayImage;
import org.facealign.model.msrrn.graph.MsrrnGraph;
import org.facealign.model.msrrn.infer.FloatMatrix;
import org.facealign.model.msrrn.infer.InitialiserForward;
import org.facealign.model.msrrn.infer.RecurrentForward;

/**
 * MSRRN inference without DL4J: the initialiser CNN ({@link InitialiserForward}) and the T recurrent stages
 * ({@link RecurrentForward}) in plain Java floats, with BLAS products through ND4J where they are large, on
 * weights read once out of a trained {@link MsrrnGraph}. It gives the graph's shapes S0 .. ST ({@link
 * MsrrnGraph#predictBatch}) up to float rounding, at a fraction of the cost: no graph, workspaces or per-layer
 * arrays, and nothing converted to double and back.
 *
 * <p>Thread-safe: the weights never change, and each thread has its own working arrays (a {@link ThreadLocal},
 * kept between calls). Training still runs the graph; a predictor reflects the graph's weights when it was made.
 */
public final class MsrrnPredictor {
  private final InitialiserForward cnn;
  private final RecurrentForward rrn;
  private final int[] sizes;
  private final int javaMaxRows;
  private final ThreadLocal<Work> work = ThreadLocal.withInitial(Work::new);

  private static final class Work {
    final InitialiserForward.Work cnn = new InitialiserForward.Work();
    final RecurrentForward.Work rrn = new RecurrentForward.Work();
    float[][] crops = new float[0][];
    float[] s0 = new float[0];
  }

  /**
   * Reads the weights of {@code g}.
   *
   * @throws UnsupportedOperationException if its initialiser is not of a form this class computes
   */
  public MsrrnPredictor(ComputationGraph g) {
    this(g, FloatMatrix.JAVA_MAX_ROWS);
  }

  /**
   * As {@link #MsrrnPredictor(ComputationGraph)}, the dense layers in Java for up to {@code javaMaxRows} faces
   * per call and through BLAS for more (0: always BLAS; {@code Integer.MAX_VALUE}: always Java).
   */
  public MsrrnPredictor(ComputationGraph g, int javaMaxRows) {
    this.javaMaxRows = javaMaxRows;
    this.sizes = MsrrnGraph.vertex(g).getCropSizes();
    this.cnn = new InitialiserForward(g, sizes[0]);
    this.rrn = new RecurrentForward(g);
  }

  /** Recurrent stages T. */
  public int stages() {
    return sizes.length;
  }

  /**
   * The shapes S0 .. ST of each face, {@code [face][stage 0..T][2P]}, unit frame, as {@link
   * MsrrnGraph#predictBatch} on the crops of {@link MsrrnGraph#input}.
   *
   * @param faces each face's crops, coarse to fine (at least T, of the graph's sizes); raw grey levels
   */
  public double[][][] predict(List<GrayImage[]> faces) {
    return predict(faces, null);
  }

  /**
   * As {@link #predict(List)}, adding the nanoseconds of each phase to {@code ns} if given ({@code [normalise,
   * initialiser, stage 1 .. T]}, T + 2 values).
   */
  public double[][][] predict(List<GrayImage[]> faces, long[] ns) {
    long clock = ns == null ? 0 : System.nanoTime();
    int batch = faces.size();
    int stages = sizes.length;
    int out = 2 * rrn.points();
    Work w = work.get();
    if (w.crops.length < stages) {
      w.crops = new float[stages][0];
    }
    for (int t = 0; t < stages; t++) {
      int s = sizes[t];
      w.crops[t] = grow(w.crops[t], batch * s * s);
      for (int i = 0; i < batch; i++) {
        GrayImage[] f = faces.get(i);
        if (f.length < stages || f[t].width() != s || f[t].height() != s) {
          throw new IllegalArgumentException("face " + i + ": " + stages + " crops of " + java.util.Arrays.toString(
              sizes) + " px expected");
        }
        f[t].copyTo(w.crops[t], i * s * s);
        normalise(w.crops[t], i * s * s, s * s);
      }
    }
    clock = lap(ns, 0, clock);
    w.s0 = grow(w.s0, batch * out);
    cnn.forward(w.crops[0], batch, w.cnn, w.s0, javaMaxRows);
    double[] shapes = new double[batch * out];
    for (int i = 0; i < shapes.length; i++) {
      shapes[i] = w.s0[i];
    }
    double[][][] r = new double[batch][stages + 1][];
    for (int i = 0; i < batch; i++) {
      r[i][0] = java.util.Arrays.copyOfRange(shapes, i * out, (i + 1) * out);
    }
    clock = lap(ns, 1, clock);
    for (int t = 0; t < stages; t++) {
      rrn.stage(w.crops[t], sizes[t], shapes, batch, w.rrn, javaMaxRows);
      for (int i = 0; i < batch; i++) {
        r[i][t + 1] = java.util.Arrays.copyOfRange(shapes, i * out, (i + 1) * out);
      }
      clock = lap(ns, 2 + t, clock);
    }
    return r;
  }

  private static long lap(long[] ns, int phase, long since) {
    if (ns == null) {
      return since;
    }
    long now = System.nanoTime();
    ns[phase] += now - since;
    return now;
  }

  private static float[] grow(float[] v, int len) {
    return v.length >= len ? v : new float[len];
  }

  /**
   * {@link MsrrnGraph#input}'s normalisation {@code (grey − mean) / scale} in place on {@code len} values from
   * {@code off}, in float, in a loop the JIT vectorises: the difference is rounded once and the scale (64) is a
   * power of two, so the values are those of the graph's double arithmetic cast to float (but for a rare double
   * rounding there).
   */
  private static void normalise(float[] v, int off, int len) {
    for (int j = off; j < off + len; j++) {
      v[j] = (v[j] - MEAN) / SCALE;
    }
  }

  private static final float MEAN = (float) MsrrnGraph.PIXEL_MEAN;
  private static final float SCALE = (float) MsrrnGraph.PIXEL_SCALE;
}

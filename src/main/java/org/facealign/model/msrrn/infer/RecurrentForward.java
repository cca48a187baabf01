package org.facealign.model.msrrn.infer;

import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.facealign.model.msrrn.graph.MsrrnGraph;
import org.facealign.model.msrrn.graph.RecurrentRegressionVertex;
import org.facealign.model.msrrn.kernel.PatchKernels;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The inference forward pass of one stage of MSRRN's recurrent regression network ({@link
 * RecurrentRegressionVertex}: patches at the landmarks, two 3x3 convolutions each with bias, rectifier and 2x2
 * max-pooling, fc1 with rectifier, fc2) in plain Java floats, its shared weights read once out of a trained graph.
 * It computes what the vertex's forward pass computes, in float where the vertex's Java parts use double.
 *
 * <p>The patches run in blocks of {@value #BLOCK} (all faces' landmarks one after the other), so a block's
 * working arrays stay in the cache: sampling ({@link PatchKernels#grid}'s positions, bilinear values) and the
 * optional standardisation, then each convolution on zero-padded maps ({@link Padded}, whose taps are the
 * channels read at fixed offsets: no im2col) as a product on maps stored channel by channel ({@link
 * ChannelConv#multiply}), and bias, rectifier and pooling, the second pooling writing the landmark features in the
 * vertex's order ({@code [landmark][channel][y][x]}). fc1 and fc2 then run once over the whole batch
 * ({@link FloatMatrix#multiply}: Java for a few faces, BLAS for many).
 *
 * <p>Immutable and thread-safe; the working arrays are the caller's ({@link Work}).
 */
public final class RecurrentForward {
  /** Patches per block: the second convolution's output channels then fit the L1 cache. */
  static final int BLOCK = 16;

  private final int points;
  private final int p;
  private final int q1;
  private final int q2;
  private final int c;
  private final int h;
  private final int out;
  private final int feat;
  private final boolean patchNorm;
  private final float leak;
  /** The padded layouts of a block's patches (conv1) and of their pooled maps (conv2). */
  private final Padded g1;
  private final Padded g2;
  /** The windows each pooling keeps, and where each goes: conv1's into g2's layout, conv2's to the features. */
  private final PoolIndex pool1;
  private final PoolIndex pool2;
  private final float[] w1;
  private final float[] w2;
  private final FloatMatrix wf1;
  private final FloatMatrix wf2;
  private final float[] b1;
  private final float[] b2;
  private final float[] bf1;
  private final float[] bf2;

  /** Reusable working arrays of one thread. */
  public static final class Work {
    float[] patches = new float[0];
    float[][] in1;
    float[][] taps1;
    int[] off1;
    float[][] z1;
    float[][] in2;
    float[][] taps2;
    int[] off2;
    float[][] z2;
    float[] rows;
    float[] features = new float[0];
    float[] hidden = new float[0];
    float[] inc = new float[0];
    int[] x0;
    double[] ax;
    int[] y0;
    double[] ay;
    /** The crop's rows a patch reads, interpolated along x at the patch's columns. */
    double[] across;

    static float[] grow(float[] v, int len) {
      return v.length >= len ? v : new float[len];
    }
  }

  /** Reads the recurrent network's shared weights out of {@code g}. */
  public RecurrentForward(ComputationGraph g) {
    RecurrentRegressionVertex v = MsrrnGraph.vertex(g);
    Map<String, INDArray> prm = MsrrnGraph.sharedParameters(g);
    this.points = v.getPoints();
    this.p = v.getPatchSize();
    this.q1 = p / 2;
    this.q2 = p / 4;
    this.c = v.getChannels();
    this.h = v.getHidden();
    this.out = 2 * points;
    this.feat = Math.toIntExact(v.featureLength());
    this.patchNorm = v.isPatchNormalisation();
    this.leak = (float) v.getLeakySlope();
    this.g1 = new Padded(p, BLOCK);
    this.g2 = new Padded(q1, BLOCK);
    this.pool1 = new PoolIndex(g1, g2, 0);
    this.pool2 = new PoolIndex(g2, null, c);
    if (!(leak >= 0 && leak <= 1)) {
      // rect() is max(v, leak v), the leaky rectifier only for a slope in [0, 1]
      throw new UnsupportedOperationException("leaky slope " + leak + " outside [0, 1]");
    }
    // the kernels [3, 3, c_in, c_out] are [(ky, kx, c_in), c_out] matrices row-major
    this.w1 = FloatMatrix.values(prm.get(RecurrentRegressionVertex.CONV1_W));
    this.w2 = FloatMatrix.values(prm.get(RecurrentRegressionVertex.CONV2_W));
    this.wf1 = new FloatMatrix(FloatMatrix.values(prm.get(RecurrentRegressionVertex.FC1_W)), feat, h);
    this.wf2 = new FloatMatrix(FloatMatrix.values(prm.get(RecurrentRegressionVertex.FC2_W)), h, out);
    this.b1 = FloatMatrix.values(prm.get(RecurrentRegressionVertex.CONV1_B));
    this.b2 = FloatMatrix.values(prm.get(RecurrentRegressionVertex.CONV2_B));
    this.bf1 = FloatMatrix.values(prm.get(RecurrentRegressionVertex.FC1_B));
    this.bf2 = FloatMatrix.values(prm.get(RecurrentRegressionVertex.FC2_B));
  }

  /** Landmarks P. */
  public int points() {
    return points;
  }

  /**
   * One stage on {@code batch} faces: adds the stage's increment to {@code shapes} ({@code [batch, 2P]}, unit
   * frame, updated in place), the patches read from {@code crops} ({@code [batch, size, size]} row-major,
   * normalised grey levels). fc1 and fc2 run in Java up to {@code javaMaxRows} faces, else through BLAS ({@link
   * FloatMatrix#multiply}).
   */
  public void stage(float[] crops, int size, double[] shapes, int batch, Work w, int javaMaxRows) {
    int n = batch * points;
    int pp = p * p;
    w.features = Work.grow(w.features, batch * feat);
    w.patches = Work.grow(w.patches, BLOCK * pp);
    if (w.in1 == null) {
      // zeroed once: only the map pixels are ever written, so the padding stays zero
      w.in1 = new float[1][g1.length];
      w.in2 = new float[c][g2.length];
      w.taps1 = new float[9][];
      w.off1 = new int[9];
      g1.taps(w.in1, 1, w.taps1, w.off1);
      w.z1 = new float[c][g1.outputs];
      w.taps2 = new float[9 * c][];
      w.off2 = new int[9 * c];
      g2.taps(w.in2, c, w.taps2, w.off2);
      w.z2 = new float[c][g2.outputs];
      w.rows = new float[g1.outputs];
    }
    if (w.x0 == null || w.x0.length != p) {
      w.x0 = new int[p];
      w.ax = new double[p];
      w.y0 = new int[p];
      w.ay = new double[p];
      w.across = new double[(p + 1) * p];
    }
    for (int n0 = 0; n0 < n; n0 += BLOCK) {
      int m = Math.min(n, n0 + BLOCK) - n0;
      sample(crops, size, shapes, n0, m, w);
      if (patchNorm) {
        standardise(w.patches, m, pp);
      }
      float[] in1 = w.in1[0];
      for (int i = 0; i < m; i++) {
        for (int y = 0; y < p; y++) {
          System.arraycopy(w.patches, i * pp + y * p, in1, g1.at(i, y, 0), p);
        }
      }
      // conv1: 9 taps of 1 channel to c channels, then bias, rectifier, pooling into conv2's padded input
      ChannelConv.multiply(w.taps1, w.off1, 9, w1, c, w.z1, m * g1.perMap);
      for (int k = 0; k < c; k++) {
        pool(w.z1[k], w.rows, m, g1, pool1, b1[k], w.in2[k], 0);
      }
      // conv2: 9 c taps to c channels, pooled into the landmark features [patch][channel][y][x]
      ChannelConv.multiply(w.taps2, w.off2, 9 * c, w2, c, w.z2, m * g2.perMap);
      for (int k = 0; k < c; k++) {
        pool(w.z2[k], w.rows, m, g2, pool2, b2[k], w.features, (n0 * c + k) * q2 * q2);
      }
    }
    w.hidden = Work.grow(w.hidden, batch * h);
    wf1.multiply(w.features, 0, batch, w.hidden, 0, javaMaxRows);
    for (int b = 0; b < batch; b++) {
      for (int j = 0; j < h; j++) {
        float v = w.hidden[b * h + j] + bf1[j];
        w.hidden[b * h + j] = Math.max(v, leak * v);
      }
    }
    w.inc = Work.grow(w.inc, batch * out);
    wf2.multiply(w.hidden, 0, batch, w.inc, 0, javaMaxRows);
    for (int b = 0; b < batch; b++) {
      for (int j = 0; j < out; j++) {
        shapes[b * out + j] += (double) (w.inc[b * out + j] + bf2[j]);
      }
    }
  }

  /** The patches {@code n0 .. n0 + m - 1} (patch {@code b P + k}: landmark k of face b) into {@code w.patches}. */
  private void sample(float[] crops, int size, double[] shapes, int n0, int m, Work w) {
    int pp = p * p;
    for (int i = 0; i < m; i++) {
      int patch = n0 + i;
      int b = patch / points;
      int img = b * size * size;
      PatchKernels.grid(shapes[2 * patch], size, p, w.x0, w.ax, null);
      PatchKernels.grid(shapes[2 * patch + 1], size, p, w.y0, w.ay, null);
      // the rows the patch reads (y0 is non-decreasing: y0[0] .. y0[p - 1] + 1), each interpolated along x once
      int first = w.y0[0];
      int rows = w.y0[p - 1] + 2 - first;
      for (int y = 0; y < rows; y++) {
        int row = img + (first + y) * size;
        for (int j = 0; j < p; j++) {
          int x = w.x0[j];
          double a = w.ax[j];
          w.across[y * p + j] = (1 - a) * crops[row + x] + a * crops[row + x + 1];
        }
      }
      int o = i * pp;
      for (int r = 0; r < p; r++) {
        int top = (w.y0[r] - first) * p;
        int bottom = top + p;
        double bw = w.ay[r];
        for (int j = 0; j < p; j++) {
          w.patches[o + r * p + j] = (float) ((1 - bw) * w.across[top + j] + bw * w.across[bottom + j]);
        }
      }
    }
  }

  /** {@link PatchKernels#standardise} of {@code m} patches in place, sums in double. */
  private static void standardise(float[] v, int m, int len) {
    for (int i = 0; i < m; i++) {
      int o = i * len;
      double mean = 0;
      for (int j = 0; j < len; j++) {
        mean += v[o + j];
      }
      mean /= len;
      double var = 0;
      for (int j = 0; j < len; j++) {
        double d = v[o + j] - mean;
        var += d * d;
      }
      double inv = 1 / Math.sqrt(var / len + RecurrentRegressionVertex.PATCH_EPSILON);
      for (int j = 0; j < len; j++) {
        v[o + j] = (float) ((v[o + j] - mean) * inv);
      }
    }
  }

  /**
   * The padded layout of {@code maps} square maps of side {@code q} for a 3x3 "same" convolution: each map is
   * {@code q + 1} rows of {@code q + 1} values, the last row and column zero, after {@code q + 2} leading zeros.
   * Every pixel's eight neighbours are then at fixed offsets ({@code ±1}, {@code ±(q + 1)}, ...), a neighbour
   * outside its map landing on a zero of the padding (the column after a row is also the one before the next
   * row, the row after a map also the one before the next map). So the convolution needs no im2col: each tap
   * of each channel is the channel read from a fixed offset, and its outputs are computed at every position of
   * the layout, of which the pixels are kept: {@code (q + 1)² / q²} of the work (1.36 for q = 6).
   */
  private static final class Padded {
    final int q;
    final int width;
    final int perMap;
    final int lead;
    final int outputs;
    final int length;

    Padded(int q, int maps) {
      this.q = q;
      this.width = q + 1;
      this.perMap = width * width;
      this.lead = width + 1;
      this.outputs = maps * perMap;
      this.length = lead + outputs + width + 1;
    }

    /** The index of pixel {@code (y, x)} of map {@code i} in the padded layout. */
    int at(int i, int y, int x) {
      return lead + i * perMap + y * width + x;
    }

    /**
     * The taps of a 3x3 convolution of {@code channels} maps in this layout: tap {@code (ky, kx) c + ch} is
     * channel ch shifted by the tap, so it is {@code src[ch]} itself read from offset {@code (ky - 1) width +
     * (kx - 1)} past the leading zeros ({@link ChannelConv#multiply(float[][], int[], int, float[], int,
     * float[][], int)}), no copy.
     */
    void taps(float[][] src, int channels, float[][] taps, int[] off) {
      for (int ky = 0; ky < 3; ky++) {
        for (int kx = 0; kx < 3; kx++) {
          for (int ch = 0; ch < channels; ch++) {
            taps[(ky * 3 + kx) * channels + ch] = src[ch];
            off[(ky * 3 + kx) * channels + ch] = lead + (ky - 1) * width + (kx - 1);
          }
        }
      }
    }
  }

  /**
   * The windows a 2x2 max-pooling of {@value #BLOCK} maps in the padded layout {@code from} keeps (every other
   * one of every other row, map by map, row by row), and where each goes: pooled map i at row y, column x into
   * the padded layout {@code to} if given, else densely at {@code i · stride · (q/2)² + y (q/2) + x}.
   */
  private static final class PoolIndex {
    final int perMap;
    final int[] src;
    final int[] dst;

    PoolIndex(Padded from, Padded to, int stride) {
      int r = from.q / 2;
      perMap = r * r;
      src = new int[BLOCK * perMap];
      dst = new int[BLOCK * perMap];
      int t = 0;
      for (int i = 0; i < BLOCK; i++) {
        for (int y = 0; y < r; y++) {
          for (int x = 0; x < r; x++, t++) {
            src[t] = i * from.perMap + 2 * y * from.width + 2 * x;
            dst[t] = to != null ? to.at(i, y, x) : i * stride * perMap + y * r + x;
          }
        }
      }
    }
  }

  /**
   * Bias, rectifier and 2x2 max-pooling of one channel of {@code m} maps, convolution outputs at the positions
   * of the padded layout {@code g} in {@code z} (as {@code ConvKernels.pool}: the maximum first, the rectifier
   * being monotone): the windows computed at every position into {@code rows} ({@link
   * ChannelConv#poolWindows}), then those {@code index} keeps copied to {@code dst} from {@code dstOff}.
   */
  private void pool(float[] z, float[] rows, int m, Padded g, PoolIndex index, float bias, float[] dst,
      int dstOff) {
    // windows at every position up to the last one kept (row q - 2, column q - 2 of map m - 1)
    ChannelConv.poolWindows(z, (m - 1) * g.perMap + (g.q - 2) * g.width + g.q - 1, g.width, bias, leak, rows);
    int[] src = index.src;
    int[] to = index.dst;
    int n = m * index.perMap;
    for (int t = 0; t < n; t++) {
      dst[dstOff + to[t]] = rows[src[t]];
    }
  }
}

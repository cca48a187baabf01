package org.facealign.model.msrrn.infer;

import java.util.Map;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.facealign.model.msrrn.graph.MsrrnGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The inference forward pass of MSRRN's initialiser CNN ({@link MsrrnGraph}: three convolutions with batch
 * normalisation and ReLU, optionally each followed by a 2x2 max-pooling, then {@code cnnfc} with ReLU and the
 * linear {@code s0}) in plain Java floats, its weights read once out of a trained graph.
 *
 * <p>Maps are kept channel by channel over the whole batch ({@link ChannelConv}). Each convolution is an im2col
 * over all faces times the kernel as a {@code [k² c_in, c_out]} matrix, in Java ({@link ChannelConv#multiply});
 * the inference batch normalisation {@code γ (z − μ) / sqrt(σ² + ε) + β} is folded into the kernel and a bias
 * once, at construction. {@code cnnfc} reads each face's last map flattened channel first ({@code [c, y, x]}),
 * as DL4J flattens it; the dense layers are {@link FloatMatrix} products.
 *
 * <p>Padding is DL4J's {@link ConvolutionMode#Same}: an output side {@code ⌈in / stride⌉} and {@code ⌊((out − 1)
 * stride + k − in) / 2⌋} zero pixels before the first row and column (the rest after the last). The max-pooling
 * of the non-strided form pads only after the last row and column; its inputs are rectified (never negative), so
 * zeros there cannot win over the real values.
 *
 * <p>Immutable and thread-safe; the working arrays are the caller's ({@link Work}).
 */
public final class InitialiserForward {
  /** One convolution block: kernel, folded bias, stride, padding and sizes, and whether a max-pooling follows. */
  private record Conv(float[] kernel, float[] bias, int k, int stride, int pad, int in, int out, int cin,
      int cout, boolean pool, int pooled) {}

  private final Conv[] convs;
  private final int inputSize;
  private final FloatMatrix fc;
  private final float[] fcBias;
  private final FloatMatrix s0;
  private final float[] s0Bias;

  /** Reusable working arrays of one thread. */
  public static final class Work {
    float[][] col = new float[0][];
    final float[][][] z = {new float[0][], new float[0][], new float[0][]};
    final float[][][] pooled = {new float[0][], new float[0][], new float[0][]};
    float[] flat = new float[0];
    float[] hidden = new float[0];

    static float[] grow(float[] v, int len) {
      return v.length >= len ? v : new float[len];
    }
  }

  /**
   * Reads the initialiser's weights out of {@code g} (the crop side of the first stage is the input side).
   *
   * @throws UnsupportedOperationException if the initialiser is not of {@link MsrrnGraph}'s form (Same
   *     convolutions, ReLU, optional batch normalisation and 2x2 max-pooling)
   */
  public InitialiserForward(ComputationGraph g, int inputSize) {
    this.inputSize = inputSize;
    Map<String, org.deeplearning4j.nn.conf.graph.GraphVertex> vertices = g.getConfiguration().getVertices();
    String[] names = {MsrrnGraph.CNN1, MsrrnGraph.CNN2, MsrrnGraph.CNN3};
    String[] pools = {MsrrnGraph.POOL1, MsrrnGraph.POOL2, MsrrnGraph.POOL3};
    convs = new Conv[names.length];
    int size = inputSize;
    int cin = 1;
    for (int i = 0; i < names.length; i++) {
      ConvolutionLayer cl = (ConvolutionLayer) ((LayerVertex) vertices.get(names[i])).getLayerConf().getLayer();
      int k = cl.getKernelSize()[0];
      int stride = cl.getStride()[0];
      if (cl.getConvolutionMode() != ConvolutionMode.Same || cl.getKernelSize()[1] != k || cl.getStride()[1] != stride
          || cl.getDilation()[0] != 1 || cl.getDilation()[1] != 1) {
        throw new UnsupportedOperationException("initialiser convolution " + names[i] + " is not a square Same one");
      }
      INDArray w = g.getLayer(names[i]).getParam("W"); // [c_out, c_in, k, k]
      int cout = (int) w.size(0);
      if (w.size(1) != cin) {
        throw new UnsupportedOperationException(names[i] + " has " + w.size(1) + " input channels, expected " + cin);
      }
      float[] wv = FloatMatrix.values(w);
      float[] scale = new float[cout];
      float[] bias = new float[cout];
      java.util.Arrays.fill(scale, 1f);
      if (cl.hasBias()) {
        bias = FloatMatrix.values(g.getLayer(names[i]).getParam("b"));
      }
      String bnName = names[i] + "_bn";
      if (vertices.containsKey(bnName)) {
        foldBatchNorm(g, bnName, scale, bias);
      }
      // [c_out, c_in, ky, kx] to [(ky, kx, c_in), c_out], scaled per output channel
      float[] km = new float[k * k * cin * cout];
      for (int o = 0; o < cout; o++) {
        for (int c = 0; c < cin; c++) {
          for (int ky = 0; ky < k; ky++) {
            for (int kx = 0; kx < k; kx++) {
              km[((ky * k + kx) * cin + c) * cout + o] = wv[((o * cin + c) * k + ky) * k + kx] * scale[o];
            }
          }
        }
      }
      int out = (size + stride - 1) / stride;
      int pad = Math.max(0, ((out - 1) * stride + k - size) / 2);
      boolean pool = vertices.containsKey(pools[i]);
      int pooled = out;
      if (pool) {
        SubsamplingLayer sl = (SubsamplingLayer) ((LayerVertex) vertices.get(pools[i])).getLayerConf().getLayer();
        if (sl.getPoolingType() != PoolingType.MAX || sl.getKernelSize()[0] != 2 || sl.getKernelSize()[1] != 2
            || sl.getStride()[0] != 2 || sl.getStride()[1] != 2 || sl.getConvolutionMode() != ConvolutionMode.Same) {
          throw new UnsupportedOperationException("initialiser pooling " + pools[i] + " is not a 2x2 Same max-pooling");
        }
        pooled = (out + 1) / 2;
      }
      convs[i] = new Conv(km, bias, k, stride, pad, size, out, cin, cout, pool,
          pooled);
      size = pooled;
      cin = cout;
    }
    // cnnfc reads DL4J's flattening of the last map, [c, y, x]: the order forward() builds
    this.fc = FloatMatrix.of(g.getLayer(MsrrnGraph.CNN_FC).getParam("W"));
    if (fc.rows() != size * size * cin) { // size and cin: the last map's
      throw new UnsupportedOperationException(MsrrnGraph.CNN_FC + " has " + fc.rows() + " inputs, expected "
          + size * size * cin);
    }
    this.fcBias = FloatMatrix.values(g.getLayer(MsrrnGraph.CNN_FC).getParam("b"));
    this.s0 = FloatMatrix.of(g.getLayer(MsrrnGraph.S0).getParam("W"));
    this.s0Bias = FloatMatrix.values(g.getLayer(MsrrnGraph.S0).getParam("b"));
  }

  /** Folds the inference batch normalisation {@code bnName} into the per-channel {@code scale} and {@code bias}. */
  private static void foldBatchNorm(ComputationGraph g, String bnName, float[] scale, float[] bias) {
    BatchNormalization bn = (BatchNormalization) g.getLayer(bnName).conf().getLayer();
    Map<String, INDArray> p = g.getLayer(bnName).paramTable();
    int n = scale.length;
    float[] mean = FloatMatrix.values(p.get("mean"));
    double[] std = new double[n];
    if (p.containsKey("log10stdev")) {
      float[] l = FloatMatrix.values(p.get("log10stdev"));
      for (int i = 0; i < n; i++) {
        std[i] = Math.pow(10, l[i]);
      }
    } else {
      float[] var = FloatMatrix.values(p.get("var"));
      for (int i = 0; i < n; i++) {
        std[i] = Math.sqrt(var[i] + bn.getEps());
      }
    }
    float[] gamma = p.containsKey("gamma") ? FloatMatrix.values(p.get("gamma")) : null;
    float[] beta = p.containsKey("beta") ? FloatMatrix.values(p.get("beta")) : null;
    for (int i = 0; i < n; i++) {
      double gi = gamma != null ? gamma[i] : bn.getGamma();
      double bi = beta != null ? beta[i] : bn.getBeta();
      double s = gi / std[i];
      // γ ((s_old z + b_old) − μ) / std + β
      bias[i] = (float) (s * (bias[i] - mean[i]) + bi);
      scale[i] = (float) (scale[i] * s);
    }
  }

  /** Side of the input crop. */
  public int inputSize() {
    return inputSize;
  }

  /** Length of S0 (2P). */
  public int outputs() {
    return s0.cols();
  }

  /**
   * S0 of {@code batch} faces: {@code crops} holds the normalised input crops, {@code [batch, s, s]} row-major;
   * the shapes go to {@code s0Out}, {@code [batch, 2P]}. The dense layers run in Java up to {@code javaMaxRows}
   * faces, else through BLAS ({@link FloatMatrix#multiply}).
   */
  public void forward(float[] crops, int batch, Work w, float[] s0Out, int javaMaxRows) {
    float[][] in = {crops};
    for (int l = 0; l < convs.length; l++) {
      Conv c = convs[l];
      int m = batch * c.out * c.out;
      int taps = c.k * c.k * c.cin;
      w.col = ChannelConv.grow(w.col, taps, m);
      ChannelConv.im2col(in, c.cin, batch, c.in, c.k, c.stride, c.pad, c.out, w.col);
      w.z[l] = ChannelConv.grow(w.z[l], c.cout, m);
      float[][] z = w.z[l];
      ChannelConv.multiply(w.col, taps, c.kernel, c.cout, z, m);
      for (int o = 0; o < c.cout; o++) {
        float[] zo = z[o];
        float bias = c.bias[o];
        for (int i = 0; i < m; i++) {
          float v = zo[i] + bias;
          zo[i] = v > 0 ? v : 0;
        }
      }
      if (c.pool) {
        w.pooled[l] = ChannelConv.grow(w.pooled[l], c.cout, batch * c.pooled * c.pooled);
        for (int o = 0; o < c.cout; o++) {
          maxPool(z[o], batch, c.out, c.pooled, w.pooled[l][o]);
        }
        z = w.pooled[l];
      }
      in = z;
    }
    Conv last = convs[convs.length - 1];
    int hw = last.pooled * last.pooled;
    int f = hw * last.cout;
    w.flat = Work.grow(w.flat, batch * f);
    for (int b = 0; b < batch; b++) {
      for (int c = 0; c < last.cout; c++) {
        System.arraycopy(in[c], b * hw, w.flat, b * f + c * hw, hw);
      }
    }
    int h = fc.cols();
    w.hidden = Work.grow(w.hidden, batch * h);
    fc.multiply(w.flat, 0, batch, w.hidden, 0, javaMaxRows);
    for (int b = 0; b < batch; b++) {
      for (int j = 0; j < h; j++) {
        float v = w.hidden[b * h + j] + fcBias[j];
        w.hidden[b * h + j] = v > 0 ? v : 0;
      }
    }
    int out = s0.cols();
    s0.multiply(w.hidden, 0, batch, s0Out, 0, javaMaxRows);
    for (int b = 0; b < batch; b++) {
      for (int j = 0; j < out; j++) {
        s0Out[b * out + j] += s0Bias[j];
      }
    }
  }

  /** 2x2 max-pooling, stride 2, of one channel of non-negative maps {@code [side, side]}; a last odd row or column is pooled alone. */
  private static void maxPool(float[] z, int batch, int side, int out, float[] dst) {
    for (int b = 0; b < batch; b++) {
      int base = b * side * side;
      int ob = b * out * out;
      for (int py = 0; py < out; py++) {
        for (int px = 0; px < out; px++) {
          float v = 0;
          for (int y = 2 * py; y < Math.min(side, 2 * py + 2); y++) {
            for (int x = 2 * px; x < Math.min(side, 2 * px + 2); x++) {
              v = Math.max(v, z[base + y * side + x]);
            }
          }
          dst[ob + py * out + px] = v;
        }
      }
    }
  }
}

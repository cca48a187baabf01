package org.facealign.model.msrrn.graph;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.api.Trainable;
import org.deeplearning4j.nn.api.TrainingConfig;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.BaseGraphVertex;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.regularization.Regularization;

/**
 * The computation of {@link RecurrentRegressionVertex}: the T stages of the recurrent regression network with
 * one shared parameter set, forward and backward written by hand.
 *
 * <p>Per stage, the patches are sampled in Java ({@link #sample}, {@link PatchSampler}'s convention) into one
 * {@code [B P, p²]} buffer; each 3x3 convolution is an im2col built in Java (rows: output pixel of one patch,
 * channels last; columns: kernel row, kernel column, input channel) times the kernel as a {@code [9 c_in, c_out]}
 * matrix, one ND4J matrix product over all patches of the batch; bias, ReLU and 2x2 max-pooling run in Java and
 * remember the argmax of every pooled cell (or that the ReLU cut it); fc1 and fc2 are ND4J matrix products.
 * Everything in Java is computed in double; the matrix products run in the network's data type.
 *
 * <p>Backward, from the last stage to the first: with D_t the gradient of the loss in S^t ({@code D_T = E_T},
 * the incoming error's last block), stage t's increment receives D_t; it flows back through fc2, the ReLU, fc1,
 * the second pooling, ReLU and convolution, the first pooling and ReLU, into the shared weights' gradients
 * (summed over the stages). Then {@code D_{t-1} = E_{t-1} + D_t}, plus, with the position gradient, the
 * gradient in S^{t-1} through the patches: the first convolution's input gradient (its transposed product and
 * a col2im), times the bilinear weights' derivative in the sampling position. The shape input receives D_0; the
 * crops receive zeros.
 *
 * <p>Working arrays are detached from DL4J's workspaces and kept between calls (reallocated when the batch size
 * changes); the output and the epsilons are allocated through the graph's workspace manager. The Java code
 * touches ND4J arrays only through ND4J's own operations and {@link HostCopy}, whose bulk transfers synchronise
 * the host and device copies, so the vertex computes the same on the CPU and the CUDA backends.
 */
public class RecurrentRegressionGraphVertex extends BaseGraphVertex implements Trainable {
  private static final long serialVersionUID = 1L;
  /** Patches per block of the Java loops (keeps the staging arrays small). */
  private static final int BLOCK = 64;

  private final RecurrentRegressionVertex conf;
  private final int points;
  private final int stages;
  private final int[] sizes;
  private final int p;
  private final int c;
  private final int h;
  private final int out;
  private final int q1;
  private final int q2;
  private final int feat;
  /** Slope of the rectifiers on negative inputs (0: ReLU). */
  private final double leak;

  private final INDArray params;
  private final Map<String, INDArray> paramTable;
  private final INDArray w1;
  private final INDArray w2;
  private final INDArray wf1;
  private final INDArray wf2;
  private final Map<String, INDArray> biasViews;
  private INDArray gradientView;
  private Map<String, INDArray> gradTable;
  private INDArray gw1;
  private INDArray gw2;
  private INDArray gwf1;
  private INDArray gwf2;
  private final TrainingConfig trainingConfig;

  /** Working state, reallocated when the batch size or the data type changes. */
  private transient Work work;

  public RecurrentRegressionGraphVertex(RecurrentRegressionVertex conf, ComputationGraph graph, String name,
      int index, INDArray paramsView, boolean initializeParams, DataType dataType) {
    super(graph, name, index, null, null, dataType);
    this.conf = conf;
    this.points = conf.getPoints();
    this.stages = conf.getStages();
    this.sizes = conf.getCropSizes();
    this.p = conf.getPatchSize();
    this.c = conf.getChannels();
    this.h = conf.getHidden();
    this.out = 2 * points;
    this.q1 = p / 2;
    this.q2 = p / 4;
    this.feat = Math.toIntExact(conf.featureLength());
    this.leak = conf.getLeakySlope();
    this.params = paramsView;
    this.paramTable = views(paramsView);
    if (initializeParams) {
      initialise(paramTable);
    }
    this.w1 = matrix(paramTable.get(RecurrentRegressionVertex.CONV1_W), 9, c);
    this.w2 = matrix(paramTable.get(RecurrentRegressionVertex.CONV2_W), 9L * c, c);
    this.wf1 = paramTable.get(RecurrentRegressionVertex.FC1_W);
    this.wf2 = paramTable.get(RecurrentRegressionVertex.FC2_W);
    this.biasViews = paramTable;
    String layerName = name;
    this.trainingConfig = new TrainingConfig() {
      @Override
      public String getLayerName() {
        return layerName;
      }

      @Override
      public List<Regularization> getRegularizationByParam(String key) {
        return conf.getRegularizationByParam(key);
      }

      @Override
      public boolean isPretrainParam(String key) {
        return false;
      }

      @Override
      public IUpdater getUpdaterByParam(String key) {
        followLearningRate();
        return conf.getUpdater();
      }

      @Override
      public GradientNormalization getGradientNormalization() {
        return GradientNormalization.None;
      }

      @Override
      public double getGradientNormalizationThreshold() {
        return 1.0;
      }

      @Override
      public void setDataType(DataType dataType) {}
    };
  }

  /**
   * Gives the vertex's updater the learning rate all of the graph's layers share, if they share one and it
   * differs: DL4J's {@code setLearningRate(double)} sets it on the layers only, then rebuilds the updater, which
   * asks this vertex for its updater again. So a learning-rate schedule applied to the graph reaches the shared
   * parameters too.
   */
  private void followLearningRate() {
    IUpdater u = conf.getUpdater();
    if (graph == null || u == null || !u.hasLearningRate() || graph.getLayers() == null) {
      return;
    }
    int iteration = graph.getConfiguration().getIterationCount();
    int epoch = graph.getConfiguration().getEpochCount();
    Double shared = null;
    for (Layer l : graph.getLayers()) {
      if (!(l.conf().getLayer() instanceof BaseLayer bl) || bl.getIUpdater() == null
          || !bl.getIUpdater().hasLearningRate()) {
        continue;
      }
      double lr = bl.getIUpdater().getLearningRate(iteration, epoch);
      if (shared == null) {
        shared = lr;
      } else if (shared != lr) {
        return;
      }
    }
    if (shared != null && !Double.isNaN(shared) && u.getLearningRate(iteration, epoch) != shared) {
      u.setLrAndSchedule(shared, null);
    }
  }

  /** Views of a flat parameter (or gradient) vector, shaped, by key, in the vector's order. */
  private Map<String, INDArray> views(INDArray flat) {
    Map<String, INDArray> m = new LinkedHashMap<>();
    long off = 0;
    INDArray row = flat.reshape(flat.length());
    for (String k : RecurrentRegressionVertex.PARAMETER_KEYS) {
      long[] shape = conf.paramShape(k);
      long len = 1;
      for (long d : shape) {
        len *= d;
      }
      m.put(k, row.get(NDArrayIndex.interval(off, off + len)).reshape('c', shape));
      off += len;
    }
    return Collections.unmodifiableMap(m);
  }

  /** {@code a} (a contiguous row-major view) as a {@code rows x cols} matrix sharing its memory. */
  private static INDArray matrix(INDArray a, long rows, long cols) {
    INDArray m = a.reshape('c', rows, cols);
    double old = a.getDouble(0);
    double probe = old == 2 ? 4 : 2;
    m.putScalar(0, probe);
    boolean shared = a.getDouble(0) == probe;
    m.putScalar(0, old);
    if (!shared) {
      throw new IllegalStateException("parameter view not reshapeable in place");
    }
    return m;
  }

  private void initialise(Map<String, INDArray> t) {
    Random r = new Random(conf.getSeed());
    normal(t.get(RecurrentRegressionVertex.CONV1_W), Math.sqrt(2.0 / 9), r);
    normal(t.get(RecurrentRegressionVertex.CONV2_W), Math.sqrt(2.0 / (9.0 * c)), r);
    normal(t.get(RecurrentRegressionVertex.FC1_W), Math.sqrt(2.0 / feat), r);
    normal(t.get(RecurrentRegressionVertex.FC2_W), RecurrentRegressionVertex.FC2_SCALE, r);
    for (String b : new String[] {RecurrentRegressionVertex.CONV1_B, RecurrentRegressionVertex.CONV2_B,
        RecurrentRegressionVertex.FC1_B, RecurrentRegressionVertex.FC2_B}) {
      t.get(b).assign(0);
    }
  }

  private static void normal(INDArray w, double sd, Random r) {
    double[] v = new double[(int) w.length()];
    for (int i = 0; i < v.length; i++) {
      v[i] = sd * r.nextGaussian();
    }
    try (INDArray tmp = Nd4j.create(v, w.shape(), 'c')) {
      w.assign(tmp);
    }
  }

  // ---------------------------------------------------------------- DL4J plumbing

  @Override
  public String toString() {
    return "RecurrentRegressionGraphVertex(" + vertexName + ", " + conf + ")";
  }

  @Override
  public boolean hasLayer() {
    return false;
  }

  @Override
  public Layer getLayer() {
    return null;
  }

  @Override
  public Map<String, INDArray> paramTable(boolean backpropOnly) {
    return paramTable;
  }

  @Override
  public INDArray params() {
    return params;
  }

  @Override
  public long numParams() {
    return params.length();
  }

  @Override
  public TrainingConfig getConfig() {
    return trainingConfig;
  }

  @Override
  public INDArray getGradientsViewArray() {
    return gradientView;
  }

  @Override
  public boolean updaterDivideByMinibatch(String paramName) {
    return true;
  }

  @Override
  public void setBackpropGradientsViewArray(INDArray view) {
    gradientView = view;
    gradTable = views(view);
    gw1 = matrix(gradTable.get(RecurrentRegressionVertex.CONV1_W), 9, c);
    gw2 = matrix(gradTable.get(RecurrentRegressionVertex.CONV2_W), 9L * c, c);
    gwf1 = gradTable.get(RecurrentRegressionVertex.FC1_W);
    gwf2 = gradTable.get(RecurrentRegressionVertex.FC2_W);
  }

  @Override
  public Pair<INDArray, MaskState> feedForwardMaskArrays(INDArray[] maskArrays, MaskState currentMaskState,
      int minibatchSize) {
    return new Pair<>(null, currentMaskState);
  }

  @Override
  public void clearVertex() {
    clear();
  }

  // ---------------------------------------------------------------- working state

  /** One stage's arrays; those a backward pass needs are kept per stage in training. */
  private static final class Stage {
    double[] image;
    double[] pos;
    double[] patches;
    /** 1 / spread of each patch, with patch normalisation. */
    double[] invSpread;
    INDArray col1;
    INDArray col2;
    INDArray feat;
    INDArray hid;
    double[] hidden;
    double[] pooled;
    double[] features;
    int[] arg1;
    int[] arg2;
  }

  private final class Work {
    final int batch;
    final DataType dt;
    final int n;
    final Stage[] stage;
    final INDArray z1;
    final INDArray z2;
    final INDArray inc;
    final HostCopy io;
    boolean trained;

    Work(int batch, DataType dt) {
      this.batch = batch;
      this.dt = dt;
      this.n = batch * points;
      this.io = new HostCopy(dt);
      try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
        stage = new Stage[stages];
        for (int t = 0; t < stages; t++) {
          Stage s = new Stage();
          s.col1 = Nd4j.createUninitialized(dt, (long) n * p * p, 9);
          s.col2 = Nd4j.createUninitialized(dt, (long) n * q1 * q1, 9L * c);
          s.feat = Nd4j.createUninitialized(dt, batch, feat);
          s.hid = Nd4j.createUninitialized(dt, batch, h);
          s.patches = new double[n * p * p];
          s.invSpread = new double[n];
          s.arg1 = new int[n * q1 * q1 * c];
          s.arg2 = new int[batch * feat];
          s.pooled = new double[n * q1 * q1 * c];
          s.features = new double[batch * feat];
          s.hidden = new double[batch * h];
          stage[t] = s;
        }
        z1 = Nd4j.createUninitialized(dt, (long) n * p * p, c);
        z2 = Nd4j.createUninitialized(dt, (long) n * q1 * q1, c);
        inc = Nd4j.createUninitialized(dt, batch, out);
      }
    }

    void close() {
      for (Stage s : stage) {
        s.col1.close();
        s.col2.close();
        s.feat.close();
        s.hid.close();
      }
      z1.close();
      z2.close();
      inc.close();
    }
  }

  private Work work(int batch, DataType dt) {
    if (work == null || work.batch != batch || work.dt != dt) {
      if (work != null) {
        work.close();
      }
      work = new Work(batch, dt);
    }
    return work;
  }

  // ---------------------------------------------------------------- forward

  @Override
  public INDArray doForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
    if (!canDoForward()) {
      throw new IllegalStateException("vertex " + vertexName + ": inputs not set");
    }
    INDArray s0 = inputs[0];
    int batch = (int) s0.size(0);
    DataType dt = s0.dataType();
    double[] shapes = forward(training, batch, dt);
    INDArray r = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, dt, new long[] {batch,
        (long) out * (stages + 1)}, 'c');
    HostCopy.write(r, shapes, shapes.length);
    return r;
  }

  /** S0 .. ST of every example, {@code [B, 2P (T+1)]} row-major. */
  private double[] forward(boolean training, int batch, DataType dt) {
    Work w = work(batch, dt);
    w.trained = false;
    int width = out * (stages + 1);
    double[] shapes = new double[batch * width];
    double[] s = HostCopy.read(inputs[0]);
    for (int b = 0; b < batch; b++) {
      System.arraycopy(s, b * out, shapes, b * width, out);
    }
    try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
      for (int t = 0; t < stages; t++) {
        Stage st = w.stage[training ? t : 0];
        st.image = HostCopy.read(inputs[t + 1]);
        if (inputs[t + 1].size(2) != sizes[t] || inputs[t + 1].size(3) != sizes[t]) {
          throw new IllegalArgumentException("crop " + (t + 1) + " must be " + sizes[t] + " px, got "
              + inputs[t + 1].size(2) + "x" + inputs[t + 1].size(3));
        }
        st.pos = s;
        double[] inc = stage(w, st, sizes[t], training);
        double[] next = new double[batch * out];
        for (int i = 0; i < next.length; i++) {
          next[i] = s[i] + inc[i];
        }
        for (int b = 0; b < batch; b++) {
          System.arraycopy(next, b * out, shapes, b * width + (t + 1) * out, out);
        }
        s = next;
      }
    }
    w.trained = training;
    return shapes;
  }

  /** One stage's increment, {@code [B, 2P]}; fills {@code st}. */
  private double[] stage(Work w, Stage st, int size, boolean training) {
    int n = w.n;
    int batch = w.batch;
    HostCopy io = w.io;
    sample(st.image, size, st.pos, batch, points, p, st.patches);
    if (conf.isPatchNormalisation()) {
      standardise(st.patches, n, p * p, st.invSpread);
    }
    // conv1: im2col of the patches, [n p², 9]
    for (int n0 = 0; n0 < n; n0 += BLOCK) {
      int n1 = Math.min(n, n0 + BLOCK);
      io.putIm2col(st.col1, (long) n0 * p * p * 9, st.patches, n0, n1, p, 1);
    }
    Nd4j.gemm(st.col1, w1, w.z1, false, false, 1.0, 0.0);
    double[] bias1 = biasViews.get(RecurrentRegressionVertex.CONV1_B).toDoubleVector();
    double[] bias2 = biasViews.get(RecurrentRegressionVertex.CONV2_B).toDoubleVector();
    double[] zb = io.chunk(BLOCK * p * p * c);
    for (int n0 = 0; n0 < n; n0 += BLOCK) {
      int n1 = Math.min(n, n0 + BLOCK);
      io.get(w.z1, (long) n0 * p * p * c, zb, (n1 - n0) * p * p * c);
      pool(zb, n1 - n0, p, c, bias1, st.pooled, n0 * q1 * q1 * c, training ? st.arg1 : null, n0 * q1 * q1 * c,
          n0 * p * p * c, false, leak);
      io.putIm2col(st.col2, (long) n0 * q1 * q1 * 9 * c, st.pooled, n0, n1, q1, c);
    }
    Nd4j.gemm(st.col2, w2, w.z2, false, false, 1.0, 0.0);
    for (int n0 = 0; n0 < n; n0 += BLOCK) {
      int n1 = Math.min(n, n0 + BLOCK);
      io.get(w.z2, (long) n0 * q1 * q1 * c, zb, (n1 - n0) * q1 * q1 * c);
      pool(zb, n1 - n0, q1, c, bias2, st.features, n0 * c * q2 * q2, training ? st.arg2 : null, n0 * c * q2 * q2,
          n0 * q1 * q1 * c, true, leak);
    }
    io.put(st.feat, 0, st.features, st.features.length);
    // fc1 + ReLU
    Nd4j.gemm(st.feat, wf1, st.hid, false, false, 1.0, 0.0);
    double[] hb = biasViews.get(RecurrentRegressionVertex.FC1_B).toDoubleVector();
    io.get(st.hid, 0, st.hidden, batch * h);
    for (int b = 0; b < batch; b++) {
      for (int j = 0; j < h; j++) {
        int i = b * h + j;
        double v = st.hidden[i] + hb[j];
        st.hidden[i] = v > 0 ? v : leak * v;
      }
    }
    io.put(st.hid, 0, st.hidden, batch * h);
    // fc2
    Nd4j.gemm(st.hid, wf2, w.inc, false, false, 1.0, 0.0);
    double[] inc = new double[batch * out];
    io.get(w.inc, 0, inc, inc.length);
    double[] ob = biasViews.get(RecurrentRegressionVertex.FC2_B).toDoubleVector();
    for (int b = 0; b < batch; b++) {
      for (int j = 0; j < out; j++) {
        inc[b * out + j] += ob[j];
      }
    }
    return inc;
  }

  /**
   * The {@code p x p} patches of all landmarks of all examples, {@link PatchSampler}'s convention: patch {@code
   * b P + k} at {@code out[(b P + k) p²]}, row-major.
   *
   * @param image the crops, {@code [B, s, s]} row-major
   * @param pos the shapes, {@code [B, 2P]}, unit frame
   */
  static void sample(double[] image, int size, double[] pos, int batch, int points, int p, double[] out) {
    int[] x0 = new int[p];
    double[] ax = new double[p];
    int[] y0 = new int[p];
    double[] ay = new double[p];
    for (int b = 0; b < batch; b++) {
      int img = b * size * size;
      for (int k = 0; k < points; k++) {
        grid(pos[b * 2 * points + 2 * k], size, p, x0, ax, null);
        grid(pos[b * 2 * points + 2 * k + 1], size, p, y0, ay, null);
        int o = (b * points + k) * p * p;
        for (int i = 0; i < p; i++) {
          int row0 = img + y0[i] * size;
          int row1 = row0 + size;
          double bw = ay[i];
          for (int j = 0; j < p; j++) {
            int x = x0[j];
            double a = ax[j];
            double top = (1 - a) * image[row0 + x] + a * image[row0 + x + 1];
            double bottom = (1 - a) * image[row1 + x] + a * image[row1 + x + 1];
            out[o + i * p + j] = (1 - bw) * top + bw * bottom;
          }
        }
      }
    }
  }

  /**
   * Standardises each of the {@code n} patches of {@code len} values in {@code v} in place to {@code (x − μ) /
   * sqrt(σ² + ε)}; {@code invSpread[i]} receives patch i's {@code 1 / sqrt(σ² + ε)}.
   */
  static void standardise(double[] v, int n, int len, double[] invSpread) {
    for (int i = 0; i < n; i++) {
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
      invSpread[i] = inv;
      for (int j = 0; j < len; j++) {
        v[o + j] = (v[o + j] - mean) * inv;
      }
    }
  }

  /**
   * Replaces {@code dy}, the gradient in the standardised patches {@code y}, by the gradient in the raw ones:
   * {@code (dy − mean(dy) − y mean(dy y)) / spread}, per patch (exact, ε included).
   */
  static void standardiseBackward(double[] y, int n, int len, double[] invSpread, double[] dy) {
    for (int i = 0; i < n; i++) {
      int o = i * len;
      double m1 = 0;
      double m2 = 0;
      for (int j = 0; j < len; j++) {
        m1 += dy[o + j];
        m2 += dy[o + j] * y[o + j];
      }
      m1 /= len;
      m2 /= len;
      for (int j = 0; j < len; j++) {
        dy[o + j] = (dy[o + j] - m1 - y[o + j] * m2) * invSpread[i];
      }
    }
  }

  /**
   * The sampling grid along one axis of a patch centred at unit coordinate {@code u}: left pixel {@code x0},
   * weight {@code a} of the right one, and (if {@code inside} is not null) whether the coordinate was inside the
   * crop, not clamped.
   */
  static void grid(double u, int size, int p, int[] x0, double[] a, boolean[] inside) {
    double c = PatchSampler.toPixels(u, size);
    double half = (p - 1) / 2.0;
    for (int j = 0; j < p; j++) {
      double v = c + j - half;
      double x;
      boolean in = v > 0 && v < size - 1;
      if (!(v > 0)) {
        x = 0;
      } else {
        x = Math.min(v, size - 1);
      }
      int f = Math.min((int) Math.floor(x), size - 2);
      x0[j] = f;
      a[j] = x - f;
      if (inside != null) {
        inside[j] = in;
      }
    }
  }

  /**
   * im2col of a 3x3 "same" convolution for maps {@code [n1 - n0, q, q, ch]} (channels last) starting at map
   * {@code n0} of {@code src}: rows (map, y, x), columns (kernel row, kernel column, channel); returns the
   * number of values written to {@code dst}.
   */
  static int im2col(double[] src, int n0, int n1, int q, int ch, double[] dst) {
    int o = 0;
    int map = q * q * ch;
    for (int m = n0; m < n1; m++) {
      int base = m * map;
      for (int y = 0; y < q; y++) {
        for (int x = 0; x < q; x++) {
          for (int ky = -1; ky <= 1; ky++) {
            int yy = y + ky;
            for (int kx = -1; kx <= 1; kx++) {
              int xx = x + kx;
              if (yy < 0 || yy >= q || xx < 0 || xx >= q) {
                for (int k = 0; k < ch; k++) {
                  dst[o++] = 0;
                }
              } else if (ch == 1) {
                dst[o++] = src[base + yy * q + xx];
              } else {
                System.arraycopy(src, base + (yy * q + xx) * ch, dst, o, ch);
                o += ch;
              }
            }
          }
        }
      }
    }
    return o;
  }

  /** col2im of {@link #im2col}: adds the columns {@code cols} of maps {@code [m, q, q, ch]} into {@code dst}. */
  static void col2im(double[] cols, int m, int q, int ch, double[] dst) {
    int o = 0;
    int map = q * q * ch;
    for (int i = 0; i < m; i++) {
      int base = i * map;
      for (int y = 0; y < q; y++) {
        for (int x = 0; x < q; x++) {
          for (int ky = -1; ky <= 1; ky++) {
            int yy = y + ky;
            for (int kx = -1; kx <= 1; kx++) {
              int xx = x + kx;
              if (yy < 0 || yy >= q || xx < 0 || xx >= q) {
                o += ch;
              } else {
                int d = base + (yy * q + xx) * ch;
                for (int k = 0; k < ch; k++) {
                  dst[d + k] += cols[o++];
                }
              }
            }
          }
        }
      }
    }
  }

  /**
   * Bias, (leaky) ReLU and 2x2 max-pooling of {@code m} maps {@code [q, q, ch]} (channels last) in {@code z}. Pooled
   * values go to {@code dst} from {@code dstOff}: channels last ({@code [m, q/2, q/2, ch]}) or, if {@code
   * channelsFirst}, {@code [m, ch, q/2, q/2]}; {@code arg} from {@code argOff} (same layout) receives the index
   * of the maximum in the whole map array ({@code zOff} + its index in {@code z}). A pooled value of 0 or less
   * means the rectifier cut the cell (scaled it by {@code leak}); as the rectifier is monotone, pooling before it
   * equals pooling after it. With {@code arg == null} (inference) only the pooled values are computed.
   */
  static void pool(double[] z, int m, int q, int ch, double[] bias, double[] dst, int dstOff, int[] arg,
      int argOff, int zOff, boolean channelsFirst, double leak) {
    int r = q / 2;
    int row = q * ch;
    for (int i = 0; i < m; i++) {
      int base = i * q * q * ch;
      for (int py = 0; py < r; py++) {
        for (int px = 0; px < r; px++) {
          int e00 = base + (2 * py * q + 2 * px) * ch;
          int o0 = channelsFirst ? i * ch * r * r + py * r + px : i * r * r * ch + (py * r + px) * ch;
          int step = channelsFirst ? r * r : 1;
          for (int k = 0; k < ch; k++) {
            int e = e00 + k;
            double v00 = z[e];
            double v01 = z[e + ch];
            double v10 = z[e + row];
            double v11 = z[e + row + ch];
            double top = Math.max(v00, v01);
            double low = Math.max(v10, v11);
            int o = o0 + k * step;
            double v = Math.max(top, low) + bias[k];
            dst[dstOff + o] = v > 0 ? v : leak * v;
            if (arg != null) {
              // the first maximum in the order 00, 01, 10, 11, from sign bits (no unpredictable branches)
              int right = (int) (Double.doubleToRawLongBits(v00 - v01) >>> 63);
              int rightLow = (int) (Double.doubleToRawLongBits(v10 - v11) >>> 63);
              int below = (int) (Double.doubleToRawLongBits(top - low) >>> 63);
              int j = below * (2 + rightLow) + (1 - below) * right;
              arg[argOff + o] = zOff + e + (j & 1) * ch + (j >> 1) * row;
            }
          }
        }
      }
    }
  }

  // ---------------------------------------------------------------- backward

  @Override
  public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
    if (!canDoBackward()) {
      throw new IllegalStateException("vertex " + vertexName + ": inputs or epsilon not set");
    }
    int batch = (int) inputs[0].size(0);
    DataType dt = inputs[0].dataType();
    if (work == null || !work.trained || work.batch != batch || work.dt != dt) {
      forward(true, batch, dt);
    }
    Work w = work;
    HostCopy io = w.io;
    int width = out * (stages + 1);
    double[] e = HostCopy.read(epsilon);
    double[] d = new double[batch * out];
    for (int b = 0; b < batch; b++) {
      System.arraycopy(e, b * width + stages * out, d, b * out, out);
    }
    gradientView.assign(0);
    INDArray gb1 = gradTable.get(RecurrentRegressionVertex.CONV1_B);
    INDArray gb2 = gradTable.get(RecurrentRegressionVertex.CONV2_B);
    INDArray gbf1 = gradTable.get(RecurrentRegressionVertex.FC1_B);
    INDArray gbf2 = gradTable.get(RecurrentRegressionVertex.FC2_B);
    double[] sb1 = new double[c];
    double[] sb2 = new double[c];
    double[] sbf1 = new double[h];
    double[] sbf2 = new double[out];
    boolean positions = conf.isPositionGradient();
    try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
      INDArray gN = Nd4j.createUninitialized(w.dt, batch, out);
      INDArray dHidN = Nd4j.createUninitialized(w.dt, batch, h);
      INDArray dFeatN = Nd4j.createUninitialized(w.dt, batch, feat);
      INDArray dz2N = Nd4j.createUninitialized(w.dt, (long) w.n * q1 * q1, c);
      INDArray dCol2N = Nd4j.createUninitialized(w.dt, (long) w.n * q1 * q1, 9L * c);
      INDArray dz1N = Nd4j.createUninitialized(w.dt, (long) w.n * p * p, c);
      INDArray dCol1N = positions ? Nd4j.createUninitialized(w.dt, (long) w.n * p * p, 9) : null;
      double[] dHid = new double[batch * h];
      double[] dFeat = new double[batch * feat];
      double[] dz2 = new double[w.n * q1 * q1 * c];
      double[] dPooled = new double[w.n * q1 * q1 * c];
      double[] dz1 = new double[w.n * p * p * c];
      double[] chunk = io.chunk(BLOCK * p * p * 9 * Math.max(1, c));
      for (int t = stages - 1; t >= 0; t--) {
        Stage st = w.stage[t];
        // fc2
        io.put(gN, 0, d, d.length);
        colSum(d, batch, out, sbf2);
        Nd4j.gemm(st.hid, gN, gwf2, true, false, 1.0, 1.0);
        Nd4j.gemm(gN, wf2, dHidN, false, true, 1.0, 0.0);
        io.get(dHidN, 0, dHid, dHid.length);
        for (int i = 0; i < dHid.length; i++) {
          if (st.hidden[i] <= 0) {
            dHid[i] *= leak;
          }
        }
        // fc1
        io.put(dHidN, 0, dHid, dHid.length);
        colSum(dHid, batch, h, sbf1);
        Nd4j.gemm(st.feat, dHidN, gwf1, true, false, 1.0, 1.0);
        Nd4j.gemm(dHidN, wf1, dFeatN, false, true, 1.0, 0.0);
        io.get(dFeatN, 0, dFeat, dFeat.length);
        // pool 2 + ReLU: to the argmax
        java.util.Arrays.fill(dz2, 0);
        for (int i = 0; i < dFeat.length; i++) {
          dz2[st.arg2[i]] += st.features[i] > 0 ? dFeat[i] : leak * dFeat[i];
        }
        colSum(dz2, w.n * q1 * q1, c, sb2);
        io.put(dz2N, 0, dz2, dz2.length);
        // conv2
        Nd4j.gemm(st.col2, dz2N, gw2, true, false, 1.0, 1.0);
        Nd4j.gemm(dz2N, w2, dCol2N, false, true, 1.0, 0.0);
        java.util.Arrays.fill(dPooled, 0);
        double[] pb = new double[BLOCK * q1 * q1 * 9 * c];
        for (int n0 = 0; n0 < w.n; n0 += BLOCK) {
          int n1 = Math.min(w.n, n0 + BLOCK);
          int len = (n1 - n0) * q1 * q1 * 9 * c;
          io.get(dCol2N, (long) n0 * q1 * q1 * 9 * c, pb, len);
          col2imInto(pb, n0, n1 - n0, q1, c, dPooled);
        }
        // pool 1 + ReLU
        java.util.Arrays.fill(dz1, 0);
        for (int i = 0; i < dPooled.length; i++) {
          dz1[st.arg1[i]] += st.pooled[i] > 0 ? dPooled[i] : leak * dPooled[i];
        }
        colSum(dz1, w.n * p * p, c, sb1);
        io.put(dz1N, 0, dz1, dz1.length);
        Nd4j.gemm(st.col1, dz1N, gw1, true, false, 1.0, 1.0);
        double[] prev = new double[batch * out];
        if (t > 0) {
          for (int b = 0; b < batch; b++) {
            System.arraycopy(e, b * width + t * out, prev, b * out, out);
          }
        } else {
          for (int b = 0; b < batch; b++) {
            System.arraycopy(e, b * width, prev, b * out, out);
          }
        }
        for (int i = 0; i < prev.length; i++) {
          prev[i] += d[i];
        }
        if (positions) {
          Nd4j.gemm(dz1N, w1, dCol1N, false, true, 1.0, 0.0);
          double[] dPatch = new double[w.n * p * p];
          for (int n0 = 0; n0 < w.n; n0 += BLOCK) {
            int n1 = Math.min(w.n, n0 + BLOCK);
            int len = (n1 - n0) * p * p * 9;
            io.get(dCol1N, (long) n0 * p * p * 9, chunk, len);
            col2imInto(chunk, n0, n1 - n0, p, 1, dPatch);
          }
          if (conf.isPatchNormalisation()) {
            standardiseBackward(st.patches, w.n, p * p, st.invSpread, dPatch);
          }
          samplePositionGradient(st.image, sizes[t], st.pos, batch, points, p, dPatch, prev);
        }
        d = prev;
      }
      for (INDArray a : new INDArray[] {gN, dHidN, dFeatN, dz2N, dCol2N, dz1N, dCol1N}) {
        if (a != null) {
          a.close();
        }
      }
    }
    add(gb1, sb1);
    add(gb2, sb2);
    add(gbf1, sbf1);
    add(gbf2, sbf2);

    Gradient g = new DefaultGradient(gradientView);
    for (Map.Entry<String, INDArray> en : gradTable.entrySet()) {
      g.gradientForVariable().put(en.getKey(), en.getValue());
    }
    INDArray[] eps = new INDArray[inputs.length];
    eps[0] = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, w.dt, new long[] {batch, out}, 'c');
    HostCopy.write(eps[0], d, d.length);
    for (int t = 1; t < inputs.length; t++) {
      eps[t] = workspaceMgr.create(ArrayType.ACTIVATION_GRAD, inputs[t].dataType(), inputs[t].shape(), 'c');
    }
    return new Pair<>(g, eps);
  }

  /** {@link #col2im} of the columns of maps {@code n0 .. n0 + m - 1}, into {@code dst} at map {@code n0}. */
  private static void col2imInto(double[] cols, int n0, int m, int q, int ch, double[] dst) {
    double[] part = new double[m * q * q * ch];
    col2im(cols, m, q, ch, part);
    int off = n0 * q * q * ch;
    for (int i = 0; i < part.length; i++) {
      dst[off + i] += part[i];
    }
  }

  /**
   * Adds to {@code grad} ({@code [B, 2P]}) the gradient in the sampling positions of the patches' gradient
   * {@code dPatch}: per patch pixel, the bilinear value's derivative in x ({@code (1 − b)(I01 − I00) + b(I11 −
   * I10)}) and in y, zero where the coordinate was clamped, times the crop size (unit frame to pixels).
   */
  static void samplePositionGradient(double[] image, int size, double[] pos, int batch, int points, int p,
      double[] dPatch, double[] grad) {
    int[] x0 = new int[p];
    double[] ax = new double[p];
    boolean[] inX = new boolean[p];
    int[] y0 = new int[p];
    double[] ay = new double[p];
    boolean[] inY = new boolean[p];
    for (int b = 0; b < batch; b++) {
      int img = b * size * size;
      for (int k = 0; k < points; k++) {
        grid(pos[b * 2 * points + 2 * k], size, p, x0, ax, inX);
        grid(pos[b * 2 * points + 2 * k + 1], size, p, y0, ay, inY);
        int o = (b * points + k) * p * p;
        double gx = 0;
        double gy = 0;
        for (int i = 0; i < p; i++) {
          int row0 = img + y0[i] * size;
          int row1 = row0 + size;
          double bw = ay[i];
          for (int j = 0; j < p; j++) {
            double g = dPatch[o + i * p + j];
            if (g == 0) {
              continue;
            }
            int x = x0[j];
            double a = ax[j];
            double i00 = image[row0 + x];
            double i01 = image[row0 + x + 1];
            double i10 = image[row1 + x];
            double i11 = image[row1 + x + 1];
            if (inX[j]) {
              gx += g * ((1 - bw) * (i01 - i00) + bw * (i11 - i10));
            }
            if (inY[i]) {
              gy += g * ((1 - a) * (i10 - i00) + a * (i11 - i01));
            }
          }
        }
        grad[b * 2 * points + 2 * k] += gx * size;
        grad[b * 2 * points + 2 * k + 1] += gy * size;
      }
    }
  }

  private static void colSum(double[] m, int rows, int cols, double[] acc) {
    for (int r = 0; r < rows; r++) {
      int o = r * cols;
      for (int j = 0; j < cols; j++) {
        acc[j] += m[o + j];
      }
    }
  }

  private static void add(INDArray target, double[] v) {
    try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces();
        INDArray a = Nd4j.createFromArray(v).castTo(target.dataType())) {
      target.addi(a.reshape(target.shape()));
    }
  }
}

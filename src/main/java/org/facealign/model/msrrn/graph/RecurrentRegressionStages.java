package org.facealign.model.msrrn.graph;

import java.util.SplittableRandom;
import org.facealign.model.msrrn.kernel.ConvKernels;
import org.facealign.model.msrrn.kernel.PatchKernels;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The forward and backward passes of {@link RecurrentRegressionVertex}'s T stages on one batch, for {@link
 * RecurrentRegressionGraphVertex}: the Java kernels ({@link PatchKernels}, {@link ConvKernels}) between ND4J
 * matrix products, and the working arrays they share (kept between calls, reallocated when the batch size or the
 * data type changes). No DL4J here: the vertex owns the parameters and talks to the graph.
 *
 * <p>Per stage, the patches are sampled into one {@code [B P, p²]} buffer; each 3x3 convolution is an im2col
 * (rows: output pixel of one patch, channels last; columns: kernel row, kernel column, input channel) times the
 * kernel as a {@code [9 c_in, c_out]} matrix, one ND4J matrix product over all patches of the batch; bias, ReLU
 * and 2x2 max-pooling run in Java and remember the argmax of every pooled cell (or that the ReLU cut it); fc1 and
 * fc2 are ND4J matrix products. Everything in Java is computed in double; the matrix products run in the
 * network's data type.
 *
 * <p>Backward, from the last stage to the first: with D_t the gradient of the loss in S^t ({@code D_T = E_T},
 * the incoming error's last block), stage t's increment receives D_t; it flows back through fc2, the ReLU, fc1,
 * the second pooling, ReLU and convolution, the first pooling and ReLU, into the shared weights' gradients
 * (summed over the stages). Then {@code D_{t-1} = E_{t-1} + D_t}, plus, with the position gradient, the
 * gradient in S^{t-1} through the patches: the first convolution's input gradient (its transposed product and
 * a col2im), times the bilinear weights' derivative in the sampling position. The crops receive no gradient.
 */
final class RecurrentRegressionStages {
  /** Patches per block of the Java loops (keeps the staging arrays small). */
  private static final int BLOCK = 64;

  /**
   * The shared parameters (or their gradients) as the products use them: the convolution kernels as {@code [9
   * c_in, c_out]} matrices, fc1's {@code [P c (p/4)², h]} and fc2's {@code [h, 2P]} weights, the four biases; and
   * {@code all}, the flat vector they are views of.
   */
  record Views(INDArray all, INDArray w1, INDArray w2, INDArray wf1, INDArray wf2, INDArray b1, INDArray b2,
      INDArray bf1, INDArray bf2) {}

  private final RecurrentRegressionVertex conf;
  private final Views params;
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
  /** Probability that a training pass drops each unit of fc1 (0: none). */
  private final double dropout;

  /** Working state, reallocated when the batch size or the data type changes. */
  private Work work;

  RecurrentRegressionStages(RecurrentRegressionVertex conf, Views params) {
    this.conf = conf;
    this.params = params;
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
    this.dropout = conf.getDropout();
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
    /** With dropout in training: each fc1 unit's factor, 0 (dropped) or 1 / (1 - dropout) (kept). */
    double[] keep;
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
          s.keep = new double[batch * h];
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

  /**
   * S0 .. ST of every example, {@code [B, 2P (T+1)]} row-major, from the vertex's {@code inputs} (the shapes S0
   * {@code [B, 2P]}, then the T crops {@code [B, 1, s_t, s_t]}). In training, every stage's arrays are kept for
   * {@link #backward}.
   */
  double[] forward(boolean training, INDArray[] inputs) {
    int batch = (int) inputs[0].size(0);
    DataType dt = inputs[0].dataType();
    Work w = work(batch, dt);
    w.trained = false;
    int width = out * (stages + 1);
    double[] shapes = new double[batch * width];
    double[] s = HostCopy.read(inputs[0]);
    for (int b = 0; b < batch; b++) {
      System.arraycopy(s, b * out, shapes, b * width, out);
    }
    // one draw from ND4J's generator per training pass (the one DL4J seeds from the graph's seed and its own
    // dropout layers use), so that a rerun draws the same masks
    SplittableRandom masks = training && dropout > 0 ? new SplittableRandom(Nd4j.getRandom().nextLong()) : null;
    try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
      for (int t = 0; t < stages; t++) {
        Stage st = w.stage[training ? t : 0];
        st.image = HostCopy.read(inputs[t + 1]);
        if (inputs[t + 1].size(2) != sizes[t] || inputs[t + 1].size(3) != sizes[t]) {
          throw new IllegalArgumentException("crop " + (t + 1) + " must be " + sizes[t] + " px, got "
              + inputs[t + 1].size(2) + "x" + inputs[t + 1].size(3));
        }
        st.pos = s;
        double[] inc = stage(w, st, sizes[t], training, masks);
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

  /**
   * One stage's increment, {@code [B, 2P]}; fills {@code st}. In training the pooling remembers its argmax, and
   * with dropout ({@code masks} non-null) each fc1 unit is dropped with that probability, the kept ones scaled.
   */
  private double[] stage(Work w, Stage st, int size, boolean training, SplittableRandom masks) {
    int n = w.n;
    int batch = w.batch;
    HostCopy io = w.io;
    PatchKernels.sample(st.image, size, st.pos, batch, points, p, st.patches);
    if (conf.isPatchNormalisation()) {
      PatchKernels.standardise(st.patches, n, p * p, RecurrentRegressionVertex.PATCH_EPSILON, st.invSpread);
    }
    // conv1: im2col of the patches, [n p², 9]
    for (int n0 = 0; n0 < n; n0 += BLOCK) {
      int n1 = Math.min(n, n0 + BLOCK);
      putIm2col(io, st.col1, (long) n0 * p * p * 9, st.patches, n0, n1, p, 1);
    }
    Nd4j.gemm(st.col1, params.w1(), w.z1, false, false, 1.0, 0.0);
    double[] bias1 = params.b1().toDoubleVector();
    double[] bias2 = params.b2().toDoubleVector();
    double[] zb = io.chunk(BLOCK * p * p * c);
    for (int n0 = 0; n0 < n; n0 += BLOCK) {
      int n1 = Math.min(n, n0 + BLOCK);
      io.get(w.z1, (long) n0 * p * p * c, zb, (n1 - n0) * p * p * c);
      ConvKernels.pool(zb, n1 - n0, p, c, bias1, st.pooled, n0 * q1 * q1 * c, training ? st.arg1 : null,
          n0 * q1 * q1 * c, n0 * p * p * c, false, leak);
      putIm2col(io, st.col2, (long) n0 * q1 * q1 * 9 * c, st.pooled, n0, n1, q1, c);
    }
    Nd4j.gemm(st.col2, params.w2(), w.z2, false, false, 1.0, 0.0);
    for (int n0 = 0; n0 < n; n0 += BLOCK) {
      int n1 = Math.min(n, n0 + BLOCK);
      io.get(w.z2, (long) n0 * q1 * q1 * c, zb, (n1 - n0) * q1 * q1 * c);
      ConvKernels.pool(zb, n1 - n0, q1, c, bias2, st.features, n0 * c * q2 * q2, training ? st.arg2 : null,
          n0 * c * q2 * q2, n0 * q1 * q1 * c, true, leak);
    }
    io.put(st.feat, 0, st.features, st.features.length);
    // fc1 + ReLU
    Nd4j.gemm(st.feat, params.wf1(), st.hid, false, false, 1.0, 0.0);
    double[] hb = params.bf1().toDoubleVector();
    io.get(st.hid, 0, st.hidden, batch * h);
    for (int b = 0; b < batch; b++) {
      for (int j = 0; j < h; j++) {
        int i = b * h + j;
        double v = st.hidden[i] + hb[j];
        st.hidden[i] = v > 0 ? v : leak * v;
      }
    }
    if (masks != null) {
      double kept = 1 / (1 - dropout);
      for (int i = 0; i < batch * h; i++) {
        st.keep[i] = masks.nextDouble() < dropout ? 0 : kept;
        st.hidden[i] *= st.keep[i];
      }
    }
    io.put(st.hid, 0, st.hidden, batch * h);
    // fc2
    Nd4j.gemm(st.hid, params.wf2(), w.inc, false, false, 1.0, 0.0);
    double[] inc = new double[batch * out];
    io.get(w.inc, 0, inc, inc.length);
    double[] ob = params.bf2().toDoubleVector();
    for (int b = 0; b < batch; b++) {
      for (int j = 0; j < out; j++) {
        inc[b * out + j] += ob[j];
      }
    }
    return inc;
  }

  /**
   * {@link ConvKernels#im2col} of maps {@code n0 .. n1 - 1} of {@code src}, written to {@code dst} from element
   * {@code off}.
   */
  private static void putIm2col(HostCopy io, INDArray dst, long off, double[] src, int n0, int n1, int q, int ch) {
    int len = (n1 - n0) * q * q * 9 * ch;
    double[] d = io.chunk2(len);
    ConvKernels.im2col(src, n0, n1, q, ch, d);
    io.put(dst, off, d, len);
  }

  // ---------------------------------------------------------------- backward

  /**
   * The backward pass of the last training {@link #forward} (run again if the last forward pass was not one in
   * training on these {@code inputs}' batch size and data type): writes the gradients of the shared parameters,
   * summed over the stages and the batch, to {@code grads} and returns the gradient in S0, {@code [B, 2P]}
   * row-major.
   *
   * @param epsilon the gradient in the vertex's output, {@code [B, 2P (T+1)]}
   */
  double[] backward(INDArray[] inputs, INDArray epsilon, Views grads) {
    int batch = (int) inputs[0].size(0);
    DataType dt = inputs[0].dataType();
    if (work == null || !work.trained || work.batch != batch || work.dt != dt) {
      forward(true, inputs);
    }
    Work w = work;
    HostCopy io = w.io;
    int width = out * (stages + 1);
    double[] e = HostCopy.read(epsilon);
    double[] d = new double[batch * out];
    for (int b = 0; b < batch; b++) {
      System.arraycopy(e, b * width + stages * out, d, b * out, out);
    }
    grads.all().assign(0);
    INDArray gw1 = grads.w1();
    INDArray gw2 = grads.w2();
    INDArray gwf1 = grads.wf1();
    INDArray gwf2 = grads.wf2();
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
        ConvKernels.colSum(d, batch, out, sbf2);
        Nd4j.gemm(st.hid, gN, gwf2, true, false, 1.0, 1.0);
        Nd4j.gemm(gN, params.wf2(), dHidN, false, true, 1.0, 0.0);
        io.get(dHidN, 0, dHid, dHid.length);
        for (int i = 0; i < dHid.length; i++) {
          if (st.hidden[i] <= 0) {
            dHid[i] *= leak;
          }
        }
        if (dropout > 0) {
          // a dropped unit's hidden value is 0, so the line above scaled it by the slope; the mask zeroes it
          for (int i = 0; i < dHid.length; i++) {
            dHid[i] *= st.keep[i];
          }
        }
        // fc1
        io.put(dHidN, 0, dHid, dHid.length);
        ConvKernels.colSum(dHid, batch, h, sbf1);
        Nd4j.gemm(st.feat, dHidN, gwf1, true, false, 1.0, 1.0);
        Nd4j.gemm(dHidN, params.wf1(), dFeatN, false, true, 1.0, 0.0);
        io.get(dFeatN, 0, dFeat, dFeat.length);
        // pool 2 + ReLU: to the argmax
        java.util.Arrays.fill(dz2, 0);
        for (int i = 0; i < dFeat.length; i++) {
          dz2[st.arg2[i]] += st.features[i] > 0 ? dFeat[i] : leak * dFeat[i];
        }
        ConvKernels.colSum(dz2, w.n * q1 * q1, c, sb2);
        io.put(dz2N, 0, dz2, dz2.length);
        // conv2
        Nd4j.gemm(st.col2, dz2N, gw2, true, false, 1.0, 1.0);
        Nd4j.gemm(dz2N, params.w2(), dCol2N, false, true, 1.0, 0.0);
        java.util.Arrays.fill(dPooled, 0);
        double[] pb = new double[BLOCK * q1 * q1 * 9 * c];
        for (int n0 = 0; n0 < w.n; n0 += BLOCK) {
          int n1 = Math.min(w.n, n0 + BLOCK);
          int len = (n1 - n0) * q1 * q1 * 9 * c;
          io.get(dCol2N, (long) n0 * q1 * q1 * 9 * c, pb, len);
          ConvKernels.col2imAdd(pb, n0, n1 - n0, q1, c, dPooled);
        }
        // pool 1 + ReLU
        java.util.Arrays.fill(dz1, 0);
        for (int i = 0; i < dPooled.length; i++) {
          dz1[st.arg1[i]] += st.pooled[i] > 0 ? dPooled[i] : leak * dPooled[i];
        }
        ConvKernels.colSum(dz1, w.n * p * p, c, sb1);
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
          Nd4j.gemm(dz1N, params.w1(), dCol1N, false, true, 1.0, 0.0);
          double[] dPatch = new double[w.n * p * p];
          for (int n0 = 0; n0 < w.n; n0 += BLOCK) {
            int n1 = Math.min(w.n, n0 + BLOCK);
            int len = (n1 - n0) * p * p * 9;
            io.get(dCol1N, (long) n0 * p * p * 9, chunk, len);
            ConvKernels.col2imAdd(chunk, n0, n1 - n0, p, 1, dPatch);
          }
          if (conf.isPatchNormalisation()) {
            PatchKernels.standardiseBackward(st.patches, w.n, p * p, st.invSpread, dPatch);
          }
          PatchKernels.positionGradient(st.image, sizes[t], st.pos, batch, points, p, dPatch, prev);
        }
        d = prev;
      }
      for (INDArray a : new INDArray[] {gN, dHidN, dFeatN, dz2N, dCol2N, dz1N, dCol1N}) {
        if (a != null) {
          a.close();
        }
      }
    }
    add(grads.b1(), sb1);
    add(grads.b2(), sb2);
    add(grads.bf1(), sbf1);
    add(grads.bf2(), sbf2);
    return d;
  }

  private static void add(INDArray target, double[] v) {
    try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces();
        INDArray a = ofType(v, target.dataType())) {
      target.addi(a.reshape(target.shape()));
    }
  }

  /** {@code v} as a new array of type {@code dt}, made directly (a cast would leave an intermediate array behind). */
  private static INDArray ofType(double[] v, org.nd4j.linalg.api.buffer.DataType dt) {
    if (dt == org.nd4j.linalg.api.buffer.DataType.DOUBLE) {
      return Nd4j.createFromArray(v);
    }
    float[] f = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      f[i] = (float) v[i];
    }
    if (dt == org.nd4j.linalg.api.buffer.DataType.FLOAT) {
      return Nd4j.createFromArray(f);
    }
    try (INDArray a = Nd4j.createFromArray(f)) {
      return a.castTo(dt);
    }
  }
}

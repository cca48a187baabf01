package org.facealign.model.deepreg.graph;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.facealign.feature.ConfigFeatures;
import org.facealign.model.Losses;
import org.facealign.model.deepreg.Cascade;
import org.facealign.model.deepreg.ConfigDeepReg;
import org.facealign.model.deepreg.LinearMap;
import org.facealign.model.deepreg.TrainingSample;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Nesterovs;

/**
 * The DeepReg cascade (Shi, Shan, Chen, "Deep Regression for Face Alignment", 2014) as a DL4J {@link
 * ComputationGraph}, for joint training of all its layers by back-propagation (the paper's Sec. 3.3, eqs.
 * 7-10), and the way back to a {@link Cascade}.
 *
 * <pre>
 *   inputs  hog (N x 1764; DeepReg only), canvas (N x canvasSize², row-major pixels)
 *   maps    ResponseMapsVertex(canvas)                        response maps, shared by the stages
 *   s0      DeepReg: Dense(hog) = W0 g + b0                     (identity, dropout on its input)
 *           DeepRegLocal: MeanShapeVertex(maps) = mean shape   (constant, not trained)
 *   start   with deepreg.joint-perturb: Add(s0, shift), input shift (N x 2P) a perturbation of s0; stage 1
 *           then reads start instead of s0
 *   phi{t}  ShapeIndexedFeatureVertex(maps, s{t-1})            φ_t = h(I, s_{t-1}), backward ψ_tᵀ
 *   delta{t} Dense(phi{t}) = W_t φ_t + b_t                      (identity, dropout on its input)
 *   s{t}    ElementWiseVertex Add(s{t-1}, delta{t})            t = 1..T
 *   loss    LossLayer(s{T}), L2: squared error summed over the 2P coordinates, averaged over the batch
 * </pre>
 *
 * <p>Dropout is DL4J's inverted dropout ({@link Dropout} with retain probability {@code 1 - cfg.dropout()}):
 * kept inputs are scaled by {@code 1/(1-p)} while training and nothing changes at test time, so the graph's
 * weights are the {@link Cascade}'s as they are. Updater ({@code cfg.updater()}): {@link Nesterovs} (SGD with
 * momentum {@code cfg.momentum()}) or {@link Adam}, at learning rate {@code cfg.learningRate()}; DL4J divides the
 * summed gradient by the batch size.
 *
 * <p>DL4J's dense weights are {@code nIn x nOut} ({@code y = x W + b}); {@link LinearMap} holds the
 * transpose, row-major.
 */
public final class DeepRegGraph {
  /** Input names of DeepReg (global layer). */
  public static final String HOG = "hog";
  public static final String CANVAS = "canvas";
  /** Input of the start's perturbation, {@code N x 2P}, with {@code deepreg.joint-perturb}: zeros at validation. */
  public static final String SHIFT = "shift";
  /** The vertex {@code s0 + shift} that stage 1 starts from, with {@code deepreg.joint-perturb}. */
  public static final String START = "start";
  public static final String MAPS = "maps";
  public static final String LOSS = "loss";

  private DeepRegGraph() {}

  /** The vertex holding W0 (DeepReg) or the mean shape (DeepRegLocal). */
  public static String initialName() {
    return "s0";
  }

  /** The dense layer of local stage {@code t} (1-based). */
  public static String stageLayer(int t) {
    return "delta" + t;
  }

  /** The feature vertex of local stage {@code t} (1-based). */
  public static String featureVertex(int t) {
    return "phi" + t;
  }

  /** The shape after stage {@code t} (0 = initial). */
  public static String shapeVertex(int t) {
    return "s" + t;
  }

  /** The graph for {@code init} with its weights, float precision, ψ on: what joint training uses. */
  public static ComputationGraph build(Cascade init, ConfigDeepReg cfg, long seed) {
    return build(init, cfg, seed, DataType.FLOAT, true);
  }

  /**
   * The graph for {@code init} with its weights copied in.
   *
   * @param dtype the network's data type (DOUBLE for gradient checks)
   * @param shapeGradient whether the feature vertices back-propagate ψᵀ (false only for tests)
   */
  public static ComputationGraph build(Cascade init, ConfigDeepReg cfg, long seed, DataType dtype, boolean shapeGradient) {
    return build(init, cfg, seed, dtype, shapeGradient, null);
  }

  /**
   * As {@link #build(Cascade, ConfigDeepReg, long, DataType, boolean)}, with the descriptors of stage t centred
   * by {@code offsets[t]} (null: not centred). The function is the same (each stage's bias absorbs {@code W_t
   * offset_t}); what changes is the inputs SGD and dropout see. SIFT descriptors are non-negative, so their mean
   * dominates the Hessian of the squared loss. Measured on 300-W at learning rate 1e-3: without centring the
   * held-out IP-NME first rose (6.23 % to 6.35 %, best epoch 4 of 15), centred it held at 6.23 % and fell
   * from the second epoch (6.13 % at epoch 14 against 6.14 %); 1e-2 still diverges either way.
   */
  public static ComputationGraph build(Cascade init, ConfigDeepReg cfg, long seed, DataType dtype, boolean shapeGradient,
      double[][] offsets) {
    ComputationGraph g = new ComputationGraph(configuration(init, cfg, seed, dtype, shapeGradient, offsets));
    g.init();
    setWeights(g, init);
    return g;
  }

  /** The configuration of {@link #build(Cascade, ConfigDeepReg, long, DataType, boolean)}. */
  public static ComputationGraphConfiguration configuration(Cascade init, ConfigDeepReg cfg, long seed, DataType dtype,
      boolean shapeGradient) {
    return configuration(init, cfg, seed, dtype, shapeGradient, null);
  }

  /**
   * The graph of layer-wise pre-training by SGD ({@code deepreg.pretrain = sgd}): {@code init}'s cascade, of which
   * only the last local layer trains (with dropout on its input, at {@code cfg.pretrainLearningRate()}); s0 and the earlier layers are fixed (no updates,
   * no dropout: they move the start as they will at test time), and no feature vertex back-propagates ψ (no
   * trained layer lies before one). Float precision; descriptors centred by {@code offsets} as in {@link
   * #build(Cascade, ConfigDeepReg, long, DataType, boolean, double[][])}.
   */
  public static ComputationGraph buildLastStage(Cascade init, ConfigDeepReg cfg, long seed, double[][] offsets) {
    ComputationGraph g = new ComputationGraph(configuration(init, cfg, seed, DataType.FLOAT, false, offsets,
        init.numStages(), true));
    g.init();
    setWeights(g, init);
    return g;
  }

  /** The configuration of {@link #build(Cascade, ConfigDeepReg, long, DataType, boolean, double[][])}. */
  public static ComputationGraphConfiguration configuration(Cascade init, ConfigDeepReg cfg, long seed, DataType dtype,
      boolean shapeGradient, double[][] offsets) {
    return configuration(init, cfg, seed, dtype, shapeGradient, offsets, 0, cfg.jointPerturb());
  }

  /**
   * As above; {@code onlyStage} t >= 1: only local layer t trains, the others fixed; 0: every layer trains. With
   * {@code shift}, the {@link #SHIFT} input.
   */
  private static ComputationGraphConfiguration configuration(Cascade init, ConfigDeepReg cfg, long seed, DataType dtype,
      boolean shapeGradient, double[][] offsets, int onlyStage, boolean shift) {
    if (init.numStages() < 1) {
      throw new IllegalArgumentException("joint training needs at least one local stage, the cascade has none");
    }
    ConfigFeatures f = init.features();
    int out = 2 * init.numPoints();
    int d = f.descriptorLength() * init.numPoints();
    boolean global = init.global() != null;
    double lr = onlyStage == 0 ? cfg.learningRate() : cfg.pretrainLearningRate();
    ComputationGraphConfiguration.GraphBuilder b = new NeuralNetConfiguration.Builder()
        .seed(seed)
        .dataType(dtype)
        .updater("adam".equals(cfg.updater()) ? new Adam(lr) : new Nesterovs(lr, cfg.momentum()))
        .weightInit(WeightInit.ZERO)
        .activation(Activation.IDENTITY)
        .trainingWorkspaceMode(WorkspaceMode.ENABLED)
        .inferenceWorkspaceMode(WorkspaceMode.ENABLED)
        .graphBuilder();
    if (global) {
      b.addInputs(HOG, CANVAS);
    } else {
      b.addInputs(CANVAS);
    }
    if (shift) {
      b.addInputs(SHIFT);
    }
    b.addVertex(MAPS, new ResponseMapsVertex(f.canvasSize(), f.orientations(), f.blurSigma(), f.mapStride()), CANVAS);
    if (global) {
      b.addLayer(initialName(), dense(f.hogDimension(), out, cfg.dropout(), onlyStage == 0), HOG);
    } else {
      b.addVertex(initialName(), new MeanShapeVertex(init.meanShape()), MAPS);
    }
    String prev = shapeVertex(0);
    if (shift) {
      b.addVertex(START, new ElementWiseVertex(ElementWiseVertex.Op.Add), initialName(), SHIFT);
      prev = START;
    }
    String canonical = f.canonical();
    for (int t = 1; t <= init.numStages(); t++) {
      b.addVertex(featureVertex(t), new ShapeIndexedFeatureVertex(canonical, t - 1, MAPS, init.numPoints(), shapeGradient,
          offsets == null ? null : offsets[t - 1]), MAPS, prev);
      b.addLayer(stageLayer(t), dense(d, out, cfg.dropout(), onlyStage == 0 || onlyStage == t), featureVertex(t));
      b.addVertex(shapeVertex(t), new ElementWiseVertex(ElementWiseVertex.Op.Add), prev, stageLayer(t));
      prev = shapeVertex(t);
    }
    b.addLayer(LOSS, new LossLayer.Builder(Losses.function(cfg.loss(), (double) f.canvasSize() / f.faceSize()))
        .activation(Activation.IDENTITY).build(),
        shapeVertex(init.numStages()));
    b.setOutputs(LOSS);
    return b.build();
  }

  /**
   * A linear layer; one that does not train has no dropout and an updater of learning rate 0, whose updates are
   * exactly zero ({@link org.facealign.train.GraphTrainer}'s learning-rate drops leave it at 0). Not DL4J's {@code
   * NoOp}: a graph mixing stateless and stateful updaters fails when its learning rate changes (1.0.0-M2.1).
   */
  private static DenseLayer dense(int in, int out, double dropout, boolean trains) {
    DenseLayer.Builder d = new DenseLayer.Builder().nIn(in).nOut(out).activation(Activation.IDENTITY).hasBias(true);
    if (!trains) {
      d.updater(new Nesterovs(0.0, 0.0));
    } else if (dropout > 0) {
      d.dropOut(new Dropout(1 - dropout));
    }
    return d.build();
  }

  /** Copies the layers of {@code c} into {@code g} (a graph of the same structure). */
  public static void setWeights(ComputationGraph g, Cascade c) {
    if (c.global() != null) {
      put(g, initialName(), c.global());
    }
    List<LinearMap> stages = c.stages();
    for (int t = 0; t < stages.size(); t++) {
      put(g, stageLayer(t + 1), shiftBias(stages.get(t), offsetOf(g, t + 1), 1));
    }
  }

  /** The centring offset of stage t's descriptors in {@code g} (1-based), or null. */
  static double[] offsetOf(ComputationGraph g, int t) {
    org.deeplearning4j.nn.conf.graph.GraphVertex v = g.getConfiguration().getVertices().get(featureVertex(t));
    return v instanceof ShapeIndexedFeatureVertex f ? f.getOffset() : null;
  }

  /** {@code m} with bias {@code b + sign W offset} (unchanged when {@code offset} is null). */
  private static LinearMap shiftBias(LinearMap m, double[] offset, int sign) {
    if (offset == null) {
      return m;
    }
    float[] w = m.weights();
    float[] b = m.biases();
    int in = m.inputs();
    for (int r = 0; r < b.length; r++) {
      double s = 0;
      for (int c = 0; c < in; c++) {
        s += w[r * in + c] * offset[c];
      }
      b[r] = (float) (b[r] + sign * s);
    }
    return new LinearMap(m.outputs(), in, w, b);
  }

  /**
   * {@code template} with the graph's trained layers: what joint training returns.
   *
   * @throws IllegalArgumentException if a weight is not finite
   */
  public static Cascade toCascade(ComputationGraph g, Cascade template) {
    LinearMap global = template.global() == null ? null : get(g, initialName());
    List<LinearMap> stages = new ArrayList<>();
    for (int t = 1; t <= template.numStages(); t++) {
      stages.add(shiftBias(get(g, stageLayer(t)), offsetOf(g, t), -1));
    }
    return template.withLayers(global, stages);
  }

  private static void put(ComputationGraph g, String layer, LinearMap m) {
    DataType dt = g.getParam(layer + "_W").dataType();
    int out = m.outputs();
    int in = m.inputs();
    float[] w = m.weights();
    float[] t = new float[in * out]; // in x out, row-major
    for (int o = 0; o < out; o++) {
      for (int i = 0; i < in; i++) {
        t[i * out + o] = w[o * in + i];
      }
    }
    setParam(g, layer + "_W", Nd4j.create(t, new long[] {in, out}, 'c'), dt);
    setParam(g, layer + "_b", Nd4j.create(m.biases(), g.getParam(layer + "_b").shape(), 'c'), dt);
  }

  private static void setParam(ComputationGraph g, String key, INDArray value, DataType dt) {
    INDArray v = value.dataType() == dt ? value : value.castTo(dt);
    g.setParam(key, v);
    if (v != value) {
      v.close();
    }
    value.close();
  }

  private static LinearMap get(ComputationGraph g, String layer) {
    float[][] w = g.getParam(layer + "_W").toFloatMatrix(); // in x out
    int in = w.length;
    int out = w[0].length;
    float[] rowMajor = new float[out * in];
    for (int i = 0; i < in; i++) {
      float[] row = w[i];
      for (int o = 0; o < out; o++) {
        rowMajor[o * in + i] = row[o];
      }
    }
    float[] b = g.getParam(layer + "_b").toFloatVector();
    return new LinearMap(out, in, rowMajor, b);
  }

  /**
   * One mini-batch of samples: features {@code [hog, canvas]} (DeepReg) or {@code [canvas]} (DeepRegLocal),
   * labels {@code [target]}, in data type {@code dt}.
   */
  public static MultiDataSet toMultiDataSet(List<TrainingSample> samples, boolean global, DataType dt) {
    return toMultiDataSet(samples, global, null, dt);
  }

  /**
   * As {@link #toMultiDataSet(List, boolean, DataType)}, with a last feature {@link #SHIFT} holding {@code
   * shifts[i]} (units) for sample i, for a graph built with {@code deepreg.joint-perturb}; null: no such input.
   */
  public static MultiDataSet toMultiDataSet(List<TrainingSample> samples, boolean global, double[][] shifts,
      DataType dt) {
    int n = samples.size();
    if (n == 0) {
      throw new IllegalArgumentException("no samples");
    }
    TrainingSample first = samples.get(0);
    int c2 = first.canvasSize() * first.canvasSize();
    int h = first.hog().length;
    int out = first.target().length;
    float[] canvas = new float[n * c2];
    float[] hog = new float[n * h];
    double[] target = new double[n * out];
    for (int i = 0; i < n; i++) {
      TrainingSample s = samples.get(i);
      if (s.canvasSize() != first.canvasSize() || s.hog().length != h || s.target().length != out) {
        throw new IllegalArgumentException("sample " + s.name() + " differs in size from " + first.name());
      }
      float[] px = s.canvas().toArray();
      System.arraycopy(px, 0, canvas, i * c2, c2);
      System.arraycopy(s.hog(), 0, hog, i * h, h);
      System.arraycopy(s.target(), 0, target, i * out, out);
    }
    INDArray canvasArr = cast(Nd4j.create(canvas, new long[] {n, c2}, 'c'), dt);
    INDArray labels = cast(Nd4j.create(target, new long[] {n, out}, 'c'), dt);
    List<INDArray> features = new ArrayList<>();
    if (global) {
      features.add(cast(Nd4j.create(hog, new long[] {n, h}, 'c'), dt));
    }
    features.add(canvasArr);
    if (shifts != null) {
      double[] shift = new double[n * out];
      for (int i = 0; i < n; i++) {
        System.arraycopy(shifts[i], 0, shift, i * out, out);
      }
      features.add(cast(Nd4j.create(shift, new long[] {n, out}, 'c'), dt));
    }
    return new org.nd4j.linalg.dataset.MultiDataSet(features.toArray(new INDArray[0]), new INDArray[] {labels});
  }

  private static INDArray cast(INDArray a, DataType dt) {
    if (a.dataType() == dt) {
      return a;
    }
    INDArray c = a.castTo(dt);
    a.close();
    return c;
  }

  /** The final shapes s_T (units) of a batch, inference mode (no dropout): {@code N x 2P}. */
  public static double[][] predict(ComputationGraph g, MultiDataSet batch) {
    INDArray out = g.output(false, batch.getFeatures())[0];
    double[][] r = out.toDoubleMatrix();
    out.close();
    return r;
  }
}

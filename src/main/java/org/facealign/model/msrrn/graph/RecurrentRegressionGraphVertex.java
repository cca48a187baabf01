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
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.regularization.Regularization;

/**
 * {@link RecurrentRegressionVertex} in a DL4J graph: the T stages of the recurrent regression network with one
 * shared parameter set. This class is the DL4J side: the parameter and gradient views, their initialisation and
 * training configuration, and {@code doForward} / {@code doBackward}, which hand the inputs to {@link
 * RecurrentRegressionStages} (the hand-written forward and backward passes) and return its results through the
 * graph's workspace manager. The shape input receives the gradient in S0; the crops receive zeros.
 *
 * <p>Working arrays are detached from DL4J's workspaces and kept between calls (reallocated when the batch size
 * changes); the output and the epsilons are allocated through the graph's workspace manager. The Java code
 * touches ND4J arrays only through ND4J's own operations and {@link HostCopy}, whose bulk transfers synchronise
 * the host and device copies, so the vertex computes the same on the CPU and the CUDA backends.
 */
public class RecurrentRegressionGraphVertex extends BaseGraphVertex implements Trainable {
  private static final long serialVersionUID = 1L;

  private final RecurrentRegressionVertex conf;
  private final int c;
  private final int out;
  private final int stages;

  private final INDArray params;
  private final Map<String, INDArray> paramTable;
  private INDArray gradientView;
  private Map<String, INDArray> gradTable;
  private RecurrentRegressionStages.Views gradViews;
  private final TrainingConfig trainingConfig;

  /** The forward and backward passes, with their working state (built on first use). */
  private transient RecurrentRegressionStages passes;

  public RecurrentRegressionGraphVertex(RecurrentRegressionVertex conf, ComputationGraph graph, String name,
      int index, INDArray paramsView, boolean initializeParams, DataType dataType) {
    super(graph, name, index, null, null, dataType);
    this.conf = conf;
    this.c = conf.getChannels();
    this.out = 2 * conf.getPoints();
    this.stages = conf.getStages();
    this.params = paramsView;
    this.paramTable = views(paramsView);
    if (initializeParams) {
      initialise(paramTable);
    }
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

  /** The views of {@code table} (of the flat vector {@code all}) as the stages' products use them. */
  private RecurrentRegressionStages.Views shaped(INDArray all, Map<String, INDArray> table) {
    return new RecurrentRegressionStages.Views(all,
        matrix(table.get(RecurrentRegressionVertex.CONV1_W), 9, c),
        matrix(table.get(RecurrentRegressionVertex.CONV2_W), 9L * c, c),
        table.get(RecurrentRegressionVertex.FC1_W), table.get(RecurrentRegressionVertex.FC2_W),
        table.get(RecurrentRegressionVertex.CONV1_B), table.get(RecurrentRegressionVertex.CONV2_B),
        table.get(RecurrentRegressionVertex.FC1_B), table.get(RecurrentRegressionVertex.FC2_B));
  }

  private void initialise(Map<String, INDArray> t) {
    Random r = new Random(conf.getSeed());
    normal(t.get(RecurrentRegressionVertex.CONV1_W), Math.sqrt(2.0 / 9), r);
    normal(t.get(RecurrentRegressionVertex.CONV2_W), Math.sqrt(2.0 / (9.0 * c)), r);
    normal(t.get(RecurrentRegressionVertex.FC1_W), Math.sqrt(2.0 / conf.featureLength()), r);
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
    gradViews = shaped(view, gradTable);
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

  // ---------------------------------------------------------------- forward and backward

  private RecurrentRegressionStages passes() {
    if (passes == null) {
      passes = new RecurrentRegressionStages(conf, shaped(params, paramTable));
    }
    return passes;
  }

  @Override
  public INDArray doForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
    if (!canDoForward()) {
      throw new IllegalStateException("vertex " + vertexName + ": inputs not set");
    }
    int batch = (int) inputs[0].size(0);
    DataType dt = inputs[0].dataType();
    double[] shapes = passes().forward(training, inputs);
    INDArray r = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, dt, new long[] {batch,
        (long) out * (stages + 1)}, 'c');
    HostCopy.write(r, shapes, shapes.length);
    return r;
  }

  @Override
  public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
    if (!canDoBackward()) {
      throw new IllegalStateException("vertex " + vertexName + ": inputs or epsilon not set");
    }
    int batch = (int) inputs[0].size(0);
    DataType dt = inputs[0].dataType();
    double[] d = passes().backward(inputs, epsilon, gradViews);
    Gradient g = new DefaultGradient(gradientView);
    for (Map.Entry<String, INDArray> en : gradTable.entrySet()) {
      g.gradientForVariable().put(en.getKey(), en.getValue());
    }
    INDArray[] eps = new INDArray[inputs.length];
    eps[0] = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dt, new long[] {batch, out}, 'c');
    HostCopy.write(eps[0], d, d.length);
    for (int t = 1; t < inputs.length; t++) {
      eps[t] = workspaceMgr.create(ArrayType.ACTIVATION_GRAD, inputs[t].dataType(), inputs[t].shape(), 'c');
    }
    return new Pair<>(g, eps);
  }
}

package org.facealign.model.msrrn.graph;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.distribution.NormalDistribution;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.facealign.data.GrayImage;
import org.facealign.model.Losses;
import org.facealign.model.msrrn.ConfigMsrrn;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.regularization.L2Regularization;
import org.nd4j.linalg.learning.regularization.Regularization;

/**
 * MSRRN (Wang et al., "Multiscale recurrent regression networks for face alignment", 2017) as a DL4J {@link
 * ComputationGraph}: an initialiser CNN on the coarsest crop, then the recurrent regression network ({@link
 * RecurrentRegressionVertex}) that refines the shape once per crop scale, coarse to fine, with one set of
 * parameters.
 *
 * <pre>
 *   inputs  crop1 .. cropT   B x 1 x s_t x s_t, (grey − 127.5) / 64 ({@link #input(GrayImage...)})
 *   cnn1    conv 5x5 stride 2, c, batch norm, ReLU        on crop1
 *   cnn2    conv 3x3 stride 2, 2c, batch norm, ReLU
 *   cnn3    conv 3x3 stride 2, 4c, batch norm, ReLU
 *           (cnn-strided = false: stride 1, each followed by a 2x2 max-pool; cnn-batch-norm = false: no batch norm)
 *   cnnfc   dense, cnnHidden, ReLU
 *   s0      dense, 2P, identity: the initial shape S0
 *   start   with msrrn.s0-perturb: Add(s0, shift), input shift (B x 2P) the sample's perturbation of S0 in
 *           training, zeros at inference ({@link #predictBatch} supplies them)
 *   rrn     RecurrentRegressionVertex(start or s0, crop1 .. cropT): concat(S0, S1, .., ST), B x 2P (T+1)
 *   loss    LossLayer, L2 against the target tiled T+1 times
 * </pre>
 *
 * <p>All shapes are in the unit frame of {@link org.facealign.augment.MultiscaleCrops} (the crop is {@code
 * [0, 1]²} at every scale), x and y interleaved. The loss is {@code Σ_{t=0..T} ‖S^t − S*‖²}, which for
 * {@code t ≥ 1} is the paper's per-stage {@code ‖f_t − (S* − S^{t−1})‖²} summed over the stages, plus a term
 * that trains the initialiser directly (DL4J averages it over the batch).
 *
 * <p>Choices where the paper is silent:
 *
 * <ul>
 *   <li>The paper gives the initialiser's layers but not how it was made to train; from scratch on the ~3,600
 *       samples of 300-W, batch normalisation after each convolution (DL4J's layer: batch statistics in training,
 *       running ones at inference, both averaged with the parameters) and stride-2 convolutions in place of
 *       convolution + max-pooling. Batch and patch normalisation ({@link RecurrentRegressionVertex}) let the
 *       network reach a lower error in the same number of steps; stride 2 costs the initialiser a little accuracy
 *       (its S0) for a quarter of its convolutions' multiply-adds (1.9 million against 7.0 million on a 50-px
 *       crop, 16 channels). {@code ConfigMsrrn} keeps both older forms as options.
 *   <li>Every convolution (and pooling) of the initialiser uses DL4J's {@link ConvolutionMode#Same} (a 50-px
 *       crop gives 25, 13 and 7 px maps), so any crop size of at least 8 px works.
 *   <li>Pixel normalisation {@code (grey − 127.5) / 64}: centred, roughly unit spread on face crops.
 *   <li>S0's dense layer starts with weights of standard deviation {@value #S0_SCALE} and the mean unit shape
 *       as bias, so S0 starts at the mean shape and the first gradients do not throw it about.
 *   <li>Adam at {@code cfg.learningRate()}, L2 {@code cfg.weightDecay()} on every weight (the vertex's
 *       included, {@link RecurrentRegressionVertex#training}) and on no bias; He initialisation elsewhere; an
 *       explicit seed.
 *   <li>DL4J's workspaces are on ({@link WorkspaceMode#ENABLED}), for training and inference: the recurrent
 *       vertex allocates its output and epsilons through the graph's workspace manager and keeps its own working
 *       arrays outside the workspaces.
 *   <li>Dropout ({@code cfg.dropout()}, off by default): on the initialiser's hidden dense units (as the input of
 *       S0's layer, DL4J's inverted dropout) and on the recurrent network's fc1 units
 *       ({@link RecurrentRegressionVertex#dropout}), the two hidden fully connected layers.
 *   <li>The initialiser's S0 is not detached from the recurrent network: the stages' losses also train it, as
 *       one graph trained end to end does.
 *   <li>With {@code msrrn.s0-perturb}, the stages start in training from S0 plus the sample's perturbation (a
 *       graph input, drawn by the trainer); the loss's S0 term is then that of the perturbed S0, whose gradient on
 *       the initialiser is the unperturbed one plus zero-mean noise.
 * </ul>
 */
public final class MsrrnGraph {
  /** Vertex names. */
  public static final String CNN1 = "cnn1";
  public static final String POOL1 = "pool1";
  public static final String CNN2 = "cnn2";
  public static final String POOL2 = "pool2";
  public static final String CNN3 = "cnn3";
  public static final String POOL3 = "pool3";
  public static final String CNN_FC = "cnnfc";
  public static final String S0 = "s0";
  /** Input of S0's training perturbation, {@code B x 2P}, with {@code msrrn.s0-perturb}. */
  public static final String SHIFT = "shift";
  /** The vertex {@code s0 + shift} the recurrent stages start from, with {@code msrrn.s0-perturb}. */
  public static final String START = "start";
  public static final String RRN = "rrn";
  public static final String LOSS = "loss";

  /** Standard deviation of S0's initial weights. */
  public static final double S0_SCALE = 1e-3;
  /** Grey level mapped to 0. */
  public static final double PIXEL_MEAN = 127.5;
  /** Grey levels per unit after normalisation. */
  public static final double PIXEL_SCALE = 64;

  private MsrrnGraph() {}

  /** The graph's input names, {@code crop1 .. crop<stages>}. */
  public static String[] inputNames(int stages) {
    String[] r = new String[stages];
    for (int t = 1; t <= stages; t++) {
      r[t - 1] = RecurrentRegressionVertex.cropInput(t);
    }
    return r;
  }

  /**
   * A new, initialised graph.
   *
   * @param points landmarks P
   * @param cropSizes crop sides, coarse to fine; the first {@code cfg.stages()} are used
   * @param meanUnitShape the initial S0 (length 2P, unit frame)
   * @param dt the network's data type (FLOAT; DOUBLE for gradient checks)
   */
  public static ComputationGraph build(ConfigMsrrn cfg, int points, int[] cropSizes, double[] meanUnitShape, long seed,
      DataType dt) {
    if (meanUnitShape.length != 2 * points) {
      throw new IllegalArgumentException("mean shape has " + meanUnitShape.length + " values, " + points
          + " points need " + 2 * points);
    }
    ComputationGraph g = new ComputationGraph(configuration(cfg, points, cropSizes, seed, dt));
    g.init();
    INDArray bias = g.getParam(S0 + "_b");
    try (INDArray mean = Nd4j.create(meanUnitShape, bias.shape(), 'c').castTo(bias.dataType())) {
      bias.assign(mean);
    }
    return g;
  }

  /** The configuration of {@link #build}, weights not yet initialised. */
  public static ComputationGraphConfiguration configuration(ConfigMsrrn cfg, int points, int[] cropSizes, long seed,
      DataType dt) {
    int stages = cfg.stages();
    if (cropSizes.length < stages) {
      throw new IllegalArgumentException(stages + " stages need " + stages + " crop sizes, got "
          + Arrays.toString(cropSizes));
    }
    int[] sizes = Arrays.copyOf(cropSizes, stages);
    int c = cfg.cnnChannels();
    IUpdater updater = new Adam(cfg.learningRate());
    List<Regularization> weightDecay = cfg.weightDecay() > 0 ? List.of(new L2Regularization(cfg.weightDecay()))
        : List.of();
    ComputationGraphConfiguration.GraphBuilder b = new NeuralNetConfiguration.Builder()
        .seed(seed)
        .dataType(dt)
        .updater(updater)
        .l2(cfg.weightDecay())
        .weightInit(WeightInit.RELU)
        .convolutionMode(ConvolutionMode.Same)
        .trainingWorkspaceMode(WorkspaceMode.ENABLED)
        .inferenceWorkspaceMode(WorkspaceMode.ENABLED)
        .graphBuilder();
    String[] inputs = inputNames(stages);
    b.addInputs(inputs);
    boolean shift = cfg.s0Perturb() > 0;
    InputType[] types = new InputType[stages + (shift ? 1 : 0)];
    for (int t = 0; t < stages; t++) {
      types[t] = InputType.convolutional(sizes[t], sizes[t], 1);
    }
    if (shift) {
      b.addInputs(SHIFT);
      types[stages] = InputType.feedForward(2L * points);
    }
    b.setInputTypes(types);
    boolean bn = cfg.cnnBatchNorm();
    String last = inputs[0];
    String[] names = {CNN1, CNN2, CNN3};
    String[] pools = {POOL1, POOL2, POOL3};
    for (int i = 0; i < 3; i++) {
      int k = i == 0 ? 5 : 3;
      last = convBlock(b, names[i], k, c << i, cfg.cnnStrided() ? 2 : 1, bn, last);
      if (!cfg.cnnStrided()) {
        b.addLayer(pools[i], pool(), last);
        last = pools[i];
      }
    }
    b.addLayer(CNN_FC, new DenseLayer.Builder().nOut(cfg.cnnHidden()).activation(Activation.RELU).build(), last);
    DenseLayer.Builder s0 = new DenseLayer.Builder().nOut(2L * points).activation(Activation.IDENTITY)
        .weightInit(new NormalDistribution(0, S0_SCALE));
    if (cfg.dropout() > 0) {
      s0.dropOut(1 - cfg.dropout()); // DL4J's argument is the probability of keeping the layer's inputs
    }
    b.addLayer(S0, s0.build(), CNN_FC);
    if (shift) {
      b.addVertex(START, new ElementWiseVertex(ElementWiseVertex.Op.Add), S0, SHIFT);
    }
    String[] rrnInputs = new String[stages + 1];
    rrnInputs[0] = shift ? START : S0;
    System.arraycopy(inputs, 0, rrnInputs, 1, stages);
    b.addVertex(RRN, new RecurrentRegressionVertex(points, sizes, cfg.patchSize(), cfg.rrnChannels(), cfg.rrnHidden(),
        cfg.positionGradient(), seed).patchNormalisation(cfg.patchNormalisation())
        .leakySlope(cfg.rrnLeakySlope()).dropout(cfg.dropout()).training(updater.clone(), weightDecay), rrnInputs);
    b.addLayer(LOSS, new LossLayer.Builder(Losses.function(cfg.loss(), 1))
        .activation(Activation.IDENTITY).build(), RRN);
    b.setOutputs(LOSS);
    return b.build();
  }

  /**
   * Convolution {@code name} (k x k, {@code out} channels, the given stride) on {@code input} with its ReLU: in the layer, or, with
   * batch normalisation, as conv (no bias) → {@code name_bn} → {@code name_relu}. Returns the block's last vertex.
   */
  private static String convBlock(ComputationGraphConfiguration.GraphBuilder b, String name, int k, int out,
      int stride, boolean batchNorm, String input) {
    if (!batchNorm) {
      b.addLayer(name, new ConvolutionLayer.Builder(k, k).stride(stride, stride).nOut(out).activation(Activation.RELU).build(),
          input);
      return name;
    }
    b.addLayer(name, new ConvolutionLayer.Builder(k, k).stride(stride, stride).nOut(out).hasBias(false)
        .activation(Activation.IDENTITY).build(), input);
    b.addLayer(name + "_bn", new BatchNormalization.Builder().build(), name);
    b.addLayer(name + "_relu", new ActivationLayer.Builder().activation(Activation.RELU).build(), name + "_bn");
    return name + "_relu";
  }

  private static SubsamplingLayer pool() {
    return new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build();
  }

  /** The recurrent regression vertex's configuration in {@code g}. */
  public static RecurrentRegressionVertex vertex(ComputationGraph g) {
    return (RecurrentRegressionVertex) g.getConfiguration().getVertices().get(RRN);
  }

  /**
   * The recurrent network's shared parameters, by the keys of {@link RecurrentRegressionVertex} ({@code
   * conv1W} ..): views into the graph's parameter vector.
   */
  public static Map<String, INDArray> sharedParameters(ComputationGraph g) {
    return g.getVertex(RRN).paramTable(false);
  }

  /** The number of recurrent stages T of {@code g}. */
  public static int stages(ComputationGraph g) {
    return vertex(g).getStages();
  }

  /** Whether {@code g} has the {@link #SHIFT} input (built with {@code msrrn.s0-perturb}). */
  public static boolean hasShift(ComputationGraph g) {
    return g.getConfiguration().getNetworkInputs().contains(SHIFT);
  }

  /** The number of landmarks P of {@code g}. */
  public static int points(ComputationGraph g) {
    return vertex(g).getPoints();
  }

  /** The crops of one face, coarse to fine, as FLOAT inputs {@code [1, 1, s, s]}, normalised. */
  public static INDArray[] input(GrayImage... crops) {
    return input(DataType.FLOAT, crops);
  }

  /** As {@link #input(GrayImage...)} in data type {@code dt}. */
  public static INDArray[] input(DataType dt, GrayImage... crops) {
    return input(dt, List.<GrayImage[]>of(crops));
  }

  /**
   * The crops of N faces (each coarse to fine, the same sizes for all) as one batch per scale, {@code [N, 1, s,
   * s]}, normalised.
   */
  public static INDArray[] input(DataType dt, List<GrayImage[]> faces) {
    int n = faces.size();
    if (n == 0) {
      throw new IllegalArgumentException("no faces");
    }
    int scales = faces.get(0).length;
    INDArray[] r = new INDArray[scales];
    for (int k = 0; k < scales; k++) {
      int s = faces.get(0)[k].width();
      float[] px = new float[n * s * s];
      for (int i = 0; i < n; i++) {
        GrayImage[] f = faces.get(i);
        if (f.length != scales) {
          throw new IllegalArgumentException("face " + i + " has " + f.length + " crops, face 0 " + scales);
        }
        GrayImage im = f[k];
        if (im.width() != s || im.height() != s) {
          throw new IllegalArgumentException("crop " + k + " of face " + i + " is " + im.width() + "x" + im.height()
              + ", expected " + s + "x" + s);
        }
        float[] v = im.toArray();
        for (int j = 0; j < v.length; j++) {
          px[i * s * s + j] = (float) ((v[j] - PIXEL_MEAN) / PIXEL_SCALE);
        }
      }
      r[k] = cast(Nd4j.create(px, new long[] {n, 1, s, s}, 'c'), dt);
    }
    return r;
  }

  /** One example: features {@code crops} (the first {@code stages}), labels the target tiled T+1 times. */
  public static MultiDataSet toMultiDataSet(INDArray[] crops, double[] unitTarget, int stages) {
    return toMultiDataSet(crops, new double[][] {unitTarget}, stages);
  }

  /**
   * A batch: features {@code crops} (the first {@code stages}, each {@code [N, 1, s, s]}), labels the N targets
   * tiled T+1 times, {@code [N, 2P (T+1)]}, in the crops' data type.
   */
  public static MultiDataSet toMultiDataSet(INDArray[] crops, double[][] unitTargets, int stages) {
    return toMultiDataSet(crops, unitTargets, null, stages);
  }

  /**
   * As {@link #toMultiDataSet(INDArray[], double[][], int)}, with a last feature {@link #SHIFT} holding {@code
   * shifts[i]} (unit frame) for example i, for a graph built with {@code msrrn.s0-perturb}; null: no such input.
   */
  public static MultiDataSet toMultiDataSet(INDArray[] crops, double[][] unitTargets, double[][] shifts, int stages) {
    if (crops.length < stages) {
      throw new IllegalArgumentException(stages + " stages need " + stages + " crops, got " + crops.length);
    }
    int n = unitTargets.length;
    if (crops[0].size(0) != n) {
      throw new IllegalArgumentException(crops[0].size(0) + " crops but " + n + " targets");
    }
    int out = unitTargets[0].length;
    double[] labels = new double[n * out * (stages + 1)];
    for (int i = 0; i < n; i++) {
      for (int t = 0; t <= stages; t++) {
        System.arraycopy(unitTargets[i], 0, labels, (i * (stages + 1) + t) * out, out);
      }
    }
    DataType dt = crops[0].dataType();
    INDArray l = cast(Nd4j.create(labels, new long[] {n, (long) out * (stages + 1)}, 'c'), dt);
    INDArray[] features = Arrays.copyOf(crops, stages + (shifts == null ? 0 : 1));
    if (shifts != null) {
      if (shifts.length != n) {
        throw new IllegalArgumentException(shifts.length + " shifts but " + n + " targets");
      }
      double[] flat = new double[n * out];
      for (int i = 0; i < n; i++) {
        System.arraycopy(shifts[i], 0, flat, i * out, out);
      }
      features[stages] = cast(Nd4j.create(flat, new long[] {n, out}, 'c'), dt);
    }
    return new org.nd4j.linalg.dataset.MultiDataSet(features, new INDArray[] {l});
  }

  /** The shapes S0 .. ST of one example (crops {@code [1, 1, s, s]}), unit frame. */
  public static double[][] predictStages(ComputationGraph g, INDArray[] crops) {
    if (crops[0].size(0) != 1) {
      throw new IllegalArgumentException("one example expected, got " + crops[0].size(0));
    }
    return predictBatch(g, crops)[0];
  }

  /**
   * The shapes S0 .. ST of N faces, each given as its crops (coarse to fine): {@code [face][stage 0..T][2P]}, unit
   * frame, inference mode. The input arrays are made here and released before it returns.
   */
  public static double[][][] predictBatch(ComputationGraph g, List<GrayImage[]> faces) {
    INDArray[] in = input(DataType.FLOAT, faces);
    try {
      return predictBatch(g, in);
    } finally {
      for (INDArray a : in) {
        a.close();
      }
    }
  }

  /**
   * As {@link #predictBatch(ComputationGraph, List)} on inputs already made (crops {@code [N, 1, s, s]}), which stay
   * the caller's to close.
   */
  public static double[][][] predictBatch(ComputationGraph g, INDArray[] crops) {
    int stages = stages(g);
    int out = 2 * points(g);
    boolean shift = hasShift(g);
    INDArray[] in = Arrays.copyOf(crops, stages + (shift ? 1 : 0));
    if (shift) {
      in[stages] = Nd4j.zeros(crops[0].dataType(), crops[0].size(0), out);
    }
    INDArray o = g.output(false, in)[0];
    double[][] rows = o.toDoubleMatrix();
    o.close();
    if (shift) {
      in[stages].close();
    }
    double[][][] r = new double[rows.length][stages + 1][out];
    for (int i = 0; i < rows.length; i++) {
      for (int t = 0; t <= stages; t++) {
        System.arraycopy(rows[i], t * out, r[i][t], 0, out);
      }
    }
    return r;
  }

  private static INDArray cast(INDArray a, DataType dt) {
    if (a.dataType() == dt) {
      return a;
    }
    INDArray c = a.castTo(dt);
    a.close();
    return c;
  }
}

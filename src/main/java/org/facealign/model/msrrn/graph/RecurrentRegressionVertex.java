package org.facealign.model.msrrn.graph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.facealign.model.msrrn.kernel.PatchKernels;
import org.facealign.model.msrrn.kernel.PatchSampler;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.regularization.Regularization;

/**
 * The recurrent regression network of MSRRN (Wang et al., "Multiscale recurrent regression networks for face
 * alignment", 2017), unrolled over its T stages inside one graph vertex that owns the parameters all stages
 * share. This is the vertex's configuration; {@link RecurrentRegressionGraphVertex} computes it.
 *
 * <pre>
 *   inputs  s0 (B x 2P, unit frame, x y interleaved), crop1 .. cropT (B x 1 x s_t x s_t, coarse to fine)
 *   stage t = 1..T:
 *     patches  one p x p bilinear patch of crop t per landmark of S^{t-1}   ({@link PatchSampler})
 *     conv1    3x3 same, 1 -> c, ReLU*, max-pool 2                         \
 *     conv2    3x3 same, c -> c, ReLU*, max-pool 2                          | shared by the P landmarks
 *     concat   the P feature maps, landmark-major: B x P c (p/4)²          /  and by the T stages
 *     fc1      -> h, ReLU*
 *     fc2      -> 2P, identity: the increment f_t
 *     S^t = S^{t-1} + f_t
 *   output  concat(S0, S1, .., ST): B x 2P (T+1)
 *   * leaky if leakySlope > 0 (see Rectifiers below)
 * </pre>
 *
 * <p>The paper's recurrence {@code S^t = S^{t-1} + f(φ(I_t, S^{t-1}); W)} uses one parameter set W at every
 * stage, which a chain of ordinary DL4J layers cannot express (each layer owns its parameters); here the stages
 * are unrolled inside one vertex with a hand-written forward and backward pass, which sums the gradient of W
 * over the stages. The parameters are, in the order of the parameter vector, {@code conv1W [3, 3, 1, c],
 * conv2W [3, 3, c, c], fc1W [P c (p/4)², h], fc2W [h, 2P]} (all row-major; the convolution kernels are
 * [row, column, input channel, output channel] and correlate, as DL4J's and ND4J's do) and then {@code conv1b,
 * conv2b, fc1b, fc2b}, once, whatever T.
 *
 * <p>Choices where the paper is silent:
 *
 * <ul>
 *   <li>Patch sampling: bilinear, centred, border replicated, in the crop's pixel-area convention, exactly
 *       {@link PatchSampler}'s (a non-finite position is clamped to the corner there as here; a diverged
 *       network still shows in its loss, since S^t carries the non-finite S^{t-1} additively).
 *   <li>Padding "same" (one zero pixel) for both 3x3 convolutions; 2x2 max-pooling with stride 2, so p must be a
 *       multiple of 4.
 *   <li>{@code positionGradient = false} (the default of {@code facealign.msrrn}) stops the gradient at the
 *       sampling positions: the loss reaches S^{t-1} only through the additive path {@code S^t = S^{t-1} + f}, so
 *       each stage learns from the patches it was given, as a stage of a cascade does, and the bilinear
 *       derivative (piecewise constant, discontinuous at every pixel line, zero where the patch is clamped to
 *       the border) is not trusted. {@code true} back-propagates it into the patch pixels and through the
 *       bilinear weights to the positions: the exact gradient of the unrolled network. The crops never receive
 *       a gradient (their epsilons are zero).
 *   <li>The landmark features are concatenated, not pooled, so fc1 knows which landmark each came from.
 *   <li>Rectifiers: the paper says ReLU. {@link #leakySlope(double) Leaky} rectifiers (slope 0.1, {@code
 *       facealign.msrrn}'s default) cannot die and train faster here. Held-out IP-NME after 2 epochs of
 *       {@code train --model msrrn -D facealign.msrrn.epochs=2 -D facealign.msrrn.workers=1} on 300-W (with
 *       {@code rrn-leaky-slope = 0} for ReLU): ReLU at 1e-4 11.75 %, ReLU at 3e-4 11.68 %, ReLU at 1e-3 16.51 %
 *       (its stages add nothing to S0's 16.53 %: the units are dead), leaky at 3e-4 10.27 %.
 *   <li>Initialisation (seeded by {@link #getSeed()}, independent of ND4J's global generator): He normal for
 *       both convolutions and fc1, zero biases; fc2 normal with standard deviation {@value #FC2_SCALE} and zero
 *       bias, so the first increments are close to zero and S^t starts at the initialiser's S0.
 *   <li>Training: the {@link #getUpdater() updater} and the {@link #getRegularization() regularisation} of the
 *       weights are set by the graph's builder ({@link MsrrnGraph}: the graph's Adam, L2 on the four weights and
 *       on no bias); DL4J's updater applies them to this vertex's parameters as to a layer's.
 * </ul>
 *
 * <p><b>Cost.</b> This vertex is the training path: per stage and batch, fc1's product reads its {@code P c (p/4)²
 * x h} weights (5 MB in float), then the convolutions' products, the Java im2col and the pooling with its argmax.
 * The progress lines of training print its samples/s. Inference does not run it: {@link
 * org.facealign.model.msrrn.MsrrnPredictor} computes the same forward pass in plain Java (its time: README,
 * "MSRRN", {@code bench predict}).
 *
 * <p>The configuration is plain fields with a no-argument constructor, so the graph's JSON carries it and a
 * worker rebuilds the vertex by class name.
 */
public class RecurrentRegressionVertex extends GraphVertex {
  private static final long serialVersionUID = 2L;

  /**
   * Added to a patch's variance before its standardisation (normalised grey units², {@link MsrrnGraph}'s scale:
   * 0.01 is a spread of about 6 grey levels), so flat patches are not blown up to noise.
   */
  public static final double PATCH_EPSILON = 0.01;

  /** Standard deviation of fc2's initial weights. */
  public static final double FC2_SCALE = 1e-3;

  /** Name of the shape input. */
  public static final String SHAPE_INPUT = "s0";

  /** Parameter keys. */
  public static final String CONV1_W = "conv1W";
  public static final String CONV1_B = "conv1b";
  public static final String CONV2_W = "conv2W";
  public static final String CONV2_B = "conv2b";
  public static final String FC1_W = "fc1W";
  public static final String FC1_B = "fc1b";
  public static final String FC2_W = "fc2W";
  public static final String FC2_B = "fc2b";

  /** The parameter keys in the order of the parameter vector: the weights, then the biases. */
  public static final List<String> PARAMETER_KEYS = List.of(CONV1_W, CONV2_W, FC1_W, FC2_W, CONV1_B, CONV2_B,
      FC1_B, FC2_B);

  private int points;
  private int stages;
  private int[] cropSizes;
  private int patchSize;
  private int channels;
  private int hidden;
  private boolean positionGradient;
  private boolean patchNormalisation;
  private double leakySlope;
  private double dropout;
  private long seed;
  private IUpdater updater;
  private List<Regularization> regularization = new ArrayList<>();
  private DataType dataType;

  /** For JSON. */
  public RecurrentRegressionVertex() {}

  /**
   * @param points landmarks P
   * @param cropSizes the side of each stage's crop, coarse to fine; its length is the number of stages T
   * @param patchSize patch side p, a multiple of 4
   * @param channels channels c of both convolutions
   * @param hidden units h of fc1
   * @param positionGradient whether the gradient flows through the sampling positions
   * @param seed seed of the initial parameters
   */
  public RecurrentRegressionVertex(int points, int[] cropSizes, int patchSize, int channels, int hidden,
      boolean positionGradient, long seed) {
    if (points < 1 || cropSizes.length < 1 || patchSize < 4 || patchSize % 4 != 0 || channels < 1 || hidden < 1) {
      throw new IllegalArgumentException("invalid recurrent regression vertex: points " + points + ", crops "
          + Arrays.toString(cropSizes) + ", patch " + patchSize + ", channels " + channels + ", hidden " + hidden);
    }
    for (int s : cropSizes) {
      if (s < 2) {
        throw new IllegalArgumentException("crops must be at least 2 px, got " + Arrays.toString(cropSizes));
      }
    }
    this.points = points;
    this.stages = cropSizes.length;
    this.cropSizes = cropSizes.clone();
    this.patchSize = patchSize;
    this.channels = channels;
    this.hidden = hidden;
    this.positionGradient = positionGradient;
    this.seed = seed;
  }

  /**
   * This vertex with every sampled patch standardised to zero mean and unit spread ({@code (x − μ) / sqrt(σ² +
   * }{@value #PATCH_EPSILON}{@code )}, per patch) before the first convolution, or not (the default, and what
   * models saved without the field mean).
   */
  public RecurrentRegressionVertex patchNormalisation(boolean on) {
    this.patchNormalisation = on;
    return this;
  }

  /**
   * This vertex with leaky rectifiers: every ReLU of the vertex (after both convolutions and fc1) passes negative
   * inputs scaled by {@code slope} in [0, 1) instead of cutting them. 0, the default and what models saved without
   * the field mean, is the plain ReLU.
   */
  public RecurrentRegressionVertex leakySlope(double slope) {
    if (!(slope >= 0 && slope < 1)) {
      throw new IllegalArgumentException("leaky slope must be in [0, 1), got " + slope);
    }
    this.leakySlope = slope;
    return this;
  }

  /**
   * This vertex with dropout on fc1: in training, each of its units is dropped with probability {@code p} in [0,
   * 1) at every stage (a fresh mask per stage and pass, drawn from ND4J's generator), the kept ones scaled by 1 /
   * (1 - p), so inference reads the weights as they are. 0, the default and what models saved without the field
   * mean, is none.
   */
  public RecurrentRegressionVertex dropout(double p) {
    if (!(p >= 0 && p < 1)) {
      throw new IllegalArgumentException("dropout must be in [0, 1), got " + p);
    }
    this.dropout = p;
    return this;
  }

  /** This vertex trained by {@code updater}, with {@code regularization} on its weights (not its biases). */
  public RecurrentRegressionVertex training(IUpdater updater, List<Regularization> regularization) {
    this.updater = updater;
    this.regularization = new ArrayList<>(regularization);
    return this;
  }

  public int getPoints() {
    return points;
  }

  public int getStages() {
    return stages;
  }

  public int[] getCropSizes() {
    return cropSizes == null ? null : cropSizes.clone();
  }

  public int getPatchSize() {
    return patchSize;
  }

  public int getChannels() {
    return channels;
  }

  public int getHidden() {
    return hidden;
  }

  public boolean isPositionGradient() {
    return positionGradient;
  }

  public boolean isPatchNormalisation() {
    return patchNormalisation;
  }

  public double getLeakySlope() {
    return leakySlope;
  }

  public double getDropout() {
    return dropout;
  }

  public long getSeed() {
    return seed;
  }

  /** The updater of every parameter (null: none set). */
  public IUpdater getUpdater() {
    return updater;
  }

  /** The regularisation of the weights; the biases have none. */
  public List<Regularization> getRegularization() {
    return regularization;
  }

  public DataType getDataType() {
    return dataType;
  }

  @Override
  public void setDataType(DataType dataType) {
    this.dataType = dataType;
  }

  /** The regularisation of parameter {@code key}: {@link #getRegularization()} for weights, none for biases. */
  public List<Regularization> getRegularizationByParam(String key) {
    return isWeight(key) ? regularization : List.of();
  }

  static boolean isWeight(String key) {
    return key.equals(CONV1_W) || key.equals(CONV2_W) || key.equals(FC1_W) || key.equals(FC2_W);
  }

  /** Name of the crop input of stage {@code t} (1-based). */
  public static String cropInput(int t) {
    return "crop" + t;
  }

  /** Length of the concatenated landmark features: {@code P c (p/4)²}. */
  public long featureLength() {
    long q = patchSize / 4;
    return (long) points * channels * q * q;
  }

  /** The shape of parameter {@code key}. */
  public long[] paramShape(String key) {
    return switch (key) {
      case CONV1_W -> new long[] {3, 3, 1, channels};
      case CONV2_W -> new long[] {3, 3, channels, channels};
      case FC1_W -> new long[] {featureLength(), hidden};
      case FC2_W -> new long[] {hidden, 2L * points};
      case CONV1_B, CONV2_B -> new long[] {channels};
      case FC1_B -> new long[] {hidden};
      case FC2_B -> new long[] {2L * points};
      default -> throw new IllegalArgumentException("no parameter " + key);
    };
  }

  @Override
  public long numParams(boolean backprop) {
    long n = 0;
    for (String k : PARAMETER_KEYS) {
      long len = 1;
      for (long d : paramShape(k)) {
        len *= d;
      }
      n += len;
    }
    return n;
  }

  @Override
  public int minVertexInputs() {
    return stages + 1;
  }

  @Override
  public int maxVertexInputs() {
    return stages + 1;
  }

  @Override
  public org.deeplearning4j.nn.graph.vertex.GraphVertex instantiate(ComputationGraph graph, String name, int idx,
      INDArray paramsView, boolean initializeParams, DataType networkDatatype) {
    return new RecurrentRegressionGraphVertex(this, graph, name, idx, paramsView, initializeParams, networkDatatype);
  }

  /**
   * The vertex's sampler alone, run on arrays: the patches of every landmark of {@code shape} ({@code [B, 2P]},
   * unit frame) in {@code crop} ({@code [B, 1, s, s]}), {@code [B P, 1, p, p]} in the crop's data type. For
   * tests against {@link PatchSampler}.
   */
  INDArray samplePatches(INDArray crop, INDArray shape) {
    int b = (int) crop.size(0);
    int s = (int) crop.size(2);
    double[] image = crop.dup('c').castTo(DataType.DOUBLE).data().asDouble();
    double[] pos = shape.dup('c').castTo(DataType.DOUBLE).data().asDouble();
    double[] out = new double[b * points * patchSize * patchSize];
    PatchKernels.sample(image, s, pos, b, points, patchSize, out);
    return Nd4j.create(out, new long[] {(long) b * points, 1, patchSize, patchSize}, 'c').castTo(crop.dataType());
  }

  @Override
  public InputType getOutputType(int layerIndex, InputType... vertexInputs) {
    return InputType.feedForward(2L * points * (stages + 1));
  }

  @Override
  public MemoryReport getMemoryReport(InputType... inputTypes) {
    long n = numParams(true);
    long patches = (long) points * patchSize * patchSize;
    // per example and stage: the im2col matrices of both convolutions, their outputs, features and hidden units
    long perExample = (long) stages * (patches * 9 + patches / 4 * 9 * channels + patches * channels
        + featureLength() + hidden + 2L * points);
    return new LayerMemoryReport.Builder(null, RecurrentRegressionVertex.class, inputTypes[0],
        getOutputType(-1, inputTypes))
        .standardMemory(n, updater == null ? 0 : updater.stateSize(n))
        .workingMemory(0, perExample, 0, perExample)
        .cacheMemory(0, 0)
        .build();
  }

  @Override
  public RecurrentRegressionVertex clone() {
    RecurrentRegressionVertex v = new RecurrentRegressionVertex(points, cropSizes, patchSize, channels, hidden,
        positionGradient, seed).patchNormalisation(patchNormalisation).leakySlope(leakySlope).dropout(dropout);
    List<Regularization> regs = new ArrayList<>();
    for (Regularization r : regularization) {
      regs.add(r.clone());
    }
    v.training(updater == null ? null : updater.clone(), regs);
    v.setDataType(dataType);
    return v;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RecurrentRegressionVertex v && v.points == points && v.stages == stages
        && Arrays.equals(v.cropSizes, cropSizes) && v.patchSize == patchSize && v.channels == channels
        && v.hidden == hidden && v.positionGradient == positionGradient
        && v.patchNormalisation == patchNormalisation && v.leakySlope == leakySlope && v.dropout == dropout && v.seed == seed
        && Objects.equals(v.updater, updater) && Objects.equals(v.regularization, regularization)
        && v.dataType == dataType;
  }

  @Override
  public int hashCode() {
    return Objects.hash(points, stages, Arrays.hashCode(cropSizes), patchSize, channels, hidden, positionGradient,
        patchNormalisation, leakySlope, dropout, seed, updater, regularization, dataType);
  }

  @Override
  public String toString() {
    return "RecurrentRegressionVertex(points=" + points + ", crops=" + Arrays.toString(cropSizes) + ", patch="
        + patchSize + ", channels=" + channels + ", hidden=" + hidden  + ", positionGradient=" + positionGradient
        + ", patchNormalisation=" + patchNormalisation + ", leakySlope=" + leakySlope + ", dropout=" + dropout
        + ", seed=" + seed + ")";
  }
}

package org.facealign.model.msrrn.graph;

import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDVertexParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffVertex;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.enums.WeightsFormat;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.controlflow.compat.StopGradient;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Pooling2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Pooling2DConfig;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The recurrent regression network of MSRRN (Wang et al., "Multiscale recurrent regression networks for face
 * alignment", 2017), unrolled over its T stages inside one vertex that owns the parameters all stages share.
 *
 * <pre>
 *   inputs  s0 (B x 2P, unit frame, x y interleaved), crop1 .. cropT (B x 1 x s_t x s_t, coarse to fine)
 *   stage t = 1..T:
 *     patches  one p x p bilinear patch of crop t per landmark of S^{t-1}   ({@link PatchSampler})
 *     conv1    3x3 same, 1 -> c, ReLU, max-pool 2                          \
 *     conv2    3x3 same, c -> c, ReLU, max-pool 2                           | shared by the P landmarks
 *     concat   the P feature maps, landmark-major: B x P c (p/4)²          /  and by the T stages
 *     fc1      -> h, ReLU
 *     fc2      -> 2P, identity: the increment f_t
 *     S^t = S^{t-1} + f_t
 *   output  concat(S0, S1, .., ST): B x 2P (T+1)
 * </pre>
 *
 * <p>The paper's recurrence {@code S^t = S^{t-1} + f(φ(I_t, S^{t-1}); W)} uses one parameter set W at every
 * stage, which a chain of ordinary DL4J layers cannot express (each layer owns its parameters); here the stages
 * are unrolled inside a {@link SameDiffVertex}, whose automatic differentiation sums the gradient of W over the
 * stages. The parameters are {@code conv1W, conv1b, conv2W, conv2b, fc1W, fc1b, fc2W, fc2b}, once, whatever T.
 *
 * <p>Choices where the paper is silent:
 *
 * <ul>
 *   <li>Patch sampling: bilinear, centred, border replicated, in the crop's pixel-area convention; see {@link
 *       PatchSampler}, which the vertex's sampler equals (as separable tent-weight matrix products, see {@link
 *       #samplePatches}; differentiable in the position). The crops receive a gradient too (DL4J asks for one
 *       per input) that nothing uses.
 *   <li>{@code positionGradient = false} (the default of {@code facealign.msrrn}) puts a stop-gradient on the
 *       sampling positions: the loss reaches S^{t-1} only through the additive path {@code S^t = S^{t-1} + f},
 *       so each stage learns from the patches it was given, as a stage of a cascade does, and the bilinear
 *       derivative (piecewise constant, discontinuous at every pixel line, zero where the patch is clamped to
 *       the border) is not trusted. {@code true} back-propagates it: the exact gradient of the unrolled network.
 *   <li>The landmark features are concatenated, not pooled, so fc1 knows which landmark each came from.
 *   <li>Initialisation (seeded by {@link #getSeed()}, independent of ND4J's global generator): He normal for
 *       both convolutions and fc1, zero biases; fc2 normal with standard deviation {@value #FC2_SCALE} and zero
 *       bias, so the first increments are close to zero and S^t starts at the initialiser's S0.
 *   <li>No NaN guard: a non-finite position gives a NaN patch and NaN shapes from there on (where {@link
 *       PatchSampler} clamps it to the corner), so a diverged network shows in its loss.
 * </ul>
 *
 * <p><b>Cost</b>, measured with {@code ConfigMsrrn.defaults()}, 68 points, crops 50/100/200, float, on 2 cores
 * (whole graph, initialiser included): one example's forward 31 ms with {@code OMP_NUM_THREADS=1} (74 ms with 2
 * threads), 16 ms with one stage and 23 ms with two; a training step of 32 examples 5.6 s (7.9 s single-threaded;
 * 1.7 s with one stage). Two costs: the dense tent products, {@code s² P p} multiply-adds per crop (33 M at
 * 200 px, 2 M at 50 px), which make the finer stages dearer; and SameDiff's op-by-op execution with its
 * per-op overhead, which dominates the one-stage figure. A sampler written by hand (four reads per patch pixel,
 * its own backward) in a vertex that owns its parameters would remove the first; smaller fine crops (e.g.
 * 50/75/100) or fewer landmarks per stage reduce it meanwhile.
 *
 * <p>Two corrections for DL4J 1.0.0-M2.1, both pinned by the tests: the output goes through {@link
 * #halveGradient} (the SameDiff vertex doubles the incoming error), and the graph runs without workspaces
 * ({@link MsrrnGraph}).
 *
 * <p>The configuration is plain fields with a no-argument constructor, so the graph's JSON carries it and a
 * worker rebuilds the vertex by class name.
 */
public class RecurrentRegressionVertex extends SameDiffVertex {
  private static final long serialVersionUID = 1L;

  /** Standard deviation of fc2's initial weights. */
  public static final double FC2_SCALE = 1e-3;

  /** Name of the shape input. */
  public static final String SHAPE_INPUT = "s0";

  /** Parameter keys, in the order of the parameter vector. */
  public static final String CONV1_W = "conv1W";
  public static final String CONV1_B = "conv1b";
  public static final String CONV2_W = "conv2W";
  public static final String CONV2_B = "conv2b";
  public static final String FC1_W = "fc1W";
  public static final String FC1_B = "fc1b";
  public static final String FC2_W = "fc2W";
  public static final String FC2_B = "fc2b";

  private int points;
  private int stages;
  private int[] cropSizes;
  private int patchSize;
  private int channels;
  private int hidden;
  private boolean positionGradient;
  private long seed;

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

  public long getSeed() {
    return seed;
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

  @Override
  public void defineParametersAndInputs(SDVertexParams params) {
    String[] inputs = new String[stages + 1];
    inputs[0] = SHAPE_INPUT;
    for (int t = 1; t <= stages; t++) {
      inputs[t] = cropInput(t);
    }
    params.defineInputs(inputs);
    params.addWeightParam(CONV1_W, 3, 3, 1, channels);
    params.addBiasParam(CONV1_B, channels);
    params.addWeightParam(CONV2_W, 3, 3, channels, channels);
    params.addBiasParam(CONV2_B, channels);
    params.addWeightParam(FC1_W, featureLength(), hidden);
    params.addBiasParam(FC1_B, hidden);
    params.addWeightParam(FC2_W, hidden, 2L * points);
    params.addBiasParam(FC2_B, 2L * points);
  }

  @Override
  public void initializeParameters(Map<String, INDArray> params) {
    Random r = new Random(seed);
    normal(params.get(CONV1_W), Math.sqrt(2.0 / 9), r);
    normal(params.get(CONV2_W), Math.sqrt(2.0 / (9.0 * channels)), r);
    normal(params.get(FC1_W), Math.sqrt(2.0 / featureLength()), r);
    normal(params.get(FC2_W), FC2_SCALE, r);
    for (String b : new String[] {CONV1_B, CONV2_B, FC1_B, FC2_B}) {
      params.get(b).assign(0);
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

  @Override
  public SDVariable defineVertex(SameDiff sd, Map<String, SDVariable> layerInput, Map<String, SDVariable> params,
      Map<String, SDVariable> maskVars) {
    SDVariable shape = layerInput.get(SHAPE_INPUT);
    SDVariable[] all = new SDVariable[stages + 1];
    all[0] = shape;
    SDVariable s = shape;
    for (int t = 1; t <= stages; t++) {
      SDVariable patches = sample(sd, layerInput.get(cropInput(t)), s, cropSizes[t - 1]);
      SDVariable f = increment(sd, patches, params);
      s = s.add(f);
      all[t] = s;
    }
    return halveGradient(sd, sd.concat(1, all));
  }

  /**
   * {@code y} in the forward pass ({@code ½ y + ½ y} is exact), half the gradient in the backward pass. DL4J
   * 1.0.0-M2.1's {@code SameDiffGraphVertex} counts the incoming error twice (its {@code ExternalErrorsFunction}
   * both registers the error as the output's gradient and returns it from {@code doDiff}, and the two are
   * summed), so every gradient of a SameDiff vertex, and everything upstream of it, comes out doubled; {@code
   * GradientCheckTest} measured exactly 2 on every parameter before this and pins the correction.
   */
  static SDVariable halveGradient(SameDiff sd, SDVariable y) {
    return y.mul(0.5).add(new StopGradient(sd, y).outputVariable().mul(0.5));
  }

  /**
   * The vertex's sampler alone, run on arrays: the patches of every landmark of {@code shape} ({@code [B, 2P]},
   * unit frame) in {@code crop} ({@code [B, 1, s, s]}), {@code [B P, 1, p, p]}. For tests against {@link
   * PatchSampler}.
   */
  INDArray samplePatches(INDArray crop, INDArray shape) {
    SameDiff sd = SameDiff.create();
    SDVariable c = sd.placeHolder("crop", crop.dataType(), -1, 1, crop.size(2), crop.size(3));
    SDVariable s = sd.placeHolder("shape", shape.dataType(), -1, shape.size(1));
    SDVariable out = sample(sd, c, s, (int) crop.size(2));
    return sd.outputSingle(Map.of("crop", crop, "shape", shape), out.name());
  }

  /**
   * The patches of every landmark: {@code [B P, 1, p, p]}. Bilinear interpolation at a clamped coordinate x is
   * {@code Σ_X max(0, 1 − |X − x|) I[X]} over the pixel columns X (the "tent" weights are those of {@link
   * PatchSampler}: {@code 1 − a} and {@code a} on {@code ⌊x⌋} and {@code ⌊x⌋ + 1}), and it is separable, so the
   * patch of landmark k is {@code K_y I K_xᵀ} with {@code K_x[j, X] = max(0, 1 − |X − x_j|)} ({@code p x s})
   * and {@code K_y} alike. Two batched matrix products rather than gathers: ND4J's gather has no usable
   * backward in SameDiff (its scatter, a loop of {@code put}s, fails when a graph holds more than one gather;
   * the gather itself corrupted memory with rank-4 indices), and these products are differentiable in the
   * position everywhere but on the pixel lines. The price is {@code s² P p} multiply-adds per crop instead of
   * {@code 4 P p²}.
   */
  private SDVariable sample(SameDiff sd, SDVariable crop, SDVariable shape, int size) {
    int p = patchSize;
    DataType dt = shape.dataType();
    SDVariable pos = positionGradient ? shape : new StopGradient(sd, shape).outputVariable();
    SDVariable xy = pos.reshape(-1, points, 2);
    SDVariable ux = xy.get(SDIndex.all(), SDIndex.all(), SDIndex.point(0)).reshape(-1, points, 1, 1);
    SDVariable uy = xy.get(SDIndex.all(), SDIndex.all(), SDIndex.point(1)).reshape(-1, points, 1, 1);
    double[] offsets = new double[p];
    for (int j = 0; j < p; j++) {
      offsets[j] = j - (p - 1) / 2.0;
    }
    double[] pixels = new double[size];
    for (int j = 0; j < size; j++) {
      pixels[j] = j;
    }
    SDVariable offset = sd.constant(Nd4j.create(offsets, new long[] {1, 1, p, 1}, 'c').castTo(dt));
    SDVariable grid = sd.constant(Nd4j.create(pixels, new long[] {1, 1, 1, size}, 'c').castTo(dt));
    // sample coordinates in crop pixels, clamped to the crop (border replicated): [B, P, p, 1]
    SDVariable x = sd.math.clipByValue(ux.mul(size).sub(0.5).add(offset), 0, size - 1);
    SDVariable y = sd.math.clipByValue(uy.mul(size).sub(0.5).add(offset), 0, size - 1);
    // tent weights [B, P, p, s]
    SDVariable kx = sd.nn.relu(sd.math.abs(x.sub(grid)).rsub(1), 0);
    SDVariable ky = sd.nn.relu(sd.math.abs(y.sub(grid)).rsub(1), 0);
    // I K_xᵀ for all landmarks at once: [B, s, s] x [B, s, P p] -> [B, s, P p]
    SDVariable image = crop.reshape(-1, size, size);
    SDVariable cols = sd.mmul(image, kx.reshape(-1, (long) points * p, size), false, true, false);
    // per landmark: K_y [p, s] x (I K_xᵀ)_k [s, p] -> [B, P, p, p]
    SDVariable colsByPoint = sd.permute(cols.reshape(-1, size, points, p), 0, 2, 1, 3);
    SDVariable patch = sd.mmul(ky, colsByPoint);
    return patch.reshape(-1, 1, p, p);
  }

  /** The shared network on the patches of one stage: the increment, {@code [B, 2P]}. */
  private SDVariable increment(SameDiff sd, SDVariable patches, Map<String, SDVariable> params) {
    Conv2DConfig conv = Conv2DConfig.builder().kH(3).kW(3).sH(1).sW(1).paddingMode(PaddingMode.SAME)
        .dataFormat("NCHW").weightsFormat(WeightsFormat.YXIO).build();
    Pooling2DConfig pool = Pooling2DConfig.builder().kH(2).kW(2).sH(2).sW(2).paddingMode(PaddingMode.VALID)
        .type(Pooling2D.Pooling2DType.MAX).isNHWC(false).build();
    SDVariable h = sd.cnn.conv2d(patches, params.get(CONV1_W), params.get(CONV1_B), conv);
    h = sd.cnn.maxPooling2d(sd.nn.relu(h, 0), pool);
    h = sd.cnn.conv2d(h, params.get(CONV2_W), params.get(CONV2_B), conv);
    h = sd.cnn.maxPooling2d(sd.nn.relu(h, 0), pool);
    SDVariable features = h.reshape(-1, featureLength());
    // mmul + biasAdd rather than SameDiff's linear (xw_plus_b), whose backward fails on a batch of one
    SDVariable hid = sd.nn.relu(sd.nn.biasAdd(features.mmul(params.get(FC1_W)), params.get(FC1_B), true), 0);
    return sd.nn.biasAdd(hid.mmul(params.get(FC2_W)), params.get(FC2_B), true);
  }

  @Override
  public InputType getOutputType(int layerIndex, InputType... vertexInputs) {
    return InputType.feedForward(2L * points * (stages + 1));
  }

  @Override
  public RecurrentRegressionVertex clone() {
    RecurrentRegressionVertex v = new RecurrentRegressionVertex(points, cropSizes, patchSize, channels, hidden,
        positionGradient, seed);
    v.setRegularization(getRegularization());
    v.setRegularizationBias(getRegularizationBias());
    v.setUpdater(getUpdater() == null ? null : getUpdater().clone());
    v.setBiasUpdater(getBiasUpdater() == null ? null : getBiasUpdater().clone());
    v.setGradientNormalization(getGradientNormalization());
    v.setGradientNormalizationThreshold(getGradientNormalizationThreshold());
    v.setDataType(getDataType());
    return v;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RecurrentRegressionVertex v && v.points == points && v.stages == stages
        && Arrays.equals(v.cropSizes, cropSizes) && v.patchSize == patchSize && v.channels == channels
        && v.hidden == hidden && v.positionGradient == positionGradient && v.seed == seed && super.equals(o);
  }

  @Override
  public int hashCode() {
    return Objects.hash(super.hashCode(), points, stages, Arrays.hashCode(cropSizes), patchSize, channels, hidden,
        positionGradient, seed);
  }

  @Override
  public String toString() {
    return "RecurrentRegressionVertex(points=" + points + ", crops=" + Arrays.toString(cropSizes) + ", patch="
        + patchSize + ", channels=" + channels + ", hidden=" + hidden + ", positionGradient=" + positionGradient
        + ", seed=" + seed + ")";
  }
}

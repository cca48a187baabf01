package org.facealign.model.deepreg.graph;

import java.util.Objects;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.facealign.feature.ConfigFeatures;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Configuration of the shape-indexed feature vertex of one local stage of DeepReg (Shi, Shan, Chen, "Deep
 * Regression for Face Alignment", 2014).
 *
 * <p><b>Forward</b> (eq. 5): {@code φ_t = h(I, s_{t-1})}, the shape-indexed SIFT descriptors ({@link
 * org.facealign.feature.ShapeIndexedSift}) of every landmark of {@code s_{t-1}} (given in {@link
 * org.facealign.model.deepreg.ShapeUnits}, converted to canonical pixels) with stage t's patch size, pooled
 * from the response maps of {@link ResponseMapsVertex}. Output {@code N x (D P)}, landmark-major.
 *
 * <p><b>Backward</b> (eqs. 9-10): {@code ∂E/∂s_{t-1} = ψ_tᵀ ∂E/∂φ_t}, with {@code ψ_t = ∂h/∂s} the
 * block-diagonal Jacobian estimated by central differences of step {@code features.jacobianEpsilon()}
 * (canonical pixels) during the training forward pass and multiplied by the pixels per unit. No gradient
 * reaches the image. Together with the dense layer {@code Δ_t = W_t D_z φ_t + b_t} (dropout mask {@code
 * D_z} on its input) and the skip connection {@code s_t = s_{t-1} + Δ_t} (an {@code ElementWiseVertex}
 * Add), the graph's back-propagation yields the paper's {@code ∂E/∂s_{t-1} = ∂E/∂s_t (I + W_t D_z ψ_t)}.
 *
 * <p>Choices:
 *
 * <ul>
 *   <li>ψ is computed in the forward pass of training only (4 extra descriptors per landmark), kept per
 *       sample in the vertex instance for the backward pass: {@code 2 D P} floats per sample and stage
 *       (70 KB for 68 landmarks; 35 MB for a batch of 100 and 5 stages).
 *   <li>{@code shapeGradient = false} drops the ψ term (the epsilon to {@code s_{t-1}} is zero, so the
 *       earlier stages learn only through the skip connection): for tests that show ψ matters.
 *   <li>The feature settings travel as {@link ConfigFeatures#canonical()} text, so the JSON of the graph
 *       carries them exactly.
 * </ul>
 *
 * <p>Inputs: {@code [maps token (N x 1), s_{t-1} (N x 2P, units)]}.
 */
public class ShapeIndexedFeatureVertex extends GraphVertex {
  private static final long serialVersionUID = 1L;

  private String features;
  private int stage;
  private String mapsVertex;
  private int points;
  private boolean shapeGradient = true;
  /** Subtracted from every descriptor (the training mean, so SGD sees centred inputs), or null. */
  private double[] offset;

  /** For JSON. */
  public ShapeIndexedFeatureVertex() {}

  /**
   * @param features the feature settings, as {@link ConfigFeatures#canonical()}
   * @param stage the 0-based local stage (patch size {@code features.patchSize(stage)})
   * @param mapsVertex the name of the graph's {@link ResponseMapsVertex}
   * @param points landmarks per shape
   * @param shapeGradient whether the backward pass returns {@code ψᵀ ∂E/∂φ} (else zeros)
   */
  public ShapeIndexedFeatureVertex(String features, int stage, String mapsVertex, int points, boolean shapeGradient) {
    this.features = features;
    this.stage = stage;
    this.mapsVertex = mapsVertex;
    this.points = points;
    this.shapeGradient = shapeGradient;
  }

  /** As the other constructor, the descriptors centred by {@code offset} (length 128 P, or null). */
  public ShapeIndexedFeatureVertex(String features, int stage, String mapsVertex, int points, boolean shapeGradient,
      double[] offset) {
    this(features, stage, mapsVertex, points, shapeGradient);
    this.offset = offset == null ? null : offset.clone();
  }

  /** The centring offset, or null. */
  public double[] getOffset() {
    return offset == null ? null : offset.clone();
  }

  public String getFeatures() {
    return features;
  }

  public int getStage() {
    return stage;
  }

  public String getMapsVertex() {
    return mapsVertex;
  }

  public int getPoints() {
    return points;
  }

  public boolean isShapeGradient() {
    return shapeGradient;
  }

  /** The feature settings. */
  public ConfigFeatures featureConfig() {
    return ConfigFeatures.parseCanonical(features);
  }

  @Override
  public ShapeIndexedFeatureVertex clone() {
    return new ShapeIndexedFeatureVertex(features, stage, mapsVertex, points, shapeGradient, offset);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ShapeIndexedFeatureVertex v && Objects.equals(v.features, features) && v.stage == stage
        && Objects.equals(v.mapsVertex, mapsVertex) && v.points == points && v.shapeGradient == shapeGradient
        && java.util.Arrays.equals(v.offset, offset);
  }

  @Override
  public int hashCode() {
    return Objects.hash(features, stage, mapsVertex, points, shapeGradient, java.util.Arrays.hashCode(offset));
  }

  @Override
  public long numParams(boolean backprop) {
    return 0;
  }

  @Override
  public int minVertexInputs() {
    return 2;
  }

  @Override
  public int maxVertexInputs() {
    return 2;
  }

  @Override
  public org.deeplearning4j.nn.graph.vertex.GraphVertex instantiate(ComputationGraph graph, String name, int idx,
      INDArray paramsView, boolean initializeParams, DataType networkDatatype) {
    return new ShapeIndexedFeatureVertexImpl(graph, name, idx, networkDatatype, featureConfig(), stage, mapsVertex,
        points, shapeGradient, offset);
  }

  private long outputSize() {
    return (long) featureConfig().descriptorLength() * points;
  }

  @Override
  public InputType getOutputType(int layerIndex, InputType... vertexInputs) {
    return InputType.feedForward(outputSize());
  }

  @Override
  public MemoryReport getMemoryReport(InputType... inputTypes) {
    long d = outputSize();
    return new LayerMemoryReport.Builder(null, ShapeIndexedFeatureVertex.class, inputTypes[1], InputType.feedForward(d))
        .standardMemory(0, 0).workingMemory(0, 4 * d, 0, 12 * d).cacheMemory(0, 0).build();
  }

  @Override
  public String toString() {
    return "ShapeIndexedFeatureVertex(stage=" + stage + ", points=" + points + ", shapeGradient=" + shapeGradient
        + ", maps=" + mapsVertex + ", " + features + ")";
  }
}

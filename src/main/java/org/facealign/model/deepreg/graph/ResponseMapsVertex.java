package org.facealign.model.deepreg.graph;

import java.util.Objects;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Configuration of the vertex that turns each canonical canvas of a batch into its blurred orientation
 * response maps ({@link org.facealign.feature.ResponseMaps}), the image representation from which the
 * shape-indexed features {@code φ_t = h(I, s_{t-1})} of DeepReg (Shi, Shan, Chen, "Deep Regression for Face
 * Alignment", 2014, eq. 5) and their Jacobians {@code ψ_t} (eq. 10) are pooled in O(1) per cell.
 *
 * <p>Choices:
 *
 * <ul>
 *   <li>The maps are computed once per forward pass and shared by every stage ({@link
 *       ShapeIndexedFeatureVertex} reads them from this vertex's implementation in the same graph
 *       instance); the vertex's ND4J output is only an {@code N x 1} token of zeros that orders the
 *       stages after it in the graph. The maps are not an ND4J array because the descriptor code pools
 *       them in Java ({@link org.facealign.feature.ShapeIndexedSift}); recomputing them in every stage
 *       would cost T x 4 ms per face instead of 4 ms.
 *   <li>Memory: one {@code ResponseMaps} per sample of the largest batch seen, reused across batches: for
 *       a 192-px canvas and 8 orientations, 8 float integral images of 193² nodes (1.19 MB), a copy of
 *       the canvas's pixels (0.15 MB) and a ring of 13 blurred rows (0.08 MB): 1.4 MB per sample, 140 MB for a
 *       batch of 100, on the Java heap of the thread that runs the graph copy; with maps pooled over 2 x 2 blocks
 *       ({@code mapStride} 2) the integral has 97² nodes (0.30 MB): 0.5 MB per sample.
 *   <li>No gradient reaches the image (the paper's features are fixed): the backward pass returns no
 *       epsilon for the canvas input.
 * </ul>
 *
 * <p>Input: the canvas, {@code N x canvasSize²} pixels, row-major. JSON-serialisable (public no-argument
 * constructor, plain fields): Spark workers rebuild the graph from its JSON.
 */
public class ResponseMapsVertex extends GraphVertex {
  private static final long serialVersionUID = 1L;

  private int canvasSize;
  private int orientations;
  private double blurSigma;
  /** Canvas pixels per map cell; 0 (absent from the JSON of graphs saved before the field) reads as 1. */
  private int mapStride;

  /** For JSON. */
  public ResponseMapsVertex() {}

  public ResponseMapsVertex(int canvasSize, int orientations, double blurSigma, int mapStride) {
    this.canvasSize = canvasSize;
    this.orientations = orientations;
    this.blurSigma = blurSigma;
    this.mapStride = mapStride;
  }

  public int getCanvasSize() {
    return canvasSize;
  }

  public int getOrientations() {
    return orientations;
  }

  public double getBlurSigma() {
    return blurSigma;
  }

  public int getMapStride() {
    return Math.max(1, mapStride);
  }

  @Override
  public ResponseMapsVertex clone() {
    return new ResponseMapsVertex(canvasSize, orientations, blurSigma, mapStride);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ResponseMapsVertex v && v.canvasSize == canvasSize && v.orientations == orientations
        && Double.compare(v.blurSigma, blurSigma) == 0 && v.getMapStride() == getMapStride();
  }

  @Override
  public int hashCode() {
    return Objects.hash(canvasSize, orientations, blurSigma, getMapStride());
  }

  @Override
  public long numParams(boolean backprop) {
    return 0;
  }

  @Override
  public int minVertexInputs() {
    return 1;
  }

  @Override
  public int maxVertexInputs() {
    return 1;
  }

  @Override
  public org.deeplearning4j.nn.graph.vertex.GraphVertex instantiate(ComputationGraph graph, String name, int idx,
      INDArray paramsView, boolean initializeParams, DataType networkDatatype) {
    return new ResponseMapsVertexImpl(graph, name, idx, networkDatatype, canvasSize, orientations, blurSigma,
        getMapStride());
  }

  @Override
  public InputType getOutputType(int layerIndex, InputType... vertexInputs) {
    return InputType.feedForward(1);
  }

  @Override
  public MemoryReport getMemoryReport(InputType... inputTypes) {
    long w = canvasSize;
    long cells = (w + getMapStride() - 1) / getMapStride();
    long perExample = 4L * (orientations + 1) * w * w + 8L * orientations * (cells + 1) * (cells + 1);
    return new LayerMemoryReport.Builder(null, ResponseMapsVertex.class, inputTypes[0], InputType.feedForward(1))
        .standardMemory(0, 0).workingMemory(0, perExample, 0, 0).cacheMemory(0, 0).build();
  }

  @Override
  public String toString() {
    return "ResponseMapsVertex(canvasSize=" + canvasSize + ", orientations=" + orientations + ", blurSigma=" + blurSigma
        + ", mapStride=" + getMapStride() + ")";
  }
}

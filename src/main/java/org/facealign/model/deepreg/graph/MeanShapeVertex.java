package org.facealign.model.deepreg.graph;

import java.util.Arrays;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Configuration of the constant initial shape of DeepRegLocal (Shi, Shan, Chen 2014: the local layers start
 * from the mean shape instead of the global layer's estimate): outputs the mean shape (units) for every
 * sample of the batch. Its input is only there for the batch size (the maps token); it has no parameters,
 * so the mean shape stays what sequential pre-training computed and is not trained (choice: the paper
 * trains no bias of s0 for DeepRegLocal; the first local layer's bias can absorb any offset).
 */
public class MeanShapeVertex extends GraphVertex {
  private static final long serialVersionUID = 1L;

  private double[] meanShape;

  /** For JSON. */
  public MeanShapeVertex() {}

  public MeanShapeVertex(double[] meanShape) {
    this.meanShape = meanShape.clone();
  }

  public double[] getMeanShape() {
    return meanShape.clone();
  }

  @Override
  public MeanShapeVertex clone() {
    return new MeanShapeVertex(meanShape);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MeanShapeVertex v && Arrays.equals(v.meanShape, meanShape);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(meanShape);
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
    return new MeanShapeVertexImpl(graph, name, idx, networkDatatype, meanShape);
  }

  @Override
  public InputType getOutputType(int layerIndex, InputType... vertexInputs) {
    return InputType.feedForward(meanShape.length);
  }

  @Override
  public MemoryReport getMemoryReport(InputType... inputTypes) {
    return new LayerMemoryReport.Builder(null, MeanShapeVertex.class, inputTypes[0], InputType.feedForward(meanShape.length))
        .standardMemory(0, 0).workingMemory(0, 0, 0, 0).cacheMemory(0, 0).build();
  }

  @Override
  public String toString() {
    return "MeanShapeVertex(" + meanShape.length / 2 + " points)";
  }
}

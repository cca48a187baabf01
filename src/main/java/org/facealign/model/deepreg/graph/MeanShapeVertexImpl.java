package org.facealign.model.deepreg.graph;

import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The implementation of {@link MeanShapeVertex}. */
public final class MeanShapeVertexImpl extends ParameterlessVertex {
  private static final long serialVersionUID = 1L;
  private final double[] meanShape;

  MeanShapeVertexImpl(ComputationGraph graph, String name, int idx, DataType dataType, double[] meanShape) {
    super(graph, name, idx, dataType);
    this.meanShape = meanShape.clone();
  }

  @Override
  public INDArray doForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
    int n = (int) inputs[0].size(0);
    int m = meanShape.length;
    double[] rows = new double[n * m];
    for (int i = 0; i < n; i++) {
      System.arraycopy(meanShape, 0, rows, i * m, m);
    }
    return VertexArrays.of(workspaceMgr, ArrayType.ACTIVATIONS, dataType, rows, n, m);
  }

  @Override
  public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
    return new Pair<>(null, new INDArray[] {VertexArrays.zeros(workspaceMgr, ArrayType.ACTIVATION_GRAD, dataType,
        inputs[0].size(0), inputs[0].size(1))});
  }

  @Override
  public String toString() {
    return "MeanShapeVertexImpl(name=" + vertexName + ")";
  }
}

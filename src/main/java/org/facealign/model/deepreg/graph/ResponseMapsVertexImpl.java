package org.facealign.model.deepreg.graph;

import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.facealign.data.GrayImage;
import org.facealign.feature.ResponseMaps;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The implementation of {@link ResponseMapsVertex}: one instance per graph instance (so per thread), holding
 * the maps of the batch of its last forward pass for the {@link ShapeIndexedFeatureVertexImpl stage vertices}
 * of the same graph.
 */
public final class ResponseMapsVertexImpl extends ParameterlessVertex {
  private static final long serialVersionUID = 1L;
  private final int canvasSize;
  private final int orientations;
  private final double blurSigma;
  private final int mapStride;
  private transient ResponseMaps[] pool = new ResponseMaps[0];
  /** Samples of the last forward pass, -1 before the first. */
  private transient int count = -1;

  ResponseMapsVertexImpl(ComputationGraph graph, String name, int idx, DataType dataType, int canvasSize,
      int orientations, double blurSigma, int mapStride) {
    super(graph, name, idx, dataType);
    this.canvasSize = canvasSize;
    this.orientations = orientations;
    this.blurSigma = blurSigma;
    this.mapStride = mapStride;
  }

  /**
   * The maps of the current batch, one per sample.
   *
   * @throws IllegalStateException if the last forward pass was not over {@code n} samples
   */
  ResponseMaps[] maps(int n) {
    if (count != n) {
      throw new IllegalStateException("response maps hold " + count + " samples, a stage asks for " + n
          + ": the maps vertex must run before the stages in the same forward pass");
    }
    return pool;
  }

  @Override
  public INDArray doForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
    if (!canDoForward()) {
      throw new IllegalStateException("ResponseMapsVertex " + vertexName + ": input not set");
    }
    INDArray canvas = inputs[0];
    int n = (int) canvas.size(0);
    long side2 = (long) canvasSize * canvasSize;
    if (canvas.rank() != 2 || canvas.size(1) != side2) {
      throw new IllegalArgumentException("canvas input must be N x " + side2 + ", got " + java.util.Arrays.toString(canvas.shape()));
    }
    if (pool.length < n) {
      ResponseMaps[] p = java.util.Arrays.copyOf(pool, n);
      for (int i = pool.length; i < n; i++) {
        p[i] = new ResponseMaps(orientations, blurSigma, mapStride);
      }
      pool = p;
    }
    float[][] px = canvas.toFloatMatrix();
    for (int i = 0; i < n; i++) {
      pool[i].process(GrayImage.wrap(canvasSize, canvasSize, px[i]));
    }
    count = n;
    return VertexArrays.zeros(workspaceMgr, ArrayType.ACTIVATIONS, dataType, n, 1);
  }

  @Override
  public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
    // no gradient to the image: the canvas is a network input, its epsilon is never used
    return new Pair<>(null, new INDArray[] {null});
  }

  @Override
  public String toString() {
    return "ResponseMapsVertexImpl(name=" + vertexName + ", canvasSize=" + canvasSize + ")";
  }
}

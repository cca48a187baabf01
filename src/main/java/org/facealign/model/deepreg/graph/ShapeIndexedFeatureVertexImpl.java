package org.facealign.model.deepreg.graph;

import java.util.Arrays;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.facealign.data.Shape;
import org.facealign.feature.ConfigFeatures;
import org.facealign.feature.ResponseMaps;
import org.facealign.feature.ShapeIndexedSift;
import org.facealign.model.deepreg.ShapeUnits;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The implementation of {@link ShapeIndexedFeatureVertex}. One instance per graph instance: its descriptor
 * extractor and buffers are never shared between threads (DL4J's parallel workers each build their own
 * graph).
 */
public final class ShapeIndexedFeatureVertexImpl extends ParameterlessVertex {
  private static final long serialVersionUID = 1L;
  private final int patchSize;
  private final double eps;
  private final String mapsVertex;
  private final int points;
  private final boolean shapeGradient;
  private final int length;
  private final double[] offset;
  private final double pixelsPerUnit;
  private final transient ShapeUnits units;
  private final transient ShapeIndexedSift sift;
  private transient float[][] psi = new float[0][];
  /** Rows of {@link #psi} valid for the backward pass: the batch size of the last training forward, else -1. */
  private transient int psiRows = -1;

  ShapeIndexedFeatureVertexImpl(ComputationGraph graph, String name, int idx, DataType dataType, ConfigFeatures features,
      int stage, String mapsVertex, int points, boolean shapeGradient, double[] offset) {
    super(graph, name, idx, dataType);
    this.patchSize = features.patchSize(stage);
    this.eps = features.jacobianEpsilon();
    this.mapsVertex = mapsVertex;
    this.points = points;
    this.shapeGradient = shapeGradient;
    this.units = new ShapeUnits(features);
    this.pixelsPerUnit = units.pixelsPerUnit();
    this.sift = new ShapeIndexedSift(features);
    this.length = sift.descriptorLength() * points;
    if (offset != null && offset.length != length) {
      throw new IllegalArgumentException("offset has " + offset.length + " values, descriptors " + length);
    }
    this.offset = offset;
  }

  private ResponseMaps[] maps(int n) {
    org.deeplearning4j.nn.graph.vertex.GraphVertex v = graph.getVertex(mapsVertex);
    if (!(v instanceof ResponseMapsVertexImpl m)) {
      throw new IllegalStateException("vertex " + mapsVertex + " is not a ResponseMapsVertex: " + v);
    }
    return m.maps(n);
  }

  @Override
  public INDArray doForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
    if (!canDoForward()) {
      throw new IllegalStateException("ShapeIndexedFeatureVertex " + vertexName + ": inputs not set");
    }
    INDArray s = inputs[1];
    int n = (int) s.size(0);
    if (s.rank() != 2 || s.size(1) != 2L * points) {
      throw new IllegalArgumentException("shape input must be N x " + 2 * points + ", got " + Arrays.toString(s.shape()));
    }
    ResponseMaps[] maps = maps(n);
    double[][] shapes = s.toDoubleMatrix();
    boolean needPsi = training && shapeGradient;
    if (needPsi && psi.length < n) {
      float[][] p = Arrays.copyOf(psi, n);
      for (int i = psi.length; i < n; i++) {
        p[i] = new float[2 * length];
      }
      psi = p;
    }
    float[] phi = new float[n * length];
    for (int i = 0; i < n; i++) {
      if (!finite(shapes[i])) {
        // a diverged shape: no evidence (zero descriptors, zero Jacobian) rather than an exception deep
        // inside a Spark task; the loss turns non-finite and the trainer sees it
        if (needPsi) {
          Arrays.fill(psi[i], 0);
        }
        continue;
      }
      Shape c = units.toCanonical(shapes[i]);
      sift.describeInto(maps[i], c, patchSize, phi, i * length);
      if (offset != null) {
        for (int k = 0; k < length; k++) {
          phi[i * length + k] -= (float) offset[k];
        }
      }
      if (needPsi) {
        sift.jacobianInto(maps[i], c, patchSize, eps, psi[i], 0);
      }
    }
    psiRows = needPsi ? n : -1;
    return VertexArrays.of(workspaceMgr, ArrayType.ACTIVATIONS, dataType, phi, n, length);
  }

  private static boolean finite(double[] v) {
    for (double x : v) {
      if (!Double.isFinite(x)) {
        return false;
      }
    }
    return true;
  }

  @Override
  public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
    if (!canDoBackward()) {
      throw new IllegalStateException("ShapeIndexedFeatureVertex " + vertexName + ": inputs or epsilon not set");
    }
    int n = (int) epsilon.size(0);
    int out = 2 * points;
    INDArray epsShape;
    if (!shapeGradient) {
      epsShape = VertexArrays.zeros(workspaceMgr, ArrayType.ACTIVATION_GRAD, dataType, n, out);
    } else {
      if (psiRows != n) {
        throw new IllegalStateException("ShapeIndexedFeatureVertex " + vertexName + ": backward pass over " + n
            + " samples without a training forward pass over them");
      }
      float[][] g = epsilon.toFloatMatrix();
      double[] grad = new double[n * out];
      double[] one = new double[out];
      for (int i = 0; i < n; i++) {
        ShapeIndexedSift.jacobianTransposeTimes(psi[i], g[i], one);
        for (int j = 0; j < out; j++) {
          grad[i * out + j] = one[j] * pixelsPerUnit;
        }
      }
      epsShape = VertexArrays.of(workspaceMgr, ArrayType.ACTIVATION_GRAD, dataType, grad, n, out);
    }
    INDArray epsToken = VertexArrays.zeros(workspaceMgr, ArrayType.ACTIVATION_GRAD, dataType, n, 1);
    return new Pair<>(null, new INDArray[] {epsToken, epsShape});
  }

  @Override
  public String toString() {
    return "ShapeIndexedFeatureVertexImpl(name=" + vertexName + ", patch=" + patchSize + ", points=" + points + ")";
  }
}

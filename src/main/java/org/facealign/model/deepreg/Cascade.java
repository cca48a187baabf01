package org.facealign.model.deepreg;

import java.util.ArrayList;
import java.util.List;
import org.facealign.feature.ConfigFeatures;
import org.facealign.feature.ResponseMaps;
import org.facealign.feature.ShapeIndexedSift;

/**
 * The DeepReg regression cascade (Shi, Shan, Chen, "Deep Regression for Face Alignment", 2014), as plain
 * maths over a face's canonical canvas: an initial shape {@code s0} from the global layer on the HOG of
 * the face ({@code s0 = W0 g + b0}), or the mean shape when there is no global layer (DeepRegLocal), then
 * local layers {@code s_t = s_{t-1} + W_t φ_t + b_t} with {@code φ_t = h(I, s_{t-1})} the shape-indexed
 * descriptors ({@link ShapeIndexedSift}) with stage t's patch size. Shapes are in {@link ShapeUnits}.
 *
 * <p>Dropout: the weights held here are those used at test time. The joint trainer uses inverted dropout
 * (kept inputs scaled by 1/(1-p) while training), which is the paper's "p W at test time" with the
 * scaling moved to training, so no rescaling happens here.
 *
 * <p>Immutable and thread-safe; the per-thread scratch lives in a {@link Workspace}.
 */
public final class Cascade implements java.io.Serializable {
  private static final long serialVersionUID = 1L;
  private final ConfigFeatures features;
  private final ShapeUnits units;
  private final LinearMap global;
  private final double[] meanShape;
  /** An array, not a List: Kryo (Spark's broadcasts) cannot rebuild Java's immutable lists. */
  private final LinearMap[] stages;

  /**
   * @param features the feature settings the cascade was trained with (patch size of stage t:
   *     {@code features.patchSize(t)})
   * @param global the global layer on the HOG, or null to start from {@code meanShape}
   * @param meanShape the mean training shape in units (used when {@code global} is null; kept either way)
   * @param stages the local layers, at most {@code features.numStages()}
   */
  public Cascade(ConfigFeatures features, LinearMap global, double[] meanShape, List<LinearMap> stages) {
    this.features = features;
    this.units = new ShapeUnits(features);
    this.global = global;
    this.meanShape = meanShape.clone();
    this.stages = stages.toArray(new LinearMap[0]);
    int out = meanShape.length;
    if (global != null && (global.outputs() != out || global.inputs() != features.hogDimension())) {
      throw new IllegalArgumentException("global layer is " + global.outputs() + "x" + global.inputs() + ", expected "
          + out + "x" + features.hogDimension());
    }
    if (stages.size() > features.numStages()) {
      throw new IllegalArgumentException(stages.size() + " local stages but only " + features.numStages() + " patch sizes");
    }
    int d = features.descriptorLength() * (out / 2);
    for (LinearMap m : stages) {
      if (m.outputs() != out || m.inputs() != d) {
        throw new IllegalArgumentException("local layer is " + m.outputs() + "x" + m.inputs() + ", expected " + out + "x" + d);
      }
    }
  }

  public ConfigFeatures features() {
    return features;
  }

  public ShapeUnits units() {
    return units;
  }

  /** The global layer, or null (DeepRegLocal). */
  public LinearMap global() {
    return global;
  }

  public double[] meanShape() {
    return meanShape.clone();
  }

  public List<LinearMap> stages() {
    return List.of(stages);
  }

  public int numStages() {
    return stages.length;
  }

  public int numPoints() {
    return meanShape.length / 2;
  }

  /** This cascade with one more local layer. */
  public Cascade withStage(LinearMap stage) {
    List<LinearMap> s = new ArrayList<>(List.of(stages));
    s.add(stage);
    return new Cascade(features, global, meanShape, s);
  }

  /** This cascade with its first {@code n} local layers. */
  public Cascade truncated(int n) {
    return new Cascade(features, global, meanShape, List.of(stages).subList(0, n));
  }

  /** This cascade with other layers (same shapes): what joint training returns. */
  public Cascade withLayers(LinearMap newGlobal, List<LinearMap> newStages) {
    return new Cascade(features, newGlobal, meanShape, newStages);
  }

  /** The initial shape s0 (units). */
  public double[] initial(float[] hog) {
    double[] s = meanShape.clone();
    if (global != null) {
      java.util.Arrays.fill(s, 0);
      global.applyAdd(hog, s);
    }
    return s;
  }

  /** φ_t = h(I, s) for local stage {@code t} (0-based), into the workspace's buffer, which it returns. */
  public float[] descriptors(int t, ResponseMaps maps, double[] s, Workspace ws) {
    ws.sift.describeInto(maps, units.toCanonical(s), features.patchSize(t), ws.phi, 0);
    return ws.phi;
  }

  /** Applies local stage {@code t} (0-based) to {@code s} in place. */
  public void refine(int t, ResponseMaps maps, double[] s, Workspace ws) {
    stages[t].applyAdd(descriptors(t, maps, s, ws), s);
  }

  /**
   * Applies local stage {@code t} to the first {@code n} faces at once, {@code s[i] += W_t h(maps[i], s[i]) +
   * b_t}: the same values as {@link #refine} on each, with the layer's weights read once for the batch ({@link
   * LinearMap#applyAddAll}).
   */
  public void refineAll(int t, ResponseMaps[] maps, double[][] s, int n, BatchWorkspace ws) {
    ws.fit(n);
    for (int i = 0; i < n; i++) {
      ws.sift.describeInto(maps[i], units.toCanonical(s[i]), features.patchSize(t), ws.phi[i], 0);
    }
    stages[t].applyAddAll(ws.phi, s, n);
  }

  /** The initial shapes of {@code n} faces from their HOGs ({@link #initial}), into {@code s}. */
  public void initialAll(float[][] hog, double[][] s, int n) {
    for (int i = 0; i < n; i++) {
      if (global != null) {
        java.util.Arrays.fill(s[i], 0);
      } else {
        System.arraycopy(meanShape, 0, s[i], 0, meanShape.length);
      }
    }
    if (global != null) {
      global.applyAddAll(hog, s, n);
    }
  }

  /** A fresh batch workspace for this cascade's features (one per thread). */
  public BatchWorkspace batchWorkspace() {
    return new BatchWorkspace(features, numPoints());
  }

  /** The shapes after each stage, {@code s_0 .. s_T} (units). */
  public double[][] trajectory(ResponseMaps maps, float[] hog, Workspace ws) {
    double[][] out = new double[stages.length + 1][];
    double[] s = initial(hog);
    out[0] = s.clone();
    for (int t = 0; t < stages.length; t++) {
      refine(t, maps, s, ws);
      out[t + 1] = s.clone();
    }
    return out;
  }

  /**
   * {@link #trajectory} of the first {@code n} faces at once: {@code out[i]} is the trajectory of face {@code i}
   * to the last bit ({@link #initialAll}, {@link #refineAll}), with each layer's weights read once for the batch.
   *
   * @param hog the faces' HOGs (unused, may be null, without a global layer)
   */
  public double[][][] trajectoryAll(ResponseMaps[] maps, float[][] hog, int n, BatchWorkspace ws) {
    double[][] s = new double[n][meanShape.length];
    initialAll(hog, s, n);
    double[][][] out = new double[n][stages.length + 1][];
    for (int i = 0; i < n; i++) {
      out[i][0] = s[i].clone();
    }
    for (int t = 0; t < stages.length; t++) {
      refineAll(t, maps, s, n, ws);
      for (int i = 0; i < n; i++) {
        out[i][t + 1] = s[i].clone();
      }
    }
    return out;
  }

  /**
   * {@link #run} of the first {@code n} faces at once, into {@code s}: {@link #initialAll} then every stage's {@link
   * #refineAll}, the same shapes to the last bit.
   *
   * @param hog the faces' HOGs (unused, may be null, without a global layer)
   */
  public void runAll(ResponseMaps[] maps, float[][] hog, double[][] s, int n, BatchWorkspace ws) {
    initialAll(hog, s, n);
    for (int t = 0; t < stages.length; t++) {
      refineAll(t, maps, s, n, ws);
    }
  }

  /** The final shape s_T (units). */
  public double[] run(ResponseMaps maps, float[] hog, Workspace ws) {
    double[] s = initial(hog);
    for (int t = 0; t < stages.length; t++) {
      refine(t, maps, s, ws);
    }
    return s;
  }

  /** A fresh workspace for this cascade's features (one per thread). */
  public Workspace workspace() {
    return new Workspace(features, numPoints());
  }

  /** Per-thread scratch of {@link #refineAll}: the descriptor extractor and one descriptor buffer per face. */
  public static final class BatchWorkspace {
    final ShapeIndexedSift sift;
    final int length;
    float[][] phi = new float[0][];

    public BatchWorkspace(ConfigFeatures features, int points) {
      this.sift = new ShapeIndexedSift(features);
      this.length = features.descriptorLength() * points;
    }

    /**
     * The descriptors of face {@code i} that the last {@link #refineAll} read, at the shape it was given (valid
     * until the next call).
     */
    public float[] descriptors(int i) {
      return phi[i];
    }

    void fit(int n) {
      if (phi.length < n) {
        float[][] grown = java.util.Arrays.copyOf(phi, n);
        for (int i = phi.length; i < n; i++) {
          grown[i] = new float[length];
        }
        phi = grown;
      }
    }
  }

  /** Per-thread scratch: the descriptor extractor and its output buffer. */
  public static final class Workspace {
    final ShapeIndexedSift sift;
    final float[] phi;

    public Workspace(ConfigFeatures features, int points) {
      this.sift = new ShapeIndexedSift(features);
      this.phi = new float[features.descriptorLength() * points];
    }
  }
}

package org.facealign.model.deepreg;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.facealign.data.FaceBox;
import org.facealign.data.GrayImage;
import org.facealign.data.Shape;
import org.facealign.feature.ConfigFeatures;
import org.facealign.feature.FaceNormaliser;
import org.facealign.feature.HogFeature;
import org.facealign.feature.NormalisedFace;
import org.facealign.feature.ResponseMaps;
import org.facealign.model.BatchedLandmarkModel;
import org.facealign.model.LandmarkModel;
import org.facealign.model.ModelCodec;
import org.facealign.model.ModelHeader;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A trained DeepReg model (SequentialReg, DeepRegLocal or DeepReg, {@link Variant}): the face is brought
 * to the canonical canvas, its HOG gives s0 (or the mean shape does), the {@link Cascade} refines it, and
 * the shape is mapped back to image pixels. Immutable; {@link #predict} is thread-safe (one feature
 * workspace per thread).
 */
public final class DeepRegModel implements BatchedLandmarkModel {
  private final ModelHeader header;
  private final Variant variant;
  private final Cascade cascade;
  private final ThreadLocal<Scratch> scratch;
  private final FaceNormaliser normaliser;

  public DeepRegModel(ModelHeader header, Cascade cascade) {
    this.header = header;
    this.variant = Variant.of(header.kind());
    this.cascade = cascade;
    if (cascade.numPoints() != header.scheme().numPoints()) {
      throw new IllegalArgumentException("cascade has " + cascade.numPoints() + " points, scheme has " + header.scheme().numPoints());
    }
    if (variant.global() != (cascade.global() != null)) {
      throw new IllegalArgumentException(variant.kind() + (variant.global() ? " needs" : " has no") + " global layer");
    }
    this.scratch = ThreadLocal.withInitial(() -> new Scratch(cascade));
    this.normaliser = new FaceNormaliser(cascade.features());
  }

  @Override
  public ModelHeader header() {
    return header;
  }

  /** The photograph under the canvas: every feature is computed from the canvas alone. */
  @Override
  public FaceBox footprint(FaceBox box) {
    return normaliser.footprint(box);
  }

  public Variant variant() {
    return variant;
  }

  public Cascade cascade() {
    return cascade;
  }

  /**
   * The faces {@link #group()} at a time: each face's canvas, HOG and response maps, then every layer applied to
   * the whole group ({@link Cascade#runAll}), so a layer's weights are read once per group rather than once
   * per face. The same shapes as {@link #predict} on each face.
   */
  @Override
  public List<Shape> predictAll(List<GrayImage> images, List<FaceBox> boxes) {
    LandmarkModel.checkPaired(images, boxes);
    Scratch s = scratch.get();
    List<Shape> out = new ArrayList<>(images.size());
    int group = group();
    for (int i0 = 0; i0 < images.size(); i0 += group) {
      int n = Math.min(group, images.size() - i0);
      s.fit(cascade, n);
      NormalisedFace[] faces = new NormalisedFace[n];
      for (int i = 0; i < n; i++) {
        // the canvas is used up here (the HOG and the maps keep what they need): one buffer for all faces
        faces[i] = s.normaliser.normalise(images.get(i0 + i), boxes.get(i0 + i), s.canvas);
        GrayImage canvas = faces[i].canvas();
        if (cascade.global() != null) {
          s.hog(canvas, s.hogs[i]);
        }
        s.batchMaps[i].process(canvas);
      }
      cascade.runAll(s.batchMaps, s.hogs, s.shapes, n, s.batchWs);
      for (int i = 0; i < n; i++) {
        out.add(faces[i].toImage(cascade.units().toCanonical(s.shapes[i])));
      }
    }
    return out;
  }

  /**
   * Faces {@link #predictAll} runs through the layers together: each holds its response maps (1.2 MB with the
   * default features) while the group is aligned, so 32 faces keep about 38 MB per thread. With the SIMD
   * products ({@link org.facealign.feature.Simd}) a layer's cost per face is flat from 4 faces up; larger groups
   * read each layer's 4.7 MB of weights from memory fewer times per face.
   */
  public static final int BATCH = 32;

  /**
   * Faces {@link #predictAll} aligns together when the local layers are factored ({@link ReducedRank}): their
   * weights are a third of the full layers' or less, so fewer faces share a read of them, and the response maps of
   * 8 faces (10 MB) stay in the processor's cache while the descriptors read them, where those of 32 do not.
   * Chosen by speed on training faces (README, "Speed").
   */
  public static final int FACTORED_BATCH = 8;

  /** Faces {@link #predictAll} runs through the layers together: {@link #BATCH}, {@link #FACTORED_BATCH} when factored. */
  public int group() {
    return cascade.numStages() > 0 && cascade.stages().get(0).isFactored() ? FACTORED_BATCH : BATCH;
  }

  /** The shapes after each stage (image pixels), s_0 .. s_T: the analysis of Fig. 4 and 2. */
  public List<Shape> trajectory(GrayImage image, FaceBox box) {
    Scratch s = scratch.get();
    NormalisedFace nf = s.normaliser.normalise(image, box);
    List<double[]> units = new ArrayList<>();
    run(s, nf.canvas(), units);
    List<Shape> out = new ArrayList<>();
    for (double[] u : units) {
      out.add(nf.toImage(cascade.units().toCanonical(u)));
    }
    return out;
  }

  private double[] run(Scratch s, GrayImage canvas, List<double[]> trace) {
    float[] hog = null;
    if (cascade.global() != null) {
      hog = s.hog(canvas, s.hogOut);
    }
    ResponseMaps maps = s.maps.process(canvas);
    double[] shape = cascade.initial(hog);
    if (trace != null) {
      trace.add(shape.clone());
    }
    for (int t = 0; t < cascade.numStages(); t++) {
      cascade.refine(t, maps, shape, s.ws);
      if (trace != null) {
        trace.add(shape.clone());
      }
    }
    return shape;
  }

  private static final class Scratch {
    final FaceNormaliser normaliser;
    final HogFeature hog;
    final float[] hogOut;
    final ResponseMaps maps;
    final Cascade.Workspace ws;

    final Cascade.BatchWorkspace batchWs;
    /** The canvas of the face being prepared, and its HOG input: reused, so a face allocates no pixels. */
    final float[] canvas;
    final float[] hogInput;
    ResponseMaps[] batchMaps = new ResponseMaps[0];
    float[][] hogs = new float[0][];
    double[][] shapes = new double[0][];

    Scratch(Cascade c) {
      ConfigFeatures f = c.features();
      normaliser = new FaceNormaliser(f);
      hog = new HogFeature(f);
      hogOut = new float[f.hogDimension()];
      maps = new ResponseMaps(f);
      ws = c.workspace();
      batchWs = c.batchWorkspace();
      canvas = new float[f.canvasSize() * f.canvasSize()];
      hogInput = new float[f.hogSize() * f.hogSize()];
    }

    /** The HOG of the face box region of {@code canvas}, into {@code out}, which it returns. */
    float[] hog(GrayImage canvas, float[] out) {
      hog.computeInto(normaliser.hogInput(new NormalisedFace(canvas, org.facealign.data.SimilarityTransform.IDENTITY),
          hogInput), out, 0);
      return out;
    }

    /** Room for {@code n} faces of a batch. */
    void fit(Cascade c, int n) {
      if (batchMaps.length >= n) {
        return;
      }
      ConfigFeatures f = c.features();
      int had = batchMaps.length;
      batchMaps = java.util.Arrays.copyOf(batchMaps, n);
      hogs = java.util.Arrays.copyOf(hogs, n);
      shapes = java.util.Arrays.copyOf(shapes, n);
      for (int i = had; i < n; i++) {
        batchMaps[i] = new ResponseMaps(f);
        hogs[i] = new float[f.hogDimension()];
        shapes[i] = new double[2 * c.numPoints()];
      }
    }
  }

  /** Persistence of the three kinds: the feature settings as JSON, every layer as arrays. */
  public static ModelCodec<DeepRegModel> codec(Variant v) {
    return new Codec(v);
  }

  private record Codec(Variant variant) implements ModelCodec<DeepRegModel> {
    @Override
    public String kind() {
      return variant.kind();
    }

    @Override
    public Class<DeepRegModel> modelClass() {
      return DeepRegModel.class;
    }

    @Override
    public ObjectNode hyper(DeepRegModel m) {
      ObjectNode n = JsonNodeFactory.instance.objectNode();
      n.put("features", m.cascade.features().canonical());
      n.put("stages", m.cascade.numStages());
      n.put("units", "canonical canvas pixels: x = (canvasSize - 1) / 2 + faceSize * u");
      return n;
    }

    @Override
    public Map<String, INDArray> arrays(DeepRegModel m) {
      Map<String, INDArray> a = new LinkedHashMap<>();
      Cascade c = m.cascade;
      a.put("mean_shape", Nd4j.createFromArray(c.meanShape()));
      if (c.global() != null) {
        put(a, "global", c.global());
      }
      for (int t = 0; t < c.numStages(); t++) {
        put(a, "stage" + (t + 1), c.stages().get(t));
      }
      return a;
    }

    /**
     * A layer as {@code NAME.w} ({@code out x in}) and {@code NAME.b}; a factored one ({@link ReducedRank}) as {@code
     * NAME.u} ({@code out x r}), {@code NAME.v} ({@code r x in}) and {@code NAME.b}.
     */
    private static void put(Map<String, INDArray> a, String name, LinearMap m) {
      if (m.isFactored()) {
        LinearMap u = m.expansion();
        LinearMap v = m.projection();
        a.put(name + ".u", Nd4j.create(u.weights(), new long[] {u.outputs(), u.inputs()}, DataType.FLOAT));
        a.put(name + ".v", Nd4j.create(v.weights(), new long[] {v.outputs(), v.inputs()}, DataType.FLOAT));
      } else {
        a.put(name + ".w", Nd4j.create(m.weights(), new long[] {m.outputs(), m.inputs()}, DataType.FLOAT));
      }
      a.put(name + ".b", Nd4j.createFromArray(m.biases()));
    }

    private static LinearMap get(Map<String, INDArray> a, String name) {
      INDArray b = a.get(name + ".b");
      if (b == null) {
        throw new IllegalArgumentException("model has no layer " + name);
      }
      float[] biases = b.castTo(DataType.FLOAT).data().asFloat();
      if (a.containsKey(name + ".u") || a.containsKey(name + ".v")) {
        INDArray u = matrix(a, name + ".u");
        INDArray v = matrix(a, name + ".v");
        int rank = (int) v.size(0);
        return LinearMap.factored(new LinearMap(rank, (int) v.size(1), floats(v), new float[rank]),
            new LinearMap((int) u.size(0), (int) u.size(1), floats(u), biases));
      }
      INDArray w = matrix(a, name + ".w");
      return new LinearMap((int) w.size(0), (int) w.size(1), floats(w), biases);
    }

    private static INDArray matrix(Map<String, INDArray> a, String name) {
      INDArray m = a.get(name);
      if (m == null || m.rank() != 2) {
        throw new IllegalArgumentException("model has no (or a malformed) array " + name);
      }
      return m;
    }

    private static float[] floats(INDArray m) {
      return m.castTo(DataType.FLOAT).dup('c').data().asFloat();
    }

    @Override
    public DeepRegModel build(ModelHeader header, JsonNode hyper, Map<String, INDArray> arrays) {
      ConfigFeatures f = ConfigFeatures.parseCanonical(hyper.path("features").asText());
      int stages = hyper.path("stages").asInt(-1);
      INDArray mean = arrays.get("mean_shape");
      if (mean == null || stages < 0) {
        throw new IllegalArgumentException(variant.kind() + " model lacks its mean shape or stage count");
      }
      List<LinearMap> local = new ArrayList<>();
      for (int t = 0; t < stages; t++) {
        local.add(get(arrays, "stage" + (t + 1)));
      }
      LinearMap global = variant.global() ? get(arrays, "global") : null;
      return new DeepRegModel(header, new Cascade(f, global, mean.castTo(DataType.DOUBLE).data().asDouble(), local));
    }
  }
}

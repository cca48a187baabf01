package org.facealign.model.msrrn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.facealign.augment.ConfigAugment;
import org.facealign.data.FaceBox;
import org.facealign.data.GrayImage;
import org.facealign.data.Shape;
import org.facealign.feature.ConfigFeatures;
import org.facealign.feature.FaceNormaliser;
import org.facealign.feature.NormalisedFace;
import org.facealign.model.BatchedLandmarkModel;
import org.facealign.model.LandmarkModel;
import org.facealign.model.ModelCodec;
import org.facealign.model.ModelFormatException;
import org.facealign.model.ModelHeader;
import org.facealign.model.msrrn.graph.MsrrnGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A trained MSRRN (Wang et al. 2017): the initialiser CNN and the recurrent regression network as one DL4J
 * graph ({@link MsrrnGraph}), run on the crops {@link MsrrnInputs} takes from the face's canonical canvas.
 * The prediction is the last stage's shape.
 *
 * <p>Inference ({@link #predict}, {@link #predictAll}, {@link #trajectory}) runs {@link MsrrnPredictor}, the
 * network's forward pass in plain Java on weights read once out of the graph; only an initialiser of a form it
 * does not know falls back to the graph itself.
 *
 * <p>Immutable; {@link #predict} is thread-safe: the predictor keeps its working arrays per thread, and on the
 * fallback each thread runs its own copy of the graph (DL4J graphs keep activations in the instance). The model file holds the graph's JSON configuration and its parameters,
 * so the network can be rebuilt by any DL4J of the same version, on the CPU or the CUDA backend.
 */
public final class MsrrnModel implements BatchedLandmarkModel {
  /** The kind written into model headers. */
  public static final String KIND = "msrrn";

  private final ModelHeader header;
  private final ConfigFeatures features;
  private final List<Integer> cropSizes;
  private final double cropMargin;
  private final ComputationGraph graph;
  private final MsrrnInputs inputs;
  private final FaceNormaliser normaliser;
  private final ThreadLocal<ComputationGraph> local;
  /** The fast forward pass; null if the graph has a form it does not compute. */
  private final MsrrnPredictor predictor;

  /** Most faces {@link #predictAll} runs through the graph at once. */
  public static final int BATCH = 32;

  /**
   * @param features the canvas settings the crops are taken from
   * @param cropSizes crop sides, one per stage, coarse to fine
   * @param cropMargin margin of the crop region around the face box (fraction of its side)
   * @param graph the trained graph (this model keeps it: do not change it)
   */
  public MsrrnModel(ModelHeader header, ConfigFeatures features, List<Integer> cropSizes, double cropMargin,
      ComputationGraph graph) {
    this.header = header;
    this.features = features;
    this.cropSizes = List.copyOf(cropSizes);
    this.cropMargin = cropMargin;
    this.graph = graph;
    int stages = MsrrnGraph.stages(graph);
    if (stages != cropSizes.size()) {
      throw new IllegalArgumentException("the graph has " + stages + " stages but there are " + cropSizes.size()
          + " crop sizes");
    }
    // the scales (stages beyond the last one repeat the finest)
    ConfigAugment aug = ConfigAugment.defaults().withCropSizes(cropSizes.stream().distinct().toList())
        .withCropMargin(cropMargin);
    this.inputs = new MsrrnInputs(features, aug, stages);
    this.normaliser = new FaceNormaliser(features);
    this.local = ThreadLocal.withInitial(graph::clone);
    MsrrnPredictor p;
    try {
      p = new MsrrnPredictor(graph);
    } catch (UnsupportedOperationException e) {
      p = null;
    }
    this.predictor = p;
  }

  @Override
  public ModelHeader header() {
    return header;
  }

  /** The feature settings whose canvas the crops are cut from. */
  public ConfigFeatures features() {
    return features;
  }

  /** Recurrent stages T. */
  public int stages() {
    return cropSizes.size();
  }

  /** The inputs this model reads. */
  public MsrrnInputs inputs() {
    return inputs;
  }

  /** The graph (shared: do not change it, do not run it from several threads). */
  public ComputationGraph graph() {
    return graph;
  }

  /**
   * Runs the faces through the network {@value #BATCH} at a time: the recurrent network's weights are then read
   * once per batch and stage rather than once per face, and its products are larger.
   */
  @Override
  public List<Shape> predictAll(List<GrayImage> images, List<FaceBox> boxes) {
    LandmarkModel.checkPaired(images, boxes);
    List<Shape> out = new ArrayList<>(images.size());
    for (int i0 = 0; i0 < images.size(); i0 += BATCH) {
      int i1 = Math.min(images.size(), i0 + BATCH);
      List<NormalisedFace> faces = new ArrayList<>(i1 - i0);
      for (int i = i0; i < i1; i++) {
        faces.add(normaliser.normalise(images.get(i), boxes.get(i)));
      }
      double[][][] units = unitStages(faces);
      for (int k = 0; k < faces.size(); k++) {
        double[][] u = units[k];
        out.add(faces.get(k).toImage(inputs.toCanonical(u[u.length - 1])));
      }
    }
    return out;
  }

  /** The photograph under the canvas: the crops are cut from the canvas. */
  @Override
  public FaceBox footprint(FaceBox box) {
    return normaliser.footprint(box);
  }

  /** The shapes S0 (initialiser CNN) .. ST, in image pixels. */
  public List<Shape> trajectory(GrayImage image, FaceBox box) {
    NormalisedFace nf = normaliser.normalise(image, box);
    double[][] units = unitStages(List.of(nf))[0];
    List<Shape> out = new ArrayList<>(units.length);
    for (double[] u : units) {
      out.add(nf.toImage(inputs.toCanonical(u)));
    }
    return out;
  }

  /** The face normaliser (photograph to canvas) of {@link #predictAll}. */
  FaceNormaliser normaliser() {
    return normaliser;
  }

  /** The plain-Java forward pass {@link #predictAll} runs, null if the graph is of a form it does not compute. */
  MsrrnPredictor predictor() {
    return predictor;
  }

  /** The unit-frame shapes S0..ST of each face, {@code [face][stage][2P]}, from one forward pass. */
  private double[][][] unitStages(List<NormalisedFace> faces) {
    List<GrayImage[]> crops = new ArrayList<>(faces.size());
    for (NormalisedFace nf : faces) {
      crops.add(inputs.crops(nf.canvas(), null).crops());
    }
    if (predictor != null) {
      return predictor.predict(crops);
    }
    return MsrrnGraph.predictBatch(local.get(), crops);
  }

  /** The codec of {@link #KIND}. */
  public static final ModelCodec<MsrrnModel> CODEC = new ModelCodec<>() {
    @Override
    public String kind() {
      return KIND;
    }

    @Override
    public Class<MsrrnModel> modelClass() {
      return MsrrnModel.class;
    }

    @Override
    public ObjectNode hyper(MsrrnModel m) {
      ObjectNode n = JsonNodeFactory.instance.objectNode();
      n.put("features", m.features.canonical());
      var sizes = n.putArray("crop_sizes");
      m.cropSizes.forEach(sizes::add);
      n.put("crop_margin", m.cropMargin);
      n.put("units", "crop unit frame: the square of side max(w, h) * (1 + 2 crop_margin) about the box centre is [0, 1]^2");
      n.put("graph", m.graph.getConfiguration().toJson());
      return n;
    }

    @Override
    public Map<String, INDArray> arrays(MsrrnModel m) {
      Map<String, INDArray> a = new LinkedHashMap<>();
      a.put("params", m.graph.params().reshape(1, m.graph.params().length()));
      return a;
    }

    @Override
    public MsrrnModel build(ModelHeader header, JsonNode hyper, Map<String, INDArray> arrays) {
      try {
        ConfigFeatures f = ConfigFeatures.parseCanonical(hyper.path("features").asText());
        List<Integer> sizes = new ArrayList<>();
        hyper.path("crop_sizes").forEach(x -> sizes.add(x.asInt()));
        ComputationGraphConfiguration conf = ComputationGraphConfiguration.fromJson(hyper.path("graph").asText());
        ComputationGraph g = new ComputationGraph(conf);
        INDArray p = arrays.get("params");
        if (p == null) {
          throw new ModelFormatException("the MSRRN model has no params array");
        }
        g.init(p.reshape(1, p.length()).castTo(conf.getDataType()), true);
        return new MsrrnModel(header, f, sizes, hyper.path("crop_margin").asDouble(), g);
      } catch (RuntimeException e) {
        throw new ModelFormatException("cannot rebuild the MSRRN graph: " + e.getMessage(), e);
      }
    }
  };
}

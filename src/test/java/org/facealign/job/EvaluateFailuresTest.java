package org.facealign.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.facealign.config.FacealignConfig;
import org.facealign.data.FaceBox;
import org.facealign.data.GrayImage;
import org.facealign.data.LandmarkScheme;
import org.facealign.data.Shape;
import org.facealign.data.Storage;
import org.facealign.data.SyntheticFaces;
import org.facealign.eval.Report;
import org.facealign.model.LandmarkModel;
import org.facealign.model.MeanShapeModel;
import org.facealign.model.ModelCodec;
import org.facealign.model.ModelHeader;
import org.facealign.model.ModelStore;
import org.facealign.model.Provenance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Evaluation with a model that fails: every test input is counted once, as evaluated or as failed, and why. */
class EvaluateFailuresTest extends LocalSparkTest {

  /** The mean shape, except that no batch of faces is ever predicted and a face whose box starts at an even pixel fails. */
  static final class Faulty implements LandmarkModel {
    static final String KIND = "faulty-mean";
    final MeanShapeModel inner;

    Faulty(MeanShapeModel inner) {
      this.inner = inner;
    }

    static boolean fails(FaceBox box) {
      return ((long) Math.floor(box.x0())) % 2 == 0;
    }

    @Override
    public ModelHeader header() {
      return inner.header();
    }

    @Override
    public Shape predict(GrayImage image, FaceBox box) {
      if (fails(box)) {
        throw new IllegalStateException("no landmarks for a box at x=" + box.x0());
      }
      return inner.predict(image, box);
    }

    @Override
    public List<Shape> predictAll(List<GrayImage> images, List<FaceBox> boxes) {
      throw new UnsupportedOperationException("batches are refused");
    }
  }

  static final ModelCodec<Faulty> CODEC = new ModelCodec<>() {
    @Override
    public String kind() {
      return Faulty.KIND;
    }

    @Override
    public Class<Faulty> modelClass() {
      return Faulty.class;
    }

    @Override
    public ObjectNode hyper(Faulty m) {
      return MeanShapeModel.CODEC.hyper(m.inner);
    }

    @Override
    public Map<String, INDArray> arrays(Faulty m) {
      return MeanShapeModel.CODEC.arrays(m.inner);
    }

    @Override
    public Faulty build(ModelHeader header, JsonNode hyper, Map<String, INDArray> arrays) {
      return new Faulty(MeanShapeModel.CODEC.build(header, hyper, arrays));
    }
  };

  @Test
  void countsAddUpWhenPredictionsFail(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("data");
    SyntheticFaces.writeW300Layout(data, Map.of("afw", 6, "lfpw/testset", 40), 7L, SyntheticFaces.Options.defaults());
    Files.write(data.resolve("lfpw/testset/image_0003.jpg"), new byte[] {1, 2, 3}); // fails to load in prepare
    FacealignConfig cfg = FacealignConfig.load(null, Map.of("spark.master", "local[2]"));
    Storage st = Storage.local();
    String out = dir.resolve("out").toString();
    PreparedSet.Summary summary = PrepareJob.run(spark, cfg, st, new PrepareJob.DataSpec(data.toString(), List.of()),
        out + "/prepared", null);
    ModelStore.register(CODEC);
    Provenance p = Provenance.now("h", 6, 1, "c", "facealign {}");
    String model = out + "/model";
    ModelStore.save(new Faulty(new MeanShapeModel(new ModelHeader(Faulty.KIND, LandmarkScheme.IBUG_68,
        cfg.data().boxPolicy(), cfg.data().boxMargin(), p), SyntheticFaces.TEMPLATE, 6)), st, model);

    // what should happen, face by face, from the prepared test faces
    List<PreparedFace> tests = new ArrayList<>();
    String faces = PreparedSet.facesDir(org.facealign.data.Storage.local(), out + "/prepared");
    for (org.apache.spark.sql.Row r : spark.read().parquet(faces).collectAsList()) {
      PreparedFace f = PreparedFace.fromRow(r);
      if (summary.testSubsets().contains(f.subset())) {
        tests.add(f);
      }
    }
    long failing = tests.stream().filter(f -> Faulty.fails(f.box())).count();
    assertEquals(39, tests.size(), "40 test faces, one unreadable");
    assertTrue(failing > 0 && failing < tests.size(), "some faces fail, not all: " + failing);

    List<String> log = java.util.Collections.synchronizedList(new ArrayList<>());
    Report r;
    try (LogCapture c = LogCapture.of(EvaluateJob.class, log)) {
      r = EvaluateJob.run(spark, cfg, st, out + "/prepared", model, out + "/report");
    }
    JsonNode counts = PreparedSet.JSON.readTree(st.readBytes(out + "/report/" + Report.JSON, 1 << 24)).path("counts");
    assertEquals(40, counts.path("in").asLong());
    assertEquals(39 - failing, counts.path("ok").asLong());
    assertEquals(1 + failing, counts.path("failed").asLong());
    assertEquals(1, counts.path("prepare_failed").asLong());
    assertEquals(failing, counts.path("prediction_failed").asLong());
    assertEquals(39, counts.path("predicted_alone").asLong(), "every batch failed, so every readable face went alone");
    assertEquals(counts.path("in").asLong(), counts.path("ok").asLong() + counts.path("prepare_failed").asLong()
        + counts.path("prediction_failed").asLong());
    assertEquals(39 - failing, summary.testSubsets().stream().mapToLong(t -> r.subsets().getOrDefault(t, List.of()).size())
        .sum());
    // each failed batch is logged with its faces and the reason; each face that failed with its file and the reason
    long batchLines = log.stream().filter(l -> l.startsWith("WARN evaluate: the prediction of a batch of ")
        && l.contains("(UnsupportedOperationException: batches are refused); predicting them one by one: ")).count();
    assertTrue(batchLines >= 2, "39 faces, batches of " + EvaluateJob.PREDICT_BATCH + ": " + log);
    for (PreparedFace f : tests) {
      if (Faulty.fails(f.box())) {
        assertTrue(log.contains("WARN evaluate: " + f.id() + " (" + f.imagePath() + ") failed to predict: unexpected "
            + "IllegalStateException: no landmarks for a box at x=" + f.box().x0()), f.id() + ": " + log);
      }
    }
  }
}

package org.facealign.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.facealign.config.FacealignConfig;
import org.facealign.data.FaceBox;
import org.facealign.data.GrayImage;
import org.facealign.data.Hashes;
import org.facealign.data.Shape;
import org.facealign.data.Storage;
import org.facealign.data.SyntheticFaces;
import org.facealign.eval.Report;
import org.facealign.model.LandmarkModel;
import org.facealign.model.ModelStore;
import org.facealign.model.msrrn.MsrrnModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole MSRRN recipe on synthetic faces, small: prepare, training on Spark with checkpoints, Table 2,
 * evaluation against the mean shape, save and load, and a resumed training.
 */
class MsrrnPipelineTest extends LocalSparkTest {

  static FacealignConfig tiny(int epochs) {
    return FacealignConfig.load(null, Map.ofEntries(Map.entry("spark.master", "local[2]"),
        Map.entry("train.model", "msrrn"), Map.entry("features.sift-cells", "2"),
        Map.entry("features.patch-sizes", "[32]"), Map.entry("augment.crop-sizes", "[32, 48, 64]"),
        Map.entry("msrrn.patch-size", "8"), Map.entry("msrrn.rrn-channels", "4"), Map.entry("msrrn.rrn-hidden", "32"),
        Map.entry("msrrn.cnn-channels", "4"), Map.entry("msrrn.cnn-hidden", "32"), Map.entry("msrrn.batch", "16"),
        Map.entry("msrrn.learning-rate", "0.003"), Map.entry("msrrn.validation-faces", "10"),
        Map.entry("msrrn.epochs", Integer.toString(epochs)), Map.entry("msrrn.stages", "3")));
  }

  @Test
  void msrrnTrainsReportsTable2AndBeatsTheMeanShape(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("data");
    SyntheticFaces.writeW300Layout(data, Map.of("afw", 40, "helen/trainset", 30, "lfpw/testset", 12), 5L,
        SyntheticFaces.Options.defaults());
    FacealignConfig cfg = tiny(6);
    Storage st = Storage.local();
    String out = dir.resolve("out").toString();
    PrepareJob.run(spark, cfg, st, new PrepareJob.DataSpec(data.toString(), List.of()), out + "/prepared", out + "/features");
    LandmarkModel m = TrainJob.run(spark, cfg, st, out + "/prepared", out + "/model");
    assertTrue(m instanceof MsrrnModel);
    assertEquals(3, ((MsrrnModel) m).stages());
    TrainJob.run(spark, cfg.with(Map.of("train.model", "mean")), st, out + "/prepared", out + "/mean");
    EvaluateJob.run(spark, cfg, st, out + "/prepared", out + "/model", out + "/report", List.of(out + "/mean"));
    JsonNode json = PreparedSet.JSON.readTree(st.readBytes(out + "/report/" + Report.JSON, 1 << 24));
    JsonNode common = json.findValue("table2").path("common");
    double mean = common.path("mean shape").path("ip_nme").asDouble(Double.NaN);
    double last = common.path("stage 3").path("ip_nme").asDouble(Double.NaN);
    assertTrue(last > 0 && last < 0.8 * mean, "stage 3 " + last + " against the mean shape's " + mean);
    double below10 = common.path("stage 3").path("below_0.10").asDouble(Double.NaN);
    assertTrue(below10 >= 0 && below10 <= 1, "fraction " + below10);
    JsonNode cmp = json.findValue("comparison").path("common");
    assertEquals(2, cmp.size(), cmp.toString());
    assertTrue(st.exists(out + "/report/ced-compare-common.png"));
    assertTrue(st.exists(out + "/report/stages.png"));

    // save -> load -> identical predictions
    MsrrnModel loaded = (MsrrnModel) ModelStore.load(st, out + "/model");
    byte[] training = st.readBytes(out + "/model/" + DeepRegJob.TRAINING_FILE, 1 << 24);
    assertTrue(PreparedSet.JSON.readTree(training).path("table2").has("common"));
    assertEquals(Hashes.sha256(training), loaded.header().provenance().trainingHash(), "training.json is part of the model");
    assertEquals("", ModelStore.load(st, out + "/mean").header().provenance().trainingHash(), "a mean model has none");
    SyntheticFaces.SyntheticFace f = new SyntheticFaces(99L, SyntheticFaces.Options.defaults()).next();
    Shape a = m.predict(f.image(), f.detectorBox());
    Shape b = loaded.predict(f.image(), f.detectorBox());
    assertArrayEquals(a.toArray(), b.toArray(), 0);

    // several faces at once: the same shapes as one by one (a batch of 5 and one of 32 + 3)
    SyntheticFaces gen = new SyntheticFaces(98L, SyntheticFaces.Options.defaults());
    List<GrayImage> images = new ArrayList<>();
    List<FaceBox> boxes = new ArrayList<>();
    for (int i = 0; i < MsrrnModel.BATCH + 3; i++) {
      SyntheticFaces.SyntheticFace g = gen.next();
      images.add(g.image());
      boxes.add(g.detectorBox());
    }
    for (int n : new int[] {5, images.size()}) {
      List<Shape> all = loaded.predictAll(images.subList(0, n), boxes.subList(0, n));
      assertEquals(n, all.size());
      for (int i = 0; i < n; i++) {
        assertArrayEquals(loaded.predict(images.get(i), boxes.get(i)).toArray(), all.get(i).toArray(), 1e-3,
            "face " + i + " of " + n);
      }
    }
    // the timed steps of bench predict compute the same shapes, in groups of 4 (4 x 8 + 3)
    org.facealign.model.msrrn.MsrrnSteps steps = new org.facealign.model.msrrn.MsrrnSteps(loaded, 4);
    Map<String, Double> ms = steps.measure(images, boxes, 2);
    List<Shape> all = new ArrayList<>();
    for (int i0 = 0; i0 < images.size(); i0 += 4) {
      int i1 = Math.min(images.size(), i0 + 4);
      all.addAll(loaded.predictAll(images.subList(i0, i1), boxes.subList(i0, i1)));
    }
    for (int i = 0; i < images.size(); i++) {
      assertArrayEquals(all.get(i).toArray(), steps.predictions().get(i).toArray(), 0.0, "timed face " + i);
    }
    assertEquals(List.of("warp", "crops", "normalise", "initialiser", "stage1", "stage2", "stage3", "total"),
        List.copyOf(ms.keySet()));
    double sum = 0;
    for (String k : steps.steps()) {
      assertTrue(ms.get(k) > 0, k + " " + ms);
      sum += ms.get(k);
    }
    assertEquals(sum, ms.get("total"), 1e-9 * sum);

    // a training cut after 1 epoch and resumed ends where the uninterrupted one does (one worker)
    FacealignConfig one = cfg.with(Map.of("msrrn.workers", "1", "msrrn.epochs", "2", "msrrn.early-stop", "10"));
    MsrrnModel full = (MsrrnModel) TrainJob.run(spark, one, st, out + "/prepared", out + "/full");
    TrainJob.run(spark, one.with(Map.of("msrrn.epochs", "1")), st, out + "/prepared", out + "/cut");
    MsrrnModel resumed = (MsrrnModel) TrainJob.run(spark, one, st, out + "/prepared", out + "/cut", true);
    assertArrayEquals(full.graph().params().toFloatVector(), resumed.graph().params().toFloatVector(), 0);
  }

  @Test
  void moreStagesThanScalesAndAPerturbedS0TrainSaveLoadAndResume(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("data");
    SyntheticFaces.writeW300Layout(data, Map.of("afw", 30, "lfpw/testset", 4), 6L, SyntheticFaces.Options.defaults());
    FacealignConfig cfg = tiny(2).with(Map.of("msrrn.stages", "4", "msrrn.s0-perturb", "0.5", "msrrn.workers", "1",
        "msrrn.early-stop", "10"));
    Storage st = Storage.local();
    String out = dir.resolve("out").toString();
    PrepareJob.run(spark, cfg, st, new PrepareJob.DataSpec(data.toString(), List.of()), out + "/prepared", out + "/features");
    MsrrnModel full = (MsrrnModel) TrainJob.run(spark, cfg, st, out + "/prepared", out + "/full");
    assertEquals(4, full.stages());
    assertTrue(org.facealign.model.msrrn.graph.MsrrnGraph.hasShift(full.graph()));
    MsrrnModel loaded = (MsrrnModel) ModelStore.load(st, out + "/full");
    SyntheticFaces gen = new SyntheticFaces(97L, SyntheticFaces.Options.defaults());
    List<GrayImage> images = new ArrayList<>();
    List<FaceBox> boxes = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      SyntheticFaces.SyntheticFace g = gen.next();
      images.add(g.image());
      boxes.add(g.detectorBox());
    }
    List<Shape> all = loaded.predictAll(images, boxes);
    for (int i = 0; i < 3; i++) {
      assertArrayEquals(full.predict(images.get(i), boxes.get(i)).toArray(), all.get(i).toArray(), 1e-3, "face " + i);
    }
    // the fourth stage reads the finest crop again; the perturbations are drawn per sample and epoch, so a training
    // cut after an epoch and resumed ends where the uninterrupted one does
    TrainJob.run(spark, cfg.with(Map.of("msrrn.epochs", "1")), st, out + "/prepared", out + "/cut");
    MsrrnModel resumed = (MsrrnModel) TrainJob.run(spark, cfg, st, out + "/prepared", out + "/cut", true);
    assertArrayEquals(full.graph().params().toFloatVector(), resumed.graph().params().toFloatVector(), 0);
  }
}

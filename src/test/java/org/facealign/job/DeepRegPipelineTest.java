package org.facealign.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.facealign.config.FacealignConfig;
import org.facealign.data.Hashes;
import org.facealign.data.Storage;
import org.facealign.data.SyntheticFaces;
import org.facealign.eval.Report;
import org.facealign.model.LandmarkModel;
import org.facealign.model.ModelStore;
import org.facealign.model.deepreg.ConfigLowRank;
import org.facealign.model.deepreg.DeepRegModel;
import org.facealign.model.deepreg.LinearMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole DeepReg recipe (prepare, pre-training, joint training, Table 1, evaluation) on synthetic faces. */
class DeepRegPipelineTest extends LocalSparkTest {

  /**
   * The joint phase must train the whole cascade: from a pre-training held far from its optimum by a heavy ridge
   * penalty, joint back-propagation lowers the validation error by more than 5 % (measured: 4.01 to 3.67 %). A
   * joint phase that changed nothing would keep the pre-trained error (its early stopping returns the best epoch,
   * epoch 0 included), and no joint errors would be recorded.
   */
  @Test
  void jointTrainingLowersTheValidationErrorOfItsPretrainedCascade(@TempDir Path dir) throws Exception {
    String out = trainOnSyntheticFaces(dir, 40, 4, 9L, 16, Map.of(
        // the pre-training this test relies on: a heavy ridge, starts with the held-out spread
        "deepreg.ridge", "20", "deepreg.perturb-scale", "1",
        "deepreg.dropout", "0.1", "deepreg.epochs", "6", "deepreg.batch", "8", "deepreg.table1", "false",
        "deepreg.low-rank.ranks", "[]")).out();
    Storage st = Storage.local();
    JsonNode training = PreparedSet.JSON.readTree(st.readBytes(out + "/model/" + DeepRegJob.TRAINING_FILE, 1 << 24));
    assertTrue(training.path("low_rank").isMissingNode(), "no candidate ranks, no choice");
    for (LinearMap layer : ((DeepRegModel) ModelStore.load(st, out + "/model")).cascade().stages()) {
      assertFalse(layer.isFactored());
    }
    double pretrained = last(training.path("stages").path("validation").path("nme"));
    double joint = last(training.path("joint_stages").path("validation").path("nme"));
    System.out.printf("joint phase on synthetic faces: validation IP-NME %.4f -> %.4f%n", pretrained, joint);
    assertTrue(joint < 0.95 * pretrained, "validation IP-NME pre-trained " + pretrained + ", joint " + joint + "; epochs "
        + training.path("epochs"));
  }

  private static double last(JsonNode array) {
    assertTrue(array.isArray() && array.size() > 0, array.toString());
    return array.get(array.size() - 1).asDouble();
  }

  @Test
  void deepregTrainsBothVariantsAndReportsTable1(@TempDir Path dir) throws Exception {
    Trained t = trainOnSyntheticFaces(dir, 30, 12, 5L, 10,
        Map.of("deepreg.epochs", "1", "deepreg.local.epochs", "1", "deepreg.batch", "16", "deepreg.table1", "true"));
    FacealignConfig cfg = t.cfg();
    String out = t.out();
    LandmarkModel m = t.model();
    Storage st = Storage.local();
    assertTrue(m instanceof DeepRegModel);
    assertEquals(2, ((DeepRegModel) m).cascade().numStages());
    // the companion DeepRegLocal model and the pre-trained cascade are saved too
    assertEquals("deepreglocal", ModelStore.load(st, out + "/model-deepreglocal").header().kind());
    assertTrue(st.exists(out + "/model.checkpoints/pretrained/model.json"));
    // training.json, Table 1 in it, is part of the model: under its checksums, its hash in the provenance
    byte[] training = st.readBytes(out + "/model/" + DeepRegJob.TRAINING_FILE, 1 << 24);
    assertTrue(PreparedSet.JSON.readTree(training).path("table1").has("sequentialreg"));
    assertEquals(Hashes.sha256(training), ModelStore.load(st, out + "/model").header().provenance().trainingHash());
    assertTrue(new String(st.readBytes(out + "/model/" + ModelStore.SUMS, 1 << 20), java.nio.charset.StandardCharsets.UTF_8)
        .contains(Hashes.sha256(training) + "  " + DeepRegJob.TRAINING_FILE + "\n"));
    assertRankChosenAsRecorded(PreparedSet.JSON.readTree(training), (DeepRegModel) m, cfg.lowRank());
    byte[] local = st.readBytes(out + "/model-deepreglocal/" + DeepRegJob.TRAINING_FILE, 1 << 24);
    assertRankChosenAsRecorded(PreparedSet.JSON.readTree(local), (DeepRegModel) ModelStore.load(st, out + "/model-deepreglocal"),
        cfg.lowRank());
    assertEquals(Hashes.sha256(local),
        ModelStore.load(st, out + "/model-deepreglocal").header().provenance().trainingHash());
    Report r = EvaluateJob.run(spark, cfg, st, out + "/prepared", out + "/model", out + "/report");
    JsonNode json = PreparedSet.JSON.readTree(st.readBytes(out + "/report/" + Report.JSON, 1 << 24));
    JsonNode table1 = json.findValue("table1");
    for (String row : List.of("sequentialreg", "deepreglocal", "deepreg")) {
      double ip = table1.path(row).path("common").path("ip_nme").asDouble(Double.NaN);
      // synthetic faces from detector-like boxes: a trained cascade is far below the mean shape's ~10 %
      assertTrue(ip > 0 && ip < 0.08, row + ": " + ip);
    }
    assertTrue(st.exists(out + "/report/stages.png"));
  }

  /**
   * The rank in {@code training.json} is the smallest candidate within the tolerance of the full-rank validation
   * error, each smaller one measured above it; the saved layers have that rank, and their recorded validation error
   * is the saved cascade's.
   */
  private static void assertRankChosenAsRecorded(JsonNode training, DeepRegModel m, ConfigLowRank lr) {
    JsonNode low = training.path("low_rank");
    double full = low.path("full_rank").asDouble(Double.NaN);
    assertTrue(full > 0 && full < 0.1, low.toString());
    JsonNode measured = low.path("validation");
    List<Integer> ranks = new java.util.ArrayList<>();
    measured.fieldNames().forEachRemaining(k -> ranks.add(Integer.parseInt(k)));
    assertEquals(lr.ascending().subList(0, ranks.size()), ranks, "candidates measured smallest first");
    for (int i = 0; i < ranks.size() - 1; i++) {
      assertTrue(measured.path(ranks.get(i).toString()).asDouble() > full + lr.tolerance(), low.toString());
    }
    double saved = last(training.path("joint_stages").path("validation").path("nme"));
    if (low.path("rank").isNull()) {
      assertEquals(lr.ascending(), ranks, "every candidate measured when none is kept");
      assertFalse(m.cascade().stages().get(0).isFactored());
      assertEquals(full, saved, 1e-12);
    } else {
      int rank = low.path("rank").asInt();
      assertEquals(ranks.get(ranks.size() - 1), rank);
      assertTrue(measured.path(Integer.toString(rank)).asDouble() <= full + lr.tolerance(), low.toString());
      assertEquals(measured.path(Integer.toString(rank)).asDouble(), saved, 1e-12, "the saved cascade is the one measured");
      for (LinearMap layer : m.cascade().stages()) {
        assertTrue(layer.isFactored());
        assertEquals(rank, layer.rank());
      }
    }
  }

  private record Trained(FacealignConfig cfg, String out, LandmarkModel model) {}

  /**
   * Writes 40 afw faces, {@code helen} helen training faces and {@code test} common test faces drawn from {@code
   * seed}, then prepares them and trains a two-stage DeepReg (2x2 cells, two starts, {@code validation}
   * validation faces) with the {@code extra} settings, under {@code dir/out}.
   */
  private Trained trainOnSyntheticFaces(Path dir, int helen, int test, long seed, int validation,
      Map<String, String> extra) throws Exception {
    Path data = dir.resolve("data");
    SyntheticFaces.writeW300Layout(data, Map.of("afw", 40, "helen/trainset", helen, "lfpw/testset", test), seed,
        SyntheticFaces.Options.defaults());
    Map<String, String> keys = new java.util.HashMap<>(Map.of("spark.master", "local[2]", "train.model", "deepreg",
        "features.sift-cells", "2", "features.patch-sizes", "[32, 16]", "deepreg.stages", "2", "deepreg.starts", "2",
        "deepreg.validation-faces", Integer.toString(validation)));
    keys.putAll(extra);
    FacealignConfig cfg = FacealignConfig.load(null, keys);
    Storage st = Storage.local();
    String out = dir.resolve("out").toString();
    PrepareJob.run(spark, cfg, st, new PrepareJob.DataSpec(data.toString(), List.of()), out + "/prepared", out + "/features");
    return new Trained(cfg, out, TrainJob.run(spark, cfg, st, out + "/prepared", out + "/model"));
  }
}

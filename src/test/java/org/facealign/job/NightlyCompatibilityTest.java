package org.facealign.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.facealign.config.FacealignConfig;
import org.facealign.data.LandmarkScheme;
import org.facealign.feature.ConfigFeatures;
import org.facealign.model.ModelHeader;
import org.facealign.model.Provenance;
import org.facealign.model.deepreg.Cascade;
import org.facealign.model.deepreg.DeepRegModel;
import org.facealign.model.deepreg.LinearMap;
import org.facealign.model.msrrn.MsrrnInputs;
import org.facealign.model.msrrn.MsrrnModel;
import org.facealign.model.msrrn.graph.MsrrnGraph;
import org.facealign.registry.Gate;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The nightly job warm-starts a candidate only from a production model whose features are this configuration's: a
 * model of a release before {@code features.map-stride} existed carries full-resolution maps, although its
 * configuration, read again with this release's defaults, names the new default. And it gives the gate both
 * models' errors paired face by face, with the faces only one of them has counted.
 */
class NightlyCompatibilityTest {

  private static DeepRegModel model(ConfigFeatures f) {
    return model(f, "deepreg");
  }

  /** A {@code kind} model (one with a global layer) of features {@code f}. */
  private static DeepRegModel model(ConfigFeatures f, String kind) {
    int d = 2 * 68;
    List<LinearMap> stages = List.of(LinearMap.zero(d, f.descriptorLength() * 68));
    Provenance p = new Provenance("data", 10, 1L, "rev", "0.1.0", "2026-01-01T00:00:00Z", "cfg",
        "facealign { train.model = " + kind + " }");
    return new DeepRegModel(new ModelHeader(kind, LandmarkScheme.IBUG_68, "detector", 0.1, p),
        new Cascade(f, LinearMap.zero(d, f.hogDimension()), new double[d], stages));
  }

  @Test
  void aModelOfAnotherBoxPolicyIsNotComparedOnTheNewFaces() {
    FacealignConfig detector = FacealignConfig.load("facealign { train.model = deepreg }", Map.of());
    DeepRegModel production = model(detector.features());
    assertNull(NightlyJob.notComparable(production, detector));
    FacealignConfig landmarks = FacealignConfig.load(
        "facealign { train.model = deepreg, data.box-policy = landmarks, data.box-margin = 0.2 }", Map.of());
    assertEquals("production was trained with box policy detector (margin 0.1), the faces are prepared with landmarks "
        + "(margin 0.2): the face box must be found the same way at training and test time",
        NightlyJob.notComparable(production, landmarks));
    assertEquals("production has another landmark scheme or box policy",
        NightlyJob.incompatibility(production, landmarks));
    FacealignConfig otherEyes = FacealignConfig.load(
        "facealign { train.model = deepreg, data.scheme.eye-a = [37, 41] }", Map.of());
    assertEquals("production has another landmark scheme (68 points)", NightlyJob.notComparable(production, otherEyes));
  }

  @Test
  void onlyAModelWithAJointPhaseIsWarmStarted() {
    // a warm cascade skips pre-training, so a warm SequentialReg would be production's cascade again
    FacealignConfig seq = FacealignConfig.load("facealign { train.model = sequentialreg }", Map.of());
    String why = NightlyJob.incompatibility(model(seq.features(), "sequentialreg"), seq);
    assertEquals("a sequentialreg model has no joint phase to continue: only its pre-training learns from new faces",
        why);
    // warm nights train warm-epochs epochs whichever kind, DeepRegLocal's own key included
    FacealignConfig warm = FacealignConfig.load("facealign { train.model = deepreglocal }", Map.of())
        .with(NightlyJob.trainingOverrides(true, 4));
    assertEquals(4, warm.deepreg(false).epochs());
    assertEquals(4, warm.deepreg(true).epochs());
    assertEquals(4, warm.msrrn().epochs());
    assertFalse(warm.raw().getBoolean("facealign.deepreg.table1"));
    FacealignConfig cold = FacealignConfig.load("facealign { }", Map.of()).with(NightlyJob.trainingOverrides(false, 4));
    assertEquals(30, cold.deepreg(false).epochs());
    assertEquals(30, cold.deepreg(true).epochs());
  }

  @Test
  void aModelWithOtherMapsIsNotWarmStarted() {
    FacealignConfig cfg = FacealignConfig.load("facealign { train.model = deepreg }", Map.of());
    assertEquals(2, cfg.features().mapStride());
    assertNull(NightlyJob.incompatibility(model(cfg.features()), cfg));
    ConfigFeatures full = cfg.features().toBuilder().mapStride(1).build();
    assertEquals("the feature settings changed", NightlyJob.incompatibility(model(full), cfg));
    // a descriptor setting does not key the feature store, so the model's own features must catch it
    ConfigFeatures blur = cfg.features().toBuilder().blurSigma(1.5).build();
    assertEquals(FeatureStore.featureHash(cfg),
        FeatureStore.featureHash(FacealignConfig.load("facealign { features.blur-sigma = 1.5 }", Map.of())));
    assertEquals("the feature settings changed", NightlyJob.incompatibility(model(blur), cfg));
  }

  @Test
  void anMsrrnModelOfAnotherCanvasIsNotWarmStarted() {
    FacealignConfig cfg = FacealignConfig.load("facealign { train.model = msrrn }", Map.of());
    assertNull(NightlyJob.incompatibility(msrrn(cfg.features()), cfg));
    // a model trained when the canvas's default was another: its configuration, read again with this release's
    // defaults, names this release's canvas, and the feature store's key agrees with it
    ConfigFeatures earlier = cfg.features().toBuilder().faceSize(160).build();
    assertNotEquals(earlier.faceSize(), cfg.features().faceSize());
    assertEquals("the feature settings changed", NightlyJob.incompatibility(msrrn(earlier), cfg));
  }

  /** An MSRRN model (of a small graph: the check reads only the configuration and the model's features). */
  private static MsrrnModel msrrn(ConfigFeatures f) {
    FacealignConfig small = FacealignConfig.load(null, Map.of("msrrn.rrn-hidden", "8", "msrrn.cnn-hidden", "8",
        "msrrn.rrn-channels", "4", "msrrn.cnn-channels", "4"));
    double[] mean = new double[2 * 68];
    java.util.Arrays.fill(mean, 0.5);
    int[] crops = new MsrrnInputs(f, small.augment(), small.msrrn().stages()).cropSizes();
    ComputationGraph g = MsrrnGraph.build(small.msrrn(), 68, crops, mean, 1L, DataType.FLOAT);
    Provenance p = new Provenance("data", 10, 1L, "rev", "0.1.0", "2026-01-01T00:00:00Z", "cfg",
        "facealign { train.model = msrrn }");
    return new MsrrnModel(new ModelHeader(MsrrnModel.KIND, LandmarkScheme.IBUG_68, "detector", 0.1, p), f,
        java.util.Arrays.stream(crops).boxed().toList(), small.augment().cropMargin(), g);
  }

  @Test
  void facesOnlyOneModelPredictedAreCountedNotDropped() {
    Map<String, Map<String, Double>> cand = new java.util.LinkedHashMap<>();
    cand.put("common", Map.of("c", 0.03, "a", 0.01, "x", 0.09));
    cand.put("challenging", Map.of("k", 0.2));
    Map<String, Map<String, Double>> prod = Map.of("common", Map.of("a", 0.02, "b", 0.05, "c", 0.04, "d", 0.06));
    Map<String, Gate.Paired> p = NightlyJob.paired(cand, prod);
    Gate.Paired common = p.get("common");
    // paired in id order: a, c
    assertArrayEquals(new double[] {0.01, 0.03}, common.candidate());
    assertArrayEquals(new double[] {0.02, 0.04}, common.production());
    assertEquals(1, common.onlyCandidate());
    assertEquals(2, common.onlyProduction());
    // a subset production has no face of: every candidate face is unpaired, and nothing is thrown
    assertEquals(0, p.get("challenging").candidate().length);
    assertEquals(1, p.get("challenging").onlyCandidate());
    assertEquals(0, p.get("challenging").onlyProduction());
  }
}

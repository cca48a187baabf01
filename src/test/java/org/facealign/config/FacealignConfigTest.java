package org.facealign.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import java.util.Map;
import org.facealign.data.LandmarkScheme;
import org.facealign.model.deepreg.ConfigDeepReg;
import org.junit.jupiter.api.Test;

class FacealignConfigTest {

  @Test
  void defaultsDescribeThe300wProtocol() {
    FacealignConfig c = FacealignConfig.defaults();
    assertEquals("detector", c.data().boxPolicy());
    assertEquals(LandmarkScheme.IBUG_68, c.data().scheme());
    assertEquals("mean", c.train().model());
    assertEquals("local[*]", c.spark().master());
    assertEquals(64L << 20, c.data().maxFileBytes());
  }

  @Test
  void fileThenCommandLineOverride() {
    FacealignConfig c = FacealignConfig.load("facealign.train { seed = 5 }\nfacealign.augment.flip = false\nfacealign.data.max-file-bytes = 1M",
        Map.of("train.seed", "7", "facealign.data.box-policy", "landmarks"));
    assertEquals(7, c.train().seed());
    assertEquals(false, c.augment().flip());
    assertEquals(7, c.augment().seed());
    assertEquals("landmarks", c.data().boxPolicy());
    assertEquals(1L << 20, c.data().maxFileBytes());
  }

  @Test
  void featureAndAugmentDefaultsAreTheLibraryDefaults() {
    FacealignConfig c = FacealignConfig.defaults();
    assertEquals(org.facealign.feature.ConfigFeatures.defaults().canonical(), c.features().canonical());
    assertEquals(org.facealign.augment.ConfigAugment.defaults().withSeed(c.train().seed()).canonical(),
        c.augment().canonical());
    ConfigException e = assertThrows(ConfigException.class,
        () -> FacealignConfig.load(null, Map.of("features.patch-sizes", "[32, 0]")));
    assertTrue(e.getMessage().contains("facealign.features"), e.getMessage());
  }

  @Test
  void detectionAndLabellingSettingsAreValidatedAndNamed() {
    FacealignConfig c = FacealignConfig.defaults();
    assertEquals(java.util.List.of("frontal", "frontal-alt2", "profile", "rotated", "relaxed"), c.detect().stages());
    assertEquals(c.detect().stages().size() + 1, c.detect().boxMaps().size(), "a map per stage and the landmarks map");
    assertEquals(java.util.List.of("jpg", "jpeg", "png", "gif", "bmp"), c.label().extensions());
    ConfigException stage = assertThrows(ConfigException.class,
        () -> FacealignConfig.load(null, Map.of("detect.stages", "[frontal, sideways]")));
    assertTrue(stage.getMessage().contains("facealign.detect") && stage.getMessage().contains("sideways"), stage.getMessage());
    ConfigException map = assertThrows(ConfigException.class,
        () -> FacealignConfig.load(null, Map.of("detect.box-maps.frontal", "[0, 0, 0, 1]")));
    assertTrue(map.getMessage().contains("facealign.detect"), map.getMessage());
    ConfigException chunk = assertThrows(ConfigException.class,
        () -> FacealignConfig.load(null, Map.of("label.chunk-images", "0")));
    assertTrue(chunk.getMessage().contains("facealign.label"), chunk.getMessage());
  }

  @Test
  void inputGuardsHaveSafeDefaultsAndAreValidated() {
    FacealignConfig c = FacealignConfig.defaults();
    assertEquals(0.5, c.data().pointMargin());
    assertEquals(false, c.data().allowOutsideRoot());
    assertEquals(new org.facealign.data.FaceReader.Limits(67108864L, 100000000L, 0.5), c.data().limits());
    FacealignConfig wide = FacealignConfig.load(null, Map.of("data.point-margin", "2", "data.allow-outside-root", "true"));
    assertEquals(2.0, wide.data().limits().pointMargin());
    assertEquals(true, wide.data().allowOutsideRoot());
    ConfigException negative = assertThrows(ConfigException.class,
        () -> FacealignConfig.load(null, Map.of("data.point-margin", "-0.1")));
    assertTrue(negative.getMessage().contains("facealign.data.point-margin")
        && negative.getMessage().contains("must be in [0, 100], got -0.1"), negative.getMessage());
    ConfigException notBoolean = assertThrows(ConfigException.class,
        () -> FacealignConfig.load(null, Map.of("data.allow-outside-root", "perhaps")));
    assertTrue(notBoolean.getMessage().contains("allow-outside-root"), notBoolean.getMessage());
  }

  @Test
  void unknownKeyInFileIsNamed() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> FacealignConfig.load("facealign.train.sead = 3", Map.of()));
    assertTrue(e.getMessage().contains("facealign.train.sead"), e.getMessage());
  }

  @Test
  void aRetiredKeyIsDroppedNotRefused() {
    // the configuration a model trained by an earlier release records, which listed msrrn.pretrain-penalty
    FacealignConfig saved = FacealignConfig.load("facealign.msrrn { pretrain-penalty = centred, stages = 4 }",
        Map.of());
    assertEquals(4, saved.msrrn().stages());
    assertEquals(FacealignConfig.load(null, Map.of("msrrn.stages", "4")).msrrn(), saved.msrrn());
    assertTrue(FacealignConfig.RETIRED.containsKey("facealign.msrrn.pretrain-penalty"));
    assertFalse(saved.raw().hasPathOrNull("facealign.msrrn.pretrain-penalty"));
    FacealignConfig cli = FacealignConfig.load(null, Map.of("msrrn.pretrain-penalty", "raw"));
    assertEquals(FacealignConfig.defaults().msrrn(), cli.msrrn());
    FacealignConfig nulled = FacealignConfig.load("facealign.msrrn.pretrain-penalty = null", Map.of());
    assertEquals(FacealignConfig.defaults().msrrn(), nulled.msrrn());
    for (String retired : FacealignConfig.RETIRED.keySet()) {
      assertFalse(ConfigFactory.defaultReference().hasPathOrNull(retired), retired + " is in reference.conf again");
    }
  }

  @Test
  void unknownKeyOnCommandLineIsNamed() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> FacealignConfig.load(null, Map.of("data.box-polcy", "detector")));
    assertTrue(e.getMessage().contains("facealign.data.box-polcy"), e.getMessage());
  }

  @Test
  void illTypedValueIsNamed() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> FacealignConfig.load("facealign.train.seed = many", Map.of()));
    assertTrue(e.getMessage().contains("facealign.train.seed"), e.getMessage());
  }

  @Test
  void outOfRangeValuesAreNamed() {
    ConfigException a = assertThrows(ConfigException.class,
        () -> FacealignConfig.load(null, Map.of("data.box-policy", "guess")));
    assertTrue(a.getMessage().contains("box-policy"), a.getMessage());
    ConfigException b = assertThrows(ConfigException.class,
        () -> FacealignConfig.load(null, Map.of("train.model", "svm")));
    assertTrue(b.getMessage().contains("facealign.train.model"), b.getMessage());
    ConfigException c = assertThrows(ConfigException.class,
        () -> FacealignConfig.load(null, Map.of("data.scheme.flip-map", "[1, 0, 2]")));
    assertTrue(c.getMessage().contains("facealign.data.scheme"), c.getMessage());
    ConfigException d = assertThrows(ConfigException.class,
        () -> FacealignConfig.load(null, Map.of("deepreg.pretrain-penalty", "both")).deepreg());
    assertTrue(d.getMessage().contains("pretrain-penalty"), d.getMessage());
    ConfigException e = assertThrows(ConfigException.class,
        () -> FacealignConfig.load(null, Map.of("deepreg.local.perturb-scale", "-1")).deepreg(false));
    assertTrue(e.getMessage().contains("perturb-scale"), e.getMessage());
  }

  @Test
  void deepregLocalTakesTheKeysOfItsOwnBlock() {
    FacealignConfig c = FacealignConfig.load(null, Map.of("deepreg.perturb-scale", "2.5", "deepreg.local.perturb-scale",
        "0.5", "deepreg.ridge", "0.2"));
    assertEquals(2.5, c.deepreg().perturbScale());
    assertEquals(2.5, c.deepreg(true).perturbScale());
    assertEquals(0.5, c.deepreg(false).perturbScale());
    // a key the block does not list is the common one
    assertEquals(0.2, c.deepreg(false).ridge());
    assertEquals(new ConfigDeepReg(5, 5, 0.2, 0.1, 200, 0.5, 30, 1e-3, 0.9, 50, 0.5, 3, 10, 0, 5, "trained", "raw", true, 0, false, 0.5, "nesterovs", "closed-form", 30, 3e-3, "plateau",
        "trained", "l2", 15), c.deepreg(false));
    // one joint-rotation for both kinds
    FacealignConfig turned = FacealignConfig.load(null, Map.of("deepreg.joint-rotation", "10"));
    assertEquals(10, turned.deepreg(true).jointRotation());
    assertEquals(10, turned.deepreg(false).jointRotation());
    assertThrows(ConfigException.class, () -> FacealignConfig.load(null, Map.of("deepreg.local.joint-rotation", "10")));
    assertThrows(ConfigException.class, () -> FacealignConfig.load(null, Map.of("deepreg.joint-rotation", "60"))
        .deepreg());
    // only the keys reference.conf lists in the block may be set there
    assertThrows(ConfigException.class, () -> FacealignConfig.load(null, Map.of("deepreg.local.stages", "3")));
  }

  @Test
  void pretrainingPenaltyIsChosenByKey() {
    assertFalse(FacealignConfig.load(null, Map.of()).deepreg().pretrainPenaltyCentred());
    assertTrue(FacealignConfig.load(null, Map.of("deepreg.pretrain-penalty", "centred")).deepreg()
        .pretrainPenaltyCentred());
  }

  @Test
  void sgdPretrainingIsChosenByKeyAndRefusesClosedFormOnlyKeys() {
    assertFalse(FacealignConfig.load(null, Map.of()).deepreg().pretrainSgd());
    ConfigDeepReg sgd = FacealignConfig.load(null, Map.of("deepreg.pretrain", "sgd", "deepreg.pretrain-epochs", "4"))
        .deepreg();
    assertTrue(sgd.pretrainSgd());
    assertEquals(4, sgd.pretrainEpochs());
    for (String key : new String[] {"deepreg.global-folds=5", "deepreg.rescale-starts=true", "deepreg.pretrain=adam",
        "deepreg.pretrain-epochs=0"}) {
      String[] kv = key.split("=");
      Map<String, String> o = kv[0].equals("deepreg.pretrain") || kv[0].equals("deepreg.pretrain-epochs")
          ? Map.of(kv[0], kv[1]) : Map.of("deepreg.pretrain", "sgd", kv[0], kv[1]);
      ConfigException e = assertThrows(ConfigException.class, () -> FacealignConfig.load(null, o));
      assertTrue(e.getMessage().contains("pretrain"), e.getMessage());
    }
  }

  @Test
  void renderedConfigReloadsToTheSameHash() {
    FacealignConfig c = FacealignConfig.load(null, Map.of("train.seed", "11", "data.box-margin", "0.2"));
    FacealignConfig again = FacealignConfig.load(c.render(), Map.of());
    assertEquals(c.hash(), again.hash());
    assertEquals(11, again.train().seed());
    assertNotEquals(FacealignConfig.defaults().hash(), c.hash());
  }

  @Test
  void everyReferenceKeyIsDocumented() throws Exception {
    String text;
    try (var in = FacealignConfig.class.getClassLoader().getResourceAsStream("reference.conf")) {
      text = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
    String[] lines = text.split("\n");
    for (int i = 1; i < lines.length; i++) {
      String l = lines[i].trim();
      if (l.matches("[a-z-]+ = .*") && !l.startsWith("#")) {
        assertTrue(lines[i - 1].trim().startsWith("#"), "key without a comment line above it: " + l);
      }
    }
  }
}

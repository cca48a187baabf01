package org.facealign.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.facealign.augment.ConfigAugment;
import org.facealign.data.FaceReader;
import org.facealign.eval.Report;
import org.facealign.feature.ConfigFeatures;
import org.facealign.model.deepreg.ConfigDeepReg;
import org.facealign.model.deepreg.ConfigLowRank;
import org.facealign.model.msrrn.ConfigMsrrn;
import org.junit.jupiter.api.Test;

/**
 * The defaults in code are those of {@code reference.conf}: every {@code defaults()} of src/main equals what
 * parsing the file's section gives, so the two cannot drift apart.
 */
class ConfigDefaultsTest {
  static final FacealignConfig REFERENCE = FacealignConfig.defaults();

  @Test
  void everyDefaultsIsReferenceConf() {
    assertEquals(ConfigFeatures.defaults(), REFERENCE.features());
    assertEquals(ConfigFeatures.defaults().canonical(), REFERENCE.features().canonical());
    // the augmentation's seed is train.seed, not a key of facealign.augment
    assertEquals(ConfigAugment.defaults().withSeed(REFERENCE.train().seed()), REFERENCE.augment());
    assertEquals(ConfigDeepReg.defaults(), REFERENCE.deepreg());
    assertEquals(ConfigLowRank.defaults(), REFERENCE.lowRank());
    assertEquals(ConfigMsrrn.defaults(), REFERENCE.msrrn());
    assertEquals(FaceReader.Limits.defaults(), REFERENCE.data().limits());
    assertEquals(FaceReader.DEFAULT_POINT_MARGIN, REFERENCE.data().pointMargin());
    assertEquals(Report.CED_X_MAX, REFERENCE.eval().cedMax());
    assertEquals(new FacealignConfig.Inference(false), REFERENCE.inference());
  }

  @Test
  void someValuesAsTheFileWritesThem() {
    assertEquals(67108864L, FaceReader.Limits.defaults().maxFileBytes());
    assertEquals(100000000L, FaceReader.Limits.defaults().maxPixels());
    assertEquals(0.5, FaceReader.Limits.defaults().pointMargin());
    assertEquals(5, ConfigDeepReg.defaults().stages());
    assertEquals(0.003, ConfigDeepReg.defaults().learningRate());
    assertEquals(true, ConfigDeepReg.defaults().jointPerturb());
    assertEquals(3.0, ConfigDeepReg.defaults().perturbScale());
    assertEquals(1.0, REFERENCE.deepreg(false).perturbScale());
    assertEquals(0.001, REFERENCE.deepreg(false).learningRate());
    assertEquals(3e-4, ConfigMsrrn.defaults().learningRate());
    assertEquals(0.1, ConfigMsrrn.defaults().rrnLeakySlope());
    assertEquals(java.util.List.of(50, 100, 200), ConfigAugment.defaults().cropSizes());
    assertEquals(20140623L, REFERENCE.augment().seed());
  }

  /**
   * Every key of a record's section in {@code reference.conf} is one of the record's fields (kebab-case to camelCase),
   * so a key the code never reads cannot sit in the file, where the unknown-key check would accept it and a user
   * setting it would change nothing. Subsections and the keys listed are read elsewhere.
   */
  @Test
  void everyKeyOfARecordsSectionIsAField() {
    com.typesafe.config.Config ref = com.typesafe.config.ConfigFactory.defaultReference().getConfig("facealign");
    java.util.Map<String, Class<?>> records = new java.util.LinkedHashMap<>();
    records.put("features", ConfigFeatures.class);
    records.put("augment", ConfigAugment.class);
    records.put("deepreg", ConfigDeepReg.class);
    records.put("msrrn", ConfigMsrrn.class);
    records.put("detect", org.facealign.detect.ConfigDetect.class);
    records.put("label", org.facealign.label.ConfigLabel.class);
    records.put("nightly", org.facealign.registry.ConfigNightly.class);
    records.put("inference", FacealignConfig.Inference.class);
    Set<String> notFields = new TreeSet<>();
    records.forEach((section, type) -> {
      Set<String> fields = new TreeSet<>();
      for (java.lang.reflect.Field f : type.getDeclaredFields()) {
        if (!java.lang.reflect.Modifier.isStatic(f.getModifiers())) {
          fields.add(f.getName());
        }
      }
      for (java.util.Map.Entry<String, com.typesafe.config.ConfigValue> e : ref.getConfig(section).root().entrySet()) {
        if (e.getValue().valueType() == com.typesafe.config.ConfigValueType.OBJECT) {
          continue;
        }
        String camel = Pattern.compile("-([a-z0-9])").matcher(e.getKey()).replaceAll(m -> m.group(1).toUpperCase());
        if (!fields.contains(camel)) {
          notFields.add(section + "." + e.getKey());
        }
      }
    });
    assertEquals(Set.of("deepreg.table1", "features.store"), notFields, "deepreg.table1 is read by the DeepReg job, "
        + "features.store by FacealignConfig; any other key must be a field");
  }

  /** A new {@code defaults()} in src/main must be added to {@link #everyDefaultsIsReferenceConf}. */
  @Test
  void noOtherDefaultsInMain() throws IOException {
    Path main = Path.of(System.getProperty("basedir", "."), "src", "main", "java");
    Pattern defaults = Pattern.compile("static\\s+[\\w.<>]+\\s+defaults\\(\\)");
    Set<String> found = new TreeSet<>();
    try (Stream<Path> files = Files.walk(main)) {
      for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java"))::iterator) {
        if (defaults.matcher(Files.readString(f)).find()) {
          found.add(main.relativize(f).toString().replace('\\', '/'));
        }
      }
    }
    assertEquals(new TreeSet<>(Set.of("org/facealign/augment/ConfigAugment.java",
        "org/facealign/config/FacealignConfig.java", "org/facealign/data/FaceReader.java",
        "org/facealign/feature/ConfigFeatures.java", "org/facealign/model/deepreg/ConfigDeepReg.java",
        "org/facealign/model/deepreg/ConfigLowRank.java",
        "org/facealign/model/msrrn/ConfigMsrrn.java")), found);
  }
}

package org.facealign.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.facealign.cli.Main;
import org.facealign.config.FacealignConfig;
import org.facealign.data.FileLock;
import org.facealign.data.FaceEntry;
import org.facealign.data.Storage;
import org.facealign.data.SyntheticFaces;
import org.facealign.model.MeanShapeModel;
import org.facealign.model.ModelStore;
import org.facealign.registry.ModelRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nights of {@code nightly} with the mean-shape model on synthetic faces: the first promotes, an unchanged night
 * trains nothing, 50 new faces get exactly 50 faces' features, a candidate trained on shuffled annotations is not
 * promoted, a failure between publication and the pointer switch leaves production as it was, a held lock stops a
 * second run, and a rollback restores the version before.
 */
class NightlyJobTest {

  static int nightly(Path data, Path registry, String... extra) {
    List<String> args = new ArrayList<>(List.of("nightly", "--data", data.toString(), "--registry", registry.toString(),
        "-D", "spark.master=local[2]", "-D", "nightly.gated-subsets=[common]"));
    args.addAll(List.of(extra));
    return Main.run(args.toArray(String[]::new));
  }

  static JsonNode last(ModelRegistry r) throws Exception {
    List<JsonNode> h = r.history();
    return h.get(h.size() - 1);
  }

  @Test
  void nightsPromoteSkipComputeOnlyWhatIsNewRefuseWorseAndSurviveFailures(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("data");
    SyntheticFaces.writeW300Layout(data, Map.of("afw", 60, "lfpw/testset", 30), 3L, SyntheticFaces.Options.defaults());
    Path regDir = dir.resolve("registry");
    ModelRegistry reg = new ModelRegistry(Storage.local(), regDir.toString());

    // night 1: nothing in production yet: the candidate is promoted
    assertEquals(0, nightly(data, regDir));
    JsonNode n1 = last(reg);
    assertEquals("promoted", n1.get("decision").asText(), n1.toString());
    assertEquals("v000001", reg.production().get().version());
    assertEquals(ModelRegistry.INFRA_PASSED, reg.info("v000001").get(ModelRegistry.INFRA_CHECK).asText());
    assertEquals(60, n1.at("/training_data/added").asInt());
    assertEquals(90, n1.at("/features/computed").asInt());

    // night 2: no change: no features, no training, no version
    assertEquals(0, nightly(data, regDir));
    JsonNode n2 = last(reg);
    assertEquals("no_change", n2.get("decision").asText());
    assertTrue(n2.path("features").isMissingNode(), "nothing prepared");
    assertTrue(n2.path("training").isMissingNode(), "nothing trained");
    assertEquals(List.of("v000001"), reg.versions());

    // night 2b: one detector box corrected (moved 3 px right): a change to that face alone, whose features are
    // computed again (the box is an input of training under the detector box policy)
    Path boxes = data.resolve("afw").resolve(org.facealign.data.W300Layout.BOXES_FILE);
    List<String> boxLines = new ArrayList<>(Files.readAllLines(boxes));
    String[] first = boxLines.get(1).split(" ");
    first[1] = String.format(java.util.Locale.ROOT, "%.3f", Double.parseDouble(first[1]) + 3);
    first[3] = String.format(java.util.Locale.ROOT, "%.3f", Double.parseDouble(first[3]) + 3);
    boxLines.set(1, String.join(" ", first));
    Files.write(boxes, boxLines);
    nightly(data, regDir);
    JsonNode n2b = last(reg);
    assertEquals(1, n2b.at("/training_data/changed").asInt(), n2b.toString());
    assertEquals(0, n2b.at("/training_data/added").asInt(), n2b.toString());
    assertEquals(1, n2b.at("/features/computed").asInt(), n2b.toString());

    // night 3: 50 new annotated faces: exactly 50 faces get features
    Path more = dir.resolve("more");
    SyntheticFaces.writeW300Layout(more, Map.of("helen/trainset", 50), 4L, SyntheticFaces.Options.defaults());
    copyTree(more.resolve("helen"), data.resolve("helen"));
    // and an image without its annotation: counted as unreadable, a change, reported by prepare, never dropped
    try (var f = Files.list(data.resolve("helen/trainset"))) {
      Path img = f.filter(p -> !p.toString().endsWith(".pts")).sorted().findFirst().orElseThrow();
      Files.copy(img, data.resolve("helen/trainset/no_annotation_face.png"));
    }
    int code3 = nightly(data, regDir);
    JsonNode n3 = last(reg);
    assertEquals(50, n3.at("/features/computed").asInt(), n3.toString());
    assertEquals(51, n3.at("/training_data/added").asInt());
    assertEquals(1, n3.at("/training_data/unreadable").asInt(), n3.toString());
    assertEquals(1, n3.at("/training_data/unreadable_by_reason/" + FaceEntry.NO_ANNOTATION).asInt(), n3.toString());
    assertEquals(0, n2.at("/training_data/unreadable").asInt());
    assertEquals(n3.get("decision").asText().equals("promoted") ? 0 : 3, code3);
    String production = reg.production().get().version();

    // night 4: the points of every training annotation shuffled (each file's 68 lines in a random order): the
    // candidate is worse and is not promoted
    List<Path> pts = new ArrayList<>();
    for (String part : List.of("afw", "helen/trainset")) {
      try (var f = Files.list(data.resolve(part))) {
        f.filter(p -> p.toString().endsWith(".pts")).sorted().forEach(pts::add);
      }
    }
    List<String> texts = new ArrayList<>();
    for (Path p : pts) {
      texts.add(Files.readString(p));
    }
    java.util.Random rnd = new java.util.Random(11);
    for (int i = 0; i < pts.size(); i++) {
      List<String> lines = new ArrayList<>(List.of(texts.get(i).split("\n")));
      List<String> points = new ArrayList<>(lines.subList(3, 3 + 68));
      java.util.Collections.shuffle(points, rnd);
      List<String> shuffled = new ArrayList<>(lines.subList(0, 3));
      shuffled.addAll(points);
      shuffled.addAll(lines.subList(3 + 68, lines.size()));
      Files.writeString(pts.get(i), String.join("\n", shuffled) + "\n");
    }
    int code4 = nightly(data, regDir);
    JsonNode n4 = last(reg);
    assertEquals(3, code4, "trained but not promoted: " + n4);
    assertEquals("rejected", n4.get("decision").asText());
    assertTrue(n4.at("/ip_nme/candidate/common").asDouble() > n4.at("/ip_nme/production/common").asDouble(), n4.toString());
    assertEquals(production, reg.production().get().version(), "production unchanged");
    String rejected = n4.get("candidate").asText();
    assertTrue(reg.versions().contains(rejected), "the rejected candidate is kept as a version, for inspection");

    // night 5: annotations restored, and a failure between publication and the switch: production stays
    for (int i = 0; i < pts.size(); i++) {
      Files.writeString(pts.get(i), texts.get(i));
    }
    FacealignConfig cfg = FacealignConfig.load(null, Map.of("spark.master", "local[2]", "nightly.gated-subsets", "[common]"));
    SparkSession spark = SparkSessions.create(cfg, "test");
    try {
      NightlyJob.Spec spec = new NightlyJob.Spec(new PrepareJob.DataSpec(data.toString(), List.of()), regDir.toString(),
          true, false, false);
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> NightlyJob.run(spark, cfg, Storage.local(),
          spec, new NightlyJob.Hooks() {
            @Override
            public void beforeSwitch(String version) {
              throw new IllegalStateException("injected: the driver dies before switching to " + version);
            }
          }));
      assertTrue(e.getMessage().contains("injected"));
      assertEquals(production, reg.production().get().version(), "a failure before the switch leaves production");
      assertEquals("failed", last(reg).get("decision").asText());

      // night 5b: another run breaks the lock while this one trains: this one stops before it writes the registry,
      // its history line included
      int before = reg.versions().size();
      int lines = reg.history().size();
      FileLock.HeldException broken = assertThrows(FileLock.HeldException.class, () -> NightlyJob.run(spark, cfg,
          Storage.local(), spec, new NightlyJob.Hooks() {
            @Override
            public void afterTraining() throws java.io.IOException {
              Files.delete(regDir.resolve(ModelRegistry.LOCK));
              reg.lock("a nightly started elsewhere with --break-lock", false);
            }
          }));
      assertTrue(broken.getMessage().contains("started elsewhere"), broken.getMessage());
      assertEquals(before, reg.versions().size(), "nothing published");
      assertEquals(lines, reg.history().size(), "no history line written under another run's lock");
      assertEquals(production, reg.production().get().version());
      Files.delete(regDir.resolve(ModelRegistry.LOCK));

      // night 6: the same data; the switch happens, then writing the manifest fails: still a promotion, the failed
      // step listed, and the data not marked as trained on
      NightlyJob.Result r6 = NightlyJob.run(spark, cfg, Storage.local(), spec, new NightlyJob.Hooks() {
        @Override
        public void afterSwitch(String what) throws java.io.IOException {
          if (what.contains("manifest")) {
            throw new java.io.IOException("injected: the registry's file system refuses the manifest");
          }
        }
      });
      JsonNode n6 = last(reg);
      assertEquals("promoted", r6.decision(), n6.toString());
      assertEquals("promoted", n6.get("decision").asText());
      assertEquals(r6.version(), reg.production().get().version());
      assertEquals(1, n6.get("housekeeping_failed").size(), n6.toString());
      assertTrue(n6.get("housekeeping_failed").get(0).asText().contains("injected"), n6.toString());
      assertFalse(n6.at("/training_data/manifest_hash").asText().equals(reg.manifest().hash()),
          "the manifest of the night before stays: the next night sees these data as new");
      production = r6.version();

      // night 7: the published copy predicts otherwise than the trained model (a valid model, shifted 2 px): the
      // infra check fails the night, production stays, and the version is marked so that it is not promoted by hand
      NightlyJob.Result r7 = NightlyJob.run(spark, cfg, Storage.local(), spec, new NightlyJob.Hooks() {
        @Override
        public void afterPublish(String versionDir) throws java.io.IOException {
          shiftPublished(dir, versionDir);
        }
      });
      JsonNode n7 = last(reg);
      assertEquals("infra_check_failed", r7.decision(), n7.toString());
      assertEquals("infra_check_failed", n7.get("decision").asText());
      assertEquals(production, reg.production().get().version(), "production stays");
      assertTrue(reg.info(r7.version()).get("infra_check").asText().startsWith("failed: "), n7.toString());
      assertEquals(1, Main.run("registry", "promote", "--registry", regDir.toString(), r7.version()));
      assertEquals(production, reg.production().get().version(), "refused by hand too, without --force");
    } finally {
      spark.stop();
    }
    assertFalse(Files.exists(regDir.resolve("_lock")), "the lock is released after a failure");

    // a held lock: the second run exits with 2, naming the holder
    try (FileLock held = reg.lock("another nightly", false)) {
      assertEquals(2, nightly(data, regDir, "--force"));
    }

    // a version by hand, then a rollback restores the one before
    String candidate5 = reg.versions().get(reg.versions().size() - 3); // night 5's, published, never switched to
    assertEquals(0, Main.run("registry", "promote", "--registry", regDir.toString(), candidate5));
    assertEquals(candidate5, reg.production().get().version());
    assertEquals(0, Main.run("registry", "rollback", "--registry", regDir.toString()));
    assertEquals(production, reg.production().get().version());
    assertEquals("rolled_back", last(reg).get("decision").asText());
  }

  @Test
  void theInfraCheckOfADerivedGatedSubsetReadsItsPartsAndAnUnfinishedCheckIsNotPromotedByHand(@TempDir Path dir)
      throws Exception {
    assertEquals(List.of("common", "challenging"), NightlyJob.storedSubsets(List.of("full", "common"),
        Map.of("full", List.of("common", "challenging"))));
    Path data = dir.resolve("data");
    SyntheticFaces.writeW300Layout(data, Map.of("afw", 40, "lfpw/testset", 12, "ibug", 3), 3L,
        SyntheticFaces.Options.defaults());
    Path regDir = dir.resolve("registry");
    ModelRegistry reg = new ModelRegistry(Storage.local(), regDir.toString());
    // gated on 300-W's full set, a union no prepared face is stored under
    FacealignConfig cfg = FacealignConfig.load(null, Map.of("spark.master", "local[2]", "nightly.gated-subsets", "[full]"));
    SparkSession spark = SparkSessions.create(cfg, "test");
    try {
      NightlyJob.Spec spec = new NightlyJob.Spec(new PrepareJob.DataSpec(data.toString(), List.of()), regDir.toString(),
          true, false, false);
      // the published copy moved 2 px: the check of the full set's faces must see it
      NightlyJob.Result shifted = NightlyJob.run(spark, cfg, Storage.local(), spec, new NightlyJob.Hooks() {
        @Override
        public void afterPublish(String versionDir) throws java.io.IOException {
          shiftPublished(dir, versionDir);
        }
      });
      JsonNode n1 = last(reg);
      assertEquals("infra_check_failed", shifted.decision(), n1.toString());
      assertTrue(n1.get("reason").asText().contains("the published model predicts landmark"), n1.toString());
      assertTrue(reg.production().isEmpty());

      // the run stops between publication and the end of its check: the version says so, and is refused by hand
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> NightlyJob.run(spark, cfg,
          Storage.local(), spec, new NightlyJob.Hooks() {
            @Override
            public void afterPublish(String versionDir) {
              throw new IllegalStateException("injected: the driver dies before the infra check");
            }
          }));
      assertTrue(e.getMessage().contains("injected"));
      String unchecked = reg.versions().get(reg.versions().size() - 1);
      assertEquals(ModelRegistry.INFRA_PENDING, reg.info(unchecked).get(ModelRegistry.INFRA_CHECK).asText());
      assertEquals(1, Main.run("registry", "promote", "--registry", regDir.toString(), unchecked));
      assertTrue(reg.production().isEmpty(), "not promoted without --force");

      // a whole night: checked, passed, promoted
      NightlyJob.Result ok = NightlyJob.run(spark, cfg, Storage.local(), spec, new NightlyJob.Hooks() {});
      assertEquals("promoted", ok.decision(), last(reg).toString());
      assertEquals(ModelRegistry.INFRA_PASSED, reg.info(ok.version()).get(ModelRegistry.INFRA_CHECK).asText());
      assertEquals(0, Main.run("registry", "promote", "--registry", regDir.toString(), unchecked, "--force"));
      assertEquals(unchecked, reg.production().get().version());

      // a test image unreadable while the candidate is evaluated, readable again for production: a failure of the
      // data, not of the candidate, so that face is compared on neither side and the night is not refused for it
      Path image;
      try (var f = Files.list(data.resolve("lfpw/testset"))) {
        image = f.filter(p -> p.toString().endsWith(".jpg")).sorted().findFirst().orElseThrow();
      }
      Path away = dir.resolve("away.jpg");
      NightlyJob.Result flaky = NightlyJob.run(spark, cfg, Storage.local(), spec, new NightlyJob.Hooks() {
        @Override
        public void afterTraining() throws java.io.IOException {
          Files.move(image, away);
        }

        @Override
        public void beforeProductionEvaluation() throws java.io.IOException {
          Files.move(away, image);
        }
      });
      JsonNode n4 = last(reg);
      assertEquals(1, n4.get("gate_unreadable_faces").asInt(), n4.toString());
      assertEquals("promoted", flaky.decision(), n4.toString());

      // gated on common alone: a challenging face unreadable meanwhile is no face of the gate's
      Path other;
      try (var f = Files.list(data.resolve("ibug"))) {
        other = f.filter(p -> p.toString().endsWith(".jpg")).sorted().findFirst().orElseThrow();
      }
      Path awayToo = dir.resolve("away-too.jpg");
      FacealignConfig common = cfg.with(Map.of("nightly.gated-subsets", "[common]"));
      NightlyJob.run(spark, common, Storage.local(), spec, new NightlyJob.Hooks() {
        @Override
        public void afterTraining() throws java.io.IOException {
          Files.move(image, away);
          Files.move(other, awayToo);
        }

        @Override
        public void beforeProductionEvaluation() throws java.io.IOException {
          Files.move(away, image);
          Files.move(awayToo, other);
        }
      });
      JsonNode n5 = last(reg);
      assertEquals(1, n5.get("gate_unreadable_faces").asInt(), n5.toString());
    } finally {
      spark.stop();
    }
  }

  @Test
  void refusedNightsKeepOnlyKeepVersionsAndDataThatCannotBeReadFailTheNight(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("data");
    SyntheticFaces.writeW300Layout(data, Map.of("afw", 30, "lfpw/testset", 10), 5L, SyntheticFaces.Options.defaults());
    Path regDir = dir.resolve("registry");
    ModelRegistry reg = new ModelRegistry(Storage.local(), regDir.toString());
    assertEquals(0, nightly(data, regDir, "-D", "nightly.keep-versions=2"));
    // another box policy: production cannot be run on the candidate's faces, so every candidate is refused, and
    // each refused night still deletes what is beyond keep-versions (production and the one before it never go)
    for (int night = 2; night <= 4; night++) {
      assertEquals(3, nightly(data, regDir, "--force", "-D", "nightly.keep-versions=2", "-D",
          "data.box-policy=landmarks"), last(reg).toString());
      assertEquals("rejected", last(reg).get("decision").asText());
    }
    assertEquals(List.of("v000001", "v000004"), reg.versions());
    assertEquals(List.of("v000003"), texts(last(reg).get("versions_deleted")), last(reg).toString());
    try (var runs = Files.list(regDir.resolve("runs"))) {
      assertEquals(2, runs.count(), "the work directories of the last keep-versions runs");
    }
    assertEquals("v000001", reg.production().get().version());

    // every training annotation gone: the data's failure, exit code 1 (2 is for usage), and a failed night's line
    try (var f = Files.list(data.resolve("afw"))) {
      for (Path p : f.filter(p -> p.toString().endsWith(".pts")).toList()) {
        Files.delete(p);
      }
    }
    assertEquals(1, nightly(data, regDir, "-D", "nightly.keep-versions=2"));
    JsonNode failed = last(reg);
    assertEquals("failed", failed.get("decision").asText());
    assertTrue(failed.get("reason").asText().contains("no usable training faces (30 unreadable)"), failed.toString());
    assertFalse(Files.exists(regDir.resolve(ModelRegistry.LOCK)));
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  /** Replaces the model files of a published version with those of the same model moved 2 % of the box right. */
  static void shiftPublished(Path dir, String versionDir) throws java.io.IOException {
    MeanShapeModel m = (MeanShapeModel) ModelStore.load(Storage.local(), versionDir);
    Path other = Files.createTempDirectory(dir, "shifted-model");
    ModelStore.save(new MeanShapeModel(m.header(), m.meanBoxFrame().translate(0.02, 0), m.samples()),
        Storage.local(), other.toString());
    try (var f = Files.walk(other)) {
      for (Path p : f.filter(Files::isRegularFile).toList()) {
        Path to = Path.of(versionDir).resolve(other.relativize(p).toString());
        Files.copy(p, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
    }
  }

  @Test
  void aDeepRegNightWarmStartsFromProductionWithoutPreTraining(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("data");
    SyntheticFaces.writeW300Layout(data, Map.of("afw", 40, "lfpw/testset", 12), 5L, SyntheticFaces.Options.defaults());
    Path regDir = dir.resolve("registry");
    String[] small = {"--model", "deepreg", "-D", "features.sift-cells=2", "-D", "features.patch-sizes=[32, 16]",
        "-D", "deepreg.stages=2", "-D", "deepreg.starts=2", "-D", "deepreg.validation-faces=8", "-D", "deepreg.epochs=2",
        "-D", "deepreg.batch=16", "-D", "nightly.warm-epochs=1", "-D", "nightly.tolerance=0.5"};
    assertEquals(0, nightly(data, regDir, small));
    ModelRegistry reg = new ModelRegistry(Storage.local(), regDir.toString());
    JsonNode cold = last(reg);
    assertFalse(cold.at("/training/warm").asBoolean());
    assertEquals("no model in production", cold.at("/training/cold_because").asText());
    assertEquals(1 + 2, cold.at("/training/epochs").size(), "epoch 0 (the start), then deepreg.epochs");

    Path more = dir.resolve("more");
    SyntheticFaces.writeW300Layout(more, Map.of("helen/trainset", 20), 6L, SyntheticFaces.Options.defaults());
    copyTree(more.resolve("helen"), data.resolve("helen"));
    int code = nightly(data, regDir, small);
    JsonNode warm = last(reg);
    assertTrue(warm.at("/training/warm").asBoolean(), warm.toString());
    assertEquals(1 + 1, warm.at("/training/epochs").size(), "epoch 0, then nightly.warm-epochs");
    assertEquals(20, warm.at("/features/computed").asInt());
    JsonNode training = new com.fasterxml.jackson.databind.ObjectMapper().readTree(
        regDir.resolve("versions").resolve(warm.get("candidate").asText()).resolve("training.json").toFile());
    assertEquals(0, training.get("fits").size(), "no pre-training: the joint phase starts from production");
    assertTrue(warm.at("/ip_nme/candidate/common").asDouble() < 0.1, warm.toString());
    assertEquals(warm.get("decision").asText().equals("promoted") ? 0 : 3, code);

    // a changed feature setting makes the next night cold, and says why
    int changed = nightly(data, regDir, concat(small, "--force", "-D", "features.blur-sigma=1.5"));
    JsonNode coldNight = last(reg);
    assertEquals(coldNight.get("decision").asText().equals("promoted") ? 0 : 3, changed, coldNight.toString());
    assertEquals("the feature settings changed", coldNight.at("/training/cold_because").asText());
  }

  @Test
  void anMsrrnNightContinuesTrainingFromProduction(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("data");
    SyntheticFaces.writeW300Layout(data, Map.of("afw", 40, "lfpw/testset", 12), 5L, SyntheticFaces.Options.defaults());
    Path regDir = dir.resolve("registry");
    // a tiny network that learns in four epochs at a high rate, with squared errors (absolute ones, the default,
    // need more steps at that size)
    String[] small = {"--model", "msrrn", "-D", "msrrn.loss=l2", "-D", "features.sift-cells=2",
        "-D", "features.patch-sizes=[32]",
        "-D", "augment.crop-sizes=[32, 48, 64]", "-D", "msrrn.patch-size=8", "-D", "msrrn.rrn-channels=4",
        "-D", "msrrn.rrn-hidden=32", "-D", "msrrn.cnn-channels=4", "-D", "msrrn.cnn-hidden=32", "-D", "msrrn.batch=16",
        "-D", "msrrn.learning-rate=0.003", "-D", "msrrn.validation-faces=8", "-D", "msrrn.epochs=4",
        "-D", "nightly.warm-epochs=1", "-D", "nightly.tolerance=0.5"};
    assertEquals(0, nightly(data, regDir, small));
    ModelRegistry reg = new ModelRegistry(Storage.local(), regDir.toString());
    JsonNode cold = last(reg);
    assertFalse(cold.at("/training/warm").asBoolean());
    JsonNode coldEpochs = cold.at("/training/epochs");
    assertEquals(1 + 4, coldEpochs.size(), "epoch 0 (the start), then msrrn.epochs");

    Path more = dir.resolve("more");
    SyntheticFaces.writeW300Layout(more, Map.of("helen/trainset", 20), 6L, SyntheticFaces.Options.defaults());
    copyTree(more.resolve("helen"), data.resolve("helen"));
    int code = nightly(data, regDir, small);
    JsonNode warm = last(reg);
    assertTrue(warm.at("/training/warm").asBoolean(), warm.toString());
    assertEquals(1 + 1, warm.at("/training/epochs").size(), "epoch 0, then nightly.warm-epochs");
    // continuing from production: before its first epoch the warm run is already near where the cold run ended,
    // far below where the cold run started from its random weights
    double coldStart = coldEpochs.get(0).get("validation_ip_nme").asDouble();
    double coldEnd = coldEpochs.get(4).get("validation_ip_nme").asDouble();
    double warmStart = warm.at("/training/epochs").get(0).get("validation_ip_nme").asDouble();
    assertTrue(coldEnd < coldStart, "the cold run learned: " + coldStart + " -> " + coldEnd);
    assertTrue(warmStart < coldEnd + 0.5 * (coldStart - coldEnd),
        "warm start " + warmStart + " against cold " + coldStart + " -> " + coldEnd);
    assertEquals(warm.get("decision").asText().equals("promoted") ? 0 : 3, code);
  }

  static String[] concat(String[] a, String... b) {
    String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, r, a.length, b.length);
    return r;
  }

  static void copyTree(Path from, Path to) throws Exception {
    try (var files = Files.walk(from)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }
}

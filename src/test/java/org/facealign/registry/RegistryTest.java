package org.facealign.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.facealign.data.Hashes;
import org.facealign.data.LandmarkScheme;
import org.facealign.data.Storage;
import org.facealign.data.SyntheticFaces;
import org.facealign.model.MeanShapeModel;
import org.facealign.model.ModelFormatException;
import org.facealign.model.ModelHeader;
import org.facealign.model.ModelStore;
import org.facealign.model.Provenance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The registry, the data manifest and the gate, without Spark. */
class RegistryTest {

  static String model(Path dir, String name, long seed) throws Exception {
    Provenance p = Provenance.now("h" + seed, 1, seed, "c", "facealign {}");
    String m = dir.resolve(name).toString();
    ModelStore.save(new MeanShapeModel(new ModelHeader("mean", LandmarkScheme.IBUG_68, "detector", 0.1, p),
        SyntheticFaces.TEMPLATE, 1), Storage.local(), m);
    return m;
  }

  @Test
  void publishSwitchRollBackAndRetain(@TempDir Path dir) throws Exception {
    ModelRegistry r = new ModelRegistry(Storage.local(), dir.resolve("registry").toString());
    assertTrue(r.production().isEmpty());
    String v1 = r.publish(model(dir, "m1", 1), r.JSON.createObjectNode().put("run", "a"));
    assertEquals("v000001", v1);
    assertTrue(r.production().isEmpty(), "publishing does not switch");
    r.switchTo(v1, "first");
    String v2 = r.publish(model(dir, "m2", 2), r.JSON.createObjectNode());
    r.switchTo(v2, "better");
    assertEquals("v000002", r.production().get().version());
    assertEquals("v000001", r.production().get().previous());
    assertEquals(2, r.load(v2).header().provenance().seed());
    assertEquals("a", r.info(v1).get("run").asText());
    r.rollback("bad night");
    assertEquals("v000001", r.production().get().version());
    assertEquals("bad night", r.production().get().reason());
    String v3 = r.publish(model(dir, "m3", 3), r.JSON.createObjectNode());
    String v4 = r.publish(model(dir, "m4", 4), r.JSON.createObjectNode());
    r.switchTo(v4, "x");
    // what crashed runs leave: a publication never renamed into place, a deletion that did not finish
    Path versionsDir = Path.of(r.path("versions"));
    Files.createDirectories(versionsDir.resolve(".v000005.tmp-1234"));
    Files.createDirectories(versionsDir.resolve(".deleting-v000000-5678"));
    // keep 2: v001 (previous) and v004 (production) are pinned, so v002 and v003 go
    assertEquals(List.of("v000002", "v000003"), r.retain(2));
    assertEquals(List.of("v000001", "v000004"), r.versions());
    try (var f = Files.list(versionsDir)) {
      assertEquals(List.of("v000001", "v000004"), f.map(x -> x.getFileName().toString()).sorted().toList(),
          "nothing else is left in versions/");
    }
    assertThrows(IllegalArgumentException.class, () -> r.switchTo("v000009", "no such"));
    assertEquals(v3, "v000003");
  }

  @Test
  void aVersionIsListedOnlyOnceWholeAndAMoveOrDeletionCutShortIsNeitherListedNorItsNameReused(@TempDir Path dir)
      throws Exception {
    ModelRegistry r = new ModelRegistry(Storage.local(), dir.resolve("registry").toString());
    String v1 = r.publish(model(dir, "m1", 1), r.JSON.createObjectNode().put("run", "a"));
    r.switchTo(v1, "first");
    Path versionsDir = Path.of(r.path("versions"));
    // an object store's directory move cut short: part of the model's files under the version's name, no version.json
    Path cut = versionsDir.resolve("v000002");
    Files.createDirectories(cut.resolve("arrays"));
    Files.copy(Path.of(r.versionDir(v1)).resolve("model.json"), cut.resolve("model.json"));
    // a deletion cut short after its version.json went
    String v3 = r.publish(model(dir, "m3", 3), r.JSON.createObjectNode());
    assertEquals("v000003", v3, "the cut publication's name is not reused");
    assertEquals(List.of("v000001", "v000003"), r.versions());
    Files.delete(Path.of(r.versionDir(v3)).resolve(ModelRegistry.VERSION_FILE));
    assertEquals(List.of("v000001"), r.versions(), "a version without its version.json is not listed");
    String v4 = r.publish(model(dir, "m4", 4), r.JSON.createObjectNode());
    assertEquals("v000004", v4);
    assertEquals(4, r.load(v4).header().provenance().seed());
    // housekeeping removes both remains and keeps the versions
    assertEquals(List.of(), r.retain(10));
    try (var f = Files.list(versionsDir)) {
      assertEquals(List.of("v000001", "v000004"), f.map(x -> x.getFileName().toString()).sorted().toList());
    }
  }

  @Test
  void rollbacksGoBackThroughProductionsNeverToTheVersionRolledBackFrom(@TempDir Path dir) throws Exception {
    ModelRegistry r = new ModelRegistry(Storage.local(), dir.resolve("registry").toString());
    List<String> v = new java.util.ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      v.add(r.publish(model(dir, "m" + i, i), r.JSON.createObjectNode()));
      r.switchTo(v.get(i - 1), "night " + i);
    }
    assertEquals(List.of("v000002", "v000001"), r.production().get().before());
    r.rollback("v3 is bad");
    assertEquals("v000002", r.production().get().version());
    assertEquals("v000001", r.production().get().previous());
    r.rollback("v2 is bad too");
    assertEquals("v000001", r.production().get().version(), "one step further, not back to v3");
    assertTrue(r.production().get().before().isEmpty());
    assertThrows(IllegalArgumentException.class, () -> r.rollback("nothing before v1"));
    // switching to the same version keeps its trail; a pointer of the earlier format (previous only) still reads
    r.switchTo("v000003", "by hand");
    r.switchTo("v000003", "again");
    assertEquals(List.of("v000001"), r.production().get().before());
    Files.writeString(Path.of(r.path("production.json")), "{\"version\":\"v000002\",\"previous\":\"v000001\","
        + "\"switched_at\":\"2026-01-01T00:00:00Z\",\"reason\":\"old\"}");
    assertEquals(List.of("v000001"), r.production().get().before());
    r.rollback("from the old format");
    assertEquals("v000001", r.production().get().version());
  }

  @Test
  void aDamagedModelIsNeverPublishedAndAPublishedCopyIsVerified(@TempDir Path dir) throws Exception {
    ModelRegistry r = new ModelRegistry(Storage.local(), dir.resolve("registry").toString());
    String m = model(dir, "m", 1);
    Path arrays = Path.of(m, "arrays");
    try (var f = Files.list(arrays)) {
      Path npy = f.findFirst().orElseThrow();
      byte[] b = Files.readAllBytes(npy);
      b[b.length - 1] ^= 1;
      Files.write(npy, b);
    }
    assertThrows(ModelFormatException.class, () -> r.publish(m, r.JSON.createObjectNode()));
    assertTrue(r.versions().isEmpty());
  }

  @Test
  void aPublishedVersionCarriesTrainingJsonUnderItsChecksums(@TempDir Path dir) throws Exception {
    ModelRegistry r = new ModelRegistry(Storage.local(), dir.resolve("registry").toString());
    byte[] training = "{ \"epochs\" : [ ] }".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    String m = dir.resolve("m").toString();
    ModelStore.save(new MeanShapeModel(new ModelHeader("mean", LandmarkScheme.IBUG_68, "detector", 0.1,
        Provenance.now("h", 1, 1, "c", "facealign {}")), SyntheticFaces.TEMPLATE, 1), Storage.local(), m, training);
    String v = r.publish(m, r.JSON.createObjectNode());
    Path copy = dir.resolve("registry").resolve("versions").resolve(v).resolve("training.json");
    assertEquals("{ \"epochs\" : [ ] }", Files.readString(copy));
    assertEquals(Hashes.sha256(training), r.load(v).header().provenance().trainingHash());
    Files.writeString(copy, "{ \"epochs\" : [ 1 ] }");
    ModelFormatException e = assertThrows(ModelFormatException.class, () -> r.switchTo(v, "tampered"));
    assertTrue(e.getMessage().endsWith(": checksum mismatch for training.json (the file was altered or truncated)"),
        e.getMessage());
    assertTrue(r.production().isEmpty());
  }

  @Test
  void historyLinesAccumulateAndTheManifestRoundTrips(@TempDir Path dir) throws Exception {
    ModelRegistry r = new ModelRegistry(Storage.local(), dir.toString());
    for (int i = 0; i < 3; i++) {
      ObjectNode line = r.JSON.createObjectNode();
      line.put("night", i);
      r.appendHistory(line);
    }
    assertEquals(3, r.history().size());
    assertEquals(2, r.history().get(2).get("night").asInt());
    DataManifest m = DataManifest.of(Map.of("afw/1", "aa", "afw/2", "bb"));
    r.writeManifest(m);
    assertEquals(m, r.manifest());
    assertEquals(m.hash(), r.manifest().hash());
  }

  @Test
  void theManifestSaysWhatWasAddedChangedAndRemoved() {
    DataManifest before = DataManifest.of(Map.of("a", "1", "b", "2", "c", "3"));
    DataManifest after = DataManifest.of(Map.of("a", "1", "b", "9", "d", "4", "e", "5"));
    DataManifest.Diff d = after.since(before);
    assertEquals(List.of("d", "e"), d.added());
    assertEquals(List.of("b"), d.changed());
    assertEquals(List.of("c"), d.removed());
    assertTrue(before.since(before).isEmpty());
    assertFalse(after.hash().equals(before.hash()));
  }

  @Test
  void theGatePromotesEqualOrBetterAndRefusesWorseEvenWithinToleranceOrMissingFaces() {
    Gate g = new Gate(0.02, 2000, 0.95, 7);
    Random rnd = new Random(1);
    int n = 500;
    double[] prod = new double[n];
    double[] same = new double[n];
    double[] better = new double[n];
    double[] slightlyWorse = new double[n];
    double[] muchWorse = new double[n];
    for (int i = 0; i < n; i++) {
      prod[i] = 0.05 + 0.02 * rnd.nextGaussian() * 0.5;
      same[i] = prod[i] + 0.002 * rnd.nextGaussian();
      better[i] = prod[i] * 0.95;
      slightlyWorse[i] = prod[i] * 1.01 + 0.0002 * rnd.nextGaussian(); // 1 % worse, consistently: within tolerance
      muchWorse[i] = prod[i] * 1.2;
    }
    assertTrue(g.decide(Map.of("common", new Gate.Paired(same, prod))).promote());
    assertTrue(g.decide(Map.of("common", new Gate.Paired(better, prod))).promote());
    Gate.Decision w = g.decide(Map.of("common", new Gate.Paired(slightlyWorse, prod)));
    assertFalse(w.promote());
    assertTrue(w.subsets().get("common").withinTolerance());
    assertFalse(w.subsets().get("common").notWorse());
    assertTrue(w.reason().contains("paired bootstrap"), w.reason());
    Gate.Decision m = g.decide(Map.of("common", new Gate.Paired(better, prod), "challenging", new Gate.Paired(muchWorse, prod)));
    assertFalse(m.promote(), "every gated subset must pass");
    assertTrue(m.reason().contains("challenging") && m.reason().contains("tolerance"), m.reason());
    assertEquals(g.decide(Map.of("common", new Gate.Paired(same, prod))).subsets().get("common").lowerBound(),
        g.decide(Map.of("common", new Gate.Paired(same, prod))).subsets().get("common").lowerBound(), 0.0, "seeded");
    assertThrows(IllegalArgumentException.class, () -> new Gate.Paired(new double[2], new double[3]));

    // coverage: clearly better on the faces it predicted, but three of production's faces have no prediction
    Gate.Decision missing = g.decide(Map.of("common", new Gate.Paired(better, prod, 0, 3)));
    Gate.SubsetResult r = missing.subsets().get("common");
    assertFalse(missing.promote());
    assertTrue(r.withinTolerance() && r.notWorse());
    assertFalse(r.covered());
    assertEquals(3, r.onlyProduction());
    assertEquals(n, r.faces());
    assertTrue(missing.reason().contains("no prediction for 3 face(s)"), missing.reason());
    // faces only the candidate predicted are counted, not held against it
    Gate.Decision extra = g.decide(Map.of("common", new Gate.Paired(better, prod, 4, 0)));
    assertTrue(extra.promote(), extra.reason());
    assertEquals(4, extra.subsets().get("common").onlyCandidate());
    assertEquals(0, extra.subsets().get("common").onlyProduction());
    assertThrows(IllegalArgumentException.class, () -> new Gate.Paired(better, prod, -1, 0));
  }
}

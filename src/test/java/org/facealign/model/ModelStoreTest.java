package org.facealign.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.facealign.data.FaceBox;
import org.facealign.data.GrayImage;
import org.facealign.data.Hashes;
import org.facealign.data.LandmarkScheme;
import org.facealign.data.Shape;
import org.facealign.data.Storage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelStoreTest {

  static MeanShapeModel model(long seed) {
    Random r = new Random(seed);
    double[] xy = new double[136];
    for (int i = 0; i < xy.length; i++) {
      xy[i] = r.nextDouble();
    }
    Provenance p = new Provenance("abc123", 2014, seed, "deadbeef", "0.1.0", "2026-01-01T00:00:00Z", "cfg", "facealign {}");
    return new MeanShapeModel(new ModelHeader("mean", LandmarkScheme.IBUG_68, "detector", 0.1, p), Shape.of(xy), 4028);
  }

  @Test
  void saveThenLoadPredictsTheSame(@TempDir Path dir) throws Exception {
    MeanShapeModel m = model(1);
    Storage st = Storage.local();
    String where = dir.resolve("m").toString();
    ModelStore.save(m, st, where);
    LandmarkModel back = ModelStore.load(st, where);
    FaceBox box = new FaceBox(10, 20, 110, 140);
    GrayImage img = GrayImage.wrap(2, 2, new float[4]);
    assertArrayEquals(m.predict(img, box).toArray(), back.predict(img, box).toArray(), 0.0);
    assertEquals(m.header(), back.header());
    assertEquals(4028, ((MeanShapeModel) back).samples());
    assertTrue(Files.exists(dir.resolve("m/arrays/mean_shape.npy")));
    // sha256sum-compatible checksum file
    String sums = Files.readString(dir.resolve("m/" + ModelStore.SUMS));
    assertTrue(sums.matches("(?s)([0-9a-f]{64}  \\S+\n)+"), sums);
  }

  @Test
  void savingAgainReplacesAtomically(@TempDir Path dir) throws Exception {
    Storage st = Storage.local();
    String where = dir.resolve("m").toString();
    ModelStore.save(model(1), st, where);
    ModelStore.save(model(2), st, where);
    assertEquals(2, ModelStore.load(st, where).header().provenance().seed());
    try (var s = Files.list(dir)) {
      assertEquals(1, s.count(), "no temporary directories left behind");
    }
  }

  @Test
  void aSaveInterruptedBetweenItsRenamesLeavesTheOldModelReadable(@TempDir Path dir) throws Exception {
    Storage st = Storage.local();
    String where = dir.resolve("m").toString();
    ModelStore.save(model(1), st, where);
    // what a save leaves when it dies after putting the old model aside and before renaming the new one in
    Files.move(dir.resolve("m"), dir.resolve(".m.old-1234"));
    ModelStore.save(model(2), st, dir.resolve("staged").toString());
    Files.move(dir.resolve("staged"), dir.resolve(".m.tmp-5678"));

    assertEquals(1, ModelStore.load(st, where).header().provenance().seed(), "the old model, whole");
    assertEquals(ModelStore.fingerprint(ModelStore.readFiles(st, dir.resolve(".m.old-1234").toString())),
        ModelStore.fingerprint(ModelStore.readFiles(st, where)));
    assertTrue(Files.isDirectory(dir.resolve(".m.old-1234")), "a reader renames nothing");

    ModelStore.save(model(3), st, where);
    assertEquals(3, ModelStore.load(st, where).header().provenance().seed());
    assertTrue(Files.notExists(dir.resolve(".m.old-1234")), "the next save deletes the copy left aside");
    ModelFormatException none = assertThrows(ModelFormatException.class,
        () -> ModelStore.load(st, dir.resolve("other").toString()));
    assertTrue(none.getMessage().contains("no model directory there"), none.getMessage());
  }

  @Test
  void alteredArrayIsRefused(@TempDir Path dir) throws Exception {
    Storage st = Storage.local();
    String where = dir.resolve("m").toString();
    ModelStore.save(model(1), st, where);
    Path npy = dir.resolve("m/arrays/mean_shape.npy");
    byte[] b = Files.readAllBytes(npy);
    b[b.length - 1] ^= 1;
    Files.write(npy, b);
    ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelStore.load(st, where));
    assertTrue(e.getMessage().contains("checksum mismatch for arrays/mean_shape.npy"), e.getMessage());
  }

  @Test
  void missingFileAndMissingModelAreNamed(@TempDir Path dir) throws Exception {
    Storage st = Storage.local();
    String where = dir.resolve("m").toString();
    ModelStore.save(model(1), st, where);
    Files.delete(dir.resolve("m/config.conf"));
    ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelStore.load(st, where));
    assertTrue(e.getMessage().contains("config.conf") && e.getMessage().contains("missing"), e.getMessage());
    ModelFormatException none = assertThrows(ModelFormatException.class,
        () -> ModelStore.load(st, dir.resolve("nothing").toString()));
    assertTrue(none.getMessage().contains("nothing"), none.getMessage());
  }

  @Test
  void newerFormatAndUnknownKindAreRefused() {
    Map<String, byte[]> files = ModelStore.encode(model(1));
    Map<String, byte[]> newer = rewriteModelJson(files, "\"format_version\" : 1", "\"format_version\" : 99");
    ModelFormatException a = assertThrows(ModelFormatException.class, () -> ModelStore.decode(newer, "m"));
    assertTrue(a.getMessage().contains("format version 99"), a.getMessage());
    Map<String, byte[]> alien = rewriteModelJson(files, "\"kind\" : \"mean\"", "\"kind\" : \"forest\"");
    ModelFormatException b = assertThrows(ModelFormatException.class, () -> ModelStore.decode(alien, "m"));
    assertTrue(b.getMessage().contains("forest"), b.getMessage());
  }

  /** Edits model.json and re-signs it, so only the edit (not the checksum) can be refused. */
  private static Map<String, byte[]> rewriteModelJson(Map<String, byte[]> files, String from, String to) {
    String json = new String(files.get("model.json"), StandardCharsets.UTF_8);
    assertTrue(json.contains(from), json);
    Map<String, byte[]> out = new LinkedHashMap<>(files);
    out.put("model.json", json.replace(from, to).getBytes(StandardCharsets.UTF_8));
    StringBuilder sums = new StringBuilder();
    for (Map.Entry<String, byte[]> e : out.entrySet()) {
      if (!e.getKey().equals(ModelStore.SUMS)) {
        sums.append(Hashes.sha256(e.getValue())).append("  ").append(e.getKey()).append('\n');
      }
    }
    out.put(ModelStore.SUMS, sums.toString().getBytes(StandardCharsets.UTF_8));
    return out;
  }

  @Test
  void flippedMeanIsMirrorSymmetric() {
    MeanShapeModel.Accumulator acc = new MeanShapeModel.Accumulator(LandmarkScheme.IBUG_68, true);
    Random r = new Random(3);
    for (int k = 0; k < 5; k++) {
      double[] xy = new double[136];
      for (int i = 0; i < xy.length; i++) {
        xy[i] = r.nextDouble();
      }
      acc.add(Shape.of(xy));
    }
    assertEquals(10, acc.count());
    Shape mean = acc.mean();
    Shape mirrored = mean.flipHorizontal(2.0, LandmarkScheme.IBUG_68.flipMap());
    assertArrayEquals(mean.toArray(), mirrored.toArray(), 1e-12);
    // the nose bridge (27..30) lies on the axis of symmetry, x = 0.5
    assertEquals(0.5, mean.x(27), 1e-12);
  }

  @Test
  void mergedAccumulatorsEqualOne() {
    Random r = new Random(4);
    MeanShapeModel.Accumulator all = new MeanShapeModel.Accumulator(LandmarkScheme.IBUG_68, false);
    MeanShapeModel.Accumulator a = new MeanShapeModel.Accumulator(LandmarkScheme.IBUG_68, false);
    MeanShapeModel.Accumulator b = new MeanShapeModel.Accumulator(LandmarkScheme.IBUG_68, false);
    for (int k = 0; k < 6; k++) {
      double[] xy = new double[136];
      for (int i = 0; i < xy.length; i++) {
        xy[i] = r.nextGaussian();
      }
      all.add(Shape.of(xy));
      (k % 2 == 0 ? a : b).add(Shape.of(xy));
    }
    assertArrayEquals(all.mean().toArray(), a.merge(b).mean().toArray(), 1e-12);
  }
}

package org.facealign.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.facealign.config.FacealignConfig;
import org.facealign.data.GrayImage;
import org.facealign.data.Storage;
import org.facealign.data.SyntheticFaces;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The feature store's reuse contract, on synthetic 300-W-style data in Spark local mode. */
class FeatureStoreTest extends LocalSparkTest {



  static FeatureStore.UpdateResult prepare(FacealignConfig cfg, Path data, Path out, Path store) throws Exception {
    return PrepareJob.run(spark, cfg, Storage.local(), new PrepareJob.DataSpec(data.toString(), List.of()),
        out.toString(), store.toString()).features();
  }

  @Test
  void computesOnlyWhatItLacks(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("data");
    SyntheticFaces.writeW300Layout(data, Map.of("afw", 8, "lfpw/testset", 3), 21L, SyntheticFaces.Options.defaults());
    Path store = dir.resolve("store");
    FacealignConfig cfg = FacealignConfig.load(null, Map.of("spark.master", "local[2]"));

    FeatureStore.UpdateResult first = prepare(cfg, data, dir.resolve("p1"), store);
    assertEquals(11, first.computed());
    assertEquals(0, first.reused());
    // training faces are stored with their mirror, test faces alone
    assertEquals(8 * 2 + 3, first.rows());

    FeatureStore.UpdateResult again = prepare(cfg, data, dir.resolve("p2"), store);
    assertEquals(0, again.computed());
    assertEquals(11, again.reused());

    // ten new training images: ten computed
    SyntheticFaces.writeW300Layout(data, Map.of("helen/trainset", 10), 22L, SyntheticFaces.Options.defaults());
    FeatureStore.UpdateResult more = prepare(cfg, data, dir.resolve("p3"), store);
    assertEquals(10, more.computed());
    assertEquals(11, more.reused());

    // descriptor and MSRRN crop settings: computed from the stored canvas, so the same directory, nothing computed
    FacealignConfig descriptors = FacealignConfig.load(null, Map.of("spark.master", "local[2]",
        "features.blur-sigma", "1.5", "features.map-stride", "1", "features.patch-sizes", "[24, 16]",
        "features.orientations", "12", "augment.crop-sizes", "[64, 128]", "augment.crop-margin", "0.3"));
    assertEquals(FeatureStore.dirFor(store.toString(), cfg), FeatureStore.dirFor(store.toString(), descriptors));
    FeatureStore.UpdateResult same = prepare(descriptors, data, dir.resolve("p4"), store);
    assertEquals(0, same.computed());
    assertEquals(21, same.reused());

    // a canvas or HOG setting: another directory, everything computed again
    for (String[] kv : new String[][] {{"features.hog-cell-size", "16"}, {"features.margin", "0.3"}}) {
      FacealignConfig other = FacealignConfig.load(null, Map.of("spark.master", "local[2]", kv[0], kv[1]));
      assertNotEquals(FeatureStore.dirFor(store.toString(), cfg), FeatureStore.dirFor(store.toString(), other), kv[0]);
    }
    FacealignConfig other = FacealignConfig.load(null, Map.of("spark.master", "local[2]", "features.hog-clip", "0.25"));
    assertNotEquals(FeatureStore.dirFor(store.toString(), cfg), FeatureStore.dirFor(store.toString(), other));
    FeatureStore.UpdateResult changed = prepare(other, data, dir.resolve("p5"), store);
    assertEquals(21, changed.computed());
    assertEquals(0, changed.reused());

    // the stored rows: canonical landmarks inside the canvas, 1764-d HOG, mirrored variant present
    String fdir = FeatureStore.dirFor(store.toString(), cfg);
    FeatureStore.Manifest m = FeatureStore.readManifest(Storage.local(), fdir, FeatureStore.featureHash(cfg));
    assertEquals(2, m.batches().size());
    List<Row> rows = spark.read().parquet(FeatureStore.batchDirs(fdir, m)).collectAsList();
    assertEquals(8 * 2 + 3 + 10 * 2, rows.size());
    int size = cfg.features().canvasSize();
    for (Row r : rows) {
      assertEquals(size, r.getInt(r.fieldIndex("canvas_size")));
      assertEquals(1764, r.getList(r.fieldIndex("hog")).size());
      List<Double> l = r.getList(r.fieldIndex("landmarks"));
      for (double v : l) {
        assertTrue(v > 0 && v < size, "canonical landmark " + v);
      }
    }
    assertEquals(18, rows.stream().filter(r -> r.getString(r.fieldIndex("variant")).equals("flip")).count());

    // the store's manifest loses the second batch (as a concurrent prepare's rewrite would make it): training on p3,
    // whose 18 training faces need both batches, is refused, naming the shortfall, instead of using 8 faces
    String p3 = dir.resolve("p3").toString();
    PreparedSet.Summary s3 = PreparedSet.readSummary(Storage.local(), p3);
    assertEquals(18, DeepRegJob.storeSamples(spark, cfg, Storage.local(), p3, s3, true).map(t -> t._2().faceId())
        .distinct().count());
    FeatureStore.writeManifest(Storage.local(), fdir,
        new FeatureStore.Manifest(m.featureHash(), m.batches().subList(0, 1)));
    IllegalStateException short3 = assertThrows(IllegalStateException.class,
        () -> DeepRegJob.storeSamples(spark, cfg, Storage.local(), p3, s3, true));
    assertTrue(short3.getMessage().contains("no features for 10 of the 18 prepared training faces"),
        short3.getMessage());
  }

  @Test
  void aFaceTwoRunsStoredAtTheSameTimeIsReadFromOneBatch(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("data");
    SyntheticFaces.writeW300Layout(data, Map.of("afw", 6, "lfpw/testset", 2), 25L, SyntheticFaces.Options.defaults());
    Path store = dir.resolve("store");
    FacealignConfig cfg = FacealignConfig.load(null, Map.of("spark.master", "local[2]"));
    Storage st = Storage.local();
    String prepared = dir.resolve("p").toString();
    prepare(cfg, data, Path.of(prepared), store);
    PreparedSet.Summary summary = PreparedSet.readSummary(st, prepared);
    long train = DeepRegJob.storeSamples(spark, cfg, st, prepared, summary, true).count();
    long test = DeepRegJob.storeSamples(spark, cfg, st, prepared, summary, false).count();
    assertEquals(6 * 2, train, "each training face and its mirror");
    assertEquals(2, test);
    // a second run that found the same faces missing at the same moment stored them again, in a batch of its own
    String dirOfStore = summary.features().dir();
    FeatureStore.Manifest m = FeatureStore.readManifest(st, dirOfStore, FeatureStore.featureHash(cfg));
    FeatureStore.Batch only = m.batches().get(0);
    Path batches = Path.of(java.net.URI.create(st.qualify(dirOfStore))).resolve("batches");
    try (var f = Files.walk(batches.resolve(only.id()))) {
      for (Path p : f.toList()) {
        Files.copy(p, batches.resolve("zz-" + only.id()).resolve(batches.resolve(only.id()).relativize(p)));
      }
    }
    FeatureStore.recordBatch(st, dirOfStore, FeatureStore.featureHash(cfg),
        new FeatureStore.Batch("zz-" + only.id(), only.faces(), only.rows(), "later"));
    assertEquals(train, DeepRegJob.storeSamples(spark, cfg, st, prepared, summary, true).count(), "no face twice");
    assertEquals(test, DeepRegJob.storeSamples(spark, cfg, st, prepared, summary, false).count());
  }

  @Test
  void aBatchIsAddedToTheManifestAsItIsNowNotAsARunFirstReadIt(@TempDir Path dir) throws Exception {
    Storage st = Storage.local();
    String store = dir.toString();
    FeatureStore.Batch a = new FeatureStore.Batch("a", 1, 2, "t0");
    FeatureStore.recordBatch(st, store, "h", a);
    FeatureStore.Manifest seen = FeatureStore.readManifest(st, store, "h"); // what a run reads when it opens the store
    FeatureStore.Batch b = new FeatureStore.Batch("b", 3, 6, "t1");
    FeatureStore.recordBatch(st, store, "h", b); // another run appends meanwhile
    assertEquals(List.of(a), seen.batches());
    FeatureStore.Batch c = new FeatureStore.Batch("c", 5, 10, "t2");
    FeatureStore.recordBatch(st, store, "h", c);
    assertEquals(List.of(a, b, c), FeatureStore.readManifest(st, store, "h").batches(), "no batch lost");
    assertTrue(Files.notExists(dir.resolve("_manifest.lock")), "the lock is released");
    // a lock left by a process of this host that is gone does not stop the next batch
    Files.writeString(dir.resolve("_manifest.lock"), "{\"owner\":\"x\",\"host\":\""
        + java.net.InetAddress.getLocalHost().getHostName() + "\",\"pid\":2147483646,\"started\":"
        + "\"2026-01-01T00:00:00Z\",\"purpose\":\"feature store manifest\",\"token\":\"t\"}");
    FeatureStore.recordBatch(st, store, "h", new FeatureStore.Batch("d", 1, 1, "t3"));
    assertEquals(4, FeatureStore.readManifest(st, store, "h").batches().size());
  }

  @Test
  void canvasCodecKeepsOneSixtyFourthOfAGreyLevel() {
    GrayImage g = GrayImage.wrap(2, 2, new float[] {0.5f, 127.26f, 255f, 300.1f});
    byte[] b = org.facealign.feature.Canvas16.encode(g);
    assertEquals(8, b.length);
    assertArrayEquals(new float[] {0.5f, 127.265625f, 255f, 300.09375f}, org.facealign.feature.Canvas16.decode(b, 2).toArray(), 1e-6f);
  }
}

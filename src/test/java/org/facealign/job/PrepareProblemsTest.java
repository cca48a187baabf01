package org.facealign.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.facealign.config.FacealignConfig;
import org.facealign.data.FaceBox;
import org.facealign.data.Failure;
import org.facealign.data.LandmarkScheme;
import org.facealign.data.Storage;
import org.facealign.data.SyntheticFaces;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code prepare} on a 300-W tree with odd files: each face is prepared or fails alone, named, and counted. */
class PrepareProblemsTest extends LocalSparkTest {

  @Test
  void oddFilesFailTheirFacesAloneAndTheRestIsPrepared(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("data");
    SyntheticFaces.writeW300Layout(data, Map.of("afw", 2, "ibug", 2, "lfpw/testset", 2), 3L,
        SyntheticFaces.Options.defaults());
    Path ibug = data.resolve("ibug");
    // a face whose file names hold a colon, with its box, and a stray annotation with one
    Files.copy(ibug.resolve("image_0001.jpg"), ibug.resolve("a:1.jpg"));
    Files.copy(ibug.resolve("image_0001.pts"), ibug.resolve("a:1.pts"));
    Files.copy(ibug.resolve("image_0002.pts"), ibug.resolve("b:1.pts"));
    String firstBox = Files.readAllLines(ibug.resolve("boxes.txt")).get(1);
    Files.writeString(ibug.resolve("boxes.txt"), firstBox.replace("image_0001.jpg", "a:1.jpg") + "\n",
        java.nio.file.StandardOpenOption.APPEND);
    // a boxes.txt with one line that cannot be parsed: its folder's faces have no detector box, and say why
    Path lfpw = data.resolve("lfpw/testset");
    List<String> boxLines = new java.util.ArrayList<>(Files.readAllLines(lfpw.resolve("boxes.txt")));
    boxLines.set(2, "image_0002.jpg 1 2 x 4");
    Files.write(lfpw.resolve("boxes.txt"), boxLines);
    // a detector box far outside its image
    Path afw = data.resolve("afw");
    List<String> afwBoxes = new java.util.ArrayList<>(Files.readAllLines(afw.resolve("boxes.txt")));
    afwBoxes.set(2, "image_0002.jpg 5000 5000 6000 6000");
    Files.write(afw.resolve("boxes.txt"), afwBoxes);

    FacealignConfig cfg = FacealignConfig.load(null, Map.of("spark.master", "local[2]"));
    Storage st = Storage.local();
    String out = dir.resolve("prepared").toString();
    PreparedSet.Summary s = PrepareJob.run(spark, cfg, st, new PrepareJob.DataSpec(data.toString(), List.of()), out,
        null);

    assertEquals(new Counts(8, 4, 4), s.counts());
    assertEquals(new Counts(2, 1, 1), s.bySubset().get("training"));
    assertEquals(new Counts(4, 3, 1), s.bySubset().get("challenging"));
    assertEquals(new Counts(2, 0, 2), s.bySubset().get("common"));
    assertEquals(Map.of("load: no_image", 1L, "load: no_detector_box", 2L, "load: box_outside_image", 1L),
        s.failedByReason());
    Map<String, Failure> failures = new TreeMap<>();
    PreparedSet.readFailures(st, out).forEach(f -> failures.put(f.faceId(), f));
    assertEquals(List.of("afw/image_0002", "ibug/b:1", "lfpw/testset/image_0001", "lfpw/testset/image_0002"),
        List.copyOf(failures.keySet()));
    Failure outside = failures.get("afw/image_0002");
    assertEquals(afw.resolve("boxes.txt") + ":3", outside.source());
    assertEquals("face box 5000.0 5000.0 6000.0 6000.0 (x_min y_min x_max y_max) does not overlap the 128x128 image "
        + afw.resolve("image_0002.jpg"), outside.reason());
    assertEquals(ibug.resolve("b:1.pts").toString(), failures.get("ibug/b:1").source());
    String boxesError = lfpw.resolve("boxes.txt") + ":3: x_max is not a number: 'x'";
    for (int k = 1; k <= 2; k++) {
      Failure f = failures.get("lfpw/testset/image_000" + k);
      assertEquals("load: no_detector_box", f.countKey());
      assertEquals(lfpw.resolve("image_000" + k + ".jpg").toString(), f.source());
      assertEquals("no detector box: " + boxesError + " (supply boxes, or use the landmarks box policy, which is not "
          + "the 300-W protocol)", f.reason());
    }
    assertTrue(s.notes().contains("lfpw/testset: no detector boxes: " + boxesError), s.notes().toString());
    Map<String, String> images = new TreeMap<>();
    for (org.apache.spark.sql.Row r : spark.read().parquet(PreparedSet.facesDir(st, out)).collectAsList()) {
      PreparedFace f = PreparedFace.fromRow(r);
      images.put(f.id(), f.imagePath());
    }
    assertEquals(List.of("afw/image_0001", "ibug/a:1", "ibug/image_0001", "ibug/image_0002"),
        List.copyOf(images.keySet()));
    assertEquals(ibug.resolve("a:1.jpg").toString(), images.get("ibug/a:1"));

    // evaluate checks the box again, for sets prepared before prepare checked it
    PreparedFace good = null;
    for (org.apache.spark.sql.Row r : spark.read().parquet(PreparedSet.facesDir(st, out)).collectAsList()) {
      PreparedFace f = PreparedFace.fromRow(r);
      if (f.id().equals("ibug/image_0001")) {
        good = f;
      }
    }
    PreparedFace far = new PreparedFace("far", good.subset(), good.imagePath(), good.annotationPath(),
        good.contentHash(), good.width(), good.height(), new FaceBox(-900, 10, -800, 100), good.landmarks());
    List<EvaluateJob.Outcome> outcomes = EvaluateJob.predict(List.of(far, good), HostileInputTest.meanModel(), st,
        cfg.data().limits(), LandmarkScheme.IBUG_68);
    assertEquals("predict: box_outside_image", outcomes.get(0).failure().countKey());
    assertEquals(good.imagePath(), outcomes.get(0).failure().source());
    assertEquals("face box -900.0 10.0 -800.0 100.0 (x_min y_min x_max y_max) does not overlap the 128x128 image "
        + good.imagePath(), outcomes.get(0).failure().reason());
    assertEquals("ibug/image_0001", outcomes.get(1).result().faceId());
    EvaluateJob.Outcome alone = EvaluateJob.predict(far, HostileInputTest.meanModel(), st, cfg.data().limits(),
        LandmarkScheme.IBUG_68);
    assertEquals("predict: box_outside_image", alone.failure().countKey());
  }

  @Test
  void aRerunCommitsItsSetWholeAndReadersSeeTheOldOneUntilThen(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("data");
    SyntheticFaces.writeW300Layout(data, Map.of("afw", 3, "lfpw/testset", 2), 5L, SyntheticFaces.Options.defaults());
    FacealignConfig cfg = FacealignConfig.load(null, Map.of("spark.master", "local[2]"));
    Storage st = Storage.local();
    Path out = dir.resolve("prepared");
    PreparedSet.Summary first = PrepareJob.run(spark, cfg, st,
        new PrepareJob.DataSpec(data.toString(), List.of()), out.toString(), null);
    assertEquals(new Counts(5, 5, 0), first.counts());
    // what a rerun leaves when it dies before its commit: its own faces and failures, which no summary names
    Files.createDirectories(out.resolve("faces-deadbeef"));
    Files.writeString(out.resolve("failures-deadbeef.json"), "[{\"face_id\": \"x\"}]");
    PreparedSet.Summary read = PreparedSet.readSummary(st, out.toString());
    assertEquals(first.facesName(), read.facesName());
    assertEquals(5, spark.read().parquet(PreparedSet.facesDir(st, out.toString())).count(), "the old set, whole");
    assertEquals(List.of(), PreparedSet.readFailures(st, out.toString()));

    // the rerun over more data commits its own set, and what no summary names is gone
    SyntheticFaces.writeW300Layout(data, Map.of("helen/trainset", 4), 6L, SyntheticFaces.Options.defaults());
    PreparedSet.Summary second = PrepareJob.run(spark, cfg, st,
        new PrepareJob.DataSpec(data.toString(), List.of()), out.toString(), null);
    assertEquals(new Counts(9, 9, 0), second.counts());
    assertTrue(!second.facesName().equals(first.facesName()), second.facesName());
    assertEquals(9, spark.read().parquet(PreparedSet.facesDir(st, out.toString())).count());
    // the set it replaced stays until the next commit: a job that found the old summary reads it whole
    try (var f = Files.list(out)) {
      assertEquals(new java.util.TreeSet<>(List.of("config.conf", first.facesName(), first.failuresName(),
              second.facesName(), second.failuresName(), "summary.json")),
          new java.util.TreeSet<>(f.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).toList()));
    }
    assertEquals(5, spark.read().parquet(PreparedSet.facesDir(first, out.toString())).count());
    PreparedSet.Summary third = PrepareJob.run(spark, cfg, st,
        new PrepareJob.DataSpec(data.toString(), List.of()), out.toString(), null);
    try (var f = Files.list(out)) {
      assertEquals(new java.util.TreeSet<>(List.of("config.conf", second.facesName(), second.failuresName(),
              third.facesName(), third.failuresName(), "summary.json")),
          new java.util.TreeSet<>(f.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).toList()));
    }
  }
}

package org.facealign.job;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.facealign.config.FacealignConfig;
import org.facealign.data.Failure;
import org.facealign.data.Storage;
import org.facealign.data.SyntheticFaces;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code prepare} on a 300-W tree with odd files: each face is prepared or fails alone, named, and counted. */
class PrepareProblemsTest extends LocalSparkTest {

  @Test
  void oddFilesFailTheirFacesAloneAndTheRestIsPrepared(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("data");
    SyntheticFaces.writeW300Layout(data, Map.of("afw", 2, "ibug", 2), 3L, SyntheticFaces.Options.defaults());
    Path ibug = data.resolve("ibug");
    // a face whose file names hold a colon, with its box, and a stray annotation with one
    Files.copy(ibug.resolve("image_0001.jpg"), ibug.resolve("a:1.jpg"));
    Files.copy(ibug.resolve("image_0001.pts"), ibug.resolve("a:1.pts"));
    Files.copy(ibug.resolve("image_0002.pts"), ibug.resolve("b:1.pts"));
    String firstBox = Files.readAllLines(ibug.resolve("boxes.txt")).get(1);
    Files.writeString(ibug.resolve("boxes.txt"), firstBox.replace("image_0001.jpg", "a:1.jpg") + "\n",
        java.nio.file.StandardOpenOption.APPEND);

    FacealignConfig cfg = FacealignConfig.load(null, Map.of("spark.master", "local[2]"));
    Storage st = Storage.local();
    String out = dir.resolve("prepared").toString();
    PreparedSet.Summary s = PrepareJob.run(spark, cfg, st, new PrepareJob.DataSpec(data.toString(), List.of()), out,
        null);

    assertEquals(new Counts(6, 5, 1), s.counts());
    assertEquals(new Counts(4, 3, 1), s.bySubset().get("challenging"));
    assertEquals(Map.of("load: no_image", 1L), s.failedByReason());
    Map<String, Failure> failures = new TreeMap<>();
    PreparedSet.readFailures(st, out).forEach(f -> failures.put(f.faceId(), f));
    assertEquals(List.of("ibug/b:1"), List.copyOf(failures.keySet()));
    assertEquals(ibug.resolve("b:1.pts").toString(), failures.get("ibug/b:1").source());
    Map<String, String> images = new TreeMap<>();
    for (org.apache.spark.sql.Row r : spark.read().parquet(PreparedSet.facesDir(out)).collectAsList()) {
      PreparedFace f = PreparedFace.fromRow(r);
      images.put(f.id(), f.imagePath());
    }
    assertEquals(List.of("afw/image_0001", "afw/image_0002", "ibug/a:1", "ibug/image_0001", "ibug/image_0002"),
        List.copyOf(images.keySet()));
    assertEquals(ibug.resolve("a:1.jpg").toString(), images.get("ibug/a:1"));
  }
}

package org.facealign.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.facealign.config.FacealignConfig;
import org.facealign.data.FaceBox;
import org.facealign.data.ImageDecoder;
import org.facealign.data.PtsFormat;
import org.facealign.data.Storage;
import org.facealign.data.SyntheticFaces;
import org.facealign.model.ModelStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Test subsets named after list files that are no plain file names still get their figures and their report. */
class EvaluateSubsetNamesTest extends LocalSparkTest {

  /** Writes {@code n} synthetic faces under {@code data/img} and a list of them at {@code data/LIST}. */
  private static void writeList(Path data, String list, String prefix, int n, SyntheticFaces gen) throws Exception {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < n; i++) {
      SyntheticFaces.SyntheticFace f = gen.next();
      String base = prefix + i;
      Files.write(data.resolve("img/" + base + ".png"), ImageDecoder.encode(f.image(), "png"));
      Files.writeString(data.resolve("img/" + base + ".pts"), PtsFormat.format(f.landmarks()));
      FaceBox x = f.detectorBox();
      b.append(String.format(Locale.ROOT, "img/%s.png img/%s.pts %.3f %.3f %.3f %.3f%n", base, base, x.x0(), x.y0(),
          x.x1(), x.y1()));
    }
    Files.writeString(data.resolve(list), b.toString());
  }

  @Test
  void subsetNamesWithSpacesGetSafeDistinctFigureNames(@TempDir Path dir) throws Exception {
    Path data = Files.createDirectories(dir.resolve("data"));
    Files.createDirectories(data.resolve("img"));
    SyntheticFaces gen = new SyntheticFaces(21, SyntheticFaces.Options.defaults());
    writeList(data, "train.txt", "t", 2, gen);
    writeList(data, "hard set.txt", "h", 3, gen);
    writeList(data, "hard_set.txt", "u", 2, gen);

    FacealignConfig cfg = FacealignConfig.load(null, Map.of("spark.master", "local[2]"));
    Storage st = Storage.local();
    String prepared = dir.resolve("prepared").toString();
    PreparedSet.Summary s = PrepareJob.run(spark, cfg, st, new PrepareJob.DataSpec(data.resolve("train.txt").toString(),
        List.of(data.resolve("hard set.txt").toString(), data.resolve("hard_set.txt").toString())), prepared, null);
    assertEquals(List.of("hard set", "hard_set"), s.testSubsets());
    assertEquals(new Counts(7, 7, 0), s.counts());
    String model = dir.resolve("model").toString();
    String other = dir.resolve("other").toString();
    ModelStore.save(HostileInputTest.meanModel(), st, model);
    ModelStore.save(HostileInputTest.meanModel(), st, other);

    Path out = dir.resolve("report");
    EvaluateJob.run(spark, cfg, st, prepared, model, out.toString(), List.of(other));

    List<String> figures;
    try (Stream<Path> files = Files.list(out)) {
      figures = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".png")).sorted().toList();
    }
    // "hard_set" is a plain name and keeps it; "hard set" gets the next free one
    assertEquals(List.of("ced-compare-hard_set-2.png", "ced-compare-hard_set.png", "ced.png", "worst-hard_set-2.png",
        "worst-hard_set.png"), figures);
    JsonNode rep = PreparedSet.JSON.readTree(out.resolve("report.json").toFile());
    assertEquals(3, rep.at("/subsets/hard set/faces").asInt());
    assertEquals(2, rep.at("/subsets/hard_set/faces").asInt());
    assertEquals(3, rep.at("/worst_faces/hard set").size());
    assertEquals(2, rep.at("/worst_faces/hard_set").size());
    assertTrue(rep.at("/comparison/hard set").isObject(), rep.at("/comparison").toString());
    String html = Files.readString(out.resolve("report.html"), StandardCharsets.UTF_8);
    assertTrue(html.contains("The 3 worst faces of hard set by inter-pupil NME"), "caption names the subset");
    assertTrue(html.contains("(worst-hard_set-2.png)"), "and the figure's file");
  }

  @Test
  void theWorstFacesAreTheTestSubsetsOwnWhenATrainingFaceHasTheSameId(@TempDir Path dir) throws Exception {
    // two folders whose lists name the same relative paths: a training and a test face share each id
    SyntheticFaces gen = new SyntheticFaces(23, SyntheticFaces.Options.defaults());
    Path train = Files.createDirectories(dir.resolve("a"));
    Path test = Files.createDirectories(dir.resolve("b"));
    Files.createDirectories(train.resolve("img"));
    Files.createDirectories(test.resolve("img"));
    writeList(train, "train.txt", "f", 3, gen);
    writeList(test, "test.txt", "f", 3, gen);
    FacealignConfig cfg = FacealignConfig.load(null, Map.of("spark.master", "local[2]"));
    Storage st = Storage.local();
    String prepared = dir.resolve("prepared").toString();
    PrepareJob.run(spark, cfg, st, new PrepareJob.DataSpec(train.resolve("train.txt").toString(),
        List.of(test.resolve("test.txt").toString())), prepared, null);
    // the prepared rows in one file, the training faces after the test faces of the same ids
    Path faces = Path.of(PreparedSet.facesDir(st, prepared));
    Path sorted = dir.resolve("sorted");
    spark.read().parquet(faces.toString()).orderBy("subset").coalesce(1).write().parquet(sorted.toString());
    try (Stream<Path> f = Files.walk(faces)) {
      for (Path p : f.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
    Files.move(sorted, faces);
    String model = dir.resolve("model").toString();
    ModelStore.save(HostileInputTest.meanModel(), st, model);
    Path out = dir.resolve("report");
    EvaluateJob.run(spark, cfg, st, prepared, model, out.toString());
    JsonNode worst = PreparedSet.JSON.readTree(out.resolve("report.json").toFile()).at("/worst_faces/test");
    assertEquals(3, worst.size(), worst.toString());
    for (JsonNode w : worst) {
      assertTrue(w.get("image").asText().contains("/b/img/"), "the test face's image, not the training one's: " + w);
    }
  }
}

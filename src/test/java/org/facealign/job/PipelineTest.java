package org.facealign.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.facealign.cli.Main;
import org.facealign.data.Storage;
import org.facealign.data.SyntheticFaces;
import org.facealign.model.LandmarkModel;
import org.facealign.model.ModelStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole pipeline through the command line, in Spark local mode: real 300-W data, then bad inputs. */
class PipelineTest {
  static final ObjectMapper JSON = new ObjectMapper();

  static Path data300w() {
    String p = System.getProperty("facealign.test.data");
    assertTrue(p != null && Files.isDirectory(Path.of(p)), "the 300-W test data is missing: " + p);
    return Path.of(p);
  }

  @Test
  void meanShapeOn300w(@TempDir Path out) throws Exception {
    int code = Main.run("pipeline", "--data", data300w().toString(), "--out", out.toString(), "--model", "mean",
        "-D", "spark.master=local[2]");
    assertEquals(0, code);
    JsonNode r = JSON.readTree(out.resolve("report/report.json").toFile());
    assertEquals(554, r.at("/subsets/common/faces").asInt());
    assertEquals(4, r.at("/subsets/challenging/faces").asInt());
    assertEquals(558, r.at("/subsets/full/faces").asInt());
    double common = r.at("/subsets/common/ip_nme").asDouble();
    // The mean shape in the detector box: about 10-25 % of the inter-pupil distance on common faces.
    assertTrue(common > 0.08 && common < 0.25, "common IP-NME " + common);
    double io = r.at("/subsets/common/io_nme").asDouble();
    assertTrue(io < common, "outer-corner distance exceeds pupil distance, so IO-NME < IP-NME: " + io);
    assertTrue(r.at("/subsets/challenging/ip_nme").asDouble() > common, "challenging faces are harder");
    assertEquals(558, r.at("/counts/in").asInt());
    assertEquals(558, r.at("/counts/ok").asInt());
    assertEquals(0, r.at("/counts/failed").asInt());
    assertEquals(2014, r.at("/prepare/by_subset/training/ok").asInt());
    double auc = r.at("/subsets/common/auc_008").asDouble();
    double fail = r.at("/subsets/common/failure_rate_008").asDouble();
    assertTrue(auc >= 0 && auc < 0.5 && fail > 0.3 && fail <= 1, "auc " + auc + " failure " + fail);
    for (String f : new String[] {"report.html", "faces.csv", "ced.png", "config.conf"}) {
      assertTrue(Files.size(out.resolve("report").resolve(f)) > 100, f);
      // report.json records each file written with it
      byte[] bytes = Files.readAllBytes(out.resolve("report").resolve(f));
      assertEquals(org.facealign.data.Hashes.sha256(bytes), r.at("/files/" + f).asText(), f);
    }
    LandmarkModel m = ModelStore.load(Storage.local(), out.resolve("model").toString());
    assertEquals(2014, m.header().provenance().trainingFaces());
    assertEquals(64, m.header().provenance().dataHash().length());
    // one row per face per subset (common 554 + challenging 4 + full 558) and a header
    assertEquals(1 + 554 + 4 + 558, Files.readAllLines(out.resolve("report/faces.csv")).size());
    // the worst faces, drawn: the 8 largest errors of common, largest first, and all 4 of challenging
    JsonNode worst = r.at("/worst_faces/common");
    assertEquals(8, worst.size());
    java.util.List<Double> all = new java.util.ArrayList<>();
    for (String line : Files.readAllLines(out.resolve("report/faces.csv")).subList(1, 1 + 554 + 4 + 558)) {
      String[] f = line.split(",");
      if (f[1].equals("common")) {
        all.add(Double.parseDouble(f[3]));
      }
    }
    all.sort(java.util.Comparator.reverseOrder());
    for (int i = 0; i < 8; i++) {
      assertEquals(all.get(i), worst.get(i).get("ip_nme").asDouble(), 1e-6, "worst face " + i);
    }
    assertEquals(4, r.at("/worst_faces/challenging").size());
    assertTrue(Files.size(out.resolve("report/worst-common.png")) > 10_000);
  }

  @Test
  void badInputsAreAccountedFor(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("data");
    Map<String, Integer> parts = new HashMap<>();
    parts.put("afw", 12);
    parts.put("lfpw/testset", 5);
    SyntheticFaces.writeW300Layout(data, parts, 7L, SyntheticFaces.Options.defaults());
    Path test = data.resolve("lfpw/testset");
    Path good;
    try (var s = Files.list(test)) {
      good = s.filter(p -> p.toString().endsWith(".jpg")).sorted().findFirst().orElseThrow();
    }
    String goodName = good.getFileName().toString().replace(".jpg", "");
    String goodPts = Files.readString(test.resolve(goodName + ".pts"));
    byte[] jpg = Files.readAllBytes(good);
    StringBuilder boxes = new StringBuilder(Files.readString(test.resolve("boxes.txt")));
    String box = " 10 10 100 100\n";
    // truncated JPEG
    Files.write(test.resolve("bad_truncated.jpg"), java.util.Arrays.copyOf(jpg, jpg.length / 2));
    Files.writeString(test.resolve("bad_truncated.pts"), goodPts);
    // zero-byte image
    Files.write(test.resolve("bad_empty.jpg"), new byte[0]);
    Files.writeString(test.resolve("bad_empty.pts"), goodPts);
    // not an image
    Files.writeString(test.resolve("bad_text.jpg"), "this is not an image\n");
    Files.writeString(test.resolve("bad_text.pts"), goodPts);
    // 67 points
    Files.write(test.resolve("bad_67.jpg"), jpg);
    Files.writeString(test.resolve("bad_67.pts"), goodPts.replaceFirst("(?s)\\{\\s*[^\\n]+\\n", "{\n").replace("n_points: 68", "n_points: 67"));
    // NaN coordinate
    Files.write(test.resolve("bad_nan.jpg"), jpg);
    Files.writeString(test.resolve("bad_nan.pts"), goodPts.replaceFirst("(?s)(\\{\\s*)[-0-9.]+", "$1NaN"));
    // annotation without image
    Files.writeString(test.resolve("bad_noimage.pts"), goodPts);
    for (String n : new String[] {"bad_truncated", "bad_empty", "bad_text", "bad_67", "bad_nan", "bad_noimage"}) {
      boxes.append(n).append(".jpg").append(box);
    }
    Files.writeString(test.resolve("boxes.txt"), boxes.toString());

    Path out = dir.resolve("out");
    // data given as a file:// URI: every read goes through Hadoop's FileSystem
    int code = Main.run("pipeline", "--data", data.toUri().toString(), "--out", out.toString(), "-D", "spark.master=local[2]");
    assertEquals(0, code);
    JsonNode r = JSON.readTree(out.resolve("report/report.json").toFile());
    assertEquals(11, r.at("/counts/in").asInt());
    assertEquals(5, r.at("/counts/ok").asInt());
    assertEquals(6, r.at("/counts/failed").asInt());
    assertEquals(5, r.at("/subsets/common/faces").asInt());
    // parts of the layout that are absent are reported, and their subsets are empty, not errors
    assertEquals("[\"lfpw/trainset\",\"helen/trainset\",\"helen/testset\",\"ibug\"]",
        r.at("/prepare/missing_parts").toString().replace(" ", ""));
    assertEquals(0, r.at("/subsets/challenging/faces").asInt());
    assertEquals(12, r.at("/prepare/by_subset/training/ok").asInt());
    Map<String, String> reasons = new HashMap<>();
    for (JsonNode f : r.get("failures")) {
      String id = f.get("face_id").asText();
      reasons.put(id.substring(id.lastIndexOf('/') + 1), f.get("source").asText() + " | " + f.get("reason").asText());
    }
    assertEquals(6, reasons.size(), reasons.toString());
    assertTrue(reasons.get("bad_truncated").contains("bad_truncated.jpg"), reasons.get("bad_truncated"));
    assertTrue(reasons.get("bad_truncated").toLowerCase().contains("truncated"), reasons.get("bad_truncated"));
    assertTrue(reasons.get("bad_empty").contains("empty file"), reasons.get("bad_empty"));
    assertTrue(reasons.get("bad_text").contains("not a recognised image format"), reasons.get("bad_text"));
    assertTrue(reasons.get("bad_67").contains("bad_67.pts"), reasons.get("bad_67"));
    assertTrue(reasons.get("bad_67").contains("67"), reasons.get("bad_67"));
    assertTrue(reasons.get("bad_nan").contains("bad_nan.pts"), reasons.get("bad_nan"));
    assertTrue(reasons.get("bad_noimage").contains("no image"), reasons.get("bad_noimage"));
    String html = Files.readString(out.resolve("report/report.html"));
    assertTrue(html.contains("bad_truncated") && html.contains("empty file"), "failures shown in the HTML report");
  }

  @Test
  void unbuiltSubcommandsSaySo() {
    assertEquals(2, Main.run("label"));
    assertEquals(2, Main.run("bench"));
    assertEquals(2, Main.run("pipeline", "--data", "x", "--out", "y", "-D", "train.sead=1"));
  }
}

package org.facealign.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.facealign.data.CheckThenWriteFileSystem;
import org.facealign.data.ImageDecoder;
import org.facealign.data.LandmarkScheme;
import org.facealign.data.PtsFormat;
import org.facealign.data.Shape;
import org.facealign.data.Storage;
import org.facealign.data.SyntheticFaces;
import org.facealign.model.MeanShapeModel;
import org.facealign.model.ModelHeader;
import org.facealign.model.ModelStore;
import org.facealign.model.Provenance;
import org.facealign.registry.ModelRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {

  @Test
  void everySubcommandHasHelp() {
    for (String sub : new String[] {"prepare", "train", "evaluate", "pipeline", "predict", "label", "calibrate", "bench", "compare"}) {
      String out = capture(() -> assertEquals(0, Main.run(sub, "--help")));
      assertTrue(out.contains("Usage: facealign " + sub), out);
    }
    assertEquals(2, Main.run("prepare"));        // missing required options
    assertEquals(2, Main.run("no-such-command"));
  }

  @Test
  void predictPlacesTheMeanShapeInTheGivenBox(@TempDir Path dir) throws Exception {
    SyntheticFaces.SyntheticFace face = new SyntheticFaces(5, SyntheticFaces.Options.defaults()).next();
    Path image = dir.resolve("face.png");
    Files.write(image, ImageDecoder.encode(face.image(), "png"));
    Shape unit = SyntheticFaces.TEMPLATE;
    Provenance p = Provenance.now("h", 1, 1, "c", "facealign {}");
    ModelStore.save(new MeanShapeModel(new ModelHeader("mean", LandmarkScheme.IBUG_68, "detector", 0.1, p), unit, 1),
        Storage.local(), dir.resolve("model").toString());
    Path pts = dir.resolve("out.pts");
    String json = capture(() -> assertEquals(0, Main.run("predict", "--model", dir.resolve("model").toString(),
        "--image", image.toString(), "--box", "10", "20", "110", "140", "--write-pts", pts.toString())));
    assertTrue(json.contains("\"landmarks\""), json);
    Shape written = PtsFormat.parse(Files.readString(pts), pts.toString(), 68);
    assertEquals(10 + unit.x(30) * 100, written.x(30), 1e-5);
    assertEquals(20 + unit.y(30) * 120, written.y(30), 1e-5);
  }

  @Test
  void theCommandsWithoutSparkReachTheFileSystemsSparkIsConfiguredFor(@TempDir Path dir) throws Exception {
    // a registry with one version, on a file system of a scheme Hadoop does not know unless told
    Provenance p = Provenance.now("h", 1, 1, "c", "facealign {}");
    ModelStore.save(new MeanShapeModel(new ModelHeader("mean", LandmarkScheme.IBUG_68, "detector", 0.1, p),
        SyntheticFaces.TEMPLATE, 1), Storage.local(), dir.resolve("model").toString());
    ModelRegistry local = new ModelRegistry(Storage.local(), dir.resolve("registry").toString());
    String version = local.publish(dir.resolve("model").toString(), new ObjectMapper().createObjectNode());
    String registry = CheckThenWriteFileSystem.SCHEME + "://" + dir.resolve("registry");
    String impl = "spark.hadoop.fs." + CheckThenWriteFileSystem.SCHEME + ".impl";
    String noCache = "spark.hadoop.fs." + CheckThenWriteFileSystem.SCHEME + ".impl.disable.cache";
    capture(() -> assertEquals(1, Main.run("registry", "list", "--registry", registry)));
    // as spark-submit passes its --conf and spark-defaults.conf to the driver: spark.* system properties
    System.setProperty(impl, CheckThenWriteFileSystem.class.getName());
    System.setProperty(noCache, "true");
    try {
      String out = capture(() -> assertEquals(0, Main.run("registry", "list", "--registry", registry)));
      assertTrue(out.contains(version) && out.contains("production: none"), out);
    } finally {
      System.clearProperty(impl);
      System.clearProperty(noCache);
    }
    // as the configuration gives them (facealign.spark.conf, -D spark.X=V)
    String out = capture(() -> assertEquals(0, Main.run("registry", "show", "--registry", registry, version,
        "-D", impl + "=" + CheckThenWriteFileSystem.class.getName(), "-D", noCache + "=true")));
    assertTrue(out.contains("\"kind\" : \"mean\""), out);
  }

  @Test
  void predictFindsTheFaceItselfWhenNoBoxIsGivenAndDrawsIt(@TempDir Path dir) throws Exception {
    Path w300 = Path.of(System.getProperty("facealign.test.data"));
    Path image = w300.resolve("helen/trainset/100032540_1.jpg");
    Shape truth = PtsFormat.parse(Files.readString(w300.resolve("helen/trainset/100032540_1.pts")), "pts", 68);
    Provenance p = Provenance.now("h", 1, 1, "c", "facealign {}");
    ModelStore.save(new MeanShapeModel(new ModelHeader("mean", LandmarkScheme.IBUG_68, "detector", 0.1, p),
        SyntheticFaces.TEMPLATE, 1), Storage.local(), dir.resolve("model").toString());
    Path overlay = dir.resolve("overlay.png");
    String json = capture(() -> assertEquals(0, Main.run("predict", "--model", dir.resolve("model").toString(),
        "--image", image.toString(), "--overlay", overlay.toString())));
    com.fasterxml.jackson.databind.JsonNode r = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json);
    assertEquals("faces", r.get("status").asText());
    assertEquals("frontal", r.at("/faces/0/detector_stage").asText());
    com.fasterxml.jackson.databind.JsonNode b = r.at("/faces/0/detector_box");
    org.facealign.data.FaceBox found = new org.facealign.data.FaceBox(b.get(0).asDouble(), b.get(1).asDouble(),
        b.get(2).asDouble(), b.get(3).asDouble());
    assertTrue(found.iou(truth.extent()) > 0.5, "IoU with the annotated face " + found.iou(truth.extent()));
    java.awt.image.BufferedImage drawn = javax.imageio.ImageIO.read(overlay.toFile());
    assertEquals(560, drawn.getWidth(), "the 560 x 560 image is not scaled (overlay-side 800)");
    assertEquals(560, drawn.getHeight());
    int red = 0;
    for (int y = 0; y < 560; y++) {
      for (int x = 0; x < 560; x++) {
        int c = drawn.getRGB(x, y);
        if (((c >> 16) & 0xff) > 200 && ((c >> 8) & 0xff) < 90 && (c & 0xff) < 90) {
          red++;
        }
      }
    }
    assertTrue(red > 68 * 4, "68 landmarks drawn in red: " + red + " red pixels"); // the grey image has none
  }

  @Test
  void compareGivesThePairedDifferenceOfTwoEvaluationsAndAccountsForEveryRow(@TempDir Path dir) throws Exception {
    Path a = Files.createDirectories(dir.resolve("a"));
    Path b = dir.resolve("b-faces.csv");
    String header = "face_id,subset,image,ip_nme,io_nme\n";
    Files.writeString(a.resolve("faces.csv"), header + "f1,common,f1.jpg,0.05,0.04\nf2,common,f2.jpg,0.03,0.02\n"
        + "f3,common,f3.jpg,0.07,0.05\nf4,common,f4.jpg,0.04,0.03\n");
    Files.writeString(b, header + "f2,common,f2.jpg,0.04,0.02\nf1,common,f1.jpg,0.05,0.03\nf3,common,f3.jpg,bad,0.05\n"
        + "f4,common,f4.jpg,0.06,0.03\n");
    String json = capture(() -> assertEquals(0, Main.run("compare", a.toString(), b.toString(), "--samples", "200")));
    com.fasterxml.jackson.databind.JsonNode r = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json);
    com.fasterxml.jackson.databind.JsonNode common = r.path("subsets").path("common");
    assertEquals(3, common.path("faces").asInt());
    assertEquals(1, common.path("only_in_a").asInt());
    assertEquals("f3", common.path("examples_only_in_a").get(0).asText());
    // f1 0, f2 -0.01, f4 -0.02
    assertEquals(-0.01, common.path("ip_nme").path("difference").asDouble(), 1e-12);
    assertEquals(2, common.path("ip_nme").path("a_better").asInt());
    assertEquals(4, r.path("rows").path("b").path("in").asInt());
    assertEquals(1, r.path("rows").path("b").path("failed").asInt());
    assertTrue(r.path("errors").get(0).asText().startsWith(b + " line 4: ip_nme is not a number"), json);
    // a pipeline's output directory: its report directory's faces.csv, the same figures
    Path pipelineOut = dir.resolve("pipeline");
    Files.createDirectories(pipelineOut.resolve("report"));
    Files.copy(a.resolve("faces.csv"), pipelineOut.resolve("report/faces.csv"));
    Files.createDirectories(pipelineOut.resolve("model"));
    String again = capture(() -> assertEquals(0, Main.run("compare", pipelineOut.toString(), b.toString(), "--samples",
        "200")));
    assertEquals(-0.01, new com.fasterxml.jackson.databind.ObjectMapper().readTree(again)
        .at("/subsets/common/ip_nme/difference").asDouble(), 1e-12);

    Path c = dir.resolve("c.csv");
    Files.writeString(c, header + "g1,common,g1.jpg,0.05,0.04\n");
    capture(() -> assertEquals(1, Main.run("compare", a.toString(), c.toString())));
    assertEquals(1, Main.run("compare", a.toString(), dir.resolve("missing.csv").toString()));

    // a report.json that records another faces.csv (an evaluation cut short between the two): refused, exit 1
    String csv = Files.readString(a.resolve("faces.csv"));
    Files.writeString(a.resolve("report.json"), "{\"files\": {\"faces.csv\": \""
        + org.facealign.data.Hashes.sha256(csv.getBytes(java.nio.charset.StandardCharsets.UTF_8)) + "\"}}");
    capture(() -> assertEquals(0, Main.run("compare", a.toString(), b.toString(), "--samples", "200")));
    Files.writeString(a.resolve("faces.csv"), csv + "f5,common,f5.jpg,0.05,0.04\n");
    capture(() -> assertEquals(1, Main.run("compare", a.toString(), b.toString(), "--samples", "200")));
    capture(() -> assertEquals(1, Main.run("compare", a.resolve("faces.csv").toString(), b.toString())));
  }

  static String capture(Runnable r) {
    PrintStream old = System.out;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
    try {
      r.run();
    } finally {
      System.setOut(old);
    }
    return buf.toString(StandardCharsets.UTF_8);
  }
}

package org.facealign.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class PlotTest {

  private static BufferedImage decode(byte[] png) throws Exception {
    BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
    assertTrue(img != null, "not a decodable image");
    return img;
  }

  private static int distinctColours(BufferedImage img) {
    Set<Integer> colours = new HashSet<>();
    for (int y = 0; y < img.getHeight(); y += 3) {
      for (int x = 0; x < img.getWidth(); x += 3) {
        colours.add(img.getRGB(x, y));
      }
    }
    return colours.size();
  }

  @Test
  void reportCedIs800By600AndNotBlank() throws Exception {
    Report r = Report.builder().counts(3, 3, 0)
        .addSubset("common", List.of(
            new FaceResult("a", "common", "a.png", 0.03, 0.02),
            new FaceResult("b", "common", "b.png", 0.05, 0.04)))
        .addSubset("challenging", List.of(new FaceResult("c", "challenging", "c.png", 0.09, 0.07)))
        .addSubset("empty", List.of())
        .build();
    BufferedImage img = decode(r.render().get("ced.png"));
    assertEquals(800, img.getWidth());
    assertEquals(600, img.getHeight());
    assertTrue(distinctColours(img) > 1);
  }

  @Test
  void cedPlotOfSeveralModels() throws Exception {
    Map<String, double[]> byModel = new LinkedHashMap<>();
    byModel.put("mean shape", new double[] {0.08, 0.12, 0.10});
    byModel.put("DeepReg", new double[] {0.04, 0.06, 0.05});
    byModel.put("MSRRN", new double[] {0.03, 0.05, 0.04});
    BufferedImage img = decode(CedPlot.png(byModel, "300-W full", 0.15, 640, 480));
    assertEquals(640, img.getWidth());
    assertEquals(480, img.getHeight());
    assertTrue(distinctColours(img) > 3);
  }

  @Test
  void cedPlotWithNoFacesStillRenders() throws Exception {
    BufferedImage img = decode(CedPlot.png(Map.of("empty", new double[0]), "none", 0.15, 400, 300));
    assertEquals(400, img.getWidth());
    assertThrows(IllegalArgumentException.class, () -> CedPlot.png(Map.of(), "x", 0, 400, 300));
  }

  @Test
  void linePlotRendersAndChecksItsSeries() throws Exception {
    byte[] png = LinePlot.png("Error per stage", "stage", "NME",
        Map.of("train", new double[][] {{0, 1, 2, 3}, {0.09, 0.07, 0.06, 0.055}}));
    BufferedImage img = decode(png);
    assertEquals(800, img.getWidth());
    assertEquals(600, img.getHeight());
    assertTrue(distinctColours(img) > 1);
    assertThrows(IllegalArgumentException.class,
        () -> LinePlot.png("t", "x", "y", Map.of("bad", new double[][] {{0, 1}, {0}})));
  }
}

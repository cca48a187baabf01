package org.facealign.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.facealign.config.FacealignConfig;
import org.facealign.data.FaceBox;
import org.facealign.data.GrayImage;
import org.facealign.data.ImageDecoder;
import org.facealign.data.PtsFormat;
import org.facealign.data.Shape;
import org.junit.jupiter.api.Test;

/** OpenCV's cascades through bytedeco on real 300-W training faces. */
class CascadeDetectorTest {
  private static final ConfigDetect CFG = FacealignConfig.defaults().detect();

  static Path w300() {
    return Path.of(System.getProperty("facealign.test.data"));
  }

  @Test
  void findsTheAnnotatedFaceOfTrainingImages() throws Exception {
    int found = 0;
    int n = 0;
    try (CascadeDetector d = new CascadeDetector(CFG);
        var files = Files.list(w300().resolve("afw"))) {
      for (Path img : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".jpg")).sorted().limit(20)::iterator) {
        GrayImage g = ImageDecoder.decode(Files.readAllBytes(img), img.toString(), 1L << 30);
        Shape truth = PtsFormat.parse(Files.readString(Path.of(img.toString().replace(".jpg", ".pts"))), img.toString(), 68);
        List<Detection> dets = d.detect(g);
        n++;
        if (dets.stream().anyMatch(x -> x.box().iou(truth.extent()) >= 0.3)) {
          found++;
        }
        for (int i = 1; i < dets.size(); i++) {
          assertTrue(dets.get(i - 1).score() >= dets.get(i).score(), "most confident first");
        }
      }
    }
    assertEquals(20, n);
    assertTrue(found >= 16, found + " of 20 faces found"); // 17 with the default chain (AFW is the hardest part)
  }

  @Test
  void aBoxScalesWithTheImage() throws Exception {
    Path img = w300().resolve("helen/trainset/100032540_1.jpg");
    GrayImage g = ImageDecoder.decode(Files.readAllBytes(img), img.toString(), 1L << 30);
    GrayImage half = halve(g);
    try (CascadeDetector d = new CascadeDetector(CFG)) {
      FaceBox full = d.detect(g).get(0).box();
      FaceBox small = d.detect(half).get(0).box();
      // the detector searches both at the same scale (min-face is relative), so the boxes agree within a few pixels
      assertEquals(full.centerX(), 2 * small.centerX() + 0.5, 0.06 * full.width());
      assertEquals(full.centerY(), 2 * small.centerY() + 0.5, 0.06 * full.width());
      assertEquals(full.width(), 2 * small.width(), 0.08 * full.width());
    }
  }

  @Test
  void aFlatImageHasNoFace() {
    float[] px = new float[320 * 240];
    java.util.Arrays.fill(px, 128f);
    try (CascadeDetector d = new CascadeDetector(CFG)) {
      assertFalse(d.detect(GrayImage.wrap(320, 240, px)).iterator().hasNext());
      assertTrue(d.detect(GrayImage.wrap(8, 8, new float[64])).isEmpty(), "smaller than any cascade window");
    }
  }

  @Test
  void theSearchScaleDependsOnTheFaceSizeNotTheImageSize() {
    try (CascadeDetector d = new CascadeDetector(CFG)) {
      // min-face 0.2 of the shorter side -> window pixels
      assertEquals(CFG.window() / (0.2 * 1000), d.scaleFor(2000, 1000), 1e-12);
      assertEquals(CFG.window() / (0.2 * 500), d.scaleFor(500, 800), 1e-12);
      assertEquals(1.0, d.scaleFor(100, 100), 1e-12, "small images are never enlarged");
    }
  }

  private static GrayImage halve(GrayImage g) {
    int w = g.width() / 2;
    int h = g.height() / 2;
    float[] px = new float[w * h];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        px[y * w + x] = (g.get(2 * x, 2 * y) + g.get(2 * x + 1, 2 * y) + g.get(2 * x, 2 * y + 1) + g.get(2 * x + 1, 2 * y + 1)) / 4;
      }
    }
    return GrayImage.wrap(w, h, px);
  }
}

package org.facealign.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;

class FaceWindowTest {
  @Test
  void theWindowStartsOnTheGridHoldsTheRegionAndStaysInTheImage() {
    FaceWindow w = FaceWindow.around(new FaceBox(130.4, 70.2, 300.5, 251.0), 1000, 800);
    assertEquals(new FaceWindow(128, 64, 302 - 128, 252 - 64), w);
    // a region across the borders is clamped to the image
    assertEquals(new FaceWindow(0, 0, 1000, 800), FaceWindow.around(new FaceBox(-50, -20, 1200, 900), 1000, 800));
    assertEquals(new FaceWindow(960, 0, 40, 10), FaceWindow.around(new FaceBox(990, -30, 1500, 8.5), 1000, 800));
    // a region wholly outside still keeps the border pixels it would clamp to
    assertEquals(new FaceWindow(960, 768, 40, 32), FaceWindow.around(new FaceBox(1100, 900, 1200, 950), 1000, 800));
    assertEquals(new FaceWindow(0, 0, 1, 1), FaceWindow.around(new FaceBox(-90, -90, -50, -50), 1000, 800));
    assertEquals(new FaceWindow(0, 0, 1000, 800), FaceWindow.around(null, 1000, 800));
    assertThrows(IllegalArgumentException.class, () -> new FaceWindow(10, 0, 5, 5));
  }

  @Test
  void cuttingCopiesTheWindowAndCoordinatesGoBothWays() {
    Random r = new Random(3);
    float[] px = new float[300 * 200];
    for (int i = 0; i < px.length; i++) {
      px[i] = r.nextFloat();
    }
    GrayImage img = GrayImage.wrap(300, 200, px);
    FaceWindow w = FaceWindow.around(new FaceBox(140, 70, 180, 120), 300, 200);
    GrayImage cut = w.cut(img);
    assertEquals(w.width(), cut.width());
    for (int y = 0; y < cut.height(); y += 7) {
      for (int x = 0; x < cut.width(); x += 5) {
        assertEquals(img.get(w.x0() + x, w.y0() + y), cut.get(x, y));
      }
    }
    assertArrayEquals(img.flipHorizontal().crop(w.x0(), w.y0(), w.width(), w.height()).toArray(),
        w.cutMirrored(img).toArray());
    assertSame(img, FaceWindow.around(null, 300, 200).cut(img));
    FaceBox box = new FaceBox(150.25, 80.5, 170, 110);
    FaceBox inWindow = w.toWindow(box);
    assertEquals(new FaceBox(150.25 - w.x0(), 80.5 - w.y0(), 170 - w.x0(), 110 - w.y0()), inWindow);
    Shape s = Shape.of(new double[] {inWindow.x0(), inWindow.y0(), 3, 4});
    assertArrayEquals(new double[] {150.25, 80.5, 3 + w.x0(), 4 + w.y0()}, w.fromWindow(s).toArray(), 0);
  }
}

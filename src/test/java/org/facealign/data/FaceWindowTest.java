package org.facealign.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class FaceWindowTest {
  @Test
  void theWindowLiesOnTheGridFromBothEdgesHoldsTheRegionAndStaysInTheImage() {
    // start on multiples of 64; end one past the region, then on multiples of 64 from the image's end
    FaceWindow w = FaceWindow.around(new FaceBox(130.4, 70.2, 300.5, 251.0), 1000, 800);
    assertEquals(new FaceWindow(128, 64, 1000 - 640 - 128, 800 - 512 - 64), w);
    // a region across the borders is clamped to the image
    assertEquals(new FaceWindow(0, 0, 1000, 800), FaceWindow.around(new FaceBox(-50, -20, 1200, 900), 1000, 800));
    // near or beyond a border the window keeps at least 128 pixels, so the image's last whole blocks
    assertEquals(new FaceWindow(832, 0, 168, 160), FaceWindow.around(new FaceBox(990, -30, 1500, 8.5), 1000, 800));
    assertEquals(new FaceWindow(832, 640, 168, 160), FaceWindow.around(new FaceBox(1100, 900, 1200, 950), 1000, 800));
    assertEquals(new FaceWindow(0, 0, 168, 160), FaceWindow.around(new FaceBox(-90, -90, -50, -50), 1000, 800));
    // an image no larger than that is kept whole; null keeps it whole
    assertEquals(new FaceWindow(0, 0, 120, 90), FaceWindow.around(new FaceBox(50, 40, 60, 50), 120, 90));
    assertEquals(new FaceWindow(0, 0, 1000, 800), FaceWindow.around(null, 1000, 800));
    Random r = new Random(5);
    for (int k = 0; k < 200; k++) {
      int iw = 1 + r.nextInt(3000);
      int ih = 1 + r.nextInt(3000);
      double x0 = -500 + (iw + 1000) * r.nextDouble();
      double y0 = -500 + (ih + 1000) * r.nextDouble();
      FaceBox region = new FaceBox(x0, y0, x0 + 1 + 800 * r.nextDouble(), y0 + 1 + 800 * r.nextDouble());
      FaceWindow f = FaceWindow.around(region, iw, ih);
      String where = region + " in " + iw + "x" + ih + ": " + f;
      int x1 = f.x0() + f.width();
      int y1 = f.y0() + f.height();
      assertTrue(x1 <= iw && y1 <= ih, where);
      assertEquals(0, (iw - x1) % FaceWindow.ALIGN, where);
      assertEquals(0, (ih - y1) % FaceWindow.ALIGN, where);
      assertTrue(f.width() >= Math.min(iw, FaceWindow.MIN_SIDE), where);
      assertTrue(f.height() >= Math.min(ih, FaceWindow.MIN_SIDE), where);
      assertTrue(f.x0() <= Math.max(0, Math.floor(region.x0())), where);
      assertTrue(f.y0() <= Math.max(0, Math.floor(region.y0())), where);
      assertTrue(x1 >= Math.min(iw, Math.ceil(region.x1()) + 1), where);
      assertTrue(y1 >= Math.min(ih, Math.ceil(region.y1()) + 1), where);
    }
    assertThrows(IllegalArgumentException.class, () -> new FaceWindow(10, 0, 5, 5));
    // the regions callers widen to what a model reads
    assertEquals(new FaceBox(0, 1, 5, 6), new FaceBox(0, 2, 3, 6).union(new FaceBox(1, 1, 5, 4)));
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

package org.facealign.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class GeometryTest {

  @Test
  void inverseAndCompositionUndoEachOther() {
    SimilarityTransform t = SimilarityTransform.of(1.7, 0.3, 12, -5);
    SimilarityTransform id = t.inverse().after(t);
    assertEquals(1, id.a(), 1e-12);
    assertEquals(0, id.b(), 1e-12);
    assertEquals(0, id.tx(), 1e-12);
    assertEquals(0, id.ty(), 1e-12);
    assertEquals(1.7, t.scale(), 1e-12);
    assertEquals(0.3, t.angle(), 1e-12);
  }

  @Test
  void rotationAboutKeepsTheCentre() {
    SimilarityTransform r = SimilarityTransform.rotationAbout(Math.toRadians(90), 10, 20);
    assertEquals(10, r.applyX(10, 20), 1e-12);
    assertEquals(20, r.applyY(10, 20), 1e-12);
    // (11, 20) -> (10, 21): x-right, y-down pixel axes, positive angle turns +x into +y
    assertEquals(10, r.applyX(11, 20), 1e-12);
    assertEquals(21, r.applyY(11, 20), 1e-12);
  }

  @Test
  void boxGoesToTheCanonicalCentre() {
    FaceBox box = new FaceBox(100, 50, 300, 250);
    SimilarityTransform t = SimilarityTransform.boxToCanonical(box, 128, 0.25);
    int n = SimilarityTransform.canonicalSize(128, 0.25);
    assertEquals(192, n);
    assertEquals((n - 1) / 2.0, t.applyX(200, 150), 1e-12);
    assertEquals((n - 1) / 2.0, t.applyY(200, 150), 1e-12);
    assertEquals(128, t.applyX(300, 150) - t.applyX(100, 150), 1e-12);
  }

  @Test
  void identityWarpCopiesAndTranslationMovesADot() {
    float[] px = new float[40 * 30];
    px[12 * 40 + 7] = 255;
    GrayImage img = GrayImage.wrap(40, 30, px);
    assertArrayEquals(px, ImageWarp.warp(img, SimilarityTransform.IDENTITY, 40, 30).toArray(), 0f);
    GrayImage moved = ImageWarp.warp(img, new SimilarityTransform(1, 0, 5, 3), 40, 30);
    assertEquals(255, moved.get(12, 15), 1e-4);
    assertEquals(0, moved.get(7, 12), 1e-4);
  }

  @Test
  void warpAgreesWithTheShapeTransform() {
    // a smooth blob centred at (31.3, 22.8): after any similarity, its intensity-weighted centroid is
    // where the transform sends the centre
    int w = 80;
    int h = 60;
    float[] px = new float[w * h];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        double d2 = (x - 31.3) * (x - 31.3) + (y - 22.8) * (y - 22.8);
        px[y * w + x] = (float) (255 * Math.exp(-d2 / (2 * 3.0 * 3.0)));
      }
    }
    GrayImage img = GrayImage.wrap(w, h, px);
    Random r = new Random(1);
    for (int k = 0; k < 5; k++) {
      SimilarityTransform t = SimilarityTransform.of(0.8 + 0.6 * r.nextDouble(), r.nextDouble() - 0.5, 5 * r.nextDouble(), 5 * r.nextDouble());
      GrayImage out = ImageWarp.warp(img, t, 100, 100);
      double sx = 0;
      double sy = 0;
      double sw = 0;
      for (int y = 0; y < 100; y++) {
        for (int x = 0; x < 100; x++) {
          double v = out.get(x, y);
          sx += v * x;
          sy += v * y;
          sw += v;
        }
      }
      assertEquals(t.applyX(31.3, 22.8), sx / sw, 0.05);
      assertEquals(t.applyY(31.3, 22.8), sy / sw, 0.05);
    }
  }

  @Test
  void strongShrinkingAveragesInsteadOfSkipping() {
    // a one-pixel checkerboard shrunk 4x is uniform grey, not aliased black or white
    int n = 64;
    float[] px = new float[n * n];
    for (int i = 0; i < px.length; i++) {
      px[i] = ((i % n + i / n) % 2) * 255f;
    }
    GrayImage small = ImageWarp.warp(GrayImage.wrap(n, n, px), new SimilarityTransform(0.25, 0, 0, 0), 16, 16);
    for (float v : small.toArray()) {
      assertEquals(127.5, v, 1.0);
    }
  }

  /**
   * A random image (40 to 440 pixels a side) and a transform shrinking up to 16x, rotated in odd cases, whose
   * output of {@code size} pixels lies inside, across or outside the image's border.
   */
  private record WarpCase(GrayImage img, SimilarityTransform t, int size, String where) {
    static WarpCase draw(Random r, int k) {
      int w = 40 + r.nextInt(400);
      int h = 40 + r.nextInt(400);
      double scale = Math.pow(2, -4 + 5 * r.nextDouble());
      double cx = -0.3 * w + 1.6 * w * r.nextDouble();
      double cy = -0.3 * h + 1.6 * h * r.nextDouble();
      int size = 8 + r.nextInt(60);
      return of(r, w, h, scale, k % 2 == 0 ? 0 : 2 * Math.PI * r.nextDouble(), cx, cy, size, "case " + k);
    }

    /** A random {@code w x h} image and the transform taking (cx, cy) to the centre of a {@code size} output. */
    static WarpCase of(Random r, int w, int h, double scale, double angle, double cx, double cy, int size,
        String name) {
      float[] px = new float[w * h];
      for (int i = 0; i < px.length; i++) {
        px[i] = 255 * r.nextFloat();
      }
      SimilarityTransform t = SimilarityTransform.of(scale, angle, 0, 0);
      t = new SimilarityTransform(t.a(), t.b(), size / 2.0 - t.applyX(cx, cy), size / 2.0 - t.applyY(cx, cy));
      return new WarpCase(GrayImage.wrap(w, h, px), t, size,
          name + " " + w + "x" + h + " scale " + scale + " c " + cx + "," + cy + " size " + size);
    }
  }

  @Test
  void croppingTheSourceFirstChangesNoPixel() {
    // the crop-then-halve path must equal halving the whole image
    Random r = new Random(7);
    for (int k = 0; k < 60; k++) {
      WarpCase c = WarpCase.draw(r, k);
      assertArrayEquals(ImageWarp.warp(c.img(), c.t(), c.size(), c.size(), false).toArray(),
          ImageWarp.warp(c.img(), c.t(), c.size(), c.size()).toArray(), 1e-4f, c.where());
    }
  }

  @Test
  void noPixelOutsideTheFootprintsWindowChangesTheWarpAndTheWindowAloneGivesTheWholeImagesWarp() {
    Random r = new Random(11);
    for (int k = 0; k < 60; k++) {
      assertTheWindowHoldsWhatTheWarpReads(WarpCase.draw(r, k), r);
    }
    // outputs wholly beyond each border, shrunk 2 to 100 times (one to six halvings): the warp repeats the image's
    // last whole blocks
    int k = 0;
    for (int w : new int[] {129, 200, 1000}) {
      for (double scale : new double[] {0.45, 0.2, 0.04, 0.01}) {
        double reach = 40 / scale;
        double[][] centres = {{w + reach, 100}, {-reach, 100}, {w / 2.0, 300 + reach}, {w / 2.0, -reach}};
        for (double[] c : centres) {
          assertTheWindowHoldsWhatTheWarpReads(WarpCase.of(r, w, 300, scale, 0, c[0], c[1], 40, "beyond " + k++), r);
        }
      }
    }
  }

  @Test
  void aWarpThatHalvesMoreThanSixTimesHasNoFootprint() {
    assertTrue(ImageWarp.footprint(new SimilarityTransform(0.01, 0, 0, 0), 40, 40) != null, "six halvings");
    assertEquals(null, ImageWarp.footprint(new SimilarityTransform(0.0078, 0, 0, 0), 40, 40), "seven halvings");
  }

  /**
   * Pixels outside the face window around the warp's footprint, replaced by others, change no output bit; the
   * footprint is no larger than the output's reach plus the bilinear and halving pad; and the window alone warps like
   * the whole image, up to the rounding of its offset.
   */
  private static void assertTheWindowHoldsWhatTheWarpReads(WarpCase c, Random r) {
    int w = c.img().width();
    int h = c.img().height();
    int size = c.size();
    double scale = c.t().scale();
    FaceBox f = ImageWarp.footprint(c.t(), size, size);
    double pad = 2 * Math.max(1, Math.pow(2, Math.ceil(-Math.log(2 * scale) / Math.log(2)))) + 2;
    assertTrue(f.width() <= Math.sqrt(2) * size / scale + 2 * pad + 1e-6, c.where() + " footprint " + f);
    FaceWindow win = FaceWindow.around(f, w, h);
    float[] other = c.img().toArray();
    int changed = 0;
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        if (x < win.x0() || x >= win.x0() + win.width() || y < win.y0() || y >= win.y0() + win.height()) {
          other[y * w + x] = 255 * r.nextFloat();
          changed++;
        }
      }
    }
    float[] want = ImageWarp.warp(c.img(), c.t(), size, size).toArray();
    assertArrayEquals(want, ImageWarp.warp(GrayImage.wrap(w, h, other), c.t(), size, size).toArray(), 0f,
        c.where() + ", " + changed + " pixels changed outside " + win);
    SimilarityTransform fromWindow = c.t().after(new SimilarityTransform(1, 0, win.x0(), win.y0()));
    assertArrayEquals(want, ImageWarp.warp(win.cut(c.img()), fromWindow, size, size).toArray(), 1e-3f,
        c.where() + " from " + win);
  }

  @Test
  void theUnrotatedWarpIsTheBilinearSampleOfEveryPixelToTheLastBit() {
    // without rotation the rows and columns are worked out once; each pixel must still be exactly bilinear()
    Random r = new Random(8);
    for (int k = 0; k < 40; k++) {
      int w = 20 + r.nextInt(200);
      int h = 20 + r.nextInt(200);
      float[] px = new float[w * h];
      for (int i = 0; i < px.length; i++) {
        px[i] = 255 * r.nextFloat();
      }
      GrayImage img = GrayImage.wrap(w, h, px);
      double scale = 0.5 + 3 * r.nextDouble(); // no halving: the sampling alone
      int size = 8 + r.nextInt(60);
      SimilarityTransform t = new SimilarityTransform(scale, 0, -0.5 * size + size * 1.5 * r.nextDouble(),
          -0.5 * size + size * 1.5 * r.nextDouble());
      SimilarityTransform inv = t.inverse();
      float[] out = ImageWarp.warp(img, t, size, size).toArray();
      for (int y = 0; y < size; y++) {
        for (int x = 0; x < size; x++) {
          float ref = ImageWarp.bilinear(img, inv.applyX(0, y) + inv.a() * x, inv.applyY(0, y) + inv.b() * x);
          assertEquals(ref, out[y * size + x], 0f, "case " + k + " pixel " + x + "," + y);
        }
      }
    }
  }
}

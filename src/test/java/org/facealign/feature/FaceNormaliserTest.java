package org.facealign.feature;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.facealign.data.FaceBox;
import org.facealign.data.GrayImage;
import org.facealign.data.ImageWarp;
import org.facealign.data.Shape;
import org.facealign.data.SimilarityTransform;
import org.facealign.data.SyntheticFaces;
import org.junit.jupiter.api.Test;

class FaceNormaliserTest {
  private static final ConfigFeatures CONFIG = ConfigFeatures.defaults();

  private static SyntheticFaces.SyntheticFace face(long seed, int imageSize) {
    SyntheticFaces.Options o = SyntheticFaces.Options.defaults();
    return new SyntheticFaces(seed, new SyntheticFaces.Options(imageSize, o.minFaceFraction(),
        o.maxFaceFraction(), o.maxRotationDeg(), o.noiseSigma(), o.shapeJitter())).next();
  }

  @Test
  void theBoxCentreLandsAtTheCanvasCentreAndShapesRoundTrip() {
    FaceNormaliser norm = new FaceNormaliser(CONFIG);
    for (long seed = 1; seed <= 5; seed++) {
      SyntheticFaces.SyntheticFace f = face(seed, 300);
      FaceBox box = f.detectorBox();
      NormalisedFace n = norm.normalise(f.image(), box);
      assertEquals(192, n.canvas().width());
      assertEquals(192, n.canvas().height());
      Shape centre = n.toCanonical(Shape.of(new double[] {box.centerX(), box.centerY()}));
      assertEquals(95.5, centre.x(0), 1e-9);
      assertEquals(95.5, centre.y(0), 1e-9);
      // the box's mean side becomes 128 canonical pixels
      Shape corners = n.toCanonical(Shape.of(new double[] {box.x0(), box.y0(), box.x1(), box.y1()}));
      assertEquals(256, (corners.x(1) - corners.x(0)) + (corners.y(1) - corners.y(0)), 1e-9);
      Shape back = n.toImage(n.toCanonical(f.landmarks()));
      assertArrayEquals(f.landmarks().toArray(), back.toArray(), 1e-9);
      double[] delta = {1.5, -2, 0.25, 3};
      double[] d = n.incrementToImage(delta);
      Shape moved = n.toImage(n.toCanonical(Shape.of(new double[] {10, 20, 30, 40})).plus(delta));
      assertEquals(10 + d[0], moved.x(0), 1e-9);
      assertEquals(40 + d[3], moved.y(1), 1e-9);
    }
  }

  @Test
  void theCanvasSamplesTheSourceThroughTheTransform() {
    // a face about 128 px across: no pre-shrinking, so the canvas is plain bilinear sampling
    SyntheticFaces.SyntheticFace f = face(3, 200);
    FaceBox box = f.detectorBox();
    FaceNormaliser norm = new FaceNormaliser(CONFIG);
    NormalisedFace n = norm.normalise(f.image(), box);
    SimilarityTransform inv = n.toCanonical().inverse();
    assertTrue(n.toCanonical().scale() >= 0.5);
    for (int[] p : new int[][] {{0, 0}, {95, 96}, {191, 10}, {50, 150}}) {
      float expected = ImageWarp.bilinear(f.image(), inv.applyX(p[0], p[1]), inv.applyY(p[0], p[1]));
      assertEquals(expected, n.canvas().get(p[0], p[1]), 1e-3);
    }
    // the landmarks sit inside the canvas, around the face box
    Shape c = n.toCanonical(f.landmarks());
    FaceBox e = c.extent();
    assertTrue(e.x0() > 16 && e.y0() > 16 && e.x1() < 176 && e.y1() < 176, e.toString());
  }

  @Test
  void hogInputIsTheBoxRegionAveragedTwoByTwo() {
    FaceNormaliser norm = new FaceNormaliser(CONFIG);
    SyntheticFaces.SyntheticFace f = face(8, 256);
    NormalisedFace n = norm.normalise(f.image(), f.detectorBox());
    GrayImage in = norm.hogInput(n);
    assertEquals(64, in.width());
    assertEquals(64, in.height());
    // box region [31.5, 159.5] of the canvas: output pixel j covers canvas pixels 32 + 2j and 33 + 2j
    GrayImage c = n.canvas();
    for (int y = 0; y < 64; y++) {
      for (int x = 0; x < 64; x++) {
        double mean = (c.get(32 + 2 * x, 32 + 2 * y) + c.get(33 + 2 * x, 32 + 2 * y)
            + c.get(32 + 2 * x, 33 + 2 * y) + c.get(33 + 2 * x, 33 + 2 * y)) / 4;
        assertEquals(mean, in.get(x, y), 1e-3, x + "," + y);
      }
    }
  }
}

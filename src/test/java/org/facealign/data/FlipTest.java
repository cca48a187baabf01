package org.facealign.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class FlipTest {
  private static final LandmarkScheme IBUG = LandmarkScheme.IBUG_68;

  /** A synthetic face with landmarks rounded to 1/64 px, so mirroring twice is exact in floating point. */
  private static SyntheticFaces.SyntheticFace sample() {
    SyntheticFaces.SyntheticFace f = new SyntheticFaces(9, new SyntheticFaces.Options(80, 0.5, 0.7, 10, 3, 0.01)).next();
    double[] xy = f.landmarks().toArray();
    for (int i = 0; i < xy.length; i++) {
      xy[i] = Math.rint(xy[i] * 64) / 64;
    }
    return new SyntheticFaces.SyntheticFace(f.image(), Shape.of(xy), new FaceBox(10.25, 12.5, 60.75, 70));
  }

  @Test
  void flippingTwiceRestoresEverything() {
    SyntheticFaces.SyntheticFace f = sample();
    Flip.Flipped once = Flip.flip(f.image(), f.landmarks(), f.detectorBox(), IBUG);
    Flip.Flipped twice = Flip.flip(once.image(), once.shape(), once.box(), IBUG);
    assertArrayEquals(f.image().toArray(), twice.image().toArray());
    assertEquals(f.landmarks(), twice.shape());
    assertEquals(f.detectorBox(), twice.box());
  }

  @Test
  void flipSwapsLeftAndRightPoints() {
    SyntheticFaces.SyntheticFace f = sample();
    Shape s = f.landmarks();
    Flip.Flipped once = Flip.flip(f.image(), s, f.detectorBox(), IBUG);
    Shape m = once.shape();
    double last = 79; // image width 80: x goes to 79 - x
    int[][] pairs = {{36, 45}, {45, 36}, {48, 54}, {54, 48}, {0, 16}, {39, 42}, {30, 30}, {8, 8}};
    for (int[] p : pairs) {
      assertEquals(last - s.x(p[1]), m.x(p[0]), 0.0, "point " + p[0]);
      assertEquals(s.y(p[1]), m.y(p[0]), 0.0, "point " + p[0]);
    }
    // The outer corner 36 lies left of the inner corner 39 before and after: the image-left eye stays the
    // image-left eye.
    assertEquals(Math.signum(s.x(39) - s.x(36)), Math.signum(m.x(39) - m.x(36)));
    assertEquals(new FaceBox(79 - 60.75, 12.5, 79 - 10.25, 70), once.box());
    assertEquals(f.image().get(3, 7), once.image().get(76, 7));
  }

  @Test
  void nullShapeAndBoxAreAllowed() {
    SyntheticFaces.SyntheticFace f = sample();
    Flip.Flipped once = Flip.flip(f.image(), null, null, IBUG);
    assertNull(once.shape());
    assertNull(once.box());
    assertEquals(f.image().get(0, 0), once.image().get(79, 0));
  }

  @Test
  void templateIsMirrorSymmetric() {
    Shape t = SyntheticFaces.TEMPLATE;
    assertEquals(68, t.numPoints());
    // Image width 2 puts the mirror at x = 0.5: x -> 1 - x.
    Shape m = t.flipHorizontal(2.0, IBUG.flipMap());
    for (int i = 0; i < 68; i++) {
      assertEquals(t.x(i), m.x(i), 1e-9, "x of point " + i);
      assertEquals(t.y(i), m.y(i), 1e-9, "y of point " + i);
    }
  }

  @Test
  void aMirroredWindowIsThatWindowOfTheMirroredImage() {
    float[] px = new float[13 * 7];
    for (int i = 0; i < px.length; i++) {
      px[i] = i;
    }
    GrayImage img = GrayImage.of(13, 7, px);
    for (int[] w : new int[][] {{0, 0, 13, 7}, {3, 2, 5, 4}, {12, 6, 1, 1}, {0, 1, 1, 6}}) {
      GrayImage want = img.flipHorizontal().crop(w[0], w[1], w[2], w[3]);
      GrayImage got = img.flipHorizontal(w[0], w[1], w[2], w[3]);
      assertArrayEquals(want.toArray(), got.toArray(), java.util.Arrays.toString(w));
    }
    assertEquals(12f, img.flipHorizontal(0, 0, 1, 1).get(0, 0), "pixel 0 of the mirror is the last of the row");
    assertThrows(IllegalArgumentException.class, () -> img.flipHorizontal(10, 0, 4, 1));
  }
}

package org.facealign.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** EXIF orientations as TIFF 6.0 defines them, checked on a 3 x 2 image with distinct pixels. */
class OrientationTest {
  //  stored:  0 1 2
  //           3 4 5
  private static final GrayImage STORED = GrayImage.of(3, 2, new float[] {0, 1, 2, 3, 4, 5});

  @Test
  void eachOrientationShowsTheStoredPixelsAsTiffSays() {
    check(1, 3, 2, 0, 1, 2, 3, 4, 5);
    check(2, 3, 2, 2, 1, 0, 5, 4, 3);        // mirrored left-right
    check(3, 3, 2, 5, 4, 3, 2, 1, 0);        // turned 180°
    check(4, 3, 2, 3, 4, 5, 0, 1, 2);        // mirrored top-bottom
    check(5, 2, 3, 0, 3, 1, 4, 2, 5);        // transposed
    check(6, 2, 3, 3, 0, 4, 1, 5, 2);        // stored turned 90° anticlockwise: shown turned 90° clockwise
    check(7, 2, 3, 5, 2, 4, 1, 3, 0);        // transversed
    check(8, 2, 3, 2, 5, 1, 4, 0, 3);        // shown turned 90° anticlockwise
  }

  @Test
  void turningFourTimesGivesTheImageBack() {
    GrayImage g = STORED;
    for (int i = 0; i < 4; i++) {
      g = g.oriented(6);
    }
    assertEquals(STORED.width(), g.width());
    for (int i = 0; i < 6; i++) {
      assertEquals(STORED.get(i % 3, i / 3), g.get(i % 3, i / 3));
    }
    assertThrows(IllegalArgumentException.class, () -> STORED.oriented(0));
    assertThrows(IllegalArgumentException.class, () -> STORED.oriented(9));
  }

  @Test
  void aPointGoesWhereItsPixelIsShownAndMirrorsRenumberThePoints() {
    // each stored pixel (x, y) of the 3 x 2 image, as a point; point 0 and 1 swap on a mirror
    double[] xy = new double[12];
    for (int i = 0; i < 6; i++) {
      xy[2 * i] = i % 3;
      xy[2 * i + 1] = i / 3;
    }
    Shape stored = Shape.of(xy);
    int[] identity = {0, 1, 2, 3, 4, 5};
    for (int tag = 1; tag <= 8; tag++) {
      GrayImage shown = STORED.oriented(tag);
      Shape moved = stored.oriented(tag, 3, 2, identity);
      for (int i = 0; i < 6; i++) {
        // the pixel shown where point i went is the stored pixel point i stood on (whose value is i)
        assertEquals(i, shown.get((int) moved.x(i), (int) moved.y(i)), "tag " + tag + ", point " + i);
      }
      boolean mirrored = tag == 2 || tag == 4 || tag == 5 || tag == 7;
      Shape renumbered = stored.oriented(tag, 3, 2, new int[] {1, 0, 2, 3, 4, 5});
      assertEquals(mirrored ? moved.x(1) : moved.x(0), renumbered.x(0), "tag " + tag);
      assertEquals(mirrored ? moved.y(1) : moved.y(0), renumbered.y(0), "tag " + tag);
    }
    assertThrows(IllegalArgumentException.class, () -> stored.oriented(9, 3, 2, identity));
  }

  private static void check(int tag, int w, int h, float... expected) {
    GrayImage o = STORED.oriented(tag);
    assertEquals(w, o.width(), "width, orientation " + tag);
    assertEquals(h, o.height(), "height, orientation " + tag);
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], o.get(i % w, i / w), "pixel " + i + ", orientation " + tag);
    }
  }
}

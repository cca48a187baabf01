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

  private static void check(int tag, int w, int h, float... expected) {
    GrayImage o = STORED.oriented(tag);
    assertEquals(w, o.width(), "width, orientation " + tag);
    assertEquals(h, o.height(), "height, orientation " + tag);
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], o.get(i % w, i / w), "pixel " + i + ", orientation " + tag);
    }
  }
}

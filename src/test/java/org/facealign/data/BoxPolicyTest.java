package org.facealign.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BoxPolicyTest {
  private static final Shape LANDMARKS = Shape.of(new double[] {10, 20, 110, 20, 60, 220, 30, 100});
  private static final FaceBox DETECTOR = new FaceBox(5, 15, 125, 215);

  @Test
  void detectorUsesTheDataSetBox() {
    Face f = new Face("a/1", "/d/a/1.jpg", "/d/a/1.pts", "training", LANDMARKS, DETECTOR);
    assertEquals(DETECTOR, BoxPolicy.detector().boxFor(f));
    Face noBox = new Face("a/2", "/d/a/2.jpg", "/d/a/2.pts", "training", LANDMARKS, null);
    DataException e = assertThrows(DataException.class, () -> BoxPolicy.detector().boxFor(noBox));
    assertEquals("/d/a/2.jpg", e.source());
    assertEquals(BoxPolicy.NO_DETECTOR_BOX, e.code());
    assertEquals("no detector box: the data set gives none for face a/2 (supply boxes, or use the landmarks box "
        + "policy, which is not the 300-W protocol)", e.reason());
    // why the data set gives none, when discovery knows: a boxes.txt line that cannot be parsed
    DataException broken = assertThrows(DataException.class,
        () -> BoxPolicy.detector().boxFor(noBox, "/d/a/boxes.txt:3: x_max is not a number: 'x'"));
    assertEquals("no_detector_box", broken.code());
    assertEquals("/d/a/2.jpg", broken.source());
    assertEquals("no detector box: /d/a/boxes.txt:3: x_max is not a number: 'x' (supply boxes, or use the landmarks "
        + "box policy, which is not the 300-W protocol)", broken.reason());
    assertEquals(DETECTOR, BoxPolicy.detector().boxFor(f, "ignored when there is a box"));
    assertEquals(new FaceBox(10, 20, 110, 220), BoxPolicy.landmarks(0).boxFor(noBox, "no boxes.txt in /d/a"));
  }

  @Test
  void landmarksGrowTheExtentByTheMargin() {
    Face f = new Face("a/1", "/d/a/1.jpg", "/d/a/1.pts", "training", LANDMARKS, DETECTOR);
    // Extent (10, 20)-(110, 220): 100 x 200, grown by 10 % of width and height on each side.
    assertEquals(new FaceBox(0, 0, 120, 240), BoxPolicy.landmarks(0.1).boxFor(f));
    assertEquals(new FaceBox(10, 20, 110, 220), BoxPolicy.landmarks(0).boxFor(f));
    Face unannotated = new Face("a/3", "/d/a/3.jpg", null, "training", null, DETECTOR);
    assertThrows(DataException.class, () -> BoxPolicy.landmarks(0.1).boxFor(unannotated));
    assertThrows(IllegalArgumentException.class, () -> BoxPolicy.landmarks(-0.5));
    assertThrows(IllegalArgumentException.class, () -> BoxPolicy.landmarks(Double.NaN));
  }

  @Test
  void parseNamesThePolicies() {
    assertSame(BoxPolicy.detector(), BoxPolicy.parse("detector", 0.3));
    assertEquals(0.0, BoxPolicy.parse("detector", 0.3).margin());
    BoxPolicy l = BoxPolicy.parse(" Landmarks ", 0.2);
    assertEquals(BoxPolicy.Kind.LANDMARKS, l.kind());
    assertEquals(0.2, l.margin());
    assertEquals(BoxPolicy.landmarks(0.2), l);
    assertEquals("landmarks(0.2)", l.toString());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BoxPolicy.parse("oracle", 0));
    assertEquals("unknown box policy 'oracle': use one of detector, landmarks", e.getMessage());
  }
}

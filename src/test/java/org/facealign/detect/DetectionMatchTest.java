package org.facealign.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.List;
import org.facealign.data.FaceBox;
import org.junit.jupiter.api.Test;

/** The detection that is an annotated face: the one overlapping its landmark box most, from IoU 0.3 on. */
class DetectionMatchTest {

  @Test
  void theMostOverlappingDetectionFromTheThresholdOnIsTheFace() {
    FaceBox tight = new FaceBox(0, 0, 100, 100);
    Detection far = new Detection(new FaceBox(300, 300, 400, 400), 5, "frontal");
    Detection half = new Detection(new FaceBox(0, 0, 100, 50), 1, "frontal"); // IoU 0.5
    Detection shifted = new Detection(new FaceBox(20, 20, 120, 120), 9, "profile"); // IoU 6400 / 13600 = 0.47
    assertEquals(0.5, half.box().iou(tight), 1e-12);
    assertEquals(6400.0 / 13600, shifted.box().iou(tight), 1e-12);
    assertSame(half, Detection.match(List.of(far, shifted, half), tight), "the largest IoU, not the best score");
    assertSame(shifted, Detection.match(List.of(shifted, far), tight));
    // IoU 0.25 is below the threshold, 0.3 exactly is at it
    Detection quarter = new Detection(new FaceBox(0, 0, 100, 25), 1, "frontal");
    assertNull(Detection.match(List.of(far, quarter), tight));
    Detection atThreshold = new Detection(new FaceBox(0, 0, 100, 30), 1, "frontal");
    assertEquals(0.3, atThreshold.box().iou(tight), 1e-12);
    assertSame(atThreshold, Detection.match(List.of(atThreshold), tight));
    assertNull(Detection.match(List.of(), tight));
  }
}

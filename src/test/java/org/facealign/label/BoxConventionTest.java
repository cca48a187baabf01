package org.facealign.label;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.facealign.config.FacealignConfig;
import org.facealign.data.BoxPolicy;
import org.facealign.data.FaceBox;
import org.facealign.detect.ConfigDetect;
import org.junit.jupiter.api.Test;

/** A 300-W detector box becomes the box each box policy's models were trained with. */
class BoxConventionTest {
  private static final ConfigDetect DETECT = FacealignConfig.defaults().detect();

  private static void assertBox(FaceBox want, FaceBox got) {
    assertEquals(want.x0(), got.x0(), 1e-9, got.toString());
    assertEquals(want.y0(), got.y0(), 1e-9, got.toString());
    assertEquals(want.x1(), got.x1(), 1e-9, got.toString());
    assertEquals(want.y1(), got.y1(), 1e-9, got.toString());
  }

  @Test
  void aW300BoxIsKeptForDetectorModelsAndMappedToTheLandmarksExtentForOthers() {
    FaceBox w300 = new FaceBox(100, 120, 260, 300);
    assertBox(w300, new BoxConvention(DETECT, BoxPolicy.detector()).fromW300(w300));
    // a landmarks model: the extent the landmarks map takes to this 300-W box, grown by the model's margin
    FaceBox extent = new FaceBox(110, 140, 250, 290);
    FaceBox mapped = DETECT.boxMap(ConfigDetect.LANDMARKS).apply(extent);
    BoxConvention landmarks = new BoxConvention(DETECT, BoxPolicy.landmarks(0.1));
    assertBox(extent.expand(0.1), landmarks.fromW300(mapped));
  }
}

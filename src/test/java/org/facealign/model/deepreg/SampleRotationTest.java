package org.facealign.model.deepreg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.facealign.data.GrayImage;
import org.facealign.data.ImageWarp;
import org.facealign.feature.ConfigFeatures;
import org.facealign.feature.FaceNormaliser;
import org.facealign.feature.HogFeature;
import org.facealign.feature.NormalisedFace;
import org.junit.jupiter.api.Test;

class SampleRotationTest {
  private static final ConfigFeatures F = ConfigFeatures.defaults();

  @Test
  void anglesAreSeededBySampleAndStreamAndStayInRange() {
    SampleRotation a = new SampleRotation(F, 15, 42);
    SampleRotation b = new SampleRotation(F, 15, 42);
    Set<Double> seen = new HashSet<>();
    double max = 0;
    for (int k = 0; k < 200; k++) {
      double t = a.angle("face1#orig", k);
      assertEquals(t, b.angle("face1#orig", k));
      max = Math.max(max, Math.abs(t));
      seen.add(t);
    }
    assertEquals(200, seen.size());
    assertTrue(max <= Math.toRadians(15) && max > Math.toRadians(13), "largest angle " + Math.toDegrees(max));
    assertNotEquals(a.angle("face1#orig", 3), a.angle("face1#flip", 3));
    assertNotEquals(a.angle("face1#orig", 3), new SampleRotation(F, 15, 43).angle("face1#orig", 3));
    assertThrows(IllegalArgumentException.class, () -> new SampleRotation(F, 0, 1));
    assertThrows(IllegalArgumentException.class, () -> new SampleRotation(F, 50, 1));
  }

  @Test
  void noTurnKeepsTheSample() {
    TrainingSample s = DeepRegFixtures.samples(F, 3, 1).get(0);
    TrainingSample t = new SampleRotation(F, 15, 1).turned(s, 0.0);
    assertArrayEquals(s.canvas16(), t.canvas16());
    assertArrayEquals(s.target(), t.target(), 1e-12);
    // the stored HOG is of the float canvas; this one of the stored (1/64 grey level) one
    float[] expected = new HogFeature(F).compute(new FaceNormaliser(F).hogInput(
        new NormalisedFace(s.canvas(), org.facealign.data.SimilarityTransform.IDENTITY)));
    assertArrayEquals(expected, t.hog(), 0f);
    assertEquals(s.name(), t.name());
  }

  @Test
  void theTargetTurnsWithTheFaceAboutTheCanvasCentre() {
    List<TrainingSample> samples = DeepRegFixtures.samples(F, 5, 4);
    double theta = Math.toRadians(12);
    double c = Math.cos(theta);
    double sn = Math.sin(theta);
    SampleRotation rot = new SampleRotation(F, 15, 1);
    ShapeUnits units = new ShapeUnits(F);
    double right = 0;
    double wrong = 0;
    for (TrainingSample s : samples) {
      TrainingSample t = rot.turned(s, theta);
      double[] u = s.target();
      double[] v = t.target();
      for (int i = 0; i < u.length; i += 2) {
        // units are centred on the canvas centre: the turn is a plain rotation of them
        assertEquals(c * u[i] - sn * u[i + 1], v[i], 1e-12);
        assertEquals(sn * u[i] + c * u[i + 1], v[i + 1], 1e-12);
      }
      // the face turned with its landmarks: the pixels under them are those under the stored landmarks, which the
      // opposite turn would not give
      GrayImage before = s.canvas();
      GrayImage after = t.canvas();
      double[] at = units.toCanonical(u).toArray();
      double[] moved = units.toCanonical(v).toArray();
      double[] away = units.toCanonical(new SampleRotation(F, 15, 1).turned(s, -theta).target()).toArray();
      for (int i = 0; i < at.length; i += 2) {
        float here = ImageWarp.bilinear(before, at[i], at[i + 1]);
        right += Math.abs(ImageWarp.bilinear(after, moved[i], moved[i + 1]) - here);
        wrong += Math.abs(ImageWarp.bilinear(after, away[i], away[i + 1]) - here);
      }
      assertTrue(!java.util.Arrays.equals(s.hog(), t.hog()), "the HOG is of the turned canvas");
    }
    assertTrue(right < wrong / 3, "grey-level differences under the landmarks: turned " + right + ", opposite " + wrong);
  }
}

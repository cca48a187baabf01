package org.facealign.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.facealign.data.LandmarkScheme;
import org.facealign.data.Shape;
import org.junit.jupiter.api.Test;

class NmeTest {

  private static final LandmarkScheme S = LandmarkScheme.IBUG_68;

  /** Offsets of an eye's six points around its centre; they sum to zero, so the centroid is exact. */
  private static final double[][] EYE = {{-2, 0}, {-1, -1}, {1, -1}, {2, 0}, {1, 1}, {-1, 1}};

  /**
   * 68 points: eye 36-41 centred on (20, 30), eye 42-47 on (30, 30), so the inter-pupil distance is 10;
   * point 36 is (18, 30) and point 45 is (32, 30), so the inter-ocular distance is 14.
   */
  static Shape template() {
    double[] xy = new double[136];
    for (int i = 0; i < 68; i++) {
      xy[2 * i] = i;
      xy[2 * i + 1] = 2 * i;
    }
    for (int k = 0; k < 6; k++) {
      xy[2 * (36 + k)] = 20 + EYE[k][0];
      xy[2 * (36 + k) + 1] = 30 + EYE[k][1];
      xy[2 * (42 + k)] = 30 + EYE[k][0];
      xy[2 * (42 + k) + 1] = 30 + EYE[k][1];
    }
    return Shape.of(xy);
  }

  @Test
  void templateHasTheIntendedDistances() {
    assertEquals(10.0, S.interPupilDistance(template()), 0.0);
    assertEquals(14.0, S.interOcularDistance(template()), 0.0);
  }

  @Test
  void shiftByThreeFourGivesErrorFiveEverywhere() {
    Shape gt = template();
    Shape pred = gt.translate(3, 4);
    assertEquals(5.0, Nme.meanPointError(pred, gt), 1e-12);
    assertEquals(0.5, Nme.interPupil(pred, gt, S), 1e-12);
    assertEquals(5.0 / 14.0, Nme.interOcular(pred, gt, S), 1e-12);
  }

  @Test
  void perfectPredictionHasZeroError() {
    Shape gt = template();
    assertEquals(0.0, Nme.interPupil(gt, gt, S), 0.0);
    assertEquals(0.0, Nme.interOcular(gt, gt, S), 0.0);
  }

  @Test
  void errorIsTheMeanOverPointsNotTheSum() {
    Shape gt = template();
    double[] xy = gt.toArray();
    xy[0] += 6; // point 0 off by (6, 8): distance 10, every other point exact
    xy[1] += 8;
    Shape pred = Shape.of(xy);
    assertEquals(10.0 / 68, Nme.meanPointError(pred, gt), 1e-12);
    assertEquals(1.0 / 68, Nme.interPupil(pred, gt, S), 1e-12);
    assertEquals(10.0 / 68 / 14, Nme.interOcular(pred, gt, S), 1e-12);
  }

  @Test
  void normalisesByTheGroundTruthNotThePrediction() {
    Shape gt = template();
    double[] xy = gt.toArray();
    for (int i = 36; i <= 47; i++) {
      xy[2 * i] *= 2; // spreads the predicted eyes apart; the ground truth's distance must still be used
    }
    Shape pred = Shape.of(xy);
    double expected = Nme.meanPointError(pred, gt) / 10.0;
    assertTrue(expected > 0);
    assertEquals(expected, Nme.interPupil(pred, gt, S), 1e-12);
  }

  @Test
  void mismatchedSizesAreRejected() {
    Shape gt = template();
    Shape small = Shape.of(new double[] {0, 0, 1, 1});
    assertThrows(IllegalArgumentException.class, () -> Nme.meanPointError(small, gt));
    assertThrows(IllegalArgumentException.class, () -> Nme.interPupil(small, gt, S));
    assertThrows(IllegalArgumentException.class, () -> Nme.interOcular(gt, small, S));
  }

  @Test
  void zeroNormalisingDistanceIsRejectedByName() {
    Shape degenerate = Shape.of(new double[136]); // every point at the origin
    var ip = assertThrows(IllegalArgumentException.class, () -> Nme.interPupil(template(), degenerate, S));
    assertTrue(ip.getMessage().contains("inter-pupil distance"), ip.getMessage());
    var io = assertThrows(IllegalArgumentException.class, () -> Nme.interOcular(template(), degenerate, S));
    assertTrue(io.getMessage().contains("inter-ocular distance"), io.getMessage());
  }

  @Test
  void faceResultOfComputesBothNormalisations() {
    Shape gt = template();
    FaceResult r = FaceResult.of("lfpw/testset/image_0001", "common", "/data/x.png", gt.translate(3, 4), gt, S);
    assertEquals(0.5, r.ipNme(), 1e-12);
    assertEquals(5.0 / 14, r.ioNme(), 1e-12);
    assertEquals("common", r.subset());
    assertEquals("full", r.withSubset("full").subset());
    assertEquals(0.5, r.withSubset("full").ipNme(), 0.0);
  }

  @Test
  void faceResultRejectsNonFiniteErrors() {
    assertThrows(IllegalArgumentException.class, () -> new FaceResult("a", "s", null, Double.NaN, 0.1));
    assertThrows(IllegalArgumentException.class, () -> new FaceResult("a", "s", null, 0.1, -0.1));
  }
}

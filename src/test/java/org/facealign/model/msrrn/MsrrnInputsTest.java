package org.facealign.model.msrrn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.facealign.augment.ConfigAugment;
import org.facealign.data.GrayImage;
import org.facealign.data.Shape;
import org.facealign.feature.ConfigFeatures;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class MsrrnInputsTest {
  private static final ConfigFeatures F = ConfigFeatures.defaults();
  private static final MsrrnInputs IN = new MsrrnInputs(F, ConfigAugment.defaults(), 3);

  /** A canvas with one Gaussian blob (σ = 5 canvas px) at (x, y). */
  private static GrayImage blob(double x, double y) {
    int n = F.canvasSize();
    float[] px = new float[n * n];
    for (int j = 0; j < n; j++) {
      for (int i = 0; i < n; i++) {
        double d2 = (i - x) * (i - x) + (j - y) * (j - y);
        px[j * n + i] = (float) (200 * Math.exp(-d2 / (2 * 25.0)));
      }
    }
    return GrayImage.of(n, n, px);
  }

  /** Intensity-weighted centroid of an image. */
  private static double[] centroid(GrayImage g) {
    double sx = 0;
    double sy = 0;
    double s = 0;
    for (int y = 0; y < g.height(); y++) {
      for (int x = 0; x < g.width(); x++) {
        double v = g.get(x, y);
        sx += v * x;
        sy += v * y;
        s += v;
      }
    }
    return new double[] {sx / s, sy / s};
  }

  @ParameterizedTest
  @ValueSource(doubles = {0, 0.2, -0.26})
  void theLandmarkLandsWhereTheBlobIsInEveryCrop(double theta) {
    Shape p = Shape.of(new double[] {110, 84});
    MsrrnInputs.Example ex = IN.crops(blob(110, 84), p, theta, 0, null);
    int[] sizes = IN.cropSizes();
    assertArrayEquals(new int[] {50, 100, 200}, sizes);
    for (int i = 0; i < sizes.length; i++) {
      double[] c = centroid(ex.crops()[i]);
      double ex0 = ex.unitShape()[0] * sizes[i] - 0.5;
      double ey0 = ex.unitShape()[1] * sizes[i] - 0.5;
      // the blob spans 5 canvas px = 1.4 px at 50: its centroid is within a tenth of a crop pixel
      assertEquals(ex0, c[0], 0.1 * Math.max(1, sizes[i] / 50.0), "x at " + sizes[i]);
      assertEquals(ey0, c[1], 0.1 * Math.max(1, sizes[i] / 50.0), "y at " + sizes[i]);
    }
  }

  @Test
  void unitFrameMakesTheFaceBoxTheMiddleOfTheCrop() {
    double c = (F.canvasSize() - 1) / 2.0;
    double h = F.faceSize() / 2.0;
    // the face box edges are at 0.2 / 1.4 and 1.2 / 1.4 of the crop (margin 0.2)
    double[] u = IN.toUnit(Shape.of(new double[] {c - h, c + h}));
    assertEquals(0.2 / 1.4, u[0], 1e-12);
    assertEquals(1.2 / 1.4, u[1], 1e-12);
    Shape back = IN.toCanonical(u);
    assertEquals(c - h, back.x(0), 1e-9);
    assertEquals(c + h, back.y(0), 1e-9);
  }

  @Test
  void augmentationIsAFunctionOfSeedNameAndEpoch() {
    GrayImage canvas = blob(96, 96);
    Shape p = Shape.of(new double[] {120, 70});
    double[] a = IN.training(canvas, p, "face-1/orig", 7, 3, true).unitShape();
    double[] b = IN.training(canvas, p, "face-1/orig", 7, 3, true).unitShape();
    assertArrayEquals(a, b, 0);
    boolean moved = false;
    for (int epoch = 1; epoch <= 6; epoch++) {
      double[] e = IN.training(canvas, p, "face-1/orig", 7, epoch, true).unitShape();
      moved |= !Arrays.equals(e, a);
    }
    assertFalse(!moved, "the draws differ across epochs");
    assertArrayEquals(IN.crops(canvas, p).unitShape(), IN.training(canvas, p, "x", 7, 1, false).unitShape(), 0);
  }

  @Test
  void boxJitterMovesTheCropsAndTheLandmarksTogether() {
    // without pixel noise, so that the blob's centroid is exact
    MsrrnInputs jittered = new MsrrnInputs(F, ConfigAugment.defaults().withNoiseSigma(0), 3, 0.2, 0.2);
    double[] where = {110, 84};
    GrayImage canvas = blob(where[0], where[1]);
    Shape p = Shape.of(where);
    double[] plain = IN.crops(canvas, p).unitShape();
    double[] minMax = {Double.MAX_VALUE, -Double.MAX_VALUE};
    for (int epoch = 1; epoch <= 12; epoch++) {
      MsrrnInputs.Example ex = jittered.training(canvas, p, "face-2/orig", 7, epoch, true);
      // the blob is where the landmark says in every crop
      for (int i = 0; i < 3; i++) {
        int size = jittered.cropSizes()[i];
        double[] c = centroid(ex.crops()[i]);
        assertEquals(ex.unitShape()[0] * size - 0.5, c[0], 0.1 * Math.max(1, size / 50.0), "x, epoch " + epoch);
        assertEquals(ex.unitShape()[1] * size - 0.5, c[1], 0.1 * Math.max(1, size / 50.0), "y, epoch " + epoch);
      }
      double dx = ex.unitShape()[0] - plain[0];
      minMax[0] = Math.min(minMax[0], dx);
      minMax[1] = Math.max(minMax[1], dx);
      // a rotation within 15 degrees, a scale within 1 +- 0.2 about the centre and a shift within 0.2 box sides
      // (1 / 1.4 of the unit frame) keep the landmark within that reach of where it was
      double reach = Math.hypot(plain[0] - 0.5, plain[1] - 0.5) * (1.2 * 2 * Math.sin(Math.toRadians(7.5)) + 0.2)
          + Math.sqrt(2) * 0.2 / 1.4;
      assertEquals(0, Math.hypot(dx, ex.unitShape()[1] - plain[1]), reach, "epoch " + epoch);
    }
    // the shift is drawn: over 12 epochs the landmark moves both ways by more than a pixel of the 50-px crop
    assertTrue(minMax[0] < -1 / 50.0 && minMax[1] > 1 / 50.0, Arrays.toString(minMax));
    // without jitter, the draws and crops are those of the plain inputs, bit for bit
    MsrrnInputs none = new MsrrnInputs(F, ConfigAugment.defaults(), 3, 0, 0);
    for (int epoch = 1; epoch <= 3; epoch++) {
      MsrrnInputs.Example a = IN.training(canvas, p, "face-2/orig", 7, epoch, true);
      MsrrnInputs.Example b = none.training(canvas, p, "face-2/orig", 7, epoch, true);
      assertArrayEquals(a.unitShape(), b.unitShape(), 0);
      assertArrayEquals(a.crops()[1].toArray(), b.crops()[1].toArray(), 0f);
    }
    assertThrows(IllegalArgumentException.class, () -> new MsrrnInputs(F, ConfigAugment.defaults(), 3, 0.5, 0));
    assertThrows(IllegalArgumentException.class, () -> new MsrrnInputs(F, ConfigAugment.defaults(), 3, 0, -0.1));
  }

  @Test
  void stagesBeyondTheLastScaleReadTheFinestCropAgain() {
    MsrrnInputs five = new MsrrnInputs(F, ConfigAugment.defaults(), 5);
    assertArrayEquals(new int[] {50, 100, 200, 200, 200}, five.cropSizes());
    GrayImage canvas = blob(110, 84);
    Shape p = Shape.of(new double[] {110, 84});
    MsrrnInputs.Example a = five.training(canvas, p, "face-3/orig", 7, 2, true);
    MsrrnInputs.Example b = IN.training(canvas, p, "face-3/orig", 7, 2, true);
    assertArrayEquals(b.unitShape(), a.unitShape(), 0);
    for (int t = 0; t < 5; t++) {
      // the same draw (rotation, noise) as three stages; the extra stages see the finest crop, noise and all
      assertArrayEquals(b.crops()[Math.min(t, 2)].toArray(), a.crops()[t].toArray(), 0f, "stage " + (t + 1));
    }
    assertArrayEquals(new int[] {50, 100, 100}, new MsrrnInputs(F, ConfigAugment.defaults().withCropSizes(50, 100), 3)
        .cropSizes());
  }
}

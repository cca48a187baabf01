package org.facealign.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Arrays;
import org.facealign.augment.ConfigAugment;
import org.facealign.data.GrayImage;
import org.facealign.data.Shape;
import org.facealign.feature.Canvas16;
import org.facealign.feature.ConfigFeatures;
import org.facealign.model.deepreg.Perturbation;
import org.facealign.model.deepreg.ShapeUnits;
import org.facealign.model.deepreg.TrainingSample;
import org.facealign.model.msrrn.MsrrnInputs;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/** MSRRN's training examples with the perturbation of S0: its input, its law and its draws. */
class MsrrnExamplesTest {
  private static final ConfigFeatures F = ConfigFeatures.defaults();
  private static final MsrrnInputs IN = new MsrrnInputs(F, ConfigAugment.defaults(), 3);
  private static final ShapeUnits U = new ShapeUnits(F);
  /** Standard deviations of the perturbation: tx, ty (unit frame), log scale, angle (radians). */
  private static final double[] STD = {0.02, 0.03, 0.05, 0.08};

  /** A sample whose 20 landmarks lie on an ellipse about the canvas centre, on a flat canvas. */
  private static TrainingSample sample() {
    int n = F.canvasSize();
    double[] xy = new double[40];
    for (int i = 0; i < 20; i++) {
      double a = 2 * Math.PI * i / 20;
      xy[2 * i] = n / 2.0 + 40 * Math.cos(a);
      xy[2 * i + 1] = n / 2.0 + 55 * Math.sin(a);
    }
    float[] px = new float[n * n];
    Arrays.fill(px, 100);
    return new TrainingSample("face", "orig", n, Canvas16.encode(GrayImage.of(n, n, px)), new float[0],
        U.toUnits(Shape.of(xy)));
  }

  /** Statistics with zero means and the standard deviations {@link #STD}: the four signs of each. */
  private static Perturbation.Stats stats() {
    Perturbation.Stats s = new Perturbation.Stats();
    for (int k = 0; k < 4; k++) {
      double[] v = new double[4];
      v[k] = STD[k] * 2;
      s.add(v);
      v = v.clone();
      v[k] = -STD[k] * 2;
      s.add(v);
    }
    return s.finish();
  }

  /** {@code s} moved by the similarity (tx, ty, log scale, angle) about its centroid. */
  private static double[] similarity(double[] s, double[] t) {
    int p = s.length / 2;
    double cx = 0;
    double cy = 0;
    for (int i = 0; i < p; i++) {
      cx += s[2 * i] / p;
      cy += s[2 * i + 1] / p;
    }
    double a = Math.exp(t[2]) * Math.cos(t[3]);
    double b = Math.exp(t[2]) * Math.sin(t[3]);
    double[] o = new double[s.length];
    for (int i = 0; i < p; i++) {
      double x = s[2 * i] - cx;
      double y = s[2 * i + 1] - cy;
      o[2 * i] = cx + t[0] + a * x - b * y;
      o[2 * i + 1] = cy + t[1] + b * x + a * y;
    }
    return o;
  }

  private static double[] shift(MultiDataSet m) {
    return m.getFeatures(3).toDoubleVector();
  }

  @Test
  void withoutPerturbationTheCropsAreTheOnlyFeatures() {
    MsrrnTrainer.Examples ex = new MsrrnTrainer.Examples(IN, U, 5L, false, 3, null);
    assertEquals(3, ex.make(sample(), 1).getFeatures().length);
  }

  @Test
  void eachEpochMovesTheTargetBySimilarityWithTheGivenSpread() {
    TrainingSample s = sample();
    MsrrnTrainer.Examples ex = new MsrrnTrainer.Examples(IN, U, 5L, false, 3, new Perturbation(stats(), 11L));
    double[] target = IN.toUnit(U.toCanonical(s.target()));
    int draws = 600;
    double[][] sim = new double[draws][];
    for (int e = 0; e < draws; e++) {
      MultiDataSet m = ex.make(s, e);
      assertEquals(4, m.getFeatures().length);
      assertArrayEquals(new long[] {1, target.length}, m.getFeatures(3).shape());
      double[] d = shift(m);
      double[] moved = target.clone();
      for (int i = 0; i < moved.length; i++) {
        moved[i] += d[i];
      }
      sim[e] = Perturbation.fit(target, moved);
      // the move is a similarity of the target: refitting it leaves no residual
      double[] back = similarity(target, sim[e]);
      assertArrayEquals(moved, back, 1e-5);
    }
    assertArrayEquals(shift(ex.make(s, 7)), shift(ex.make(s, 7)), 0.0, "a draw is a function of seed, name and epoch");
    assertFalse(Arrays.equals(shift(ex.make(s, 7)), shift(ex.make(s, 8))), "each epoch draws afresh");
    for (int k = 0; k < 4; k++) {
      double mean = 0;
      double sq = 0;
      for (double[] v : sim) {
        mean += v[k] / draws;
        sq += v[k] * v[k] / draws;
      }
      double sd = Math.sqrt(sq - mean * mean);
      // 600 draws: the sample deviation is within about 3 % of the true one, the mean within 0.05 of it
      assertEquals(STD[k], sd, 0.12 * STD[k], "standard deviation of component " + k);
      assertEquals(0, mean, 0.15 * STD[k], "mean of component " + k);
    }
  }
}

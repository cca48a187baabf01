package org.facealign.model.deepreg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The perturbed starts have the statistics they are drawn with, and their draws are reproducible. */
class PerturbationTest {
  /** A 5-point shape, not symmetric, in face units. */
  private static final double[] S0 = {-0.3, -0.2, 0.25, -0.22, 0.02, 0.05, -0.2, 0.3, 0.22, 0.28};

  /** Statistics of two similarities: means (2, 0, 0, 0) x 0.01, deviations (1, 2, 10, 5) x 0.01. */
  private static Perturbation.Stats stats() {
    return new Perturbation.Stats().add(new double[] {0.03, 0.02, 0.1, 0.05})
        .add(new double[] {0.01, -0.02, -0.1, -0.05}).finish();
  }

  @Test
  void fitRecoversTheSimilarity() {
    double[] moved = Perturbation.similarity(S0, 0.04, -0.03, 1.2, 0.3);
    assertArrayEquals(new double[] {0.04, -0.03, Math.log(1.2), 0.3}, Perturbation.fit(S0, moved), 1e-12);
  }

  @Test
  void statisticsAreMeanAndDeviation() {
    Perturbation.Stats s = stats();
    assertArrayEquals(new double[] {0.02, 0, 0, 0}, s.mean(), 1e-15);
    assertArrayEquals(new double[] {0.01, 0.02, 0.1, 0.05}, s.std(), 1e-15);
  }

  @Test
  void scaledStatisticsKeepTheMeansAndMultiplyTheDeviations() {
    Perturbation.Stats s = stats().scaled(2.5);
    assertArrayEquals(new double[] {0.02, 0, 0, 0}, s.mean(), 1e-15);
    assertArrayEquals(new double[] {0.025, 0.05, 0.25, 0.125}, s.std(), 1e-15);
    // scale 0: every start is s0 moved by the mean similarity alone
    double[] mean = Perturbation.similarity(S0, 0.02, 0, 1, 0);
    assertArrayEquals(mean, new Perturbation(stats().scaled(0), 3L).starts("face-1", S0, 3)[2], 1e-15);
  }

  @Test
  void startsBeginWithS0AndAreReproducible() {
    Perturbation p = new Perturbation(stats(), 7L);
    double[][] a = p.starts("face-1", S0, 5);
    assertArrayEquals(S0, a[0], 0.0);
    for (int k = 0; k < 5; k++) {
      assertArrayEquals(a[k], p.starts("face-1", S0, 5)[k], 0.0);
    }
    assertFalse(Arrays.equals(a[1], a[2]));
    assertFalse(Arrays.equals(a[1], p.starts("face-2", S0, 5)[1]));
    assertFalse(Arrays.equals(a[1], new Perturbation(stats(), 8L).starts("face-1", S0, 5)[1]));
  }

  @Test
  void drawsAreFreshPerStreamWithTheStatistics() {
    Perturbation.Stats target = stats();
    Perturbation p = new Perturbation(target, 11L);
    assertArrayEquals(p.draw("face-1", S0, 3), p.draw("face-1", S0, 3), 0.0);
    assertFalse(Arrays.equals(p.draw("face-1", S0, 3), p.draw("face-1", S0, 4)));
    assertFalse(Arrays.equals(p.draw("face-1", S0, 3), p.draw("face-2", S0, 3)));
    int n = 4000;
    Perturbation.Stats seen = new Perturbation.Stats();
    for (int e = 0; e < n; e++) {
      seen.add(Perturbation.fit(S0, p.draw("face-1", S0, e)));
    }
    seen.finish();
    for (int i = 0; i < 4; i++) {
      double sd = target.std()[i];
      // the sample mean within 4 standard errors, the sample deviation within 10 %
      assertEquals(target.mean()[i], seen.mean()[i], 4 * sd / Math.sqrt(n), "mean of parameter " + i);
      assertEquals(sd, seen.std()[i], 0.1 * sd, "deviation of parameter " + i);
    }
  }
}

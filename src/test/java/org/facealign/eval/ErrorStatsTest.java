package org.facealign.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class ErrorStatsTest {

  private static final double[] FIVE = {0.01, 0.02, 0.05, 0.09, 0.2};

  @Test
  void fiveErrorsByHand() {
    ErrorStats s = ErrorStats.of(FIVE);
    assertEquals(5, s.faces());
    assertEquals(0.074, s.mean(), 1e-12);
    assertEquals(0.05, s.median(), 0.0);
    assertEquals(0.4, s.failureRate008(), 1e-12);
    assertEquals(0.2, s.failureRate010(), 1e-12);
    // (0.07 + 0.06 + 0.03 + 0 + 0) / 5 / 0.08
    assertEquals(0.4, s.auc008(), 1e-12);
    // "below" includes the threshold: 0.05 itself counts
    assertEquals(0.6, s.below005(), 1e-12);
    assertEquals(0.8, s.below010(), 1e-12);
  }

  @Test
  void orderOfInputDoesNotMatter() {
    assertEquals(ErrorStats.of(FIVE), ErrorStats.of(new double[] {0.2, 0.05, 0.01, 0.09, 0.02}));
  }

  @Test
  void evenCountMedianIsTheMeanOfTheMiddleTwo() {
    ErrorStats s = ErrorStats.of(new double[] {0.4, 0.1, 0.3, 0.2});
    assertEquals(0.25, s.median(), 1e-12);
    assertEquals(0.25, s.mean(), 1e-12);
  }

  @Test
  void singleFace() {
    ErrorStats s = ErrorStats.of(new double[] {0.08});
    assertEquals(0.08, s.median(), 0.0);
    assertEquals(0.0, s.failureRate008(), 0.0); // 0.08 is not > 0.08
    assertEquals(0.0, s.auc008(), 0.0);
    assertEquals(0.0, s.below005(), 0.0);
    assertEquals(1.0, s.below010(), 0.0);
  }

  @Test
  void emptyHasZeroFacesAndNoMetrics() {
    ErrorStats s = ErrorStats.of(new double[0]);
    assertEquals(0, s.faces());
    assertTrue(s.isEmpty());
    assertTrue(Double.isNaN(s.mean()));
    assertTrue(Double.isNaN(s.auc008()));
  }

  @Test
  void invalidErrorsAreRejected() {
    assertThrows(IllegalArgumentException.class, () -> ErrorStats.of(new double[] {0.1, Double.NaN}));
    assertThrows(IllegalArgumentException.class, () -> ErrorStats.of(new double[] {-0.01}));
  }

  @Test
  void cedCountsErrorsAtMostEachThreshold() {
    double[] c = Ced.curve(FIVE, new double[] {0, 0.01, 0.015, 0.05, 0.1, 0.2, 1});
    assertArrayEquals(new double[] {0, 0.2, 0.2, 0.6, 0.8, 1.0, 1.0}, c, 1e-12);
    assertArrayEquals(new double[] {0, 0}, Ced.curve(new double[0], new double[] {0, 1}), 0.0);
  }

  @Test
  void gridIncludesBothEnds() {
    double[] g = Ced.grid(0.15, 0.001);
    assertEquals(151, g.length);
    assertEquals(0.0, g[0], 0.0);
    assertEquals(0.15, g[150], 0.0);
    assertEquals(0.075, g[75], 1e-15);
    assertArrayEquals(new double[] {0, 0.4, 0.8}, Ced.grid(1.0, 0.4), 1e-15);
    assertThrows(IllegalArgumentException.class, () -> Ced.grid(0.1, 0));
  }

  @Test
  void exactAucMatchesTrapezoidOfTheCed() {
    Random rnd = new Random(42);
    double[] errors = new double[500];
    for (int i = 0; i < errors.length; i++) {
      errors[i] = Math.abs(0.05 + 0.03 * rnd.nextGaussian());
    }
    for (double[] e : new double[][] {FIVE, errors}) {
      double step = 1e-5;
      double[] grid = Ced.grid(0.08, step);
      double[] ced = Ced.curve(e, grid);
      double area = 0;
      for (int k = 1; k < grid.length; k++) {
        area += (ced[k] + ced[k - 1]) / 2 * (grid[k] - grid[k - 1]);
      }
      double exact = ErrorStats.of(e).auc008();
      assertEquals(exact, area / 0.08, 1e-3);
      assertTrue(exact > 0.05 && exact < 0.95, "a non-trivial AUC: " + exact);
    }
  }

  @Test
  void failureAndBelowAreComplementary() {
    ErrorStats s = ErrorStats.of(new double[] {0.1, 0.1000001, 0.03});
    assertEquals(1.0, s.below010() + s.failureRate010(), 1e-12);
    assertEquals(1.0 / 3, s.failureRate010(), 1e-12);
  }
}

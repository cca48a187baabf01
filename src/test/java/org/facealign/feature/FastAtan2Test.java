package org.facealign.feature;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class FastAtan2Test {

  @Test
  void agreesWithMathAtan2() {
    Random r = new Random(3);
    double worst = 0;
    for (int i = 0; i < 200_000; i++) {
      double scale = Math.pow(10, 6 * r.nextDouble() - 3);
      double x = scale * r.nextGaussian();
      double y = scale * r.nextGaussian();
      worst = Math.max(worst, Math.abs(FastAtan2.atan2(y, x) - Math.atan2(y, x)));
    }
    System.out.printf("fast atan2: max error %.2e rad%n", worst);
    assertTrue(worst < 1e-8, "max error " + worst);
  }

  @Test
  void axesDiagonalsAndReductionBoundariesAreExactEnough() {
    double[][] cases = {
      {0, 1}, {1, 0}, {0, -1}, {-1, 0}, {1, 1}, {-1, 1}, {1, -1}, {-1, -1}, {2 - Math.sqrt(3), 1},
      {1, 2 - Math.sqrt(3)}, {Math.nextUp(2 - Math.sqrt(3)), 1}, {1e-300, 1}, {1, 1e-300}, {-3, 1e-9}, {5, -7},
    };
    for (double[] c : cases) {
      assertEquals(Math.atan2(c[0], c[1]), FastAtan2.atan2(c[0], c[1]), 1e-8, c[0] + ", " + c[1]);
    }
    assertEquals(0, FastAtan2.atan2(0, 0));
  }

  @Test
  void mirrorsAreSymmetric() {
    Random r = new Random(4);
    for (int i = 0; i < 10_000; i++) {
      double x = r.nextGaussian();
      double y = r.nextGaussian();
      // θ -> π - θ, modulo 2π
      double d = (Math.PI - FastAtan2.atan2(y, x)) - FastAtan2.atan2(y, -x);
      assertEquals(0, Math.IEEEremainder(d, 2 * Math.PI), 1e-15);
      assertEquals(-FastAtan2.atan2(y, x), FastAtan2.atan2(-y, x), 0);
    }
  }
}

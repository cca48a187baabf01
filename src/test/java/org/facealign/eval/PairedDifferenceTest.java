package org.facealign.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class PairedDifferenceTest {

  @Test
  void meanStandardErrorAndCountsOfASmallExample() {
    // differences 1, 0, -2, 0: mean -0.25, sample variance 4.75 / 3
    PairedDifference d = PairedDifference.of(new double[] {1, 2, 3, 4}, new double[] {0, 2, 5, 4}, 1000, 0.95, 3);
    assertEquals(4, d.faces());
    assertEquals(2.5, d.meanA(), 1e-15);
    assertEquals(2.75, d.meanB(), 1e-15);
    assertEquals(-0.25, d.difference(), 1e-15);
    assertEquals(Math.sqrt(4.75 / 3 / 4), d.standardError(), 1e-15);
    assertEquals(1, d.aBetter());
    assertEquals(1, d.bBetter());
    // a resampled mean of four of the differences lies between -2 and 1, in steps of a quarter
    assertTrue(d.lower() >= -2 && d.lower() <= d.difference() && d.upper() >= d.difference() && d.upper() <= 1,
        d.toString());
    assertEquals(Math.rint(d.lower() * 4), d.lower() * 4, 1e-12);
    assertEquals(Math.rint(d.upper() * 4), d.upper() * 4, 1e-12);
  }

  @Test
  void theBootstrapIntervalMatchesTheNormalOneForManyFaces() {
    Random r = new Random(11);
    int n = 3000;
    double[] a = new double[n];
    double[] b = new double[n];
    for (int i = 0; i < n; i++) {
      double face = 0.03 + 0.02 * Math.abs(r.nextGaussian()); // the faces' own difficulty, shared by both
      a[i] = face + 0.004 * r.nextGaussian();
      b[i] = face + 0.0005 + 0.004 * r.nextGaussian();
    }
    PairedDifference d = PairedDifference.of(a, b, 4000, 0.95, 5);
    double half = 1.959964 * d.standardError();
    assertEquals(d.difference() - half, d.lower(), 0.1 * half);
    assertEquals(d.difference() + half, d.upper(), 0.1 * half);
    assertEquals(-0.0005, d.difference(), 3 * d.standardError());
    assertEquals(0.004 * Math.sqrt(2) / Math.sqrt(n), d.standardError(), 0.05 * d.standardError());
    // seeded: the same interval again; another seed moves it by resampling noise only
    PairedDifference again = PairedDifference.of(a, b, 4000, 0.95, 5);
    assertEquals(d, again);
    PairedDifference other = PairedDifference.of(a, b, 4000, 0.95, 6);
    assertTrue(other.lower() != d.lower() && Math.abs(other.lower() - d.lower()) < 0.1 * half);
  }

  @Test
  void swappingTheModelsNegatesTheDifferenceAndMirrorsTheCounts() {
    double[] a = {0.05, 0.04, 0.07, 0.02, 0.05};
    double[] b = {0.04, 0.04, 0.06, 0.03, 0.09};
    PairedDifference ab = PairedDifference.of(a, b, 500, 0.9, 1);
    PairedDifference ba = PairedDifference.of(b, a, 500, 0.9, 1);
    assertEquals(-ab.difference(), ba.difference(), 1e-17);
    assertEquals(ab.standardError(), ba.standardError(), 1e-17);
    assertEquals(ab.aBetter(), ba.bBetter());
    assertEquals(ab.bBetter(), ba.aBetter());
    assertEquals(-ab.upper(), ba.lower(), 1e-15); // the same resamples, negated
    assertEquals(2, ab.aBetter()); // differences 0.01, 0, 0.01, -0.01, -0.04: one tie
    assertEquals(2, ab.bBetter());
  }

  @Test
  void refusesWhatCannotBeCompared() {
    assertThrows(IllegalArgumentException.class, () -> PairedDifference.of(new double[2], new double[3], 100, 0.95, 1));
    assertThrows(IllegalArgumentException.class, () -> PairedDifference.of(new double[0], new double[0], 100, 0.95, 1));
    assertThrows(IllegalArgumentException.class,
        () -> PairedDifference.of(new double[] {Double.NaN}, new double[1], 100, 0.95, 1));
    assertThrows(IllegalArgumentException.class, () -> PairedDifference.of(new double[1], new double[1], 99, 0.95, 1));
    assertThrows(IllegalArgumentException.class, () -> PairedDifference.of(new double[1], new double[1], 100, 1, 1));
  }
}

package org.facealign.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class DecimalsTest {

  @Test
  void numbersAreWrittenAsTheShortestDecimalThatReadsBack() {
    assertEquals("0.1", Decimals.shortest(0.1));
    assertEquals("0.30000000000000004", Decimals.shortest(0.1 + 0.2));
    assertEquals("15", Decimals.shortest(15));
    assertEquals("0", Decimals.shortest(0.0));
    assertEquals("-0", Decimals.shortest(-0.0));
    assertEquals("100000000000000000000000", Decimals.shortest(1e23));
    assertEquals("0.0000001", Decimals.shortest(1e-7));
    for (double v : new double[] {Math.PI, Math.nextUp(0.5), 2e-300, Double.MAX_VALUE, -123.456}) {
      assertEquals(v, Double.parseDouble(Decimals.shortest(v)), 0);
    }
  }

  @Test
  void decimalsAreShortestAndExact() {
    assertEquals("0.002", Decimals.shortest(0.002));
    assertEquals("0.1", Decimals.shortest(0.1));
    assertEquals("2", Decimals.shortest(2.0));
    assertEquals("1.5", Decimals.shortest(1.5));
    assertEquals("-0", Decimals.shortest(-0.0));
    for (double v : new double[] {Math.nextUp(2.0), 0.25 + 1e-12, 1e-300, Math.PI, 123456.789e10}) {
      assertEquals(v, Double.parseDouble(Decimals.shortest(v)));
    }
  }}

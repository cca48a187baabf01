package org.facealign.data;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * Text of numbers for hashed canonical strings (feature and augmentation settings): the shortest plain
 * decimal that parses back to exactly the same double, so the text does not depend on the JDK's
 * {@code Double.toString} (whose output changed in JDK 19).
 */
public final class Decimals {
  private Decimals() {}

  /** The shortest plain decimal that parses back to {@code v} (NaN and infinities by name). */
  public static String shortest(double v) {
    if (!Double.isFinite(v)) {
      return Double.isNaN(v) ? "NaN" : (v > 0 ? "Infinity" : "-Infinity");
    }
    if (v == 0) {
      return (1 / v < 0) ? "-0" : "0";
    }
    BigDecimal exact = new BigDecimal(v);
    for (int digits = 1; digits < 17; digits++) {
      BigDecimal r = exact.round(new MathContext(digits, RoundingMode.HALF_EVEN));
      if (Double.parseDouble(r.toString()) == v) {
        return r.stripTrailingZeros().toPlainString();
      }
    }
    return exact.round(new MathContext(17, RoundingMode.HALF_EVEN)).stripTrailingZeros().toPlainString();
  }
}

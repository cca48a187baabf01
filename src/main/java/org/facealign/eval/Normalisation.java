package org.facealign.eval;

import java.util.List;

/**
 * The two ways a face's mean point error is normalised (see {@link Nme}): by the inter-pupil distance
 * (Shi et al. 2014, Wang et al. 2017 MSRRN) or by the inter-ocular, outer-eye-corner distance (300-W,
 * Sagonas et al.).
 */
public enum Normalisation {
  /** Divided by the distance between the eye centres (means of points 36-41 and 42-47). */
  INTER_PUPIL("ip", "inter-pupil"),
  /** Divided by the distance between the outer eye corners (points 36 and 45). */
  INTER_OCULAR("io", "inter-ocular");

  private final String key;
  private final String label;

  Normalisation(String key, String label) {
    this.key = key;
    this.label = label;
  }

  /** Short key used in report files: {@code ip} or {@code io}. */
  public String key() {
    return key;
  }

  /** Human-readable name: {@code inter-pupil} or {@code inter-ocular}. */
  public String label() {
    return label;
  }

  /** This normalisation's error of one face. */
  public double of(FaceResult r) {
    return this == INTER_PUPIL ? r.ipNme() : r.ioNme();
  }

  /** This normalisation's errors of the given faces, in order. */
  public double[] errors(List<FaceResult> results) {
    double[] e = new double[results.size()];
    for (int i = 0; i < e.length; i++) {
      e[i] = of(results.get(i));
    }
    return e;
  }
}

package org.facealign.registry;

import java.io.Serializable;
import java.util.List;

/**
 * Settings of nightly retraining ({@code facealign.nightly} in {@code reference.conf}, where each key has its
 * default).
 *
 * @param gatedSubsets test subsets the gate compares candidate and production on (each must have faces)
 * @param tolerance relative tolerance of the gate's first rule (candidate mean NME at most production's times 1 +
 *     tolerance)
 * @param bootstrapSamples resamples of the gate's paired bootstrap
 * @param confidence one-sided confidence of the paired bootstrap
 * @param warmStart start from the production model when its configuration is compatible
 * @param warmEpochs epochs of a warm run (DeepReg's joint phase, MSRRN's training) instead of the cold schedule
 * @param keepVersions versions the registry keeps (production and the one before it are always kept)
 * @param infraCheckFaces faces whose predictions the published copy must reproduce before the pointer switches
 */
public record ConfigNightly(List<String> gatedSubsets, double tolerance, int bootstrapSamples, double confidence,
    boolean warmStart, int warmEpochs, int keepVersions, int infraCheckFaces) implements Serializable {

  public ConfigNightly {
    gatedSubsets = List.copyOf(gatedSubsets);
    if (gatedSubsets.isEmpty()) {
      throw new IllegalArgumentException("gated-subsets: at least one test subset is needed");
    }
    new Gate(tolerance, bootstrapSamples, confidence, 0); // validates those three
    if (warmEpochs < 1) {
      throw new IllegalArgumentException("warm-epochs must be at least 1, got " + warmEpochs);
    }
    if (keepVersions < 2) {
      throw new IllegalArgumentException("keep-versions must be at least 2 (production and the one before), got " + keepVersions);
    }
    if (infraCheckFaces < 1) {
      throw new IllegalArgumentException("infra-check-faces must be at least 1, got " + infraCheckFaces);
    }
  }

  /** The gate these settings describe, seeded by {@code seed}. */
  public Gate gate(long seed) {
    return new Gate(tolerance, bootstrapSamples, confidence, seed);
  }
}

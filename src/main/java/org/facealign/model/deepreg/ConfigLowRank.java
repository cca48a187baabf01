package org.facealign.model.deepreg;

import java.io.Serializable;
import java.util.List;

/**
 * Settings of the reduced-rank local layers ({@link ReducedRank}); {@code facealign.deepreg.low-rank} in the
 * configuration. After training, every candidate rank is measured on the validation faces and the smallest whose
 * final IP-NME is within {@code tolerance} of the full-rank cascade's is kept; none, and the layers stay full.
 *
 * @param ranks candidate ranks of the local layers, each at least 1 (empty: the layers stay full rank)
 * @param tolerance how much the validation IP-NME may rise, as a fraction (0.0002 = 0.02 point)
 */
public record ConfigLowRank(List<Integer> ranks, double tolerance) implements Serializable {

  /** The defaults of {@code reference.conf}. */
  public static ConfigLowRank defaults() {
    return new ConfigLowRank(List.of(32, 48, 64, 80, 96, 112), 0.0002);
  }

  /** @throws IllegalArgumentException naming the first invalid field */
  public ConfigLowRank {
    ranks = List.copyOf(ranks);
    for (int r : ranks) {
      if (r < 1) {
        throw new IllegalArgumentException("low-rank.ranks must be at least 1 each, got " + ranks);
      }
    }
    if (!(tolerance >= 0) || !Double.isFinite(tolerance)) {
      throw new IllegalArgumentException("low-rank.tolerance must be 0 or more, got " + tolerance);
    }
  }

  /** The candidate ranks, smallest first, each once. */
  public List<Integer> ascending() {
    return ranks.stream().distinct().sorted().toList();
  }
}

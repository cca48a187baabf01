package org.facealign.model.deepreg;

import java.util.Locale;

/** The three models of DeepReg's Table 1 (Shi et al. 2014); the name is the model kind. */
public enum Variant {
  /** Global layer + local layers, each stage fitted with the earlier ones fixed; no joint training. */
  SEQUENTIALREG(true, false),
  /** Mean-shape start, local layers pre-trained sequentially then trained jointly. */
  DEEPREGLOCAL(false, true),
  /** Global layer + local layers, pre-trained sequentially then trained jointly. */
  DEEPREG(true, true);

  private final boolean global;
  private final boolean joint;

  Variant(boolean global, boolean joint) {
    this.global = global;
    this.joint = joint;
  }

  /** Whether s0 comes from the global layer on the HOG (else: the mean shape). */
  public boolean global() {
    return global;
  }

  /** Whether the pre-trained cascade is then trained jointly by back-propagation. */
  public boolean joint() {
    return joint;
  }

  /** The model kind, as in {@code facealign.train.model}. */
  public String kind() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The variant of a model kind. */
  public static Variant of(String kind) {
    for (Variant v : values()) {
      if (v.kind().equals(kind)) {
        return v;
      }
    }
    throw new IllegalArgumentException("not a DeepReg variant: " + kind);
  }
}

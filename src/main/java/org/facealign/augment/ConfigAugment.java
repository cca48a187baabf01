package org.facealign.augment;

import java.io.Serializable;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.facealign.data.Decimals;

/**
 * How training faces are augmented and cropped. Immutable; build from {@link #defaults()} with the
 * {@code with...} methods, then {@link #checkValidity()} (the {@link Augmenter} and {@link
 * MultiscaleCrops} check it themselves). The defaults follow DeepReg (Shi et al. 2014: mirrored faces) and
 * MSRRN (Wang et al. 2017: flips, noise σ = 0.5, rotations within ±15°, crops at 50, 100, 200 px); the
 * crop margin and the number of copies are this project's choices (see the package documentation).
 *
 * @param flip add the mirrored copy of every face ("flip"), and let random copies be mirrored by a coin
 * @param noiseSigma standard deviation of the Gaussian pixel noise of random copies, grey levels on 0..255
 * @param maxRotationDeg random copies are rotated in plane by an angle uniform in ±this, degrees, 0..90
 * @param copies number of random augmented copies per face, besides the original and its mirror, 0..1000
 * @param cropSizes side of each multiscale crop in pixels, strictly increasing (coarse to fine), 4..4096
 * @param cropMargin fraction of the box side added on each side of the face box before cropping, 0..1
 * @param seed seed of every random draw; with the face id and copy index it fixes each copy
 */
public record ConfigAugment(
    boolean flip,
    double noiseSigma,
    double maxRotationDeg,
    int copies,
    List<Integer> cropSizes,
    double cropMargin,
    long seed)
    implements Serializable {

  /** Version of the augmentation recipe, part of {@link #canonical()}: bump it when outputs change. */
  public static final int RECIPE_VERSION = 1;

  public ConfigAugment {
    // An unmodifiable copy that may hold nulls, so that checkValidity() reports them by field name.
    cropSizes = cropSizes == null ? null : Collections.unmodifiableList(new ArrayList<>(cropSizes));
  }

  /** Flips on, σ = 0.5, ±15°, no random copies, crops 50/100/200 px, margin 0.2, seed 1. */
  public static ConfigAugment defaults() {
    return new ConfigAugment(true, 0.5, 15, 0, List.of(50, 100, 200), 0.2, 1L);
  }

  public ConfigAugment withFlip(boolean v) {
    return new ConfigAugment(v, noiseSigma, maxRotationDeg, copies, cropSizes, cropMargin, seed);
  }

  public ConfigAugment withNoiseSigma(double v) {
    return new ConfigAugment(flip, v, maxRotationDeg, copies, cropSizes, cropMargin, seed);
  }

  public ConfigAugment withMaxRotationDeg(double v) {
    return new ConfigAugment(flip, noiseSigma, v, copies, cropSizes, cropMargin, seed);
  }

  public ConfigAugment withCopies(int v) {
    return new ConfigAugment(flip, noiseSigma, maxRotationDeg, v, cropSizes, cropMargin, seed);
  }

  public ConfigAugment withCropSizes(List<Integer> v) {
    return new ConfigAugment(flip, noiseSigma, maxRotationDeg, copies, v, cropMargin, seed);
  }

  public ConfigAugment withCropSizes(int... v) {
    List<Integer> l = new ArrayList<>(v.length);
    for (int s : v) {
      l.add(s);
    }
    return withCropSizes(l);
  }

  public ConfigAugment withCropMargin(double v) {
    return new ConfigAugment(flip, noiseSigma, maxRotationDeg, copies, cropSizes, v, seed);
  }

  public ConfigAugment withSeed(long v) {
    return new ConfigAugment(flip, noiseSigma, maxRotationDeg, copies, cropSizes, cropMargin, v);
  }

  /** The crop sizes as an array (call after {@link #checkValidity()}). */
  public int[] cropSizeArray() {
    int[] r = new int[cropSizes.size()];
    for (int i = 0; i < r.length; i++) {
      r[i] = cropSizes.get(i);
    }
    return r;
  }

  /**
   * Throws if a field is out of range.
   *
   * @throws IllegalArgumentException naming the first bad field and its value
   */
  public void checkValidity() {
    if (!(Double.isFinite(noiseSigma) && noiseSigma >= 0 && noiseSigma <= 255)) {
      throw new IllegalArgumentException("noiseSigma must be in 0..255 grey levels, got " + noiseSigma);
    }
    if (!(Double.isFinite(maxRotationDeg) && maxRotationDeg >= 0 && maxRotationDeg <= 90)) {
      throw new IllegalArgumentException("maxRotationDeg must be in 0..90 degrees, got " + maxRotationDeg);
    }
    if (copies < 0 || copies > 1000) {
      throw new IllegalArgumentException("copies must be in 0..1000, got " + copies);
    }
    if (cropSizes == null || cropSizes.isEmpty()) {
      throw new IllegalArgumentException("cropSizes must list at least one size, got " + cropSizes);
    }
    int previous = 0;
    for (Integer s : cropSizes) {
      if (s == null || s < 4 || s > 4096) {
        throw new IllegalArgumentException("cropSizes must be in 4..4096 pixels, got " + cropSizes);
      }
      if (s <= previous) {
        throw new IllegalArgumentException("cropSizes must be strictly increasing (coarse to fine), got " + cropSizes);
      }
      previous = s;
    }
    if (!(Double.isFinite(cropMargin) && cropMargin >= 0 && cropMargin <= 1)) {
      throw new IllegalArgumentException("cropMargin must be in 0..1 of the box side, got " + cropMargin);
    }
  }

  /**
   * The part of {@link #canonical()} that the stored variants of a face depend on: the recipe version, flip, noise,
   * rotation, copies and seed. The MSRRN crop settings are left out: crops are cut from the stored canvas when they
   * are needed, so one feature store serves every choice of them.
   */
  public String storedCanonical() {
    return "augment-v" + RECIPE_VERSION + " flip=" + flip + " noiseSigma=" + Decimals.shortest(noiseSigma)
        + " maxRotationDeg=" + Decimals.shortest(maxRotationDeg) + " copies=" + copies + " seed=" + seed;
  }

  /**
   * Every field as stable text, for cache keys: the same configuration gives the same string on every
   * JVM and JDK version (numbers are written as the shortest decimal that reads back to the same double,
   * computed with {@link BigDecimal}, not with {@link Double#toString}, whose output changed in JDK 19).
   * Starts with the {@link #RECIPE_VERSION}.
   */
  public String canonical() {
    StringBuilder b = new StringBuilder("augment-v").append(RECIPE_VERSION);
    b.append(" flip=").append(flip);
    b.append(" noiseSigma=").append(Decimals.shortest(noiseSigma));
    b.append(" maxRotationDeg=").append(Decimals.shortest(maxRotationDeg));
    b.append(" copies=").append(copies);
    b.append(" cropSizes=");
    if (cropSizes == null) {
      b.append("null");
    } else {
      for (int i = 0; i < cropSizes.size(); i++) {
        b.append(i == 0 ? "" : ",").append(cropSizes.get(i));
      }
    }
    b.append(" cropMargin=").append(Decimals.shortest(cropMargin));
    b.append(" seed=").append(seed);
    return b.toString();
  }

}

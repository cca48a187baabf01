package org.facealign.feature;

import java.math.BigDecimal;
import org.facealign.data.Decimals;
import org.facealign.data.SimilarityTransform;

/**
 * Every parameter of the DeepReg features (Shi, Shan, Chen, "Deep Regression for Face Alignment", 2014):
 * face normalisation, the global HOG of the face (Dalal &amp; Triggs 2005) and the shape-indexed SIFT-like
 * descriptors (Lowe 2004) pooled from blurred orientation maps (DAISY-style, Tola et al. 2010).
 *
 * <p>Immutable. Build one with {@link #defaults()} and {@link #toBuilder()} or {@link #builder()};
 * {@link Builder#build()} calls {@link #checkValidity()}, so an instance is always valid.
 *
 * <p>{@link #canonical()} and {@link #hash()} identify the features a model was trained on: the text holds every
 * field and {@link #FEATURE_CODE_VERSION}, which must be bumped whenever the code computes different numbers from
 * the same configuration. {@link #storedCanonical()}, its canvas and HOG settings, keys a feature store.
 *
 * <p>Guesses (the paper does not give these; see {@code package-info} for the full list):
 *
 * <ul>
 *   <li>{@code blurSigma = 2.0}: a box one cell wide has standard deviation {@code w / sqrt(12)}, 2.3 px
 *       for the 8-px cells of the 32-px patches (1.2 px for the 4-px cells of the last stage). Pooling
 *       a cell as box * Gaussian(2.0) is then close to SIFT's trilinear tent (box * box) for the four
 *       32-px stages without merging the 16-px stage's cells, and the maps are smooth over the
 *       Jacobian step (2 px).
 *   <li>{@code hogClip = 0.2}: Dalal &amp; Triggs' L2-Hys clip.
 *   <li>{@code margin = 0.25}: a 32-px patch around a jaw landmark on the face box border stays inside
 *       the 192-px canvas (32 px of margin = half a 32-px patch plus the box-to-jaw slack).
 * </ul>
 */
public final class ConfigFeatures implements java.io.Serializable {
  /**
   * Version of the feature code: part of {@link #canonical()}. Bump it whenever the code would produce
   * different features from an unchanged configuration (gradient, binning, blur, pooling, normalisation).
   */
  public static final int FEATURE_CODE_VERSION = 2;

  /** Face box mean side in canonical (normalised) pixels. */
  private final int faceSize;
  /** Canvas margin on each side of the face, as a fraction of faceSize. */
  private final double margin;
  /** Side of the square image HOG is computed on (the face box resampled), pixels. */
  private final int hogSize;
  /** HOG cell side, pixels. */
  private final int hogCellSize;
  /** HOG unsigned orientation bins over 0..180 degrees. */
  private final int hogBins;
  /** HOG block side, in cells. */
  private final int hogBlockCells;
  /** HOG block stride, in cells. */
  private final int hogBlockStride;
  /** HOG L2-Hys clip applied after the first L2 normalisation of a block. */
  private final double hogClip;
  /** Signed orientation bins over 0..360 degrees of the response maps (SIFT: 8). */
  private final int orientations;
  /** Standard deviation of the Gaussian blur of each response map, canonical pixels. */
  private final double blurSigma;
  /** Canvas pixels per response-map cell along each axis: 1 full resolution, s pooled over s x s blocks. */
  private final int mapStride;
  /** Cells per patch side of the shape-indexed descriptor (SIFT: 4, giving 4x4 cells). */
  private final int siftCells;
  /** Patch side around each landmark, canonical pixels, one entry per cascade stage. */
  private final int[] patchSizes;
  /** Step of the central finite differences of the descriptor Jacobian, canonical pixels. */
  private final double jacobianEpsilon;
  /** SIFT clip applied after the first L2 normalisation of a descriptor. */
  private final double clip;

  private ConfigFeatures(Builder b) {
    this.faceSize = b.faceSize;
    this.margin = b.margin;
    this.hogSize = b.hogSize;
    this.hogCellSize = b.hogCellSize;
    this.hogBins = b.hogBins;
    this.hogBlockCells = b.hogBlockCells;
    this.hogBlockStride = b.hogBlockStride;
    this.hogClip = b.hogClip;
    this.orientations = b.orientations;
    this.blurSigma = b.blurSigma;
    this.mapStride = b.mapStride;
    this.siftCells = b.siftCells;
    this.patchSizes = b.patchSizes == null ? null : b.patchSizes.clone();
    this.jacobianEpsilon = b.jacobianEpsilon;
    this.clip = b.clip;
  }

  /**
   * The defaults: 128-px faces on a 192-px canvas, 1764-d HOG of a 64-px face, 8 orientations pooled over 2 x 2
   * blocks, 4x4 cells.
   */
  public static ConfigFeatures defaults() {
    return builder().build();
  }

  /** A builder holding the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this configuration's values. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.faceSize = faceSize;
    b.margin = margin;
    b.hogSize = hogSize;
    b.hogCellSize = hogCellSize;
    b.hogBins = hogBins;
    b.hogBlockCells = hogBlockCells;
    b.hogBlockStride = hogBlockStride;
    b.hogClip = hogClip;
    b.orientations = orientations;
    b.blurSigma = blurSigma;
    b.mapStride = mapStride;
    b.siftCells = siftCells;
    b.patchSizes = patchSizes.clone();
    b.jacobianEpsilon = jacobianEpsilon;
    b.clip = clip;
    return b;
  }

  /**
   * Checks every field.
   *
   * @throws IllegalArgumentException naming the first field that is out of range, and why
   */
  public void checkValidity() {
    require(faceSize >= 8 && faceSize <= 4096, "faceSize", "must be in 8..4096", faceSize);
    require(Double.isFinite(margin) && margin >= 0 && margin <= 4, "margin", "must be in 0..4", margin);
    require(hogCellSize >= 1, "hogCellSize", "must be >= 1", hogCellSize);
    require(hogBlockCells >= 1, "hogBlockCells", "must be >= 1", hogBlockCells);
    require(hogBlockStride >= 1, "hogBlockStride", "must be >= 1", hogBlockStride);
    require(hogSize >= 2 && hogSize <= 4096, "hogSize", "must be in 2..4096", hogSize);
    require(hogSize % hogCellSize == 0, "hogSize", "must be a multiple of hogCellSize " + hogCellSize, hogSize);
    require(hogSize / hogCellSize >= hogBlockCells, "hogSize",
        "must hold at least one block of hogBlockCells x hogCellSize = " + hogBlockCells * hogCellSize + " px", hogSize);
    require(hogBins >= 2 && hogBins <= 360, "hogBins", "must be in 2..360", hogBins);
    require(Double.isFinite(hogClip) && hogClip > 0 && hogClip <= 1, "hogClip", "must be in (0, 1]", hogClip);
    require(orientations >= 2 && orientations <= 64 && orientations % 2 == 0, "orientations",
        "must be even (so that a mirror maps bins onto bins) and in 2..64", orientations);
    require(Double.isFinite(blurSigma) && blurSigma > 0 && blurSigma <= 64, "blurSigma", "must be in (0, 64]", blurSigma);
    require(mapStride >= 1 && ResponseMaps.gridSigma(blurSigma, mapStride) > 0, "mapStride",
        "must be >= 1 and below blurSigma sqrt(12) = " + blurSigma * Math.sqrt(12), mapStride);
    require(siftCells >= 1 && siftCells <= 16, "siftCells", "must be in 1..16", siftCells);
    if (patchSizes == null || patchSizes.length == 0) {
      throw new IllegalArgumentException("patchSizes: needs at least one stage, got "
          + (patchSizes == null ? "null" : "[]"));
    }
    for (int i = 0; i < patchSizes.length; i++) {
      require(patchSizes[i] >= 1 && patchSizes[i] <= 4096, "patchSizes",
          "entry " + i + " must be in 1..4096", patchSizes[i]);
    }
    require(Double.isFinite(jacobianEpsilon) && jacobianEpsilon > 0 && jacobianEpsilon <= 64, "jacobianEpsilon",
        "must be in (0, 64]", jacobianEpsilon);
    require(Double.isFinite(clip) && clip > 0 && clip <= 1, "clip", "must be in (0, 1]", clip);
  }

  private static void require(boolean ok, String field, String rule, Object value) {
    if (!ok) {
      throw new IllegalArgumentException(field + ": " + rule + ", got " + value);
    }
  }

  public int faceSize() {
    return faceSize;
  }

  public double margin() {
    return margin;
  }

  public int hogSize() {
    return hogSize;
  }

  public int hogCellSize() {
    return hogCellSize;
  }

  public int hogBins() {
    return hogBins;
  }

  public int hogBlockCells() {
    return hogBlockCells;
  }

  public int hogBlockStride() {
    return hogBlockStride;
  }

  public double hogClip() {
    return hogClip;
  }

  public int orientations() {
    return orientations;
  }

  public double blurSigma() {
    return blurSigma;
  }

  public int mapStride() {
    return mapStride;
  }

  public int siftCells() {
    return siftCells;
  }

  /** The patch sides of every stage, copied. */
  public int[] patchSizes() {
    return patchSizes.clone();
  }

  public double jacobianEpsilon() {
    return jacobianEpsilon;
  }

  public double clip() {
    return clip;
  }

  /** Number of cascade stages (entries of {@code patchSizes}). */
  public int numStages() {
    return patchSizes.length;
  }

  /** Patch side of stage {@code stage} (0-based). */
  public int patchSize(int stage) {
    return patchSizes[stage];
  }

  /** Side of the canonical canvas, {@code round(faceSize (1 + 2 margin))}: 192 by default. */
  public int canvasSize() {
    return SimilarityTransform.canonicalSize(faceSize, margin);
  }

  /** HOG cells per side. */
  public int hogCellsPerSide() {
    return hogSize / hogCellSize;
  }

  /** HOG blocks per side: {@code (cells - blockCells) / blockStride + 1}. */
  public int hogBlocksPerSide() {
    return (hogCellsPerSide() - hogBlockCells) / hogBlockStride + 1;
  }

  /** Length of the HOG vector: blocks² x blockCells² x bins (1764 by default). */
  public int hogDimension() {
    int b = hogBlocksPerSide();
    return b * b * hogBlockCells * hogBlockCells * hogBins;
  }

  /** Length of one landmark's descriptor: siftCells² x orientations (128 by default). */
  public int descriptorLength() {
    return siftCells * siftCells * orientations;
  }

  /**
   * A stable text of every field and {@link #FEATURE_CODE_VERSION}. Real numbers are written as the
   * shortest decimal that parses back to the same double, computed with {@link BigDecimal} (not {@link
   * Double#toString}, whose output changed between JDK releases), so the text is the same on every JVM.
   */
  public String canonical() {
    StringBuilder s = new StringBuilder("facealign.features");
    s.append(";FEATURE_CODE_VERSION=").append(FEATURE_CODE_VERSION);
    s.append(";faceSize=").append(faceSize);
    s.append(";margin=").append(Decimals.shortest(margin));
    s.append(";hogSize=").append(hogSize);
    s.append(";hogCellSize=").append(hogCellSize);
    s.append(";hogBins=").append(hogBins);
    s.append(";hogBlockCells=").append(hogBlockCells);
    s.append(";hogBlockStride=").append(hogBlockStride);
    s.append(";hogClip=").append(Decimals.shortest(hogClip));
    s.append(";orientations=").append(orientations);
    s.append(";blurSigma=").append(Decimals.shortest(blurSigma));
    if (mapStride != 1) {
      // absent at 1, so that the stores and models of releases before the key keep their keys and load as written
      s.append(";mapStride=").append(mapStride);
    }
    s.append(";siftCells=").append(siftCells);
    s.append(";patchSizes=");
    for (int i = 0; i < patchSizes.length; i++) {
      s.append(i == 0 ? "" : ",").append(patchSizes[i]);
    }
    s.append(";jacobianEpsilon=").append(Decimals.shortest(jacobianEpsilon));
    s.append(";clip=").append(Decimals.shortest(clip));
    return s.toString();
  }

  /**
   * The part of {@link #canonical()} that a feature store's values depend on: {@link #FEATURE_CODE_VERSION}, the
   * canvas (face size, margin) and the HOG. The descriptor settings (orientations, blur, map stride, SIFT cells,
   * patch sizes, Jacobian step, clip) are left out: the response maps and descriptors are computed from the stored
   * canvas whenever they are needed, so one store serves every choice of them.
   */
  public String storedCanonical() {
    return "facealign.features.stored"
        + ";FEATURE_CODE_VERSION=" + FEATURE_CODE_VERSION
        + ";faceSize=" + faceSize
        + ";margin=" + Decimals.shortest(margin)
        + ";hogSize=" + hogSize
        + ";hogCellSize=" + hogCellSize
        + ";hogBins=" + hogBins
        + ";hogBlockCells=" + hogBlockCells
        + ";hogBlockStride=" + hogBlockStride
        + ";hogClip=" + Decimals.shortest(hogClip);
  }

  /**
   * The settings {@link #canonical()} wrote (what a saved model carries).
   *
   * @throws IllegalArgumentException if the text is malformed, or was written by another version of the
   *     feature code (its features would not be the ones the model was trained on)
   */
  public static ConfigFeatures parseCanonical(String text) {
    String[] parts = text.split(";");
    if (parts.length < 2 || !parts[0].equals("facealign.features")) {
      throw new IllegalArgumentException("not a feature configuration: " + text);
    }
    java.util.Map<String, String> kv = new java.util.HashMap<>();
    for (int i = 1; i < parts.length; i++) {
      int eq = parts[i].indexOf('=');
      if (eq < 0) {
        throw new IllegalArgumentException("malformed feature setting '" + parts[i] + "' in " + text);
      }
      kv.put(parts[i].substring(0, eq), parts[i].substring(eq + 1));
    }
    if (!String.valueOf(FEATURE_CODE_VERSION).equals(kv.get("FEATURE_CODE_VERSION"))) {
      throw new IllegalArgumentException("features of code version " + kv.get("FEATURE_CODE_VERSION")
          + ", this build computes version " + FEATURE_CODE_VERSION + ": retrain the model");
    }
    try {
      ConfigFeatures f = builder().faceSize(Integer.parseInt(kv.get("faceSize"))).margin(Double.parseDouble(kv.get("margin")))
          .hogSize(Integer.parseInt(kv.get("hogSize"))).hogCellSize(Integer.parseInt(kv.get("hogCellSize")))
          .hogBins(Integer.parseInt(kv.get("hogBins"))).hogBlockCells(Integer.parseInt(kv.get("hogBlockCells")))
          .hogBlockStride(Integer.parseInt(kv.get("hogBlockStride"))).hogClip(Double.parseDouble(kv.get("hogClip")))
          .orientations(Integer.parseInt(kv.get("orientations"))).blurSigma(Double.parseDouble(kv.get("blurSigma")))
          .mapStride(kv.containsKey("mapStride") ? Integer.parseInt(kv.get("mapStride")) : 1)
          .siftCells(Integer.parseInt(kv.get("siftCells")))
          .patchSizes(java.util.Arrays.stream(kv.get("patchSizes").split(",")).mapToInt(Integer::parseInt).toArray())
          .jacobianEpsilon(Double.parseDouble(kv.get("jacobianEpsilon"))).clip(Double.parseDouble(kv.get("clip")))
          .build();
      f.checkValidity();
      return f;
    } catch (NullPointerException | NumberFormatException e) {
      throw new IllegalArgumentException("incomplete or malformed feature configuration: " + text, e);
    }
  }

  /** SHA-256 of {@link #canonical()} (UTF-8), 64 lower-case hex digits. */
  public String hash() {
    return org.facealign.data.Hashes.sha256(canonical());
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ConfigFeatures c && canonical().equals(c.canonical());
  }

  @Override
  public int hashCode() {
    return canonical().hashCode();
  }

  @Override
  public String toString() {
    return "ConfigFeatures[" + canonical() + "]";
  }

  /** Mutable builder; {@link #build()} validates. Every setter returns the builder. */
  public static final class Builder {
    private int faceSize = 128;
    private double margin = 0.25;
    private int hogSize = 64;
    private int hogCellSize = 8;
    private int hogBins = 9;
    private int hogBlockCells = 2;
    private int hogBlockStride = 1;
    private double hogClip = 0.2;
    private int orientations = 8;
    private double blurSigma = 2.0;
    private int mapStride = 2;
    private int siftCells = 4;
    private int[] patchSizes = {32, 32, 32, 32, 16};
    private double jacobianEpsilon = 2.0;
    private double clip = 0.2;

    private Builder() {}

    public Builder faceSize(int v) {
      faceSize = v;
      return this;
    }

    public Builder margin(double v) {
      margin = v;
      return this;
    }

    public Builder hogSize(int v) {
      hogSize = v;
      return this;
    }

    public Builder hogCellSize(int v) {
      hogCellSize = v;
      return this;
    }

    public Builder hogBins(int v) {
      hogBins = v;
      return this;
    }

    public Builder hogBlockCells(int v) {
      hogBlockCells = v;
      return this;
    }

    public Builder hogBlockStride(int v) {
      hogBlockStride = v;
      return this;
    }

    public Builder hogClip(double v) {
      hogClip = v;
      return this;
    }

    public Builder orientations(int v) {
      orientations = v;
      return this;
    }

    public Builder blurSigma(double v) {
      blurSigma = v;
      return this;
    }

    public Builder mapStride(int v) {
      mapStride = v;
      return this;
    }

    public Builder siftCells(int v) {
      siftCells = v;
      return this;
    }

    /** The patch side of each stage (copied); its length is the number of stages. */
    public Builder patchSizes(int... v) {
      patchSizes = v == null ? null : v.clone();
      return this;
    }

    public Builder jacobianEpsilon(double v) {
      jacobianEpsilon = v;
      return this;
    }

    public Builder clip(double v) {
      clip = v;
      return this;
    }

    /**
     * The configuration.
     *
     * @throws IllegalArgumentException naming the first invalid field
     */
    public ConfigFeatures build() {
      ConfigFeatures c = new ConfigFeatures(this);
      c.checkValidity();
      return c;
    }
  }
}

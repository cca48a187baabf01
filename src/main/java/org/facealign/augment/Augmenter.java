package org.facealign.augment;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.facealign.data.FaceBox;
import org.facealign.data.Flip;
import org.facealign.data.GrayImage;
import org.facealign.data.Hashes;
import org.facealign.data.ImageWarp;
import org.facealign.data.LandmarkScheme;
import org.facealign.data.Shape;
import org.facealign.data.SimilarityTransform;

/**
 * Expands one training face into the samples a model trains on: the face itself, its mirror
 * (DeepReg, Shi et al. 2014; MSRRN, Wang et al. 2017) and random copies that are mirrored by a coin,
 * rotated in plane within ±{@code maxRotationDeg} about the box centre and given Gaussian pixel noise
 * (MSRRN: ±15°, σ = 0.5).
 *
 * <p><b>Deterministic and partition-independent.</b> Copy {@code k} of face {@code id} draws from its own
 * {@link SplittableRandom} seeded by {@link #seedFor(long, String, int)}: a mix of the configuration seed,
 * the first 8 bytes of SHA-256 of the id and {@code k}. No state is shared between calls, so a face gives
 * the same samples whichever Spark partition holds it, in whatever order, on whatever thread; and copy k
 * does not change when {@code copies} grows.
 *
 * <p>Choices not fixed by the papers (see the package documentation for the full list): the rotation is
 * about the face-box centre, on a canvas the size of the source with replicated borders; the box is kept
 * (axis-aligned, same size and centre), as a detector reports an in-plane rotated face; a copy is mirrored
 * first, then rotated, then noised; noise is neither clamped nor rounded; the original and its mirror get
 * no noise.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class Augmenter implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Variant name of the unmodified face. */
  public static final String ORIGINAL = "orig";
  /** Variant name of the mirrored face. */
  public static final String FLIPPED = "flip";
  /** Prefix of the random copies' variant names: {@code aug1}, {@code aug2}, ... */
  public static final String COPY_PREFIX = "aug";

  private static final long GOLDEN = 0x9e3779b97f4a7c15L;

  private final ConfigAugment config;

  /** @throws IllegalArgumentException if the configuration is invalid */
  public Augmenter(ConfigAugment config) {
    config.checkValidity();
    this.config = config;
  }

  public ConfigAugment config() {
    return config;
  }

  /**
   * One training sample.
   *
   * @param id the face's id
   * @param variant {@code orig}, {@code flip} or {@code augK} (K from 1)
   * @param image the (transformed) image, same size as the source
   * @param shape the landmarks in {@code image}'s pixels, or null when the face had none
   * @param box the face box in {@code image}'s pixels
   * @param rotationRad the in-plane rotation applied, radians (positive turns x towards y: clockwise on
   *     screen), after any mirroring; 0 for {@code orig} and {@code flip}
   * @param flipped whether the sample was mirrored
   */
  public record Sample(
      String id, String variant, GrayImage image, Shape shape, FaceBox box, double rotationRad, boolean flipped)
      implements Serializable {
    public Sample {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(variant, "variant");
      Objects.requireNonNull(image, "image");
      Objects.requireNonNull(box, "box");
    }
  }

  /**
   * A rotated face.
   *
   * @param image the source warped by {@code transform}, same size
   * @param shape the landmarks under {@code transform}, or null
   * @param box the box, unchanged
   * @param transform source pixels to rotated pixels: rotation about the box centre
   */
  public record Rotated(GrayImage image, Shape shape, FaceBox box, SimilarityTransform transform)
      implements Serializable {}

  /**
   * The random part of one copy, without any image work.
   *
   * @param flip whether the copy is mirrored
   * @param rotationRad its rotation, radians, uniform in ±{@code maxRotationDeg}
   */
  public record Draw(boolean flip, double rotationRad) {}

  /**
   * The samples of one face: {@code orig}; {@code flip} if {@link ConfigAugment#flip()}; then {@code aug1}
   * .. {@code augN} for N = {@link ConfigAugment#copies()}.
   *
   * @param id a stable identifier of the face (the same on every run, e.g. its image path and box)
   * @param shape landmarks, or null (then the samples have none)
   * @param scheme the landmark scheme, for mirroring
   */
  public List<Sample> expand(String id, GrayImage image, Shape shape, FaceBox box, LandmarkScheme scheme) {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(image, "image");
    Objects.requireNonNull(box, "box");
    List<Sample> out = new ArrayList<>(2 + config.copies());
    out.add(new Sample(id, ORIGINAL, image, shape, box, 0, false));
    Flip.Flipped mirrored = null;
    if (config.flip()) {
      mirrored = flip(image, shape, box, scheme);
      out.add(new Sample(id, FLIPPED, mirrored.image(), mirrored.shape(), mirrored.box(), 0, true));
    }
    long idHash = Hashes.hash64(id);
    for (int k = 1; k <= config.copies(); k++) {
      SplittableRandom rng = new SplittableRandom(seedFor(config.seed(), idHash, k));
      Draw d = draw(rng);
      GrayImage img = image;
      Shape s = shape;
      FaceBox b = box;
      if (d.flip()) {
        img = mirrored.image();
        s = mirrored.shape();
        b = mirrored.box();
      }
      Rotated r = rotate(img, s, b, d.rotationRad());
      GrayImage noisy = addNoise(r.image(), config.noiseSigma(), rng);
      out.add(new Sample(id, COPY_PREFIX + k, noisy, r.shape(), r.box(), d.rotationRad(), d.flip()));
    }
    return out;
  }

  /** The flip and rotation that copy {@code k} of face {@code id} gets in {@link #expand}. */
  public Draw draw(String id, int k) {
    return draw(new SplittableRandom(seedFor(config.seed(), id, k)));
  }

  /** The first draws of a copy's stream: the coin (drawn even when flips are off), then the angle. */
  private Draw draw(SplittableRandom rng) {
    boolean coin = rng.nextBoolean();
    double u = rng.nextDouble();
    double theta = Math.toRadians(config.maxRotationDeg()) * (2 * u - 1);
    return new Draw(config.flip() && coin, theta);
  }

  /**
   * Rotates a face by {@code theta} radians about its box centre. The image is resampled bilinearly with
   * {@link ImageWarp} on a canvas of the same size (borders replicated); the landmarks go through the same
   * transform; the box is returned unchanged.
   *
   * @param shape landmarks, or null
   */
  public static Rotated rotate(GrayImage image, Shape shape, FaceBox box, double theta) {
    SimilarityTransform t = SimilarityTransform.rotationAbout(theta, box.centerX(), box.centerY());
    GrayImage img = theta == 0 ? image : ImageWarp.warp(image, t, image.width(), image.height());
    return new Rotated(img, shape == null ? null : t.apply(shape), box, t);
  }

  /**
   * The image plus independent Gaussian noise of standard deviation {@code sigma} on every pixel, not
   * clamped to 0..255 (clamping would bias it at the extremes) nor rounded. Gaussian values come from
   * Marsaglia's polar method on {@code rng.nextDouble()}, a fixed algorithm, so a seeded generator gives
   * the same noise on every JDK.
   */
  public static GrayImage addNoise(GrayImage image, double sigma, RandomGenerator rng) {
    if (!(sigma >= 0 && Double.isFinite(sigma))) {
      throw new IllegalArgumentException("sigma must be finite and >= 0, got " + sigma);
    }
    if (sigma == 0) {
      return image;
    }
    float[] px = image.toArray();
    int n = px.length;
    for (int i = 0; i < n; i += 2) {
      double u;
      double v;
      double s;
      do {
        u = 2 * rng.nextDouble() - 1;
        v = 2 * rng.nextDouble() - 1;
        s = u * u + v * v;
      } while (s >= 1 || s == 0);
      double m = sigma * Math.sqrt(-2 * Math.log(s) / s);
      px[i] = (float) (px[i] + u * m);
      if (i + 1 < n) {
        px[i + 1] = (float) (px[i + 1] + v * m);
      }
    }
    return GrayImage.wrap(image.width(), image.height(), px);
  }

  /** Mirrors a face left to right with {@link Flip#flip}: image, renumbered landmarks (or null) and box. */
  public static Flip.Flipped flip(GrayImage image, Shape shape, FaceBox box, LandmarkScheme scheme) {
    return Flip.flip(image, shape, box, scheme);
  }

  /** The seed of copy {@code k} of face {@code id}: a SplitMix64 mix of the seed, the id's hash and k. */
  public static long seedFor(long seed, String id, int k) {
    return seedFor(seed, Hashes.hash64(id), k);
  }

  private static long seedFor(long seed, long idHash, int k) {
    long z = mix64(seed ^ GOLDEN);
    z = mix64(z ^ idHash);
    return mix64(z + GOLDEN * (k + 1L));
  }

  /** SplitMix64's finaliser (Stafford's variant 13). */
  private static long mix64(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}

package org.facealign.model.msrrn;

import java.io.Serializable;
import java.util.SplittableRandom;
import org.facealign.augment.Augmenter;
import org.facealign.augment.ConfigAugment;
import org.facealign.augment.MultiscaleCrops;
import org.facealign.data.FaceBox;
import org.facealign.data.GrayImage;
import org.facealign.data.ImageWarp;
import org.facealign.data.Shape;
import org.facealign.data.SimilarityTransform;
import org.facealign.feature.ConfigFeatures;

/**
 * The inputs of MSRRN: the multiscale face crops ({@link MultiscaleCrops}: 50, 100, 200 px by default, one per
 * stage, coarse to fine) and the landmarks in the crops' shared unit frame, taken from the canonical canvas
 * that {@code prepare} stores for every face ({@link org.facealign.feature.FaceNormaliser}: the face box is
 * {@code faceSize} px, centred).
 *
 * <p><b>Choices</b> (the paper crops the image directly and does not say how):
 * <ul>
 *   <li>Crops come from the stored canvas, at training and at test time alike, so both see the same
 *       resampling. The 200-px crop spans 1.4 face boxes = 179 canvas px, so it is upsampled 1.12x.</li>
 *   <li>Online augmentation: for every sample and epoch, with probability ½ a rotation uniform in
 *       ±{@code augment.max-rotation-deg} about the face centre (folded into the crop warp: one resampling),
 *       and always Gaussian pixel noise of {@code augment.noise-sigma} added to each crop. Mirrors are the
 *       stored {@code flip} variants. Half the samples stay upright because test faces mostly are. With box
 *       jitter (the five-argument constructor), every sample is also scaled about the face centre by a factor uniform in
 *       {@code 1 ± scale} and shifted by up to {@code ± shift} of the face box's side along each axis, folded
 *       into the same warp: the errors of a face detector's box, which the 300-W boxes do not show.</li>
 *   <li>The draws are a function of (seed, sample name, epoch) only, so they do not depend on partitioning.</li>
 * </ul>
 */
public final class MsrrnInputs implements Serializable {
  private static final long serialVersionUID = 1L;
  private final int[] cropSizes;
  private final double cropMargin;
  private final double noiseSigma;
  private final double maxRotationRad;
  private final FaceBox canvasBox;
  private final SimilarityTransform canvasToUnit;
  private final SimilarityTransform unitToCanvas;
  private final double jitterScale;
  private final double jitterShift;

  /**
   * @param stages the model's stages T: stage t uses crop size t (the first T sizes), and stages beyond the last size
   *     use the finest again
   */
  public MsrrnInputs(ConfigFeatures features, ConfigAugment augment, int stages) {
    this(features, augment, stages, 0, 0);
  }

  /**
   * These inputs with box jitter in {@link #training}: a scale factor uniform in {@code [1 - jitterScale, 1 +
   * jitterScale]} and a shift uniform in {@code ± jitterShift} face box sides along each axis, both in [0, 0.5).
   */
  public MsrrnInputs(ConfigFeatures features, ConfigAugment augment, int stages, double jitterScale,
      double jitterShift) {
    if (!(jitterScale >= 0 && jitterScale < 0.5 && jitterShift >= 0 && jitterShift < 0.5)) {
      throw new IllegalArgumentException("box jitter must be in [0, 0.5), got scale " + jitterScale + ", shift "
          + jitterShift);
    }
    this.jitterScale = jitterScale;
    this.jitterShift = jitterShift;
    int[] all = augment.cropSizeArray();
    if (stages < 1 || all.length == 0) {
      throw new IllegalArgumentException("MSRRN needs a stage and a crop size, got " + stages + " stages and "
          + all.length + " facealign.augment.crop-sizes");
    }
    this.cropSizes = new int[stages];
    for (int t = 0; t < stages; t++) {
      cropSizes[t] = all[Math.min(t, all.length - 1)];
    }
    this.cropMargin = augment.cropMargin();
    this.noiseSigma = augment.noiseSigma();
    this.maxRotationRad = Math.toRadians(augment.maxRotationDeg());
    double c = (features.canvasSize() - 1) / 2.0;
    double h = features.faceSize() / 2.0;
    this.canvasBox = new FaceBox(c - h, c - h, c + h, c + h);
    this.canvasToUnit = MultiscaleCrops.imageToUnit(canvasBox, cropMargin);
    this.unitToCanvas = canvasToUnit.inverse();
  }

  /** Crop sides, coarse to fine, one per stage (the finest repeated by stages beyond the last scale). */
  public int[] cropSizes() {
    return cropSizes.clone();
  }

  /** The face box in canvas pixels. */
  public FaceBox canvasBox() {
    return canvasBox;
  }

  /**
   * One example: crops (coarse to fine) and, if known, the landmarks in the unit frame.
   *
   * @param crops one image per stage
   * @param unitShape interleaved unit-frame coordinates, or null
   */
  public record Example(GrayImage[] crops, double[] unitShape) {}

  /** The crops of {@code canvas}, no augmentation; {@code canonicalShape} may be null. */
  public Example crops(GrayImage canvas, Shape canonicalShape) {
    return crops(canvas, canonicalShape, 0, 0, null);
  }

  /**
   * The crops of {@code canvas} rotated by {@code theta} radians about the face centre, with Gaussian noise of
   * {@code sigma} grey levels added to each crop.
   *
   * @param canonicalShape landmarks in canvas pixels, or null
   * @param rng the noise's generator (unused when {@code sigma} is 0)
   */
  public Example crops(GrayImage canvas, Shape canonicalShape, double theta, double sigma, SplittableRandom rng) {
    return crops(canvas, canonicalShape, theta, 1, 0, 0, sigma, rng);
  }

  /**
   * The crops of {@code canvas} after a similarity about the face centre: rotated by {@code theta} radians, scaled
   * by {@code scale}, then shifted by {@code (dx, dy)} canvas pixels (the face moves by that much in the crops'
   * frame), with Gaussian noise of {@code sigma} grey levels added to each crop.
   */
  public Example crops(GrayImage canvas, Shape canonicalShape, double theta, double scale, double dx, double dy,
      double sigma, SplittableRandom rng) {
    double cx = canvasBox.centerX();
    double cy = canvasBox.centerY();
    SimilarityTransform rot = SimilarityTransform.rotationAbout(theta, cx, cy);
    boolean jittered = scale != 1 || dx != 0 || dy != 0;
    if (jittered) {
      SimilarityTransform r = SimilarityTransform.of(scale, theta, 0, 0);
      rot = new SimilarityTransform(r.a(), r.b(), cx + dx - r.applyX(cx, cy), cy + dy - r.applyY(cx, cy));
    }
    GrayImage[] out = new GrayImage[cropSizes.length];
    for (int i = 0; i < out.length; i++) {
      if (i > 0 && cropSizes[i] == cropSizes[i - 1]) {
        out[i] = out[i - 1]; // a stage beyond the last scale reads the finest crop again: the same pixels and noise
        continue;
      }
      SimilarityTransform t = MultiscaleCrops.imageToCrop(canvasBox, cropMargin, cropSizes[i]);
      GrayImage crop = ImageWarp.warp(canvas, theta == 0 && !jittered ? t : t.after(rot), cropSizes[i], cropSizes[i]);
      out[i] = sigma > 0 ? Augmenter.addNoise(crop, sigma, rng) : crop;
    }
    double[] unit = null;
    if (canonicalShape != null) {
      unit = canvasToUnit.after(rot).apply(canonicalShape).toArray();
    }
    return new Example(out, unit);
  }

  /**
   * The example of a training sample in {@code epoch}: with {@code augment}, the sample's draw of rotation and
   * noise for that epoch (see the class comment), else its plain crops.
   *
   * @param name the sample's stable name
   * @param canonicalShape its landmarks in canvas pixels
   */
  public Example training(GrayImage canvas, Shape canonicalShape, String name, long seed, int epoch, boolean augment) {
    if (!augment) {
      return crops(canvas, canonicalShape);
    }
    SplittableRandom rng = new SplittableRandom(Augmenter.seedFor(seed, name, epoch));
    double theta = rng.nextBoolean() ? maxRotationRad * (2 * rng.nextDouble() - 1) : 0;
    // with jitter off nothing more is drawn: the crops and noise are those of rotation and noise alone
    double scale = jitterScale > 0 ? 1 + jitterScale * (2 * rng.nextDouble() - 1) : 1;
    double side = canvasBox.width();
    double dx = jitterShift > 0 ? jitterShift * side * (2 * rng.nextDouble() - 1) : 0;
    double dy = jitterShift > 0 ? jitterShift * side * (2 * rng.nextDouble() - 1) : 0;
    return crops(canvas, canonicalShape, theta, scale, dx, dy, noiseSigma, rng);
  }

  /** Unit-frame coordinates to a canvas-pixel shape. */
  public Shape toCanonical(double[] unit) {
    return unitToCanvas.apply(Shape.of(unit));
  }

  /** A canvas-pixel shape to unit-frame coordinates. */
  public double[] toUnit(Shape canonical) {
    return canvasToUnit.apply(canonical).toArray();
  }
}

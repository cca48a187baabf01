package org.facealign.model.deepreg;

import java.io.Serializable;
import java.util.SplittableRandom;
import org.facealign.data.GrayImage;
import org.facealign.data.Hashes;
import org.facealign.data.ImageWarp;
import org.facealign.data.Shape;
import org.facealign.data.SimilarityTransform;
import org.facealign.feature.Canvas16;
import org.facealign.feature.ConfigFeatures;
import org.facealign.feature.FaceNormaliser;
import org.facealign.feature.HogFeature;
import org.facealign.feature.NormalisedFace;

/**
 * The joint phase's rotations ({@code deepreg.joint-rotation}): a training sample turned in plane by an angle
 * uniform in ±{@code maxDegrees} about the canvas centre, its canvas resampled bilinearly (the corners the turn
 * brings in from outside the canvas take its edge pixels, where {@link org.facealign.augment.Augmenter} turns its
 * copies on the whole photograph), its target turned with it and its HOG computed
 * again from the turned canvas (before it is stored, as {@code prepare} computes it), so that the global layer's s0
 * is that of the turned face. The angle of sample
 * {@code name} in stream {@code k} (an epoch) comes from a generator seeded by (seed, name, k): independent of
 * partitioning and of the order samples are visited. The canvas is stored again in {@link Canvas16} form, as
 * {@code prepare} stores a canvas. Guess (neither paper turns DeepReg's samples): the angle's range, and turning
 * about the canvas centre, which is the face box's.
 */
public final class SampleRotation implements Serializable {
  private static final long serialVersionUID = 1L;
  /** Mixes the stream into the seed; not {@link Perturbation}'s constant, so the two draws are independent. */
  private static final long STREAM_MIX = 0xC2B2AE3D27D4EB4FL;

  private final ConfigFeatures features;
  private final double maxRadians;
  private final long seed;

  /**
   * @param features the features the samples were stored with (canvas size, face size, HOG)
   * @param maxDegrees largest angle, degrees (positive)
   * @param seed the seed of the angles
   */
  public SampleRotation(ConfigFeatures features, double maxDegrees, long seed) {
    if (!(maxDegrees > 0 && maxDegrees <= 45)) {
      throw new IllegalArgumentException("maxDegrees must be in (0, 45], got " + maxDegrees);
    }
    this.features = features;
    this.maxRadians = Math.toRadians(maxDegrees);
    this.seed = seed;
  }

  /** The angle, radians, sample {@code name} is turned by in stream {@code stream}. */
  public double angle(String name, long stream) {
    SplittableRandom r = new SplittableRandom(seed ^ Hashes.hash64(name) ^ (stream + 1) * STREAM_MIX);
    return maxRadians * (2 * r.nextDouble() - 1);
  }

  /** {@code s} turned by {@link #angle}{@code (s.name(), stream)}. */
  public TrainingSample turned(TrainingSample s, long stream) {
    return turned(s, angle(s.name(), stream));
  }

  /** {@code s} turned by {@code theta} radians about the canvas centre. */
  public TrainingSample turned(TrainingSample s, double theta) {
    if (s.canvasSize() != features.canvasSize()) {
      throw new IllegalArgumentException("sample " + s.name() + " has a " + s.canvasSize() + "-px canvas, the features "
          + features.canvasSize());
    }
    double c = (s.canvasSize() - 1) / 2.0;
    SimilarityTransform t = SimilarityTransform.rotationAbout(theta, c, c);
    GrayImage canvas = ImageWarp.warp(s.canvas(), t, s.canvasSize(), s.canvasSize());
    byte[] stored = Canvas16.encode(canvas);
    ShapeUnits units = new ShapeUnits(features);
    double[] target = units.toUnits(t.apply(units.toCanonical(s.target())));
    FaceNormaliser normaliser = new FaceNormaliser(features);
    float[] hog = new HogFeature(features).compute(normaliser.hogInput(new NormalisedFace(canvas,
        SimilarityTransform.IDENTITY)));
    return new TrainingSample(s.faceId(), s.variant(), s.canvasSize(), stored, hog, target);
  }
}

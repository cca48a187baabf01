package org.facealign.feature;

import org.facealign.data.FaceBox;
import org.facealign.data.GrayImage;
import org.facealign.data.ImageWarp;
import org.facealign.data.SimilarityTransform;

/**
 * Brings a face into the canonical frame the DeepReg features are computed in (Shi, Shan, Chen, "Deep
 * Regression for Face Alignment", 2014): the face box is scaled so that its mean side is {@code
 * faceSize} canonical pixels and centred on a square canvas with {@code margin x faceSize} pixels of
 * context on each side ({@link SimilarityTransform#boxToCanonical}), resampled by {@link ImageWarp#warp}
 * (bilinear, with 2x2 box pre-shrinking when the face is more than twice the canonical size; outside the
 * image the border pixels are replicated).
 *
 * <p>Guesses: the paper normalises faces by the detector box but does not give a canvas size or how the
 * outside of the image is filled; the 0.25 margin and the border replication are ours. The HOG input is
 * the box region alone (the paper's HOG describes "the face"), resampled from the canvas rather than the
 * source photo so that it goes through the same normalisation.
 *
 * <p>Stateless and thread-safe.
 */
public final class FaceNormaliser {
  private final int faceSize;
  private final double margin;
  private final int canvasSize;
  private final int hogSize;

  public FaceNormaliser(ConfigFeatures config) {
    this.faceSize = config.faceSize();
    this.margin = config.margin();
    this.canvasSize = config.canvasSize();
    this.hogSize = config.hogSize();
  }

  /** Side of the canvas, pixels. */
  public int canvasSize() {
    return canvasSize;
  }

  /** The transform that {@link #normalise} uses for {@code box}. */
  public SimilarityTransform toCanonical(FaceBox box) {
    return SimilarityTransform.boxToCanonical(box, faceSize, margin);
  }

  /** The part of a photograph {@link #normalise} reads for {@code box} ({@link ImageWarp#footprint}; null: all). */
  public FaceBox footprint(FaceBox box) {
    return ImageWarp.footprint(toCanonical(box), canvasSize, canvasSize);
  }

  /** The canvas of the face in {@code box}: box centre at the canvas centre, box mean side {@code faceSize}. */
  public NormalisedFace normalise(GrayImage image, FaceBox box) {
    return normalise(image, box, new float[canvasSize * canvasSize]);
  }

  /**
   * {@link #normalise} into {@code canvas} ({@code canvasSize²} floats), which the result's canvas wraps: for
   * a buffer reused from face to face ({@link ImageWarp#warp(GrayImage, SimilarityTransform, int, int,
   * float[])}); the canvas is valid until {@code canvas} is written again.
   */
  public NormalisedFace normalise(GrayImage image, FaceBox box, float[] canvas) {
    SimilarityTransform t = toCanonical(box);
    return new NormalisedFace(ImageWarp.warp(image, t, canvasSize, canvasSize, canvas), t);
  }

  /**
   * The face box region of the canvas ({@code faceSize x faceSize} canonical pixels around the canvas
   * centre) resampled to {@code hogSize x hogSize}: the box's edges map to the output's outer pixel
   * edges, so pixel centres map to pixel centres ({@code x_out = s (x - c) + (hogSize - 1) / 2}, {@code s
   * = hogSize / faceSize}, {@code c = (canvasSize - 1) / 2}). With the defaults (s = 1/2) every output
   * pixel is exactly the mean of a 2x2 block of canvas pixels.
   */
  public GrayImage hogInput(NormalisedFace face) {
    return hogInput(face, new float[hogSize * hogSize]);
  }

  /** {@link #hogInput} into {@code out} ({@code hogSize²} floats), which the result wraps, valid until it is written again. */
  public GrayImage hogInput(NormalisedFace face, float[] out) {
    GrayImage canvas = face.canvas();
    double s = (double) hogSize / faceSize;
    double c = (canvas.width() - 1) / 2.0;
    double cy = (canvas.height() - 1) / 2.0;
    double h = (hogSize - 1) / 2.0;
    return ImageWarp.warp(canvas, new SimilarityTransform(s, 0, h - s * c, h - s * cy), hogSize, hogSize, out);
  }
}

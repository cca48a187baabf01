package org.facealign.feature;

import java.io.Serializable;
import org.facealign.data.GrayImage;
import org.facealign.data.Shape;
import org.facealign.data.SimilarityTransform;

/**
 * A face brought to the canonical frame by {@link FaceNormaliser}: the canvas and the transform from the
 * source image's pixels to the canvas's pixels (pixel centres at integers in both, as in {@link Shape}).
 *
 * @param canvas the {@code canvasSize x canvasSize} canonical image
 * @param toCanonical source image coordinates to canvas coordinates
 */
public record NormalisedFace(GrayImage canvas, SimilarityTransform toCanonical) implements Serializable {

  public NormalisedFace {
    if (canvas == null || toCanonical == null) {
      throw new IllegalArgumentException("a normalised face needs a canvas and a transform");
    }
  }

  /** A shape in source image coordinates, expressed in canvas coordinates. */
  public Shape toCanonical(Shape imageShape) {
    return toCanonical.apply(imageShape);
  }

  /** A shape in canvas coordinates, expressed in source image coordinates. */
  public Shape toImage(Shape canonicalShape) {
    return toCanonical.inverse().apply(canonicalShape);
  }

  /**
   * An interleaved shape increment (a regression update) in canvas pixels, expressed in source image
   * pixels: only rotation and scale apply to increments.
   */
  public double[] incrementToImage(double[] canonicalDelta) {
    return toCanonical.inverse().applyLinear(canonicalDelta);
  }
}

package org.facealign.data;

import java.io.Serializable;

/**
 * Horizontal mirroring of a face sample: image, landmarks and box together, so the three stay
 * consistent. Landmarks are renumbered with the scheme's flip map (the left eye's points become the right
 * eye's), which is what makes a mirrored face a valid training sample.
 */
public final class Flip {
  private Flip() {}

  /**
   * A mirrored sample.
   *
   * @param image the mirrored image
   * @param shape the mirrored, renumbered landmarks, or null
   * @param box the mirrored box, or null
   */
  public record Flipped(GrayImage image, Shape shape, FaceBox box) implements Serializable {}

  /**
   * Mirrors a sample left to right in an image {@code img.width()} wide.
   *
   * @param shape landmarks, or null
   * @param box a box, or null
   */
  public static Flipped flip(GrayImage img, Shape shape, FaceBox box, LandmarkScheme scheme) {
    int w = img.width();
    return new Flipped(
        img.flipHorizontal(), shape == null ? null : scheme.flip(shape, w), box == null ? null : box.flipHorizontal(w));
  }
}

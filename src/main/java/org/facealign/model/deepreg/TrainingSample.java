package org.facealign.model.deepreg;

import java.io.Serializable;
import org.facealign.data.GrayImage;
import org.facealign.feature.Canvas16;

/**
 * One training (or held-out) sample of DeepReg as the feature store keeps it: the canonical canvas, the
 * global HOG and the ground truth in {@link ShapeUnits}.
 *
 * @param faceId the face's id
 * @param variant augmentation variant ({@code orig}, {@code flip}, ...)
 * @param canvasSize canvas side, pixels
 * @param canvas16 the canvas in {@link Canvas16} form
 * @param hog the global HOG
 * @param target the ground-truth shape, units
 */
public record TrainingSample(String faceId, String variant, int canvasSize, byte[] canvas16, float[] hog, double[] target)
    implements Serializable {
  public GrayImage canvas() {
    return Canvas16.decode(canvas16, canvasSize);
  }

  /** A stable name of this sample, for seeding its perturbations. */
  public String name() {
    return faceId + "#" + variant;
  }
}

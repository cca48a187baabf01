package org.facealign.eval;

import java.io.Serializable;
import java.util.Objects;
import org.facealign.data.LandmarkScheme;
import org.facealign.data.Shape;

/**
 * The evaluation of one face: its normalised mean errors under both normalisations (see {@link Nme};
 * inter-pupil as in Shi et al. 2014 and Wang et al. 2017, inter-ocular as in 300-W, Sagonas et al.).
 * Serializable, so that Spark jobs can compute it per face and collect it to the driver.
 *
 * @param faceId the face's id
 * @param subset the subset it is reported under (common, challenging, full, ...)
 * @param imagePath the image the face is in, or null when unknown
 * @param ipNme the inter-pupil normalised mean error, a fraction
 * @param ioNme the inter-ocular normalised mean error, a fraction
 */
public record FaceResult(String faceId, String subset, String imagePath, double ipNme, double ioNme)
    implements Serializable {

  public FaceResult {
    Objects.requireNonNull(faceId, "faceId");
    Objects.requireNonNull(subset, "subset");
    checkError("ipNme", ipNme, faceId);
    checkError("ioNme", ioNme, faceId);
  }

  private static void checkError(String name, double e, String faceId) {
    if (!(Double.isFinite(e) && e >= 0)) {
      throw new IllegalArgumentException(name + " of face " + faceId + " must be finite and >= 0, got " + e);
    }
  }

  /** The result of predicting {@code pred} for a face whose ground truth is {@code gt}. */
  public static FaceResult of(
      String faceId, String subset, String imagePath, Shape pred, Shape gt, LandmarkScheme scheme) {
    return new FaceResult(
        faceId, subset, imagePath, Nme.interPupil(pred, gt, scheme), Nme.interOcular(pred, gt, scheme));
  }

  /** The same result, reported under another subset. */
  public FaceResult withSubset(String newSubset) {
    return new FaceResult(faceId, newSubset, imagePath, ipNme, ioNme);
  }
}

package org.facealign.eval;

import java.util.Objects;
import org.facealign.data.LandmarkScheme;
import org.facealign.data.Shape;

/**
 * Normalised mean error (NME) of one face: the mean over landmarks of the Euclidean distance between
 * predicted and ground-truth points, divided by a distance measured on the ground truth.
 *
 * <ul>
 *   <li>{@link #interPupil}: divided by the inter-pupil distance, the distance between the means of the
 *       two eyes' points (36-41 and 42-47, 0-based, in the 68-point scheme), as in Shi et al. 2014,
 *       "Deep Regression for Face Alignment", and Wang et al. 2017 (MSRRN).
 *   <li>{@link #interOcular}: divided by the distance between the outer eye corners (36 and 45), the
 *       normalisation of the 300-W challenge (Sagonas et al., "300 Faces in-the-Wild Challenge").
 * </ul>
 *
 * <p>Both are fractions (0.05 is 5 %). The normalising distances come from {@link LandmarkScheme}.
 */
public final class Nme {

  private Nme() {}

  /** Mean over landmarks of the point-to-point Euclidean error, in the shapes' units (pixels). */
  public static double meanPointError(Shape pred, Shape gt) {
    Objects.requireNonNull(pred, "pred");
    Objects.requireNonNull(gt, "gt");
    if (pred.numPoints() != gt.numPoints()) {
      throw new IllegalArgumentException(
          "prediction has " + pred.numPoints() + " points, ground truth has " + gt.numPoints());
    }
    double sum = 0;
    for (int i = 0; i < gt.numPoints(); i++) {
      sum += pred.pointDistance(gt, i);
    }
    return sum / gt.numPoints();
  }

  /** Mean point error divided by the inter-pupil distance of the ground truth. */
  public static double interPupil(Shape pred, Shape gt, LandmarkScheme scheme) {
    checkScheme(gt, scheme);
    return normalise(meanPointError(pred, gt), scheme.interPupilDistance(gt), "inter-pupil distance");
  }

  /** Mean point error divided by the inter-ocular (outer eye corner) distance of the ground truth. */
  public static double interOcular(Shape pred, Shape gt, LandmarkScheme scheme) {
    checkScheme(gt, scheme);
    return normalise(meanPointError(pred, gt), scheme.interOcularDistance(gt), "inter-ocular distance");
  }

  private static void checkScheme(Shape gt, LandmarkScheme scheme) {
    Objects.requireNonNull(scheme, "scheme");
    if (gt.numPoints() != scheme.numPoints()) {
      throw new IllegalArgumentException(
          "ground truth has " + gt.numPoints() + " points, the landmark scheme " + scheme.numPoints());
    }
  }

  private static double normalise(double error, double distance, String name) {
    if (!(distance > 0)) {
      throw new IllegalArgumentException("the " + name + " of the ground truth is " + distance
          + ": cannot normalise the error");
    }
    return error / distance;
  }
}

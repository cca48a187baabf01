package org.facealign.detect;

import java.io.Serializable;
import java.util.List;
import org.facealign.data.FaceBox;

/**
 * One face a detector found.
 *
 * @param box the detector's own box, in image pixels (before any {@link BoxMap})
 * @param score the detector's confidence: for OpenCV's cascades, the number of overlapping raw detections
 *     merged into this one (larger is surer; comparable within one stage only)
 * @param stage the detector stage that found it (see {@link CascadeStage})
 */
public record Detection(FaceBox box, double score, String stage) implements Serializable {
  /** The overlap (IoU) with an annotated face's tight landmark box from which a detection counts as that face. */
  public static final double FOUND_IOU = 0.3;

  /**
   * The detection that overlaps {@code tight} (an annotated face's landmark box) most, if by at least {@link
   * #FOUND_IOU}; null when none does.
   */
  public static Detection match(List<Detection> found, FaceBox tight) {
    Detection best = null;
    double bestIou = 0;
    for (Detection d : found) {
      double iou = d.box().iou(tight);
      if (iou > bestIou) {
        bestIou = iou;
        best = d;
      }
    }
    return bestIou >= FOUND_IOU ? best : null;
  }
}

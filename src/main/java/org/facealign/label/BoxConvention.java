package org.facealign.label;

import java.io.Serializable;
import org.facealign.data.BoxPolicy;
import org.facealign.data.FaceBox;
import org.facealign.data.Shape;
import org.facealign.detect.BoxMap;
import org.facealign.detect.ConfigDetect;
import org.facealign.detect.Detection;

/**
 * The face box a model expects, made from what labelling has: a detector's box, or landmarks already predicted
 * (re-boxing). A model trained with the {@code detector} box policy expects 300-W detector boxes: a detection is
 * mapped by its stage's {@link BoxMap}, landmarks by the {@code landmarks} map. A model trained with the {@code
 * landmarks} policy expects the landmarks' extent grown by its margin: landmarks give it exactly, and a detection
 * is mapped to a 300-W box, then to the landmarks' extent by the inverse of the {@code landmarks} map.
 */
public final class BoxConvention implements Serializable {
  private static final long serialVersionUID = 1L;

  private final ConfigDetect detect;
  private final BoxPolicy policy;

  public BoxConvention(ConfigDetect detect, BoxPolicy policy) {
    this.detect = detect;
    this.policy = policy;
  }

  /** The model's box for a detection. */
  public FaceBox fromDetection(Detection d) {
    return fromW300(detect.boxMap(d.stage()).apply(d.box()));
  }

  /** The model's box for a 300-W detector box ({@code boxes.txt} of a 300-W folder). */
  public FaceBox fromW300(FaceBox w300) {
    if (policy.kind() == BoxPolicy.Kind.DETECTOR) {
      return w300;
    }
    return detect.boxMap(ConfigDetect.LANDMARKS).inverse().apply(w300).expand(policy.margin());
  }

  /** The model's box for a face whose landmarks are {@code s}. */
  public FaceBox fromLandmarks(Shape s) {
    if (policy.kind() == BoxPolicy.Kind.DETECTOR) {
      return detect.boxMap(ConfigDetect.LANDMARKS).apply(s.extent());
    }
    return s.extent().expand(policy.margin());
  }
}

package org.facealign.model;

import java.util.ArrayList;
import java.util.List;
import org.facealign.data.FaceBox;
import org.facealign.data.GrayImage;
import org.facealign.data.Shape;

/**
 * A trained face-alignment model: given a grey image and a face box (found by the same box policy the
 * model was trained with, {@link ModelHeader#boxPolicy()}), predicts the landmarks in image pixels.
 *
 * <p>Implementations are immutable and thread-safe for {@link #predict}; they carry their
 * {@link ModelHeader} (kind, landmark scheme, box policy, provenance) and are saved and loaded by
 * {@link ModelStore}, never by Java serialisation.
 */
public interface LandmarkModel {

  /** Kind, scheme, box policy and provenance. */
  ModelHeader header();

  /** The landmarks of the face in {@code box} of {@code image}, in 0-based pixel coordinates. */
  Shape predict(GrayImage image, FaceBox box);

  /**
   * The part of a photograph the model reads to align the face in {@code box}, in the photograph's pixel coordinates:
   * no pixel outside a {@link org.facealign.data.FaceWindow} around it can change the prediction. {@code null} (the
   * default) when the model may read anywhere. A caller that keeps only that window gets the whole photograph's
   * prediction, up to the rounding of its offset.
   */
  default FaceBox footprint(FaceBox box) {
    return null;
  }

  /**
   * The landmarks of several faces, in order: face i is {@code boxes[i]} of {@code images[i]}. The same as
   * {@link #predict} on each face; a model may run the faces through its network together (a batch is several
   * times cheaper per face than single faces), in which case sums may round differently in the last bits.
   * A face that fails fails the whole call; callers that must account for each face retry them one by one.
   */
  default List<Shape> predictAll(List<GrayImage> images, List<FaceBox> boxes) {
    checkPaired(images, boxes);
    List<Shape> out = new ArrayList<>(images.size());
    for (int i = 0; i < images.size(); i++) {
      out.add(predict(images.get(i), boxes.get(i)));
    }
    return out;
  }

  /** Refuses {@code images} and {@code boxes} of different lengths (the arguments of {@link #predictAll}). */
  static void checkPaired(List<GrayImage> images, List<FaceBox> boxes) {
    if (images.size() != boxes.size()) {
      throw new IllegalArgumentException(images.size() + " images but " + boxes.size() + " boxes");
    }
  }
}

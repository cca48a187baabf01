package org.facealign.model;

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
}

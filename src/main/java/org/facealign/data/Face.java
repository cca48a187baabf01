package org.facealign.data;

import java.io.Serializable;
import java.util.Objects;

/**
 * One annotated face of a data set: where its image and annotation are, which subset it belongs to,
 * its ground-truth landmarks, and the face-detector box if the data set gives one.
 *
 * @param id unique within a run, stable across runs: the image path relative to the data root, without
 *     extension (for example {@code lfpw/testset/image_0001})
 * @param imagePath the image, as a Hadoop FileSystem path or URI string
 * @param annotationPath the {@code .pts} file the landmarks came from (for error messages), or null
 * @param subset the evaluation subset or split this face belongs to (training, common, challenging, ...)
 * @param landmarks the ground truth, 0-based pixel coordinates; null for unannotated images
 * @param detectorBox the detector box from the data set, or null when it has none
 */
public record Face(
    String id, String imagePath, String annotationPath, String subset, Shape landmarks, FaceBox detectorBox)
    implements Serializable {

  public Face {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(imagePath, "imagePath");
    Objects.requireNonNull(subset, "subset");
  }

  /** The same face, in another subset (the derived "full" set reuses the common and challenging faces). */
  public Face withSubset(String newSubset) {
    return new Face(id, imagePath, annotationPath, newSubset, landmarks, detectorBox);
  }
}

package org.facealign.data;

import java.io.Serializable;
import java.util.Objects;

/**
 * One face as discovery finds it on the driver: where its files are and what is already known to be
 * wrong, but nothing read from inside the files except the detector box. It is small and serializable so
 * the driver can parallelise the entries; executors then load each one with {@link FaceReader}.
 *
 * <p>Problems are recorded, not thrown, so that one bad file never stops discovery and every input
 * appears in the job's report.
 *
 * @param id unique and stable across runs, e.g. {@code lfpw/testset/image_0001_01}
 * @param subset the subset the face belongs to (training, common, challenging, or a list file's name)
 * @param imagePath the image, or null when there is none (an annotation without image)
 * @param annotationPath the {@code .pts} file, or null when there is none
 * @param detectorBox the data set's face-detector box, or null
 * @param boxProblem why {@code detectorBox} is null (null when there is a box)
 * @param problem why this entry cannot be used at all, or null when it can
 * @param problemCode the kind of that problem, for counting ({@link DataException#code()}), or null when there is
 *     none
 * @param boxSource where {@code detectorBox} comes from, as {@code file:line} (the {@code boxes.txt} or list file),
 *     for messages about the box; null when there is no box or its source is unknown
 */
public record FaceEntry(
    String id,
    String subset,
    String imagePath,
    String annotationPath,
    FaceBox detectorBox,
    String boxProblem,
    String problem,
    String problemCode,
    String boxSource)
    implements Serializable {

  /** Code of an annotation without an image. */
  public static final String NO_IMAGE = "no_image";
  /** Code of an image without an annotation. */
  public static final String NO_ANNOTATION = "no_annotation";
  /** Code of a malformed line of a list file. */
  public static final String BAD_LIST_LINE = "bad_list_line";
  /** Code of a list-file path that climbs out of the list's folder. */
  public static final String OUTSIDE_ROOT = "outside_root";

  /** An entry whose problem, if any, is of no particular kind ({@link DataException#INVALID}). */
  public FaceEntry(String id, String subset, String imagePath, String annotationPath, FaceBox detectorBox,
      String boxProblem, String problem) {
    this(id, subset, imagePath, annotationPath, detectorBox, boxProblem, problem, null);
  }

  /** An entry whose box, if any, comes from no known file and line. */
  public FaceEntry(String id, String subset, String imagePath, String annotationPath, FaceBox detectorBox,
      String boxProblem, String problem, String problemCode) {
    this(id, subset, imagePath, annotationPath, detectorBox, boxProblem, problem, problemCode, null);
  }

  public FaceEntry {
    // a problem always has a kind, a usable entry none
    if (problem == null) {
      problemCode = null;
    } else if (problemCode == null) {
      problemCode = DataException.INVALID;
    }
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(subset, "subset");
    if (imagePath == null && annotationPath == null) {
      throw new IllegalArgumentException("face entry " + id + " has neither an image nor an annotation");
    }
    if (detectorBox == null) {
      boxSource = null;
    }
  }

  /** True when nothing is known to be wrong, so the entry is worth loading. */
  public boolean usable() {
    return problem == null;
  }

  /** The file to name in messages about this entry: the image, else the annotation. */
  public String source() {
    return imagePath != null ? imagePath : annotationPath;
  }

  /** The {@link Face} of this entry with the given landmarks (null for unannotated images). */
  public Face toFace(Shape landmarks) {
    return new Face(id, imagePath, annotationPath, subset, landmarks, detectorBox);
  }
}

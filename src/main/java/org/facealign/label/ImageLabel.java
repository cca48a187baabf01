package org.facealign.label;

import java.io.Serializable;
import java.util.List;
import org.facealign.data.FaceBox;
import org.facealign.data.Shape;

/**
 * What labelling made of one image: its status (exactly one per input) and its faces.
 *
 * @param path the image
 * @param sha256 SHA-256 of its bytes, hex; null when it could not be read
 * @param bytes its size, or -1 when it could not be read
 * @param width width as displayed (after the EXIF orientation), or -1 when not decoded
 * @param height height as displayed, or -1 when not decoded
 * @param orientation the file's EXIF orientation, 1..8 (1 when none or not decoded)
 * @param status {@link #FACES}, {@link #NO_FACE} or {@link #FAILED} (or the marker {@link #SKIPPED})
 * @param stage for a failure, the step that failed: input, read, decode, detect, align
 * @param code for a failure, its kind (e.g. {@code file_too_large}, {@code corrupt_image}), for counting
 * @param reason for a failure, what is wrong, in words
 * @param faces the faces, in order of detector confidence (empty unless the status is {@link #FACES})
 * @param truth the comparison with ground truth, or null when there was none
 * @param nanos time spent per step on this image: read, hash, decode, detect, align, truth (align and truth
 *     are a share of their batch's time)
 */
public record ImageLabel(String path, String sha256, long bytes, int width, int height, int orientation,
    String status, String stage, String code, String reason, List<Face> faces, Truth truth, long[] nanos)
    implements Serializable {

  public static final String FACES = "faces";
  public static final String NO_FACE = "no_face";
  public static final String FAILED = "failed";
  /**
   * Not a status: the marker of an image skipped by an incremental run because this model had already labelled its
   * content. Such labels are counted, never written.
   */
  public static final String SKIPPED = "skipped";

  /** The steps timed in {@link #nanos()}, in order. */
  public static final List<String> STEPS = List.of("read", "hash", "decode", "detect", "align", "truth");

  /**
   * One face.
   *
   * @param index its index within the image, 0-based
   * @param box the box alignment started from, in the models' convention
   * @param detectorBox the detector's own box, or null when the box was given
   * @param detectorStage the detector stage that found it, or null when the box was given
   * @param score the detector's score, or NaN when the box was given
   * @param reboxed whether the landmarks come from a second prediction from the box of the first
   * @param landmarks the predicted landmarks, 0-based pixels of the image as displayed
   */
  public record Face(int index, FaceBox box, FaceBox detectorBox, String detectorStage, double score, boolean reboxed,
      Shape landmarks) implements Serializable {}

  /**
   * An image's comparison with its ground-truth annotation.
   *
   * @param group the folder (or data-set subset) it is counted under
   * @param readable whether the annotation could be read; if not, nothing else is set
   * @param bestIou the largest IoU of a found box (the detector's own, or the given one) with the tight box of
   *     the annotated landmarks, 0 when none
   * @param ipNme inter-pupil NME of the best-matching face when {@code bestIou >= 0.3}, else NaN
   * @param ioNme inter-ocular NME of the same, else NaN
   * @param ipNmeGivenBox inter-pupil NME of the same face predicted from the data set's own box, NaN when not
   *     computed
   * @param ioNmeGivenBox inter-ocular NME of that, NaN when not computed
   * @param problem why the annotation could not be read (or was refused), naming the file, or null
   * @param problemCode the kind of that problem ({@code bad_annotation}, {@code point_outside_image}, ...), or null
   */
  public record Truth(String group, boolean readable, double bestIou, double ipNme, double ioNme,
      double ipNmeGivenBox, double ioNmeGivenBox, String problem, String problemCode) implements Serializable {}

  /** The number of faces. */
  public int faceCount() {
    return faces.size();
  }
}

package org.facealign.data;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Loads one discovered face on an executor: reads and strictly parses its annotation, reads and decodes
 * its image within size limits, and fingerprints both files.
 *
 * <p>The annotation is read first: it is small, and a bad one makes reading the image pointless. Every
 * failure is a {@link DataException} naming the file at fault, which jobs turn into a per-face failure.
 *
 * <p>Landmarks a little outside the image are accepted, because 300-W has faces cut by the image border and
 * their annotations are valid; a point further outside than {@link Limits#pointMargin()} times the image's larger
 * side is refused ({@value #POINT_OUTSIDE_IMAGE}): one such point (a {@code 1e308} typed into a file) would
 * otherwise turn a subset's mean error into nonsense. Degenerate annotations are refused too ({@value
 * #DEGENERATE_ANNOTATION}: all points identical, or an inter-pupil distance under one pixel): they would divide
 * normalised errors by zero or blow them up. A face box that does not overlap its image at all is refused as well
 * ({@value #BOX_OUTSIDE_IMAGE}, {@link #checkBoxOnImage}): aligning in it would only read the image's clamped border.
 */
public final class FaceReader {
  /** Failure code of an annotated point too far outside its image. */
  public static final String POINT_OUTSIDE_IMAGE = "point_outside_image";
  /** Failure code of a face box that does not overlap its image. */
  public static final String BOX_OUTSIDE_IMAGE = "box_outside_image";
  /** Failure code of an annotation that cannot serve as ground truth (all points equal, eyes together). */
  public static final String DEGENERATE_ANNOTATION = "degenerate_annotation";
  /** The default of {@link Limits#pointMargin()} ({@code facealign.data.point-margin}). */
  public static final double DEFAULT_POINT_MARGIN = 0.5;

  private FaceReader() {}

  /**
   * Limits on what one face may cost an executor, and on how far its annotation may stray from it.
   *
   * @param maxFileBytes largest file read (image or annotation)
   * @param maxPixels largest declared {@code width * height} decoded
   * @param pointMargin how far outside the image an annotated point may lie, as a fraction of the image's larger
   *     side (0: every point within the pixel centres of the image)
   */
  public record Limits(long maxFileBytes, long maxPixels, double pointMargin) implements Serializable {
    public Limits {
      if (maxFileBytes < 1 || maxPixels < 1) {
        throw new IllegalArgumentException("limits must be positive: " + maxFileBytes + " bytes, " + maxPixels + " pixels");
      }
      if (!(pointMargin >= 0) || Double.isInfinite(pointMargin)) {
        throw new IllegalArgumentException("point margin must be finite and at least 0, got " + pointMargin);
      }
    }

    /** Size limits with the default point margin. */
    public Limits(long maxFileBytes, long maxPixels) {
      this(maxFileBytes, maxPixels, DEFAULT_POINT_MARGIN);
    }

    /**
     * Those of {@code reference.conf} ({@code facealign.data}): 64 MiB per file, 100 megapixels per image (far above
     * any face image, far below a heap), and the default point margin.
     */
    public static Limits defaults() {
      return new Limits(64L << 20, 100_000_000L, DEFAULT_POINT_MARGIN);
    }
  }

  /**
   * Loads an annotated entry.
   *
   * @throws DataException if the entry has a problem, or a file is missing, too large, malformed or
   *     degenerate
   */
  public static LoadedFace load(FaceEntry e, Storage storage, Limits limits, LandmarkScheme scheme) {
    if (e.problem() != null) {
      throw DataException.coded(e.problemCode(), e.source(), e.problem());
    }
    if (e.annotationPath() == null) {
      throw new DataException(e.imagePath(), "image has no annotation");
    }
    byte[] ann = storage.readBytes(e.annotationPath(), limits.maxFileBytes());
    Shape shape = PtsFormat.parse(new String(ann, StandardCharsets.UTF_8), e.annotationPath(), scheme.numPoints());
    checkNotDegenerate(shape, scheme, e.annotationPath());
    byte[] img = storage.readBytes(e.imagePath(), limits.maxFileBytes());
    GrayImage image = ImageDecoder.decode(img, e.imagePath(), limits.maxPixels());
    checkNearImage(shape, image.width(), image.height(), limits.pointMargin(), e.annotationPath());
    return new LoadedFace(e.toFace(shape), image, Hashes.sha256(img, ann));
  }

  /**
   * Checks that an annotation can serve as ground truth for a {@code width x height} image: not degenerate, and
   * every point within {@code pointMargin} times the image's larger side of it.
   *
   * @throws DataException naming {@code source}
   */
  public static void checkAnnotation(Shape s, LandmarkScheme scheme, int width, int height, double pointMargin,
      String source) {
    checkNotDegenerate(s, scheme, source);
    checkNearImage(s, width, height, pointMargin, source);
  }

  /**
   * Refuses an annotation with a point further outside the image than {@code pointMargin} times its larger side:
   * with 0-based pixel centres, {@code x} must be in {@code [-m, width - 1 + m]} and {@code y} in {@code [-m, height
   * - 1 + m]}, {@code m = pointMargin * max(width, height)}.
   *
   * @throws DataException with code {@value #POINT_OUTSIDE_IMAGE} naming {@code source}, the first such point's
   *     0-based index and its coordinates as the file gives them (1-based)
   */
  public static void checkNearImage(Shape s, int width, int height, double pointMargin, String source) {
    double m = pointMargin * Math.max(width, height);
    for (int i = 0; i < s.numPoints(); i++) {
      double x = s.x(i);
      double y = s.y(i);
      double out = Math.max(Math.max(-x, x - (width - 1)), Math.max(-y, y - (height - 1)));
      // written so that a NaN (which the parser never gives) is refused too
      if (!(out <= m)) {
        throw DataException.coded(POINT_OUTSIDE_IMAGE, source, String.format(Locale.ROOT,
            "point %d at x=%s y=%s (as in the file) is %s px outside the %dx%d image, more than the allowed "
            + "%s px (facealign.data.point-margin = %s of its larger side)", i, Double.toString(x + 1),
            Double.toString(y + 1), Double.toString(out), width, height, Double.toString(m),
            Double.toString(pointMargin)));
      }
    }
  }

  /**
   * Refuses a face box that does not overlap its image: with pixel {@code i} covering {@code [i - 1/2, i + 1/2]}, the
   * image covers {@code [-1/2, width - 1/2] x [-1/2, height - 1/2]}, and a box that shares no area with it holds no
   * pixel of the face (a box that overlaps it in part is accepted: 300-W has faces cut by the border).
   *
   * @param boxSource where the box comes from ({@code boxes.txt:line}, {@code list:line}, the annotation for a box
   *     derived from landmarks), named as the failure's source
   * @param image the image, named in the reason
   * @throws DataException with code {@value #BOX_OUTSIDE_IMAGE} naming {@code boxSource}, the box and the image
   */
  public static void checkBoxOnImage(FaceBox box, int width, int height, String boxSource, String image) {
    if (!(box.x0() < width - 0.5 && box.x1() > -0.5 && box.y0() < height - 0.5 && box.y1() > -0.5)) {
      throw DataException.coded(BOX_OUTSIDE_IMAGE, boxSource, String.format(Locale.ROOT,
          "face box %s (x_min y_min x_max y_max) does not overlap the %dx%d image %s", box.text(), width, height,
          image));
    }
  }

  /**
   * Loads an image without annotation (for labelling new images): the face has null landmarks and the
   * hash covers the image bytes only.
   *
   * @param detectorBox the box to align in, or null
   */
  public static LoadedFace loadImageOnly(
      String imagePath, String id, String subset, FaceBox detectorBox, Storage storage, Limits limits) {
    byte[] img = storage.readBytes(imagePath, limits.maxFileBytes());
    GrayImage image = ImageDecoder.decode(img, imagePath, limits.maxPixels());
    Face face = new Face(id, imagePath, null, subset, null, detectorBox);
    return new LoadedFace(face, image, Hashes.sha256(img));
  }

  /**
   * Refuses an annotation that cannot serve as ground truth.
   *
   * @throws DataException naming {@code source}
   */
  public static void checkNotDegenerate(Shape s, LandmarkScheme scheme, String source) {
    boolean allSame = true;
    for (int i = 1; i < s.numPoints() && allSame; i++) {
      allSame = s.x(i) == s.x(0) && s.y(i) == s.y(0);
    }
    if (allSame) {
      throw DataException.coded(DEGENERATE_ANNOTATION, source,
          "degenerate annotation: all " + s.numPoints() + " points are at the same position");
    }
    double ipd = scheme.interPupilDistance(s);
    if (ipd < 1) {
      throw DataException.coded(DEGENERATE_ANNOTATION, source, String.format(Locale.ROOT,
          "degenerate annotation: inter-pupil distance is %.3f px, less than 1", ipd));
    }
  }

}

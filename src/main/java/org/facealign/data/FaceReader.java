package org.facealign.data;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * Loads one discovered face on an executor: reads and strictly parses its annotation, reads and decodes
 * its image within size limits, and fingerprints both files.
 *
 * <p>The annotation is read first: it is small, and a bad one makes reading the image pointless. Every
 * failure is a {@link DataException} naming the file at fault, which jobs turn into a per-face failure.
 *
 * <p>Landmarks outside the image are accepted, because 300-W has faces cut by the image border and their
 * annotations are valid. Degenerate annotations are refused (all points identical, or an inter-pupil
 * distance under one pixel): they would divide normalised errors by zero or blow them up.
 */
public final class FaceReader {
  private FaceReader() {}

  /**
   * Limits on what one face may cost an executor.
   *
   * @param maxFileBytes largest file read (image or annotation)
   * @param maxPixels largest declared {@code width * height} decoded
   */
  public record Limits(long maxFileBytes, long maxPixels) implements Serializable {
    public Limits {
      if (maxFileBytes < 1 || maxPixels < 1) {
        throw new IllegalArgumentException("limits must be positive: " + maxFileBytes + " bytes, " + maxPixels + " pixels");
      }
    }

    /** 64 MiB per file, 64 megapixels per image: far above any face image, far below a heap. */
    public static Limits defaults() {
      return new Limits(64L << 20, 64L << 20);
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
      throw new DataException(e.source(), e.problem());
    }
    if (e.annotationPath() == null) {
      throw new DataException(e.imagePath(), "image has no annotation");
    }
    byte[] ann = storage.readBytes(e.annotationPath(), limits.maxFileBytes());
    Shape shape = PtsFormat.parse(new String(ann, StandardCharsets.UTF_8), e.annotationPath(), scheme.numPoints());
    checkNotDegenerate(shape, scheme, e.annotationPath());
    byte[] img = storage.readBytes(e.imagePath(), limits.maxFileBytes());
    GrayImage image = ImageDecoder.decode(img, e.imagePath(), limits.maxPixels());
    return new LoadedFace(e.toFace(shape), image, sha256(img, ann));
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
    return new LoadedFace(face, image, sha256(img, new byte[0]));
  }

  /**
   * Refuses an annotation that cannot serve as ground truth.
   *
   * @throws DataException naming {@code source}
   */
  static void checkNotDegenerate(Shape s, LandmarkScheme scheme, String source) {
    boolean allSame = true;
    for (int i = 1; i < s.numPoints() && allSame; i++) {
      allSame = s.x(i) == s.x(0) && s.y(i) == s.y(0);
    }
    if (allSame) {
      throw new DataException(source, "degenerate annotation: all " + s.numPoints() + " points are at the same position");
    }
    double ipd = scheme.interPupilDistance(s);
    if (ipd < 1) {
      throw new DataException(source, String.format(Locale.ROOT,
          "degenerate annotation: inter-pupil distance is %.3f px, less than 1", ipd));
    }
  }

  static String sha256(byte[] first, byte[] second) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(first);
      md.update(second);
      return HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException ex) {
      throw new IllegalStateException("SHA-256 is not available", ex);
    }
  }
}

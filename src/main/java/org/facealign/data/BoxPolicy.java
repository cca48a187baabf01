package org.facealign.data;

import java.io.Serializable;
import java.util.Locale;

/**
 * How the face box that initialises alignment is chosen for a face.
 *
 * <ul>
 *   <li>{@link #detector()}: the data set's face-detector box. This is the 300-W protocol: results are
 *       only comparable with published ones when models are initialised from the detector boxes.
 *   <li>{@link #landmarks(double)}: the ground-truth landmarks' extent grown by a margin. Useful where a
 *       data set has no boxes, but it leaks the answer into the initialisation, so errors measured with it
 *       are optimistic.
 * </ul>
 *
 * <p>The same policy must be used at training and at test time: a model learns to correct the
 * particular offset and scale between its boxes and the landmarks, and boxes of another kind at test time
 * put every initial shape systematically off. Models should record the policy they were trained with.
 */
public final class BoxPolicy implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The two kinds of box. */
  public enum Kind {
    DETECTOR,
    LANDMARKS
  }

  /** Failure code of a face without the detector box the {@link #detector()} policy needs. */
  public static final String NO_DETECTOR_BOX = "no_detector_box";

  private static final BoxPolicy DETECTOR = new BoxPolicy(Kind.DETECTOR, 0);

  private final Kind kind;
  private final double margin;

  private BoxPolicy(Kind kind, double margin) {
    this.kind = kind;
    this.margin = margin;
  }

  /** The data set's detector boxes (the 300-W protocol). */
  public static BoxPolicy detector() {
    return DETECTOR;
  }

  /**
   * The landmarks' extent grown by {@code margin} of its width and height on every side.
   *
   * @throws IllegalArgumentException unless {@code -0.5 < margin} and finite
   */
  public static BoxPolicy landmarks(double margin) {
    if (!Double.isFinite(margin) || margin <= -0.5) {
      throw new IllegalArgumentException("landmark box margin must be finite and greater than -0.5, got " + margin);
    }
    return new BoxPolicy(Kind.LANDMARKS, margin);
  }

  /**
   * The policy named {@code name} ({@code detector} or {@code landmarks}, case-insensitive); {@code
   * margin} is used by {@code landmarks} only.
   *
   * @throws IllegalArgumentException for another name
   */
  public static BoxPolicy parse(String name, double margin) {
    String n = name == null ? "" : name.strip().toLowerCase(Locale.ROOT);
    return switch (n) {
      case "detector" -> detector();
      case "landmarks" -> landmarks(margin);
      default -> throw new IllegalArgumentException(
          "unknown box policy '" + name + "': use one of detector, landmarks");
    };
  }

  public Kind kind() {
    return kind;
  }

  /** The margin of {@link Kind#LANDMARKS}; 0 for {@link Kind#DETECTOR}. */
  public double margin() {
    return margin;
  }

  /**
   * The box for {@code face} under this policy.
   *
   * @throws DataException naming the face's image if the face lacks what the policy needs
   */
  public FaceBox boxFor(Face face) {
    return boxFor(face, null);
  }

  /**
   * The box for {@code face} under this policy, where {@code boxProblem} says why the data set gives the face no
   * detector box ({@link FaceEntry#boxProblem()}: a {@code boxes.txt} that is missing, or cannot be parsed, named
   * with its line and the error; null when unknown).
   *
   * @throws DataException naming the face's image if the face lacks what the policy needs: with code {@value
   *     #NO_DETECTOR_BOX} and {@code boxProblem} in the reason when the detector box is missing
   */
  public FaceBox boxFor(Face face, String boxProblem) {
    if (kind == Kind.DETECTOR) {
      if (face.detectorBox() == null) {
        throw DataException.coded(NO_DETECTOR_BOX, face.imagePath(), "no detector box: "
            + (boxProblem != null ? boxProblem : "the data set gives none for face " + face.id())
            + " (supply boxes, or use the landmarks box policy, which is not the 300-W protocol)");
      }
      return face.detectorBox();
    }
    Shape s = face.landmarks();
    if (s == null) {
      throw new DataException(face.imagePath(), "no landmarks to derive a box from for face " + face.id());
    }
    try {
      return s.extent().expand(margin);
    } catch (IllegalArgumentException e) {
      throw new DataException(face.imagePath(), "landmarks of face " + face.id() + " give no box: " + e.getMessage());
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof BoxPolicy p && kind == p.kind && Double.compare(margin, p.margin) == 0;
  }

  @Override
  public int hashCode() {
    return 31 * kind.hashCode() + Double.hashCode(margin);
  }

  /** {@code detector} or {@code landmarks(margin)}. */
  @Override
  public String toString() {
    return kind == Kind.DETECTOR ? "detector" : "landmarks(" + margin + ")";
  }

  private Object readResolve() {
    return kind == Kind.DETECTOR ? DETECTOR : this;
  }
}

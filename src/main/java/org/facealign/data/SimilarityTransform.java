package org.facealign.data;

import java.io.Serializable;

/**
 * A 2-D similarity transform (rotation, uniform scale, translation):
 * {@code x' = a x - b y + tx}, {@code y' = b x + a y + ty}, with {@code a = s cos θ}, {@code b = s sin θ}.
 * Immutable. Used to map a face into a canonical frame and back, and to rotate faces for augmentation.
 */
public record SimilarityTransform(double a, double b, double tx, double ty) implements Serializable {

  public static final SimilarityTransform IDENTITY = new SimilarityTransform(1, 0, 0, 0);

  public SimilarityTransform {
    if (!(Double.isFinite(a) && Double.isFinite(b) && Double.isFinite(tx) && Double.isFinite(ty)) || a * a + b * b == 0) {
      throw new IllegalArgumentException("degenerate similarity transform: " + a + " " + b + " " + tx + " " + ty);
    }
  }

  /** Scale {@code s}, rotation {@code theta} (radians, counter-clockwise in x-right/y-down pixels is clockwise on screen), then translation. */
  public static SimilarityTransform of(double s, double theta, double tx, double ty) {
    return new SimilarityTransform(s * Math.cos(theta), s * Math.sin(theta), tx, ty);
  }

  /** Rotation by {@code theta} about the point {@code (cx, cy)}. */
  public static SimilarityTransform rotationAbout(double theta, double cx, double cy) {
    double c = Math.cos(theta);
    double s = Math.sin(theta);
    return new SimilarityTransform(c, s, cx - c * cx + s * cy, cy - s * cx - c * cy);
  }

  /**
   * The transform that maps {@code box} into a canonical square image: the box centre goes to the image
   * centre, and the box's mean side ({@code (width + height) / 2}) becomes {@code faceSize} pixels. The
   * canonical image is {@link #canonicalSize(int, double)} pixels wide, leaving {@code margin} of the
   * face size on each side for patches around landmarks near the box border.
   */
  public static SimilarityTransform boxToCanonical(FaceBox box, int faceSize, double margin) {
    double s = faceSize / ((box.width() + box.height()) / 2);
    double c = (canonicalSize(faceSize, margin) - 1) / 2.0;
    return new SimilarityTransform(s, 0, c - s * box.centerX(), c - s * box.centerY());
  }

  /** Side of the canonical image: {@code round(faceSize * (1 + 2 margin))}. */
  public static int canonicalSize(int faceSize, double margin) {
    return (int) Math.round(faceSize * (1 + 2 * margin));
  }

  public double scale() {
    return Math.hypot(a, b);
  }

  public double angle() {
    return Math.atan2(b, a);
  }

  public double applyX(double x, double y) {
    return a * x - b * y + tx;
  }

  public double applyY(double x, double y) {
    return b * x + a * y + ty;
  }

  public Shape apply(Shape s) {
    double[] xy = s.toArray();
    for (int i = 0; i < xy.length; i += 2) {
      double x = xy[i];
      double y = xy[i + 1];
      xy[i] = applyX(x, y);
      xy[i + 1] = applyY(x, y);
    }
    return Shape.of(xy);
  }

  /** Applies only the linear part (rotation and scale) to interleaved vectors, e.g. shape increments. */
  public double[] applyLinear(double[] dxy) {
    double[] r = new double[dxy.length];
    for (int i = 0; i < dxy.length; i += 2) {
      r[i] = a * dxy[i] - b * dxy[i + 1];
      r[i + 1] = b * dxy[i] + a * dxy[i + 1];
    }
    return r;
  }

  public SimilarityTransform inverse() {
    double d = a * a + b * b;
    double ia = a / d;
    double ib = -b / d;
    return new SimilarityTransform(ia, ib, -(ia * tx - ib * ty), -(ib * tx + ia * ty));
  }

  /** {@code this} after {@code first}: {@code x -> this(first(x))}. */
  public SimilarityTransform after(SimilarityTransform first) {
    return new SimilarityTransform(a * first.a - b * first.b, b * first.a + a * first.b,
        a * first.tx - b * first.ty + tx, b * first.tx + a * first.ty + ty);
  }
}

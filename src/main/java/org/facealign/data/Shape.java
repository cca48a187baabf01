package org.facealign.data;

import java.io.Serializable;
import java.util.Arrays;

/**
 * An immutable set of 2-D landmarks (68 for the iBUG scheme, any N in general), in 0-based pixel
 * coordinates of some image (pixel centres at integer positions) unless a method says otherwise.
 *
 * <p>Stored interleaved as {@code x0, y0, x1, y1, ...}, the layout regression targets use, so
 * {@link #toArray()} is directly a 2N-d vector.
 */
public final class Shape implements Serializable {
  private static final long serialVersionUID = 1L;

  private final double[] xy;

  private Shape(double[] xy) {
    this.xy = xy;
  }

  /** A shape from an interleaved {@code x0, y0, x1, y1, ...} array (copied); every value must be finite. */
  public static Shape of(double[] xy) {
    if (xy.length == 0 || xy.length % 2 != 0) {
      throw new IllegalArgumentException("a shape needs an even, non-zero number of coordinates, got " + xy.length);
    }
    for (int i = 0; i < xy.length; i++) {
      if (!Double.isFinite(xy[i])) {
        throw new IllegalArgumentException("coordinate " + i + " of a shape is not finite: " + xy[i]);
      }
    }
    return new Shape(xy.clone());
  }

  /** A shape from separate x and y arrays of equal length. */
  public static Shape of(double[] x, double[] y) {
    if (x.length != y.length) {
      throw new IllegalArgumentException("x has " + x.length + " values, y has " + y.length);
    }
    double[] xy = new double[2 * x.length];
    for (int i = 0; i < x.length; i++) {
      xy[2 * i] = x[i];
      xy[2 * i + 1] = y[i];
    }
    return of(xy);
  }

  /** A shape from a float interleaved array (as stored in feature files and models). */
  public static Shape ofFloats(float[] xy) {
    double[] d = new double[xy.length];
    for (int i = 0; i < xy.length; i++) {
      d[i] = xy[i];
    }
    return of(d);
  }

  public int numPoints() {
    return xy.length / 2;
  }

  public double x(int i) {
    return xy[2 * i];
  }

  public double y(int i) {
    return xy[2 * i + 1];
  }

  /** The interleaved coordinates, copied. */
  public double[] toArray() {
    return xy.clone();
  }

  /** The interleaved coordinates as floats. */
  public float[] toFloatArray() {
    float[] f = new float[xy.length];
    for (int i = 0; i < xy.length; i++) {
      f[i] = (float) xy[i];
    }
    return f;
  }

  /** The mean of points {@code from..toInclusive}, as {@code {x, y}}. */
  public double[] centroid(int from, int toInclusive) {
    double sx = 0;
    double sy = 0;
    for (int i = from; i <= toInclusive; i++) {
      sx += x(i);
      sy += y(i);
    }
    int n = toInclusive - from + 1;
    return new double[] {sx / n, sy / n};
  }

  /** Euclidean distance between point i of this shape and point i of {@code other}. */
  public double pointDistance(Shape other, int i) {
    return Math.hypot(x(i) - other.x(i), y(i) - other.y(i));
  }

  /** Euclidean distance between points i and j of this shape. */
  public double distance(int i, int j) {
    return Math.hypot(x(i) - x(j), y(i) - y(j));
  }

  /** {@code (xmin, ymin, xmax, ymax)} of the points. */
  public FaceBox extent() {
    double x0 = Double.POSITIVE_INFINITY;
    double y0 = Double.POSITIVE_INFINITY;
    double x1 = Double.NEGATIVE_INFINITY;
    double y1 = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < numPoints(); i++) {
      x0 = Math.min(x0, x(i));
      y0 = Math.min(y0, y(i));
      x1 = Math.max(x1, x(i));
      y1 = Math.max(y1, y(i));
    }
    return new FaceBox(x0, y0, x1, y1);
  }

  /** The shape with every point moved by {@code (dx, dy)}. */
  public Shape translate(double dx, double dy) {
    double[] r = xy.clone();
    for (int i = 0; i < r.length; i += 2) {
      r[i] += dx;
      r[i + 1] += dy;
    }
    return new Shape(r);
  }

  /** The shape plus an interleaved increment of the same length (a regression update). */
  public Shape plus(double[] delta) {
    if (delta.length != xy.length) {
      throw new IllegalArgumentException("increment has " + delta.length + " values, shape has " + xy.length);
    }
    double[] r = xy.clone();
    for (int i = 0; i < r.length; i++) {
      r[i] += delta[i];
    }
    return of(r);
  }

  /**
   * Expresses the shape in the box's normalised frame: {@code (x - x0) / w, (y - y0) / h}, so that the
   * box maps to the unit square. This is the frame mean shapes and initial shapes live in.
   */
  public Shape toBoxFrame(FaceBox box) {
    double[] r = new double[xy.length];
    for (int i = 0; i < r.length; i += 2) {
      r[i] = (xy[i] - box.x0()) / box.width();
      r[i + 1] = (xy[i + 1] - box.y0()) / box.height();
    }
    return new Shape(r);
  }

  /** The inverse of {@link #toBoxFrame}: places a unit-square shape into {@code box}. */
  public Shape fromBoxFrame(FaceBox box) {
    double[] r = new double[xy.length];
    for (int i = 0; i < r.length; i += 2) {
      r[i] = box.x0() + xy[i] * box.width();
      r[i + 1] = box.y0() + xy[i + 1] * box.height();
    }
    return new Shape(r);
  }

  /**
   * Mirrors the shape about the vertical axis of an image {@code imageWidth} pixels wide and renumbers
   * the points so that, for example, the left eye's corners become the right eye's:
   * new point i = mirrored old point {@code perm[i]}. Pixel centres are integers, so x maps to
   * {@code imageWidth - 1 - x}.
   */
  public Shape flipHorizontal(double imageWidth, int[] perm) {
    if (perm.length != numPoints()) {
      throw new IllegalArgumentException("flip map has " + perm.length + " entries, shape has " + numPoints() + " points");
    }
    double[] r = new double[xy.length];
    for (int i = 0; i < perm.length; i++) {
      r[2 * i] = imageWidth - 1 - xy[2 * perm[i]];
      r[2 * i + 1] = xy[2 * perm[i] + 1];
    }
    return new Shape(r);
  }

  /**
   * The shape, given in the frame an image is stored in ({@code storedWidth x storedHeight}), in the frame it is
   * displayed in under EXIF orientation {@code tag} (1..8, as {@link GrayImage#oriented}): each point goes where that
   * image's pixel under it is shown. The mirroring orientations (2, 4, 5, 7) also renumber the points by {@code perm},
   * as {@link #flipHorizontal} does, so that the left eye's corners of the displayed face are its left eye's.
   *
   * @throws IllegalArgumentException for a tag outside 1..8 or a flip map of another length
   */
  public Shape oriented(int tag, int storedWidth, int storedHeight, int[] perm) {
    if (tag < 1 || tag > 8) {
      throw new IllegalArgumentException("EXIF orientation must be 1..8, got " + tag);
    }
    if (perm.length != numPoints()) {
      throw new IllegalArgumentException("flip map has " + perm.length + " entries, shape has " + numPoints()
          + " points");
    }
    boolean mirrored = tag == 2 || tag == 4 || tag == 5 || tag == 7;
    double w1 = storedWidth - 1;
    double h1 = storedHeight - 1;
    double[] r = new double[xy.length];
    for (int i = 0; i < perm.length; i++) {
      int from = mirrored ? perm[i] : i;
      double sx = xy[2 * from];
      double sy = xy[2 * from + 1];
      double[] d = switch (tag) {
        case 1 -> new double[] {sx, sy};
        case 2 -> new double[] {w1 - sx, sy};
        case 3 -> new double[] {w1 - sx, h1 - sy};
        case 4 -> new double[] {sx, h1 - sy};
        case 5 -> new double[] {sy, sx};
        case 6 -> new double[] {h1 - sy, sx};
        case 7 -> new double[] {h1 - sy, w1 - sx};
        default -> new double[] {sy, w1 - sx}; // 8
      };
      r[2 * i] = d[0];
      r[2 * i + 1] = d[1];
    }
    return new Shape(r);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Shape s && Arrays.equals(xy, s.xy);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(xy);
  }

  @Override
  public String toString() {
    return "Shape[" + numPoints() + " points]";
  }
}

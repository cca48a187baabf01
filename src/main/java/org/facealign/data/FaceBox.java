package org.facealign.data;

import java.io.Serializable;

/**
 * An axis-aligned face box, {@code [x0, x1] x [y0, y1]} in 0-based pixel coordinates, as 300-W's
 * {@code boxes.txt} gives them. Width is {@code x1 - x0} (a box is a continuous rectangle, not a
 * count of pixels).
 */
public record FaceBox(double x0, double y0, double x1, double y1) implements Serializable {

  public FaceBox {
    if (!(Double.isFinite(x0) && Double.isFinite(y0) && Double.isFinite(x1) && Double.isFinite(y1))) {
      throw new IllegalArgumentException("face box has a non-finite coordinate: " + x0 + " " + y0 + " " + x1 + " " + y1);
    }
    if (!(x1 > x0 && y1 > y0)) {
      throw new IllegalArgumentException("face box is empty or inverted: " + x0 + " " + y0 + " " + x1 + " " + y1);
    }
  }

  /** The coordinates as text, {@code "x0 y0 x1 y1"}, each in full ({@link Double#toString}). */
  public String text() {
    return x0 + " " + y0 + " " + x1 + " " + y1;
  }

  public double width() {
    return x1 - x0;
  }

  public double height() {
    return y1 - y0;
  }

  public double centerX() {
    return (x0 + x1) / 2;
  }

  public double centerY() {
    return (y0 + y1) / 2;
  }

  /** The box grown by {@code margin} of its width and height on every side (shrunk if negative). */
  public FaceBox expand(double margin) {
    double dx = margin * width();
    double dy = margin * height();
    return new FaceBox(x0 - dx, y0 - dy, x1 + dx, y1 + dy);
  }

  /** The box mirrored in an image {@code imageWidth} pixels wide (pixel centres at integers). */
  public FaceBox flipHorizontal(double imageWidth) {
    return new FaceBox(imageWidth - 1 - x1, y0, imageWidth - 1 - x0, y1);
  }

  /** Intersection over union with {@code o}: 1 for equal boxes, 0 for disjoint ones. */
  public double iou(FaceBox o) {
    double ix = Math.max(0, Math.min(x1, o.x1) - Math.max(x0, o.x0));
    double iy = Math.max(0, Math.min(y1, o.y1) - Math.max(y0, o.y0));
    double inter = ix * iy;
    return inter / (width() * height() + o.width() * o.height() - inter);
  }

  /** The box scaled about the origin by {@code s} (from one image resolution to another). */
  public FaceBox scale(double s) {
    return new FaceBox(x0 * s, y0 * s, x1 * s, y1 * s);
  }

  /** The smallest box holding this one and {@code o}. */
  public FaceBox union(FaceBox o) {
    return new FaceBox(Math.min(x0, o.x0), Math.min(y0, o.y0), Math.max(x1, o.x1), Math.max(y1, o.y1));
  }

  /** The box moved by {@code (dx, dy)}. */
  public FaceBox translate(double dx, double dy) {
    return new FaceBox(x0 + dx, y0 + dy, x1 + dx, y1 + dy);
  }
}

package org.facealign.data;

/**
 * The window of a photograph kept to align one face: its top-left pixel {@code (x0, y0)} and its size, in the
 * photograph's pixels. A model given the window (and the box moved into it by {@link #toWindow}) predicts what it
 * predicts on the whole photograph, up to the rounding of the offset in its transforms, when the window holds every
 * pixel the model reads for that box ({@code LandmarkModel.footprint}): the warp's 2x2 halvings start on multiples of
 * a power of two of the image they are given, and the window starts on multiples of {@link #ALIGN}, so they halve
 * the same pixels. Holding windows instead of photographs bounds the memory of a batch of faces by the faces' size,
 * not the photographs'.
 */
public record FaceWindow(int x0, int y0, int width, int height) {
  /** Windows start on multiples of this many pixels: 2^6, six halvings, faces up to about 16 000 pixels wide. */
  public static final int ALIGN = 64;

  public FaceWindow {
    if (x0 < 0 || y0 < 0 || width < 1 || height < 1 || x0 % ALIGN != 0 || y0 % ALIGN != 0) {
      throw new IllegalArgumentException("a face window starts on multiples of " + ALIGN + " and is not empty: "
          + width + "x" + height + " at (" + x0 + ", " + y0 + ")");
    }
  }

  /**
   * The window of a {@code imageWidth x imageHeight} photograph that holds {@code region} (pixel coordinates, as a
   * box; {@code null}: the whole photograph): its start moved down onto multiples of {@link #ALIGN}, its end past the
   * last pixel the region touches, both clamped to the photograph.
   */
  public static FaceWindow around(FaceBox region, int imageWidth, int imageHeight) {
    if (imageWidth < 1 || imageHeight < 1) {
      throw new IllegalArgumentException("no window in an empty " + imageWidth + "x" + imageHeight + " image");
    }
    if (region == null) {
      return new FaceWindow(0, 0, imageWidth, imageHeight);
    }
    int x0 = start(region.x0(), imageWidth);
    int y0 = start(region.y0(), imageHeight);
    int x1 = end(region.x1(), x0, imageWidth);
    int y1 = end(region.y1(), y0, imageHeight);
    return new FaceWindow(x0, y0, x1 - x0, y1 - y0);
  }

  /** The first pixel at or before {@code v} on a multiple of {@link #ALIGN}, inside {@code [0, size)}. */
  private static int start(double v, int size) {
    double c = Math.max(0, Math.min(Math.floor(v), size - 1));
    return (int) c / ALIGN * ALIGN;
  }

  /** The end (exclusive) one pixel past {@code ceil(v)}, after {@code from}, at most {@code size}. */
  private static int end(double v, int from, int size) {
    double c = Math.max(from + 1, Math.min(Math.ceil(v) + 1, size));
    return (int) c;
  }

  /** Whether the window is the whole of a {@code imageWidth x imageHeight} photograph. */
  public boolean whole(int imageWidth, int imageHeight) {
    return x0 == 0 && y0 == 0 && width == imageWidth && height == imageHeight;
  }

  /** This window of {@code image}, copied ({@code image} itself when the window is all of it). */
  public GrayImage cut(GrayImage image) {
    return whole(image.width(), image.height()) ? image : image.crop(x0, y0, width, height);
  }

  /** This window of {@code image} mirrored left to right, the window given in the mirrored image's coordinates. */
  public GrayImage cutMirrored(GrayImage image) {
    return image.flipHorizontal(x0, y0, width, height);
  }

  /** {@code box} of the photograph in the window's coordinates. */
  public FaceBox toWindow(FaceBox box) {
    return box.translate(-x0, -y0);
  }

  /** {@code shape} in the window's coordinates back in the photograph's. */
  public Shape fromWindow(Shape shape) {
    return shape.translate(x0, y0);
  }
}

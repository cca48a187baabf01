package org.facealign.data;

/**
 * The window of a photograph kept to align one face: its top-left pixel {@code (x0, y0)} and its size, in the
 * photograph's pixels. A model given the window (and the box moved into it by {@link #toWindow}) predicts what it
 * predicts on the whole photograph, up to the rounding of the offset in its transforms, when the window holds every
 * pixel the model reads for that box ({@code LandmarkModel.footprint}): the warp's 2x2 halvings start on multiples of
 * a power of two of the image they are given, and the window starts on multiples of {@link #ALIGN}, so they halve
 * the same pixels. Its far edges lie on multiples of {@link #ALIGN} counted from the photograph's far edges, so the
 * window mirrored halves the pixels the photograph mirrored does too (mirror averaging of a window is that of the
 * photograph); and it is at least {@link #MIN_SIDE} pixels wide and high where the photograph is, so that it is halved
 * as often as the photograph and holds the photograph's last whole blocks, which a warp reading beyond the border
 * repeats. Holding windows instead of photographs bounds the memory of a batch of faces by the faces' size, not the
 * photographs'.
 */
public record FaceWindow(int x0, int y0, int width, int height) {
  /**
   * Windows start on multiples of this many pixels: 2^6, six halvings (at the default face size of 128, faces up to
   * about 16 000 pixels wide; a warp that halves more often has no footprint and reads the whole photograph).
   */
  public static final int ALIGN = 64;
  /** The least side of a window in a photograph at least this large: two blocks of the sixth halving. */
  public static final int MIN_SIDE = 2 * ALIGN;

  public FaceWindow {
    if (x0 < 0 || y0 < 0 || width < 1 || height < 1 || x0 % ALIGN != 0 || y0 % ALIGN != 0) {
      throw new IllegalArgumentException("a face window starts on multiples of " + ALIGN + " and is not empty: "
          + width + "x" + height + " at (" + x0 + ", " + y0 + ")");
    }
  }

  /**
   * The window of a {@code imageWidth x imageHeight} photograph that holds {@code region} (pixel coordinates, as a
   * box; {@code null}: the whole photograph): on each axis its start moved down onto a multiple of {@link #ALIGN},
   * its end past the last pixel the region touches and then onto a multiple of {@link #ALIGN} from the photograph's
   * end, at least {@link #MIN_SIDE} long, all within the photograph (an axis of {@link #MIN_SIDE} pixels or fewer is
   * kept whole).
   */
  public static FaceWindow around(FaceBox region, int imageWidth, int imageHeight) {
    if (imageWidth < 1 || imageHeight < 1) {
      throw new IllegalArgumentException("no window in an empty " + imageWidth + "x" + imageHeight + " image");
    }
    if (region == null) {
      return new FaceWindow(0, 0, imageWidth, imageHeight);
    }
    int[] x = span(region.x0(), region.x1(), imageWidth);
    int[] y = span(region.y0(), region.y1(), imageHeight);
    return new FaceWindow(x[0], y[0], x[1] - x[0], y[1] - y[0]);
  }

  /** The window's {@code [from, to)} on an axis of {@code size} pixels for the region's {@code [lo, hi]}. */
  private static int[] span(double lo, double hi, int size) {
    if (size <= MIN_SIDE) {
      return new int[] {0, size};
    }
    // the start: at most MIN_SIDE before the end, on the grid
    double first = Math.max(0, Math.min(Math.floor(lo), size - MIN_SIDE));
    int from = (int) first / ALIGN * ALIGN;
    // the end: past ceil(hi), at least MIN_SIDE after the start, on the grid counted from the end
    double last = Math.min(size, Math.max(Math.ceil(hi) + 1, from + MIN_SIDE));
    int back = (int) ((size - last) / ALIGN) * ALIGN;
    return new int[] {from, size - back};
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

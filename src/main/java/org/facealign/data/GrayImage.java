package org.facealign.data;

import java.io.Serializable;

/**
 * An immutable grey-level image, row-major floats, values nominally in [0, 255]. Pixel (x, y) has its
 * centre at integer coordinates, the convention of {@link Shape}.
 */
public final class GrayImage implements Serializable {
  private static final long serialVersionUID = 1L;

  private final int width;
  private final int height;
  private final float[] pixels;

  private GrayImage(int width, int height, float[] pixels) {
    this.width = width;
    this.height = height;
    this.pixels = pixels;
  }

  /** An image over a copy of {@code pixels} (row-major, {@code width * height} values). */
  public static GrayImage of(int width, int height, float[] pixels) {
    return wrap(width, height, pixels.clone());
  }

  /** An image that takes ownership of {@code pixels}: the caller must not change them afterwards. */
  public static GrayImage wrap(int width, int height, float[] pixels) {
    if (width < 1 || height < 1) {
      throw new IllegalArgumentException("image must be at least 1x1, got " + width + "x" + height);
    }
    if ((long) width * height != pixels.length) {
      throw new IllegalArgumentException(width + "x" + height + " image needs " + (long) width * height + " pixels, got " + pixels.length);
    }
    return new GrayImage(width, height, pixels);
  }

  public int width() {
    return width;
  }

  public int height() {
    return height;
  }

  public float get(int x, int y) {
    return pixels[y * width + x];
  }

  /** The pixel array itself, row-major, for this package's loops: read, never written. */
  float[] pixels() {
    return pixels;
  }

  /** The pixels copied into {@code dst} from {@code off} (row-major). */
  public void copyTo(float[] dst, int off) {
    System.arraycopy(pixels, 0, dst, off, pixels.length);
  }

  /** The pixels, copied. */
  public float[] toArray() {
    return pixels.clone();
  }

  /** The image mirrored left to right: pixel x goes to {@code width - 1 - x}. */
  public GrayImage flipHorizontal() {
    float[] r = new float[pixels.length];
    for (int y = 0; y < height; y++) {
      int row = y * width;
      for (int x = 0; x < width; x++) {
        r[row + width - 1 - x] = pixels[row + x];
      }
    }
    return new GrayImage(width, height, r);
  }

  /**
   * The {@code w x h} window whose top-left pixel is (x0, y0) of the image mirrored left to right, copied in one pass
   * without mirroring the rest: {@code flipHorizontal().crop(x0, y0, w, h)}, for a window of a large photograph.
   */
  public GrayImage flipHorizontal(int x0, int y0, int w, int h) {
    checkWindow(x0, y0, w, h);
    float[] r = new float[w * h];
    for (int y = 0; y < h; y++) {
      int from = (y0 + y) * width + (width - 1 - x0);
      int to = y * w;
      for (int x = 0; x < w; x++) {
        r[to + x] = pixels[from - x];
      }
    }
    return new GrayImage(w, h, r);
  }

  /**
   * The image as displayed under EXIF orientation {@code tag} (1..8; TIFF 6.0 tag 274): 1 as stored, 2 mirrored,
   * 3 turned 180°, 4 flipped upside down, 5 transposed, 6 turned 90° clockwise, 7 transversed, 8 turned 90°
   * anticlockwise. Orientations 5..8 swap width and height.
   *
   * @throws IllegalArgumentException for a tag outside 1..8
   */
  public GrayImage oriented(int tag) {
    if (tag < 1 || tag > 8) {
      throw new IllegalArgumentException("EXIF orientation must be 1..8, got " + tag);
    }
    if (tag == 1) {
      return this;
    }
    boolean swap = tag >= 5;
    int w = swap ? height : width;
    int h = swap ? width : height;
    float[] r = new float[pixels.length];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        // (sx, sy): the stored pixel shown at (x, y)
        int sx;
        int sy;
        switch (tag) {
          case 2 -> { sx = width - 1 - x; sy = y; }
          case 3 -> { sx = width - 1 - x; sy = height - 1 - y; }
          case 4 -> { sx = x; sy = height - 1 - y; }
          case 5 -> { sx = y; sy = x; }
          case 6 -> { sx = y; sy = height - 1 - x; }
          case 7 -> { sx = width - 1 - y; sy = height - 1 - x; }
          default -> { sx = width - 1 - y; sy = x; } // 8
        }
        r[y * w + x] = pixels[sy * width + sx];
      }
    }
    return new GrayImage(w, h, r);
  }

  /** The {@code w x h} window whose top-left pixel is (x0, y0), copied; it must lie inside the image. */
  public GrayImage crop(int x0, int y0, int w, int h) {
    checkWindow(x0, y0, w, h);
    float[] r = new float[w * h];
    for (int y = 0; y < h; y++) {
      System.arraycopy(pixels, (y0 + y) * width + x0, r, y * w, w);
    }
    return new GrayImage(w, h, r);
  }

  /** Refuses a {@code w x h} window at (x0, y0) that is empty or does not lie inside the image. */
  private void checkWindow(int x0, int y0, int w, int h) {
    if (x0 < 0 || y0 < 0 || w < 1 || h < 1 || x0 + w > width || y0 + h > height) {
      throw new IllegalArgumentException("window " + w + "x" + h + " at (" + x0 + ", " + y0 + ") outside a "
          + width + "x" + height + " image");
    }
  }
}

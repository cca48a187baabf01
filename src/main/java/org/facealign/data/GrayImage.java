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

  /** The {@code w x h} window whose top-left pixel is (x0, y0), copied; it must lie inside the image. */
  public GrayImage crop(int x0, int y0, int w, int h) {
    if (x0 < 0 || y0 < 0 || w < 1 || h < 1 || x0 + w > width || y0 + h > height) {
      throw new IllegalArgumentException("crop " + w + "x" + h + " at (" + x0 + ", " + y0 + ") outside a "
          + width + "x" + height + " image");
    }
    float[] r = new float[w * h];
    for (int y = 0; y < h; y++) {
      System.arraycopy(pixels, (y0 + y) * width + x0, r, y * w, w);
    }
    return new GrayImage(w, h, r);
  }
}

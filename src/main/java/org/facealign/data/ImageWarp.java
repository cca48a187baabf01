package org.facealign.data;

/**
 * Resamples images under a {@link SimilarityTransform}: every output pixel centre is mapped back into
 * the source and sampled bilinearly, with coordinates outside the source clamped to its border
 * (replicated edge pixels, so a face near the image border gets plausible context, not black).
 *
 * <p>Shrinking by more than 2x first halves the source with 2x2 box averaging (as often as needed), so
 * the bilinear sampling never skips source pixels: this avoids aliasing when a large photo is brought to
 * a 128-pixel face.
 */
public final class ImageWarp {
  private ImageWarp() {}

  /**
   * The {@code width x height} image whose pixel (x, y) is the source at {@code srcToDst.inverse()(x, y)}.
   */
  public static GrayImage warp(GrayImage src, SimilarityTransform srcToDst, int width, int height) {
    GrayImage s = src;
    SimilarityTransform t = srcToDst;
    while (t.scale() < 0.5 && s.width() >= 4 && s.height() >= 4) {
      s = halve(s);
      // pixel (x, y) of the halved image covers source pixels 2x..2x+1: its centre is at 2x + 0.5
      t = t.after(new SimilarityTransform(2, 0, 0.5, 0.5));
    }
    SimilarityTransform inv = t.inverse();
    float[] out = new float[width * height];
    for (int y = 0; y < height; y++) {
      double sx = inv.applyX(0, y);
      double sy = inv.applyY(0, y);
      for (int x = 0; x < width; x++) {
        out[y * width + x] = bilinear(s, sx + inv.a() * x, sy + inv.b() * x);
      }
    }
    return GrayImage.wrap(width, height, out);
  }

  /** Bilinear sample at {@code (x, y)}, coordinates clamped to the image. */
  public static float bilinear(GrayImage img, double x, double y) {
    int w = img.width();
    int h = img.height();
    double cx = Math.min(Math.max(x, 0), w - 1);
    double cy = Math.min(Math.max(y, 0), h - 1);
    int x0 = (int) cx;
    int y0 = (int) cy;
    int x1 = Math.min(x0 + 1, w - 1);
    int y1 = Math.min(y0 + 1, h - 1);
    double fx = cx - x0;
    double fy = cy - y0;
    double top = img.get(x0, y0) * (1 - fx) + img.get(x1, y0) * fx;
    double bottom = img.get(x0, y1) * (1 - fx) + img.get(x1, y1) * fx;
    return (float) (top * (1 - fy) + bottom * fy);
  }

  /** Half the size, each output pixel the mean of a 2x2 block (odd last row/column dropped). */
  static GrayImage halve(GrayImage src) {
    int w = src.width() / 2;
    int h = src.height() / 2;
    float[] out = new float[w * h];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        out[y * w + x] = (src.get(2 * x, 2 * y) + src.get(2 * x + 1, 2 * y) + src.get(2 * x, 2 * y + 1)
            + src.get(2 * x + 1, 2 * y + 1)) / 4f;
      }
    }
    return GrayImage.wrap(w, h, out);
  }
}

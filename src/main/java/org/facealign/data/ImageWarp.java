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
    return warp(src, srcToDst, width, height, true, new float[width * height]);
  }

  /**
   * {@link #warp} into {@code out} ({@code width * height} floats, every one written), which the result wraps:
   * a buffer reused from one face to the next, so that aligning many faces allocates nothing per face (a
   * JVM's heap that grows under steady allocation slows every step with page faults). The result is valid
   * until {@code out} is written again.
   */
  public static GrayImage warp(GrayImage src, SimilarityTransform srcToDst, int width, int height, float[] out) {
    if (out.length != width * height) {
      throw new IllegalArgumentException(width + "x" + height + " output needs " + width * height + " floats, got " + out.length);
    }
    return warp(src, srcToDst, width, height, true, out);
  }

  /** {@link #warp}, optionally without cropping the source first (the reference the crop must equal). */
  static GrayImage warp(GrayImage src, SimilarityTransform srcToDst, int width, int height, boolean crop) {
    return warp(src, srcToDst, width, height, crop, new float[width * height]);
  }

  private static GrayImage warp(GrayImage src, SimilarityTransform srcToDst, int width, int height, boolean crop,
      float[] out) {
    // Halvings needed to bring the scale to at least 1/2, as long as the image stays 4 px or more.
    int halvings = 0;
    double sc = srcToDst.scale();
    for (int w = src.width(), h = src.height(); sc < 0.5 && w >= 4 && h >= 4; w /= 2, h /= 2) {
      sc *= 2;
      halvings++;
    }
    // Only the part of the source the output reads is halved: the bounding box of the output's
    // footprint, widened by 2^(halvings+1) + 2 pixels for the bilinear neighbours and the 2x2 blocks,
    // with its origin on a multiple of 2^halvings so that the halved crop has exactly the pixels the
    // halved full image has there (the result does not depend on the crop; a test checks it).
    int step = 1 << halvings;
    double[] c = corners(srcToDst, width, height);
    int pad = 2 * step + 2;
    int[] xs = span(c[0] - pad, c[2] + pad, step, src.width());
    int[] ys = span(c[1] - pad, c[3] + pad, step, src.height());
    GrayImage s = src;
    SimilarityTransform t = srcToDst;
    if (halvings > 0) {
      // the first halving reads the kept part of the source in place (the same pixels a crop would copy)
      boolean part = crop && (xs[1] - xs[0] < src.width() || ys[1] - ys[0] < src.height());
      if (part) {
        s = halve(src, xs[0], ys[0], xs[1] - xs[0], ys[1] - ys[0]);
        t = srcToDst.after(new SimilarityTransform(1, 0, xs[0], ys[0]));
      } else {
        s = halve(src);
      }
      t = t.after(new SimilarityTransform(2, 0, 0.5, 0.5));
      for (int i = 1; i < halvings; i++) {
        s = halve(s);
        // pixel (x, y) of the halved image covers source pixels 2x..2x+1: its centre is at 2x + 0.5
        t = t.after(new SimilarityTransform(2, 0, 0.5, 0.5));
      }
    }
    SimilarityTransform inv = t.inverse();
    if (inv.b() == 0) {
      sampleAxisAligned(s, inv, width, height, out);
    } else {
      for (int y = 0; y < height; y++) {
        double sx = inv.applyX(0, y);
        double sy = inv.applyY(0, y);
        for (int x = 0; x < width; x++) {
          out[y * width + x] = bilinear(s, sx + inv.a() * x, sy + inv.b() * x);
        }
      }
    }
    return GrayImage.wrap(width, height, out);
  }

  /**
   * The bilinear sampling of {@link #warp} for a transform without rotation: every column then reads the same
   * source columns with the same weights, and every row the same rows, so both are worked out once, and each
   * source row is interpolated across once for the output rows that read it; each pixel is the same expression
   * as {@link #bilinear} on the same numbers, hence the same value to the last bit.
   */
  private static void sampleAxisAligned(GrayImage s, SimilarityTransform inv, int width, int height, float[] out) {
    int w = s.width();
    int h = s.height();
    int[] x0 = new int[width];
    int[] x1 = new int[width];
    double[] fx = new double[width];
    double sx = inv.applyX(0, 0);
    for (int x = 0; x < width; x++) {
      double cx = Math.min(Math.max(sx + inv.a() * x, 0), w - 1);
      x0[x] = (int) cx;
      x1[x] = Math.min(x0[x] + 1, w - 1);
      fx[x] = cx - x0[x];
    }
    float[] px = s.pixels();
    // each source row interpolated across once, kept while the output rows that read it are made (two slots:
    // an output row reads source rows y0 and y0 + 1, and the next output row mostly one of them again)
    double[][] slot = {new double[width], new double[width]};
    int[] held = {-1, -1};
    for (int y = 0; y < height; y++) {
      double cy = Math.min(Math.max(inv.applyY(0, y), 0), h - 1);
      int y0 = (int) cy;
      int y1 = Math.min(y0 + 1, h - 1);
      double fy = cy - y0;
      int a = held[0] == y0 ? 0 : held[1] == y0 ? 1 : held[1] == y1 ? 0 : 1;
      if (held[a] != y0) {
        across(px, y0 * w, x0, x1, fx, slot[a]);
        held[a] = y0;
      }
      int b = a;
      if (y1 != y0) {
        b = 1 - a;
        if (held[b] != y1) {
          across(px, y1 * w, x0, x1, fx, slot[b]);
          held[b] = y1;
        }
      }
      double[] top = slot[a];
      double[] bottom = slot[b];
      int o = y * width;
      for (int x = 0; x < width; x++) {
        out[o + x] = (float) (top[x] * (1 - fy) + bottom[x] * fy);
      }
    }
  }

  /** One source row (from {@code r}) interpolated at the output columns: {@link #bilinear}'s top or bottom. */
  private static void across(float[] px, int r, int[] x0, int[] x1, double[] fx, double[] dst) {
    for (int x = 0; x < dst.length; x++) {
      double f = fx[x];
      dst[x] = px[r + x0[x]] * (1 - f) + px[r + x1[x]] * f;
    }
  }

  /**
   * The part of the source that {@link #warp} reads for a {@code width x height} output under {@code srcToDst}, in
   * source pixel coordinates: no pixel outside a {@link FaceWindow} around it can change the output, whatever the
   * source's size (the window reaches the source's border wherever this part does, which the replicated border pixels
   * and the halvings' last blocks need); {@code null} when the warp halves the source more often than a window can
   * reproduce ({@link FaceWindow#ALIGN}: more than six times), which then has to be read whole. It is the
   * bounding box of the output's footprint widened by the bilinear neighbours and the 2x2 blocks of the halvings
   * (as many as the scale alone asks for; a small source may stop halving sooner, which reads less).
   */
  public static FaceBox footprint(SimilarityTransform srcToDst, int width, int height) {
    double sc = srcToDst.scale();
    if (!(sc > 0 && Double.isFinite(sc))) {
      throw new IllegalArgumentException("a warp's scale must be positive and finite, got " + sc);
    }
    double step = 1;
    for (; sc < 0.5; sc *= 2) {
      step *= 2;
    }
    if (step > FaceWindow.ALIGN) {
      return null;
    }
    double[] c = corners(srcToDst, width, height);
    double pad = 2 * step + 2;
    return new FaceBox(c[0] - pad, c[1] - pad, c[2] + pad, c[3] + pad);
  }

  /** The bounding box {@code {minX, minY, maxX, maxY}}, in the source, of the output's outer pixel edges. */
  private static double[] corners(SimilarityTransform srcToDst, int width, int height) {
    SimilarityTransform inv = srcToDst.inverse();
    double minX = Double.MAX_VALUE;
    double minY = Double.MAX_VALUE;
    double maxX = -Double.MAX_VALUE;
    double maxY = -Double.MAX_VALUE;
    for (int corner = 0; corner < 4; corner++) {
      double cx = (corner & 1) == 0 ? -0.5 : width - 0.5;
      double cy = (corner & 2) == 0 ? -0.5 : height - 0.5;
      double x = inv.applyX(cx, cy);
      double y = inv.applyY(cx, cy);
      minX = Math.min(minX, x);
      minY = Math.min(minY, y);
      maxX = Math.max(maxX, x);
      maxY = Math.max(maxY, y);
    }
    return new double[] {minX, minY, maxX, maxY};
  }

  /**
   * The source columns (or rows) [from, to) to keep for the footprint [lo, hi]: clamped to [0, size),
   * {@code from} a multiple of {@code step}, and at least {@code 2 step} wide (as the whole image is when
   * it is halved) so that a footprint beyond the border still keeps the border pixels it clamps to.
   */
  private static int[] span(double lo, double hi, int step, int size) {
    int need = Math.min(size, 2 * step);
    int to = (int) Math.min(size, Math.max(need, Math.ceil(hi)));
    int from = (int) Math.max(0, Math.min(to - need, Math.floor(lo)));
    from -= from % step;
    return new int[] {from, to};
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
    return halve(src, 0, 0, src.width(), src.height());
  }

  /** {@link #halve} of the {@code rw x rh} part of {@code src} at {@code (rx, ry)}, read in place. */
  static GrayImage halve(GrayImage src, int rx, int ry, int rw, int rh) {
    int w = rw / 2;
    int h = rh / 2;
    int stride = src.width();
    float[] px = src.pixels();
    float[] out = new float[w * h];
    for (int y = 0; y < h; y++) {
      int a = (ry + 2 * y) * stride + rx;
      int b = a + stride;
      int o = y * w;
      for (int x = 0; x < w; x++) {
        out[o + x] = (px[a + 2 * x] + px[a + 2 * x + 1] + px[b + 2 * x] + px[b + 2 * x + 1]) / 4f;
      }
    }
    return GrayImage.wrap(w, h, out);
  }
}

package org.facealign.model.msrrn.kernel;

/**
 * The shape-indexed raw patch of MSRRN (Wang et al., "Multiscale recurrent regression networks for face
 * alignment", 2017) in plain Java: a {@code p x p} window of a square crop, bilinearly interpolated, centred at
 * a landmark. It is the reference the recurrent regression vertex's sampler ({@link PatchKernels#sample}) is
 * tested against, and the definition of what that sampler computes.
 *
 * <p><b>Convention</b> (the paper gives none): crop pixel i covers {@code [i − ½, i + ½]}, as in {@link
 * org.facealign.augment.MultiscaleCrops}, so a unit-frame coordinate u lies at crop pixel {@code c = u s − ½}.
 * Patch pixel {@code (i, j)} (row, column) is read at {@code (c_x + j − (p−1)/2, c_y + i − (p−1)/2)}: the patch
 * is centred on the landmark whatever the parity of p. Each coordinate is clamped to {@code [0, s−1]} (the
 * border is replicated, so a landmark that leaves the crop sees the crop's edge rather than zeros), then
 * interpolated between pixels {@code x0 = min(⌊x⌋, s−2)} and {@code x0 + 1} with weight {@code a = x − x0};
 * the {@code s−2} cap makes the right edge ({@code x = s−1}) read pixel {@code s−1} with weight 1.
 */
public final class PatchSampler {
  private PatchSampler() {}

  /** Crop pixels of a unit-frame coordinate in an {@code size}-pixel crop: {@code u · size − ½}. */
  public static double toPixels(double unit, int size) {
    return unit * size - 0.5;
  }

  /**
   * Samples the {@code p x p} patch centred at crop pixel {@code (cx, cy)}.
   *
   * @param image the crop, row-major, {@code size x size}
   * @param size the crop's side, at least 2
   * @param out receives the patch, row-major, {@code p x p} values from offset 0
   */
  public static void sample(float[] image, int size, double cx, double cy, int p, float[] out) {
    sample(image, 0, size, cx, cy, p, out, 0);
  }

  /**
   * As {@link #sample(float[], int, double, double, int, float[])}, the crop starting at {@code imageOffset} of
   * {@code image} and the patch written from {@code outOffset} of {@code out}.
   */
  public static void sample(float[] image, int imageOffset, int size, double cx, double cy, int p, float[] out,
      int outOffset) {
    if (size < 2) {
      throw new IllegalArgumentException("crop must be at least 2x2, got " + size);
    }
    double half = (p - 1) / 2.0;
    for (int i = 0; i < p; i++) {
      double y = clamp(cy + i - half, size);
      int y0 = Math.min((int) Math.floor(y), size - 2);
      double b = y - y0;
      int row0 = imageOffset + y0 * size;
      int row1 = row0 + size;
      for (int j = 0; j < p; j++) {
        double x = clamp(cx + j - half, size);
        int x0 = Math.min((int) Math.floor(x), size - 2);
        double a = x - x0;
        double top = (1 - a) * image[row0 + x0] + a * image[row0 + x0 + 1];
        double bottom = (1 - a) * image[row1 + x0] + a * image[row1 + x0 + 1];
        out[outOffset + i * p + j] = (float) ((1 - b) * top + b * bottom);
      }
    }
  }

  /**
   * The patches of all {@code P} landmarks of a unit-frame shape (x, y interleaved), landmark after landmark,
   * {@code P p²} values.
   */
  public static float[] sampleShape(float[] image, int size, double[] unitShape, int p) {
    int points = unitShape.length / 2;
    float[] out = new float[points * p * p];
    for (int k = 0; k < points; k++) {
      sample(image, 0, size, toPixels(unitShape[2 * k], size), toPixels(unitShape[2 * k + 1], size), p, out, k * p * p);
    }
    return out;
  }

  private static double clamp(double v, int size) {
    // NaN stays NaN in neither branch: a diverged shape is clamped to the corner rather than read out of range
    if (!(v > 0)) {
      return 0;
    }
    return Math.min(v, size - 1);
  }
}

package org.facealign.model.msrrn.kernel;

/**
 * The recurrent regression network's patch kernels in plain Java, on row-major double arrays: the batch sampler
 * of {@link PatchSampler}'s convention, the derivative of its bilinear values in the sampling positions, and the
 * per-patch standardisation with its backward pass.
 */
public final class PatchKernels {
  private PatchKernels() {}

  /**
   * The {@code p x p} patches of all landmarks of all examples, {@link PatchSampler}'s convention: patch {@code
   * b P + k} at {@code out[(b P + k) p²]}, row-major.
   *
   * @param image the crops, {@code [B, s, s]} row-major
   * @param pos the shapes, {@code [B, 2P]}, unit frame
   */
  public static void sample(double[] image, int size, double[] pos, int batch, int points, int p, double[] out) {
    int[] x0 = new int[p];
    double[] ax = new double[p];
    int[] y0 = new int[p];
    double[] ay = new double[p];
    for (int b = 0; b < batch; b++) {
      int img = b * size * size;
      for (int k = 0; k < points; k++) {
        grid(pos[b * 2 * points + 2 * k], size, p, x0, ax, null);
        grid(pos[b * 2 * points + 2 * k + 1], size, p, y0, ay, null);
        int o = (b * points + k) * p * p;
        for (int i = 0; i < p; i++) {
          int row0 = img + y0[i] * size;
          int row1 = row0 + size;
          double bw = ay[i];
          for (int j = 0; j < p; j++) {
            int x = x0[j];
            double a = ax[j];
            double top = (1 - a) * image[row0 + x] + a * image[row0 + x + 1];
            double bottom = (1 - a) * image[row1 + x] + a * image[row1 + x + 1];
            out[o + i * p + j] = (1 - bw) * top + bw * bottom;
          }
        }
      }
    }
  }

  /**
   * The sampling grid along one axis of a patch centred at unit coordinate {@code u}: left pixel {@code x0},
   * weight {@code a} of the right one, and (if {@code inside} is not null) whether the coordinate was inside the
   * crop, not clamped.
   */
  public static void grid(double u, int size, int p, int[] x0, double[] a, boolean[] inside) {
    double c = PatchSampler.toPixels(u, size);
    double half = (p - 1) / 2.0;
    for (int j = 0; j < p; j++) {
      double v = c + j - half;
      double x;
      boolean in = v > 0 && v < size - 1;
      if (!(v > 0)) {
        x = 0;
      } else {
        x = Math.min(v, size - 1);
      }
      int f = Math.min((int) Math.floor(x), size - 2);
      x0[j] = f;
      a[j] = x - f;
      if (inside != null) {
        inside[j] = in;
      }
    }
  }

  /**
   * Adds to {@code grad} ({@code [B, 2P]}) the gradient in the sampling positions of the patches' gradient
   * {@code dPatch}: per patch pixel, the bilinear value's derivative in x ({@code (1 − b)(I01 − I00) + b(I11 −
   * I10)}) and in y, zero where the coordinate was clamped, times the crop size (unit frame to pixels).
   */
  public static void positionGradient(double[] image, int size, double[] pos, int batch, int points, int p,
      double[] dPatch, double[] grad) {
    int[] x0 = new int[p];
    double[] ax = new double[p];
    boolean[] inX = new boolean[p];
    int[] y0 = new int[p];
    double[] ay = new double[p];
    boolean[] inY = new boolean[p];
    for (int b = 0; b < batch; b++) {
      int img = b * size * size;
      for (int k = 0; k < points; k++) {
        grid(pos[b * 2 * points + 2 * k], size, p, x0, ax, inX);
        grid(pos[b * 2 * points + 2 * k + 1], size, p, y0, ay, inY);
        int o = (b * points + k) * p * p;
        double gx = 0;
        double gy = 0;
        for (int i = 0; i < p; i++) {
          int row0 = img + y0[i] * size;
          int row1 = row0 + size;
          double bw = ay[i];
          for (int j = 0; j < p; j++) {
            double g = dPatch[o + i * p + j];
            if (g == 0) {
              continue;
            }
            int x = x0[j];
            double a = ax[j];
            double i00 = image[row0 + x];
            double i01 = image[row0 + x + 1];
            double i10 = image[row1 + x];
            double i11 = image[row1 + x + 1];
            if (inX[j]) {
              gx += g * ((1 - bw) * (i01 - i00) + bw * (i11 - i10));
            }
            if (inY[i]) {
              gy += g * ((1 - a) * (i10 - i00) + a * (i11 - i01));
            }
          }
        }
        grad[b * 2 * points + 2 * k] += gx * size;
        grad[b * 2 * points + 2 * k + 1] += gy * size;
      }
    }
  }

  /**
   * Standardises each of the {@code n} patches of {@code len} values in {@code v} in place to {@code (x − μ) /
   * sqrt(σ² + ε)}, ε = {@code epsilon}; {@code invSpread[i]} receives patch i's {@code 1 / sqrt(σ² + ε)}.
   */
  public static void standardise(double[] v, int n, int len, double epsilon, double[] invSpread) {
    for (int i = 0; i < n; i++) {
      int o = i * len;
      double mean = 0;
      for (int j = 0; j < len; j++) {
        mean += v[o + j];
      }
      mean /= len;
      double var = 0;
      for (int j = 0; j < len; j++) {
        double d = v[o + j] - mean;
        var += d * d;
      }
      double inv = 1 / Math.sqrt(var / len + epsilon);
      invSpread[i] = inv;
      for (int j = 0; j < len; j++) {
        v[o + j] = (v[o + j] - mean) * inv;
      }
    }
  }

  /**
   * Replaces {@code dy}, the gradient in the standardised patches {@code y}, by the gradient in the raw ones:
   * {@code (dy − mean(dy) − y mean(dy y)) / spread}, per patch (exact, ε included).
   */
  public static void standardiseBackward(double[] y, int n, int len, double[] invSpread, double[] dy) {
    for (int i = 0; i < n; i++) {
      int o = i * len;
      double m1 = 0;
      double m2 = 0;
      for (int j = 0; j < len; j++) {
        m1 += dy[o + j];
        m2 += dy[o + j] * y[o + j];
      }
      m1 /= len;
      m2 /= len;
      for (int j = 0; j < len; j++) {
        dy[o + j] = (dy[o + j] - m1 - y[o + j] * m2) * invSpread[i];
      }
    }
  }
}

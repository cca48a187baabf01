package org.facealign.model.msrrn.kernel;

/**
 * The recurrent regression network's convolution kernels in plain Java, on row-major double arrays of maps with
 * their channels last ({@code [map, y, x, channel]}): the im2col of a 3x3 "same" convolution and its col2im,
 * bias + rectifier + 2x2 max-pooling with the argmax of every cell, and column sums. The products of the
 * im2col matrices with the kernels are left to the caller.
 */
public final class ConvKernels {
  private ConvKernels() {}

  /**
   * im2col of a 3x3 "same" convolution for maps {@code [n1 - n0, q, q, ch]} (channels last) starting at map
   * {@code n0} of {@code src}: rows (map, y, x), columns (kernel row, kernel column, channel); returns the
   * number of values written to {@code dst}.
   */
  public static int im2col(double[] src, int n0, int n1, int q, int ch, double[] dst) {
    int o = 0;
    int map = q * q * ch;
    for (int m = n0; m < n1; m++) {
      int base = m * map;
      for (int y = 0; y < q; y++) {
        for (int x = 0; x < q; x++) {
          for (int ky = -1; ky <= 1; ky++) {
            int yy = y + ky;
            for (int kx = -1; kx <= 1; kx++) {
              int xx = x + kx;
              if (yy < 0 || yy >= q || xx < 0 || xx >= q) {
                for (int k = 0; k < ch; k++) {
                  dst[o++] = 0;
                }
              } else if (ch == 1) {
                dst[o++] = src[base + yy * q + xx];
              } else {
                System.arraycopy(src, base + (yy * q + xx) * ch, dst, o, ch);
                o += ch;
              }
            }
          }
        }
      }
    }
    return o;
  }

  /** col2im of {@link #im2col}: adds the columns {@code cols} of maps {@code [m, q, q, ch]} into {@code dst}. */
  public static void col2im(double[] cols, int m, int q, int ch, double[] dst) {
    int o = 0;
    int map = q * q * ch;
    for (int i = 0; i < m; i++) {
      int base = i * map;
      for (int y = 0; y < q; y++) {
        for (int x = 0; x < q; x++) {
          for (int ky = -1; ky <= 1; ky++) {
            int yy = y + ky;
            for (int kx = -1; kx <= 1; kx++) {
              int xx = x + kx;
              if (yy < 0 || yy >= q || xx < 0 || xx >= q) {
                o += ch;
              } else {
                int d = base + (yy * q + xx) * ch;
                for (int k = 0; k < ch; k++) {
                  dst[d + k] += cols[o++];
                }
              }
            }
          }
        }
      }
    }
  }

  /** {@link #col2im} of the columns of maps {@code n0 .. n0 + m - 1}, into {@code dst} at map {@code n0}. */
  public static void col2imAdd(double[] cols, int n0, int m, int q, int ch, double[] dst) {
    double[] part = new double[m * q * q * ch];
    col2im(cols, m, q, ch, part);
    int off = n0 * q * q * ch;
    for (int i = 0; i < part.length; i++) {
      dst[off + i] += part[i];
    }
  }

  /**
   * Bias, (leaky) ReLU and 2x2 max-pooling of {@code m} maps {@code [q, q, ch]} (channels last) in {@code z}. Pooled
   * values go to {@code dst} from {@code dstOff}: channels last ({@code [m, q/2, q/2, ch]}) or, if {@code
   * channelsFirst}, {@code [m, ch, q/2, q/2]}; {@code arg} from {@code argOff} (same layout) receives the index
   * of the maximum in the whole map array ({@code zOff} + its index in {@code z}). A pooled value of 0 or less
   * means the rectifier cut the cell (scaled it by {@code leak}); as the rectifier is monotone, pooling before it
   * equals pooling after it. With {@code arg == null} (inference) only the pooled values are computed.
   */
  public static void pool(double[] z, int m, int q, int ch, double[] bias, double[] dst, int dstOff, int[] arg,
      int argOff, int zOff, boolean channelsFirst, double leak) {
    int r = q / 2;
    int row = q * ch;
    for (int i = 0; i < m; i++) {
      int base = i * q * q * ch;
      for (int py = 0; py < r; py++) {
        for (int px = 0; px < r; px++) {
          int e00 = base + (2 * py * q + 2 * px) * ch;
          int o0 = channelsFirst ? i * ch * r * r + py * r + px : i * r * r * ch + (py * r + px) * ch;
          int step = channelsFirst ? r * r : 1;
          for (int k = 0; k < ch; k++) {
            int e = e00 + k;
            double v00 = z[e];
            double v01 = z[e + ch];
            double v10 = z[e + row];
            double v11 = z[e + row + ch];
            double top = Math.max(v00, v01);
            double low = Math.max(v10, v11);
            int o = o0 + k * step;
            double v = Math.max(top, low) + bias[k];
            dst[dstOff + o] = v > 0 ? v : leak * v;
            if (arg != null) {
              // the first maximum in the order 00, 01, 10, 11, from sign bits (no unpredictable branches)
              int right = (int) (Double.doubleToRawLongBits(v00 - v01) >>> 63);
              int rightLow = (int) (Double.doubleToRawLongBits(v10 - v11) >>> 63);
              int below = (int) (Double.doubleToRawLongBits(top - low) >>> 63);
              int j = below * (2 + rightLow) + (1 - below) * right;
              arg[argOff + o] = zOff + e + (j & 1) * ch + (j >> 1) * row;
            }
          }
        }
      }
    }
  }

  /** Adds to {@code acc} the column sums of the {@code rows x cols} matrix {@code m}. */
  public static void colSum(double[] m, int rows, int cols, double[] acc) {
    for (int r = 0; r < rows; r++) {
      int o = r * cols;
      for (int j = 0; j < cols; j++) {
        acc[j] += m[o + j];
      }
    }
  }
}

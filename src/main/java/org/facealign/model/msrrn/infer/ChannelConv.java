package org.facealign.model.msrrn.infer;

import java.util.Arrays;

/**
 * Convolutions at inference in plain Java, on maps stored channel by channel: one float array per channel,
 * holding that channel of every map of a batch, map after map ({@code [channel][map, y, x]}).
 *
 * <p>A convolution is an im2col whose rows are the kernel taps ({@link #im2col}: one array per kernel row,
 * kernel column and input channel, each the shifted input channel over all output pixels of all maps) times the
 * kernel, {@link #multiply}: every output channel is a sum of tap arrays, each scaled by one weight. The
 * innermost loop is then a long multiply-add over output pixels, reading and writing two arrays at the same
 * index, which the JIT turns into vector instructions (about 20 multiply-adds per ns on one AVX-512 core, where
 * BLAS manages 1-5 on these shapes: few output channels and a short reduction).
 */
public final class ChannelConv {
  /** Output pixels per chunk of {@link #multiply}: a chunk of an output channel stays in the L1 cache. */
  private static final int CHUNK = 512;

  private ChannelConv() {}

  /**
   * {@code z[o][0 .. m) = Σ_r w[r cols + o] · x[r][0 .. m)} for the {@code k} tap arrays {@code x} and a kernel
   * {@code w} of {@code k x n} (row-major: tap, output channel).
   */
  public static void multiply(float[][] x, int k, float[] w, int n, float[][] z, int m) {
    for (int i0 = 0; i0 < m; i0 += CHUNK) {
      int i1 = Math.min(m, i0 + CHUNK);
      for (int o = 0; o < n; o++) {
        float[] zo = z[o];
        Arrays.fill(zo, i0, i1, 0f);
        int r = 0;
        // four taps per pass: four loads and one load-store per four multiply-adds (eight taps per pass stop
        // the JIT from vectorising the loop, and run three times slower)
        for (; r + 4 <= k; r += 4) {
          float a0 = w[r * n + o];
          float a1 = w[(r + 1) * n + o];
          float a2 = w[(r + 2) * n + o];
          float a3 = w[(r + 3) * n + o];
          float[] x0 = x[r];
          float[] x1 = x[r + 1];
          float[] x2 = x[r + 2];
          float[] x3 = x[r + 3];
          for (int i = i0; i < i1; i++) {
            zo[i] += a0 * x0[i] + a1 * x1[i] + a2 * x2[i] + a3 * x3[i];
          }
        }
        for (; r < k; r++) {
          float a = w[r * n + o];
          float[] xr = x[r];
          for (int i = i0; i < i1; i++) {
            zo[i] += a * xr[i];
          }
        }
      }
    }
  }

  /**
   * The im2col of a {@code k x k} convolution with the given stride and leading zero padding over {@code maps}
   * square maps of side {@code in} stored channel by channel ({@code src[c]}, {@code [map, y, x]}), {@code
   * cin} channels: tap array {@code (ky k + kx) cin + c} of {@code dst} receives, for every output pixel {@code
   * (map, oy, ox)} ({@code out x out} per map), input pixel {@code (oy stride − pad + ky, ox stride − pad +
   * kx)} of channel c, 0 outside the map.
   */
  public static void im2col(float[][] src, int cin, int maps, int in, int k, int stride, int pad, int out,
      float[][] dst) {
    for (int ky = 0; ky < k; ky++) {
      for (int kx = 0; kx < k; kx++) {
        for (int c = 0; c < cin; c++) {
          float[] s = src[c];
          float[] d = dst[(ky * k + kx) * cin + c];
          int o = 0;
          for (int b = 0; b < maps; b++) {
            int base = b * in * in;
            for (int oy = 0; oy < out; oy++) {
              int iy = oy * stride - pad + ky;
              if (iy < 0 || iy >= in) {
                Arrays.fill(d, o, o + out, 0f);
                o += out;
                continue;
              }
              int row = base + iy * in;
              if (stride == 1) {
                // x from -pad + kx: zeros, a copy, zeros
                int x0 = Math.max(0, pad - kx);
                int x1 = Math.min(out, in + pad - kx);
                Arrays.fill(d, o, o + x0, 0f);
                if (x1 > x0) {
                  System.arraycopy(s, row + x0 - pad + kx, d, o + x0, x1 - x0);
                }
                Arrays.fill(d, o + Math.max(x0, x1), o + out, 0f);
                o += out;
              } else {
                for (int ox = 0; ox < out; ox++) {
                  int ix = ox * stride - pad + kx;
                  d[o++] = ix >= 0 && ix < in ? s[row + ix] : 0f;
                }
              }
            }
          }
        }
      }
    }
  }

  /** {@code a} if it has at least {@code rows} arrays of at least {@code len} values, else a new such array. */
  static float[][] grow(float[][] a, int rows, int len) {
    if (a.length >= rows && (rows == 0 || a[0].length >= len)) {
      return a;
    }
    return new float[Math.max(rows, a.length)][Math.max(len, a.length == 0 ? 0 : a[0].length)];
  }
}

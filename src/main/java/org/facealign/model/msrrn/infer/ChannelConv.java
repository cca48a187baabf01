package org.facealign.model.msrrn.infer;

import java.util.Arrays;
import org.facealign.feature.Simd;

/**
 * Convolutions at inference in plain Java, on maps stored channel by channel: one float array per channel,
 * holding that channel of every map of a batch, map after map ({@code [channel][map, y, x]}).
 *
 * <p>A convolution is an im2col whose rows are the kernel taps ({@link #im2col}: one array per kernel row,
 * kernel column and input channel, each the shifted input channel over all output pixels of all maps) times the
 * kernel, {@link #multiply}: every output channel is a sum of tap arrays, each scaled by one weight, computed
 * by {@link ConvSimd} a vector of output pixels of eight channels at a time in registers (BLAS is slow on these
 * shapes: few output channels and a short reduction; {@code submit/bench-jmh.sh ConvBench} times the kernel).
 */
public final class ChannelConv {
  /** Output pixels per chunk of {@link #multiply}: a chunk of an output channel stays in the L1 cache. */
  private static final int CHUNK = 512;

  private ChannelConv() {}

  /**
   * {@code z[o][0 .. m) = Σ_r w[r n + o] · x[r][0 .. m)} for the {@code k} tap arrays {@code x} and a kernel
   * {@code w} of {@code k x n} (row-major: tap, output channel): for each output value, one fused multiply-add
   * per tap from tap 0 on, so {@link ConvSimd} (used when {@link Simd#ENABLED}) and this loop give the same
   * values to the last bit.
   */
  public static void multiply(float[][] x, int k, float[] w, int n, float[][] z, int m) {
    multiply(x, new int[k], k, w, n, z, m);
  }

  /**
   * As {@link #multiply(float[][], int, float[], int, float[][], int)}, tap r read from {@code x[r]} at offset
   * {@code off[r]}: {@code z[o][i] = Σ_r w[r n + o] · x[r][off[r] + i]}. A "same" convolution on maps padded so
   * that every tap is a fixed shift of an input channel needs no im2col: its taps are the input channels
   * themselves at k² offsets.
   */
  public static void multiply(float[][] x, int[] off, int k, float[] w, int n, float[][] z, int m) {
    int done = Simd.ENABLED ? ConvSimd.multiply(x, off, k, w, n, z, m) : 0;
    int n1 = done == 0 ? 0 : n - n % ConvSimd.OUTPUTS;
    // what the vector kernel left: the last pixels of the channels it computed, and all pixels of the others
    multiplyScalar(x, off, k, w, n, z, 0, n1, done, m);
    multiplyScalar(x, off, k, w, n, z, n1, n, 0, m);
  }

  /** Output channels {@code [o0, o1)} at pixels {@code [i0, i1)}, one output channel chunk at a time. */
  static void multiplyScalar(float[][] x, int[] off, int k, float[] w, int n, float[][] z, int o0, int o1,
      int i0, int i1) {
    for (int c0 = i0; c0 < i1; c0 += CHUNK) {
      int c1 = Math.min(i1, c0 + CHUNK);
      for (int o = o0; o < o1; o++) {
        float[] zo = z[o];
        Arrays.fill(zo, c0, c1, 0f);
        for (int r = 0; r < k; r++) {
          float a = w[r * n + o];
          float[] xr = x[r];
          int d = off[r];
          for (int i = c0; i < c1; i++) {
            zo[i] = Math.fma(xr[d + i], a, zo[i]);
          }
        }
      }
    }
  }

  /**
   * The 2x2 max-pooling windows of a map of row stride {@code width}, biased and leaky-rectified, at every
   * position: {@code out[j] = ρ(max(max(z[j], z[j + width]), max(z[j + 1], z[j + 1 + width])) + bias)} for
   * {@code j < len}, with {@code ρ(v) = max(v, leak v)} (the leaky rectifier for a slope in [0, 1], without a
   * branch: the signs are unpredictable). The caller keeps the windows it needs (every other one of every other
   * row); computing all of them in vector lanes ({@link ConvSimd} when {@link Simd#ENABLED}, the same values to
   * the last bit) is cheaper than choosing. {@code z} must hold {@code len + width + 1} values.
   */
  public static void poolWindows(float[] z, int len, int width, float bias, float leak, float[] out) {
    int j = Simd.ENABLED ? ConvSimd.poolWindows(z, len, width, bias, leak, out) : 0;
    for (; j < len; j++) {
      float v = Math.max(Math.max(z[j], z[j + width]), Math.max(z[j + 1], z[j + 1 + width])) + bias;
      out[j] = Math.max(v, leak * v);
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

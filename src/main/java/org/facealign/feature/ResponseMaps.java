package org.facealign.feature;

import java.util.Arrays;
import org.facealign.data.GrayImage;

/**
 * Blurred orientation response maps of a canvas, stored as integral images, from which the
 * shape-indexed descriptors pool gradient energy over any real-valued rectangle in O(1). This is the
 * DAISY construction (Tola, Lepetit, Fua, "DAISY: An Efficient Dense Descriptor Applied to Wide-Baseline
 * Stereo", PAMI 2010) applied to SIFT's pooling (Lowe, "Distinctive Image Features from Scale-Invariant
 * Keypoints", IJCV 2004), for the SIFT features of DeepReg (Shi, Shan, Chen, "Deep Regression for Face
 * Alignment", 2014).
 *
 * <p>Definition, for a {@code w x h} canvas {@code I}:
 *
 * <ol>
 *   <li>Gradient by central differences, {@code gx = (I(x+1, y) - I(x-1, y)) / 2} (likewise {@code
 *       gy}); on the first and last column (row) the one-sided differences {@code I(1) - I(0)} and
 *       {@code I(w-1) - I(w-2)}; zero if the canvas is one pixel wide (high).
 *   <li>Signed orientation {@code θ = atan2(gy, gx)} ({@link FastAtan2}, within 1e-8 rad of {@link
 *       Math#atan2}) in {@code [0°, 360°)}, image axes (x right, y
 *       down): 0° is a gradient pointing right (dark left, bright right), 90° one pointing down (dark
 *       above, bright below). Bin {@code k} of {@code n = orientations} (8) is <b>centred</b> at {@code k
 *       360°/n} (0°, 45°, ..., 315°); the magnitude is split linearly between the two nearest centres,
 *       cyclically. A mirror left-right maps θ to 180° - θ, hence bin {@code k} to bin {@code (n/2 - k)
 *       mod n}.
 *   <li>Each of the {@code n} maps is blurred by a Gaussian of standard deviation {@code blurSigma},
 *       separably, sampled at integer offsets within radius {@code ceil(3 sigma)}; at the borders the
 *       kernel is cut to the canvas and renormalised to sum 1 (this replaces SIFT's trilinear spatial
 *       interpolation, as in DAISY).
 *   <li>Each blurred map {@code M} is summed into a double-precision integral image {@code S} of {@code
 *       (w+1) x (h+1)} nodes, {@code S(i, j) = sum of M(x, y) for x < i, y < j}.
 * </ol>
 *
 * <p><b>Continuous integral.</b> Pixel {@code (x, y)} covers the unit square centred on it, {@code [x -
 * 1/2, x + 1/2] x [y - 1/2, y + 1/2]}, the convention of {@link org.facealign.data.Shape}. The
 * integral of a map over {@code (-∞, u] x (-∞, v]} is {@code S} bilinearly interpolated at node
 * coordinates {@code (u + 1/2, v + 1/2)}, clamped to {@code [0, w] x [0, h]}. Because the exact
 * integral of a piecewise-constant image is bilinear inside each pixel, this interpolation is exact:
 * {@link #rectSum} is the integral of the map (each pixel a constant square) over the rectangle
 * intersected with the canvas, i.e. the sum of the pixels weighted by the area each shares with the
 * rectangle. It varies continuously (piecewise linearly) with the rectangle's edges, which the
 * finite-difference Jacobian needs. The area outside the canvas contributes nothing; any finite or
 * infinite rectangle works (a NaN coordinate counts as the canvas's low edge); an inverted rectangle
 * ({@code x1 < x0}) gives the signed integral.
 *
 * <p>Integral nodes are stored orientation-interleaved ({@code ((j (w+1) + i) n + k)}), so the {@code n}
 * sums of one rectangle read contiguous memory.
 *
 * <p>Guesses:
 *
 * <ul>
 *   <li>The Gaussian blur replaces SIFT's trilinear interpolation and its Gaussian window over the patch
 *       (neither is used); the paper only says "SIFT".
 *   <li>One-sided differences at the canvas border and the renormalised blur kernel there: the canvas
 *       border is far from the face (margin 0.25), so any reasonable choice would do; these keep the
 *       maps mirror-symmetric under a left-right flip.
 *   <li>Bin centres at multiples of 45° (rather than bin edges there), so the axis-aligned gradients of
 *       a frontal face fall on one bin, and a mirror maps bins onto bins.
 * </ul>
 *
 * <p>{@link #process} reuses the buffers of an instance when the canvas size does not change. Not
 * thread-safe: one instance per thread; after {@link #process} the reading methods may be shared.
 */
public final class ResponseMaps {
  private final int numOrientations;
  private final double blurSigma;
  private final float[] kernel;
  private final double[] kernelCumulative;

  private int width;
  private int height;
  /** Blurred maps, planar: {@code maps[k][y * width + x]}. */
  private float[][] maps;
  private float[] scratch;
  /** Integral nodes, orientation-interleaved: {@code integral[((j * (width + 1)) + i) * n + k]}. */
  private double[] integral;

  /** Maps with {@code config.orientations()} bins blurred by {@code config.blurSigma()}; call {@link #process}. */
  public ResponseMaps(ConfigFeatures config) {
    this(config.orientations(), config.blurSigma());
  }

  /** Maps with {@code orientations} signed bins (even, at least 2), blurred by {@code blurSigma > 0}. */
  public ResponseMaps(int orientations, double blurSigma) {
    if (orientations < 2 || orientations % 2 != 0) {
      throw new IllegalArgumentException("orientations must be even and at least 2, got " + orientations);
    }
    if (!(blurSigma > 0 && Double.isFinite(blurSigma))) {
      throw new IllegalArgumentException("blurSigma must be positive, got " + blurSigma);
    }
    this.numOrientations = orientations;
    this.blurSigma = blurSigma;
    int r = kernelRadius(blurSigma);
    this.kernel = new float[2 * r + 1];
    double[] g = new double[2 * r + 1];
    double sum = 0;
    for (int i = -r; i <= r; i++) {
      g[i + r] = Math.exp(-(double) i * i / (2 * blurSigma * blurSigma));
      sum += g[i + r];
    }
    this.kernelCumulative = new double[2 * r + 2];
    for (int i = 0; i < g.length; i++) {
      kernel[i] = (float) (g[i] / sum);
      kernelCumulative[i + 1] = kernelCumulative[i] + kernel[i];
    }
  }

  /** The maps of {@code canvas} with {@code config}'s orientations and blur. */
  public static ResponseMaps of(GrayImage canvas, ConfigFeatures config) {
    return new ResponseMaps(config).process(canvas);
  }

  /** Radius of the blur kernel: {@code ceil(3 sigma)}. */
  public static int kernelRadius(double sigma) {
    return (int) Math.ceil(3 * sigma);
  }

  /** Computes the maps of {@code canvas}, replacing the previous ones; returns this. */
  public ResponseMaps process(GrayImage canvas) {
    int w = canvas.width();
    int h = canvas.height();
    int n = numOrientations;
    if (maps == null || w != width || h != height) {
      width = w;
      height = h;
      maps = new float[n][w * h];
      scratch = new float[w * h];
      integral = new double[(w + 1) * (h + 1) * n];
    }
    orientationMaps(canvas);
    for (int k = 0; k < n; k++) {
      blur(maps[k]);
    }
    integrate();
    return this;
  }

  public int width() {
    return width;
  }

  public int height() {
    return height;
  }

  public int numOrientations() {
    return numOrientations;
  }

  public double blurSigma() {
    return blurSigma;
  }

  /** A copy of blurred map {@code k}, row-major {@code width x height}. */
  public float[] map(int k) {
    checkProcessed();
    return maps[k].clone();
  }

  /**
   * The integral of map {@code k} over the rectangle {@code [x0, x1] x [y0, y1]} (canvas pixel
   * coordinates, pixel centres at integers) intersected with the canvas. Four interpolated reads.
   */
  public double rectSum(int k, double x0, double y0, double x1, double y1) {
    checkProcessed();
    if (k < 0 || k >= numOrientations) {
      throw new IllegalArgumentException("orientation " + k + " out of 0.." + (numOrientations - 1));
    }
    return integralAt(k, x1, y1) - integralAt(k, x0, y1) - integralAt(k, x1, y0) + integralAt(k, x0, y0);
  }

  /** {@link #rectSum} of every orientation, written to {@code out[offset .. offset + n)}. */
  public void rectSums(double x0, double y0, double x1, double y1, double[] out, int offset) {
    checkProcessed();
    int n = numOrientations;
    Arrays.fill(out, offset, offset + n, 0);
    accumulateIntegral(x1, y1, 1, out, offset);
    accumulateIntegral(x0, y1, -1, out, offset);
    accumulateIntegral(x1, y0, -1, out, offset);
    accumulateIntegral(x0, y0, 1, out, offset);
  }

  /**
   * The integral of every map over {@code (-∞, x] x (-∞, y]} (clamped to the canvas), written to {@code
   * out[offset .. offset + n)}: the building block of {@link #rectSum}.
   */
  public void integralAt(double x, double y, double[] out, int offset) {
    checkProcessed();
    Arrays.fill(out, offset, offset + numOrientations, 0);
    accumulateIntegral(x, y, 1, out, offset);
  }

  /**
   * {@link #integralAt} on the grid {@code xs[0..nx) x ys[0..ny)}: the {@code n} integrals at {@code
   * (xs[q], ys[r])} go to {@code out[(r nx + q) n ..]}, exactly as {@link #integralAt} computes them. A
   * descriptor's (C+1)² cell corners thus cost (C+1)² x 4 x n multiply-adds and no other work.
   */
  public void integralGrid(double[] xs, int nx, double[] ys, int ny, double[] out) {
    checkProcessed();
    int w = width;
    int h = height;
    int n = numOrientations;
    int below = (w + 1) * n;
    double[] s = integral;
    for (int r = 0; r < ny; r++) {
      double v = ys[r] + 0.5;
      v = v > 0 ? (v < h ? v : h) : 0; // NaN -> 0
      int j = Math.min((int) v, h - 1);
      double fv = v - j;
      for (int q = 0; q < nx; q++) {
        double u = xs[q] + 0.5;
        u = u > 0 ? (u < w ? u : w) : 0;
        int i = Math.min((int) u, w - 1);
        double fu = u - i;
        double w00 = (1 - fu) * (1 - fv);
        double w10 = fu * (1 - fv);
        double w01 = (1 - fu) * fv;
        double w11 = fu * fv;
        int p00 = j * below + i * n;
        int p01 = p00 + below;
        int o = (r * nx + q) * n;
        for (int k = 0; k < n; k++) {
          out[o + k] = w00 * s[p00 + k] + w10 * s[p00 + n + k] + w01 * s[p01 + k] + w11 * s[p01 + n + k];
        }
      }
    }
  }

  /** {@code out[offset + k] += sign * integral of map k up to (x, y)}, for every k. */
  private void accumulateIntegral(double x, double y, double sign, double[] out, int offset) {
    int w = width;
    int h = height;
    int n = numOrientations;
    double u = x + 0.5;
    double v = y + 0.5;
    u = u > 0 ? (u < w ? u : w) : 0; // NaN -> 0
    v = v > 0 ? (v < h ? v : h) : 0;
    int i = (int) u;
    int j = (int) v;
    if (i == w) {
      i = w - 1;
    }
    if (j == h) {
      j = h - 1;
    }
    double fu = u - i;
    double fv = v - j;
    double w00 = sign * (1 - fu) * (1 - fv);
    double w10 = sign * fu * (1 - fv);
    double w01 = sign * (1 - fu) * fv;
    double w11 = sign * fu * fv;
    int p00 = (j * (w + 1) + i) * n;
    int p01 = p00 + (w + 1) * n;
    double[] s = integral;
    for (int k = 0; k < n; k++) {
      out[offset + k] += w00 * s[p00 + k] + w10 * s[p00 + n + k] + w01 * s[p01 + k] + w11 * s[p01 + n + k];
    }
  }

  /** The integral of map {@code k} up to {@code (x, y)}. */
  private double integralAt(int k, double x, double y) {
    int w = width;
    int h = height;
    int n = numOrientations;
    double u = x + 0.5;
    double v = y + 0.5;
    u = u > 0 ? (u < w ? u : w) : 0;
    v = v > 0 ? (v < h ? v : h) : 0;
    int i = (int) u;
    int j = (int) v;
    if (i == w) {
      i = w - 1;
    }
    if (j == h) {
      j = h - 1;
    }
    double fu = u - i;
    double fv = v - j;
    int p00 = (j * (w + 1) + i) * n + k;
    int p01 = p00 + (w + 1) * n;
    double[] s = integral;
    return (1 - fv) * ((1 - fu) * s[p00] + fu * s[p00 + n]) + fv * ((1 - fu) * s[p01] + fu * s[p01 + n]);
  }

  private void checkProcessed() {
    if (maps == null) {
      throw new IllegalStateException("no canvas processed yet");
    }
  }

  /** Gradient, signed orientation, linear split between the two nearest bin centres. */
  private void orientationMaps(GrayImage img) {
    int w = width;
    int h = height;
    int n = numOrientations;
    for (float[] m : maps) {
      Arrays.fill(m, 0);
    }
    double binsPerRadian = n / (2 * Math.PI);
    for (int y = 0; y < h; y++) {
      int row = y * w;
      for (int x = 0; x < w; x++) {
        double gx;
        if (w < 2) {
          gx = 0;
        } else if (x == 0) {
          gx = img.get(1, y) - img.get(0, y);
        } else if (x == w - 1) {
          gx = img.get(w - 1, y) - img.get(w - 2, y);
        } else {
          gx = 0.5 * (img.get(x + 1, y) - img.get(x - 1, y));
        }
        double gy;
        if (h < 2) {
          gy = 0;
        } else if (y == 0) {
          gy = img.get(x, 1) - img.get(x, 0);
        } else if (y == h - 1) {
          gy = img.get(x, h - 1) - img.get(x, h - 2);
        } else {
          gy = 0.5 * (img.get(x, y + 1) - img.get(x, y - 1));
        }
        double m = Math.sqrt(gx * gx + gy * gy);
        if (m == 0) {
          continue;
        }
        double t = FastAtan2.atan2(gy, gx) * binsPerRadian; // (-n/2, n/2]
        if (t < 0) {
          t += n;
        }
        int k0 = (int) t; // t >= 0
        double f = t - k0;
        if (k0 >= n) {
          k0 -= n;
        }
        int k1 = k0 + 1 == n ? 0 : k0 + 1;
        maps[k0][row + x] += (float) ((1 - f) * m);
        maps[k1][row + x] += (float) (f * m);
      }
    }
  }

  /** Separable Gaussian blur of one map in place, kernel renormalised where it leaves the canvas. */
  private void blur(float[] m) {
    int w = width;
    int h = height;
    int r = (kernel.length - 1) / 2;
    float[] k = kernel;
    float[] tmp = scratch;
    // horizontal: m -> tmp; the interior as one pass per kernel tap (a loop the JIT vectorises), the
    // r pixels at each end with the kernel cut to the canvas and renormalised
    for (int y = 0; y < h; y++) {
      int row = y * w;
      int from = Math.min(r, w);
      int to = Math.max(from, w - r); // interior: [from, to)
      if (to > from) {
        Arrays.fill(tmp, row + from, row + to, 0);
        for (int d = -r; d <= r; d++) {
          float kd = k[d + r];
          int src = row + d;
          for (int x = from; x < to; x++) {
            tmp[row + x] += kd * m[src + x];
          }
        }
        for (int x = 0; x < from; x++) {
          tmp[row + x] = cutKernel(m, row, x, w);
        }
        for (int x = to; x < w; x++) {
          tmp[row + x] = cutKernel(m, row, x, w);
        }
      } else {
        for (int x = 0; x < w; x++) {
          tmp[row + x] = cutKernel(m, row, x, w);
        }
      }
    }
    // vertical: tmp -> m, row by row so that the inner loop runs along memory
    for (int y = 0; y < h; y++) {
      int lo = Math.max(-r, -y);
      int hi = Math.min(r, h - 1 - y);
      int row = y * w;
      Arrays.fill(m, row, row + w, 0);
      for (int d = lo; d <= hi; d++) {
        float kd = k[d + r];
        int src = (y + d) * w;
        for (int x = 0; x < w; x++) {
          m[row + x] += kd * tmp[src + x];
        }
      }
      if (lo != -r || hi != r) {
        float norm = (float) (1 / (kernelCumulative[hi + r + 1] - kernelCumulative[lo + r]));
        for (int x = 0; x < w; x++) {
          m[row + x] *= norm;
        }
      }
    }
  }

  /** The horizontal blur at column x of a row, the kernel cut to {@code [0, w)} and renormalised. */
  private float cutKernel(float[] m, int row, int x, int w) {
    int r = (kernel.length - 1) / 2;
    int lo = Math.max(-r, -x);
    int hi = Math.min(r, w - 1 - x);
    float s = 0;
    for (int d = lo; d <= hi; d++) {
      s += kernel[d + r] * m[row + x + d];
    }
    if (lo != -r || hi != r) {
      s /= (float) (kernelCumulative[hi + r + 1] - kernelCumulative[lo + r]);
    }
    return s;
  }

  /** Integral images of every blurred map, orientation-interleaved, in double precision. */
  private void integrate() {
    int w = width;
    int h = height;
    int n = numOrientations;
    int stride = (w + 1) * n;
    double[] s = integral;
    Arrays.fill(s, 0, stride, 0);
    for (int y = 0; y < h; y++) {
      int above = y * stride;
      int here = above + stride;
      Arrays.fill(s, here, here + n, 0);
      for (int k = 0; k < n; k++) {
        float[] m = maps[k];
        int px = y * w;
        int a = above + n + k;
        int b = here + n + k;
        double run = 0;
        for (int x = 0; x < w; x++) {
          run += m[px + x];
          s[b] = s[a] + run;
          a += n;
          b += n;
        }
      }
    }
  }
}

package org.facealign.feature;

import java.util.Random;
import org.facealign.data.GrayImage;

/**
 * Test images and brute-force references of the feature definitions, written from the Javadoc of the
 * main classes with straightforward per-pixel loops and no code shared with them.
 */
final class Reference {
  private Reference() {}

  // ---------------------------------------------------------------- images

  /** Uniform noise in 0..255. */
  static GrayImage random(int w, int h, long seed) {
    Random r = new Random(seed);
    float[] px = new float[w * h];
    for (int i = 0; i < px.length; i++) {
      px[i] = (float) (255 * r.nextDouble());
    }
    return GrayImage.wrap(w, h, px);
  }

  /** 128 plus {@code count} Gaussian blobs of standard deviation 6..14 px and amplitude ±(30..100). */
  static GrayImage blobs(int w, int h, long seed, int count) {
    Random r = new Random(seed);
    double[] cx = new double[count];
    double[] cy = new double[count];
    double[] s = new double[count];
    double[] a = new double[count];
    for (int i = 0; i < count; i++) {
      cx[i] = w * r.nextDouble();
      cy[i] = h * r.nextDouble();
      s[i] = 6 + 8 * r.nextDouble();
      a[i] = (r.nextBoolean() ? 1 : -1) * (30 + 70 * r.nextDouble());
    }
    float[] px = new float[w * h];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        double v = 128;
        for (int i = 0; i < count; i++) {
          double d2 = (x - cx[i]) * (x - cx[i]) + (y - cy[i]) * (y - cy[i]);
          v += a[i] * Math.exp(-d2 / (2 * s[i] * s[i]));
        }
        px[y * w + x] = (float) v;
      }
    }
    return GrayImage.wrap(w, h, px);
  }

  static GrayImage constant(int w, int h, float v) {
    float[] px = new float[w * h];
    java.util.Arrays.fill(px, v);
    return GrayImage.wrap(w, h, px);
  }

  /** The linear ramp {@code 100 + slope (x cos θ + y sin θ)}: its gradient points along θ everywhere. */
  static GrayImage ramp(int w, int h, double thetaDeg, double slope) {
    double c = Math.cos(Math.toRadians(thetaDeg));
    double s = Math.sin(Math.toRadians(thetaDeg));
    float[] px = new float[w * h];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        px[y * w + x] = (float) (100 + slope * (x * c + y * s));
      }
    }
    return GrayImage.wrap(w, h, px);
  }

  // ---------------------------------------------------------------- gradient

  /** {gx, gy}: central differences / 2 inside, one-sided differences on the first and last column/row. */
  static double[] gradient(GrayImage img, int x, int y) {
    int w = img.width();
    int h = img.height();
    double gx;
    double gy;
    if (w == 1) {
      gx = 0;
    } else if (x == 0) {
      gx = img.get(1, y) - img.get(0, y);
    } else if (x == w - 1) {
      gx = img.get(w - 1, y) - img.get(w - 2, y);
    } else {
      gx = (img.get(x + 1, y) - img.get(x - 1, y)) / 2.0;
    }
    if (h == 1) {
      gy = 0;
    } else if (y == 0) {
      gy = img.get(x, 1) - img.get(x, 0);
    } else if (y == h - 1) {
      gy = img.get(x, h - 1) - img.get(x, h - 2);
    } else {
      gy = (img.get(x, y + 1) - img.get(x, y - 1)) / 2.0;
    }
    return new double[] {gx, gy};
  }

  // ---------------------------------------------------------------- HOG

  /**
   * HOG as documented: unsigned 9 bins centred at 10°, 30°, ...; votes into the pixel's cell; 2x2-cell
   * blocks at a one-cell stride; L2-Hys with ε = 1. Computed block by block from the pixels.
   */
  static double[] hog(GrayImage img, int cellSize, int bins, int blockCells, int blockStride, double clip) {
    int n = img.width();
    int cells = n / cellSize;
    int blocks = (cells - blockCells) / blockStride + 1;
    double[] out = new double[blocks * blocks * blockCells * blockCells * bins];
    int o = 0;
    for (int by = 0; by < blocks; by++) {
      for (int bx = 0; bx < blocks; bx++) {
        double[] v = new double[blockCells * blockCells * bins];
        for (int cy = 0; cy < blockCells; cy++) {
          for (int cx = 0; cx < blockCells; cx++) {
            int cellX = bx * blockStride + cx;
            int cellY = by * blockStride + cy;
            for (int y = cellY * cellSize; y < (cellY + 1) * cellSize; y++) {
              for (int x = cellX * cellSize; x < (cellX + 1) * cellSize; x++) {
                double[] g = gradient(img, x, y);
                double m = Math.hypot(g[0], g[1]);
                double deg = Math.toDegrees(Math.atan2(g[1], g[0]));
                while (deg < 0) {
                  deg += 180;
                }
                while (deg >= 180) {
                  deg -= 180;
                }
                double width = 180.0 / bins;
                double pos = deg / width - 0.5; // bin b centred at (b + 0.5) width
                int lower = (int) Math.floor(pos);
                double frac = pos - lower;
                int b0 = Math.floorMod(lower, bins);
                int b1 = Math.floorMod(lower + 1, bins);
                int cellBase = (cy * blockCells + cx) * bins;
                v[cellBase + b0] += (1 - frac) * m;
                v[cellBase + b1] += frac * m;
              }
            }
          }
        }
        double eps = 1.0;
        double n1 = Math.sqrt(dot(v, v) + eps * eps);
        for (int i = 0; i < v.length; i++) {
          v[i] = Math.min(v[i] / n1, clip);
        }
        double e2 = eps / n1;
        double n2 = Math.sqrt(dot(v, v) + e2 * e2);
        for (int i = 0; i < v.length; i++) {
          out[o++] = v[i] / n2;
        }
      }
    }
    return out;
  }

  // ---------------------------------------------------------------- response maps

  /**
   * The {@code n} blurred orientation maps, {@code maps[k][y w + x]}: signed bins centred at {@code k
   * 360/n} degrees, linear split, then a direct 2-D Gaussian (radius ceil(3σ)) normalised over the part
   * of the window inside the image.
   */
  static double[][] blurredMaps(GrayImage img, int n, double sigma) {
    return blur(rawMaps(img, n), img.width(), img.height(), sigma);
  }

  /**
   * The maps pooled over blocks of {@code stride x stride} pixels ({@code ceil(w / stride) x ceil(h / stride)}
   * cells, each the sum of the raw bins of its pixels inside the image), then blurred on the cell grid by {@code
   * ResponseMaps.gridSigma(sigma, stride)}, normalised over the cells inside.
   */
  static double[][] pooledMaps(GrayImage img, int n, double sigma, int stride) {
    int w = img.width();
    int h = img.height();
    int cw = (w + stride - 1) / stride;
    int ch = (h + stride - 1) / stride;
    double[][] raw = rawMaps(img, n);
    double[][] pooled = new double[n][cw * ch];
    for (int k = 0; k < n; k++) {
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          pooled[k][(y / stride) * cw + x / stride] += raw[k][y * w + x];
        }
      }
    }
    return blur(pooled, cw, ch, ResponseMaps.gridSigma(sigma, stride));
  }

  /** The unblurred maps: signed bins centred at {@code k 360/n} degrees, each magnitude split linearly. */
  private static double[][] rawMaps(GrayImage img, int n) {
    int w = img.width();
    int h = img.height();
    double[][] raw = new double[n][w * h];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        double[] g = gradient(img, x, y);
        double m = Math.hypot(g[0], g[1]);
        double deg = Math.toDegrees(Math.atan2(g[1], g[0]));
        if (deg < 0) {
          deg += 360;
        }
        double pos = deg / (360.0 / n);
        int lower = (int) Math.floor(pos);
        double frac = pos - lower;
        raw[Math.floorMod(lower, n)][y * w + x] += (1 - frac) * m;
        raw[Math.floorMod(lower + 1, n)][y * w + x] += frac * m;
      }
    }
    return raw;
  }

  /** A direct 2-D Gaussian (radius ceil(3σ)) of each {@code w x h} map, normalised over the window inside. */
  private static double[][] blur(double[][] raw, int w, int h, double sigma) {
    int n = raw.length;
    int r = (int) Math.ceil(3 * sigma);
    double[][] out = new double[n][w * h];
    for (int k = 0; k < n; k++) {
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          double sw = 0;
          double sv = 0;
          for (int dy = -r; dy <= r; dy++) {
            for (int dx = -r; dx <= r; dx++) {
              int xx = x + dx;
              int yy = y + dy;
              if (xx < 0 || yy < 0 || xx >= w || yy >= h) {
                continue;
              }
              double wt = Math.exp(-(dx * dx + dy * dy) / (2 * sigma * sigma));
              sw += wt;
              sv += wt * raw[k][yy * w + xx];
            }
          }
          out[k][y * w + x] = sv / sw;
        }
      }
    }
    return out;
  }

  /**
   * The integral of a map (pixel (x, y) a constant over [x-1/2, x+1/2] x [y-1/2, y+1/2]) over [x0, x1] x
   * [y0, y1]: each pixel weighted by the area it shares with the rectangle; signed if inverted.
   */
  static double coverageSum(double[] map, int w, int h, double x0, double y0, double x1, double y1) {
    double sign = 1;
    if (x1 < x0) {
      double t = x0;
      x0 = x1;
      x1 = t;
      sign = -sign;
    }
    if (y1 < y0) {
      double t = y0;
      y0 = y1;
      y1 = t;
      sign = -sign;
    }
    double s = 0;
    for (int y = 0; y < h; y++) {
      double oy = Math.max(0, Math.min(y + 0.5, y1) - Math.max(y - 0.5, y0));
      if (oy == 0) {
        continue;
      }
      for (int x = 0; x < w; x++) {
        double ox = Math.max(0, Math.min(x + 0.5, x1) - Math.max(x - 0.5, x0));
        s += map[y * w + x] * ox * oy;
      }
    }
    return sign * s;
  }

  /**
   * The documented descriptor of one landmark from reference maps: 4x4 cells of a patch centred on (x, y),
   * the n coverage sums per cell, L2 / clip / L2 (zeros if the raw norm is at most 1e-6).
   */
  static double[] descriptor(double[][] maps, int w, int h, double x, double y, double patch, int cells, double clip) {
    int n = maps.length;
    double[] v = new double[cells * cells * n];
    double side = patch / cells;
    for (int r = 0; r < cells; r++) {
      for (int c = 0; c < cells; c++) {
        double x0 = x - patch / 2.0 + c * side;
        double y0 = y - patch / 2.0 + r * side;
        for (int k = 0; k < n; k++) {
          v[(r * cells + c) * n + k] = coverageSum(maps[k], w, h, x0, y0, x0 + side, y0 + side);
        }
      }
    }
    double norm = Math.sqrt(dot(v, v));
    if (norm <= 1e-6) {
      return new double[v.length];
    }
    for (int i = 0; i < v.length; i++) {
      v[i] = Math.min(v[i] / norm, clip);
    }
    double norm2 = Math.sqrt(dot(v, v));
    for (int i = 0; i < v.length; i++) {
      v[i] /= norm2;
    }
    return v;
  }

  static double dot(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }

  static double maxAbs(double[] a) {
    double m = 0;
    for (double v : a) {
      m = Math.max(m, Math.abs(v));
    }
    return m;
  }

  /** The sum of the absolute values. */
  static double sum(double[] a) {
    double s = 0;
    for (double v : a) {
      s += Math.abs(v);
    }
    return s;
  }
}

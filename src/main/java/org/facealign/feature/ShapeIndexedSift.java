package org.facealign.feature;

import org.facealign.data.Shape;

/**
 * Shape-indexed SIFT-like descriptors and their Jacobian with respect to the shape, the local features of
 * DeepReg (Shi, Shan, Chen, "Deep Regression for Face Alignment", 2014), pooled from {@link
 * ResponseMaps} (SIFT: Lowe 2004; blurred-map pooling: DAISY, Tola et al. 2010).
 *
 * <p><b>Descriptor of one landmark</b> at {@code (x, y)} (canonical pixels) for patch side {@code P}: the
 * square {@code [x - P/2, x + P/2] x [y - P/2, y + P/2]} is split into {@code C x C} cells ({@code C =
 * siftCells} = 4) of side {@code P / C}; each cell contributes the {@code n} ({@code orientations} = 8)
 * integrals {@link ResponseMaps#rectSum} of the maps over it: {@code C² n} = 128 values. They are
 * normalised as SIFT does: divided by their L2 norm, clipped at {@code clip} (0.2), divided by their new
 * L2 norm. A descriptor whose raw norm is below {@link #MIN_NORM} (a patch outside the canvas, or on a
 * region without gradient) is all zero, never NaN.
 *
 * <p><b>Ordering</b>: landmark-major, then cell row (top to bottom), cell column (left to right),
 * orientation bin: value {@code ((i C + r) C + c) n + k} for landmark {@code i}, cell row {@code r},
 * column {@code c}, bin {@code k}.
 *
 * <p><b>Jacobian</b> {@code ψ = dh/ds}: descriptor {@code h_i} depends on landmark {@code i} only, so
 * {@code ψ} is block diagonal with {@code P} blocks of {@code D x 2} ({@code D} = 128); the blocks off
 * the diagonal are exactly zero and are not stored. Each block is estimated by central differences of
 * step {@code ε} ({@code jacobianEpsilon} = 2 px): {@code (h_i(x + ε, y) - h_i(x - ε, y)) / 2ε}, likewise
 * in y. Compact layout: {@code psi[(i D + d) 2 + a]} for landmark {@code i}, descriptor value {@code d},
 * {@code a = 0} for x and {@code 1} for y.
 *
 * <p>Guesses:
 *
 * <ul>
 *   <li>No SIFT Gaussian weighting window over the patch and no rotation to a dominant orientation: the
 *       patches live in the canonical (upright, scale-normalised) frame, and the paper gives neither.
 *   <li>Cells pool over exact rectangles of the blurred maps (box * Gaussian) instead of SIFT's
 *       trilinear interpolation; see {@link ResponseMaps}.
 *   <li>{@link #MIN_NORM}: the paper does not say what happens to an empty patch; zeros keep the
 *       regression input finite and mean "no evidence".
 *   <li>Central differences (rather than an analytic derivative): the descriptor is only piecewise
 *       smooth (a kink wherever a value crosses the clip; the derivative of a cell sum is constant
 *       between pixel edges), and {@code ε} = 2 px averages over that. The price: ψ(ε = 2) is the
 *       derivative smoothed over ±2 px. On smooth test images (sums of Gaussians of σ 6-14 px) it
 *       differs from ψ(ε = 0.25) by 5-7 % (32-px patches) and 7-13 % (16-px patches) in relative
 *       Frobenius norm without the clip (the ε² truncation), and by 19-33 % with the clip (kinks).
 * </ul>
 *
 * <p>With the Vector API ({@link Simd}), the cells and the normalisation run in {@link SiftSimd}, the same
 * operations in the same order: the same descriptors to the last bit. {@link #describeInto} reads the next
 * landmark's integral nodes ({@link ResponseMaps#touchGrid}) before describing the current one, so that their
 * cache misses overlap its arithmetic: when a group of faces is aligned, the maps of the whole group no longer fit
 * in cache and these reads are what the descriptors wait on (README, DeepReg "Speed").
 *
 * <p>Not thread-safe (reuses small scratch buffers, no allocation per landmark): one instance per thread.
 */
public final class ShapeIndexedSift {
  /** Raw descriptors with an L2 norm at or below this (gradient units x pixels²) are returned as zeros. */
  public static final double MIN_NORM = 1e-6;
  /** Partial sums of a sum of squares: one vector of doubles with AVX-512. */
  static final int PARTIALS = 8;

  private final int cells;
  private final int orientations;
  private final double clip;
  private final int length;
  /** Interpolated integrals at the (C+1)² cell corners, n each. */
  private final double[] corners;
  private final double[] raw;
  private final double[] gridX;
  private final double[] gridY;
  /** The next landmark's cell corners, for {@link #touch}. */
  private final double[] nextX;
  private final double[] nextY;
  private final float[] plus;
  private final float[] minus;
  /** Partial sums of {@link #sumOfSquares}. */
  private final double[] partials = new double[PARTIALS];
  /** Whether {@link #landmark} finishes a descriptor in {@link SiftSimd}. */
  private boolean simd;

  public ShapeIndexedSift(ConfigFeatures config) {
    this(config.siftCells(), config.orientations(), config.clip());
  }

  /** A descriptor of {@code cells x cells} cells of {@code orientations} bins, clipped at {@code clip}. */
  public ShapeIndexedSift(int cells, int orientations, double clip) {
    if (cells < 1 || orientations < 1 || !(clip > 0 && clip <= 1)) {
      throw new IllegalArgumentException("need cells >= 1, orientations >= 1, 0 < clip <= 1; got "
          + cells + ", " + orientations + ", " + clip);
    }
    this.cells = cells;
    this.orientations = orientations;
    this.clip = clip;
    this.length = cells * cells * orientations;
    this.corners = new double[(cells + 1) * (cells + 1) * orientations];
    this.raw = new double[length];
    this.gridX = new double[cells + 1];
    this.gridY = new double[cells + 1];
    this.nextX = new double[cells + 1];
    this.nextY = new double[cells + 1];
    this.plus = new float[length];
    this.minus = new float[length];
    this.simd = Simd.ENABLED && SiftSimd.supports(orientations);
  }

  /** This instance with the plain loops instead of the SIMD kernel, for the tests that compare the two. */
  ShapeIndexedSift withoutSimd() {
    simd = false;
    return this;
  }

  /** Values per landmark, {@code siftCells² x orientations} (128 by default). */
  public int descriptorLength() {
    return length;
  }

  /** The shape's descriptor: {@code descriptorLength() x numPoints} values, landmark-major. */
  public float[] describe(ResponseMaps maps, Shape canonicalShape, int patchSize) {
    float[] out = new float[length * canonicalShape.numPoints()];
    describeInto(maps, canonicalShape, patchSize, out, 0);
    return out;
  }

  /** As {@link #describe}, written to {@code out[offset .. offset + descriptorLength() numPoints)}. */
  public void describeInto(ResponseMaps maps, Shape canonicalShape, int patchSize, float[] out, int offset) {
    int p = canonicalShape.numPoints();
    checkOut(out, offset, length * p);
    checkMaps(maps, patchSize);
    for (int i = 0; i < p; i++) {
      if (i + 1 < p) {
        touch(maps, canonicalShape.x(i + 1), canonicalShape.y(i + 1), patchSize);
      }
      landmark(maps, canonicalShape.x(i), canonicalShape.y(i), patchSize, out, offset + i * length);
    }
  }

  /**
   * The descriptor of one landmark at {@code (x, y)}, written to {@code out[offset .. offset +
   * descriptorLength())}: the per-landmark building block of {@link #describe} and {@link #jacobian}.
   */
  public void describeLandmark(ResponseMaps maps, double x, double y, int patchSize, float[] out, int offset) {
    checkOut(out, offset, length);
    checkMaps(maps, patchSize);
    landmark(maps, x, y, patchSize, out, offset);
  }

  /**
   * The block-diagonal Jacobian {@code ψ = dh/ds} by central differences of step {@code eps}: {@code
   * descriptorLength() x 2} values per landmark, layout {@code [landmark][descriptor value][x | y]}.
   */
  public float[] jacobian(ResponseMaps maps, Shape canonicalShape, int patchSize, double eps) {
    float[] out = new float[2 * length * canonicalShape.numPoints()];
    jacobianInto(maps, canonicalShape, patchSize, eps, out, 0);
    return out;
  }

  /** As {@link #jacobian}, written to {@code out[offset .. offset + 2 descriptorLength() numPoints)}. */
  public void jacobianInto(ResponseMaps maps, Shape canonicalShape, int patchSize, double eps, float[] out, int offset) {
    if (!(eps > 0 && Double.isFinite(eps))) {
      throw new IllegalArgumentException("finite-difference step must be positive, got " + eps);
    }
    int p = canonicalShape.numPoints();
    checkOut(out, offset, 2 * length * p);
    checkMaps(maps, patchSize);
    double inv = 1 / (2 * eps);
    for (int i = 0; i < p; i++) {
      double x = canonicalShape.x(i);
      double y = canonicalShape.y(i);
      int base = offset + 2 * length * i;
      for (int a = 0; a < 2; a++) {
        landmark(maps, x + (a == 0 ? eps : 0), y + (a == 1 ? eps : 0), patchSize, plus, 0);
        landmark(maps, x - (a == 0 ? eps : 0), y - (a == 1 ? eps : 0), patchSize, minus, 0);
        for (int d = 0; d < length; d++) {
          out[base + 2 * d + a] = (float) ((plus[d] - minus[d]) * inv);
        }
      }
    }
  }

  /**
   * {@code ψ ds}: the first-order change of the full descriptor for a shape increment {@code ds}
   * (interleaved {@code 2P} values), written to {@code out} ({@code D P} values).
   */
  public static void jacobianTimes(float[] psi, double[] ds, double[] out) {
    int p = ds.length / 2;
    int d = checkJacobian(psi, p, ds.length, out.length, "out");
    for (int i = 0; i < p; i++) {
      double dx = ds[2 * i];
      double dy = ds[2 * i + 1];
      int b = 2 * d * i;
      for (int k = 0; k < d; k++) {
        out[d * i + k] = psi[b + 2 * k] * dx + psi[b + 2 * k + 1] * dy;
      }
    }
  }

  /**
   * {@code ψᵀ g}: back-propagation through the features, {@code ∂E/∂s = ψᵀ ∂E/∂h}, block by block
   * ({@code ∂E/∂(x_i, y_i) = ψ_iᵀ ∂E/∂h_i}). {@code g} has {@code D P} values, {@code out} the {@code 2P}
   * interleaved shape gradient.
   */
  public static void jacobianTransposeTimes(float[] psi, float[] g, double[] out) {
    int p = out.length / 2;
    int d = checkJacobian(psi, p, out.length, g.length, "g");
    for (int i = 0; i < p; i++) {
      double sx = 0;
      double sy = 0;
      int b = 2 * d * i;
      int gb = d * i;
      for (int k = 0; k < d; k++) {
        double gk = g[gb + k];
        sx += psi[b + 2 * k] * gk;
        sy += psi[b + 2 * k + 1] * gk;
      }
      out[2 * i] = sx;
      out[2 * i + 1] = sy;
    }
  }

  /** The descriptor length implied by ψ for {@code p} landmarks, after checking every length. */
  private static int checkJacobian(float[] psi, int p, int shapeLength, int featureLength, String name) {
    if (p < 1 || shapeLength % 2 != 0 || psi.length % (2 * p) != 0) {
      throw new IllegalArgumentException("ψ of length " + psi.length + " does not fit a shape vector of length " + shapeLength);
    }
    int d = psi.length / (2 * p);
    if (featureLength != d * p) {
      throw new IllegalArgumentException(name + " has " + featureLength + " values, ψ needs " + d * p);
    }
    return d;
  }

  /** The sums {@link ResponseMaps#touchGrid} returns, kept so that its reads stay. */
  private float touched;

  /** {@link ResponseMaps#touchGrid} of the landmark at (x, y)'s cell corners. */
  private void touch(ResponseMaps maps, double x, double y, int patchSize) {
    cellCorners(x, y, patchSize, nextX, nextY);
    touched += maps.touchGrid(nextX, cells + 1, nextY, cells + 1);
  }

  /** The {@code C + 1} cell-corner coordinates along x and y of the patch of side {@code patchSize} at (x, y). */
  private void cellCorners(double x, double y, int patchSize, double[] xs, double[] ys) {
    int c = cells;
    double side = (double) patchSize / c;
    double x0 = x - patchSize / 2.0;
    double y0 = y - patchSize / 2.0;
    for (int q = 0; q <= c; q++) {
      xs[q] = x0 + q * side;
      ys[q] = y0 + q * side;
    }
  }

  private void landmark(ResponseMaps maps, double x, double y, int patchSize, float[] out, int offset) {
    int c = cells;
    int n = orientations;
    cellCorners(x, y, patchSize, gridX, gridY);
    maps.integralGrid(gridX, c + 1, gridY, c + 1, corners);
    if (simd) {
      SiftSimd.describe(corners, c, n, clip, MIN_NORM, raw, partials, out, offset);
      return;
    }
    for (int r = 0; r < c; r++) {
      for (int q = 0; q < c; q++) {
        int a = (r * (c + 1) + q) * n; // top-left corner
        int b = a + n; // top-right
        int e = a + (c + 1) * n; // bottom-left
        int f = e + n; // bottom-right
        int o = (r * c + q) * n;
        for (int k = 0; k < n; k++) {
          raw[o + k] = corners[f + k] - corners[e + k] - corners[b + k] + corners[a + k];
        }
      }
    }
    normalise(raw, sumOfSquares(raw), out, offset);
  }

  /**
   * The sum of the squares of the {@link #length} values, in {@value #PARTIALS} interleaved partial sums added
   * last: independent chains of additions, several times faster than one running sum (and a fixed order, so
   * the same value every time).
   */
  private double sumOfSquares(double[] v) {
    double[] part = partials;
    java.util.Arrays.fill(part, 0);
    int d = 0;
    for (; d + PARTIALS <= length; d += PARTIALS) {
      for (int j = 0; j < PARTIALS; j++) {
        part[j] += v[d + j] * v[d + j];
      }
    }
    double ss = 0;
    for (; d < length; d++) {
      ss += v[d] * v[d];
    }
    for (int j = 0; j < PARTIALS; j++) {
      ss += part[j];
    }
    return ss;
  }

  /** SIFT normalisation: L2, clip, L2; zeros if the raw norm is at most {@link #MIN_NORM}. */
  private void normalise(double[] v, double sumSquares, float[] out, int offset) {
    double norm = Math.sqrt(sumSquares);
    if (!(norm > MIN_NORM)) {
      for (int d = 0; d < length; d++) {
        out[offset + d] = 0;
      }
      return;
    }
    double inv = 1 / norm;
    for (int d = 0; d < length; d++) {
      double u = v[d] * inv;
      v[d] = u > clip ? clip : u;
    }
    double ss = sumOfSquares(v);
    if (!(ss > 0)) {
      for (int d = 0; d < length; d++) {
        out[offset + d] = 0;
      }
      return;
    }
    double inv2 = 1 / Math.sqrt(ss);
    for (int d = 0; d < length; d++) {
      out[offset + d] = (float) (v[d] * inv2);
    }
  }

  private void checkMaps(ResponseMaps maps, int patchSize) {
    if (patchSize < 1) {
      throw new IllegalArgumentException("patch size must be at least 1 pixel, got " + patchSize);
    }
    if (maps.numOrientations() != orientations) {
      throw new IllegalArgumentException("maps have " + maps.numOrientations() + " orientations, the descriptor " + orientations);
    }
  }

  private static void checkOut(float[] out, int offset, int needed) {
    if (offset < 0 || (long) offset + needed > out.length) {
      throw new IllegalArgumentException("output of length " + out.length + " cannot hold " + needed + " values at " + offset);
    }
  }
}

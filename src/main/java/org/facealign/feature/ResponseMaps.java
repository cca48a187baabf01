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
 *   <li>Signed orientation {@code θ = atan2(gy, gx)} (within 2e-10 rad of {@link Math#atan2}, the axes
 *       exact; see the implementation below) in {@code [0°, 360°)}, image axes (x right, y
 *       down): 0° is a gradient pointing right (dark left, bright right), 90° one pointing down (dark
 *       above, bright below). Bin {@code k} of {@code n = orientations} (8) is <b>centred</b> at {@code k
 *       360°/n} (0°, 45°, ..., 315°); the magnitude is split linearly between the two nearest centres,
 *       cyclically. A mirror left-right maps θ to 180° - θ, hence bin {@code k} to bin {@code (n/2 - k)
 *       mod n}.
 *   <li>Each of the {@code n} maps is blurred by a Gaussian of standard deviation {@code blurSigma},
 *       separably, sampled at integer offsets within radius {@code ceil(3 sigma)}; at the borders the
 *       kernel is cut to the canvas and renormalised to sum 1 (this replaces SIFT's trilinear spatial
 *       interpolation, as in DAISY).
 *   <li>Each blurred map {@code M} is summed into an integral image {@code S} of {@code (w+1) x (h+1)}
 *       nodes, {@code S(i, j) = sum of M(x, y) for x < i, y < j}, summed in double and stored in float.
 * </ol>
 *
 * <p><b>Pooled maps</b> ({@code stride} s > 1, {@code features.map-stride}): step 2's split magnitudes are summed
 * over blocks of {@code s x s} pixels (cell {@code (X, Y)} holds pixels {@code [sX, sX + s) x [sY, sY + s)} inside
 * the canvas), and step 3 blurs the {@code ceil(w / s) x ceil(h / s)} cells by {@link #gridSigma} {@code =
 * sqrt(blurSigma² - s²/12) / s} cells, so that the block (a box of variance {@code s²/12} pixels²) and the blur
 * together keep the variance {@code blurSigma²}. A cell covers the square {@code [sX - 1/2, sX + s - 1/2]} (likewise
 * in y) of the canvas, its energy spread evenly over it; reads take canvas coordinates as at full resolution. At
 * s = 2 the blur, the integral and the integral's memory are a quarter of full resolution's (0.30 MB for a 192-px
 * canvas; 13 taps become 7), and the gradients and bins, computed per pixel as at full resolution, become most of
 * the cost.
 *
 * <p><b>Continuous integral.</b> Pixel {@code (x, y)} covers the unit square centred on it, {@code [x -
 * 1/2, x + 1/2] x [y - 1/2, y + 1/2]}, the convention of {@link org.facealign.data.Shape}. The
 * integral of a map over {@code (-∞, u] x (-∞, v]} is {@code S} bilinearly interpolated at node
 * coordinates {@code (u + 1/2, v + 1/2)} (divided by the stride for pooled maps), clamped to {@code [0, w] x [0,
 * h]}. Because the exact
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
 * <p><b>Implementation.</b> About 0.40 ms per 192 x 192 canvas with 8 orientations on one core of a 2-core
 * AMD EPYC VM with AVX-512, 0.61 ms with the plain loops alone ({@code submit/bench-jmh.sh -f 3 -wi 4 -i 5 -w 1s
 * -r 1s FeatureBench.responseMapsPerCanvas}, with {@code -jvmArgsAppend -Dfacealign.vector-api=false}); pooled over
 * 2 x 2 blocks, 0.24 ms against 0.39 at full resolution on another VM of that kind (the same benchmark, which
 * times both strides). From:
 *
 * <ul>
 *   <li>Precision. The pixel differences are taken in float (as {@link GrayImage#get} gives the pixels),
 *       magnitude, orientation and the split between bins in double, the maps and their blur in float,
 *       the integral summed in double (each node the exact sum of the float rows above it) and stored in
 *       float: half the memory (1.2 MB for a 192-px canvas), which is what the descriptors' reads and the
 *       integral's writes wait on when a batch of faces is aligned. A node is then within {@code 2^-24} of its
 *       value relative to the energy above and left of it; with a trained DeepReg model, no 300-W test
 *       face's IP-NME changed by more than {@code 4e-7} (of the inter-pupil distance) against the release that
 *       kept double nodes. The orientation is computed without {@code atan2}: the octant angle
 *       {@code ψ = atan(min / max)} of {@code |gx|, |gy|} from the tangent of its half, {@code min / (max
 *       + |g|)}, by a Taylor series; the quadrant and {@code |gy| > |gx|} then choose the bins exactly (a
 *       table of the two bins per quadrant and lower bin), so axis-aligned gradients fall exactly on a bin
 *       centre. The maps agree with a
 *       straightforward double-precision implementation to about 3e-7 of their largest value.
 *   <li>Layout. The blur works on rows of 16-float slots, one per pixel: {@code n} bins (rounded up to a
 *       power of two) of each of {@code 16 / n} vertical strips of the canvas side by side, so that every
 *       lane holds data and a horizontal tap is a whole slot away. Each strip carries a margin of {@code
 *       radius} pixels of its neighbours (zeros outside the canvas), so every pixel takes the full kernel
 *       and the cut ones are then renormalised. More than 16 orientations take one strip and wider slots.
 *   <li>Loops the JIT vectorises (C2, JDK 17): branch-free, indexed from the loop variable plus offsets
 *       that are literal multiples of 16 floats (the horizontal taps, one loop per tap distance up to
 *       radius {@value #PAD}; larger radii or slots take a generic scalar pass) or rows held as separate
 *       arrays (the vertical taps); two taps per pass.
 *   <li>Vector lanes ({@link Simd}, the same bits as the plain loops): a row's gradients, magnitudes and
 *       half-angle tangents ({@link GradientSimd}); for the default radius 6, the horizontal blur in one pass
 *       and the vertical blur of two rows at once, each input row loaded once for both ({@link BlurSimd});
 *       the integral's rows ({@link IntegralSimd}), two at once after the paired vertical blur, so that their
 *       running sums are two independent chains of additions.
 *   <li>Streaming. Rows are binned and blurred horizontally as they are needed, into a ring of {@code 2
 *       radius + 2} rows; each row (or pair) is blurred vertically as soon as the rows below it exist and
 *       added to the integral at once, so only the integral is as large as the canvas.
 * </ul>
 *
 * <p>{@link #process} reuses the buffers of an instance when the canvas size does not change. Not
 * thread-safe: one instance per thread; after {@link #process} the reading methods may be shared.
 */
public final class ResponseMaps {
  /** Taylor coefficients of {@code atan q / q} in {@code q²}, to {@code q²⁰}: 1, -1/3, ..., 1/21. */
  private static final double[] ATAN_SERIES = new double[11];

  static {
    for (int i = 0; i < ATAN_SERIES.length; i++) {
      ATAN_SERIES[i] = (i % 2 == 0 ? 1.0 : -1.0) / (2 * i + 1);
    }
  }

  /** Floats per pixel slot of the blur buffers: one 512-bit vector, two 256-bit ones. */
  private static final int LANES = 16;
  /** Largest blur radius of the fast horizontal pass, whose tap offsets are literal constants. */
  private static final int PAD = 12;

  private final int numOrientations;
  private final double blurSigma;
  /** Canvas pixels per map cell along each axis: 1, or s for maps pooled over s x s blocks. */
  private final int stride;
  /** {@code 1 / stride}: canvas coordinates to map-cell coordinates. */
  private final double cellsPerPixel;
  /** The blur's standard deviation in map cells: {@link #gridSigma}. */
  private final double gridSigma;
  private final int radius;
  /** Normalised Gaussian taps, {@code kernel[radius + d]} for {@code d} in {@code [-radius, radius]}. */
  private final float[] kernel;
  private final double[] kernelCumulative;
  /** {@code 2 atan q} radians in bins: {@code 2 n / (2π)}. */
  private final double binsPerHalfAngle;
  /** Lanes per part in a slot: {@code n} rounded up to a power of two (if at most 16). */
  private final int binLanes;
  /** Vertical strips of the canvas side by side in the lanes of one slot. */
  private final int parts;
  /** Floats per slot: 16, or {@code n} rounded up to a multiple of 16. */
  private final int slot;
  /** Zero slots left and right of a row of the horizontal pass's input: {@link #PAD} on the fast path. */
  private final int pad;
  private final boolean fastHorizontal;
  /** Values of {@code k = floor p} for {@code p} in {@code [0, n/4]}: {@code floor(n/4) + 1}. */
  private final int kSpan;
  /**
   * The bins that get {@code 1 - f} and {@code f} of a magnitude, at {@code quadrant kSpan + k}, {@code quadrant
   * = 2 [gx < 0] + [gy < 0]} (sign bits): see {@link #binRow}.
   */
  private final int[] lowerBins;
  private final int[] upperBins;

  /** The map grid: the canvas's size divided by the stride, rounded up. */
  private int width;
  private int height;
  /** The canvas. */
  private int canvasWidth;
  private int canvasHeight;
  /** Pixels of one strip: {@code ceil(width / parts)}. */
  private int stripWidth;
  /** The canvas pixels, row-major. */
  private float[] pixels;
  /** One row: gradients, half-angle tangents then octant angles in bins, steepness, magnitudes. */
  private double[] gradX;
  private double[] gradY;
  private double[] angle;
  private double[] steepness;
  private double[] magnitude;
  /**
   * One row of unblurred maps in slots: pixel {@code x = p stripWidth + s} of strip {@code p}, bin {@code
   * k} at {@code (s + pad) slot + p binLanes + k}, for {@code s} in {@code [-radius, stripWidth + radius)}
   * (the pixels of the neighbouring strips, or zero outside the canvas).
   */
  private float[] rawRow;
  /** The last {@code 2 radius + 2} horizontally blurred rows, without margins; row y at y mod size. */
  private float[][] ring;
  /** Zeros, for the rows above and below the canvas. */
  private float[] zeroRow;
  /** One blurred row, slot layout; the next one when two are blurred together. */
  private float[] blurredRow;
  private float[] secondRow;
  /** The ring rows and taps of {@link BlurSimd#columns}. */
  private final float[][] pairRows = new float[2 * BlurSimd.RADIUS + 2][];
  private final float[] pairTaps = new float[2 * (BlurSimd.RADIUS + 1)];
  /** The horizontal taps {@code kernel[r + d]}, d in [0, r], of {@link BlurSimd#row}. */
  private final float[] horizontalTaps;
  /** Whether the integral is built and read by {@link IntegralSimd} ({@link Simd#ENABLED}; tests compare both paths). */
  private boolean simd = Simd.ENABLED;
  /** Renormalisation of the cut kernel: per slot-layout position of a row, per canvas row. */
  private float[] normRow;
  private float[] normY;
  /** Running row sums of the integration. */
  private double[] run;
  /** The integral's row being built, exact in double: {@code column[i * n + k] = S(i, j)} for the last row j. */
  private double[] column;
  /**
   * Integral nodes, orientation-interleaved: {@code integral[((j * (width + 1)) + i) * n + k]}, each the
   * double-precision sum rounded once to float.
   */
  private float[] integral;

  /**
   * Maps with {@code config.orientations()} bins blurred by {@code config.blurSigma()}, pooled over blocks of {@code
   * config.mapStride()} pixels; call {@link #process}.
   */
  public ResponseMaps(ConfigFeatures config) {
    this(config.orientations(), config.blurSigma(), config.mapStride());
  }

  /** Maps with {@code orientations} signed bins (even, at least 2), blurred by {@code blurSigma > 0}, unpooled. */
  public ResponseMaps(int orientations, double blurSigma) {
    this(orientations, blurSigma, 1);
  }

  /**
   * Maps with {@code orientations} signed bins (even, at least 2), pooled over blocks of {@code stride x stride}
   * pixels ({@code stride >= 1}) and blurred so that pooling and blur together have the standard deviation {@code
   * blurSigma} ({@link #gridSigma}).
   */
  public ResponseMaps(int orientations, double blurSigma, int stride) {
    if (orientations < 2 || orientations % 2 != 0) {
      throw new IllegalArgumentException("orientations must be even and at least 2, got " + orientations);
    }
    if (!(blurSigma > 0 && Double.isFinite(blurSigma))) {
      throw new IllegalArgumentException("blurSigma must be positive, got " + blurSigma);
    }
    if (stride < 1 || !(gridSigma(blurSigma, stride) > 0)) {
      throw new IllegalArgumentException("stride must be >= 1 and below blurSigma sqrt(12) = "
          + blurSigma * Math.sqrt(12) + ", got " + stride);
    }
    this.numOrientations = orientations;
    this.blurSigma = blurSigma;
    this.stride = stride;
    this.cellsPerPixel = 1.0 / stride;
    this.gridSigma = gridSigma(blurSigma, stride);
    int r = kernelRadius(gridSigma);
    this.radius = r;
    this.kernel = new float[2 * r + 1];
    double[] g = new double[2 * r + 1];
    double sum = 0;
    for (int i = -r; i <= r; i++) {
      g[i + r] = Math.exp(-(double) i * i / (2 * gridSigma * gridSigma));
      sum += g[i + r];
    }
    this.kernelCumulative = new double[2 * r + 2];
    for (int i = 0; i < g.length; i++) {
      kernel[i] = (float) (g[i] / sum);
      kernelCumulative[i + 1] = kernelCumulative[i] + kernel[i];
    }
    this.binsPerHalfAngle = orientations / Math.PI;
    if (orientations <= LANES) {
      this.binLanes = Integer.highestOneBit(orientations - 1) << 1; // 2, 4, 8, 16
      this.parts = LANES / binLanes;
      this.slot = LANES;
    } else {
      this.binLanes = orientations;
      this.parts = 1;
      this.slot = (orientations + LANES - 1) / LANES * LANES;
    }
    this.fastHorizontal = slot == LANES && r <= PAD;
    this.pad = fastHorizontal ? PAD : r;
    this.horizontalTaps = Arrays.copyOfRange(kernel, r, 2 * r + 1);
    this.kSpan = orientations / 4 + 1;
    this.lowerBins = new int[4 * kSpan];
    this.upperBins = new int[4 * kSpan];
    for (int quadrant = 0; quadrant < 4; quadrant++) {
      int mirrorX = quadrant >> 1;
      int mirrorY = quadrant & 1;
      int sign = 1 - 2 * (mirrorX ^ mirrorY);
      for (int k = 0; k < kSpan; k++) {
        int lo = mirrorX * orientations / 2 + sign * k;
        lowerBins[quadrant * kSpan + k] = Math.floorMod(lo, orientations);
        upperBins[quadrant * kSpan + k] = Math.floorMod(lo + sign, orientations);
      }
    }
  }

  /** This instance with the plain loops instead of the SIMD kernels, for the tests that compare the two. */
  ResponseMaps withoutSimd() {
    simd = false;
    return this;
  }

  /** The maps of {@code canvas} with {@code config}'s orientations and blur. */
  public static ResponseMaps of(GrayImage canvas, ConfigFeatures config) {
    return new ResponseMaps(config).process(canvas);
  }

  /**
   * The blur's standard deviation in map cells for maps pooled over blocks of {@code stride} pixels: {@code
   * sqrt(blurSigma² - stride² / 12) / stride}, so that the block (a box of variance {@code stride² / 12}) and the
   * blur together have the variance {@code blurSigma²}; {@code blurSigma} itself at stride 1. Not positive if the
   * block alone is wider than {@code blurSigma}.
   */
  public static double gridSigma(double blurSigma, int stride) {
    if (stride == 1) {
      return blurSigma;
    }
    double v = blurSigma * blurSigma - stride * (double) stride / 12;
    return v > 0 ? Math.sqrt(v) / stride : 0;
  }

  /** Radius of the blur kernel: {@code ceil(3 sigma)}. */
  public static int kernelRadius(double sigma) {
    return (int) Math.ceil(3 * sigma);
  }

  /** Computes the maps of {@code canvas}, replacing the previous ones; returns this. */
  public ResponseMaps process(GrayImage canvas) {
    int cw = canvas.width();
    int ch = canvas.height();
    if (integral == null || cw != canvasWidth || ch != canvasHeight) {
      allocate(cw, ch);
    }
    int w = width;
    int h = height;
    canvas.copyTo(pixels, 0);
    int r = radius;
    Arrays.fill(integral, 0, (w + 1) * numOrientations, 0);
    Arrays.fill(column, 0);
    // rows are binned and blurred horizontally as they are needed; row y blurred vertically (with row y + 1
    // by the SIMD kernel of radius 6) once the rows up to y + r (y + 1 + r) exist
    boolean pairs = simd && r == BlurSimd.RADIUS && slot == LANES;
    int next = 0;
    for (int y = 0; y < h; y++) {
      boolean two = pairs && y + 1 < h;
      for (int last = Math.min(h - 1, y + r + (two ? 1 : 0)); next <= last; next++) {
        horizontal(next);
      }
      if (two) {
        verticalTaps(y, 0);
        verticalTaps(y + 1, BlurSimd.RADIUS + 1);
        BlurSimd.columns(ringRows(y), pairTaps, blurredRow, secondRow, stripWidth * slot);
        if (numOrientations == IntegralSimd.LANES) {
          integrateRows(y, blurredRow, secondRow);
        } else {
          integrateRow(y, blurredRow);
          integrateRow(y + 1, secondRow);
        }
        y++;
      } else {
        blurColumns(y);
        integrateRow(y, blurredRow);
      }
    }
    return this;
  }

  /**
   * Gradient, orientations and bins of map row {@code y} (of canvas rows {@code y stride ..}, pooled), blurred
   * horizontally into its ring slot.
   */
  private void horizontal(int y) {
    int ch = canvasHeight;
    if (stride == 1) {
      gradients(y);
      binRow();
    } else {
      clearRawRow();
      for (int cy = y * stride; cy < Math.min(ch, (y + 1) * stride); cy++) {
        gradients(cy);
        poolRow();
      }
    }
    copyMargins();
    float[] out = ring[y % ring.length];
    if (simd && fastHorizontal && radius == BlurSimd.RADIUS) {
      BlurSimd.row(rawRow, PAD * LANES, horizontalTaps, normRow, out, stripWidth * LANES);
    } else if (fastHorizontal) {
      blurRowFast(out);
    } else {
      blurRowGeneric(out);
    }
  }

  /** Gradients, magnitudes and half-angle tangents of canvas row {@code y}. */
  private void gradients(int y) {
    int cw = canvasWidth;
    int ch = canvasHeight;
    if (simd && cw >= 2 && ch >= 2) {
      GradientSimd.row(pixels, cw, ch, y, gradX, gradY, angle, steepness, magnitude);
    } else {
      gradientRow(y);
      halfAngles();
    }
  }

  /** Rows {@code y - r .. y + 1 + r} of the ring ({@link #ringRow}) for {@link BlurSimd#columns}. */
  private float[][] ringRows(int y) {
    float[][] rows = pairRows;
    for (int i = 0; i < rows.length; i++) {
      rows[i] = ringRow(y - radius + i);
    }
    return rows;
  }

  /** The vertical taps of row {@code y}, {@code kernel[r + d] normY[y]} for d in [0, r], into {@link #pairTaps} at {@code from}. */
  private void verticalTaps(int y, int from) {
    float norm = normY[y];
    for (int d = 0; d <= radius; d++) {
      pairTaps[from + d] = kernel[radius + d] * norm;
    }
  }

  private void allocate(int cw, int ch) {
    int n = numOrientations;
    int r = radius;
    canvasWidth = cw;
    canvasHeight = ch;
    int w = (cw + stride - 1) / stride;
    int h = (ch + stride - 1) / stride;
    width = w;
    height = h;
    int sw = (w + parts - 1) / parts;
    stripWidth = sw;
    // what IntegralSimd's vector loads may read past the contents of the integral and the blurred row
    int tail = Simd.ENABLED ? IntegralSimd.PAD : 0;
    pixels = new float[cw * ch];
    gradX = new double[cw];
    gradY = new double[cw];
    angle = new double[cw];
    steepness = new double[cw];
    magnitude = new double[cw];
    rawRow = new float[(sw + 2 * pad) * slot];
    int len = sw * slot;
    ring = new float[2 * r + 2][len];
    blurredRow = new float[len + tail];
    secondRow = new float[len + tail];
    zeroRow = new float[len];
    float[] nx = norms(w);
    normRow = new float[len];
    for (int p = 0; p < parts; p++) {
      for (int s = 0; s < sw; s++) {
        int x = p * sw + s;
        if (x < w) {
          Arrays.fill(normRow, s * slot + p * binLanes, s * slot + p * binLanes + n, nx[x]);
        }
      }
    }
    normY = norms(h);
    run = new double[n];
    column = new double[(w + 1) * n];
    integral = new float[(w + 1) * (h + 1) * n + tail];
  }

  /** Per position of a line of {@code len} pixels: 1 / the sum of the kernel taps that fall inside it. */
  private float[] norms(int len) {
    int r = radius;
    float[] out = new float[len];
    for (int x = 0; x < len; x++) {
      int lo = Math.max(-r, -x);
      int hi = Math.min(r, len - 1 - x);
      double sum = kernelCumulative[hi + r + 1] - kernelCumulative[lo + r];
      out[x] = lo == -r && hi == r ? 1 : (float) (1 / sum);
    }
    return out;
  }

  /** Columns of the map grid: the canvas's width divided by the stride, rounded up. */
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

  /** Canvas pixels per map cell along each axis. */
  public int stride() {
    return stride;
  }

  /**
   * Blurred map {@code k}, row-major {@code width x height}: read back from the integral image, {@code
   * M(x, y) = S(x+1, y+1) - S(x, y+1) - S(x+1, y) + S(x, y)} (equal to the blurred float values up to
   * double rounding of the sums).
   */
  public float[] map(int k) {
    checkProcessed();
    if (k < 0 || k >= numOrientations) {
      throw new IllegalArgumentException("orientation " + k + " out of 0.." + (numOrientations - 1));
    }
    int w = width;
    int n = numOrientations;
    int stride = (w + 1) * n;
    float[] s = integral;
    float[] out = new float[w * height];
    for (int y = 0; y < height; y++) {
      int above = y * stride + k;
      int here = above + stride;
      for (int x = 0; x < w; x++) {
        int i = x * n;
        out[y * w + x] = (float) ((double) s[here + i + n] - s[above + i + n] - s[here + i] + s[above + i]);
      }
    }
    return out;
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
    grid(xs, nx, ys, ny, out, simd && numOrientations % IntegralSimd.LANES == 0);
  }

  /**
   * Reads the first and last float of the nodes {@link #integralGrid} would read at the grid's points and returns
   * their sum, which means nothing: called on the next landmark's grid while the current one is described, it
   * brings the integral's cache lines in early (a software prefetch; the sum keeps the JIT from dropping the reads).
   */
  float touchGrid(double[] xs, int nx, double[] ys, int ny) {
    int w = width;
    int h = height;
    int n = numOrientations;
    int below = (w + 1) * n;
    int last = 2 * n - 1;
    float[] s = integral;
    float acc = 0;
    for (int r = 0; r < ny; r++) {
      int j = Math.min((int) node(ys[r], h), h - 1);
      for (int q = 0; q < nx; q++) {
        int i = Math.min((int) node(xs[q], w), w - 1);
        int p00 = j * below + i * n;
        int p01 = p00 + below;
        acc += s[p00] + s[p00 + last] + s[p01] + s[p01 + last];
      }
    }
    return acc;
  }

  /** {@link #integralGrid} in plain loops, for the tests that compare the two. */
  void integralGridScalar(double[] xs, int nx, double[] ys, int ny, double[] out) {
    grid(xs, nx, ys, ny, out, false);
  }

  /** {@link #integralGrid}, each point's {@code n} sums by {@link IntegralSimd#point} if {@code vector}. */
  private void grid(double[] xs, int nx, double[] ys, int ny, double[] out, boolean vector) {
    int w = width;
    int h = height;
    int n = numOrientations;
    int below = (w + 1) * n;
    float[] s = integral;
    for (int r = 0; r < ny; r++) {
      double v = node(ys[r], h);
      int j = Math.min((int) v, h - 1);
      double fv = v - j;
      for (int q = 0; q < nx; q++) {
        double u = node(xs[q], w);
        int i = Math.min((int) u, w - 1);
        double fu = u - i;
        double w00 = (1 - fu) * (1 - fv);
        double w10 = fu * (1 - fv);
        double w01 = (1 - fu) * fv;
        double w11 = fu * fv;
        int p00 = j * below + i * n;
        int p01 = p00 + below;
        int o = (r * nx + q) * n;
        if (vector) {
          IntegralSimd.point(s, p00, p01, n, w00, w10, w01, w11, out, o);
          continue;
        }
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
    double u = node(x, w);
    double v = node(y, h);
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
    float[] s = integral;
    for (int k = 0; k < n; k++) {
      out[offset + k] += w00 * s[p00 + k] + w10 * s[p00 + n + k] + w01 * s[p01 + k] + w11 * s[p01 + n + k];
    }
  }

  /**
   * The node coordinate of canvas coordinate {@code x} on an axis of {@code size} pixels: {@code x + 1/2} clamped to
   * {@code [0, size]}, NaN to 0. Every read of the integral places its point so.
   */
  private double node(double x, int size) {
    double u = (x + 0.5) * cellsPerPixel;
    return u > 0 ? (u < size ? u : size) : 0;
  }

  /** The integral of map {@code k} up to {@code (x, y)}. */
  private double integralAt(int k, double x, double y) {
    int w = width;
    int h = height;
    int n = numOrientations;
    double u = node(x, w);
    double v = node(y, h);
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
    float[] s = integral;
    return (1 - fv) * ((1 - fu) * s[p00] + fu * s[p00 + n]) + fv * ((1 - fu) * s[p01] + fu * s[p01 + n]);
  }

  private void checkProcessed() {
    if (integral == null) {
      throw new IllegalStateException("no canvas processed yet");
    }
  }

  /**
   * Central (one-sided at the borders) differences of row {@code y}: the difference of the two float
   * pixels in float, as {@link GrayImage#get} gives them, then halved.
   */
  private void gradientRow(int y) {
    centralDifferences(pixels, canvasWidth, canvasHeight, y, gradX, gradY);
  }

  /**
   * Central differences of row {@code y} of the {@code w x h} image {@code p} (row-major) into {@code gx, gy}:
   * the difference of the two float pixels in float, halved in double; one-sided (not halved) on the first and
   * last column (row); zero if the image is one pixel wide (high). Also the HOG's gradient ({@link HogFeature}).
   */
  static void centralDifferences(float[] p, int w, int h, int y, double[] gx, double[] gy) {
    int row = y * w;
    if (w < 2) {
      gx[0] = 0;
    } else {
      gx[0] = p[row + 1] - p[row];
      for (int x = 1; x < w - 1; x++) {
        gx[x] = 0.5 * (p[row + x + 1] - p[row + x - 1]);
      }
      gx[w - 1] = p[row + w - 1] - p[row + w - 2];
    }
    if (h < 2) {
      Arrays.fill(gy, 0, w, 0);
      return;
    }
    int above = y == 0 ? row : row - w;
    int below = y == h - 1 ? row : row + w;
    double scale = y == 0 || y == h - 1 ? 1 : 0.5;
    for (int x = 0; x < w; x++) {
      gy[x] = scale * (p[below + x] - p[above + x]);
    }
  }

  /**
   * Magnitude {@code m} of each gradient of the row, with {@code q = tan(ψ/2) = min / (max + m)}, the
   * tangent of half the octant angle {@code ψ = atan(min / max)} of {@code |gx|, |gy|} ({@code ψ} in
   * {@code [0, π/4]}, so {@code q} in {@code [0, tan(π/8)]}), and whether {@code |gy| > |gx|}; zero for a
   * zero gradient. One branch-free loop, which the JIT vectorises.
   */
  private void halfAngles() {
    int w = canvasWidth;
    double[] gx = gradX;
    double[] gy = gradY;
    double[] half = angle;
    double[] steep = steepness;
    double[] mag = magnitude;
    // + MIN_NORMAL: 0 / MIN_NORMAL = 0 where the denominator is 0, and no change to any other, as nonzero
    // gradients are at least 2^-150 (halved float differences); not MIN_VALUE: subnormal operands make
    // divisions very slow
    for (int x = 0; x < w; x++) {
      double ax = Math.abs(gx[x]);
      double ay = Math.abs(gy[x]);
      double m = Math.sqrt(ax * ax + ay * ay);
      double min = Math.min(ax, ay);
      double max = Math.max(ax, ay);
      half[x] = min / (max + m + Double.MIN_NORMAL);
      steep[x] = (ay - min) / (max - min + Double.MIN_NORMAL); // exactly 1 if |gy| > |gx|, else 0
      mag[x] = m;
    }
  }

  /**
   * The first-quadrant angles {@code p} of the row in bins ({@link #binRow}), from the octant angles {@code
   * u = ψ n / (2π)}, themselves from {@code q = tan(ψ/2)}: {@code ψ = 2 atan q} by the odd Taylor series to
   * {@code q²¹}, whose truncation is below {@code 2 tan(π/8)²³ / 23 < 2e-10} rad. Loops of their own, called
   * from {@link #binRow}: the JIT (C2, JDK 17) runs them several times slower when they follow the loop of
   * {@link #halfAngles} in one compiled method.
   */
  private void angleSeries() {
    int w = canvasWidth;
    double[] c = ATAN_SERIES;
    double c0 = c[0];
    double c1 = c[1];
    double c2 = c[2];
    double c3 = c[3];
    double c4 = c[4];
    double c5 = c[5];
    double c6 = c[6];
    double c7 = c[7];
    double c8 = c[8];
    double c9 = c[9];
    double c10 = c[10];
    double scale = binsPerHalfAngle;
    double[] a = angle;
    for (int x = 0; x < w; x++) {
      double q = a[x];
      double q2 = q * q;
      double poly = c10 * q2 + c9;
      poly = poly * q2 + c8;
      poly = poly * q2 + c7;
      poly = poly * q2 + c6;
      poly = poly * q2 + c5;
      poly = poly * q2 + c4;
      poly = poly * q2 + c3;
      poly = poly * q2 + c2;
      poly = poly * q2 + c1;
      poly = poly * q2 + c0;
      a[x] = scale * (q * poly);
    }
    // the first-quadrant angle in bins, in a loop of its own (the JIT vectorises it)
    double quarter = numOrientations / 4.0;
    double[] steep = steepness;
    for (int x = 0; x < w; x++) {
      a[x] = a[x] + steep[x] * (quarter - 2 * a[x]);
    }
  }

  /**
   * Splits each magnitude of the row between its two nearest bins, into {@link #rawRow}. The octant angle
   * {@code u} (bins) gives the first-quadrant angle {@code p = atan2(|gy|, |gx|)} in bins: {@code u}, or
   * {@code n/4 - u} if {@code |gy| > |gx|}, so both axes are exact. With {@code k = floor p} and {@code f =
   * p - k}, bins {@code k} and {@code k + 1} get {@code 1 - f} and {@code f}; the quadrant then maps them
   * exactly: {@code θ = p} (bins {@code k, k + 1}), {@code π - p} if {@code gx < 0} ({@code n/2 - k, n/2 -
   * k - 1}), {@code -p} if {@code gy < 0} ({@code -k, -k - 1}), {@code π + p} if both ({@code n/2 + k, n/2
   * + k + 1}), all modulo {@code n}. Axis-aligned gradients thus land exactly on their bin centre. The two
   * bins of each quadrant and {@code k} come from {@link #lowerBins} and {@link #upperBins}.
   */
  private void binRow() {
    angleSeries();
    clearRawRow();
    int w = width;
    int sw = stripWidth;
    int sl = slot;
    int lanes = binLanes;
    int pd = pad;
    float[] out = rawRow;
    double[] u = angle;
    double[] mag = magnitude;
    double[] gx = gradX;
    double[] gy = gradY;
    int span = kSpan;
    int[] loBin = lowerBins;
    int[] hiBin = upperBins;
    for (int part = 0; part < parts; part++) {
      int xs = part * sw;
      int count = Math.min(sw, w - xs);
      int o = pd * sl + part * lanes;
      for (int x = xs; x < xs + count; x++, o += sl) {
        double p = u[x]; // [0, n/4]
        int k = (int) p;
        double f = p - k;
        double m = mag[x];
        // the quadrant from the sign bits: a negative zero gives the same angle either way
        int quadrant = (int) (Double.doubleToRawLongBits(gx[x]) >>> 63) * 2
            + (int) (Double.doubleToRawLongBits(gy[x]) >>> 63);
        int t = quadrant * span + k;
        out[o + loBin[t]] = (float) ((1 - f) * m);
        out[o + hiBin[t]] = (float) (f * m);
      }
    }
  }

  /**
   * {@link #binRow} of a canvas row at stride s: each pixel's two bins added to those of map cell {@code x / s} of
   * {@link #rawRow}, which {@link #clearRawRow} zeroed before the first of the cell's rows; sums in float. A loop of
   * its own: at stride 1 this one would give the same bits, but the full-resolution maps were slower with it than
   * with {@code binRow}'s plain stores ({@code submit/bench-jmh.sh -f 1 -wi 3 -i 5 -w 1s -r 1s -p mapStride=1
   * FeatureBench.responseMapsPerCanvas}, alternating the two versions).
   */
  private void poolRow() {
    angleSeries();
    int cw = canvasWidth;
    int s = stride;
    int sw = stripWidth;
    int sl = slot;
    int lanes = binLanes;
    int pd = pad;
    float[] out = rawRow;
    double[] u = angle;
    double[] mag = magnitude;
    double[] gx = gradX;
    double[] gy = gradY;
    int span = kSpan;
    int[] loBin = lowerBins;
    int[] hiBin = upperBins;
    for (int part = 0; part < parts; part++) {
      int o = pd * sl + part * lanes;
      for (int x = part * sw * s, end = Math.min(cw, (part + 1) * sw * s); x < end; o += sl) {
        for (int last = Math.min(end, x + s); x < last; x++) {
          double p = u[x];
          int k = (int) p;
          double f = p - k;
          double m = mag[x];
          int quadrant = (int) (Double.doubleToRawLongBits(gx[x]) >>> 63) * 2
              + (int) (Double.doubleToRawLongBits(gy[x]) >>> 63);
          int t = quadrant * span + k;
          out[o + loBin[t]] += (float) ((1 - f) * m);
          out[o + hiBin[t]] += (float) (f * m);
        }
      }
    }
  }

  /** Zeros {@link #rawRow} over its strips and their margins. */
  private void clearRawRow() {
    int sl = slot;
    Arrays.fill(rawRow, (pad - radius) * sl, (pad + stripWidth + radius) * sl, 0);
  }

  /** The margins of each strip of {@link #rawRow}: copies of the neighbouring strips' cells (none outside the map). */
  private void copyMargins() {
    int r = radius;
    int sw = stripWidth;
    for (int part = 0; parts > 1 && part < parts; part++) {
      copyMargin(part, -r, 0);
      copyMargin(part, sw, sw + r);
    }
  }

  /** Copies the pixels at positions {@code [from, to)} of strip {@code part} from the strips they lie in. */
  private void copyMargin(int part, int from, int to) {
    int n = numOrientations;
    int sw = stripWidth;
    int sl = slot;
    int lanes = binLanes;
    int pd = pad;
    float[] out = rawRow;
    for (int s = Math.max(from, -part * sw); s < to && part * sw + s < width; s++) {
      int x = part * sw + s;
      int src = (x % sw + pd) * sl + x / sw * lanes;
      int dst = (s + pd) * sl + part * lanes;
      for (int k = 0; k < n; k++) {
        out[dst + k] = out[src + k];
      }
    }
  }

  /**
   * Horizontal blur of {@link #rawRow} into {@code out}: the zero margins make every pixel the full kernel
   * over the pixels inside the canvas, then the cut ones are renormalised. The tap offsets are literal
   * multiples of the vector width, so that the JIT vectorises each pass.
   */
  private void blurRowFast(float[] out) {
    int r = radius;
    int len = stripWidth * LANES;
    float[] in = rawRow;
    float[] norm = normRow;
    float k0 = kernel[r];
    float k1 = kernel[r + 1]; // r >= 1
    // two taps per pass where possible: fewer loads and stores of out
    for (int i = 0; i < len; i++) {
      out[i] = k0 * in[i + PAD * LANES] + k1 * (in[i + (PAD - 1) * LANES] + in[i + (PAD + 1) * LANES]);
    }
    int d = 2;
    for (; d + 1 <= r; d += 2) {
      float ka = kernel[r + d];
      float kb = kernel[r + d + 1];
      switch (d) {
        case 2:
          for (int i = 0; i < len; i++) {
            out[i] += ka * (in[i + (PAD - 2) * LANES] + in[i + (PAD + 2) * LANES])
                + kb * (in[i + (PAD - 3) * LANES] + in[i + (PAD + 3) * LANES]);
          }
          break;
        case 4:
          for (int i = 0; i < len; i++) {
            out[i] += ka * (in[i + (PAD - 4) * LANES] + in[i + (PAD + 4) * LANES])
                + kb * (in[i + (PAD - 5) * LANES] + in[i + (PAD + 5) * LANES]);
          }
          break;
        case 6:
          for (int i = 0; i < len; i++) {
            out[i] += ka * (in[i + (PAD - 6) * LANES] + in[i + (PAD + 6) * LANES])
                + kb * (in[i + (PAD - 7) * LANES] + in[i + (PAD + 7) * LANES]);
          }
          break;
        case 8:
          for (int i = 0; i < len; i++) {
            out[i] += ka * (in[i + (PAD - 8) * LANES] + in[i + (PAD + 8) * LANES])
                + kb * (in[i + (PAD - 9) * LANES] + in[i + (PAD + 9) * LANES]);
          }
          break;
        case 10:
          for (int i = 0; i < len; i++) {
            out[i] += ka * (in[i + (PAD - 10) * LANES] + in[i + (PAD + 10) * LANES])
                + kb * (in[i + (PAD - 11) * LANES] + in[i + (PAD + 11) * LANES]);
          }
          break;
        default:
          throw new AssertionError(d);
      }
    }
    if (d > r) {
      for (int i = 0; i < len; i++) {
        out[i] *= norm[i];
      }
      return;
    }
    float kd = kernel[r + d];
    switch (d) {
      case 2:
        for (int i = 0; i < len; i++) {
          out[i] = norm[i] * (out[i] + kd * (in[i + (PAD - 2) * LANES] + in[i + (PAD + 2) * LANES]));
        }
        break;
      case 4:
        for (int i = 0; i < len; i++) {
          out[i] = norm[i] * (out[i] + kd * (in[i + (PAD - 4) * LANES] + in[i + (PAD + 4) * LANES]));
        }
        break;
      case 6:
        for (int i = 0; i < len; i++) {
          out[i] = norm[i] * (out[i] + kd * (in[i + (PAD - 6) * LANES] + in[i + (PAD + 6) * LANES]));
        }
        break;
      case 8:
        for (int i = 0; i < len; i++) {
          out[i] = norm[i] * (out[i] + kd * (in[i + (PAD - 8) * LANES] + in[i + (PAD + 8) * LANES]));
        }
        break;
      case 10:
        for (int i = 0; i < len; i++) {
          out[i] = norm[i] * (out[i] + kd * (in[i + (PAD - 10) * LANES] + in[i + (PAD + 10) * LANES]));
        }
        break;
      case 12:
        for (int i = 0; i < len; i++) {
          out[i] = norm[i] * (out[i] + kd * (in[i + (PAD - 12) * LANES] + in[i + (PAD + 12) * LANES]));
        }
        break;
      default:
        throw new AssertionError(d);
    }
  }

  /** {@link #blurRowFast} for any slot size and radius. */
  private void blurRowGeneric(float[] out) {
    int r = radius;
    int sl = slot;
    int len = stripWidth * sl;
    float[] in = rawRow;
    int mid = pad * sl;
    float centre = kernel[r];
    for (int i = 0; i < len; i++) {
      out[i] = centre * in[mid + i];
    }
    for (int d = 1; d <= r; d++) {
      float kd = kernel[r + d];
      int left = mid - d * sl;
      int right = mid + d * sl;
      for (int i = 0; i < len; i++) {
        out[i] += kd * (in[left + i] + in[right + i]);
      }
    }
    float[] norm = normRow;
    for (int i = 0; i < len; i++) {
      out[i] *= norm[i];
    }
  }

  /**
   * Vertical blur of the horizontally blurred rows around row {@code y} into {@link #blurredRow}, rows
   * outside the canvas read as zeros and the taps scaled by the row's renormalisation.
   */
  private void blurColumns(int y) {
    int r = radius;
    float[] acc = blurredRow;
    int len = stripWidth * slot;
    float norm = normY[y];
    float k0 = kernel[r] * norm;
    float k1 = kernel[r + 1] * norm;
    float[] mid = ringRow(y);
    float[] a1 = ringRow(y - 1);
    float[] b1 = ringRow(y + 1);
    for (int i = 0; i < len; i++) {
      acc[i] = k0 * mid[i] + k1 * (a1[i] + b1[i]);
    }
    int d = 2;
    for (; d + 1 <= r; d += 2) {
      float ka = kernel[r + d] * norm;
      float kb = kernel[r + d + 1] * norm;
      float[] a = ringRow(y - d);
      float[] b = ringRow(y + d);
      float[] e = ringRow(y - d - 1);
      float[] f = ringRow(y + d + 1);
      for (int i = 0; i < len; i++) {
        acc[i] += ka * (a[i] + b[i]) + kb * (e[i] + f[i]);
      }
    }
    if (d == r) {
      float kd = kernel[r + d] * norm;
      float[] a = ringRow(y - d);
      float[] b = ringRow(y + d);
      for (int i = 0; i < len; i++) {
        acc[i] += kd * (a[i] + b[i]);
      }
    }
  }

  /** Horizontally blurred row {@code y}, or zeros outside the canvas. */
  private float[] ringRow(int y) {
    return y >= 0 && y < height ? ring[y % ring.length] : zeroRow;
  }

  /** {@link #integrateRow} of rows {@code y} ({@code b0}) and {@code y + 1} ({@code b1}) by {@link IntegralSimd#rows}. */
  private void integrateRows(int y, float[] b0, float[] b1) {
    int w = width;
    int n = numOrientations;
    int here0 = (y + 1) * (w + 1) * n;
    int here1 = here0 + (w + 1) * n;
    Arrays.fill(integral, here0, here0 + n, 0);
    Arrays.fill(integral, here1, here1 + n, 0);
    IntegralSimd.rows(b0, b1, stripWidth, w, slot, binLanes, column, integral, here0, here1);
  }

  /**
   * Row {@code y + 1} of the integral: row {@code y} plus the running sums of blurred row {@code y} ({@code b}),
   * added in double to {@link #column} (so each node is the exact double sum of the rows above it, as if the
   * integral were kept in double) and stored rounded to float.
   */
  private void integrateRow(int y, float[] b) {
    int w = width;
    int n = numOrientations;
    int sw = stripWidth;
    int sl = slot;
    int lanes = binLanes;
    double[] col = column;
    float[] s = integral;
    int here = (y + 1) * (w + 1) * n;
    Arrays.fill(s, here, here + n, 0);
    if (simd && n == IntegralSimd.LANES && slot == LANES) {
      IntegralSimd.row(b, sw, w, sl, lanes, col, s, here);
      return;
    }
    if (n == 8) {
      double r0 = 0;
      double r1 = 0;
      double r2 = 0;
      double r3 = 0;
      double r4 = 0;
      double r5 = 0;
      double r6 = 0;
      double r7 = 0;
      for (int p = 0; p < parts; p++) {
        int xs = p * sw;
        int count = Math.min(sw, w - xs);
        for (int t = 0; t < count; t++) {
          int i = t * sl + p * lanes;
          int o = (xs + t + 1) * 8;
          col[o] += r0 += b[i];
          col[o + 1] += r1 += b[i + 1];
          col[o + 2] += r2 += b[i + 2];
          col[o + 3] += r3 += b[i + 3];
          col[o + 4] += r4 += b[i + 4];
          col[o + 5] += r5 += b[i + 5];
          col[o + 6] += r6 += b[i + 6];
          col[o + 7] += r7 += b[i + 7];
        }
      }
    } else {
      double[] sums = run;
      Arrays.fill(sums, 0);
      for (int p = 0; p < parts; p++) {
        int xs = p * sw;
        int count = Math.min(sw, w - xs);
        for (int t = 0; t < count; t++) {
          int i = t * sl + p * lanes;
          int o = (xs + t + 1) * n;
          for (int k = 0; k < n; k++) {
            sums[k] += b[i + k];
            col[o + k] += sums[k];
          }
        }
      }
    }
    // a pass of its own: rounding to float inside the loop above makes it several times slower (C2, JDK 17)
    for (int o = n; o < (w + 1) * n; o++) {
      s[here + o] = (float) col[o];
    }
  }
}

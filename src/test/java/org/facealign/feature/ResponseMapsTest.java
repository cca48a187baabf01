package org.facealign.feature;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.facealign.data.GrayImage;
import org.junit.jupiter.api.Test;

class ResponseMapsTest {
  private static final double SIGMA = 2.0;

  /** A non-square canvas, so that width and height cannot be swapped unnoticed. */
  private static final int W = 70;
  private static final int H = 54;

  /**
   * The integral's nodes are floats, each the exact sum rounded once (relative error at most 2^-24): a value
   * read back from {@code nodes} of them, none larger than {@code total} (the bin's energy over the canvas),
   * may be off by this much on top of the blur's own float rounding.
   */
  private static double nodeRounding(int nodes, double total) {
    return nodes * Math.scalb(Math.abs(total), -24);
  }

  /** The largest value of any reference map (at least 1e-12). */
  private static double largest(double[][] ref) {
    double scale = 1e-12;
    for (double[] map : ref) {
      scale = Math.max(scale, Reference.maxAbs(map));
    }
    return scale;
  }

  /** Each reference map's sum: its bin's energy. */
  private static double[] energies(double[][] ref) {
    double[] e = new double[ref.length];
    for (int k = 0; k < ref.length; k++) {
      e[k] = Reference.sum(ref[k]);
    }
    return e;
  }

  /**
   * Every value of {@code maps.map(k)} against {@code ref[k]} (pixels, or cells when pooled), beyond the rounding of
   * the integral's float nodes, within 1e-6 of the largest reference value; returns the worst such error.
   */
  private static double assertMapsMatch(ResponseMaps maps, double[][] ref, String where) {
    double scale = largest(ref);
    double[] binEnergy = energies(ref);
    double worst = 0;
    for (int k = 0; k < ref.length; k++) {
      float[] m = maps.map(k);
      for (int i = 0; i < m.length; i++) {
        // float rounding is relative to the magnitudes blurred together, not to a small value among them,
        // and the integral's nodes to the bin's energy
        double err = Math.max(0, Math.abs(m[i] - ref[k][i]) - nodeRounding(4, binEnergy[k])) / scale;
        worst = Math.max(worst, err);
        assertTrue(err < 1e-6, where + ", bin " + k + ", value " + i + ": " + m[i] + " vs " + ref[k][i]);
      }
    }
    return worst;
  }

  @Test
  void blurredMapsEqualTheDirectReference() {
    GrayImage img = Reference.random(W, H, 21);
    ResponseMaps maps = new ResponseMaps(8, SIGMA).process(img);
    double[][] ref = Reference.blurredMaps(img, 8, SIGMA);
    for (int k = 0; k < 8; k++) {
      float[] m = maps.map(k);
      double scale = Reference.maxAbs(ref[k]);
      double rounding = nodeRounding(4, Reference.sum(ref[k]));
      for (int i = 0; i < m.length; i++) {
        assertEquals(ref[k][i], m[i], 1e-5 * scale + rounding, "orientation " + k + " pixel " + i);
      }
    }
  }

  /**
   * {@code process} against the brute-force reference on random canvases: tiny ones (narrower than the
   * kernel, one pixel wide or high), odd and non-square ones, one instance reused across the sizes, and
   * bin counts and radii that take every path of the implementation (2 to 16 bins share the blur's vector
   * lanes between strips of the canvas; 18 bins and radii above 12 take the generic horizontal pass).
   */
  @Test
  void processEqualsTheReferenceOnRandomCanvases() {
    int[][] sizes = {{5, 7}, {13, 13}, {1, 1}, {1, 9}, {9, 1}, {2, 3}, {31, 17}, {40, 64}, {97, 50}};
    double[][] configs = {{8, 2.0}, {8, 0.3}, {8, 1.0}, {8, 1.6}, {4, 1.5}, {2, 2.0}, {6, 2.0}, {10, 1.2},
      {16, 3.9}, {18, 2.0}, {8, 4.2}};
    java.util.Random random = new java.util.Random(77);
    double worstMap = 0;
    double worstSum = 0;
    for (double[] c : configs) {
      int n = (int) c[0];
      ResponseMaps maps = new ResponseMaps(n, c[1]);
      for (int[] size : sizes) {
        int w = size[0];
        int h = size[1];
        GrayImage img = random.nextBoolean() ? Reference.random(w, h, random.nextLong())
            : Reference.blobs(w, h, random.nextLong(), 4);
        maps.process(img);
        assertEquals(w, maps.width());
        assertEquals(h, maps.height());
        double[][] ref = Reference.blurredMaps(img, n, c[1]);
        String where = n + " bins, sigma " + c[1] + ", " + w + "x" + h;
        double scale = largest(ref);
        double[] binEnergy = energies(ref);
        worstMap = Math.max(worstMap, assertMapsMatch(maps, ref, where));
        for (int t = 0; t < 20; t++) {
          double x0 = (w + 4) * random.nextDouble() - 3;
          double y0 = (h + 4) * random.nextDouble() - 3;
          double x1 = x0 + (w + 2) * random.nextDouble();
          double y1 = y0 + (h + 2) * random.nextDouble();
          double[] expected = new double[n];
          double energy = 0;
          for (int k = 0; k < n; k++) {
            expected[k] = Reference.coverageSum(ref[k], w, h, x0, y0, x1, y1);
            energy += Math.abs(expected[k]);
          }
          for (int k = 0; k < n; k++) {
            double got = maps.rectSum(k, x0, y0, x1, y1);
            // relative to the bin's sum, or to 1e-3 of the rectangle's energy in all bins if that is larger,
            // once the float rounding of the 16 nodes read is allowed for
            double err = Math.max(0, Math.abs(got - expected[k]) - nodeRounding(16, binEnergy[k]))
                / Math.max(Math.max(Math.abs(expected[k]), 1e-3 * energy), 1e-300);
            worstSum = Math.max(worstSum, err);
            assertTrue(err < 1e-5, where + ", bin " + k + ", rectangle " + x0 + " " + y0 + " " + x1 + " " + y1
                + ": " + got + " vs " + expected[k]);
          }
        }
      }
    }
    System.out.printf("response maps vs reference, beyond the rounding of the integral's float nodes: max error "
        + "%.2e of the largest value per pixel, %.2e relative per rectangle%n", worstMap, worstSum);
  }

  /**
   * Maps pooled over 2 x 2 and 3 x 3 blocks against the brute-force reference ({@link Reference#pooledMaps}): the
   * cell grid's size, each cell, and rectangles in canvas coordinates read through the cells (cell X covering
   * pixels {@code [sX - 1/2, sX + s - 1/2]}), on canvases whose sides are not multiples of the stride, with the
   * SIMD kernels and the plain loops.
   */
  @Test
  void pooledMapsEqualTheReference() {
    int[][] sizes = {{5, 7}, {1, 9}, {31, 17}, {W, H}, {97, 50}};
    double[][] configs = {{8, 2.0, 2}, {8, 2.0, 3}, {8, 1.0, 2}, {4, 1.5, 2}, {18, 2.0, 2}};
    java.util.Random random = new java.util.Random(78);
    for (double[] c : configs) {
      int n = (int) c[0];
      int stride = (int) c[2];
      for (boolean simd : new boolean[] {true, false}) {
        ResponseMaps maps = new ResponseMaps(n, c[1], stride);
        if (!simd) {
          maps.withoutSimd();
        }
        for (int[] size : sizes) {
          int w = size[0];
          int h = size[1];
          GrayImage img = Reference.blobs(w, h, random.nextLong(), 4);
          maps.process(img);
          int cw = (w + stride - 1) / stride;
          int ch = (h + stride - 1) / stride;
          assertEquals(cw, maps.width());
          assertEquals(ch, maps.height());
          double[][] ref = Reference.pooledMaps(img, n, c[1], stride);
          String where = n + " bins, sigma " + c[1] + ", stride " + stride + ", " + w + "x" + h + ", simd " + simd;
          double scale = largest(ref);
          double[] binEnergy = energies(ref);
          assertMapsMatch(maps, ref, where);
          for (int t = 0; t < 20; t++) {
            double x0 = (w + 4) * random.nextDouble() - 3;
            double y0 = (h + 4) * random.nextDouble() - 3;
            double x1 = x0 + (w + 2) * random.nextDouble();
            double y1 = y0 + (h + 2) * random.nextDouble();
            for (int k = 0; k < n; k++) {
              double expected = Reference.coverageSum(ref[k], cw, ch, (x0 + 0.5) / stride - 0.5,
                  (y0 + 0.5) / stride - 0.5, (x1 + 0.5) / stride - 0.5, (y1 + 0.5) / stride - 0.5);
              double got = maps.rectSum(k, x0, y0, x1, y1);
              double tol = 1e-5 * Math.max(Math.abs(expected), 1e-3 * scale) + nodeRounding(16, binEnergy[k]);
              assertEquals(expected, got, tol, where + ", bin " + k + ", rectangle " + x0 + " " + y0 + " " + x1
                  + " " + y1);
            }
          }
        }
      }
    }
  }

  /**
   * Pooled maps place energy where the full-resolution maps do: the centroid of a step edge's energy along x, read
   * through 1-px columns of the canvas, is the edge's position (between the two pixels whose central differences
   * see it) at stride 1 and 2, for an edge on a block boundary and inside a block; and the mirror of a canvas
   * gives the mirrored maps (bin k to bin n/2 - k) at stride 2.
   */
  @Test
  void pooledMapsKeepEdgesInPlaceAndMirrorSymmetry() {
    for (int edge : new int[] {32, 33}) {
      float[] px = new float[64 * 48];
      for (int i = 0; i < px.length; i++) {
        px[i] = i % 64 >= edge ? 200 : 40;
      }
      GrayImage img = GrayImage.wrap(64, 48, px);
      for (int stride : new int[] {1, 2}) {
        ResponseMaps maps = new ResponseMaps(8, SIGMA, stride).process(img);
        double moment = 0;
        double mass = 0;
        for (int x = 0; x < 64; x++) {
          double e = maps.rectSum(0, x - 0.5, 4, x + 0.5, 43);
          moment += x * e;
          mass += e;
        }
        assertEquals(edge - 0.5, moment / mass, 1e-4, "edge at " + edge + ", stride " + stride);
      }
    }
    GrayImage img = Reference.blobs(64, 48, 12, 5);
    float[] flipped = new float[64 * 48];
    for (int y = 0; y < 48; y++) {
      for (int x = 0; x < 64; x++) {
        flipped[y * 64 + x] = img.get(63 - x, y);
      }
    }
    ResponseMaps maps = new ResponseMaps(8, SIGMA, 2).process(img);
    ResponseMaps mirror = new ResponseMaps(8, SIGMA, 2).process(GrayImage.wrap(64, 48, flipped));
    java.util.Random random = new java.util.Random(5);
    for (int t = 0; t < 50; t++) {
      double x0 = 60 * random.nextDouble();
      double y0 = 44 * random.nextDouble();
      double x1 = x0 + 8 * random.nextDouble();
      double y1 = y0 + 8 * random.nextDouble();
      for (int k = 0; k < 8; k++) {
        double a = maps.rectSum(k, x0, y0, x1, y1);
        double b = mirror.rectSum(Math.floorMod(4 - k, 8), 63 - x1, y0, 63 - x0, y1);
        double tol = 1e-6 * Math.abs(a) + nodeRounding(16, maps.rectSum(k, -1, -1, 64, 48));
        assertEquals(a, b, tol, "bin " + k + " rectangle " + t);
      }
    }
  }

  @Test
  void rectSumEqualsCoverageWeightedSums() {
    GrayImage img = Reference.blobs(W, H, 5, 6);
    ResponseMaps maps = new ResponseMaps(8, SIGMA).process(img);
    double[][] ref = Reference.blurredMaps(img, 8, SIGMA);
    double[][] rects = {
      {10, 12, 30, 20}, // integer corners (pixel centres)
      {9.5, 11.5, 29.5, 19.5}, // on pixel edges
      {3.25, 7.8, 17.1, 31.45}, // fractional
      {-6.3, -2.7, 8.2, 9.9}, // across the top-left border
      {60.4, 40.6, 80.2, 70.3}, // across the bottom-right border
      {-20, -20, 100, 100}, // the whole canvas and more
      {-0.5, -0.5, W - 0.5, H - 0.5}, // exactly the canvas
      {30.3, 20.2, 30.3, 40}, // zero width
      {25.7, 20.1, 12.2, 33.3}, // inverted in x: signed
    };
    double[] all = new double[8];
    for (double[] r : rects) {
      maps.rectSums(r[0], r[1], r[2], r[3], all, 0);
      for (int k = 0; k < 8; k++) {
        double expected = Reference.coverageSum(ref[k], W, H, r[0], r[1], r[2], r[3]);
        double got = maps.rectSum(k, r[0], r[1], r[2], r[3]);
        double tol = 1e-4 * Math.max(Math.abs(expected), 1e-3) + nodeRounding(16, Reference.sum(ref[k]));
        assertEquals(expected, got, tol, java.util.Arrays.toString(r) + " orientation " + k);
        assertEquals(got, all[k], 1e-9 * Math.max(1, Math.abs(got)));
      }
    }
  }

  @Test
  void theSimdKernelsGiveTheSameBitsAsThePlainLoops() {
    assertTrue(Simd.ENABLED, "the tests run with jdk.incubator.vector");
    // an odd width too: the integral's rows are built two pixels per store, the last one alone; random pixels,
    // and few grey levels in blocks, whose gradients are often exactly zero or axis-aligned
    // an odd height too: radius 6 blurs rows two at a time vertically, the last one alone
    for (int w : new int[] {W, W - 1}) {
      for (int h : new int[] {H, H - 1}) {
        for (int n : new int[] {8, 16}) {
          for (boolean blocks : new boolean[] {false, true}) {
            GrayImage canvas = blocks ? blocks(w, h) : Reference.random(w, h, 11);
            // blur radii 6 (even: the blur's last tap alone) and 5 (odd: the taps in pairs to the end)
            for (double sigma : new double[] {2.0, 1.5}) {
              sameBits(canvas, n, sigma, 1, w, h, n + " orientations, sigma " + sigma + ", " + w + " x " + h
                  + (blocks ? ", blocks" : ", random"));
            }
            // pooled over 2 x 2 blocks (a cell of its own at an odd edge)
            sameBits(canvas, n, 2.0, 2, w, h, n + " orientations, stride 2, " + w + " x " + h
                + (blocks ? ", blocks" : ", random"));
          }
        }
      }
    }
  }

  /** Blocks of 3 grey levels, 5 x 7 pixels, shifted row by row: steps along both axes and on diagonals. */
  private static GrayImage blocks(int w, int h) {
    float[] px = new float[w * h];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        px[y * w + x] = 40 * ((x / 5 + y / 7 + (y % 3 == 0 ? x / 11 : 0)) % 3);
      }
    }
    return GrayImage.wrap(w, h, px);
  }

  private static void sameBits(GrayImage canvas, int n, double sigma, int stride, int w, int h, String what) {
    ResponseMaps simd = new ResponseMaps(n, sigma, stride).process(canvas);
    ResponseMaps plain = new ResponseMaps(n, sigma, stride).withoutSimd().process(canvas);
    for (int k = 0; k < n; k++) {
      org.junit.jupiter.api.Assertions.assertArrayEquals(plain.map(k), simd.map(k), 0f, what + ", map " + k);
    }
    double[] xs = {-3, 0.25, 10.5, 17.125, w + 1};
    double[] ys = {-0.5, 4.75, h - 2.5};
    double[] a = new double[xs.length * ys.length * n];
    double[] b = new double[a.length];
    simd.integralGrid(xs, xs.length, ys, ys.length, a);
    plain.integralGrid(xs, xs.length, ys, ys.length, b);
    org.junit.jupiter.api.Assertions.assertArrayEquals(b, a, 0.0, what + ", grid");
    assertEquals(plain.rectSum(3, 0, 0, w, h), simd.rectSum(3, 0, 0, w, h), 0.0);
  }

  /**
   * {@code touchGrid} reads the nodes {@code integralGrid} reads at each point: the first orientation of the node
   * left of and above it and the last orientation of its right neighbour, on its row and the next (clamped as the
   * reads are), and sums them in float in that order.
   */
  @Test
  void touchGridReadsTheNodesTheGridReads() {
    ResponseMaps maps = new ResponseMaps(8, SIGMA).process(Reference.random(W, H, 6));
    double[] xs = {-30, 0, 3.7, 35.25, W - 0.5, W + 4};
    double[] ys = {-2, 0.2, 17.9, H - 1, 1e9};
    float want = 0;
    double[] node = new double[8];
    for (double y : ys) {
      int j = Math.min((int) Math.max(0, Math.min(H, y + 0.5)), H - 1);
      for (double x : xs) {
        int i = Math.min((int) Math.max(0, Math.min(W, x + 0.5)), W - 1);
        maps.integralAt(i - 0.5, j - 0.5, node, 0);
        float a = (float) node[0];
        maps.integralAt(i + 0.5, j - 0.5, node, 0);
        float b = (float) node[7];
        maps.integralAt(i - 0.5, j + 0.5, node, 0);
        float c = (float) node[0];
        maps.integralAt(i + 0.5, j + 0.5, node, 0);
        float d = (float) node[7];
        want += a + b + c + d;
      }
    }
    assertTrue(want > 0);
    assertEquals(want, maps.touchGrid(xs, xs.length, ys, ys.length), 0.0f);
  }

  @Test
  void integralGridEqualsIntegralAtPointByPoint() {
    ResponseMaps maps = new ResponseMaps(8, SIGMA).process(Reference.random(W, H, 6));
    double[] xs = {-30, -0.5, 0, 3.7, 35.25, W - 0.5, W + 4};
    double[] ys = {-2, 0.2, 17.9, H - 1, 1e9};
    double[] grid = new double[xs.length * ys.length * 8];
    maps.integralGrid(xs, xs.length, ys, ys.length, grid);
    // the tests run with the Vector API, as the launch scripts do: the SIMD kernel is the one checked here,
    // and the plain loops must give the same bits
    assertTrue(Simd.ENABLED, "the tests run with jdk.incubator.vector");
    double[] scalar = new double[grid.length];
    maps.integralGridScalar(xs, xs.length, ys, ys.length, scalar);
    org.junit.jupiter.api.Assertions.assertArrayEquals(scalar, grid, 0.0);
    double[] one = new double[8];
    for (int r = 0; r < ys.length; r++) {
      for (int q = 0; q < xs.length; q++) {
        maps.integralAt(xs[q], ys[r], one, 0);
        for (int k = 0; k < 8; k++) {
          assertEquals(one[k], grid[(r * xs.length + q) * 8 + k], 0.0);
        }
      }
    }
    // the integral up to the far corner is the whole canvas
    assertEquals(maps.rectSum(5, -1, -1, W, H), grid[((ys.length - 1) * xs.length + xs.length - 1) * 8 + 5], 1e-9 * grid[grid.length - 3]);
  }

  @Test
  void rectanglesOutsideTheCanvasSumToZeroAndNeverThrow() {
    ResponseMaps maps = new ResponseMaps(8, SIGMA).process(Reference.random(W, H, 2));
    double[][] outside = {
      {-40, -40, -20, -10}, {W + 5, 0, W + 40, H}, {0, H + 0.01, W, 500}, {-1e9, -1e9, -1e8, 1e9},
      {Double.NEGATIVE_INFINITY, 10, -3, 20}, {-0.5 - 1e-12, 0, -0.5, H},
    };
    for (double[] r : outside) {
      for (int k = 0; k < 8; k++) {
        assertEquals(0, maps.rectSum(k, r[0], r[1], r[2], r[3]), 1e-9, java.util.Arrays.toString(r));
      }
    }
    double total = maps.rectSum(3, Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY);
    double canvas = maps.rectSum(3, -0.5, -0.5, W - 0.5, H - 0.5);
    assertEquals(canvas, total, 1e-9 * canvas);
    assertTrue(Double.isFinite(maps.rectSum(0, Double.NaN, 0, 10, 10)));
  }

  @Test
  void theBlurKeepsEnergyInsideTheCanvas() {
    // the kernel is renormalised at the borders, so total energy per orientation is the raw total
    GrayImage img = Reference.random(W, H, 4);
    ResponseMaps maps = new ResponseMaps(8, SIGMA).process(img);
    double raw = 0;
    for (int y = 0; y < H; y++) {
      for (int x = 0; x < W; x++) {
        double[] g = Reference.gradient(img, x, y);
        raw += Math.hypot(g[0], g[1]);
      }
    }
    double blurred = 0;
    for (int k = 0; k < 8; k++) {
      blurred += maps.rectSum(k, -1, -1, W, H);
    }
    // not equal in general (renormalisation moves weight), but close: the borders are a small part
    assertEquals(raw, blurred, 0.05 * raw);
  }

  /** Energy fraction per bin over the interior (away from the canvas border). */
  private static double[] fractions(ResponseMaps maps, double inset) {
    double[] e = new double[maps.numOrientations()];
    double total = 0;
    for (int k = 0; k < e.length; k++) {
      e[k] = maps.rectSum(k, inset, inset, maps.width() - 1 - inset, maps.height() - 1 - inset);
      total += e[k];
    }
    for (int k = 0; k < e.length; k++) {
      e[k] /= total;
    }
    return e;
  }

  private static GrayImage stepEdge(int w, int h, boolean vertical, boolean brightAfter) {
    float[] px = new float[w * h];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        boolean after = vertical ? x >= w / 2 : y >= h / 2;
        px[y * w + x] = after == brightAfter ? 200 : 40;
      }
    }
    return GrayImage.wrap(w, h, px);
  }

  @Test
  void aVerticalStepEdgeLandsInTheZeroDegreeBin() {
    // dark left, bright right: gradient at 0°, the centre of bin 0
    ResponseMaps maps = new ResponseMaps(8, SIGMA).process(stepEdge(64, 48, true, true));
    double[] f = fractions(maps, 4);
    System.out.printf("step edge 0 deg: fraction in bin 0 = %.6f%n", f[0]);
    assertTrue(f[0] > 0.9);
    assertEquals(1.0, f[0], 1e-9);
    // rotated by 90° (dark above, bright below): bin 2; by 180° (bright left): bin 4; 270°: bin 6
    assertEquals(1.0, fractions(new ResponseMaps(8, SIGMA).process(stepEdge(64, 48, false, true)), 4)[2], 1e-9);
    assertEquals(1.0, fractions(new ResponseMaps(8, SIGMA).process(stepEdge(64, 48, true, false)), 4)[4], 1e-9);
    assertEquals(1.0, fractions(new ResponseMaps(8, SIGMA).process(stepEdge(64, 48, false, false)), 4)[6], 1e-9);
  }

  @Test
  void obliqueGradientsSplitLinearlyBetweenTheTwoNearestBins() {
    // a linear ramp has one gradient direction everywhere (central differences are exact on it)
    double[][] cases = {{22.5, 0, 0.5}, {100, 2, 1 - 10 / 45.0}, {350, 7, 1 - 35 / 45.0}, {-135, 5, 1}};
    for (double[] c : cases) {
      ResponseMaps maps = new ResponseMaps(8, SIGMA).process(Reference.ramp(60, 60, c[0], 1.0));
      double[] f = fractions(maps, 0);
      int k = (int) c[1];
      assertEquals(c[2], f[k], 1e-5, "ramp at " + c[0] + " deg, bin " + k);
      assertEquals(1 - c[2], f[(k + 1) % 8], 1e-5, "ramp at " + c[0] + " deg, bin " + (k + 1) % 8);
    }
  }

  @Test
  void aConstantCanvasHasNoEnergy() {
    ResponseMaps maps = new ResponseMaps(8, SIGMA).process(Reference.constant(40, 30, 90));
    for (int k = 0; k < 8; k++) {
      assertEquals(0, maps.rectSum(k, -1, -1, 50, 50));
    }
  }

  @Test
  void processReusesAnInstanceAcrossCanvases() {
    GrayImage a = Reference.random(W, H, 8);
    GrayImage b = Reference.blobs(50, 40, 8, 3);
    ResponseMaps reused = new ResponseMaps(8, SIGMA).process(a).process(b).process(a);
    ResponseMaps fresh = new ResponseMaps(8, SIGMA).process(a);
    for (int k = 0; k < 8; k++) {
      assertEquals(fresh.rectSum(k, 3.3, 4.4, 50.5, 41.1), reused.rectSum(k, 3.3, 4.4, 50.5, 41.1));
    }
    reused.process(b);
    assertEquals(50, reused.width());
    assertEquals(40, reused.height());
  }
}

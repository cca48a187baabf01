package org.facealign.feature;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.facealign.data.GrayImage;
import org.facealign.data.Shape;
import org.junit.jupiter.api.Test;

class ShapeIndexedSiftTest {
  private static final ConfigFeatures CONFIG = ConfigFeatures.defaults();

  private static Shape randomShape(int points, double lo, double hiX, double hiY, long seed) {
    Random r = new Random(seed);
    double[] xy = new double[2 * points];
    for (int i = 0; i < points; i++) {
      xy[2 * i] = lo + (hiX - lo) * r.nextDouble();
      xy[2 * i + 1] = lo + (hiY - lo) * r.nextDouble();
    }
    return Shape.of(xy);
  }

  @Test
  void theIntegralDescriptorEqualsADirectComputation() {
    int w = 96;
    int h = 80;
    GrayImage img = Reference.blobs(w, h, 31, 8);
    // interior, fractional, on the border, half outside
    Shape s = Shape.of(new double[] {40, 40, 33.37, 51.91, 3.2, 70.6, 94.0, 2.5, 48.5, 39.5, -10.3, 40});
    for (int stride : new int[] {1, 2}) {
      ConfigFeatures config = CONFIG.toBuilder().mapStride(stride).build();
      ResponseMaps maps = ResponseMaps.of(img, config);
      // pooled maps: the reference's cells, a canvas coordinate x at cell coordinate (x + 1/2) / s - 1/2
      double[][] ref = Reference.pooledMaps(img, 8, CONFIG.blurSigma(), stride);
      int cw = (w + stride - 1) / stride;
      int ch = (h + stride - 1) / stride;
      ShapeIndexedSift sift = new ShapeIndexedSift(config);
      for (int patch : new int[] {32, 16, 21}) {
        float[] d = sift.describe(maps, s, patch);
        assertEquals(128 * s.numPoints(), d.length);
        for (int i = 0; i < s.numPoints(); i++) {
          double[] e = Reference.descriptor(ref, cw, ch, (s.x(i) + 0.5) / stride - 0.5, (s.y(i) + 0.5) / stride - 0.5,
              (double) patch / stride, 4, 0.2);
          for (int j = 0; j < 128; j++) {
            assertEquals(e[j], d[128 * i + j], 1e-4, "stride " + stride + " patch " + patch + " landmark " + i
                + " value " + j);
          }
        }
      }
    }
  }

  @Test
  void theSimdKernelGivesTheSameBitsAsThePlainLoops() {
    assertTrue(Simd.ENABLED, "the tests run with jdk.incubator.vector");
    GrayImage img = Reference.blobs(120, 100, 17, 9);
    // random landmarks, some with patches partly or wholly outside the canvas (zero descriptors), one on a flat
    // region; 3 cells give 72 values with 8 orientations, not a whole number of float vectors
    Shape shape = randomShape(40, -30, 150, 130, 12);
    for (int n : new int[] {8, 16}) {
      ResponseMaps maps = new ResponseMaps(n, 2.0).process(img);
      for (int cells : new int[] {4, 3}) {
        ShapeIndexedSift simd = new ShapeIndexedSift(cells, n, 0.2);
        ShapeIndexedSift plain = new ShapeIndexedSift(cells, n, 0.2).withoutSimd();
        for (int patch : new int[] {32, 16, 21}) {
          String what = n + " orientations, " + cells + " cells, patch " + patch;
          float[] a = simd.describe(maps, shape, patch);
          org.junit.jupiter.api.Assertions.assertArrayEquals(plain.describe(maps, shape, patch), a, 0f, what);
          org.junit.jupiter.api.Assertions.assertArrayEquals(plain.jacobian(maps, shape, patch, 2.0),
              simd.jacobian(maps, shape, patch, 2.0), 0f, what + ", Jacobian");
          int len = simd.descriptorLength();
          int empty = 0;
          for (int i = 0; i < shape.numPoints(); i++) {
            boolean zero = true;
            for (int j = 0; j < len; j++) {
              zero &= a[i * len + j] == 0;
            }
            empty += zero ? 1 : 0;
          }
          // both of the normalisation's ways out ran: empty patches (all zero) and normalised ones
          assertTrue(empty > 0 && empty < shape.numPoints() / 2, what + ": " + empty + " empty patches");
        }
      }
    }
  }

  @Test
  void descriptorsAreUnitVectorsOrZero() {
    GrayImage img = Reference.random(120, 120, 3);
    ResponseMaps maps = ResponseMaps.of(img, CONFIG);
    ShapeIndexedSift sift = new ShapeIndexedSift(CONFIG);
    float[] d = sift.describe(maps, randomShape(20, 10, 110, 110, 4), 32);
    for (int i = 0; i < 20; i++) {
      double ss = 0;
      for (int j = 0; j < 128; j++) {
        ss += d[128 * i + j] * d[128 * i + j];
      }
      assertEquals(1, ss, 1e-5);
    }
  }

  @Test
  void mirroringTheCanvasMirrorsTheDescriptor() {
    int w = 96;
    GrayImage img = Reference.blobs(w, 88, 17, 9);
    GrayImage flipped = img.flipHorizontal();
    ShapeIndexedSift sift = new ShapeIndexedSift(CONFIG);
    ResponseMaps a = ResponseMaps.of(img, CONFIG);
    ResponseMaps b = ResponseMaps.of(flipped, CONFIG);
    float[] da = new float[128];
    float[] db = new float[128];
    double[][] points = {{40.3, 30.7}, {12, 60}, {70.5, 20.25}, {2.1, 85.9}, {47.5, 44}};
    for (int patch : new int[] {32, 16}) {
      for (double[] p : points) {
        sift.describeLandmark(a, p[0], p[1], patch, da, 0);
        sift.describeLandmark(b, w - 1 - p[0], p[1], patch, db, 0);
        // value (row r, column c, bin k) of the mirror = value (r, 3 - c, (4 - k) mod 8) of the original:
        // bin k is centred at 45k degrees and a mirror sends θ to 180° - θ
        for (int r = 0; r < 4; r++) {
          for (int c = 0; c < 4; c++) {
            for (int k = 0; k < 8; k++) {
              int mirrored = (r * 4 + c) * 8 + k;
              int original = (r * 4 + (3 - c)) * 8 + Math.floorMod(4 - k, 8);
              // not bit for bit: the integral's float nodes round relative to the energy above and left of
              // them, which a mirror changes; a wrong bin or cell would be off by 1e-2 or more
              assertEquals(da[original], db[mirrored], 5e-4, "r" + r + " c" + c + " k" + k);
            }
          }
        }
      }
    }
  }

  @Test
  void translatingImageAndShapeTogetherChangesNothing() {
    // content inside [40, 152) of a 192 canvas on a flat background: shifting by up to 9 px keeps every
    // gradient and every blur footprint (radius 6) away from the canvas border
    int n = 192;
    GrayImage content = Reference.random(112, 112, 13);
    // any shift at full resolution; whole 2 x 2 blocks when the maps are pooled over them
    for (int stride : new int[] {1, 2}) {
      int[][] shifts = stride == 1 ? new int[][] {{0, 0}, {5, -3}, {-9, 7}, {1, 1}}
          : new int[][] {{0, 0}, {4, -2}, {-8, 6}, {2, 2}};
      translationChangesNothing(content, n, shifts, CONFIG.toBuilder().mapStride(stride).build());
    }
  }

  private static void translationChangesNothing(GrayImage content, int n, int[][] shifts, ConfigFeatures config) {
    Shape base = randomShape(12, 60, 132, 132, 6);
    ShapeIndexedSift sift = new ShapeIndexedSift(config);
    float[] reference = null;
    for (int[] k : shifts) {
      float[] px = new float[n * n];
      java.util.Arrays.fill(px, 128);
      for (int y = 0; y < 112; y++) {
        for (int x = 0; x < 112; x++) {
          px[(40 + y + k[1]) * n + 40 + x + k[0]] = content.get(x, y);
        }
      }
      ResponseMaps maps = ResponseMaps.of(GrayImage.wrap(n, n, px), config);
      float[] d = sift.describe(maps, base.translate(k[0], k[1]), 32);
      if (reference == null) {
        reference = d;
      } else {
        for (int i = 0; i < d.length; i++) {
          assertEquals(reference[i], d[i], 1e-5, "stride " + config.mapStride() + ", shift " + k[0] + "," + k[1]
              + " value " + i);
        }
      }
    }
  }

  @Test
  void landmarksNearAndBeyondTheBorderGiveFiniteDescriptors() {
    ResponseMaps maps = ResponseMaps.of(Reference.random(192, 192, 1), CONFIG);
    ShapeIndexedSift sift = new ShapeIndexedSift(CONFIG);
    Shape s = Shape.of(new double[] {-40, 500, 0, 0, 191, 191, -15, 96, 96, 206, -1e6, 1e6, 207.9, 100});
    float[] d = sift.describe(maps, s, 32);
    for (float v : d) {
      assertTrue(Float.isFinite(v));
    }
    // fully outside: zeros (x = -40 and y = 500; far away; x = 207.9: the patch starts 0.4 px past the
    // canvas edge at 191.5)
    for (int i : new int[] {0, 5, 6}) {
      for (int j = 0; j < 128; j++) {
        assertEquals(0f, d[128 * i + j]);
      }
    }
    // partly inside: a unit vector whose outside cells are zero
    for (int i : new int[] {1, 2, 3, 4}) {
      double ss = 0;
      for (int j = 0; j < 128; j++) {
        ss += d[128 * i + j] * d[128 * i + j];
      }
      assertEquals(1, ss, 1e-5, "landmark " + i);
    }
    // landmark 3 at x = -15: its patch spans [-31, 1], cells [-31, -23], [-23, -15], [-15, -7] are outside
    for (int c = 0; c < 3; c++) {
      for (int r = 0; r < 4; r++) {
        for (int k = 0; k < 8; k++) {
          assertEquals(0f, d[128 * 3 + (r * 4 + c) * 8 + k]);
        }
      }
    }
    float[] jac = sift.jacobian(maps, s, 32, 2.0);
    for (float v : jac) {
      assertTrue(Float.isFinite(v));
    }
  }

  @Test
  void aFlatPatchGivesZerosNotNaN() {
    ResponseMaps maps = ResponseMaps.of(Reference.constant(64, 64, 50), CONFIG);
    float[] d = new ShapeIndexedSift(CONFIG).describe(maps, Shape.of(new double[] {32, 32}), 32);
    for (float v : d) {
      assertEquals(0f, v);
    }
  }

  @Test
  void describeIntoAndDescribeLandmarkAgreeWithDescribe() {
    ResponseMaps maps = ResponseMaps.of(Reference.random(100, 100, 8), CONFIG);
    ShapeIndexedSift sift = new ShapeIndexedSift(CONFIG);
    Shape s = randomShape(5, 0, 100, 100, 9);
    float[] d = sift.describe(maps, s, 16);
    float[] into = new float[7 + d.length];
    sift.describeInto(maps, s, 16, into, 7);
    float[] one = new float[128];
    for (int i = 0; i < 5; i++) {
      sift.describeLandmark(maps, s.x(i), s.y(i), 16, one, 0);
      for (int j = 0; j < 128; j++) {
        assertEquals(d[128 * i + j], into[7 + 128 * i + j]);
        assertEquals(d[128 * i + j], one[j]);
      }
    }
    assertThrows(IllegalArgumentException.class, () -> sift.describeInto(maps, s, 16, new float[d.length], 1));
    assertThrows(IllegalArgumentException.class,
        () -> sift.describe(new ResponseMaps(4, 2.0).process(Reference.random(10, 10, 1)), s, 16));
    assertThrows(IllegalArgumentException.class, () -> sift.describe(maps, s, 0));
  }
}

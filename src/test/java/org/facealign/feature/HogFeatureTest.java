package org.facealign.feature;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.facealign.data.GrayImage;
import org.facealign.data.SyntheticFaces;
import org.junit.jupiter.api.Test;

class HogFeatureTest {
  private static final ConfigFeatures CONFIG = ConfigFeatures.defaults();

  private static void assertMatchesReference(HogFeature hog, GrayImage img, ConfigFeatures c) {
    float[] h = hog.compute(img);
    double[] ref = Reference.hog(img, c.hogCellSize(), c.hogBins(), c.hogBlockCells(), c.hogBlockStride(), c.hogClip());
    assertEquals(ref.length, h.length);
    for (int i = 0; i < h.length; i++) {
      assertEquals(ref[i], h[i], 1e-4, "value " + i);
    }
  }

  @Test
  void has1764DimensionsAndEqualsTheBruteForceReferenceOnRandomImages() {
    HogFeature hog = new HogFeature(CONFIG);
    assertEquals(1764, hog.dimension());
    for (long seed = 1; seed <= 4; seed++) {
      GrayImage img = Reference.random(64, 64, seed);
      float[] h = hog.compute(img);
      assertEquals(1764, h.length);
      assertMatchesReference(hog, img, CONFIG);
    }
    // smooth images too: many pixels fall near bin centres and borders of bins
    assertMatchesReference(hog, Reference.blobs(64, 64, 7, 5), CONFIG);
    assertMatchesReference(hog, Reference.ramp(64, 64, 100, 1.5), CONFIG);
  }

  @Test
  void equalsTheReferenceOnANormalisedSyntheticFace() {
    SyntheticFaces.SyntheticFace f = new SyntheticFaces(11, SyntheticFaces.Options.defaults()).next();
    FaceNormaliser norm = new FaceNormaliser(CONFIG);
    GrayImage in = norm.hogInput(norm.normalise(f.image(), f.detectorBox()));
    assertMatchesReference(new HogFeature(CONFIG), in, CONFIG);
  }

  @Test
  void otherLayoutsFollowTheSameDefinition() {
    ConfigFeatures c = CONFIG.toBuilder().hogSize(48).hogCellSize(6).hogBins(6).hogBlockCells(3).hogBlockStride(2).hogClip(0.3).build();
    HogFeature hog = new HogFeature(c);
    // 8 cells, blocks of 3 every 2 -> 3 x 3 blocks of 9 cells x 6 bins
    assertEquals(3 * 3 * 9 * 6, hog.dimension());
    assertMatchesReference(hog, Reference.random(48, 48, 5), c);
  }

  @Test
  void blocksAreUnitVectorsOnTexture() {
    float[] h = new HogFeature(CONFIG).compute(Reference.random(64, 64, 9));
    for (int b = 0; b < 49; b++) {
      double ss = 0;
      for (int i = 0; i < 36; i++) {
        float v = h[36 * b + i];
        assertTrue(v >= 0);
        ss += v * v;
      }
      // ε = 1 is negligible against a noise block's norm (~10^4)
      assertEquals(1, Math.sqrt(ss), 1e-4, "block " + b);
    }
  }

  @Test
  void aConstantImageGivesZerosWithoutNaN() {
    float[] h = new HogFeature(CONFIG).compute(Reference.constant(64, 64, 77));
    for (float v : h) {
      assertEquals(0f, v);
    }
  }

  @Test
  void aWrongSizeIsRefused() {
    HogFeature hog = new HogFeature(CONFIG);
    assertThrows(IllegalArgumentException.class, () -> hog.compute(Reference.random(65, 64, 1)));
    assertThrows(IllegalArgumentException.class, () -> hog.computeInto(Reference.random(64, 64, 1), new float[1800], 100));
  }

  @Test
  void computeIntoWritesAtTheOffset() {
    HogFeature hog = new HogFeature(CONFIG);
    GrayImage img = Reference.random(64, 64, 3);
    float[] out = new float[1764 + 10];
    hog.computeInto(img, out, 10);
    float[] h = hog.compute(img);
    for (int i = 0; i < 1764; i++) {
      assertEquals(h[i], out[10 + i]);
    }
  }

  @Test
  void theSimdKernelGivesTheSameBitsAsThePlainLoop() {
    assertTrue(Simd.ENABLED, "the tests run with jdk.incubator.vector");
    FaceNormaliser norm = new FaceNormaliser(CONFIG);
    java.util.List<GrayImage> images = new java.util.ArrayList<>();
    for (int seed = 0; seed < 4; seed++) {
      SyntheticFaces.SyntheticFace f = new SyntheticFaces(seed, SyntheticFaces.Options.defaults()).next();
      images.add(norm.hogInput(norm.normalise(f.image(), f.detectorBox())));
      images.add(Reference.random(64, 64, seed));
    }
    images.add(Reference.blobs(64, 64, 7, 5));
    images.add(Reference.constant(64, 64, 9));
    // axis-aligned and diagonal gradients, ties |gx| = |gy|, negative zeros, flat runs, steps of every sign
    float[] px = new float[64 * 64];
    for (int y = 0; y < 64; y++) {
      for (int x = 0; x < 64; x++) {
        px[y * 64 + x] = (x / 8 + y / 8) % 3 == 0 ? 200 : ((x + y) % 5 == 0 ? -0f : ((x * y) % 7) * 16f);
      }
    }
    images.add(GrayImage.of(64, 64, px));
    for (GrayImage img : images) {
      assertArrayEquals(new HogFeature(CONFIG).withoutSimd().compute(img), new HogFeature(CONFIG).compute(img));
    }
    // a row length that is not a whole number of vectors: the last pixels take the scalar tail
    ConfigFeatures odd = CONFIG.toBuilder().hogSize(36).hogCellSize(6).build();
    GrayImage small = Reference.random(36, 36, 3);
    assertArrayEquals(new HogFeature(odd).withoutSimd().compute(small), new HogFeature(odd).compute(small));
  }
}

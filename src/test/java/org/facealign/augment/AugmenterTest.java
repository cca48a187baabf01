package org.facealign.augment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.facealign.data.FaceBox;
import org.facealign.data.Flip;
import org.facealign.data.GrayImage;
import org.facealign.data.LandmarkScheme;
import org.facealign.data.Shape;
import org.facealign.data.SyntheticFaces;
import org.facealign.data.SyntheticFaces.SyntheticFace;
import org.junit.jupiter.api.Test;

class AugmenterTest {
  private static final LandmarkScheme IBUG = LandmarkScheme.IBUG_68;

  private static SyntheticFace face(long seed) {
    return new SyntheticFaces(seed, SyntheticFaces.Options.defaults()).next();
  }

  private static List<Augmenter.Sample> expand(Augmenter a, String id, SyntheticFace f) {
    return a.expand(id, f.image(), f.landmarks(), f.detectorBox(), IBUG);
  }

  private static void assertSameSamples(List<Augmenter.Sample> x, List<Augmenter.Sample> y) {
    assertEquals(x.size(), y.size());
    for (int i = 0; i < x.size(); i++) {
      Augmenter.Sample a = x.get(i);
      Augmenter.Sample b = y.get(i);
      assertEquals(a.variant(), b.variant());
      assertArrayEquals(a.image().toArray(), b.image().toArray(), "pixels of " + a.variant());
      assertEquals(a.shape(), b.shape(), "shape of " + a.variant());
      assertEquals(a.box(), b.box());
      assertEquals(a.rotationRad(), b.rotationRad(), 0.0);
      assertEquals(a.flipped(), b.flipped());
    }
  }

  // ---- determinism -------------------------------------------------------------------------------

  @Test
  void expandIsRepeatableAndHasTheDocumentedVariants() {
    Augmenter a = new Augmenter(ConfigAugment.defaults().withCopies(3));
    SyntheticFace f = face(1);
    List<Augmenter.Sample> first = expand(a, "lfpw/trainset/image_0001.png", f);
    List<Augmenter.Sample> second = expand(new Augmenter(ConfigAugment.defaults().withCopies(3)), "lfpw/trainset/image_0001.png", f);
    assertSameSamples(first, second);
    assertEquals(List.of("orig", "flip", "aug1", "aug2", "aug3"), first.stream().map(Augmenter.Sample::variant).toList());
    Augmenter.Sample orig = first.get(0);
    assertSame(f.image(), orig.image());
    assertEquals(f.landmarks(), orig.shape());
    assertEquals(0.0, orig.rotationRad(), 0.0);
    assertFalse(orig.flipped());
    for (Augmenter.Sample s : first) {
      assertEquals("lfpw/trainset/image_0001.png", s.id());
    }
  }

  @Test
  void resultsDoNotDependOnCallOrderOrThreads() {
    Augmenter a = new Augmenter(ConfigAugment.defaults().withCopies(2));
    SyntheticFace[] faces = {face(1), face(2), face(3)};
    String[] ids = {"afw/1.jpg", "afw/2.jpg", "helen/trainset/3.jpg"};
    List<Augmenter.Sample> alone = expand(a, ids[0], faces[0]);
    // After the other faces, in reverse order.
    expand(a, ids[2], faces[2]);
    expand(a, ids[1], faces[1]);
    assertSameSamples(alone, expand(a, ids[0], faces[0]));
    // Concurrently, as Spark executors would.
    Map<Integer, List<Augmenter.Sample>> parallel = new HashMap<>();
    IntStream.range(0, 12).parallel().mapToObj(i -> Map.entry(i, expand(a, ids[i % 3], faces[i % 3])))
        .toList().forEach(e -> parallel.put(e.getKey(), e.getValue()));
    assertSameSamples(alone, parallel.get(0));
    assertSameSamples(alone, parallel.get(9));
  }

  @Test
  void copyKDoesNotDependOnTheNumberOfCopies() {
    SyntheticFace f = face(4);
    List<Augmenter.Sample> two = expand(new Augmenter(ConfigAugment.defaults().withCopies(2)), "x", f);
    List<Augmenter.Sample> five = expand(new Augmenter(ConfigAugment.defaults().withCopies(5)), "x", f);
    assertSameSamples(two, five.subList(0, 4));
  }

  @Test
  void differentIdsAndSeedsGiveDifferentRotations() {
    Augmenter a = new Augmenter(ConfigAugment.defaults().withCopies(1));
    SyntheticFace f = face(5);
    double ra = expand(a, "a", f).get(2).rotationRad();
    double rb = expand(a, "b", f).get(2).rotationRad();
    assertNotEquals(ra, rb);
    assertEquals(ra, a.draw("a", 1).rotationRad(), 0.0);
    assertNotEquals(ra, new Augmenter(ConfigAugment.defaults().withSeed(2)).draw("a", 1).rotationRad());
    assertNotEquals(a.draw("a", 1).rotationRad(), a.draw("a", 2).rotationRad());
    // Seeds of neighbouring ids and indices are unrelated, not merely different.
    long s1 = Augmenter.seedFor(1, "image_0001", 1);
    long s2 = Augmenter.seedFor(1, "image_0002", 1);
    assertTrue(Long.bitCount(s1 ^ s2) > 16, "seeds differ in only " + Long.bitCount(s1 ^ s2) + " bits");
    // Pinned values: a change here changes every cached augmentation (bump ConfigAugment.RECIPE_VERSION).
    assertEquals(0x2f6510d84ddc8ac0L, Augmenter.seedFor(1, "image_0001", 1));
    Augmenter.Draw d = new Augmenter(ConfigAugment.defaults()).draw("image_0001", 1);
    assertTrue(d.flip());
    assertEquals(-0.19689427575619303, d.rotationRad(), 0.0);
  }

  // ---- rotation ----------------------------------------------------------------------------------

  /** Mean of the 3x3 windows around the given points (rounded to the nearest pixel). */
  private static double windowMean(GrayImage img, double[][] points) {
    double sum = 0;
    int n = 0;
    for (double[] p : points) {
      int cx = (int) Math.round(p[0]);
      int cy = (int) Math.round(p[1]);
      for (int y = cy - 1; y <= cy + 1; y++) {
        for (int x = cx - 1; x <= cx + 1; x++) {
          sum += img.get(x, y);
          n++;
        }
      }
    }
    return sum / n;
  }

  /**
   * Points inside the eyes, from landmarks 36-47: each eye's centre (the pupil) and the points halfway
   * from it to each of its six landmarks. (Windows on the landmarks themselves straddle the eye outline and
   * would mostly measure its blur.)
   */
  private static double[][] eyes(Shape s) {
    double[][] p = new double[14][];
    int k = 0;
    for (int first : new int[] {36, 42}) {
      double[] c = s.centroid(first, first + 5);
      p[k++] = c;
      for (int i = first; i < first + 6; i++) {
        p[k++] = new double[] {(s.x(i) + c[0]) / 2, (s.y(i) + c[1]) / 2};
      }
    }
    return p;
  }

  /** Two cheek points: halfway between a jaw point and the nostril on the same side. */
  private static double[][] cheeks(Shape s) {
    return new double[][] {
      {(s.x(2) + s.x(31)) / 2, (s.y(2) + s.y(31)) / 2}, {(s.x(14) + s.x(35)) / 2, (s.y(14) + s.y(35)) / 2}
    };
  }

  @Test
  void rotatedLandmarksAreTheAnalyticRotationAboutTheBoxCentre() {
    SyntheticFace f = face(7);
    FaceBox box = f.detectorBox();
    double theta = Math.toRadians(10);
    Augmenter.Rotated r = Augmenter.rotate(f.image(), f.landmarks(), box, theta);
    double cx = box.centerX();
    double cy = box.centerY();
    double c = Math.cos(theta);
    double s = Math.sin(theta);
    Shape in = f.landmarks();
    for (int i = 0; i < 68; i++) {
      double dx = in.x(i) - cx;
      double dy = in.y(i) - cy;
      assertEquals(cx + c * dx - s * dy, r.shape().x(i), 1e-9, "x of point " + i);
      assertEquals(cy + s * dx + c * dy, r.shape().y(i), 1e-9, "y of point " + i);
    }
    assertEquals(box, r.box());
    assertEquals(f.image().width(), r.image().width());
    assertEquals(f.image().height(), r.image().height());
    // Positive angles turn +x towards +y: the right end of the face moves down in the image.
    assertTrue(r.shape().y(16) - r.shape().y(0) > in.y(16) - in.y(0) + 5);
  }

  @Test
  void rotatedImageContentFollowsTheLandmarks() {
    for (long seed : new long[] {7, 8, 9}) {
      SyntheticFace f = face(seed);
      Shape s = f.landmarks();
      double eyesBefore = windowMean(f.image(), eyes(s));
      double cheeksBefore = windowMean(f.image(), cheeks(s));
      // On these faces eyes are about 80 grey levels darker than the cheeks.
      assertTrue(cheeksBefore - eyesBefore > 60, "eyes " + eyesBefore + ", cheeks " + cheeksBefore + " (seed " + seed + ")");
      for (double deg : new double[] {10, -10}) {
        double theta = Math.toRadians(deg);
        Augmenter.Rotated r = Augmenter.rotate(f.image(), s, f.detectorBox(), theta);
        double eyesAfter = windowMean(r.image(), eyes(r.shape()));
        double cheeksAfter = windowMean(r.image(), cheeks(r.shape()));
        // Bilinear resampling blurs the 5-pixel-high eyes a little: a few grey levels.
        assertEquals(eyesBefore, eyesAfter, 10, "eyes, seed " + seed + ", " + deg + " deg");
        assertEquals(cheeksBefore, cheeksAfter, 4, "cheeks, seed " + seed + ", " + deg + " deg");
        assertTrue(cheeksAfter - eyesAfter > 60);
        // The image turned the other way puts skin where the landmarks say the eyes are.
        Augmenter.Rotated wrong = Augmenter.rotate(f.image(), null, f.detectorBox(), -theta);
        double eyesWrong = windowMean(wrong.image(), eyes(r.shape()));
        assertTrue(eyesWrong - eyesBefore > 50,
            "a wrongly rotated image would be caught: " + eyesWrong + " vs " + eyesBefore + " (seed " + seed + ")");
      }
    }
  }

  @Test
  void copyAnglesCoverTheConfiguredRange() {
    GrayImage small = GrayImage.wrap(16, 16, new float[256]);
    Augmenter a = new Augmenter(ConfigAugment.defaults().withCopies(200).withNoiseSigma(0));
    List<Augmenter.Sample> samples = a.expand("face", small, null, new FaceBox(2, 2, 13, 13), IBUG);
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    int flipped = 0;
    for (Augmenter.Sample s : samples.subList(2, samples.size())) {
      double deg = Math.toDegrees(s.rotationRad());
      assertTrue(Math.abs(deg) <= 15, "angle " + deg);
      min = Math.min(min, deg);
      max = Math.max(max, deg);
      flipped += s.flipped() ? 1 : 0;
      assertNull(s.shape());
    }
    assertTrue(min < -12 && max > 12, "angles span " + min + " .. " + max);
    assertTrue(flipped > 70 && flipped < 130, flipped + " of 200 copies mirrored");
    // Across faces too (copy 1 of 200 ids).
    List<Double> perFace = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      perFace.add(Math.toDegrees(a.draw("face" + i, 1).rotationRad()));
    }
    assertTrue(perFace.stream().mapToDouble(Double::doubleValue).min().orElseThrow() < -12);
    assertTrue(perFace.stream().mapToDouble(Double::doubleValue).max().orElseThrow() > 12);
    // With flips off no copy is mirrored, and the angles stay those of the same streams.
    Augmenter noFlip = new Augmenter(ConfigAugment.defaults().withFlip(false).withCopies(5));
    for (int k = 1; k <= 5; k++) {
      assertFalse(noFlip.draw("face", k).flip());
      assertEquals(a.draw("face", k).rotationRad(), noFlip.draw("face", k).rotationRad(), 0.0);
    }
  }

  @Test
  void randomCopyIsFlipThenRotateThenNoise() {
    SyntheticFace f = face(11);
    ConfigAugment cfg = ConfigAugment.defaults().withCopies(6).withNoiseSigma(0);
    Augmenter a = new Augmenter(cfg);
    List<Augmenter.Sample> samples = expand(a, "recipe", f);
    boolean sawFlipped = false;
    for (Augmenter.Sample s : samples.subList(2, samples.size())) {
      GrayImage img = f.image();
      Shape shape = f.landmarks();
      FaceBox box = f.detectorBox();
      if (s.flipped()) {
        sawFlipped = true;
        Flip.Flipped m = Flip.flip(img, shape, box, IBUG);
        img = m.image();
        shape = m.shape();
        box = m.box();
      }
      Augmenter.Rotated r = Augmenter.rotate(img, shape, box, s.rotationRad());
      assertArrayEquals(r.image().toArray(), s.image().toArray(), s.variant());
      assertEquals(r.shape(), s.shape());
      assertEquals(box, s.box(), "the box is kept through the rotation");
    }
    assertTrue(sawFlipped);
    // With noise, each copy differs from its noise-free version by noise of about sigma.
    List<Augmenter.Sample> noisy = expand(new Augmenter(cfg.withNoiseSigma(2)), "recipe", f);
    for (int i = 2; i < samples.size(); i++) {
      float[] p = samples.get(i).image().toArray();
      float[] q = noisy.get(i).image().toArray();
      double ss = 0;
      for (int j = 0; j < p.length; j++) {
        ss += (q[j] - p[j]) * (q[j] - p[j]);
      }
      assertEquals(2.0, Math.sqrt(ss / p.length), 0.05);
      assertEquals(samples.get(i).shape(), noisy.get(i).shape());
    }
    assertArrayEquals(f.image().toArray(), noisy.get(0).image().toArray(), "the original gets no noise");
  }

  // ---- noise -------------------------------------------------------------------------------------

  @Test
  void noiseHasZeroMeanAndTheConfiguredSigma() {
    float[] px = new float[128 * 128];
    java.util.Arrays.fill(px, 100f);
    GrayImage flat = GrayImage.wrap(128, 128, px);
    // One 128x128 image: the sample mean has a standard error of 0.5 / 128 = 0.004, the sample std 0.6 %.
    double[] one = noiseStats(flat, 1, 1);
    assertTrue(Math.abs(one[0]) < 0.01, "mean " + one[0]);
    assertEquals(0.5, one[1], 0.01, "std");
    // 16 images: standard errors 0.001 and 0.14 %; the bounds are about 3 of them.
    double[] many = noiseStats(flat, 1, 16);
    assertTrue(Math.abs(many[0]) < 0.003, "mean " + many[0]);
    assertEquals(0.5, many[1], 0.0025, "std");
    // Not clamped: noise around 0 goes negative, and its mean stays 0.
    GrayImage black = GrayImage.wrap(128, 128, new float[128 * 128]);
    float[] b = Augmenter.addNoise(black, 0.5, new SplittableRandom(4)).toArray();
    double sum = 0;
    int negative = 0;
    for (float v : b) {
      sum += v;
      negative += v < 0 ? 1 : 0;
    }
    assertTrue(Math.abs(sum / b.length) < 0.01);
    assertTrue(negative > b.length * 0.45 && negative < b.length * 0.55, negative + " negative pixels");
    assertSame(flat, Augmenter.addNoise(flat, 0, new SplittableRandom(1)));
  }

  /** Mean and standard deviation of the noise added to {@code flat} (all 100) by seeds first.. first+n-1. */
  private static double[] noiseStats(GrayImage flat, long first, int n) {
    double sum = 0;
    double ss = 0;
    long count = 0;
    for (long seed = first; seed < first + n; seed++) {
      for (float v : Augmenter.addNoise(flat, 0.5, new SplittableRandom(seed)).toArray()) {
        double d = v - 100.0;
        sum += d;
        ss += d * d;
        count++;
      }
    }
    double mean = sum / count;
    return new double[] {mean, Math.sqrt(ss / count - mean * mean)};
  }

  // ---- flips -------------------------------------------------------------------------------------

  @Test
  void flipSampleIsDataFlipAndFlippingTwiceIsTheIdentity() {
    SyntheticFace f = face(12);
    List<Augmenter.Sample> samples = expand(new Augmenter(ConfigAugment.defaults()), "f", f);
    assertEquals(2, samples.size());
    Augmenter.Sample m = samples.get(1);
    Flip.Flipped expected = Flip.flip(f.image(), f.landmarks(), f.detectorBox(), IBUG);
    assertEquals("flip", m.variant());
    assertTrue(m.flipped());
    assertArrayEquals(expected.image().toArray(), m.image().toArray());
    assertEquals(expected.shape(), m.shape());
    assertEquals(expected.box(), m.box());
    // Concretely: the image-left outer eye corner 36 comes from the mirrored 45.
    assertEquals(f.image().width() - 1 - f.landmarks().x(45), m.shape().x(36), 0.0);
    Flip.Flipped twice = Augmenter.flip(m.image(), m.shape(), m.box(), IBUG);
    assertArrayEquals(f.image().toArray(), twice.image().toArray());
    assertEquals(f.detectorBox().x0(), twice.box().x0(), 1e-12);
    assertEquals(f.detectorBox().x1(), twice.box().x1(), 1e-12);
    for (int i = 0; i < 68; i++) {
      assertEquals(f.landmarks().x(i), twice.shape().x(i), 1e-12);
      assertEquals(f.landmarks().y(i), twice.shape().y(i), 0.0);
    }
    assertEquals(1, expand(new Augmenter(ConfigAugment.defaults().withFlip(false)), "f", f).size());
  }
}

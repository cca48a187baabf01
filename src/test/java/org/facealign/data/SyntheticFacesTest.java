package org.facealign.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyntheticFacesTest {
  private static final SyntheticFaces.Options OPT = SyntheticFaces.Options.defaults();
  private static final LandmarkScheme IBUG = LandmarkScheme.IBUG_68;

  @Test
  void sameSeedSameFaces() {
    SyntheticFaces a = new SyntheticFaces(7, OPT);
    SyntheticFaces b = new SyntheticFaces(7, OPT);
    SyntheticFaces c = new SyntheticFaces(8, OPT);
    for (int k = 0; k < 3; k++) {
      SyntheticFaces.SyntheticFace fa = a.next();
      SyntheticFaces.SyntheticFace fb = b.next();
      SyntheticFaces.SyntheticFace fc = c.next();
      assertArrayEquals(fa.image().toArray(), fb.image().toArray());
      assertEquals(fa.landmarks(), fb.landmarks());
      assertEquals(fa.detectorBox(), fb.detectorBox());
      assertFalse(Arrays.equals(fa.image().toArray(), fc.image().toArray()));
      assertFalse(fa.landmarks().equals(fc.landmarks()));
    }
  }

  @Test
  void templateHasTheIbugLayout() {
    Shape t = SyntheticFaces.TEMPLATE;
    assertEquals(0.0, t.x(0));
    assertEquals(1.0, t.x(16), 1e-15);
    assertEquals(1.0, t.y(8));
    assertEquals(0.42, IBUG.interPupilDistance(t), 1e-12);
    // 36 and 45 are the outer eye corners; 39 and 42 the inner ones.
    assertTrue(t.x(36) < t.x(39) && t.x(39) < t.x(42) && t.x(42) < t.x(45));
    // Brows above eyes above the nose tip above the mouth above the chin.
    assertTrue(t.y(19) < t.y(37) && t.y(37) < t.y(30) && t.y(30) < t.y(51) && t.y(51) < t.y(57) && t.y(57) < t.y(8));
    // Jaw: monotone down to the chin, then up.
    for (int i = 0; i < 8; i++) {
      assertTrue(t.y(i + 1) > t.y(i) && t.x(i + 1) > t.x(i), "jaw point " + i);
    }
  }

  @Test
  void landmarksInsideAndPupilDistanceAsConfigured() {
    SyntheticFaces gen = new SyntheticFaces(1, OPT);
    double templateIpd = IBUG.interPupilDistance(SyntheticFaces.TEMPLATE);
    double min = Double.POSITIVE_INFINITY;
    double max = 0;
    double sum = 0;
    int n = 40;
    for (int k = 0; k < n; k++) {
      SyntheticFaces.SyntheticFace f = gen.next();
      Shape s = f.landmarks();
      FaceBox e = s.extent();
      assertTrue(e.x0() >= 0 && e.y0() >= 0 && e.x1() <= 127 && e.y1() <= 127, "face " + k + ": " + e);
      double ratio = IBUG.interPupilDistance(s) / (templateIpd * OPT.imageSize());
      assertTrue(ratio > OPT.minFaceFraction() - 0.03 && ratio < OPT.maxFaceFraction() + 0.03, "face " + k + ": " + ratio);
      min = Math.min(min, ratio);
      max = Math.max(max, ratio);
      sum += ratio;
      // The detector box covers most of the landmarks' extent, and is not the extent itself.
      FaceBox b = f.detectorBox();
      assertTrue(b.width() > e.width() * 1.05 && b.width() < e.width() * 1.21, "face " + k);
      assertTrue(Math.abs(b.centerX() - e.centerX()) <= 0.05 * e.width() + 1e-9, "face " + k);
    }
    assertEquals(0.55, sum / n, 0.04);
    assertTrue(min < 0.5 && max > 0.6, min + " .. " + max);
  }

  private static double pixel(GrayImage img, double x, double y) {
    return img.get((int) Math.round(x), (int) Math.round(y));
  }

  @Test
  void eyesAreDarkerThanCheeksAndSkinDiffersFromBackground() {
    SyntheticFaces gen = new SyntheticFaces(2, OPT);
    for (int k = 0; k < 20; k++) {
      SyntheticFaces.SyntheticFace f = gen.next();
      Shape s = f.landmarks();
      GrayImage img = f.image();
      for (int first : new int[] {36, 42}) {
        double[] c = s.centroid(first, first + 5);
        double eye = 0;
        for (int i = first; i <= first + 5; i++) {
          eye += pixel(img, c[0] + 0.5 * (s.x(i) - c[0]), c[1] + 0.5 * (s.y(i) - c[1])) / 6;
        }
        // Cheek: halfway between the outer nostril and the jaw, on the same side.
        int nostril = first == 36 ? 31 : 35;
        int jaw = first == 36 ? 3 : 13;
        double cheek = pixel(img, (s.x(nostril) + s.x(jaw)) / 2, (s.y(nostril) + s.y(jaw)) / 2);
        assertTrue(cheek - eye > 35, "face " + k + " eye " + first + ": eye " + eye + ", cheek " + cheek);
      }
      // Just inside versus just outside the chin (point 8), along the chin-to-nose direction.
      double dx = s.x(30) - s.x(8);
      double dy = s.y(30) - s.y(8);
      double len = Math.hypot(dx, dy);
      double inside = pixel(img, s.x(8) + 4 * dx / len, s.y(8) + 4 * dy / len);
      double outside = pixel(img, s.x(8) - 3 * dx / len, s.y(8) - 3 * dy / len);
      assertTrue(Math.abs(inside - outside) > 25, "face " + k + ": " + inside + " vs " + outside);
    }
  }

  @Test
  void pixelNoiseHasTheConfiguredSigma() {
    SyntheticFaces.Options quiet = new SyntheticFaces.Options(64, 0.5, 0.5, 0, 0, 0);
    SyntheticFaces.Options noisy = new SyntheticFaces.Options(64, 0.5, 0.5, 0, 6, 0);
    GrayImage a = new SyntheticFaces(3, quiet).next().image();
    GrayImage b = new SyntheticFaces(3, noisy).next().image();
    // The same seed draws the same shape and levels; only the noise differs. Top-left background corner,
    // far from any clamping.
    double sq = 0;
    int n = 0;
    for (int y = 0; y < 6; y++) {
      for (int x = 0; x < 6; x++) {
        double d = b.get(x, y) - a.get(x, y);
        sq += d * d;
        n++;
      }
    }
    double sigma = Math.sqrt(sq / n);
    assertTrue(sigma > 4 && sigma < 8, "measured noise " + sigma);
    assertThrows(IllegalArgumentException.class, () -> new SyntheticFaces.Options(64, 0.7, 0.5, 0, 0, 0));
  }

  @Test
  void writtenLayoutIsDiscoveredWithBoxes(@TempDir Path tmp) {
    Map<String, Integer> parts = new LinkedHashMap<>();
    parts.put("afw", 4);
    parts.put("lfpw/testset", 3);
    parts.put("ibug", 2);
    SyntheticFaces.Options opt = new SyntheticFaces.Options(64, 0.5, 0.65, 10, 3, 0.01);
    SyntheticFaces.writeW300Layout(tmp, parts, 99, opt);
    Storage storage = Storage.local();
    Discovery d = W300Layout.discover(storage, tmp.toString());
    assertEquals(List.of("lfpw/trainset", "helen/trainset", "helen/testset"), d.missingParts());
    assertEquals(Map.of("training", 4, "common", 3, "challenging", 2), d.countsBySubset());
    assertEquals(List.of("afw/image_0001", "afw/image_0002", "afw/image_0003", "afw/image_0004",
        "ibug/image_0001", "ibug/image_0002", "lfpw/testset/image_0001", "lfpw/testset/image_0002",
        "lfpw/testset/image_0003"), d.entries().stream().map(FaceEntry::id).toList());
    for (FaceEntry e : d.entries()) {
      assertNull(e.problem(), e.id());
      assertNull(e.boxProblem(), e.id());
    }
    // The files hold what the generator of that part produces.
    SyntheticFaces gen = new SyntheticFaces(SyntheticFaces.partSeed(99, "lfpw/testset"), opt);
    for (FaceEntry e : d.entries("common")) {
      SyntheticFaces.SyntheticFace f = gen.next();
      LoadedFace lf = FaceReader.load(e, storage, FaceReader.Limits.defaults(), IBUG);
      for (int i = 0; i < 68; i++) {
        assertEquals(f.landmarks().x(i), lf.face().landmarks().x(i), 1e-6);
        assertEquals(f.landmarks().y(i), lf.face().landmarks().y(i), 1e-6);
      }
      assertEquals(f.detectorBox().x0(), e.detectorBox().x0(), 5e-4);
      assertEquals(f.detectorBox().y1(), e.detectorBox().y1(), 5e-4);
      double diff = 0;
      float[] p = f.image().toArray();
      float[] q = lf.image().toArray();
      for (int i = 0; i < p.length; i++) {
        diff += Math.abs(p[i] - q[i]) / p.length;
      }
      assertTrue(diff < 4, "mean JPEG difference " + diff);
    }
  }
}

package org.facealign.augment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.facealign.data.FaceBox;
import org.facealign.data.GrayImage;
import org.facealign.data.Shape;
import org.facealign.data.SimilarityTransform;
import org.facealign.data.SyntheticFaces;
import org.facealign.data.SyntheticFaces.SyntheticFace;
import org.junit.jupiter.api.Test;

class MultiscaleCropsTest {
  private static final ConfigAugment CFG = ConfigAugment.defaults();

  private static SyntheticFace face() {
    return new SyntheticFaces(21, SyntheticFaces.Options.defaults()).next();
  }

  @Test
  void cropsHaveTheConfiguredSizesAndAShapeSharedByAllScales() {
    SyntheticFace f = face();
    MultiscaleCrops.Crops c = MultiscaleCrops.crop(f.image(), f.detectorBox(), f.landmarks(), CFG);
    assertEquals(3, c.scales());
    int[] sizes = {50, 100, 200};
    for (int i = 0; i < 3; i++) {
      assertEquals(sizes[i], c.image(i).width());
      assertEquals(sizes[i], c.image(i).height());
      assertEquals(sizes[i], c.size(i));
      Shape perScale = MultiscaleCrops.toCropUnit(c.imageToCrop(i).apply(f.landmarks()), sizes[i]);
      Shape back = c.imageToCrop(i).inverse().apply(MultiscaleCrops.fromCropUnit(c.unitShape(), sizes[i]));
      for (int p = 0; p < 68; p++) {
        assertEquals(c.unitShape().x(p), perScale.x(p), 1e-12, "unit x, scale " + sizes[i] + ", point " + p);
        assertEquals(c.unitShape().y(p), perScale.y(p), 1e-12, "unit y, scale " + sizes[i] + ", point " + p);
        assertEquals(f.landmarks().x(p), back.x(p), 1e-9, "x back, scale " + sizes[i] + ", point " + p);
        assertEquals(f.landmarks().y(p), back.y(p), 1e-9, "y back, scale " + sizes[i] + ", point " + p);
      }
    }
    Shape back = c.unitToImage(c.unitShape());
    for (int p = 0; p < 68; p++) {
      assertEquals(f.landmarks().x(p), back.x(p), 1e-9);
    }
    assertNull(MultiscaleCrops.crop(f.image(), f.detectorBox(), null, CFG).unitShape());
  }

  @Test
  void regionAndUnitFrameFollowTheDocumentedConvention() {
    FaceBox box = new FaceBox(40, 50, 120, 150); // 80 x 100, centre (80, 100)
    FaceBox r = MultiscaleCrops.region(box, 0.2);
    // side = max(80, 100) * 1.4 = 140, about the centre
    assertEquals(new FaceBox(10, 30, 150, 170), r);
    SimilarityTransform t = MultiscaleCrops.imageToCrop(box, 0.2, 50);
    // region edges to -1/2 and s - 1/2, centre to (s - 1) / 2
    assertEquals(-0.5, t.applyX(10, 30), 1e-12);
    assertEquals(-0.5, t.applyY(10, 30), 1e-12);
    assertEquals(49.5, t.applyX(150, 170), 1e-12);
    assertEquals(24.5, t.applyX(80, 100), 1e-12);
    assertEquals(50 / 140.0, t.scale(), 1e-15);
    Shape corners = Shape.of(new double[] {10, 30, 150, 170, 80, 100});
    Shape unit = MultiscaleCrops.imageToUnit(box, 0.2).apply(corners);
    double[] u = unit.toArray();
    double[] expected = {0, 0, 1, 1, 0.5, 0.5};
    for (int i = 0; i < 6; i++) {
      assertEquals(expected[i], u[i], 1e-12);
    }
    Shape crop = Shape.of(new double[] {-0.5, 49.5, 24.5, 0});
    double[] cu = MultiscaleCrops.toCropUnit(crop, 50).toArray();
    assertEquals(0, cu[0], 0);
    assertEquals(1, cu[1], 0);
    assertEquals(0.5, cu[2], 0);
    assertEquals(0.01, cu[3], 1e-15);
    double[] round = MultiscaleCrops.fromCropUnit(MultiscaleCrops.toCropUnit(crop, 50), 50).toArray();
    for (int i = 0; i < 4; i++) {
      assertEquals(crop.toArray()[i], round[i], 1e-12);
    }
  }

  /** An image of zeros with a Gaussian blob (peak 255, sigma 1.5 px) centred exactly at (x, y). */
  private static GrayImage dot(int w, int h, double x, double y) {
    float[] px = new float[w * h];
    for (int j = 0; j < h; j++) {
      for (int i = 0; i < w; i++) {
        double d2 = (i - x) * (i - x) + (j - y) * (j - y);
        px[j * w + i] = (float) (255 * Math.exp(-d2 / (2 * 1.5 * 1.5)));
      }
    }
    return GrayImage.wrap(w, h, px);
  }

  /** Intensity-weighted centroid of a crop, {x, y}. */
  private static double[] centroid(GrayImage g) {
    double sw = 0;
    double sx = 0;
    double sy = 0;
    for (int y = 0; y < g.height(); y++) {
      for (int x = 0; x < g.width(); x++) {
        double v = g.get(x, y);
        sw += v;
        sx += v * x;
        sy += v * y;
      }
    }
    return new double[] {sx / sw, sy / sw};
  }

  @Test
  void aDotAtALandmarkAppearsAtTheMappedCropPixelAtEveryScale() {
    SyntheticFace f = face();
    Shape s = f.landmarks();
    FaceBox box = f.detectorBox();
    int n = f.image().width();
    for (int p : new int[] {0, 8, 16, 30, 36, 45, 48, 54}) {
      GrayImage img = dot(n, n, s.x(p), s.y(p));
      MultiscaleCrops.Crops c = MultiscaleCrops.crop(img, box, s, CFG);
      for (int i = 0; i < c.scales(); i++) {
        int size = c.size(i);
        double[] seen = centroid(c.image(i));
        Shape expected = MultiscaleCrops.fromCropUnit(c.unitShape(), size);
        double tol = size / 200.0; // 1 px at 200, 0.25 px at 50
        assertEquals(expected.x(p), seen[0], tol, "x of point " + p + " at " + size);
        assertEquals(expected.y(p), seen[1], tol, "y of point " + p + " at " + size);
      }
    }
  }

  @Test
  void cropSeesTheFaceWhereTheLandmarksAre() {
    // On the synthetic face the pupils (centroids of 36-41, 42-47) are dark: they stay dark in every crop.
    SyntheticFace f = face();
    MultiscaleCrops.Crops c = MultiscaleCrops.crop(f.image(), f.detectorBox(), f.landmarks(), CFG);
    GrayImage fine = c.image(2);
    Shape inCrop = MultiscaleCrops.fromCropUnit(c.unitShape(), 200);
    double[] pupil = inCrop.centroid(36, 41);
    double[] cheek = {(inCrop.x(2) + inCrop.x(31)) / 2, (inCrop.y(2) + inCrop.y(31)) / 2};
    float dark = fine.get((int) Math.round(pupil[0]), (int) Math.round(pupil[1]));
    float skin = fine.get((int) Math.round(cheek[0]), (int) Math.round(cheek[1]));
    double[] p0 = f.landmarks().centroid(36, 41);
    assertEquals(f.image().get((int) Math.round(p0[0]), (int) Math.round(p0[1])), dark, 25);
    assertEquals(true, skin - dark > 50, "pupil " + dark + ", cheek " + skin);
  }

  @Test
  void invalidConfigurationIsRefused() {
    SyntheticFace f = face();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> MultiscaleCrops.crop(f.image(), f.detectorBox(), null, CFG.withCropSizes(100, 50)));
    assertEquals(true, e.getMessage().contains("cropSizes"));
  }
}

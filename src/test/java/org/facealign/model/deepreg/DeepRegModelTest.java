package org.facealign.model.deepreg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.facealign.data.LandmarkScheme;
import org.facealign.data.Shape;
import org.facealign.data.Storage;
import org.facealign.data.SyntheticFaces;
import org.facealign.feature.ConfigFeatures;
import org.facealign.model.LandmarkModel;
import org.facealign.model.ModelHeader;
import org.facealign.model.ModelStore;
import org.facealign.model.Provenance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeepRegModelTest {
  private record Faces(List<org.facealign.data.GrayImage> images, List<org.facealign.data.FaceBox> boxes) {}

  /** {@code n} synthetic faces drawn from {@code seed}, with their detector boxes. */
  private static Faces faces(long seed, int n) {
    SyntheticFaces gen = new SyntheticFaces(seed, SyntheticFaces.Options.defaults());
    List<org.facealign.data.GrayImage> images = new ArrayList<>();
    List<org.facealign.data.FaceBox> boxes = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      SyntheticFaces.SyntheticFace face = gen.next();
      images.add(face.image());
      boxes.add(face.detectorBox());
    }
    return new Faces(images, boxes);
  }

  @Test
  void saveLoadGivesIdenticalPredictions(@TempDir Path dir) throws Exception {
    ConfigFeatures f = DeepRegFixtures.smallFeatures();
    SyntheticFaces gen = new SyntheticFaces(3, SyntheticFaces.Options.defaults());
    for (Variant v : Variant.values()) {
      DeepRegModel m = DeepRegFixtures.randomModel(v, f, 5);
      String where = dir.resolve(v.kind()).toString();
      ModelStore.save(m, Storage.local(), where);
      LandmarkModel back = ModelStore.load(Storage.local(), where);
      assertTrue(back instanceof DeepRegModel);
      assertEquals(m.header(), back.header());
      for (int i = 0; i < 3; i++) {
        SyntheticFaces.SyntheticFace face = gen.next();
        Shape a = m.predict(face.image(), face.detectorBox());
        Shape b = back.predict(face.image(), face.detectorBox());
        assertArrayEquals(a.toArray(), b.toArray(), 0.0, v.kind());
      }
    }
  }

  @Test
  void aFactoredModelSavesLoadsAndPredictsAsItsFactorsDo(@TempDir Path dir) throws Exception {
    ConfigFeatures f = DeepRegFixtures.smallFeatures();
    DeepRegModel m = DeepRegFixtures.randomModel(Variant.DEEPREG, f, 9);
    double[] identity = new double[136 * 136];
    for (int i = 0; i < 136; i++) {
      identity[i * 136 + i] = 1 + i * 1e-3;
    }
    List<LinearMap> layers = new ArrayList<>();
    for (LinearMap l : m.cascade().stages()) {
      layers.add(ReducedRank.factor(l, identity, 40));
    }
    DeepRegModel low = new DeepRegModel(m.header(), m.cascade().withLayers(m.cascade().global(), layers));
    String where = dir.resolve("low").toString();
    ModelStore.save(low, Storage.local(), where);
    DeepRegModel back = (DeepRegModel) ModelStore.load(Storage.local(), where);
    assertEquals(low.cascade().stages(), back.cascade().stages());
    assertTrue(java.nio.file.Files.exists(dir.resolve("low/arrays/stage1.u.npy")));
    int n = DeepRegModel.FACTORED_BATCH + 3; // one whole group and a partial one
    assertEquals(DeepRegModel.FACTORED_BATCH, back.group());
    assertEquals(DeepRegModel.BATCH, m.group());
    Faces faces = faces(4, n);
    List<org.facealign.data.GrayImage> images = faces.images();
    List<org.facealign.data.FaceBox> boxes = faces.boxes();
    List<Shape> all = back.predictAll(images, boxes);
    for (int i = 0; i < n; i++) {
      assertArrayEquals(low.predict(images.get(i), boxes.get(i)).toArray(), all.get(i).toArray(), 0.0);
    }
  }

  @Test
  void outputMomentsAreTheMeanOuterProductOfWhatEachLayerAdds() {
    ConfigFeatures f = DeepRegFixtures.smallFeatures();
    Cascade c = DeepRegFixtures.randomModel(Variant.DEEPREG, f, 10).cascade();
    Random r = new Random(11);
    OutputMoments a = new OutputMoments(c);
    OutputMoments b = new OutputMoments(c);
    double[][][] tr = new double[5][c.numStages() + 1][136];
    for (double[][] t : tr) {
      for (double[] s : t) {
        for (int i = 0; i < 136; i++) {
          s[i] = r.nextGaussian();
        }
      }
    }
    for (int k = 0; k < 5; k++) {
      (k < 2 ? a : b).add(tr[k]);
    }
    a.merge(b);
    assertEquals(5, a.count());
    for (int t = 0; t < c.numStages(); t++) {
      float[] bias = c.stages().get(t).biases();
      double[] m = a.mean(t);
      for (int i = 0; i < 136; i += 7) {
        for (int j = 0; j < 136; j += 5) {
          double ref = 0;
          for (double[][] s : tr) {
            ref += (s[t + 1][i] - s[t][i] - bias[i]) * (s[t + 1][j] - s[t][j] - bias[j]) / 5;
          }
          assertEquals(ref, m[i * 136 + j], 1e-12);
          assertEquals(m[i * 136 + j], m[j * 136 + i], 0.0);
        }
      }
    }
  }

  @Test
  void trajectoryEndsAtThePredictionAndStartsAtTheMeanWithoutAGlobalLayer() {
    ConfigFeatures f = DeepRegFixtures.smallFeatures();
    DeepRegModel m = DeepRegFixtures.randomModel(Variant.DEEPREGLOCAL, f, 9);
    SyntheticFaces.SyntheticFace face = new SyntheticFaces(4, SyntheticFaces.Options.defaults()).next();
    List<Shape> t = m.trajectory(face.image(), face.detectorBox());
    assertEquals(4, t.size());
    assertArrayEquals(m.predict(face.image(), face.detectorBox()).toArray(), t.get(3).toArray(), 1e-9);
    // s0 is the mean shape placed by the box, whatever the pixels
    Shape s0 = t.get(0);
    Shape s0Blank = m.trajectory(org.facealign.data.GrayImage.wrap(128, 128, new float[128 * 128]), face.detectorBox()).get(0);
    assertArrayEquals(s0.toArray(), s0Blank.toArray(), 1e-9);
  }

  @Test
  void aLocalModelWithAGlobalLayerIsRefused() {
    ConfigFeatures f = DeepRegFixtures.smallFeatures();
    DeepRegModel withGlobal = DeepRegFixtures.randomModel(Variant.DEEPREG, f, 1);
    Provenance p = withGlobal.header().provenance();
    assertThrows(IllegalArgumentException.class, () -> new DeepRegModel(
        new ModelHeader("deepreglocal", LandmarkScheme.IBUG_68, "detector", 0.1, p), withGlobal.cascade()));
  }

  @Test
  void predictAllGivesEachFaceExactlyWhatPredictGives() {
    ConfigFeatures f = DeepRegFixtures.smallFeatures();
    int n = DeepRegModel.BATCH + 5; // one whole group and a partial one
    Faces faces = faces(11, n);
    List<org.facealign.data.GrayImage> images = faces.images();
    List<org.facealign.data.FaceBox> boxes = faces.boxes();
    for (Variant v : Variant.values()) {
      DeepRegModel m = DeepRegFixtures.randomModel(v, f, 21);
      List<Shape> all = m.predictAll(images, boxes);
      assertEquals(n, all.size());
      double moved = 0;
      for (int i = 0; i < n; i++) {
        Shape one = m.predict(images.get(i), boxes.get(i));
        assertArrayEquals(one.toArray(), all.get(i).toArray(), 0.0, v.kind() + " face " + i);
        moved += Math.abs(one.x(0) - m.trajectory(images.get(i), boxes.get(i)).get(0).x(0));
      }
      assertTrue(moved > 0, "the layers moved the shapes, so the comparison covers them");
    }
  }

  @Test
  void predictionStepsComputeWhatPredictAllComputes() {
    ConfigFeatures f = DeepRegFixtures.smallFeatures();
    Faces faces = faces(12, 7);
    List<org.facealign.data.GrayImage> images = faces.images();
    List<org.facealign.data.FaceBox> boxes = faces.boxes();
    for (Variant v : Variant.values()) {
      DeepRegModel m = DeepRegFixtures.randomModel(v, f, 23);
      PredictionSteps steps = new PredictionSteps(m.cascade(), 3); // groups of 3, 3 and 1
      java.util.Map<String, Double> ms = steps.measure(images, boxes, 2);
      List<Shape> all = m.predictAll(images, boxes);
      for (int i = 0; i < images.size(); i++) {
        assertArrayEquals(all.get(i).toArray(), steps.predictions().get(i).toArray(), 0.0, v.kind() + " face " + i);
      }
      assertEquals(List.of("warp", "hog", "response_maps", "descriptors", "products", "total"), List.copyOf(ms.keySet()));
      double sum = 0;
      for (String k : PredictionSteps.STEPS) {
        // the HOG is computed only for a global layer
        assertTrue(k.equals("hog") && !v.global() ? ms.get(k) < 0.01 : ms.get(k) > 0, v.kind() + " " + ms);
        sum += ms.get(k);
      }
      assertEquals(sum, ms.get("total"), 1e-9 * sum);
    }
  }
}

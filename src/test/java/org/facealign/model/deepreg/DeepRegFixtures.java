package org.facealign.model.deepreg;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.facealign.data.LandmarkScheme;
import org.facealign.data.SyntheticFaces;
import org.facealign.feature.Canvas16;
import org.facealign.feature.ConfigFeatures;
import org.facealign.feature.FaceNormaliser;
import org.facealign.feature.HogFeature;
import org.facealign.feature.NormalisedFace;
import org.facealign.model.ModelHeader;
import org.facealign.model.Provenance;

/** Small DeepReg problems on synthetic faces, for tests. */
public final class DeepRegFixtures {
  private DeepRegFixtures() {}

  /** Default features with 2 x 2 cells per patch (32 values per landmark): quick to fit. */
  public static ConfigFeatures smallFeatures() {
    return ConfigFeatures.builder().siftCells(2).build();
  }

  /** {@code n} synthetic faces as the feature store would give them (original variant only). */
  public static List<TrainingSample> samples(ConfigFeatures f, long seed, int n) {
    SyntheticFaces gen = new SyntheticFaces(seed, SyntheticFaces.Options.defaults());
    FaceNormaliser norm = new FaceNormaliser(f);
    HogFeature hog = new HogFeature(f);
    ShapeUnits units = new ShapeUnits(f);
    List<TrainingSample> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      SyntheticFaces.SyntheticFace face = gen.next();
      NormalisedFace nf = norm.normalise(face.image(), face.detectorBox());
      out.add(new TrainingSample("face" + i, "orig", nf.canvas().width(), Canvas16.encode(nf.canvas()),
          hog.compute(norm.hogInput(nf)), units.toUnits(nf.toCanonical(face.landmarks()))));
    }
    return out;
  }

  private static LinearMap random(int out, int in, Random r, double scale) {
    float[] w = new float[out * in];
    float[] b = new float[out];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) (scale * r.nextGaussian());
    }
    for (int i = 0; i < out; i++) {
      b[i] = (float) (0.01 * r.nextGaussian());
    }
    return new LinearMap(out, in, w, b);
  }

  /** A model of random layers (small weights: predictions near the mean shape that still depend on the image). */
  public static DeepRegModel randomModel(Variant v, ConfigFeatures f, long seed) {
    return randomModel(v, f, new Provenance("data", 10, seed, "rev", "0.1.0", "2026-01-01T00:00:00Z", "cfg",
        "facealign {}"));
  }

  /** {@link #randomModel(Variant, ConfigFeatures, long)} with {@code p}, whose seed draws the layers. */
  public static DeepRegModel randomModel(Variant v, ConfigFeatures f, Provenance p) {
    Random r = new Random(p.seed());
    double[] mean = new ShapeUnits(f).toUnits(SyntheticFaces.TEMPLATE.toBoxFrame(SyntheticFaces.TEMPLATE.extent())
        .fromBoxFrame(new org.facealign.data.FaceBox(32, 32, 160, 160)));
    List<LinearMap> stages = new ArrayList<>();
    for (int t = 0; t < 3; t++) {
      stages.add(random(136, f.descriptorLength() * 68, r, 1e-3));
    }
    LinearMap global = v.global() ? random(136, f.hogDimension(), r, 1e-4) : null;
    return new DeepRegModel(new ModelHeader(v.kind(), LandmarkScheme.IBUG_68, "detector", 0.1, p),
        new Cascade(f, global, mean, stages));
  }
}

package org.facealign.model.deepreg;

import java.util.ArrayList;
import java.util.List;
import org.facealign.data.SyntheticFaces;
import org.facealign.feature.Canvas16;
import org.facealign.feature.ConfigFeatures;
import org.facealign.feature.FaceNormaliser;
import org.facealign.feature.HogFeature;
import org.facealign.feature.NormalisedFace;

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
}

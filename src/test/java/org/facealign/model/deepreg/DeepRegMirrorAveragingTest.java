package org.facealign.model.deepreg;

import org.facealign.model.MirrorChecks;
import org.junit.jupiter.api.Test;

/** {@link org.facealign.model.MirrorAveraged} on DeepReg models of random layers ({@link MirrorChecks}). */
class DeepRegMirrorAveragingTest {
  @Test
  void deepRegAveragesWithTheWholePhotographMirrored() {
    MirrorChecks.check(DeepRegFixtures.randomModel(Variant.DEEPREG, DeepRegFixtures.smallFeatures(), 21),
        MirrorChecks.faces(3, 6));
  }

  @Test
  void deepRegLocalAveragesWithTheWholePhotographMirrored() {
    MirrorChecks.check(DeepRegFixtures.randomModel(Variant.DEEPREGLOCAL, DeepRegFixtures.smallFeatures(), 22),
        MirrorChecks.faces(4, 3));
  }

  @Test
  void aCanvasWithAWideMarginIsMirroredWhole() {
    // a canvas margin of 1.5 face sides reaches further than any fixed window around the box would
    MirrorChecks.check(DeepRegFixtures.randomModel(Variant.DEEPREG,
        org.facealign.feature.ConfigFeatures.builder().siftCells(2).margin(1.5).build(), 23), MirrorChecks.faces(6, 3));
  }
}

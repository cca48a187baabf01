package org.facealign.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import org.facealign.augment.Augmenter;
import org.facealign.model.deepreg.TrainingSample;
import org.junit.jupiter.api.Test;

/** The held-out faces and which of their samples validate: the same faces whatever the augmentation. */
class ValidationSplitTest {

  private static TrainingSample sample(String face, String variant) {
    return new TrainingSample(face, variant, 1, new byte[2], new float[0], new double[0]);
  }

  @Test
  void heldOutFacesValidateWithTheirMirrorsButNotTheirRandomCopies() {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      ids.add("face" + i);
    }
    Set<String> held = DeepRegJob.validationFaces(ids, 10, 7L);
    assertEquals(10, held.size());
    List<String> reversed = new ArrayList<>(ids);
    Collections.reverse(reversed);
    assertEquals(held, DeepRegJob.validationFaces(reversed, 10, 7L), "independent of order");
    int validating = 0;
    int training = 0;
    for (String id : ids) {
      for (String v : List.of(Augmenter.ORIGINAL, Augmenter.FLIPPED, Augmenter.COPY_PREFIX + 1, Augmenter.COPY_PREFIX + 2)) {
        TrainingSample s = sample(id, v);
        boolean validates = DeepRegJob.validates(s, held);
        if (validates) {
          validating++;
          assertTrue(held.contains(id));
          assertFalse(v.startsWith(Augmenter.COPY_PREFIX), v);
        } else if (!held.contains(id)) {
          training++;
        }
      }
    }
    // 10 held-out faces x (original, mirror); the 40 others with all four variants train
    assertEquals(20, validating);
    assertEquals(160, training);
  }
}

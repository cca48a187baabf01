package org.facealign.augment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ConfigAugmentTest {
  private static final ConfigAugment D = ConfigAugment.defaults();

  @Test
  void defaultsAreThePapersValuesAndValid() {
    D.checkValidity();
    assertTrue(D.flip());
    assertEquals(0.5, D.noiseSigma(), 0);
    assertEquals(15, D.maxRotationDeg(), 0);
    assertEquals(0, D.copies());
    assertEquals(List.of(50, 100, 200), D.cropSizes());
    assertEquals(0.2, D.cropMargin(), 0);
    assertEquals("augment-v1 flip=true noiseSigma=0.5 maxRotationDeg=15 copies=0 cropSizes=50,100,200"
        + " cropMargin=0.2 seed=1", D.canonical());
  }

  private static void assertRejected(ConfigAugment c, String field) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, c::checkValidity, field);
    assertTrue(e.getMessage().startsWith(field + " "), "message names " + field + ": " + e.getMessage());
  }

  @Test
  void everyBadFieldIsNamed() {
    assertRejected(D.withNoiseSigma(-0.1), "noiseSigma");
    assertRejected(D.withNoiseSigma(Double.NaN), "noiseSigma");
    assertRejected(D.withNoiseSigma(300), "noiseSigma");
    assertRejected(D.withMaxRotationDeg(-1), "maxRotationDeg");
    assertRejected(D.withMaxRotationDeg(91), "maxRotationDeg");
    assertRejected(D.withMaxRotationDeg(Double.POSITIVE_INFINITY), "maxRotationDeg");
    assertRejected(D.withCopies(-1), "copies");
    assertRejected(D.withCopies(1001), "copies");
    assertRejected(D.withCropSizes(List.of()), "cropSizes");
    assertRejected(D.withCropSizes((List<Integer>) null), "cropSizes");
    assertRejected(D.withCropSizes(Arrays.asList(50, null)), "cropSizes");
    assertRejected(D.withCropSizes(3, 100), "cropSizes");
    assertRejected(D.withCropSizes(50, 5000), "cropSizes");
    assertRejected(D.withCropSizes(100, 50), "cropSizes");
    assertRejected(D.withCropSizes(50, 50), "cropSizes");
    assertRejected(D.withCropMargin(-0.01), "cropMargin");
    assertRejected(D.withCropMargin(1.5), "cropMargin");
    assertRejected(D.withCropMargin(Double.NaN), "cropMargin");
    assertThrows(IllegalArgumentException.class, () -> new Augmenter(D.withCopies(-1)));
    // Bounds themselves are valid.
    D.withNoiseSigma(0).withMaxRotationDeg(90).withCopies(1000).withCropSizes(4, 4096).withCropMargin(1).checkValidity();
    D.withMaxRotationDeg(0).withCopies(0).withCropSizes(200).withCropMargin(0).withSeed(Long.MIN_VALUE).checkValidity();
  }

  @Test
  void canonicalChangesWithEveryField() {
    List<ConfigAugment> variants = new ArrayList<>(List.of(
        D,
        D.withFlip(false),
        D.withNoiseSigma(0.6),
        D.withMaxRotationDeg(14.999),
        D.withCopies(1),
        D.withCropSizes(50, 100),
        D.withCropSizes(50, 100, 201),
        D.withCropSizes(5, 100, 200),
        D.withCropMargin(0.21),
        D.withSeed(2),
        D.withSeed(-1)));
    Set<String> seen = new HashSet<>();
    for (ConfigAugment c : variants) {
      assertTrue(seen.add(c.canonical()), "duplicate canonical text: " + c.canonical());
    }
    assertEquals(D.canonical(), ConfigAugment.defaults().canonical());
    assertEquals(D, ConfigAugment.defaults());
    assertNotEquals(D.canonical(), D.withNoiseSigma(Math.nextUp(0.5)).canonical());
    // Lists given to the configuration are copied: changing the caller's list changes nothing.
    List<Integer> sizes = new ArrayList<>(List.of(50, 100));
    ConfigAugment c = D.withCropSizes(sizes);
    sizes.add(400);
    assertEquals(List.of(50, 100), c.cropSizes());
    assertThrows(UnsupportedOperationException.class, () -> c.cropSizes().add(1));
  }
}

package org.facealign.feature;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class ConfigFeaturesTest {

  @Test
  void defaultsGiveTheDocumentedSizes() {
    ConfigFeatures c = ConfigFeatures.defaults();
    assertEquals(128, c.faceSize());
    assertEquals(0.25, c.margin());
    assertEquals(192, c.canvasSize());
    assertEquals(8, c.hogCellsPerSide());
    assertEquals(7, c.hogBlocksPerSide());
    assertEquals(1764, c.hogDimension());
    assertEquals(128, c.descriptorLength());
    assertEquals(5, c.numStages());
    assertArrayEquals(new int[] {32, 32, 32, 32, 16}, c.patchSizes());
    assertEquals(16, c.patchSize(4));
    assertEquals(2.0, c.jacobianEpsilon());
    assertEquals(0.2, c.clip());
    assertEquals(2.0, c.blurSigma());
    assertEquals(2, c.mapStride());
  }

  @Test
  void canonicalTextOfTheDefaultsIsPinned() {
    // Changing this text invalidates every stored feature: do it on purpose, with FEATURE_CODE_VERSION.
    assertEquals("facealign.features;FEATURE_CODE_VERSION=2;faceSize=128;margin=0.25;hogSize=64;hogCellSize=8;"
        + "hogBins=9;hogBlockCells=2;hogBlockStride=1;hogClip=0.2;orientations=8;blurSigma=2;mapStride=2;"
        + "siftCells=4;patchSizes=32,32,32,32,16;jacobianEpsilon=2;clip=0.2", ConfigFeatures.defaults().canonical());
    // sha256sum of that text
    assertEquals("e7ce1e1a294eed41e2ca8ce75f94f4454671ed1f5627176bc0416054cd37475e", ConfigFeatures.defaults().hash());
  }

  @Test
  void everyFieldIsInTheCanonicalText() throws Exception {
    // mapStride is written only when it is not 1 (so that the keys of earlier releases' stores and models stay)
    String text = ConfigFeatures.defaults().toBuilder().mapStride(2).build().canonical();
    int fields = 0;
    for (Field f : ConfigFeatures.class.getDeclaredFields()) {
      if (Modifier.isStatic(f.getModifiers())) {
        continue;
      }
      fields++;
      assertTrue(text.contains(";" + f.getName() + "="), "canonical() misses " + f.getName());
    }
    assertEquals(15, fields);
  }

  @Test
  void theCanonicalTextParsesBackAndAnAbsentStrideIsOne() {
    ConfigFeatures pooled = ConfigFeatures.defaults().toBuilder().mapStride(2).build();
    assertEquals(pooled, ConfigFeatures.parseCanonical(pooled.canonical()));
    assertEquals(2, ConfigFeatures.parseCanonical(pooled.canonical()).mapStride());
    ConfigFeatures full = ConfigFeatures.defaults().toBuilder().mapStride(1).build();
    assertTrue(!full.canonical().contains("mapStride"), full.canonical());
    assertEquals(1, ConfigFeatures.parseCanonical(full.canonical()).mapStride());
    assertEquals(full, ConfigFeatures.parseCanonical(full.canonical()));
  }

  private static Map<String, UnaryOperator<ConfigFeatures.Builder>> oneChangePerField() {
    Map<String, UnaryOperator<ConfigFeatures.Builder>> m = new LinkedHashMap<>();
    m.put("faceSize", b -> b.faceSize(129));
    m.put("margin", b -> b.margin(0.25 + 1e-12));
    m.put("hogSize", b -> b.hogSize(72));
    m.put("hogCellSize", b -> b.hogCellSize(4));
    m.put("hogBins", b -> b.hogBins(18));
    m.put("hogBlockCells", b -> b.hogBlockCells(3));
    m.put("hogBlockStride", b -> b.hogBlockStride(2));
    m.put("hogClip", b -> b.hogClip(0.25));
    m.put("orientations", b -> b.orientations(16));
    m.put("blurSigma", b -> b.blurSigma(Math.nextUp(2.0)));
    m.put("mapStride", b -> b.mapStride(ConfigFeatures.defaults().mapStride() == 1 ? 2 : 1));
    m.put("siftCells", b -> b.siftCells(3));
    m.put("patchSizes", b -> b.patchSizes(32, 32, 32, 16, 32));
    m.put("patchSizes (stages)", b -> b.patchSizes(32, 32, 32, 32));
    m.put("jacobianEpsilon", b -> b.jacobianEpsilon(1.0));
    m.put("clip", b -> b.clip(0.19999));
    return m;
  }

  @Test
  void anyChangeOfAnyFieldChangesTheHash() {
    ConfigFeatures d = ConfigFeatures.defaults();
    Set<String> hashes = new HashSet<>();
    hashes.add(d.hash());
    for (Map.Entry<String, UnaryOperator<ConfigFeatures.Builder>> e : oneChangePerField().entrySet()) {
      ConfigFeatures c = e.getValue().apply(d.toBuilder()).build();
      assertNotEquals(d.hash(), c.hash(), e.getKey());
      assertNotEquals(d, c, e.getKey());
      assertTrue(hashes.add(c.hash()), "two changes gave one hash at " + e.getKey());
    }
    assertEquals(d.hash(), ConfigFeatures.builder().build().hash());
    assertEquals(d.hash(), d.toBuilder().build().hash());
    assertEquals(d, d.toBuilder().build());
  }

  @Test
  void theStoredTextChangesWithTheCanvasAndHogSettingsOnly() {
    Set<String> stored = Set.of("faceSize", "margin", "hogSize", "hogCellSize", "hogBins", "hogBlockCells",
        "hogBlockStride", "hogClip");
    ConfigFeatures d = ConfigFeatures.defaults();
    Set<String> texts = new HashSet<>();
    texts.add(d.storedCanonical());
    for (Map.Entry<String, UnaryOperator<ConfigFeatures.Builder>> e : oneChangePerField().entrySet()) {
      String text = e.getValue().apply(d.toBuilder()).build().storedCanonical();
      if (stored.contains(e.getKey())) {
        assertTrue(texts.add(text), "the stored text misses " + e.getKey());
      } else {
        assertEquals(d.storedCanonical(), text, e.getKey() + " is computed from the stored canvas");
      }
    }
    assertEquals(stored.size() + 1, texts.size());
    assertTrue(d.storedCanonical().contains(";FEATURE_CODE_VERSION=" + ConfigFeatures.FEATURE_CODE_VERSION + ";"));
  }

  @Test
  void eachBadFieldIsNamed() {
    Map<String, UnaryOperator<ConfigFeatures.Builder>> bad = new LinkedHashMap<>();
    bad.put("faceSize", b -> b.faceSize(4));
    bad.put("margin", b -> b.margin(-0.1));
    bad.put("margin ", b -> b.margin(Double.NaN));
    bad.put("hogSize", b -> b.hogSize(60));
    bad.put("hogSize  ", b -> b.hogSize(8));
    bad.put("hogCellSize", b -> b.hogCellSize(0));
    bad.put("hogBins", b -> b.hogBins(1));
    bad.put("hogBlockCells", b -> b.hogBlockCells(0));
    bad.put("hogBlockStride", b -> b.hogBlockStride(0));
    bad.put("hogClip", b -> b.hogClip(0));
    bad.put("orientations", b -> b.orientations(7));
    bad.put("blurSigma", b -> b.blurSigma(0));
    bad.put("blurSigma ", b -> b.blurSigma(Double.POSITIVE_INFINITY));
    bad.put("mapStride", b -> b.mapStride(0));
    bad.put("mapStride ", b -> b.mapStride(7)); // 7 x 7 blocks alone are wider than the blur (sigma 2)
    bad.put("siftCells", b -> b.siftCells(0));
    bad.put("patchSizes", b -> b.patchSizes());
    bad.put("patchSizes ", b -> b.patchSizes(32, 0));
    bad.put("jacobianEpsilon", b -> b.jacobianEpsilon(-2));
    bad.put("clip", b -> b.clip(1.5));
    for (Map.Entry<String, UnaryOperator<ConfigFeatures.Builder>> e : bad.entrySet()) {
      String field = e.getKey().trim();
      IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
          () -> e.getValue().apply(ConfigFeatures.builder()).build(), field);
      assertTrue(ex.getMessage().startsWith(field + ":"), field + " not named in: " + ex.getMessage());
    }
  }

  @Test
  void patchSizesAreCopied() {
    int[] p = {32, 16};
    ConfigFeatures c = ConfigFeatures.builder().patchSizes(p).build();
    p[0] = 1;
    c.patchSizes()[1] = 1;
    assertArrayEquals(new int[] {32, 16}, c.patchSizes());
  }
}

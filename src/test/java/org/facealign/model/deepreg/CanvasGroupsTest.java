package org.facealign.model.deepreg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.facealign.feature.ConfigFeatures;
import org.facealign.feature.ResponseMaps;
import org.junit.jupiter.api.Test;

/** The training passes' batched cascade calls give each sample what the one-at-a-time calls give. */
class CanvasGroupsTest {

  @Test
  void groupsKeepTheOrderAndEndWithAShorterGroup() {
    ConfigFeatures f = DeepRegFixtures.smallFeatures();
    List<TrainingSample> samples = DeepRegFixtures.samples(f, 4, 11);
    CanvasGroups<TrainingSample> groups = CanvasGroups.ofSamples(f, 4);
    Iterator<TrainingSample> it = samples.iterator();
    List<Integer> sizes = new ArrayList<>();
    int seen = 0;
    ResponseMaps alone = new ResponseMaps(f);
    for (int n; (n = groups.next(it)) > 0; ) {
      sizes.add(n);
      for (int i = 0; i < n; i++) {
        assertSame(samples.get(seen), groups.item(i));
        assertSame(samples.get(seen).hog(), groups.hogs()[i]);
        alone.process(samples.get(seen).canvas());
        assertArrayEquals(alone.map(3), groups.maps()[i].map(3), 0f, "the maps of the item's own canvas");
        seen++;
      }
    }
    assertEquals(List.of(4, 4, 3), sizes);
    assertEquals(0, groups.next(it), "an exhausted iterator gives an empty group");
    assertThrows(IndexOutOfBoundsException.class, () -> groups.item(0));
  }

  @Test
  void trajectoryAllAndTheBatchDescriptorsEqualTheOneAtATimeCallsBitForBit() {
    ConfigFeatures f = DeepRegFixtures.smallFeatures();
    List<TrainingSample> samples = DeepRegFixtures.samples(f, 8, 7);
    for (Variant v : Variant.values()) {
      Cascade c = DeepRegFixtures.randomModel(v, f, 13).cascade();
      CanvasGroups<TrainingSample> groups = CanvasGroups.ofSamples(f, 5);
      Cascade.BatchWorkspace bws = c.batchWorkspace();
      Cascade.Workspace ws = c.workspace();
      ResponseMaps alone = new ResponseMaps(f);
      Iterator<TrainingSample> it = samples.iterator();
      int k = 0;
      double moved = 0;
      for (int n; (n = groups.next(it)) > 0; ) {
        double[][][] all = c.trajectoryAll(groups.maps(), groups.hogs(), n, bws);
        double[][] s = new double[n][2 * c.numPoints()];
        c.initialAll(groups.hogs(), s, n);
        for (int i = 0; i < n; i++, k++) {
          TrainingSample x = samples.get(k);
          alone.process(x.canvas());
          double[][] one = c.trajectory(alone, x.hog(), ws);
          assertEquals(one.length, all[i].length);
          for (int t = 0; t < one.length; t++) {
            assertArrayEquals(one[t], all[i][t], 0.0, v.kind() + " sample " + k + " after stage " + t);
          }
          moved += Math.abs(one[one.length - 1][0] - one[0][0]);
        }
        for (int t = 0; t < c.numStages(); t++) {
          double[][] before = new double[n][];
          for (int i = 0; i < n; i++) {
            before[i] = s[i].clone();
          }
          c.refineAll(t, groups.maps(), s, n, bws);
          for (int i = 0; i < n; i++) {
            alone.process(groups.sample(i).canvas());
            assertArrayEquals(c.descriptors(t, alone, before[i], ws), bws.descriptors(i), 0f,
                "the descriptors refineAll read are those at the shape it was given");
          }
        }
      }
      assertEquals(samples.size(), k);
      assertTrue(moved > 0, "the layers moved the shapes, so the comparison covers them");
    }
  }
}

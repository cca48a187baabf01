package org.facealign.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ComparisonTest {

  @Test
  void pairsFacesByIdAndCountsThoseOnlyOneEvaluationHas() {
    List<FaceResult> a = new ArrayList<>();
    List<FaceResult> b = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      a.add(new FaceResult("f" + i, "common", null, 0.05 + 0.001 * i, 0.04));
      b.add(new FaceResult("f" + i, "common", null, 0.05 + 0.001 * i + (i % 4 == 0 ? 0.002 : 0), 0.03));
    }
    a.add(new FaceResult("lost-in-b", "common", null, 0.9, 0.9)); // B failed on it
    b.add(new FaceResult("only-b", "common", null, 0.01, 0.01));
    a.add(new FaceResult("c1", "challenging", null, 0.1, 0.08));
    b.add(new FaceResult("x", "extra", null, 0.1, 0.08));
    Collections.shuffle(b, new Random(3)); // the order of the rows does not matter

    Comparison c = Comparison.of(a, b, 500, 0.95, 1);
    assertEquals(List.of("common", "challenging", "extra"), List.copyOf(c.subsets().keySet()));
    Comparison.Subset common = c.subsets().get("common");
    assertEquals(40, common.faces());
    assertEquals(1, common.onlyInA());
    assertEquals(1, common.onlyInB());
    assertEquals(List.of("lost-in-b"), common.examplesOnlyInA());
    assertEquals(List.of("only-b"), common.examplesOnlyInB());
    assertEquals(-0.002 * 10 / 40, common.ipNme().difference(), 1e-15); // 10 of 40 faces 0.002 better in A
    assertEquals(10, common.ipNme().aBetter());
    assertEquals(0, common.ipNme().bBetter());
    assertEquals(0.01, common.ioNme().difference(), 1e-15);
    assertEquals(40, common.ioNme().bBetter());
    Comparison.Subset ch = c.subsets().get("challenging");
    assertEquals(0, ch.faces());
    assertEquals(1, ch.onlyInA());
    assertNull(ch.ipNme());
    assertEquals(1, c.subsets().get("extra").onlyInB());

    Collections.shuffle(b, new Random(4));
    assertEquals(c, Comparison.of(a, b, 500, 0.95, 1), "the bootstrap sees the faces in the order of their ids");
  }
}

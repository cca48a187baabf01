package org.facealign.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.facealign.data.FaceBox;
import org.junit.jupiter.api.Test;

class BoxMapTest {

  @Test
  void applyShiftsTheCentreAndScalesTheSidesRelativeToTheBox() {
    FaceBox b = new BoxMap(0.1, -0.2, 0.8, 1.5).apply(new FaceBox(100, 200, 200, 400));
    assertEquals(160, b.centerX(), 1e-12);   // 150 + 0.1 * 100
    assertEquals(260, b.centerY(), 1e-12);   // 300 - 0.2 * 200
    assertEquals(80, b.width(), 1e-12);
    assertEquals(300, b.height(), 1e-12);
  }

  @Test
  void fitRecoversAKnownMapDespiteAFewWrongPairs() {
    BoxMap truth = new BoxMap(-0.03, 0.14, 0.83, 0.84);
    Random rnd = new Random(7);
    List<FaceBox> src = new ArrayList<>();
    List<FaceBox> dst = new ArrayList<>();
    for (int i = 0; i < 101; i++) {
      double x = rnd.nextDouble() * 500;
      double y = rnd.nextDouble() * 500;
      double s = 40 + rnd.nextDouble() * 200;
      FaceBox b = new FaceBox(x, y, x + s, y + s * (0.9 + 0.2 * rnd.nextDouble()));
      src.add(b);
      // one pair in ten: the detector framed something else
      dst.add(i % 10 == 0 ? new FaceBox(0, 0, 10, 10) : truth.apply(b));
    }
    BoxMap fit = BoxMap.fit(src, dst);
    assertEquals(truth.dx(), fit.dx(), 1e-9);
    assertEquals(truth.dy(), fit.dy(), 1e-9);
    assertEquals(truth.sw(), fit.sw(), 1e-9);
    assertEquals(truth.sh(), fit.sh(), 1e-9);
  }

  @Test
  void inverseUndoesTheMap() {
    BoxMap m = new BoxMap(0.05, 0.12, 0.8, 0.9);
    FaceBox b = new FaceBox(10, 20, 130, 160);
    FaceBox back = m.inverse().apply(m.apply(b));
    assertEquals(b.x0(), back.x0(), 1e-9);
    assertEquals(b.y0(), back.y0(), 1e-9);
    assertEquals(b.x1(), back.x1(), 1e-9);
    assertEquals(b.y1(), back.y1(), 1e-9);
  }

  @Test
  void invalidMapsAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> new BoxMap(0, 0, 0, 1));
    assertThrows(IllegalArgumentException.class, () -> new BoxMap(Double.NaN, 0, 1, 1));
    assertThrows(IllegalArgumentException.class, () -> BoxMap.of(List.of(1.0, 2.0)));
    assertThrows(IllegalArgumentException.class, () -> BoxMap.fit(List.of(), List.of()));
  }

  @Test
  void iouOfBoxes() {
    FaceBox a = new FaceBox(0, 0, 10, 10);
    assertEquals(1.0, a.iou(a), 1e-12);
    assertEquals(0.0, a.iou(new FaceBox(20, 20, 30, 30)), 1e-12);
    assertEquals(25.0 / 175.0, a.iou(new FaceBox(5, 5, 15, 15)), 1e-12);
  }
}

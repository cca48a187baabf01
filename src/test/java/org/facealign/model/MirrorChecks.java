package org.facealign.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.facealign.data.FaceBox;
import org.facealign.data.FaceWindow;
import org.facealign.data.GrayImage;
import org.facealign.data.Shape;
import org.facealign.data.SyntheticFaces;

/**
 * What {@link MirrorAveraged} must do with any model, checked on synthetic faces in large images: faces of 140 to
 * 420 pixels (so the warps halve the photograph first), boxes across the left and the right border and wholly inside.
 */
public final class MirrorChecks {
  /** Pixels: the window's offset is rounded into the model's transforms; a wrong window is off by whole pixels. */
  static final double TOL = 1e-4;

  private MirrorChecks() {}

  /** Faces and boxes to check with. */
  public record Faces(List<GrayImage> images, List<FaceBox> boxes) {}

  /** {@code n} faces of 720 x 600 images, every third box moved across the left, the right border. */
  public static Faces faces(long seed, int n) {
    SyntheticFaces gen = new SyntheticFaces(seed, new SyntheticFaces.Options(720, 0.2, 0.6, 10, 3.0, 0.01));
    List<GrayImage> images = new ArrayList<>();
    List<FaceBox> boxes = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      SyntheticFaces.SyntheticFace f = gen.next();
      GrayImage img = f.image().crop(0, 60, 720, 600);
      FaceBox b = f.detectorBox().translate(0, -60);
      if (i % 3 == 1) {
        b = b.translate(-b.x0() - 0.3 * b.width(), 0);
      } else if (i % 3 == 2) {
        b = b.translate(img.width() - 1 - b.x1() + 0.3 * b.width(), 0);
      }
      images.add(img);
      boxes.add(b);
    }
    return new Faces(images, boxes);
  }

  /**
   * The model's prediction from the {@link FaceWindow} around its footprint is its prediction from the whole
   * photograph, averaged or not; mirror averaging of {@code model} equals its definition with the whole photograph
   * mirrored, one face per call and in one call; its predictions are mirror-symmetric (the averaged landmarks of the
   * mirrored face are the mirrored averaged landmarks); and the mirrored prediction differs from the direct one, so
   * the average is not trivially it.
   */
  public static void check(LandmarkModel model, Faces faces) {
    LandmarkModel averaged = MirrorAveraged.of(model, true);
    assertTrue(averaged instanceof MirrorAveraged);
    assertTrue(MirrorAveraged.of(model, false) == model, "off: the model itself");
    int[] flipMap = model.header().scheme().flipMap();
    List<Shape> all = averaged.predictAll(faces.images(), faces.boxes());
    assertEquals(faces.images().size(), all.size());
    double apart = 0;
    for (int i = 0; i < faces.images().size(); i++) {
      GrayImage img = faces.images().get(i);
      FaceBox box = faces.boxes().get(i);
      int w = img.width();
      Shape direct = model.predict(img, box);
      Shape mirrored = model.predict(img.flipHorizontal(), box.flipHorizontal(w)).flipHorizontal(w, flipMap);
      Shape want = MirrorAveraged.average(direct, mirrored);
      String where = "face " + i + " box " + box;
      assertArrayEquals(want.toArray(), averaged.predict(img, box).toArray(), TOL, where);
      assertArrayEquals(want.toArray(), all.get(i).toArray(), TOL, where + " in one call");
      FaceWindow window = FaceWindow.around(model.footprint(box), w, img.height());
      assertTrue(window.width() < w || window.height() < img.height() || box.width() > w / 3.0, where + " " + window);
      assertArrayEquals(direct.toArray(),
          window.fromWindow(model.predict(window.cut(img), window.toWindow(box))).toArray(), TOL, where + " windowed");
      // mirror averaging of the window the averaged model reads is that of the whole photograph too
      FaceWindow both = FaceWindow.around(averaged.footprint(box), w, img.height());
      assertArrayEquals(want.toArray(),
          both.fromWindow(averaged.predict(both.cut(img), both.toWindow(box))).toArray(), TOL,
          where + " windowed, averaged");
      Shape ofMirror = averaged.predict(img.flipHorizontal(), box.flipHorizontal(w));
      assertArrayEquals(want.flipHorizontal(w, flipMap).toArray(), ofMirror.toArray(), TOL, where + " mirrored");
      for (int k = 0; k < direct.numPoints(); k++) {
        apart = Math.max(apart, direct.pointDistance(mirrored, k));
      }
    }
    assertTrue(apart > 100 * TOL, "the mirrored face's landmarks differ from the face's: " + apart);
  }
}

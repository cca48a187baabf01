package org.facealign.model;

import java.util.ArrayList;
import java.util.List;
import org.facealign.data.FaceBox;
import org.facealign.data.GrayImage;
import org.facealign.data.Shape;

/**
 * Mirror averaging at test time: a model's landmarks of a face, averaged point by point with the mirror image of its
 * landmarks of the mirrored face (renumbered by the scheme's flip map, so that each left-eye point is averaged with the
 * left-eye point). The two predictions err partly independently, as two models would; the cost is a second
 * prediction per face. Test-time flipping is the usual last step of CNN landmark detectors' evaluations (e.g. Sun et
 * al., "Deep high-resolution representation learning for visual recognition", 2019); DeepReg's and MSRRN's papers do
 * not use it.
 *
 * <p>Only the part of the photograph around the box is mirrored: the box widened by {@link #MARGIN} of its side on
 * every side, its corners moved outwards onto multiples of {@link #ALIGN} pixels of the mirrored photograph. The
 * models read nothing beyond that margin and the warp's 2x2 halvings start on multiples of a power of two of the
 * photograph, so the result is the one the whole photograph mirrored gives, up to the rounding of the window's offset
 * (tests check both network models to 1e-4 pixel), for a copy of at most nine box areas, not of the photograph.
 */
public final class MirrorAveraged implements BatchedLandmarkModel {
  /** How far beyond the box, in box sides, the mirrored window reaches on every side. */
  static final double MARGIN = 1.0;
  /** The window's corners lie on multiples of this many pixels of the mirrored photograph (2^6: six halvings). */
  static final int ALIGN = 64;

  private final LandmarkModel model;
  private final int[] flipMap;

  private MirrorAveraged(LandmarkModel model) {
    this.model = model;
    this.flipMap = model.header().scheme().flipMap();
  }

  /** {@code model} with mirror averaging when {@code mirrorAverage}, else {@code model} itself. */
  public static LandmarkModel of(LandmarkModel model, boolean mirrorAverage) {
    return mirrorAverage && !(model instanceof MirrorAveraged) ? new MirrorAveraged(model) : model;
  }

  /** The model whose predictions are averaged. */
  public LandmarkModel model() {
    return model;
  }

  @Override
  public ModelHeader header() {
    return model.header();
  }

  /** The faces and their mirrors go through the model in one call, so a model that batches batches both. */
  @Override
  public List<Shape> predictAll(List<GrayImage> images, List<FaceBox> boxes) {
    LandmarkModel.checkPaired(images, boxes);
    int n = images.size();
    List<GrayImage> allImages = new ArrayList<>(2 * n);
    List<FaceBox> allBoxes = new ArrayList<>(2 * n);
    allImages.addAll(images);
    allBoxes.addAll(boxes);
    Window[] windows = new Window[n];
    for (int i = 0; i < n; i++) {
      windows[i] = Window.around(images.get(i), boxes.get(i));
      allImages.add(windows[i].mirrored(images.get(i)));
      allBoxes.add(boxes.get(i).flipHorizontal(images.get(i).width()).translate(-windows[i].x0, -windows[i].y0));
    }
    List<Shape> shapes = model.predictAll(allImages, allBoxes);
    List<Shape> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      Shape mirrored = shapes.get(n + i).translate(windows[i].x0, windows[i].y0)
          .flipHorizontal(images.get(i).width(), flipMap);
      out.add(average(shapes.get(i), mirrored));
    }
    return out;
  }

  /** The point-by-point mean of two shapes with the same points. */
  static Shape average(Shape a, Shape b) {
    double[] p = a.toArray();
    double[] q = b.toArray();
    for (int k = 0; k < p.length; k++) {
      p[k] = 0.5 * (p[k] + q[k]);
    }
    return Shape.of(p);
  }

  /**
   * The window of the mirrored photograph that is copied: top-left pixel {@code (x0, y0)} and size in that
   * photograph's coordinates (x' = width - 1 - x).
   */
  record Window(int x0, int y0, int width, int height) {
    static Window around(GrayImage image, FaceBox box) {
      FaceBox m = box.flipHorizontal(image.width()).expand(MARGIN);
      int x0 = down(m.x0(), image.width());
      int y0 = down(m.y0(), image.height());
      int x1 = up(m.x1(), image.width());
      int y1 = up(m.y1(), image.height());
      return new Window(x0, y0, Math.max(1, x1 - x0), Math.max(1, y1 - y0));
    }

    /** The first pixel at or before {@code v} on a multiple of {@link #ALIGN}, inside [0, size). */
    private static int down(double v, int size) {
      double c = Math.max(0, Math.min(v, size - 1));
      return (int) Math.floor(c / ALIGN) * ALIGN;
    }

    /** The end (exclusive) at or after pixel {@code v} on a multiple of {@link #ALIGN}, at most {@code size}. */
    private static int up(double v, int size) {
      double c = Math.max(0, Math.min(v, size - 1));
      return (int) Math.min(size, (Math.floor(c / ALIGN) + 1) * ALIGN);
    }

    /** This window of {@code image} mirrored. */
    GrayImage mirrored(GrayImage image) {
      return image.flipHorizontal(x0, y0, width, height);
    }
  }
}

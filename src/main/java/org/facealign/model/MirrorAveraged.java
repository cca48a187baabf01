package org.facealign.model;

import java.util.ArrayList;
import java.util.List;
import org.facealign.data.FaceBox;
import org.facealign.data.FaceWindow;
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
 * <p>Only the part of the photograph the model reads for the mirrored box ({@link LandmarkModel#footprint}) is
 * mirrored: a {@link FaceWindow} of the mirrored photograph, whose edges lie on the multiples of a power of two the
 * warp's halvings start on, counted from either side, so the result is the one the whole photograph mirrored gives,
 * up to the rounding of the window's offset (tests check both network models to 1e-4 pixel), for a copy of about the
 * canvas's part of the photograph; and given such a window of a photograph instead of the photograph, it gives the
 * photograph's result too. A model that may read anywhere gets the whole photograph mirrored.
 */
public final class MirrorAveraged implements BatchedLandmarkModel {
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
    FaceWindow[] windows = new FaceWindow[n];
    for (int i = 0; i < n; i++) {
      GrayImage image = images.get(i);
      FaceBox flipped = boxes.get(i).flipHorizontal(image.width());
      windows[i] = FaceWindow.around(model.footprint(flipped), image.width(), image.height());
      allImages.add(windows[i].cutMirrored(image));
      allBoxes.add(windows[i].toWindow(flipped));
    }
    List<Shape> shapes = model.predictAll(allImages, allBoxes);
    List<Shape> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      Shape mirrored = windows[i].fromWindow(shapes.get(n + i)).flipHorizontal(images.get(i).width(), flipMap);
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
   * What the model reads for the face and, mirrored back, for its mirror: the mirror of the photograph's footprint
   * does not depend on the photograph's width for a model whose footprint moves with its box (the canvas does), so
   * the mirror is taken about an arbitrary axis.
   */
  @Override
  public FaceBox footprint(FaceBox box) {
    FaceBox direct = model.footprint(box);
    FaceBox ofMirror = model.footprint(box.flipHorizontal(0));
    if (direct == null || ofMirror == null) {
      return null;
    }
    return direct.union(ofMirror.flipHorizontal(0));
  }
}

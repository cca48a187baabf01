package org.facealign.model;

import java.util.List;
import org.facealign.data.FaceBox;
import org.facealign.data.GrayImage;
import org.facealign.data.Shape;

/**
 * A model whose own code path is {@link #predictAll}: one face is a batch of one, so single faces and batches cannot
 * drift apart.
 */
public interface BatchedLandmarkModel extends LandmarkModel {
  @Override
  default Shape predict(GrayImage image, FaceBox box) {
    return predictAll(List.of(image), List.of(box)).get(0);
  }

  @Override
  List<Shape> predictAll(List<GrayImage> images, List<FaceBox> boxes);
}

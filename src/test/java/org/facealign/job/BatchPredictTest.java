package org.facealign.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.facealign.data.FaceBox;
import org.facealign.data.GrayImage;
import org.facealign.data.ImageDecoder;
import org.facealign.data.LandmarkScheme;
import org.facealign.data.Shape;
import org.facealign.data.Storage;
import org.facealign.data.SyntheticFaces;
import org.facealign.model.LandmarkModel;
import org.facealign.model.ModelHeader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Evaluation's batched prediction: every face accounted for, and only the faulty ones fail. */
class BatchPredictTest {

  /** Predicts the true landmarks of known boxes; fails on one box (and so fails any batch holding it). */
  record Oracle(Map<FaceBox, Shape> truth, FaceBox faulty) implements LandmarkModel {
    @Override
    public ModelHeader header() {
      throw new UnsupportedOperationException("not needed here");
    }

    @Override
    public Shape predict(GrayImage image, FaceBox box) {
      if (box.equals(faulty)) {
        throw new IllegalStateException("cannot predict this face");
      }
      return truth.get(box);
    }
  }

  @Test
  void unreadableAndFaultyFacesFailAloneTheOthersArePredicted(@TempDir Path dir) throws Exception {
    SyntheticFaces gen = new SyntheticFaces(4L, SyntheticFaces.Options.defaults());
    List<PreparedFace> faces = new ArrayList<>();
    Map<FaceBox, Shape> truth = new HashMap<>();
    for (int i = 0; i < 5; i++) {
      SyntheticFaces.SyntheticFace f = gen.next();
      Path img = dir.resolve("face" + i + ".png");
      if (i != 1) { // face 1's image is missing
        Files.write(img, ImageDecoder.encode(f.image(), "png"));
      }
      // distinct boxes, so the oracle can tell the faces apart
      FaceBox box = new FaceBox(f.detectorBox().x0() + i * 1e-3, f.detectorBox().y0(), f.detectorBox().x1(),
          f.detectorBox().y1());
      truth.put(box, f.landmarks());
      faces.add(new PreparedFace("face" + i, "common", img.toString(), null, "h" + i, f.image().width(),
          f.image().height(), box, f.landmarks()));
    }
    LandmarkModel m = new Oracle(truth, faces.get(3).box());
    List<EvaluateJob.Outcome> out = EvaluateJob.predict(faces, m, Storage.local(), new org.facealign.data.FaceReader.Limits(1 << 24, 1L << 26),
        LandmarkScheme.IBUG_68);
    assertEquals(faces.size(), out.size());
    Map<String, EvaluateJob.Outcome> byId = new HashMap<>();
    for (EvaluateJob.Outcome o : out) {
      byId.put(o.result() != null ? o.result().faceId() : o.failure().faceId(), o);
    }
    for (int i : new int[] {0, 2, 4}) {
      EvaluateJob.Outcome o = byId.get("face" + i);
      assertNull(o.failure(), "face " + i);
      assertEquals(0, o.result().ipNme(), 1e-12, "face " + i + " predicted by its own shape");
    }
    assertTrue(byId.get("face1").failure().source().endsWith("face1.png"), byId.get("face1").failure().toString());
    assertTrue(byId.get("face3").failure().reason().contains("cannot predict this face"),
        byId.get("face3").failure().toString());
  }
}

package org.facealign.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
    List<String> log = new ArrayList<>();
    List<EvaluateJob.Outcome> out;
    try (LogCapture c = LogCapture.of(EvaluateJob.class, log)) {
      out = EvaluateJob.predict(faces, m, Storage.local(), new org.facealign.data.FaceReader.Limits(1 << 24, 1L << 26),
          LandmarkScheme.IBUG_68);
    }
    // the failed batch is logged once, naming its 4 readable faces and the reason
    assertEquals(1, log.size(), log.toString());
    assertTrue(log.get(0).startsWith("WARN evaluate: the prediction of a batch of 4 faces failed (IllegalStateException: cannot "
        + "predict this face); predicting them one by one: face0 (" + dir.resolve("face0.png") + "), face2 ("), log.get(0));
    assertTrue(log.get(0).endsWith("face4 (" + dir.resolve("face4.png") + ")"), log.get(0));
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
    // the 4 faces of the failed batch were predicted alone; the unreadable one never reached the model
    for (int i : new int[] {0, 2, 3, 4}) {
      assertTrue(byId.get("face" + i).alone(), "face " + i);
    }
    assertFalse(byId.get("face1").alone());
  }

  @Test
  void aBatchThatSucceedsIsNotRetriedAndOneWithTooFewShapesIs(@TempDir Path dir) throws Exception {
    SyntheticFaces gen = new SyntheticFaces(6L, SyntheticFaces.Options.defaults());
    List<PreparedFace> faces = new ArrayList<>();
    Map<FaceBox, Shape> truth = new HashMap<>();
    for (int i = 0; i < 3; i++) {
      SyntheticFaces.SyntheticFace f = gen.next();
      Path img = dir.resolve("f" + i + ".png");
      Files.write(img, ImageDecoder.encode(f.image(), "png"));
      FaceBox box = new FaceBox(f.detectorBox().x0() + i * 1e-3, f.detectorBox().y0(), f.detectorBox().x1(),
          f.detectorBox().y1());
      truth.put(box, f.landmarks());
      faces.add(new PreparedFace("f" + i, "common", img.toString(), null, "h" + i, f.image().width(),
          f.image().height(), box, f.landmarks()));
    }
    org.facealign.data.FaceReader.Limits limits = new org.facealign.data.FaceReader.Limits(1 << 24, 1L << 26);
    List<String> log = new ArrayList<>();
    try (LogCapture c = LogCapture.of(EvaluateJob.class, log)) {
      List<EvaluateJob.Outcome> out = EvaluateJob.predict(faces, new Oracle(truth, null), Storage.local(), limits,
          LandmarkScheme.IBUG_68);
      assertEquals(3, out.stream().filter(o -> o.result() != null && !o.alone()).count());
      assertEquals(List.of(), log);
      // a model whose batch prediction drops a face: the batch counts as failed, every face is predicted alone
      out = EvaluateJob.predict(faces, new ShortBatches(new Oracle(truth, null)), Storage.local(), limits,
          LandmarkScheme.IBUG_68);
      assertEquals(3, out.stream().filter(o -> o.result() != null && o.alone()).count());
      assertEquals(1, log.size(), log.toString());
      assertTrue(log.get(0).contains("batch of 3 faces failed (IllegalStateException: the model gave 2 shapes for 3 "
          + "faces)"), log.get(0));
    }
  }

  /**
   * Places fixed box-frame landmarks in the box it is given, reads the pixels within a quarter of the box's side
   * around it, and records the size of every image it is handed.
   */
  record BoxFrame(Shape inBoxFrame, List<int[]> sizes, boolean failBatches) implements LandmarkModel {
    @Override
    public ModelHeader header() {
      throw new UnsupportedOperationException("not needed here");
    }

    @Override
    public FaceBox footprint(FaceBox box) {
      return box.expand(0.25);
    }

    @Override
    public Shape predict(GrayImage image, FaceBox box) {
      sizes.add(new int[] {image.width(), image.height()});
      return inBoxFrame.fromBoxFrame(box);
    }

    @Override
    public List<Shape> predictAll(List<GrayImage> images, List<FaceBox> boxes) {
      if (failBatches) {
        throw new IllegalStateException("no batches");
      }
      return LandmarkModel.super.predictAll(images, boxes);
    }
  }

  @Test
  void eachFaceIsPredictedFromTheWindowItsModelReadsNotFromItsWholePhotograph(@TempDir Path dir) throws Exception {
    SyntheticFaces gen = new SyntheticFaces(8L, SyntheticFaces.Options.defaults());
    List<PreparedFace> faces = new ArrayList<>();
    Shape inBoxFrame = null;
    for (int i = 0; i < 3; i++) {
      SyntheticFaces.SyntheticFace f = gen.next();
      // the face placed at another spot of a larger photograph each time
      int ox = 100 + 250 * i;
      int oy = 300 - 100 * i;
      GrayImage photo = org.facealign.data.ImageWarp.warp(f.image(),
          new org.facealign.data.SimilarityTransform(1, 0, ox, oy), 1000, 700);
      Path img = dir.resolve("p" + i + ".png");
      Files.write(img, ImageDecoder.encode(photo, "png"));
      FaceBox box = f.detectorBox().translate(ox, oy);
      Shape truth = f.landmarks().translate(ox, oy);
      if (inBoxFrame == null) {
        inBoxFrame = truth.toBoxFrame(box);
      }
      faces.add(new PreparedFace("p" + i, "common", img.toString(), null, "h" + i, 1000, 700, box,
          inBoxFrame.fromBoxFrame(box)));
    }
    for (boolean failBatches : new boolean[] {false, true}) {
      List<int[]> sizes = new ArrayList<>();
      List<EvaluateJob.Outcome> out;
      try (LogCapture c = LogCapture.of(EvaluateJob.class, new ArrayList<>())) {
        out = EvaluateJob.predict(faces, new BoxFrame(inBoxFrame, sizes, failBatches), Storage.local(),
            new org.facealign.data.FaceReader.Limits(1 << 24, 1L << 26), LandmarkScheme.IBUG_68);
      }
      assertEquals(3, out.size());
      for (EvaluateJob.Outcome o : out) {
        assertNull(o.failure());
        assertEquals(failBatches, o.alone());
        // the landmarks come back to the photograph's coordinates, from the batch or predicted alone
        assertEquals(0, o.result().ipNme(), 1e-9, o.result().faceId() + (failBatches ? " alone" : ""));
      }
      assertEquals(3, sizes.size());
      for (int[] wh : sizes) {
        assertTrue(wh[0] * wh[1] < 1000 * 700 / 3, wh[0] + "x" + wh[1] + " of a 1000x700 photograph");
      }
    }
  }

  /** A model whose batch prediction leaves out the last face. */
  record ShortBatches(LandmarkModel inner) implements LandmarkModel {
    @Override
    public ModelHeader header() {
      return inner.header();
    }

    @Override
    public Shape predict(GrayImage image, FaceBox box) {
      return inner.predict(image, box);
    }

    @Override
    public List<Shape> predictAll(List<GrayImage> images, List<FaceBox> boxes) {
      List<Shape> all = inner.predictAll(images, boxes);
      return all.subList(0, all.size() - 1);
    }
  }
}

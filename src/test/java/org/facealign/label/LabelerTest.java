package org.facealign.label;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;
import org.facealign.config.FacealignConfig;
import org.facealign.data.FaceBox;
import org.facealign.data.FaceReader;
import org.facealign.data.GrayImage;
import org.facealign.data.Hashes;
import org.facealign.data.ImageDecoder;
import org.facealign.data.LandmarkScheme;
import org.facealign.data.Shape;
import org.facealign.data.Storage;
import org.facealign.data.SyntheticFaces;
import org.facealign.detect.CascadeDetector;
import org.facealign.model.LandmarkModel;
import org.facealign.model.MeanShapeModel;
import org.facealign.model.ModelHeader;
import org.facealign.model.Provenance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The labeller without Spark: crops change nothing, every input gets one status, failures are named. */
class LabelerTest {
  static final FacealignConfig CFG = FacealignConfig.defaults();
  static final Labeler.Settings SETTINGS = new Labeler.Settings(CFG.detect(), CFG.label(),
      new FaceReader.Limits(1L << 20, 4_000_000));

  static ModelHeader header(String kind) {
    return new ModelHeader(kind, LandmarkScheme.IBUG_68, "detector", 0.1,
        Provenance.now("h", 1, 1, "c", "facealign {}"));
  }

  static MeanShapeModel meanModel() {
    return new MeanShapeModel(header("mean"), SyntheticFaces.TEMPLATE, 1);
  }

  /**
   * A model whose answer depends on the pixels: landmark i is the brightest pixel of cell i of a 9 x 8 grid over the
   * box. Any change of the pixels it sees, or of their coordinates, changes its answer.
   */
  static class BrightestPixelModel implements LandmarkModel {
    @Override
    public ModelHeader header() {
      return LabelerTest.header("brightest");
    }

    @Override
    public Shape predict(GrayImage image, FaceBox box) {
      double[] xy = new double[136];
      for (int i = 0; i < 68; i++) {
        int cx = i % 9;
        int cy = i / 9;
        int x0 = (int) (box.x0() + cx * box.width() / 9);
        int y0 = (int) (box.y0() + cy * box.height() / 8);
        int x1 = (int) (box.x0() + (cx + 1) * box.width() / 9);
        int y1 = (int) (box.y0() + (cy + 1) * box.height() / 8);
        float best = -1;
        xy[2 * i] = x0; // a cell outside the image: its corner
        xy[2 * i + 1] = y0;
        for (int y = Math.max(0, y0); y < Math.min(image.height(), y1); y++) {
          for (int x = Math.max(0, x0); x < Math.min(image.width(), x1); x++) {
            if (image.get(x, y) > best) {
              best = image.get(x, y);
              xy[2 * i] = x;
              xy[2 * i + 1] = y;
            }
          }
        }
      }
      return Shape.of(xy);
    }
  }

  @Test
  void keepingOnlyTheRegionAroundEachFaceChangesNoPrediction(@TempDir Path dir) throws Exception {
    Random rnd = new Random(3);
    float[] px = new float[640 * 480];
    for (int i = 0; i < px.length; i++) {
      px[i] = rnd.nextInt(256);
    }
    GrayImage img = GrayImage.wrap(640, 480, px);
    Path file = dir.resolve("noise.png");
    Files.write(file, ImageDecoder.encode(img, "png"));
    GrayImage decoded = ImageDecoder.decode(Files.readAllBytes(file), "noise", 1L << 30);
    List<FaceBox> boxes = List.of(new FaceBox(300.5, 200.25, 420, 330), new FaceBox(-20, -10, 90, 100),
        new FaceBox(560, 400, 700, 520));
    LandmarkModel m = new BrightestPixelModel();
    ImageLabel l = new Labeler(m, Storage.local(), SETTINGS, () -> null)
        .label(List.of(LabelInput.named(file.toString(), boxes))).get(0);
    assertEquals(ImageLabel.FACES, l.status());
    assertEquals(3, l.faceCount());
    for (int f = 0; f < 3; f++) {
      assertEquals(m.predict(decoded, boxes.get(f)), l.faces().get(f).landmarks(), "face " + f);
      assertNull(l.faces().get(f).detectorStage());
    }
    assertEquals(Hashes.sha256(Files.readAllBytes(file)), l.sha256());
  }

  @Test
  void aLargeFaceIsPredictedFromItsRegionAsFromTheWholePhoto(@TempDir Path dir) throws Exception {
    // a synthetic face 5 times larger, far from the photo's corner: the model halves the photo to bring the face to
    // its canvas, which gives other pixels from a region starting on an odd pixel than from the whole photo
    SyntheticFaces.SyntheticFace face = new SyntheticFaces(9, SyntheticFaces.Options.defaults()).next();
    GrayImage small = face.image();
    GrayImage big = org.facealign.data.ImageWarp.warp(small,
        new org.facealign.data.SimilarityTransform(5, 0, 301, 403), small.width() * 5 + 700, small.height() * 5 + 800);
    FaceBox d = face.detectorBox();
    FaceBox box = new FaceBox(5 * d.x0() + 301, 5 * d.y0() + 403, 5 * d.x1() + 301, 5 * d.y1() + 403);
    Path file = dir.resolve("large.png");
    Files.write(file, ImageDecoder.encode(big, "png"));
    GrayImage decoded = ImageDecoder.decode(Files.readAllBytes(file), "large", 1L << 30);
    LandmarkModel m = org.facealign.model.deepreg.DeepRegFixtures.randomModel(
        org.facealign.model.deepreg.Variant.DEEPREG, org.facealign.model.deepreg.DeepRegFixtures.smallFeatures(), 3);
    Shape whole = m.predict(decoded, box);
    assertTrue(box.x0() - 0.7 * box.width() > 1 && box.y0() - 0.7 * box.height() > 1, "regions inside the photo");
    for (double margin : new double[] {0.5, 0.7}) {
      Labeler.Settings s = new Labeler.Settings(CFG.detect(),
          FacealignConfig.load(null, Map.of("label.crop-margin", Double.toString(margin))).label(), SETTINGS.limits());
      ImageLabel l = new Labeler(m, Storage.local(), s, () -> null)
          .label(List.of(LabelInput.named(file.toString(), List.of(box)))).get(0);
      assertEquals(ImageLabel.FACES, l.status(), l.reason());
      Shape fromRegion = l.faces().get(0).landmarks();
      for (int i = 0; i < 68; i++) {
        assertEquals(whole.x(i), fromRegion.x(i), 1e-6, "margin " + margin + ", landmark " + i);
        assertEquals(whole.y(i), fromRegion.y(i), 1e-6, "margin " + margin + ", landmark " + i);
      }
    }
  }

  @Test
  void theRegionKeptHoldsWhatTheModelReadsEvenBeyondTheCropMargin() {
    // a canvas margin of 1.5 face sides: the model reads further than crop-margin 0.5 reaches
    LandmarkModel wide = org.facealign.model.deepreg.DeepRegFixtures.randomModel(
        org.facealign.model.deepreg.Variant.DEEPREG,
        org.facealign.feature.ConfigFeatures.builder().siftCells(2).margin(1.5).build(), 3);
    Labeler.Settings s = new Labeler.Settings(CFG.detect(),
        FacealignConfig.load(null, Map.of("label.crop-margin", "0.5")).label(), SETTINGS.limits());
    GrayImage photo = GrayImage.wrap(3000, 2000, new float[3000 * 2000]);
    FaceBox small = new FaceBox(1450, 950, 1550, 1050);
    org.facealign.data.FaceWindow kept = new Labeler(wide, Storage.local(), s, () -> null).crop(photo, small).window();
    FaceBox reads = wide.footprint(small);
    assertTrue(reads.x0() < small.x0() - 0.5 * small.width() - 50, "the model reads beyond the crop margin: " + reads);
    assertTrue(kept.x0() <= reads.x0() && kept.y0() <= reads.y0() && kept.x0() + kept.width() > reads.x1()
        && kept.y0() + kept.height() > reads.y1(), kept + " holds " + reads);
    assertTrue(kept.width() < 3000 && kept.height() < 2000, kept.toString());
    // with the default canvas and crop margin, the crop margin is the wider: the box grown by 1 on the 64 grid
    org.facealign.data.FaceWindow usual = new Labeler(org.facealign.model.deepreg.DeepRegFixtures.randomModel(
        org.facealign.model.deepreg.Variant.DEEPREG, org.facealign.model.deepreg.DeepRegFixtures.smallFeatures(), 3),
        Storage.local(), SETTINGS, () -> null).crop(photo, new FaceBox(1400, 900, 1600, 1100)).window();
    assertEquals(new org.facealign.data.FaceWindow(1152, 640, 1848 - 1152, 1360 - 640), usual);
  }

  @Test
  void aBatchIsAlignedEarlyOnceItsFaceRegionsReachBatchPixelsWithTheSameLabels(@TempDir Path dir) throws Exception {
    // ten 640 x 480 photos, each with a box whose region (crop-margin 1) is the whole photo: 307200 pixels held each
    Random rnd = new Random(5);
    List<LabelInput> inputs = new ArrayList<>();
    for (int k = 0; k < 10; k++) {
      float[] px = new float[640 * 480];
      for (int i = 0; i < px.length; i++) {
        px[i] = rnd.nextInt(256);
      }
      Path file = dir.resolve("portrait" + k + ".png");
      Files.write(file, ImageDecoder.encode(GrayImage.wrap(640, 480, px), "png"));
      inputs.add(LabelInput.named(file.toString(), List.of(new FaceBox(200 + k, 150, 440, 330))));
    }
    List<Integer> calls = new ArrayList<>();
    LandmarkModel counting = new BrightestPixelModel() {
      @Override
      public List<Shape> predictAll(List<GrayImage> images, List<FaceBox> boxes) {
        calls.add(images.size());
        return super.predictAll(images, boxes);
      }
    };
    Labeler.Settings small = new Labeler.Settings(CFG.detect(),
        FacealignConfig.load(null, Map.of("label.batch-pixels", "1000000")).label(), SETTINGS.limits());
    List<ImageLabel> early = new Labeler(counting, Storage.local(), small, () -> null).label(inputs);
    // 4 regions (1228800 pixels) reach the million: batches of 4, 4 and 2 faces instead of one of 10
    assertEquals(List.of(4, 4, 2), calls);
    calls.clear();
    List<ImageLabel> whole = new Labeler(counting, Storage.local(), SETTINGS, () -> null).label(inputs);
    assertEquals(List.of(10), calls);
    assertEquals(whole.size(), early.size());
    for (int k = 0; k < whole.size(); k++) {
      assertEquals(ImageLabel.FACES, early.get(k).status(), early.get(k).reason());
      assertEquals(whole.get(k).faces().get(0).landmarks(), early.get(k).faces().get(0).landmarks(), "photo " + k);
      assertEquals(whole.get(k).sha256(), early.get(k).sha256());
    }
  }

  @Test
  void aGivenBoxTooLargeToFormARegionIsTheInputsFailure(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("grey.png");
    Files.write(file, ImageDecoder.encode(GrayImage.wrap(64, 48, new float[64 * 48]), "png"));
    ImageLabel l = new Labeler(meanModel(), Storage.local(), SETTINGS, () -> null)
        .label(List.of(LabelInput.named(file.toString(), List.of(new FaceBox(0, 0, 1e308, 1e308))))).get(0);
    assertEquals(ImageLabel.FAILED, l.status());
    assertEquals("input", l.stage(), l.reason());
    assertTrue(l.reason().startsWith("box "), l.reason());
  }

  @Test
  void everyBadInputGetsOneFailureNamingItsStepAndReason(@TempDir Path dir) throws Exception {
    BufferedImage pic = ImageIO.read(TestPaths.w300().resolve("helen/trainset/100032540_1.jpg").toFile());
    Map<String, byte[]> hostile = org.facealign.data.ImageKinds.hostile(pic);
    List<LabelInput> inputs = new ArrayList<>();
    for (Map.Entry<String, byte[]> e : hostile.entrySet()) {
      Files.write(dir.resolve(e.getKey()), e.getValue());
      inputs.add(LabelInput.named(dir.resolve(e.getKey()).toString(), null));
    }
    Files.write(dir.resolve("big.jpg"), new byte[(1 << 20) + 1]);
    inputs.add(LabelInput.named(dir.resolve("big.jpg").toString(), null));
    inputs.add(LabelInput.named(dir.resolve("missing.jpg").toString(), null));
    inputs.add(LabelInput.broken(dir.resolve("x.jpg").toString(), "list.txt:3: a bad line"));
    List<ImageLabel> out;
    try (CascadeDetector d = new CascadeDetector(CFG.detect())) {
      out = new Labeler(meanModel(), Storage.local(), SETTINGS, () -> d).label(inputs);
    }
    assertEquals(inputs.size(), out.size());
    LabelTally t = new LabelTally();
    out.forEach(t::add);
    t.checkBalanced();
    assertEquals(inputs.size(), t.failed);
    Map<String, String> codes = org.facealign.data.ImageKinds.hostileCodes();
    int i = 0;
    for (String name : hostile.keySet()) {
      assertEquals("decode", out.get(i).stage(), name);
      assertEquals(codes.get(name), out.get(i).code(), name + ": " + out.get(i).reason());
      assertNotNull(out.get(i).sha256(), "read and hashed before decoding");
      i++;
    }
    assertEquals("read: file_too_large", out.get(i).stage() + ": " + out.get(i++).code());
    assertEquals("read: file_not_found", out.get(i).stage() + ": " + out.get(i++).code());
    assertEquals("input", out.get(i).stage());
    assertEquals("list.txt:3: a bad line", out.get(i).reason());
    assertEquals(1, t.failedByReason.get("decode: corrupt_image"));
  }

  @Test
  void detectsMapsReboxesAndChecksAgainstTheAnnotation() {
    Path img = TestPaths.w300().resolve("helen/trainset/100032540_1.jpg");
    Path pts = TestPaths.w300().resolve("helen/trainset/100032540_1.pts");
    ImageLabel l;
    try (CascadeDetector d = new CascadeDetector(CFG.detect())) {
      l = new Labeler(meanModel(), Storage.local(), SETTINGS, () -> d)
          .label(List.of(LabelInput.listed(img.toString(), -1, pts.toString(), null, "helen/trainset"))).get(0);
    }
    assertEquals(ImageLabel.FACES, l.status());
    ImageLabel.Face f = l.faces().get(0);
    assertEquals("frontal", f.detectorStage());
    assertTrue(f.reboxed());
    assertTrue(f.score() >= 3);
    assertTrue(l.truth().bestIou() >= 0.5, "IoU " + l.truth().bestIou());
    assertTrue(l.truth().ipNme() > 0 && l.truth().ipNme() < 0.5, "NME " + l.truth().ipNme());
    assertEquals("helen/trainset", l.truth().group());
    LabelTally t = LabelTally.of(l);
    assertEquals(1, t.truth.get("helen/trainset").found03);
  }

  @Test
  void anAnnotationOfTheStoredFrameIsComparedWhereTheRotatedImageShowsIt(@TempDir Path dir) throws Exception {
    Path img = TestPaths.w300().resolve("helen/trainset/100032540_1.jpg");
    Path pts = TestPaths.w300().resolve("helen/trainset/100032540_1.pts");
    BufferedImage rgb = ImageIO.read(img.toFile());
    // stored turned 90° clockwise, EXIF orientation 8 to show it upright; its annotation in the stored frame
    Path turned = dir.resolve("turned.jpg");
    Files.write(turned, org.facealign.data.ImageKinds.withExifOrientation(
        org.facealign.data.ImageKinds.jpeg(org.facealign.data.ImageKinds.rotateClockwise(rgb), false), 8));
    Shape upright = org.facealign.data.PtsFormat.parse(Files.readString(pts), pts.toString(), 68);
    double[] xy = new double[136];
    for (int i = 0; i < 68; i++) {
      xy[2 * i] = rgb.getHeight() - 1 - upright.y(i);
      xy[2 * i + 1] = upright.x(i);
    }
    Path turnedPts = dir.resolve("turned.pts");
    Files.writeString(turnedPts, org.facealign.data.PtsFormat.format(Shape.of(xy)));
    Path plain = dir.resolve("plain.jpg");
    Files.write(plain, org.facealign.data.ImageKinds.jpeg(rgb, false));
    List<ImageLabel> l;
    try (CascadeDetector d = new CascadeDetector(CFG.detect())) {
      l = new Labeler(meanModel(), Storage.local(), SETTINGS, () -> d).label(List.of(
          LabelInput.listed(plain.toString(), -1, pts.toString(), null, "g"),
          LabelInput.listed(turned.toString(), -1, turnedPts.toString(), null, "g")));
    }
    assertEquals(ImageLabel.FACES, l.get(1).status(), String.valueOf(l.get(1).reason()));
    assertNotNull(l.get(1).truth(), "the annotation is not refused as outside the image");
    assertTrue(l.get(1).truth().bestIou() >= 0.5, "IoU " + l.get(1).truth().bestIou());
    // the same face; the two JPEG encodings differ a little in their pixels, so the detector's box does too
    assertEquals(l.get(0).truth().ipNme(), l.get(1).truth().ipNme(), 0.01);
  }

  @Test
  void aFaceTheModelCannotPredictFailsItsImageAloneAndAlreadyLabelledContentIsSkipped(@TempDir Path dir)
      throws Exception {
    List<LabelInput> inputs = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      Path p = dir.resolve("img" + i + ".png");
      float[] px = new float[200 * 200];
      px[i] = 255; // distinct content, distinct hash
      Files.write(p, ImageDecoder.encode(GrayImage.wrap(200, 200, px), "png"));
      FaceBox box = new FaceBox(10 + i, 10, 100 + i, 100);
      // image 2's faulty face is its second: the fourth face of the batch
      inputs.add(LabelInput.named(p.toString(), i == 2 ? List.of(new FaceBox(30, 30, 120, 120), box) : List.of(box)));
    }
    String skipHash = Hashes.sha256(Files.readAllBytes(dir.resolve("img4.png")));
    MeanShapeModel mean = meanModel();
    LandmarkModel faulty = new LandmarkModel() {
      @Override
      public ModelHeader header() {
        return mean.header();
      }

      @Override
      public Shape predict(GrayImage image, FaceBox box) {
        // the crop of image 2 starts at 0: the box keeps its x0 = 12; fail on it alone
        if (Math.abs(box.x0() - 12) < 1e-9) {
          throw new IllegalStateException("cannot predict this one");
        }
        return mean.predict(image, box);
      }
    };
    List<ImageLabel> out = new Labeler(faulty, Storage.local(), SETTINGS, () -> null)
        .skipping(h -> h.equals(skipHash)).label(inputs);
    assertEquals(List.of("faces", "faces", "failed", "faces", "skipped"), out.stream().map(ImageLabel::status).toList());
    assertEquals("align", out.get(2).stage());
    assertEquals("face 1: IllegalStateException: cannot predict this one", out.get(2).reason());
    assertEquals(200, out.get(0).width());
    assertEquals(1, out.get(0).faceCount());
    LabelTally t = new LabelTally();
    out.forEach(t::add);
    t.checkBalanced();
    assertEquals(4, t.imagesIn);
    assertEquals(1, t.skippedAlreadyLabelled);
  }
}

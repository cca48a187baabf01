package org.facealign.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FaceReaderTest {
  private static final Storage STORAGE = Storage.local();
  private static final FaceReader.Limits LIMITS = FaceReader.Limits.defaults();
  private static final LandmarkScheme IBUG = LandmarkScheme.IBUG_68;

  @TempDir Path tmp;
  private SyntheticFaces.SyntheticFace face;
  private Path image;
  private Path pts;

  @BeforeEach
  void writeFace() throws Exception {
    face = new SyntheticFaces(21, new SyntheticFaces.Options(64, 0.5, 0.6, 10, 2, 0.01)).next();
    image = tmp.resolve("f.png");
    pts = tmp.resolve("f.pts");
    Files.write(image, ImageDecoder.encode(face.image(), "png"));
    Files.writeString(pts, PtsFormat.format(face.landmarks()));
  }

  private FaceEntry entry() {
    return new FaceEntry("set/f", "training", image.toString(), pts.toString(), face.detectorBox(), null, null);
  }

  private static String sha256(byte[] a, byte[] b) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    md.update(a);
    md.update(b);
    return HexFormat.of().formatHex(md.digest());
  }

  @Test
  void aBoxThatDoesNotOverlapTheImageIsRefused() {
    DataException e = assertThrows(DataException.class, () -> FaceReader.checkBoxOnImage(
        new FaceBox(5000, 5000, 6000, 6000), 640, 480, "/d/list.txt:3", "/d/img.jpg"));
    assertEquals(FaceReader.BOX_OUTSIDE_IMAGE, e.code());
    assertEquals("/d/list.txt:3", e.source());
    assertEquals("face box 5000.0 5000.0 6000.0 6000.0 (x_min y_min x_max y_max) does not overlap the 640x480 image "
        + "/d/img.jpg", e.reason());
    // the image covers [-0.5, 639.5] x [-0.5, 479.5]: a box on either side of an edge of it
    String[] outside = {"639.5 0 700 10", "-50 0 -0.5 10", "0 479.5 10 500", "0 -20 10 -0.5"};
    String[] inside = {"639.4 0 700 10", "-50 0 -0.4 10", "0 479.4 10 500", "0 -20 10 -0.4", "-100 -100 1000 1000"};
    for (String b : outside) {
      assertThrows(DataException.class, () -> FaceReader.checkBoxOnImage(box(b), 640, 480, "s", "i"), b);
    }
    for (String b : inside) {
      FaceReader.checkBoxOnImage(box(b), 640, 480, "s", "i");
    }
  }

  private static FaceBox box(String s) {
    double[] v = Arrays.stream(s.split(" ")).mapToDouble(Double::parseDouble).toArray();
    return new FaceBox(v[0], v[1], v[2], v[3]);
  }

  @Test
  void loadsLandmarksImageAndHash() throws Exception {
    LoadedFace lf = FaceReader.load(entry(), STORAGE, LIMITS, IBUG);
    assertEquals("set/f", lf.face().id());
    assertEquals("training", lf.face().subset());
    assertEquals(face.detectorBox(), lf.face().detectorBox());
    for (int i = 0; i < 68; i++) {
      assertEquals(face.landmarks().x(i), lf.face().landmarks().x(i), 1e-6);
      assertEquals(face.landmarks().y(i), lf.face().landmarks().y(i), 1e-6);
    }
    assertEquals(64, lf.image().width());
    assertEquals(face.image().get(31, 40), lf.image().get(31, 40));
    assertEquals(sha256(Files.readAllBytes(image), Files.readAllBytes(pts)), lf.contentHash());
    assertEquals(64, lf.contentHash().length());
  }

  @Test
  void hashIsStableAndFollowsTheAnnotation() throws Exception {
    String h1 = FaceReader.load(entry(), STORAGE, LIMITS, IBUG).contentHash();
    assertEquals(h1, FaceReader.load(entry(), STORAGE, LIMITS, IBUG).contentHash());
    String original = Files.readString(pts);
    Files.writeString(pts, PtsFormat.format(face.landmarks().translate(1, 0)));
    String h2 = FaceReader.load(entry(), STORAGE, LIMITS, IBUG).contentHash();
    assertNotEquals(h1, h2);
    Files.writeString(pts, original);
    assertEquals(h1, FaceReader.load(entry(), STORAGE, LIMITS, IBUG).contentHash());
  }

  @Test
  void landmarksOutsideTheImageAreAcceptedWithinTheMargin() throws Exception {
    Files.writeString(pts, PtsFormat.format(face.landmarks().translate(-20, 0)));
    LoadedFace lf = FaceReader.load(entry(), STORAGE, LIMITS, IBUG);
    assertTrue(lf.face().landmarks().extent().x0() < 0);
  }

  @Test
  void aPointBeyondTheMarginIsRefusedNamingFilePointAndValue() throws Exception {
    // the margin of a 64x64 image is 0.5 * 64 = 32 px beyond its outermost pixel centres (0 and 63)
    double[] xy = face.landmarks().toArray();
    xy[2 * 5] = -32; // exactly at the margin: accepted
    Files.writeString(pts, PtsFormat.format(Shape.of(xy)));
    assertEquals(-32, FaceReader.load(entry(), STORAGE, LIMITS, IBUG).face().landmarks().x(5), 1e-9);
    xy[2 * 5 + 1] = 63 + 32.5; // half a pixel beyond it
    Files.writeString(pts, PtsFormat.format(Shape.of(xy)));
    DataException e = assertThrows(DataException.class, () -> FaceReader.load(entry(), STORAGE, LIMITS, IBUG));
    assertEquals(FaceReader.POINT_OUTSIDE_IMAGE, e.code());
    assertEquals(pts.toString(), e.source());
    assertEquals("point 5 at x=-31.0 y=96.5 (as in the file) is 32.5 px outside the 64x64 image, more than the "
        + "allowed 32.0 px (facealign.data.point-margin = 0.5 of its larger side)", e.reason());
    // a margin of 1 accepts it
    FaceReader.Limits wide = new FaceReader.Limits(LIMITS.maxFileBytes(), LIMITS.maxPixels(), 1.0);
    assertEquals(95.5, FaceReader.load(entry(), STORAGE, wide, IBUG).face().landmarks().y(5), 1e-9);
  }

  @Test
  void degenerateAnnotationsAreRejected() throws Exception {
    double[] same = new double[136];
    Arrays.fill(same, 12.0);
    Files.writeString(pts, PtsFormat.format(Shape.of(same)));
    DataException e = assertThrows(DataException.class, () -> FaceReader.load(entry(), STORAGE, LIMITS, IBUG));
    assertEquals(pts.toString(), e.source());
    assertEquals(FaceReader.DEGENERATE_ANNOTATION, e.code());
    assertEquals("degenerate annotation: all 68 points are at the same position", e.reason());

    // Both eyes' points at the same place: inter-pupil distance 0.
    double[] xy = face.landmarks().toArray();
    for (int i = 36; i <= 47; i++) {
      xy[2 * i] = 30.25;
      xy[2 * i + 1] = 20.5;
    }
    Files.writeString(pts, PtsFormat.format(Shape.of(xy)));
    e = assertThrows(DataException.class, () -> FaceReader.load(entry(), STORAGE, LIMITS, IBUG));
    assertEquals("degenerate annotation: inter-pupil distance is 0.000 px, less than 1", e.reason());
  }

  @Test
  void sixtySevenPointsFailNamingTheFile() throws Exception {
    double[] xy = Arrays.copyOf(face.landmarks().toArray(), 134);
    Files.writeString(pts, PtsFormat.format(Shape.of(xy)));
    DataException e = assertThrows(DataException.class, () -> FaceReader.load(entry(), STORAGE, LIMITS, IBUG));
    assertEquals(pts + ":2", e.source());
    assertTrue(e.getMessage().contains("f.pts:2: n_points is 67 but the landmark scheme has 68 points"), e.getMessage());
  }

  @Test
  void problemsAndLimits() throws Exception {
    FaceEntry orphan = new FaceEntry("set/g", "training", null, pts.toString(), null, null, "annotation has no image");
    DataException e = assertThrows(DataException.class, () -> FaceReader.load(orphan, STORAGE, LIMITS, IBUG));
    assertEquals(pts + ": annotation has no image", e.getMessage());

    long size = Files.size(image);
    FaceReader.Limits small = new FaceReader.Limits(size - 1, 1_000_000);
    e = assertThrows(DataException.class, () -> FaceReader.load(entry(), STORAGE, small, IBUG));
    assertEquals(image + ": file is " + size + " bytes, more than the limit of " + (size - 1), e.getMessage());

    FaceReader.Limits fewPixels = new FaceReader.Limits(1 << 20, 64 * 63);
    e = assertThrows(DataException.class, () -> FaceReader.load(entry(), STORAGE, fewPixels, IBUG));
    assertEquals(image + ": declared size 64x64 = 4096 pixels exceeds the limit of 4032", e.getMessage());

    Files.delete(image);
    e = assertThrows(DataException.class, () -> FaceReader.load(entry(), STORAGE, LIMITS, IBUG));
    assertEquals(image + ": file not found", e.getMessage());
  }

  @Test
  void imageOnly() throws Exception {
    LoadedFace lf = FaceReader.loadImageOnly(image.toString(), "new/1", "unlabelled", null, STORAGE, LIMITS);
    assertNull(lf.face().landmarks());
    assertNull(lf.face().annotationPath());
    assertEquals("new/1", lf.face().id());
    assertEquals(sha256(Files.readAllBytes(image), new byte[0]), lf.contentHash());
    assertEquals(face.image().get(10, 50), lf.image().get(10, 50));
  }
}

package org.facealign.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import javax.imageio.ImageIO;
import org.facealign.config.FacealignConfig;
import org.facealign.data.DataException;
import org.facealign.data.Discovery;
import org.facealign.data.FaceBox;
import org.facealign.data.FaceEntry;
import org.facealign.data.FaceReader;
import org.facealign.data.Failure;
import org.facealign.data.ImageKinds;
import org.facealign.data.LandmarkScheme;
import org.facealign.data.ListLayout;
import org.facealign.data.PtsFormat;
import org.facealign.data.Shape;
import org.facealign.data.Storage;
import org.facealign.data.SyntheticFaces;
import org.facealign.eval.Report;
import org.facealign.label.ImageLabel;
import org.facealign.label.LabelInput;
import org.facealign.label.Labeler;
import org.facealign.model.MeanShapeModel;
import org.facealign.model.ModelHeader;
import org.facealign.model.ModelStore;
import org.facealign.model.Provenance;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile inputs end as named failures, never as a crash or a silent drop, and the counts add up. The image decoder's
 * own cases (valid kinds, truncated, empty, text, huge header) are {@code ImageKindsDecodeTest}'s and the {@code .pts}
 * parser's are {@code PtsFormatTest}'s; here the same files (made by {@link ImageKinds}) and broken annotations go
 * through {@code prepare}, {@code evaluate} and {@code label} together, and the annotation guards (points far outside
 * the image, list paths climbing out of the list's folder) are checked on every path that reads annotations.
 */
class HostileInputTest extends LocalSparkTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final LandmarkScheme IBUG = LandmarkScheme.IBUG_68;
  static final Storage ST = Storage.local();
  /** A real 300-W face, 560 x 560 pixels, so that every variant has a true annotation. */
  static BufferedImage picture;
  static String truthText;
  static Shape truth;

  @BeforeAll
  static void load() throws Exception {
    Path w300 = Path.of(System.getProperty("facealign.test.data")).toAbsolutePath().normalize();
    picture = ImageIO.read(w300.resolve("helen/trainset/100032540_1.jpg").toFile());
    truthText = Files.readString(w300.resolve("helen/trainset/100032540_1.pts"));
    truth = PtsFormat.parse(truthText, "truth", 68);
  }

  static MeanShapeModel meanModel() {
    return new MeanShapeModel(new ModelHeader("mean", IBUG, "detector", 0.1,
        Provenance.now("h", 1, 1, "c", "facealign {}")), SyntheticFaces.TEMPLATE, 1);
  }

  /** {@link #truth} with point {@code i} at {@code (x, y)} as a .pts file would give it (1-based). */
  static String movedPoint(int i, String x, String y) {
    String[] lines = truthText.split("\n", -1);
    int open = java.util.Arrays.asList(lines).indexOf("{");
    lines[open + 1 + i] = x + " " + y;
    return String.join("\n", lines);
  }

  /** The annotations that must fail, by name, each with the code it fails with. */
  static Map<String, String[]> badAnnotations() {
    Map<String, String[]> m = new LinkedHashMap<>();
    String pts67 = truthText.replace("n_points: 68", "n_points: 67").replaceFirst("(?s)\\{\\s*[^\\n]+\\n", "{\n");
    m.put("pts_67", new String[] {pts67, PtsFormat.BAD_ANNOTATION});
    m.put("pts_69", new String[] {truthText.replace("}", "1 1\n}"), PtsFormat.BAD_ANNOTATION});
    m.put("pts_nan", new String[] {movedPoint(0, "NaN", "10"), PtsFormat.BAD_ANNOTATION});
    m.put("pts_1e309", new String[] {movedPoint(0, "1e309", "10"), PtsFormat.BAD_ANNOTATION});
    m.put("pts_no_open_brace", new String[] {truthText.replace("{", ""), PtsFormat.BAD_ANNOTATION});
    m.put("pts_no_close_brace", new String[] {truthText.replace("}", ""), PtsFormat.BAD_ANNOTATION});
    m.put("pts_empty", new String[] {"", PtsFormat.BAD_ANNOTATION});
    m.put("pts_1e308", new String[] {movedPoint(0, "1e308", "1e308"), FaceReader.POINT_OUTSIDE_IMAGE});
    m.put("pts_minus50000", new String[] {movedPoint(0, "-50000", "-50000"), FaceReader.POINT_OUTSIDE_IMAGE});
    // twice the image's width: beyond the margin of half its side
    m.put("pts_far", new String[] {movedPoint(30, "1120", "300"), FaceReader.POINT_OUTSIDE_IMAGE});
    StringBuilder same = new StringBuilder("version: 1\nn_points: 68\n{\n");
    same.append("200 200\n".repeat(68)).append("}\n");
    m.put("pts_same", new String[] {same.toString(), FaceReader.DEGENERATE_ANNOTATION});
    return m;
  }

  // ---------------------------------------------------------------- Spark-free: the guards on every path

  @Test
  void pathsClimbingOutOfTheirFolderAreRecognised() {
    Map<String, Boolean> cases = new LinkedHashMap<>();
    cases.put("a.jpg", false);
    cases.put("./img/a.jpg", false);
    cases.put("img/../a.jpg", false);
    cases.put("../a.jpg", true);
    cases.put("img/../../a.jpg", true);
    cases.put("img/./../..", true);
    cases.put("..", true);
    cases.put("/abs/a.jpg", false);
    cases.put("hdfs://nn:8020/data/a.jpg", false);
    cases.put("a..b/c.jpg", false);
    cases.forEach((p, climbs) -> assertEquals(climbs, Storage.climbsOut(p), p));
  }

  @Test
  void aListLineClimbingOutOfTheListsFolderIsANamedFailureUnlessAllowed(@TempDir Path tmp) throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("lists"));
    Path list = dir.resolve("set.txt");
    Files.writeString(list, "../elsewhere/a.jpg ../elsewhere/a.pts\nimg/b.jpg ../b.pts 1 2 3 4\nimg/c.jpg img/c.pts\n"
        + "/abs/d.jpg /abs/d.pts\n");
    Discovery d = ListLayout.discover(ST, list.toString(), "set", false);
    assertEquals(4, d.entries().size());
    FaceEntry a = d.entries().get(0);
    assertEquals(FaceEntry.OUTSIDE_ROOT, a.problemCode());
    assertEquals(list + ":1: path '../elsewhere/a.jpg' climbs out of the list's folder " + dir
        + " (set facealign.data.allow-outside-root = true to allow it)", a.problem());
    assertEquals(FaceEntry.OUTSIDE_ROOT, d.entries().get(1).problemCode());
    assertTrue(d.entries().get(1).problem().contains("path '../b.pts' climbs out"), d.entries().get(1).problem());
    assertNull(d.entries().get(2).problem());
    assertNull(d.entries().get(3).problem(), "absolute paths name their place outright");
    // loading the entry gives the failure its code
    DataException e = assertThrows(DataException.class,
        () -> FaceReader.load(a, ST, FaceReader.Limits.defaults(), IBUG));
    assertEquals(FaceEntry.OUTSIDE_ROOT, e.code());
    assertEquals("load: outside_root", Failure.of(a.id(), a.subset(), "load", e).countKey());

    Discovery allowed = ListLayout.discover(ST, list.toString(), "set", true);
    assertNull(allowed.entries().get(0).problem());
    assertEquals(tmp.resolve("elsewhere/a.jpg").toString(), allowed.entries().get(0).imagePath());

    // label's list files and tables follow the same rule
    LabelInput in = LabelInputs.parseLine("../elsewhere/a.jpg 1 2 30 40", 7, "labels.txt", "file:/x/lists", false);
    assertEquals("file:/x/elsewhere/a.jpg", in.path());
    assertEquals("labels.txt:7: path '../elsewhere/a.jpg' climbs out of the folder file:/x/lists "
        + "(set facealign.data.allow-outside-root = true to allow it)", in.problem());
    LabelInput ok = LabelInputs.parseLine("../elsewhere/a.jpg 1 2 30 40", 7, "labels.txt", "file:/x/lists", true);
    assertNull(ok.problem());
    assertEquals(List.of(new FaceBox(1, 2, 30, 40)), ok.boxes());
  }

  @Test
  void aTabSeparatedListLineMayNameFilesWithSpaces(@TempDir Path tmp) throws Exception {
    Path list = tmp.resolve("set.txt");
    Files.writeString(list, "img/face with spaces.jpg\timg/face with spaces.pts\t1\t2\t30\t40\n"
        + "img/face with spaces.jpg img/face with spaces.pts 1 2 30 40\n");
    Discovery d = ListLayout.discover(ST, list.toString(), "set");
    assertEquals(tmp.resolve("img/face with spaces.jpg").toString(), d.entries().get(0).imagePath());
    assertEquals(tmp.resolve("img/face with spaces.pts").toString(), d.entries().get(0).annotationPath());
    assertEquals(new FaceBox(1, 2, 30, 40), d.entries().get(0).detectorBox());
    assertEquals(FaceEntry.BAD_LIST_LINE, d.entries().get(1).problemCode());
    assertEquals(list + ":2: expected 'IMAGE PTS [x_min y_min x_max y_max]', found 10 fields",
        d.entries().get(1).problem());
  }

  @Test
  void pointsFarOutsideTheImageAreRefusedWhereverAnnotationsAreRead(@TempDir Path tmp) throws Exception {
    Path img = tmp.resolve("f.jpg");
    Files.write(img, ImageKinds.jpeg(picture, false));
    Path pts = tmp.resolve("f.pts");
    Files.writeString(pts, movedPoint(0, "1e308", "1e308"));
    String expected = "point 0 at x=1.0E308 y=1.0E308 (as in the file) is 1.0E308 px outside the 560x560 image, "
        + "more than the allowed 280.0 px (facealign.data.point-margin = 0.5 of its larger side)";
    FaceReader.Limits limits = FacealignConfig.defaults().data().limits();

    // prepare (and nightly, which prepares, and calibrate and bench, which load faces the same way)
    FaceEntry entry = new FaceEntry("f", "test", img.toString(), pts.toString(), null, null, null);
    DataException e = assertThrows(DataException.class, () -> FaceReader.load(entry, ST, limits, IBUG));
    assertEquals(FaceReader.POINT_OUTSIDE_IMAGE, e.code());
    assertEquals(pts.toString(), e.source());
    assertEquals(expected, e.reason());
    Files.writeString(pts, movedPoint(0, "-50000", "-50000"));
    e = assertThrows(DataException.class, () -> FaceReader.load(entry, ST, limits, IBUG));
    assertEquals("point 0 at x=-50000.0 y=-50000.0 (as in the file) is 50001.0 px outside the 560x560 image, "
        + "more than the allowed 280.0 px (facealign.data.point-margin = 0.5 of its larger side)", e.reason());
    // a point a little outside (faces cut by the border) is a valid annotation
    Files.writeString(pts, movedPoint(0, "-5", "-5"));
    assertEquals(-6, FaceReader.load(entry, ST, limits, IBUG).face().landmarks().x(0), 1e-9);

    // evaluate: a prepared face whose ground truth strays (a set prepared before the check, or with a wider margin)
    double[] xy = truth.toArray();
    xy[0] = 1e308;
    xy[1] = 1e308;
    FaceBox box = truth.extent();
    PreparedFace far = new PreparedFace("far", "common", img.toString(), pts.toString(), "h", 560, 560, box,
        Shape.of(xy));
    PreparedFace near = new PreparedFace("near", "common", img.toString(), pts.toString(), "h", 560, 560, box, truth);
    List<EvaluateJob.Outcome> out = EvaluateJob.predict(List.of(far, near), meanModel(), ST, limits, IBUG);
    assertEquals(2, out.size());
    Failure f = out.get(0).failure();
    assertNotNull(f);
    assertEquals("far", f.faceId());
    assertEquals("predict: point_outside_image", f.countKey());
    assertEquals(pts.toString(), f.source());
    assertEquals("point 0 at x=1.0E308 y=1.0E308 (as in the file) is 1.0E308 px outside the 560x560 image, "
        + "more than the allowed 280.0 px (facealign.data.point-margin = 0.5 of its larger side)", f.reason());
    assertEquals("near", out.get(1).result().faceId());
    assertTrue(out.get(1).result().ipNme() < 1, "IP-NME " + out.get(1).result().ipNme());

    // label, when it compares with the annotation beside an image: the annotation is refused, the image labelled
    FacealignConfig cfg = FacealignConfig.defaults();
    Labeler.Settings settings = new Labeler.Settings(cfg.detect(), cfg.label(), limits);
    Files.writeString(pts, movedPoint(0, "1e308", "1e308"));
    LabelInput in = new LabelInput(img.toString(), -1, List.of(box), null, pts.toString(), null, "");
    ImageLabel l = new Labeler(meanModel(), ST, settings, () -> null).label(List.of(in)).get(0);
    assertEquals(ImageLabel.FACES, l.status());
    assertFalse(l.truth().readable());
    assertEquals(FaceReader.POINT_OUTSIDE_IMAGE, l.truth().problemCode());
    assertEquals(pts + ": " + expected, l.truth().problem());
    assertTrue(Double.isNaN(l.truth().ipNme()));
    // and a degenerate one, which used to divide by a zero inter-pupil distance
    Files.writeString(pts, badAnnotations().get("pts_same")[0]);
    l = new Labeler(meanModel(), ST, settings, () -> null).label(List.of(in)).get(0);
    assertEquals(FaceReader.DEGENERATE_ANNOTATION, l.truth().problemCode());
    assertEquals(pts + ": degenerate annotation: all 68 points are at the same position", l.truth().problem());
  }

  // ---------------------------------------------------------------- Spark: prepare, evaluate and label

  /**
   * One directory of every kind of hostile input, pushed through prepare, evaluate and label: each input has exactly
   * one outcome, each bad one its named reason, and {@code in = ok + failed} everywhere.
   */
  @Test
  void aHostileDirectoryThroughPrepareEvaluateAndLabel(@TempDir Path root) throws Exception {
    Path data = Files.createDirectories(root.resolve("data"));
    Path img = Files.createDirectories(data.resolve("img"));
    Path outside = Files.createDirectories(root.resolve("outside"));
    FaceBox b = truth.extent();
    String box = String.format(Locale.ROOT, "%.3f %.3f %.3f %.3f", b.x0(), b.y0(), b.x1(), b.y1());
    byte[] jpg = ImageKinds.jpeg(picture, false);

    // expected outcome of each line of the test list, by face id: null = prepared, else "stage: code"
    Map<String, String> expected = new TreeMap<>();
    StringBuilder list = new StringBuilder("# hostile inputs\n");
    // valid variants, including 16-bit, CMYK, grey and palette images and names with spaces and non-ASCII letters
    Map<String, byte[]> valid = ImageKinds.valid(picture);
    valid.remove("exif-rotated.jpg"); // stored turned: its annotation would not fit it
    for (Map.Entry<String, byte[]> v : valid.entrySet()) {
      // picture.gif and picture.bmp: one stem each, for one annotation each
      String ext = v.getKey().substring(v.getKey().lastIndexOf('.') + 1);
      String base = v.getKey().substring(0, v.getKey().lastIndexOf('.')) + "_" + ext;
      String name = base + "." + ext;
      Files.write(img.resolve(name), v.getValue());
      Files.writeString(img.resolve(base + ".pts"), truthText);
      list.append(String.join("\t", "img/" + name, "img/" + base + ".pts", box.replace(' ', '\t'))).append('\n');
      expected.put("img/" + base, null);
    }
    // the same file listed space-separated: its name splits into fields
    list.append("img/face with spaces_jpg.jpg img/face with spaces_jpg.pts ").append(box).append('\n');
    expected.put("img/face", "load: bad_list_line");
    // hostile images, each with a valid annotation
    Map<String, byte[]> hostile = ImageKinds.hostile(picture);
    for (Map.Entry<String, String> h : ImageKinds.hostileCodes().entrySet()) {
      String base = "img_" + h.getKey().substring(0, h.getKey().lastIndexOf('.')).replace('-', '_');
      String name = base + h.getKey().substring(h.getKey().lastIndexOf('.'));
      Files.write(img.resolve(name), hostile.get(h.getKey()));
      Files.writeString(img.resolve(base + ".pts"), truthText);
      list.append("img/").append(name).append(" img/").append(base).append(".pts ").append(box).append('\n');
      expected.put("img/" + base, "load: " + h.getValue());
    }
    // hostile annotations, each with a valid image
    for (Map.Entry<String, String[]> a : badAnnotations().entrySet()) {
      Files.write(img.resolve(a.getKey() + ".jpg"), jpg);
      Files.writeString(img.resolve(a.getKey() + ".pts"), a.getValue()[0]);
      list.append("img/").append(a.getKey()).append(".jpg img/").append(a.getKey()).append(".pts ").append(box)
          .append('\n');
      expected.put("img/" + a.getKey(), "load: " + a.getValue()[1]);
    }
    // negative coordinates within the margin: valid
    Files.write(img.resolve("pts_negative.jpg"), jpg);
    Files.writeString(img.resolve("pts_negative.pts"), movedPoint(0, "-5", "-5"));
    list.append("img/pts_negative.jpg img/pts_negative.pts ").append(box).append('\n');
    expected.put("img/pts_negative", null);
    // an annotation that is not there
    Files.write(img.resolve("pts_missing.jpg"), jpg);
    list.append("img/pts_missing.jpg img/pts_missing.pts ").append(box).append('\n');
    expected.put("img/pts_missing", "load: file_not_found");
    // a line reaching out of the list's folder
    Files.write(outside.resolve("escape.jpg"), jpg);
    Files.writeString(outside.resolve("escape.pts"), truthText);
    list.append("../outside/escape.jpg ../outside/escape.pts ").append(box).append('\n');
    int escapeLine = list.toString().split("\n").length;
    expected.put("../outside/escape", "load: outside_root");
    Path hostileList = data.resolve("hostile.txt");
    Files.writeString(hostileList, list.toString());
    // training faces: two good ones
    Path train = Files.createDirectories(data.resolve("train"));
    for (String n : List.of("t1", "t2")) {
      Files.write(train.resolve(n + ".jpg"), jpg);
      Files.writeString(train.resolve(n + ".pts"), truthText);
    }
    Path trainList = data.resolve("train.txt");
    Files.writeString(trainList, "train/t1.jpg train/t1.pts " + box + "\ntrain/t2.jpg train/t2.pts " + box + "\n");

    long bad = expected.values().stream().filter(v -> v != null).count();
    long good = expected.size() - bad;
    Map<String, Long> expectedByReason = new TreeMap<>();
    expected.values().stream().filter(v -> v != null).forEach(v -> expectedByReason.merge(v, 1L, Long::sum));
    assertEquals(valid.size() + 1 + 4 + 11 + 1 + 1 + 1, expected.size(), expected.toString());

    // ---- prepare
    FacealignConfig cfg = FacealignConfig.load(null, Map.of("spark.master", "local[2]", "label.images-per-task", "8"));
    String prepared = root.resolve("prepared").toString();
    PreparedSet.Summary s = PrepareJob.run(spark, cfg, ST,
        new PrepareJob.DataSpec(trainList.toString(), List.of(hostileList.toString())), prepared, null);
    assertEquals(new Counts(expected.size() + 2, good + 2, bad), s.counts());
    assertEquals(new Counts(expected.size(), good, bad), s.bySubset().get("hostile"));
    assertEquals(new Counts(2, 2, 0), s.bySubset().get(cfg.train().subset()));
    assertEquals(expectedByReason, new TreeMap<>(s.failedByReason()));
    List<Failure> failures = PreparedSet.readFailures(ST, prepared);
    assertEquals(bad, failures.size());
    Map<String, String> got = new TreeMap<>();
    expected.forEach((id, v) -> got.put(id, null));
    for (Failure f : failures) {
      assertEquals("hostile", f.subset());
      assertNull(got.put(f.faceId(), f.countKey()), "one failure per input: " + f.faceId());
      assertFalse(f.reason().isBlank());
      assertFalse(f.source().isBlank());
    }
    assertEquals(expected, got);
    Map<String, Failure> byId = new TreeMap<>();
    failures.forEach(f -> byId.put(f.faceId(), f));
    // each failure names its file, and the reason says what is wrong
    assertEquals(img.resolve("pts_1e308.pts").toString(), byId.get("img/pts_1e308").source());
    assertTrue(byId.get("img/pts_1e308").reason().startsWith("point 0 at x=1.0E308 y=1.0E308 (as in the file)"));
    assertTrue(byId.get("img/pts_minus50000").reason().startsWith("point 0 at x=-50000.0 y=-50000.0 (as in the file)"));
    assertTrue(byId.get("img/pts_far").reason().startsWith("point 30 at x=1120.0 y=300.0 (as in the file) is 560.0 px"));
    assertEquals(img.resolve("img_huge_header.png").toString(), byId.get("img/img_huge_header").source());
    assertEquals("declared size 60000x60000 = 3600000000 pixels exceeds the limit of 100000000",
        byId.get("img/img_huge_header").reason());
    assertEquals(img.resolve("pts_nan.pts") + ":4", byId.get("img/pts_nan").source());
    assertEquals("x of point 0 is not a finite number: 'NaN'", byId.get("img/pts_nan").reason());
    assertEquals("empty file", byId.get("img/pts_empty").reason());
    assertEquals(img.resolve("pts_missing.pts") + ": file not found",
        byId.get("img/pts_missing").source() + ": " + byId.get("img/pts_missing").reason());
    assertTrue(byId.get("../outside/escape").reason().endsWith(
        ":" + escapeLine + ": path '../outside/escape.jpg' climbs out of the list's folder "
        + data + " (set facealign.data.allow-outside-root = true to allow it)"), byId.get("../outside/escape").reason());

    // ---- evaluate, with the mean shape
    String model = root.resolve("model").toString();
    ModelStore.save(meanModel(), ST, model);
    Report r = EvaluateJob.run(spark, cfg, ST, prepared, model, root.resolve("report").toString());
    JsonNode rep = JSON.readTree(root.resolve("report/report.json").toFile());
    assertEquals(expected.size(), rep.at("/counts/in").asLong());
    assertEquals(good, rep.at("/counts/ok").asLong());
    assertEquals(bad, rep.at("/counts/failed").asLong());
    assertEquals(good, rep.at("/subsets/hostile/faces").asLong());
    double nme = rep.at("/subsets/hostile/ip_nme").asDouble();
    assertTrue(nme > 0.01 && nme < 1, "the mean IP-NME stays a plausible error, not 1e+78: " + nme);
    Map<String, String> reported = new TreeMap<>();
    for (JsonNode f : rep.get("failures")) {
      reported.put(f.get("face_id").asText(), f.get("stage").asText() + ": " + f.get("code").asText());
    }
    Map<String, String> expectedFailures = new TreeMap<>(expected);
    expectedFailures.values().removeIf(v -> v == null);
    assertEquals(expectedFailures, reported);
    assertEquals(bad, r.failures().size());

    // ---- label the image folder (annotations beside the images) and a list file with a line reaching out
    Path labelList = data.resolve("label-list.txt");
    Files.write(data.resolve("listed.jpg"), jpg);
    Files.writeString(labelList, "listed.jpg " + box + "\n../outside/escape.jpg " + box + "\n");
    long images;
    try (var files = Files.list(img)) {
      images = files.filter(p -> !p.toString().endsWith(".pts")).count();
    }
    JsonNode l = LabelJob.run(spark, cfg, ST, new LabelJob.Spec(List.of(img.toString(), labelList.toString()), "auto",
        root.resolve("labels").toString(), model, false, 0, false));
    assertEquals(images + 2, l.get("images_in").asLong());
    assertEquals(l.get("images_in").asLong(), l.get("images_with_faces").asLong() + l.get("no_face").asLong()
        + l.get("failed").asLong());
    Map<String, Long> labelFailures = new TreeMap<>();
    l.get("failed_by_reason").fields().forEachRemaining(e -> labelFailures.put(e.getKey(), e.getValue().asLong()));
    Map<String, Long> expectedLabel = new TreeMap<>();
    ImageKinds.hostileCodes().values().forEach(c -> expectedLabel.merge("decode: " + c, 1L, Long::sum));
    expectedLabel.put("input: " + DataException.INVALID, 1L);
    assertEquals(expectedLabel, labelFailures);
    // every annotation beside an image is either compared or counted as refused, by reason and by name
    long annotations;
    try (var files = Files.list(img)) {
      annotations = files.filter(p -> p.toString().endsWith(".pts")).count();
    }
    JsonNode gt = l.at("/ground_truth/all");
    assertEquals(annotations, gt.get("annotated").asLong() + gt.get("unreadable_annotations").asLong());
    Map<String, Long> refused = new TreeMap<>();
    gt.get("unreadable_by_reason").fields().forEachRemaining(e -> refused.put(e.getKey(), e.getValue().asLong()));
    Map<String, Long> expectedRefused = new TreeMap<>();
    badAnnotations().values().forEach(a -> expectedRefused.merge(a[1], 1L, Long::sum));
    assertEquals(expectedRefused, refused);
    assertEquals(badAnnotations().size(), gt.get("unreadable_examples").size());
    List<String> examples = new ArrayList<>();
    gt.get("unreadable_examples").forEach(e -> examples.add(e.asText()));
    // label names files by their qualified paths
    assertTrue(examples.contains("file:" + img.resolve("pts_1e308.pts") + ": point 0 at x=1.0E308 y=1.0E308 (as in the file) is "
        + "1.0E308 px outside the 560x560 image, more than the allowed 280.0 px (facealign.data.point-margin = 0.5 of "
        + "its larger side)"), examples.toString());
    double labelNme = l.get("ip_nme").asDouble();
    assertTrue(labelNme > 0.01 && labelNme < 1, "label's IP-NME over the annotated faces: " + labelNme);
  }
}

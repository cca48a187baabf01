package org.facealign.job;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import javax.imageio.ImageIO;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.facealign.config.FacealignConfig;
import org.facealign.data.FaceBox;
import org.facealign.data.FileLock;
import org.facealign.data.ImageKinds;
import org.facealign.data.LandmarkScheme;
import org.facealign.data.Storage;
import org.facealign.data.SyntheticFaces;
import org.facealign.label.ImageLabel;
import org.facealign.label.LabelDataset;
import org.facealign.label.LabelInput;
import org.facealign.label.LabelTally;
import org.facealign.label.Labeler;
import org.facealign.model.MeanShapeModel;
import org.facealign.model.ModelHeader;
import org.facealign.model.ModelStore;
import org.facealign.model.Provenance;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code label} on Spark local[2]: every input accounted for, hostile files named, reruns replace, increments add. */
class LabelJobTest extends LocalSparkTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final FacealignConfig CFG = FacealignConfig.load(null, Map.of("spark.master", "local[2]",
      "label.images-per-task", "4"));
  static BufferedImage picture;
  static Path w300;

  @BeforeAll
  static void load() throws Exception {
    w300 = Path.of(System.getProperty("facealign.test.data")).toAbsolutePath().normalize();
    picture = ImageIO.read(w300.resolve("helen/trainset/100032540_1.jpg").toFile());
  }

  /** The mean-shape model, saved; enough to exercise labelling (its landmarks are not the point here). */
  static String meanModel(Path dir) throws Exception {
    Provenance p = Provenance.now("h", 1, 1, "c", "facealign {}");
    String m = dir.resolve("model").toString();
    ModelStore.save(new MeanShapeModel(new ModelHeader("mean", LandmarkScheme.IBUG_68, "detector", 0.1, p),
        SyntheticFaces.TEMPLATE, 1), Storage.local(), m);
    return m;
  }

  static JsonNode run(String model, String out, boolean incremental, int overlays, String... inputs) throws Exception {
    return LabelJob.run(spark, CFG, Storage.local(),
        new LabelJob.Spec(List.of(inputs), "auto", out, model, incremental, overlays, false));
  }

  static Dataset<Row> rows(JsonNode summary, String table) {
    List<String> dirs = new ArrayList<>();
    summary.get(table).forEach(n -> dirs.add(n.asText()));
    return spark.read().parquet(dirs.toArray(String[]::new));
  }

  static String name(Row r) {
    String p = r.getString(r.fieldIndex("path"));
    return p.substring(p.lastIndexOf('/') + 1);
  }

  @Test
  void aHostileFolderEndsWithOneStatusPerFileTheValidKindsLabelledTheRestNamed(@TempDir Path dir) throws Exception {
    Path data = Files.createDirectories(dir.resolve("archive"));
    Map<String, byte[]> valid = ImageKinds.valid(picture);
    Map<String, byte[]> hostile = ImageKinds.hostile(picture);
    for (Map.Entry<String, byte[]> e : valid.entrySet()) {
      Files.write(data.resolve(e.getKey()), e.getValue());
    }
    for (Map.Entry<String, byte[]> e : hostile.entrySet()) {
      Files.write(data.resolve(e.getKey()), e.getValue());
    }
    Files.write(Files.createDirectories(data.resolve("sub folder")).resolve("nested.JPG"), valid.get("baseline.jpg"));
    Files.writeString(data.resolve("notes.txt"), "not an input");
    // a broken box file: named in the summary with its reason, its folder's images labelled from detections
    Files.writeString(data.resolve("sub folder/boxes.txt"), "nested.JPG ten 20 30 40\n");
    Files.copy(w300.resolve("helen/trainset/100032540_1.pts"), data.resolve("baseline.pts"));
    int inputs = valid.size() + hostile.size() + 1;

    String out = dir.resolve("labels").toString();
    JsonNode s = run(meanModel(dir), out, false, 3, data.toString());

    assertEquals(inputs, s.get("images_in").asInt());
    assertEquals(s.get("images_in").asInt(), s.get("images_with_faces").asInt() + s.get("no_face").asInt()
        + s.get("failed").asInt());
    assertEquals(valid.size() + 1, s.get("images_with_faces").asInt(), s.toString());
    assertEquals(hostile.size(), s.get("failed").asInt());
    assertEquals(1, s.at("/last_run/ignored_files").asInt());
    assertEquals(1, s.at("/last_run/box_file_problems").size(), s.toString());
    String problem = s.at("/last_run/box_file_problems/0").asText();
    assertTrue(problem.contains("boxes.txt:1"), problem);
    for (String code : ImageKinds.hostileCodes().values()) {
      assertEquals(1, s.at("/failed_by_reason/decode: " + code).asInt(), code);
    }
    // the annotated image: found, and compared with its annotation
    assertEquals(1, s.at("/ground_truth/all/annotated").asInt());
    assertEquals(1.0, s.get("recall").asDouble(), 0.0);

    List<Row> images = rows(s, "images").collectAsList();
    assertEquals(inputs, images.size());
    Set<String> paths = new HashSet<>();
    Map<String, Row> byName = new HashMap<>();
    for (Row r : images) {
      assertTrue(paths.add(r.getString(r.fieldIndex("path"))), "one status row per input");
      byName.put(name(r), r);
    }
    for (String v : valid.keySet()) {
      Row r = byName.get(v);
      assertNotNull(r, v + " has a status row");
      assertEquals("faces", r.getString(r.fieldIndex("status")), v + ": " + r);
    }
    for (Map.Entry<String, String> e : ImageKinds.hostileCodes().entrySet()) {
      Row r = byName.get(e.getKey());
      assertEquals("failed", r.getString(r.fieldIndex("status")));
      assertEquals(e.getValue(), r.getString(r.fieldIndex("reason_code")));
      assertFalse(r.getString(r.fieldIndex("reason")).isBlank());
    }
    assertEquals(8, byName.get("exif-rotated.jpg").getInt(byName.get("exif-rotated.jpg").fieldIndex("exif_orientation")));
    assertEquals(picture.getWidth(), byName.get("exif-rotated.jpg").getInt(byName.get("exif-rotated.jpg").fieldIndex("width")));

    // coordinates are in the displayed frame: the EXIF-rotated copy's face is where the upright one's is
    Map<String, double[]> box = new HashMap<>();
    for (Row r : rows(s, "faces").filter("face_index = 0").collectAsList()) {
      List<Double> b = r.getList(r.fieldIndex("box"));
      box.put(name(r), new double[] {b.get(0), b.get(1), b.get(2), b.get(3)});
      assertEquals(136, r.getList(r.fieldIndex("landmarks")).size());
    }
    double[] upright = box.get("baseline.jpg");
    double[] turned = box.get("exif-rotated.jpg");
    for (int i = 0; i < 4; i++) {
      assertEquals(upright[i], turned[i], 0.08 * (upright[2] - upright[0]), "box coordinate " + i);
    }
    assertTrue(box.containsKey("face with spaces.jpg"));
    assertTrue(box.containsKey("visage-\u00e9t\u00e9-\u9854.png"));
    try (var o = Files.list(Path.of(out, "overlays"))) {
      assertEquals(3, o.filter(p -> p.toString().endsWith(".png")).count());
    }
  }

  @Test
  void aFolderThatCannotBeListedIsAFailedInputAndHiddenFilesAreCountedNotLost(@TempDir Path dir) throws Exception {
    Path data = Files.createDirectories(dir.resolve("archive"));
    byte[] jpeg = ImageKinds.jpeg(picture, false);
    Files.write(data.resolve("face.jpg"), jpeg);
    Files.write(data.resolve("_DSC0001.JPG"), jpeg); // a camera's name for an Adobe RGB photo: an image like any
    Files.write(data.resolve("._face.jpg"), new byte[] {0, 5, 22, 7}); // macOS's resource fork beside it: hidden
    Files.writeString(data.resolve(".DS_Store"), "hidden");
    Files.write(Files.createDirectories(data.resolve("day1")).resolve("a.jpg"), jpeg);
    Files.write(Files.createDirectories(data.resolve("locked")).resolve("b.jpg"), jpeg);
    Files.write(Files.createDirectories(data.resolve("_temporary")).resolve("c.jpg"), jpeg); // a writer's scratch
    org.facealign.data.CheckThenWriteFileSystem.unlistable = "locked";
    try {
      Storage st = Storage.of(org.facealign.data.CheckThenWriteFileSystem.configuration());
      String in = org.facealign.data.CheckThenWriteFileSystem.SCHEME + "://" + data;
      JsonNode s = LabelJob.run(spark, CFG, st, new LabelJob.Spec(List.of(in), "auto", dir.resolve("labels").toString(),
          meanModel(dir), false, 0, false));
      assertEquals(4, s.get("images_in").asInt(), s.toString());
      assertEquals(1, s.get("failed").asInt(), s.toString());
      assertEquals(2, s.at("/last_run/ignored_files").asInt(), s.toString());
      Map<String, Row> byName = new HashMap<>();
      for (Row r : rows(s, "images").collectAsList()) {
        assertNull(byName.put(name(r), r), "one row per input");
      }
      assertEquals(Set.of("face.jpg", "_DSC0001.JPG", "a.jpg", "locked"), byName.keySet());
      Row locked = byName.get("locked");
      assertEquals("failed", locked.getString(locked.fieldIndex("status")));
      String reason = locked.getString(locked.fieldIndex("reason"));
      assertTrue(reason.contains("cannot list folder") && reason.contains("access denied"), reason);
      assertEquals("faces", byName.get("_DSC0001.JPG").getString(byName.get("_DSC0001.JPG").fieldIndex("status")));
    } finally {
      org.facealign.data.CheckThenWriteFileSystem.unlistable = null;
    }
  }

  @Test
  void listFilesAndParquetTablesGiveBoxesAndBadRecordsAreNamed(@TempDir Path dir) throws Exception {
    Path data = Files.createDirectories(dir.resolve("imgs"));
    byte[] jpg = ImageKinds.jpeg(picture, false);
    Files.write(data.resolve("one.jpg"), jpg);
    Files.write(data.resolve("two.jpg"), ImageKinds.jpeg(ImageKinds.rotateClockwise(ImageKinds.rotateClockwise(picture)), false));
    Path list = dir.resolve("imgs/list.txt");
    Files.writeString(list, String.join("\n",
        "# images to label",
        "one.jpg 100 100 300 300",
        "one.jpg\t10\t20\t90\t120",
        "",
        "two.jpg",
        "three.jpg 1 2",
        "missing.jpg"));
    StructType schema = DataTypes.createStructType(List.of(
        DataTypes.createStructField("path", DataTypes.StringType, true),
        DataTypes.createStructField("x0", DataTypes.DoubleType, true),
        DataTypes.createStructField("y0", DataTypes.DoubleType, true),
        DataTypes.createStructField("x1", DataTypes.DoubleType, true),
        DataTypes.createStructField("y1", DataTypes.DoubleType, true)));
    String table = dir.resolve("table.parquet").toString();
    spark.createDataFrame(List.of(RowFactory.create(data.resolve("one.jpg").toString(), 5.0, 5.0, 50.0, 60.0),
        RowFactory.create(data.resolve("two.jpg").toString(), null, null, null, null)), schema)
        .coalesce(1).write().parquet(table);

    JsonNode s = run(meanModel(dir), dir.resolve("labels").toString(), false, 0, list.toString(), table);
    assertEquals(4, s.get("images_in").asInt(), s.toString()); // one, two, three (bad line), missing
    assertEquals(7, s.at("/last_run/input_records").asInt()); // five list lines, two table rows
    assertEquals(3, s.at("/last_run/duplicate_records").asInt());
    assertEquals(1, s.at("/failed_by_reason/input: invalid_input").asInt());
    assertEquals(1, s.at("/failed_by_reason/read: file_not_found").asInt());
    Map<String, Row> byName = new HashMap<>();
    rows(s, "images").collectAsList().forEach(r -> byName.put(name(r), r));
    assertTrue(byName.get("three.jpg").getString(byName.get("three.jpg").fieldIndex("reason")).contains("list.txt:6"));
    assertEquals(3, byName.get("one.jpg").getInt(byName.get("one.jpg").fieldIndex("faces")), "two list boxes, one table box");
    List<Row> oneFaces = rows(s, "faces").filter("path like '%one.jpg'").collectAsList();
    assertTrue(oneFaces.stream().allMatch(r -> r.getString(r.fieldIndex("box_source")).equals("given")));
    List<Row> twoFaces = rows(s, "faces").filter("path like '%two.jpg'").collectAsList();
    assertTrue(twoFaces.size() >= 1 && twoFaces.stream().noneMatch(r -> r.getString(r.fieldIndex("box_source")).equals("given")),
        "no box given: detected");
  }

  @Test
  void rerunsReplaceIncrementsAddOnlyNewContentAndALockStopsASecondRun(@TempDir Path dir) throws Exception {
    Path data = Files.createDirectories(dir.resolve("archive"));
    List<Path> common = new ArrayList<>();
    try (var f = Files.list(w300.resolve("lfpw/testset"))) {
      f.filter(p -> p.toString().endsWith(".jpg")).sorted().limit(18).forEach(common::add);
    }
    for (int i = 0; i < 8; i++) {
      Files.copy(common.get(i), data.resolve(common.get(i).getFileName()));
    }
    String model = meanModel(dir);
    String out = dir.resolve("labels").toString();
    JsonNode first = run(model, out, false, 0, data.toString());
    assertEquals(8, first.get("images_in").asInt());

    for (int i = 8; i < 18; i++) {
      Files.copy(common.get(i), data.resolve(common.get(i).getFileName()));
    }
    JsonNode inc = run(model, out, true, 0, data.toString());
    assertEquals(10, inc.at("/last_run/images_in").asInt(), "exactly the new images are labelled");
    assertEquals(8, inc.at("/last_run/skipped_already_labelled").asInt());
    assertEquals(18, inc.get("images_in").asInt());
    assertEquals(2, inc.get("parts").size());
    List<Row> images = rows(inc, "images").collectAsList();
    assertEquals(18, images.size());
    assertEquals(18, images.stream().map(r -> r.getString(0)).distinct().count());

    JsonNode again = run(model, out, true, 0, data.toString());
    assertEquals(0, again.at("/last_run/images_in").asInt());
    assertEquals(18, again.at("/last_run/skipped_already_labelled").asInt());
    assertEquals(18, rows(again, "images").count());
    assertEquals(2, again.get("parts").size(), "a run with nothing new adds no part");
    try (var p = Files.list(Path.of(out, "parts"))) {
      assertEquals(2, p.count());
    }

    JsonNode full = run(model, out, false, 0, data.toString());
    assertEquals(18, full.get("images_in").asInt());
    assertEquals(1, full.get("parts").size(), "a full run replaces the dataset");
    assertEquals(18, rows(full, "images").count());
    try (var p = Files.list(Path.of(out, "parts"))) {
      assertEquals(1, p.count(), "the replaced parts are gone");
    }
    assertFalse(Files.exists(Path.of(out, "_lock")));

    try (FileLock held = FileLock.acquire(Storage.local(), Path.of(out, "_lock").toString(), "another label run", false)) {
      FileLock.HeldException e = assertThrows(FileLock.HeldException.class, () -> run(model, out, false, 0, data.toString()));
      assertTrue(e.getMessage().contains("another label run"), e.getMessage());
    }
    assertEquals(18, LabelDatasetReader.images(out), "the held lock changed nothing");
  }

  @Test
  void mirrorAveragedLandmarksAreAnotherModelsRows(@TempDir Path dir) throws Exception {
    Path data = Files.createDirectories(dir.resolve("archive"));
    try (var f = Files.list(w300.resolve("lfpw/testset"))) {
      for (Path p : (Iterable<Path>) f.filter(q -> q.toString().endsWith(".jpg")).sorted().limit(3)::iterator) {
        Files.copy(p, data.resolve(p.getFileName()));
      }
    }
    String model = meanModel(dir);
    String out = dir.resolve("labels").toString();
    JsonNode plain = run(model, out, false, 0, data.toString());
    String id = plain.at("/model/id").asText();
    assertFalse(plain.at("/model/mirror_average").asBoolean());
    assertFalse(id.endsWith(LabelJob.MIRROR_AVERAGED), id);
    FacealignConfig mirrored = CFG.with(Map.of("inference.mirror-average", "true"));
    JsonNode inc = LabelJob.run(spark, mirrored, Storage.local(),
        new LabelJob.Spec(List.of(data.toString()), "auto", out, model, true, 0, false));
    assertEquals(id + LabelJob.MIRROR_AVERAGED, inc.at("/model/id").asText());
    assertTrue(inc.at("/model/mirror_average").asBoolean());
    assertEquals(3, inc.at("/last_run/images_in").asInt(), "labelled again: other landmarks, another model's rows");
    assertEquals(0, inc.at("/last_run/skipped_already_labelled").asInt());
    List<Row> faces = rows(inc, "faces").filter("model_id = '" + id + LabelJob.MIRROR_AVERAGED + "'").collectAsList();
    assertTrue(faces.size() >= 3, "the new rows name the averaging: " + faces.size());
  }

  @Test
  void aChunksTablesAndCountsComeFromOneLabellingWhenItsCachedLabelsAreLostBetweenTheWrites(@TempDir Path dir)
      throws Exception {
    Path data = Files.createDirectories(dir.resolve("archive"));
    List<Path> images = new ArrayList<>();
    try (var f = Files.list(w300.resolve("lfpw/testset"))) {
      f.filter(p -> p.toString().endsWith(".jpg")).sorted().limit(3).forEach(images::add);
    }
    for (Path p : images) {
      Files.copy(p, data.resolve(p.getFileName()));
    }
    Path victim = data.resolve(images.get(0).getFileName());
    String model = meanModel(dir);
    String out = dir.resolve("labels").toString();
    // after the faces are written, the cached labels are lost (as with an executor) and one image goes away: a
    // second labelling would find it missing
    JsonNode s = LabelJob.run(spark, CFG, Storage.local(), new LabelJob.Spec(List.of(data.toString()), "auto", out,
        model, false, 0, false), new LabelJob.Hooks() {
          @Override
          public void afterFacesWritten(org.apache.spark.api.java.JavaRDD<org.facealign.label.ImageLabel> labels)
              throws java.io.IOException {
            labels.unpersist(true);
            Files.delete(victim);
          }
        });
    assertEquals(3, s.get("images_in").asInt());
    assertEquals(0, s.get("failed").asInt(), "the tally is of the labelling the tables were written from");
    List<Row> rows = rows(s, "images").collectAsList();
    assertEquals(3, rows.size());
    for (Row r : rows) {
      assertTrue(!r.getString(r.fieldIndex("status")).equals("failed"), name(r) + ": " + r);
      long faces = rows(s, "faces").filter(col("path").equalTo(r.getString(r.fieldIndex("path")))).count();
      assertEquals(r.getInt(r.fieldIndex("faces")), faces, name(r) + ": the two tables agree");
    }
    try (var left = Files.list(Path.of(out, "_staging"))) {
      assertEquals(List.of(), left.toList(), "the checkpoint goes with the run's staging");
    }
  }

  @Test
  void anIncrementalRunLabelsAgainAnImageWhoseFailureItsBytesDidNotDecide(@TempDir Path dir) throws Exception {
    Path data = Files.createDirectories(dir.resolve("imgs"));
    Files.write(data.resolve("one.jpg"), ImageKinds.jpeg(picture, false));
    Files.write(data.resolve("two.jpg"), ImageKinds.jpeg(picture, true));
    Files.writeString(data.resolve("bad.jpg"), "not an image");
    String model = meanModel(dir);
    String out = dir.resolve("labels").toString();
    JsonNode first = run(model, out, true, 0, data.toString());
    assertEquals(3, first.get("images_in").asInt(), first.toString());
    // as if the detector had failed on two.jpg (a library's fault, the task's memory exhausted): its row says so
    String images = first.get("images").get(0).asText();
    Path moved = dir.resolve("images-before");
    Files.move(Path.of(java.net.URI.create(images)), moved);
    org.apache.spark.sql.Column two = org.apache.spark.sql.functions.col("path").endsWith("/two.jpg");
    Dataset<Row> before = spark.read().parquet(moved.toString());
    before.withColumn("status", org.apache.spark.sql.functions.when(two, ImageLabel.FAILED).otherwise(
            org.apache.spark.sql.functions.col("status")))
        .withColumn("failed_stage", org.apache.spark.sql.functions.when(two, "detect").otherwise(
            org.apache.spark.sql.functions.col("failed_stage")))
        .withColumn("reason_code", org.apache.spark.sql.functions.when(two, Labeler.DETECTOR_ERROR).otherwise(
            org.apache.spark.sql.functions.col("reason_code")))
        .coalesce(1).write().parquet(images);
    JsonNode again = run(model, out, true, 0, data.toString());
    assertEquals(1, again.at("/last_run/images_in").asInt(), "two.jpg alone, labelled again: " + again);
    assertEquals(2, again.at("/last_run/skipped_already_labelled").asInt(), again.toString());
    List<Row> rowsOfTwo = rows(again, "images").filter(two).collectAsList();
    assertEquals(2, rowsOfTwo.size(), "the failed row stays beside the new one");
    assertEquals(1, rowsOfTwo.stream().filter(r -> r.getString(r.fieldIndex("status")).equals(ImageLabel.FACES))
        .count(), rowsOfTwo.toString());
    // bad.jpg's failure is its bytes': not tried again
    assertEquals(1, rows(again, "images").filter(org.apache.spark.sql.functions.col("path").endsWith("/bad.jpg"))
        .count());
  }

  @Test
  void anIncrementalRunDoesNotAddAFailureTheDatasetAlreadyHas(@TempDir Path dir) throws Exception {
    Path data = Files.createDirectories(dir.resolve("imgs"));
    Files.write(data.resolve("one.jpg"), ImageKinds.jpeg(picture, false));
    Path list = data.resolve("list.txt");
    Files.writeString(list, String.join("\n", "one.jpg", "gone.jpg", "../outside.jpg"));
    String model = meanModel(dir);
    String out = dir.resolve("labels").toString();
    JsonNode first = run(model, out, true, 0, list.toString());
    assertEquals(3, first.get("images_in").asInt(), first.toString());
    assertEquals(2, first.get("failed").asInt());
    JsonNode again = run(model, out, true, 0, list.toString());
    assertEquals(0, again.at("/last_run/images_in").asInt(), again.toString());
    assertEquals(3, again.at("/last_run/skipped_already_labelled").asInt(), again.toString());
    assertEquals(3, again.get("images_in").asInt(), "each failure once, not once per run");
    assertEquals(2, again.get("failed").asInt());
    assertEquals(3, rows(again, "images").count());
    // a failure that changes (the file is now there, but not an image) is a new row
    Files.writeString(data.resolve("gone.jpg"), "not an image");
    JsonNode third = run(model, out, true, 0, list.toString());
    assertEquals(1, third.at("/last_run/images_in").asInt(), third.toString());
    assertEquals(4, rows(third, "images").count());
    // the same failure whose reason reads otherwise (a file still too large, but longer): no new row
    try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(data.resolve("gone.jpg").toFile(), "rw")) {
      f.setLength(CFG.data().maxFileBytes() + 1); // sparse: nothing is written
    }
    JsonNode tooLarge = run(model, out, true, 0, list.toString());
    assertEquals(1, tooLarge.at("/last_run/images_in").asInt(), tooLarge.toString());
    assertEquals(1, tooLarge.at("/failed_by_reason/read: file_too_large").asInt(), tooLarge.toString());
    try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(data.resolve("gone.jpg").toFile(), "rw")) {
      f.setLength(CFG.data().maxFileBytes() + 1000);
    }
    JsonNode longer = run(model, out, true, 0, list.toString());
    assertEquals(0, longer.at("/last_run/images_in").asInt(), longer.toString());
    assertEquals(5, rows(longer, "images").count(), "one row for the too-large file, not one per run");
    assertEquals(5, longer.get("images_in").asInt());
  }

  @Test
  void namesWithAColonAreFilesAndRowsWithoutAPathFailAloneNamingTheirRow(@TempDir Path dir) throws Exception {
    // Hadoop alone reads "img:1.jpg" as a URI of scheme "img"; a list names a file
    LabelInput line = LabelInputs.parseLine("img:1.jpg 10 10 90 90", 4, "l.txt", "file:/x/lists", false);
    assertEquals("file:/x/lists/img:1.jpg", line.path());
    assertEquals(null, line.problem());
    assertEquals("file:/x/lists/12:30:05.jpg", LabelInputs.parseLine("12:30:05.jpg", 9, "l.txt", "file:/x/lists",
        false).path());

    Path data = Files.createDirectories(dir.resolve("imgs"));
    Files.write(data.resolve("one.jpg"), ImageKinds.jpeg(picture, false));
    Files.write(data.resolve("two.jpg"), ImageKinds.jpeg(picture, false));
    Files.write(data.resolve("img:1.jpg"), ImageKinds.jpeg(picture, false));
    Path list = data.resolve("list.txt");
    Files.writeString(list, String.join("\n", "one.jpg", "img:1.jpg 10 10 90 90", "12:30:05.jpg", "two.jpg"));
    StructType schema = DataTypes.createStructType(List.of(
        DataTypes.createStructField("path", DataTypes.StringType, true)));
    String table = data.resolve("table.parquet").toString();
    spark.createDataFrame(List.of(RowFactory.create("two.jpg"), RowFactory.create("x:y.jpg"),
        RowFactory.create((Object) null), RowFactory.create("  ")), schema).coalesce(1).write().parquet(table);

    JsonNode s = run(meanModel(dir), dir.resolve("labels").toString(), false, 0, list.toString(), table);
    // one, two (listed twice), img:1 (its given box), two colon names that are not there, two rows without a path
    assertEquals(7, s.get("images_in").asInt(), s.toString());
    assertEquals(3, s.get("images_with_faces").asInt(), s.toString());
    assertEquals(4, s.get("failed").asInt());
    assertEquals(2, s.at("/failed_by_reason/input: invalid_input").asInt(), s.toString());
    assertEquals(s.get("images_in").asInt(), s.get("images_with_faces").asInt() + s.get("no_face").asInt()
        + s.get("failed").asInt());
    assertEquals(8, s.at("/last_run/input_records").asInt());
    Map<String, String> reasons = new TreeMap<>();
    for (Row r : rows(s, "images").collectAsList()) {
      String path = r.getString(r.fieldIndex("path"));
      assertEquals(null, reasons.put(path.substring(path.lastIndexOf('/') + 1),
          r.getString(r.fieldIndex("status")) + " " + r.getString(r.fieldIndex("reason"))), "one row per input");
    }
    assertEquals("faces null", reasons.get("one.jpg"));
    assertEquals("faces null", reasons.get("two.jpg"));
    assertEquals("faces null", reasons.get("img:1.jpg"));
    assertEquals("failed file not found", reasons.get("12:30:05.jpg"), "a file of that name, not there");
    assertEquals("failed file not found", reasons.get("x:y.jpg"));
    // a row is named by its file within the table and its place in that file
    for (int row : new int[] {3, 4}) {
      String key = reasons.keySet().stream().filter(k -> k.endsWith(".parquet (row " + row + " without a path)"))
          .findFirst().orElseThrow(() -> new AssertionError(reasons.toString()));
      assertTrue(reasons.get(key).matches("failed \\Q" + table + "\\E/part-[^/]+\\.parquet: row " + row
          + " has no image path"), reasons.get(key));
    }
  }

  @Test
  void rowsWithoutAPathAreNamedByTheirFileAndRowHoweverTheTableIsSplitIntoTasks(@TempDir Path dir) throws Exception {
    StructType schema = DataTypes.createStructType(List.of(
        DataTypes.createStructField("path", DataTypes.StringType, true)));
    String table = dir.resolve("table.parquet").toString();
    // two files of many small row groups each: 3000 rows without a path at 38, 538, ..., 2538 and 2996, and 1000
    // rows without one at 102 and 602 (names that do not compress, so that the files have many row groups; Spark
    // reads small splits of them largest first, so the short last split of the large file after the small file's)
    java.util.Random rnd = new java.util.Random(7);
    for (int[] f : new int[][] {{3000, 37}, {1000, 101}}) {
      List<Row> rows = new ArrayList<>();
      for (int i = 0; i < f[0]; i++) {
        String name = "images/" + Long.toHexString(rnd.nextLong()) + Long.toHexString(rnd.nextLong()) + ".jpg";
        rows.add(RowFactory.create(i % 500 == f[1] || i == 2995 ? null : name));
      }
      spark.createDataFrame(rows, schema).coalesce(1).write().mode("append").option("parquet.block.size", 4096)
          .parquet(table);
    }
    List<String> whole = withoutPath(table);
    String split = spark.conf().get("spark.sql.files.maxPartitionBytes");
    List<String> inTasks;
    spark.conf().set("spark.sql.files.maxPartitionBytes", "4096");
    try {
      int tasks = spark.read().parquet(table).javaRDD().getNumPartitions();
      assertTrue(tasks > 3, "the files are read in several tasks: " + tasks);
      inTasks = withoutPath(table);
    } finally {
      spark.conf().set("spark.sql.files.maxPartitionBytes", split);
    }
    assertEquals(whole, inTasks, "named alike however the files are split");
    Map<String, List<Integer>> byFile = new TreeMap<>();
    for (String p : whole) {
      java.util.regex.Matcher m = java.util.regex.Pattern.compile(
          ".*/table\\.parquet/(part-[^/]+\\.parquet) \\(row (\\d+) without a path\\)").matcher(p);
      assertTrue(m.matches(), p);
      byFile.computeIfAbsent(m.group(1), k -> new ArrayList<>()).add(Integer.parseInt(m.group(2)));
    }
    List<List<Integer>> rowsPerFile = new ArrayList<>();
    for (List<Integer> rows : byFile.values()) {
      rows.sort(null);
      rowsPerFile.add(rows);
    }
    rowsPerFile.sort(java.util.Comparator.comparing(List::size));
    assertEquals(List.of(List.of(102, 602), List.of(38, 538, 1038, 1538, 2038, 2538, 2996)), rowsPerFile,
        "each row without a path is an input of its own, named by its place in its file");
  }

  /** The inputs a listing of {@code table} makes of its rows without a path, sorted. */
  static List<String> withoutPath(String table) throws Exception {
    LabelInputs.Listing l = LabelInputs.list(spark, Storage.local(), CFG.label(), List.of(table),
        LabelInputs.Kind.AUTO, false);
    try {
      return new ArrayList<>(new TreeSet<>(l.inputs().filter(in -> in.problem() != null).map(LabelInput::path)
          .collect()));
    } finally {
      l.release();
    }
  }

  @Test
  void theResumeFingerprintFollowsTheInputsRecordsAndTheSettingsThatChangeARow() {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    List<LabelInput> inputs = List.of(LabelInput.named("file:/d/a.jpg", List.of(new FaceBox(1, 2, 30, 40))),
        LabelInput.named("file:/d/b.jpg", null), LabelInput.broken("file:/d/c.jpg", "list.txt:3: bad line"),
        LabelInput.listed("file:/d/e.jpg", 1234, "file:/d/e.pts", null, "sub"));
    String fp = LabelJob.fingerprint(4, jsc.parallelize(inputs, 2), CFG);
    assertTrue(fp.startsWith("4-"), fp);
    List<LabelInput> reversed = new ArrayList<>(inputs);
    Collections.reverse(reversed);
    assertEquals(fp, LabelJob.fingerprint(4, jsc.parallelize(reversed, 3), CFG), "order and partitions do not count");

    List<List<LabelInput>> edited = List.of(
        List.of(LabelInput.named("file:/d/a.jpg", List.of(new FaceBox(1, 2, 31, 40))), inputs.get(1), inputs.get(2),
            inputs.get(3)),
        List.of(LabelInput.named("file:/d/a.jpg", null), inputs.get(1), inputs.get(2), inputs.get(3)),
        List.of(inputs.get(0), LabelInput.named("file:/d/b.jpg", List.of(new FaceBox(1, 2, 30, 40))), inputs.get(2),
            inputs.get(3)),
        List.of(inputs.get(0), inputs.get(1), LabelInput.broken("file:/d/c.jpg", "list.txt:4: bad line"),
            inputs.get(3)),
        List.of(inputs.get(0), inputs.get(1), inputs.get(2),
            LabelInput.listed("file:/d/e.jpg", 1235, "file:/d/e.pts", null, "sub")));
    for (List<LabelInput> e : edited) {
      assertNotEquals(fp, LabelJob.fingerprint(4, jsc.parallelize(e, 2), CFG), e.toString());
    }
    for (String setting : List.of("detect.rebox=false", "detect.min-face=0.3", "detect.stages=[frontal]",
        "label.crop-margin=1.5", "label.ground-truth=false", "label.predict-batch=8", "data.max-pixels=1000000")) {
      String[] kv = setting.split("=", 2);
      FacealignConfig changed = FacealignConfig.load(null, Map.of("spark.master", "local[2]", kv[0], kv[1]));
      assertNotEquals(fp, LabelJob.fingerprint(4, jsc.parallelize(inputs, 2), changed), setting);
    }
    for (String setting : List.of("label.chunk-images=5", "label.images-per-task=7", "label.images-per-file=9",
        "label.progress-seconds=3", "label.native-threads=2", "label.overlay-side=300")) {
      String[] kv = setting.split("=", 2);
      FacealignConfig same = FacealignConfig.load(null, Map.of("spark.master", "local[2]", kv[0], kv[1]));
      assertEquals(fp, LabelJob.fingerprint(4, jsc.parallelize(inputs, 2), same), setting + " changes no row");
    }
  }

  @Test
  void aResumedIncrementalRunCommitsTheChunksItRecordedButDidNotCommit(@TempDir Path dir) throws Exception {
    Path data = Files.createDirectories(dir.resolve("archive"));
    try (var f = Files.list(w300.resolve("lfpw/testset"))) {
      for (Path p : f.filter(p -> p.toString().endsWith(".jpg")).sorted().limit(12).toList()) {
        Files.copy(p, data.resolve(p.getFileName()));
      }
    }
    FacealignConfig cfg = FacealignConfig.load(null, Map.of("spark.master", "local[2]",
        "label.images-per-task", "4", "label.chunk-images", "4"));
    Storage st = Storage.local();
    String out = dir.resolve("labels").toString();
    LabelJob.Spec spec = new LabelJob.Spec(List.of(data.toString()), "auto", out, meanModel(dir), true, 0, false);
    JsonNode whole = LabelJob.run(spark, cfg, st, spec);
    assertEquals(12, whole.get("images_in").asInt());
    String runId = whole.at("/last_run/run_id").asText();

    // the driver died after recording chunk 2 and before moving it into parts/; once more, after moving it; once
    // more in the middle of a move that copies file by file and deletes what it copied (S3A): parts/ holds the faces
    // files, a cut copy of an images file and a stray file, the staging directory the rest; and once more with a
    // staged file gone (removed by hand): the chunk is labelled again
    for (String at : List.of("staged", "parts", "half-moved", "lost")) {
      boolean staged = !at.equals("parts");
      stopBeforeTheLastCommit(st, cfg, out, data.toString(), staged);
      Path part = Path.of(LabelDataset.partDir(out, LabelDataset.partId(runId, 2)));
      Path chunk = Path.of(LabelDataset.chunkDir(out, runId, 2));
      Path imageFile = null;
      if (staged) {
        try (var f = Files.list(chunk.resolve("images"))) {
          imageFile = f.filter(x -> x.getFileName().toString().endsWith(".parquet")).findFirst().orElseThrow();
        }
      }
      if (at.equals("half-moved")) {
        Files.createDirectories(part.resolve("images"));
        Files.move(chunk.resolve("faces"), part.resolve("faces"));
        Files.writeString(part.resolve("images").resolve(imageFile.getFileName()), "cut short");
        Files.writeString(part.resolve("images/part-09999-stray.parquet"), "not the chunk's");
      } else if (at.equals("lost")) {
        Files.delete(imageFile);
      }
      assertEquals(2, LabelDataset.committed(st, out).size());
      JsonNode s = LabelJob.run(spark, cfg, st, spec);
      String state = "chunk 2 " + at + ": ";
      assertEquals(runId, s.at("/last_run/run_id").asText(), state + "the rerun resumed the run");
      assertEquals(3, s.get("parts").size(), state + s);
      assertEquals(12, s.get("images_in").asInt(), state + s);
      assertEquals(12, s.at("/last_run/images_in").asInt(), state + s);
      assertEquals(0, s.at("/last_run/skipped_already_labelled").asInt(), state + "nothing labelled twice");
      assertEquals(s.get("images_in").asInt(), s.get("images_with_faces").asInt() + s.get("no_face").asInt()
          + s.get("failed").asInt());
      List<Row> images = rows(s, "images").select("path").collectAsList();
      assertEquals(12, images.size(), state + "one status row per image");
      assertEquals(12, images.stream().map(r -> r.getString(0)).distinct().count(), state + "no image twice");
      assertEquals(s.get("faces_out").asLong(), rows(s, "faces").count());
      try (var p = Files.list(Path.of(out, "parts"))) {
        assertEquals(3, p.count(), state + "every committed part is on disk, no other");
      }
      assertFalse(Files.exists(Path.of(out, "_staging", runId)), state + "the finished run's staging is removed");
    }
  }

  /**
   * Makes {@code out}, the dataset of one finished incremental run in 3 chunks, what the run leaves when its driver
   * dies after recording chunk 2 as done and before committing it: run.json records chunks 0 to 2, summary.json
   * lists the parts of chunks 0 and 1, and chunk 2 is in its staging directory ({@code staged}) or in parts/.
   */
  static void stopBeforeTheLastCommit(Storage st, FacealignConfig cfg, String out, String data, boolean staged)
      throws Exception {
    List<LabelDataset.Part> parts = LabelDataset.committed(st, out);
    assertEquals(3, parts.size());
    String runId = parts.get(0).runId();
    String modelId = parts.get(0).modelId();
    TreeMap<Integer, LabelTally> done = new TreeMap<>();
    TreeMap<Integer, TreeMap<String, Long>> files = new TreeMap<>();
    for (int k = 0; k < 3; k++) {
      String id = LabelDataset.partId(runId, k);
      done.put(k, parts.stream().filter(p -> p.id().equals(id)).findFirst().orElseThrow().tally());
      files.put(k, st.filesUnder(LabelDataset.partDir(out, id)));
      assertTrue(files.get(k).keySet().stream().anyMatch(f -> f.startsWith("images/") && f.endsWith(".parquet")));
    }
    LabelInputs.Listing listing = LabelInputs.list(spark, st, cfg.label(), List.of(data), LabelInputs.Kind.AUTO,
        cfg.data().allowOutsideRoot());
    String fingerprint;
    try {
      fingerprint = LabelJob.fingerprint(listing.inputs().count(), listing.inputs(), cfg);
    } finally {
      listing.release();
    }
    LabelDataset.recordRun(st, out, new LabelDataset.RunState(runId, "incremental", modelId, fingerprint, 3, done,
        files));
    if (staged) {
      st.rename(LabelDataset.partDir(out, LabelDataset.partId(runId, 2)), LabelDataset.chunkDir(out, runId, 2));
    }
    List<LabelDataset.Part> first = parts.stream().filter(p -> !p.id().equals(LabelDataset.partId(runId, 2)))
        .toList();
    LabelDataset.commit(st, out, first, modelId, JSON.createObjectNode());
  }

  /** The committed image count of a dataset, from its summary. */
  static final class LabelDatasetReader {
    static long images(String out) throws Exception {
      return JSON.readTree(Path.of(out, "summary.json").toFile()).get("images_in").asLong();
    }
  }
}

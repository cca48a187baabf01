package org.facealign.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class W300LayoutTest {
  private static final Storage STORAGE = Storage.local();

  @Test
  void realDataHasTheDocumentedCounts() {
    String root = TestData.w300().toString();
    assertTrue(W300Layout.looksLike(STORAGE, root));
    Discovery d = W300Layout.discover(STORAGE, root);
    assertEquals(List.of(), d.missingParts());
    assertEquals(
        Map.of(W300Layout.TRAINING, 2014, W300Layout.COMMON, 554, W300Layout.CHALLENGING, 4), d.countsBySubset());
    assertEquals(List.of("training", "common", "challenging"), d.subsets());
    assertEquals(2572, d.entries().size());
    assertEquals(224, d.entries().stream().filter(e -> e.id().startsWith("lfpw/testset/")).count());
    assertEquals(List.of(), d.problems());
    Set<String> ids = new HashSet<>();
    String previous = "";
    for (FaceEntry e : d.entries()) {
      assertNull(e.problem(), e.id());
      assertNull(e.boxProblem(), e.id());
      assertNotNull(e.detectorBox(), e.id());
      assertTrue(e.imagePath().endsWith(".jpg") && e.annotationPath().endsWith(".pts"), e.id());
      assertTrue(ids.add(e.id()), "duplicate id " + e.id());
      assertTrue(e.id().compareTo(previous) > 0, "not sorted at " + e.id());
      previous = e.id();
    }
    FaceEntry afw = d.entries().stream().filter(e -> e.id().equals("afw/1051618982_1")).findFirst().orElseThrow();
    assertEquals("training", afw.subset());
    assertEquals(new FaceBox(170.536, 167.884, 383.949, 381.297), afw.detectorBox());
    assertEquals(Path.of(root, "afw", "1051618982_1.jpg").toString(), afw.imagePath());
    assertEquals(
        List.of("ibug/image_003_1", "ibug/image_004_1", "ibug/image_005_1", "ibug/image_006"),
        d.entries("challenging").stream().map(FaceEntry::id).toList());

    // The first face of every subset loads with the 68-point scheme.
    for (String subset : d.subsets()) {
      LoadedFace f = FaceReader.load(
          d.entries(subset).get(0), STORAGE, FaceReader.Limits.defaults(), LandmarkScheme.IBUG_68);
      assertEquals(68, f.face().landmarks().numPoints());
      assertTrue(LandmarkScheme.IBUG_68.interPupilDistance(f.face().landmarks()) > 10, subset);
      assertTrue(f.image().width() > 100 && f.image().height() > 100, subset);
    }
  }

  @Test
  void derivedAndTestSubsets() {
    assertEquals(Map.of("full", List.of("common", "challenging")), W300Layout.derivedSubsets());
    assertEquals(List.of("common", "challenging"), W300Layout.TEST_SUBSETS);
    assertEquals(
        List.of("afw", "lfpw/trainset", "helen/trainset", "lfpw/testset", "helen/testset", "ibug"),
        List.copyOf(W300Layout.parts().keySet()));
  }

  @Test
  void syntheticTreeReportsExactlyItsProblems(@TempDir Path tmp) throws Exception {
    Map<String, Integer> parts = new LinkedHashMap<>();
    parts.put("afw", 3);
    parts.put("helen/trainset", 1);
    parts.put("lfpw/testset", 2);
    parts.put("helen/testset", 1);
    parts.put("ibug", 2);
    SyntheticFaces.Options opt = new SyntheticFaces.Options(48, 0.5, 0.6, 5, 2, 0.01);
    SyntheticFaces.writeW300Layout(tmp, parts, 11, opt);
    // An annotation without image, an image without annotation (upper-case extension), a boxes.txt
    // missing one image, a folder without boxes.txt, a broken boxes.txt, an unrelated file.
    Files.copy(tmp.resolve("afw/image_0001.pts"), tmp.resolve("afw/orphan.pts"));
    Files.copy(tmp.resolve("lfpw/testset/image_0001.jpg"), tmp.resolve("lfpw/testset/lonely.PNG"));
    Files.writeString(tmp.resolve("afw/readme.md"), "notes");
    Path ibugBoxes = tmp.resolve("ibug/boxes.txt");
    List<String> kept = new ArrayList<>();
    for (String l : Files.readAllLines(ibugBoxes)) {
      if (!l.startsWith("image_0002.jpg")) {
        kept.add(l);
      }
    }
    Files.write(ibugBoxes, kept);
    Files.delete(tmp.resolve("helen/testset/boxes.txt"));
    Files.writeString(tmp.resolve("helen/trainset/boxes.txt"), "# header\nimage_0001.jpg 1 2 x 4\n");

    String root = tmp.toString();
    Discovery d = W300Layout.discover(STORAGE, root);
    assertEquals(List.of("lfpw/trainset"), d.missingParts());
    assertEquals(
        List.of("afw/image_0001", "afw/image_0002", "afw/image_0003", "afw/orphan",
            "helen/testset/image_0001", "helen/trainset/image_0001", "ibug/image_0001", "ibug/image_0002",
            "lfpw/testset/image_0001", "lfpw/testset/image_0002", "lfpw/testset/lonely"),
        d.entries().stream().map(FaceEntry::id).toList());
    assertEquals(Map.of("training", 5, "common", 4, "challenging", 2), d.countsBySubset());

    Map<String, String> problems = d.problems().stream().collect(Collectors.toMap(FaceEntry::id, FaceEntry::problem));
    assertEquals(Map.of(
        "afw/orphan", "annotation has no image (looked for orphan.jpg/.jpeg/.png/.bmp)",
        "lfpw/testset/lonely", "image has no .pts annotation"), problems);
    FaceEntry orphan = byId(d, "afw/orphan");
    assertNull(orphan.imagePath());
    assertEquals(Path.of(root, "afw", "orphan.pts").toString(), orphan.annotationPath());
    assertEquals(Path.of(root, "lfpw/testset/lonely.PNG").toString(), byId(d, "lfpw/testset/lonely").imagePath());
    assertNull(byId(d, "lfpw/testset/lonely").annotationPath());

    Map<String, String> boxProblems = new LinkedHashMap<>();
    for (FaceEntry e : d.entries()) {
      if (e.boxProblem() != null) {
        assertNull(e.detectorBox(), e.id());
        boxProblems.put(e.id(), e.boxProblem());
      }
    }
    String helenTestDir = Path.of(root, "helen/testset").toString();
    String helenTrainBoxes = Path.of(root, "helen/trainset/boxes.txt").toString();
    assertEquals(Map.of(
        "helen/testset/image_0001", "no boxes.txt in " + helenTestDir,
        "helen/trainset/image_0001", helenTrainBoxes + ":2: x_max is not a number: 'x'",
        "ibug/image_0002", "boxes.txt has no box for image_0002.jpg",
        "lfpw/testset/lonely", "boxes.txt has no box for lonely.PNG"), boxProblems);

    // Every other face with an image has exactly the box that was written (3 decimals).
    for (String part : List.of("afw", "ibug", "lfpw/testset")) {
      SyntheticFaces gen = new SyntheticFaces(SyntheticFaces.partSeed(11, part), opt);
      for (int k = 1; k <= parts.get(part); k++) {
        FaceBox written = gen.next().detectorBox();
        FaceEntry e = byId(d, part + "/image_000" + k);
        if (e.id().equals("ibug/image_0002")) {
          continue;
        }
        assertEquals(written.x0(), e.detectorBox().x0(), 5e-4, e.id());
        assertEquals(written.y0(), e.detectorBox().y0(), 5e-4, e.id());
        assertEquals(written.x1(), e.detectorBox().x1(), 5e-4, e.id());
        assertEquals(written.y1(), e.detectorBox().y1(), 5e-4, e.id());
        // boxes.txt has a comment line, then one line per image in order
        assertEquals(Path.of(root, part, "boxes.txt") + ":" + (k + 1), e.boxSource(), e.id());
      }
    }
    assertNull(byId(d, "ibug/image_0002").boxSource());
    assertTrue(d.notes().contains("afw: 3 faces (training), 1 unusable"), d.notes().toString());
    // a missing or broken boxes.txt is named in the notes too, the broken one with its line and error
    assertTrue(d.notes().contains("helen/trainset: no detector boxes: " + helenTrainBoxes
        + ":2: x_max is not a number: 'x'"), d.notes().toString());
    assertTrue(d.notes().contains("helen/testset: no detector boxes: no boxes.txt in " + helenTestDir),
        d.notes().toString());
    assertEquals(2, d.notes().stream().filter(n -> n.contains("no detector boxes")).count(), d.notes().toString());
    assertTrue(d.notes().stream().anyMatch(n -> n.contains("ignored 1 other file(s), e.g. readme.md")), d.notes().toString());
  }

  @Test
  void fileNamesWithAColonAreFacesLikeAnyOther(@TempDir Path tmp) throws Exception {
    SyntheticFaces.Options opt = new SyntheticFaces.Options(48, 0.5, 0.6, 5, 2, 0.01);
    SyntheticFaces.writeW300Layout(tmp, Map.of("ibug", 2, "afw", 1), 13, opt);
    Path ibug = tmp.resolve("ibug");
    Files.copy(ibug.resolve("image_0001.jpg"), ibug.resolve("a:1.jpg"));
    Files.copy(ibug.resolve("image_0001.pts"), ibug.resolve("a:1.pts"));
    Files.copy(ibug.resolve("image_0002.pts"), ibug.resolve("stray:2.pts"));
    Files.writeString(ibug.resolve("boxes.txt"), "a:1.jpg 1 2 30 40\n", java.nio.file.StandardOpenOption.APPEND);

    String root = tmp.toString();
    Discovery d = W300Layout.discover(STORAGE, root);
    assertEquals(List.of("afw/image_0001", "ibug/a:1", "ibug/image_0001", "ibug/image_0002", "ibug/stray:2"),
        d.entries().stream().map(FaceEntry::id).toList());
    FaceEntry a = byId(d, "ibug/a:1");
    assertNull(a.problem());
    assertEquals(Path.of(root, "ibug", "a:1.jpg").toString(), a.imagePath());
    assertEquals(Path.of(root, "ibug", "a:1.pts").toString(), a.annotationPath());
    assertEquals(new FaceBox(1, 2, 30, 40), a.detectorBox());
    FaceEntry stray = byId(d, "ibug/stray:2");
    assertEquals(FaceEntry.NO_IMAGE, stray.problemCode());
    assertEquals(Path.of(root, "ibug", "stray:2.pts").toString(), stray.annotationPath());
    assertEquals(1, d.problems().size());
    assertTrue(d.notes().contains("ibug: 3 faces (challenging), 1 unusable"), d.notes().toString());

    LoadedFace colon = FaceReader.load(a, STORAGE, FaceReader.Limits.defaults(), LandmarkScheme.IBUG_68);
    LoadedFace plain = FaceReader.load(byId(d, "ibug/image_0001"), STORAGE, FaceReader.Limits.defaults(),
        LandmarkScheme.IBUG_68);
    assertEquals(plain.contentHash(), colon.contentHash());
    assertEquals(plain.face().landmarks().x(17), colon.face().landmarks().x(17));
  }

  private static FaceEntry byId(Discovery d, String id) {
    return d.entries().stream().filter(e -> e.id().equals(id)).findFirst().orElseThrow(() -> new AssertionError(id));
  }

  @Test
  void emptyRootAndMissingRoot(@TempDir Path tmp) throws Exception {
    assertFalse(W300Layout.looksLike(STORAGE, tmp.toString()));
    Discovery d = W300Layout.discover(STORAGE, tmp.toString());
    assertEquals(0, d.entries().size());
    assertEquals(6, d.missingParts().size());
    Files.createDirectories(tmp.resolve("ibug"));
    assertTrue(W300Layout.looksLike(STORAGE, tmp.toString()));
    Discovery one = W300Layout.discover(STORAGE, tmp.toString());
    assertEquals(5, one.missingParts().size());
    assertFalse(one.missingParts().contains("ibug"));
    String nowhere = tmp.resolve("nowhere").toString();
    DataException e = assertThrows(DataException.class, () -> W300Layout.discover(STORAGE, nowhere));
    assertEquals(nowhere + ": data root does not exist", e.getMessage());
  }
}

package org.facealign.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ListLayoutTest {
  private static final Storage STORAGE = Storage.local();

  @Test
  void readsRelativePathsBoxesAndBadLines(@TempDir Path tmp) throws Exception {
    Path dir = tmp.resolve("sets");
    Files.createDirectories(dir);
    Path list = dir.resolve("my_faces.txt");
    Files.writeString(list, String.join("\n",
        "# image pts [box]",
        "img/a.jpg ann/a.pts",
        "",
        "img/b.png  ann/b.pts 10 20 110.5 140",
        "img/c.jpg",
        "img/d.jpg ann/d.pts 1 2 3",
        "/abs/e.jpg /abs/e.pts",
        "img/f.jpg ann/f.pts 1 2 x 4",
        "img/a.jpg ann/a2.pts",
        ""));
    String listPath = list.toString();
    Discovery d = ListLayout.discover(STORAGE, listPath, ListLayout.subsetName(listPath));
    assertEquals(List.of("img/a", "img/b", "img/c", "img/d", "/abs/e", "img/f", "img/a@9"),
        d.entries().stream().map(FaceEntry::id).toList());
    assertEquals(Map.of("my_faces", 7), d.countsBySubset());
    assertEquals(List.of(), d.missingParts());

    FaceEntry a = d.entries().get(0);
    assertEquals(dir.resolve("img/a.jpg").toString(), a.imagePath());
    assertEquals(dir.resolve("ann/a.pts").toString(), a.annotationPath());
    assertNull(a.detectorBox());
    assertEquals(listPath + ":2 gives no box", a.boxProblem());
    assertNull(a.problem());

    assertNull(a.boxSource());
    FaceEntry b = d.entries().get(1);
    assertEquals(new FaceBox(10, 20, 110.5, 140), b.detectorBox());
    assertEquals(listPath + ":4", b.boxSource());
    assertNull(b.boxProblem());
    assertNull(b.problem());

    assertEquals(listPath + ":5: expected 'IMAGE PTS [x_min y_min x_max y_max]', found 1 field",
        d.entries().get(2).problem());
    assertNull(d.entries().get(2).annotationPath());
    assertEquals(listPath + ":6: expected 'IMAGE PTS [x_min y_min x_max y_max]', found 5 fields",
        d.entries().get(3).problem());
    FaceEntry e = d.entries().get(4);
    assertEquals("/abs/e.jpg", e.imagePath());
    assertEquals("/abs/e.pts", e.annotationPath());
    assertNull(e.problem());
    assertEquals(listPath + ":8: x_max is not a number: 'x'", d.entries().get(5).problem());
    assertEquals(listPath + ":9: same image as line 2", d.entries().get(6).problem());
    assertEquals(4, d.problems().size());
  }

  /** A synthetic face of {@code seed} written as the PNG {@code image} and the annotation {@code pts} under {@code dir}. */
  private static SyntheticFaces.SyntheticFace writeFace(Path dir, long seed, String image, String pts) throws Exception {
    SyntheticFaces.SyntheticFace f = new SyntheticFaces(seed, new SyntheticFaces.Options(64, 0.5, 0.6, 10, 2, 0.01))
        .next();
    Files.createDirectories(dir.resolve(image).getParent());
    Files.write(dir.resolve(image), ImageDecoder.encode(f.image(), "png"));
    Files.writeString(dir.resolve(pts), PtsFormat.format(f.landmarks()));
    return f;
  }

  @Test
  void entriesLoad(@TempDir Path tmp) throws Exception {
    SyntheticFaces.SyntheticFace f = writeFace(tmp, 4, "img/one.png", "img/one.pts");
    Files.writeString(tmp.resolve("list.txt"), "img/one.png img/one.pts\n");
    Discovery d = ListLayout.discover(STORAGE, tmp.resolve("list.txt").toString(), "mine");
    LoadedFace lf = FaceReader.load(d.entries().get(0), STORAGE, FaceReader.Limits.defaults(), LandmarkScheme.IBUG_68);
    assertEquals("img/one", lf.face().id());
    assertEquals("mine", lf.face().subset());
    for (int i = 0; i < 68; i++) {
      assertEquals(f.landmarks().x(i), lf.face().landmarks().x(i), 1e-6);
      assertEquals(f.landmarks().y(i), lf.face().landmarks().y(i), 1e-6);
    }
    assertEquals(f.image().get(20, 30), lf.image().get(20, 30));
  }

  @Test
  void aFileNameWithAColonIsResolvedAndLoads(@TempDir Path tmp) throws Exception {
    SyntheticFaces.SyntheticFace f = writeFace(tmp, 5, "face:1.png", "face1.pts");
    writeFace(tmp, 5, "img/b:2.png", "img/b:2.pts");
    String list = tmp.resolve("list.txt").toString();
    Files.writeString(tmp.resolve("list.txt"), "face:1.png face1.pts\nimg/b:2.png img/b:2.pts 1 2 30 40\n"
        + "x:1/../../up.png up.pts\n");
    Discovery d = ListLayout.discover(STORAGE, list, "mine");
    assertEquals(List.of("face:1", "img/b:2", "x:1/../../up"), d.entries().stream().map(FaceEntry::id).toList());
    FaceEntry a = d.entries().get(0);
    assertNull(a.problem());
    assertEquals(tmp.resolve("face:1.png").toString(), a.imagePath());
    assertEquals(tmp.resolve("face1.pts").toString(), a.annotationPath());
    FaceEntry b = d.entries().get(1);
    assertNull(b.problem());
    assertEquals(tmp.resolve("img/b:2.pts").toString(), b.annotationPath());
    assertEquals(new FaceBox(1, 2, 30, 40), b.detectorBox());
    FaceEntry up = d.entries().get(2);
    assertEquals(FaceEntry.OUTSIDE_ROOT, up.problemCode());
    assertEquals(list + ":3: path 'x:1/../../up.png' climbs out of the list's folder " + tmp
        + " (set facealign.data.allow-outside-root = true to allow it)", up.problem());
    for (FaceEntry e : d.entries().subList(0, 2)) {
      LoadedFace lf = FaceReader.load(e, STORAGE, FaceReader.Limits.defaults(), LandmarkScheme.IBUG_68);
      assertEquals(f.landmarks().x(30), lf.face().landmarks().x(30), 1e-6);
      assertEquals(f.image().get(20, 30), lf.image().get(20, 30));
    }
  }

  @Test
  void subsetNameAndMissingList(@TempDir Path tmp) {
    assertEquals("my_faces", ListLayout.subsetName("hdfs://nn:8020/data/lists/my_faces.txt"));
    assertEquals("hard.v2", ListLayout.subsetName("lists/hard.v2.lst"));
    assertEquals("plain", ListLayout.subsetName("plain"));
    assertEquals("hdfs://nn:8020/data/lists", ListLayout.listDir("hdfs://nn:8020/data/lists/my_faces.txt"));
    assertEquals("lists", ListLayout.listDir("lists/a.txt"));
    // a list named without a folder is in the working directory
    assertEquals(".", ListLayout.listDir("a.txt"));
    assertEquals("img/a.jpg", Storage.resolve(ListLayout.listDir("a.txt"), "img/a.jpg"));
    String missing = tmp.resolve("none.txt").toString();
    DataException e = assertThrows(DataException.class, () -> ListLayout.discover(STORAGE, missing, "x"));
    assertEquals(missing + ": file not found", e.getMessage());
  }
}

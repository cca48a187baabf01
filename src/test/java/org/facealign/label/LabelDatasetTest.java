package org.facealign.label;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeMap;
import org.facealign.data.FaceBox;
import org.facealign.data.FileLock;
import org.facealign.data.Shape;
import org.facealign.data.Storage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The commit protocol of a labelled dataset, its tallies and its lock, without Spark. */
class LabelDatasetTest {
  static final ObjectMapper JSON = new ObjectMapper();

  static ImageLabel image(String path, String status, int faces) {
    List<ImageLabel.Face> f = new java.util.ArrayList<>();
    for (int i = 0; i < faces; i++) {
      f.add(new ImageLabel.Face(i, new FaceBox(0, 0, 10, 10), new FaceBox(1, 1, 9, 9), "frontal", 7 + i, true,
          Shape.of(new double[136])));
    }
    return new ImageLabel(path, "ab".repeat(32), 10, 20, 20, 1, status, status.equals("failed") ? "decode" : null,
        status.equals("failed") ? "corrupt_image" : null, null, f, null, new long[] {1, 2, 3, 4, 5, 6});
  }

  static LabelTally tally(ImageLabel... images) {
    LabelTally t = new LabelTally();
    for (ImageLabel i : images) {
      t.add(i);
    }
    return t;
  }

  @Test
  void talliesAddUpInAnyOrderAndSurviveJson() throws Exception {
    ImageLabel a = image("a", "faces", 2);
    ImageLabel b = image("b", "no_face", 0);
    ImageLabel c = image("c", "failed", 0);
    ImageLabel d = image("d", "faces", 1);
    LabelTally left = tally(a, b).merge(tally(c, d));
    LabelTally right = tally(d).merge(tally(c)).merge(tally(b, a));
    assertEquals(JSON.valueToTree(left), JSON.valueToTree(right));
    assertEquals(4, left.imagesIn);
    assertEquals(3, left.facesOut);
    left.checkBalanced();
    ObjectNode fig = left.figures();
    assertEquals(fig.get("images_in").asLong(), fig.get("images_with_faces").asLong() + fig.get("no_face").asLong()
        + fig.get("failed").asLong());
    assertEquals(1, fig.at("/failed_by_reason/decode: corrupt_image").asLong());
    assertEquals(1, fig.at("/faces_per_image/2").asLong());
    assertEquals(2, fig.at("/detector_scores/frontal/7").asLong());
    LabelTally back = JSON.treeToValue(JSON.valueToTree(left), LabelTally.class);
    assertEquals(JSON.valueToTree(left), JSON.valueToTree(back));
    LabelTally broken = tally(a);
    broken.noFace++;
    assertThrows(IllegalStateException.class, broken::checkBalanced);
  }

  @Test
  void theDatasetIsWhatSummaryJsonListsAndLeftoversAreCollected(@TempDir Path dir) throws Exception {
    Storage st = Storage.local();
    String out = dir.toString();
    assertTrue(LabelDataset.committed(st, out).isEmpty());
    LabelDataset.Part p1 = new LabelDataset.Part("r1-c00000", "r1", "m", "t", tally(image("a", "faces", 1)));
    Files.createDirectories(dir.resolve("parts/r1-c00000/faces"));
    LabelDataset.commit(st, out, List.of(p1), "m", JSON.createObjectNode());
    // a later run died after moving its part into parts/ but before committing, and left a staged chunk
    Files.createDirectories(dir.resolve("parts/r2-c00000/faces"));
    Files.createDirectories(dir.resolve("_staging/r2/chunk-00001"));
    Files.createDirectories(dir.resolve("_staging/r3/chunk-00000"));
    List<LabelDataset.Part> committed = LabelDataset.committed(st, out);
    assertEquals(List.of("r1-c00000"), committed.stream().map(LabelDataset.Part::id).toList());
    assertEquals(1, committed.get(0).tally().imagesIn);
    // resuming r2 keeps its pieces and removes the rest
    List<String> removed = LabelDataset.collectGarbage(st, out, committed, "r2");
    assertEquals(1, removed.size(), removed.toString());
    assertTrue(Files.isDirectory(dir.resolve("parts/r2-c00000")));
    assertTrue(Files.isDirectory(dir.resolve("_staging/r2")));
    assertFalse(Files.exists(dir.resolve("_staging/r3")));
    // without a run to resume, every unlisted piece goes
    LabelDataset.collectGarbage(st, out, committed, null);
    assertFalse(Files.exists(dir.resolve("parts/r2-c00000")));
    assertTrue(Files.isDirectory(dir.resolve("parts/r1-c00000")));
    ObjectNode summary = (ObjectNode) JSON.readTree(dir.resolve("summary.json").toFile());
    assertEquals(1, summary.get("faces").size());
    assertTrue(summary.get("faces").get(0).asText().endsWith("parts/r1-c00000/faces"));
    assertEquals(1, summary.get("images_in").asLong());
  }

  @Test
  void runStateRoundTripsAndSaysWhatItCanResume(@TempDir Path dir) throws Exception {
    Storage st = Storage.local();
    TreeMap<Integer, LabelTally> done = new TreeMap<>();
    done.put(2, tally(image("a", "faces", 1)));
    TreeMap<Integer, TreeMap<String, Long>> files = new TreeMap<>();
    files.put(2, new TreeMap<>(java.util.Map.of("faces/part-0.parquet", 812L, "images/part-0.parquet", 977L)));
    LabelDataset.RunState run = new LabelDataset.RunState("r9", "full", "m", "10-abc", 4, done, files);
    LabelDataset.recordRun(st, dir.toString(), run);
    LabelDataset.RunState back = LabelDataset.stagedRun(st, dir.toString());
    assertEquals("r9", back.runId());
    assertEquals(1, back.done().get(2).imagesIn);
    assertEquals(files, back.files());
    assertTrue(back.resumableBy("full", "m", "10-abc", 4));
    assertFalse(new LabelDataset.RunState("r9", "full", "m", "10-abc", 4, done, null).resumableBy("full", "m",
        "10-abc", 4), "a run recorded without its chunks' files");
    assertFalse(new LabelDataset.RunState("r9", "full", "m", "10-abc", 4, done, new TreeMap<>()).resumableBy("full",
        "m", "10-abc", 4), "a done chunk without its files");
    assertFalse(back.resumableBy("incremental", "m", "10-abc", 4));
    assertFalse(back.resumableBy("full", "other model", "10-abc", 4));
    assertFalse(back.resumableBy("full", "m", "11-abd", 4));
  }

  /** A chunk of three files (two in subfolders), staged in {@code dir/staged}; returns its files as written. */
  static TreeMap<String, Long> stageChunk(Storage st, Path dir) throws Exception {
    Path staged = Files.createDirectories(dir.resolve("staged"));
    Files.createDirectories(staged.resolve("faces"));
    Files.createDirectories(staged.resolve("images"));
    Files.writeString(staged.resolve("_SUCCESS"), "");
    Files.writeString(staged.resolve("faces/part-00000.parquet"), "faces ".repeat(40));
    Files.writeString(staged.resolve("images/part-00000.parquet"), "images ".repeat(30));
    return st.filesUnder(staged.toString());
  }

  @Test
  void aChunkIsMovedWholeOrMergedFromAMoveCutShortAndNeverLosesAFileSilently(@TempDir Path dir) throws Exception {
    Storage st = Storage.local();
    TreeMap<String, Long> files = stageChunk(st, dir);
    assertEquals(List.of("_SUCCESS", "faces/part-00000.parquet", "images/part-00000.parquet"),
        List.copyOf(files.keySet()));
    assertEquals(240L, files.get("faces/part-00000.parquet"));
    String staged = dir.resolve("staged").toString();
    String target = dir.resolve("parts/p1").toString();

    // a whole move: the staged chunk becomes the part, and a second move finds it there
    LabelDataset.moveChunk(st, staged, target, files);
    assertFalse(Files.exists(dir.resolve("staged")));
    assertEquals(files, st.filesUnder(target));
    LabelDataset.moveChunk(st, staged, target, files);
    assertEquals(files, st.filesUnder(target));

    // a move cut short as S3A leaves it: the faces file was copied and its source deleted, the images file was being
    // copied (the target's copy is cut, the source still there), _SUCCESS not yet copied; plus a stray file
    stageChunk(st, dir);
    Files.delete(dir.resolve("staged/faces/part-00000.parquet"));
    Files.delete(dir.resolve("parts/p1/_SUCCESS"));
    Files.writeString(dir.resolve("parts/p1/images/part-00000.parquet"), "images ");
    Files.writeString(dir.resolve("parts/p1/images/part-00001.parquet"), "stray");
    assertEquals(List.of(), LabelDataset.lostChunkFiles(st, staged, target, files));
    LabelDataset.moveChunk(st, staged, target, files);
    assertFalse(Files.exists(dir.resolve("staged")));
    assertEquals(files, st.filesUnder(target), "every file whole, none other");
    assertEquals("images ".repeat(30), Files.readString(dir.resolve("parts/p1/images/part-00000.parquet")));

    // a file whole on neither side: named, and nothing moved
    stageChunk(st, dir);
    Files.delete(dir.resolve("staged/images/part-00000.parquet"));
    Files.writeString(dir.resolve("parts/p1/images/part-00000.parquet"), "images ");
    assertEquals(List.of("images/part-00000.parquet"), LabelDataset.lostChunkFiles(st, staged, target, files));
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> LabelDataset.moveChunk(st, staged, target, files));
    assertTrue(e.getMessage().contains("1 of the chunk's 3 files whole: [images/part-00000.parquet]"), e.getMessage());
    assertTrue(Files.exists(dir.resolve("staged/faces/part-00000.parquet")), "the staged files stay");

    // neither side at all
    String nowhere = dir.resolve("parts/p2").toString();
    assertEquals(3, LabelDataset.lostChunkFiles(st, dir.resolve("nowhere").toString(), nowhere, files).size());
    assertThrows(IllegalStateException.class,
        () -> LabelDataset.moveChunk(st, dir.resolve("nowhere").toString(), nowhere, files));
  }

  @Test
  void aSummaryThatIsNotALabelledDatasetIsRefused(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("summary.json"), "{\"counts\": {}}");
    assertThrows(IllegalArgumentException.class, () -> LabelDataset.committed(Storage.local(), dir.toString()));
  }

  @Test
  void atomicWritesReplaceWholeFiles(@TempDir Path dir) throws Exception {
    Storage st = Storage.local();
    String f = dir.resolve("x.json").toString();
    st.writeAtomically(f, "old".getBytes());
    st.writeAtomically(f, "new".getBytes());
    assertEquals("new", Files.readString(dir.resolve("x.json")));
    try (var files = Files.list(dir)) {
      assertEquals(1, files.count(), "no temporary file left");
    }
    st.writeAtomically(dir.resolve("a/b/y.json").toString(), "deep".getBytes());
    assertEquals("deep", Files.readString(dir.resolve("a/b/y.json")), "missing folders are made");
    Files.createDirectories(dir.resolve("d/sub"));
    assertThrows(java.io.IOException.class, () -> st.writeAtomically(dir.resolve("d").toString(), "x".getBytes()),
        "a folder in the way is not replaced");
    try (var files = Files.list(dir)) {
      assertEquals(List.of("a", "d", "x.json"), files.map(q -> q.getFileName().toString()).sorted().toList(),
          "the failed write's temporary file is removed");
    }
    assertTrue(st.createExclusively(dir.resolve("once").toString(), new byte[] {1}));
    assertFalse(st.createExclusively(dir.resolve("once").toString(), new byte[] {2}));
  }

  @Test
  void aHeldLockStopsASecondRunNamingItsHolder(@TempDir Path dir) throws Exception {
    Storage st = Storage.local();
    String lock = dir.resolve("_lock").toString();
    try (FileLock first = FileLock.acquire(st, lock, "label", false)) {
      FileLock.HeldException e = assertThrows(FileLock.HeldException.class,
          () -> FileLock.acquire(st, lock, "label", false));
      assertTrue(e.getMessage().contains("pid " + ProcessHandle.current().pid()), e.getMessage());
      assertTrue(e.getMessage().contains("(label)"), e.getMessage());
      assertFalse(e.getMessage().contains("stale"), e.getMessage());
      // a holder still running on this host is never broken, even on request
      FileLock.HeldException live = assertThrows(FileLock.HeldException.class,
          () -> FileLock.acquire(st, lock, "label", true));
      assertTrue(live.getMessage().contains("still running on this host"), live.getMessage());
      assertTrue(Files.readString(dir.resolve("_lock")).contains("\"pid\" : " + ProcessHandle.current().pid()));
    }
    assertFalse(Files.exists(dir.resolve("_lock")), "released");
    // a lock left by a process that is gone is reported as stale, and broken only on request
    Files.writeString(dir.resolve("_lock"), "{\"owner\":\"x\",\"host\":\"" + java.net.InetAddress.getLocalHost().getHostName()
        + "\",\"pid\":2147483646,\"started\":\"2026-01-01T00:00:00Z\",\"purpose\":\"label\",\"token\":\"t\"}");
    FileLock.HeldException stale = assertThrows(FileLock.HeldException.class,
        () -> FileLock.acquire(st, lock, "label", false));
    assertTrue(stale.getMessage().contains("stale"), stale.getMessage());
    try (FileLock broken = FileLock.acquire(st, lock, "label", true)) {
      assertTrue(Files.readString(dir.resolve("_lock")).contains("\"pid\" : " + ProcessHandle.current().pid()));
    }
  }
}

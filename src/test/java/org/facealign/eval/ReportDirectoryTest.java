package org.facealign.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.facealign.data.CheckThenWriteFileSystem;
import org.facealign.data.DataException;
import org.facealign.data.Storage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A report directory holds one report, the old or the new, whole, whatever stops its replacement. */
class ReportDirectoryTest {

  @Test
  void aNewReportReplacesTheOldOneWholeFiguresOfTheOldOneIncluded(@TempDir Path dir) throws IOException {
    Path report = oldReport(dir);
    ReportDirectory.commit(Storage.local(), report.toString(), newReport(10));
    assertEquals(List.of("ced.png", "faces.csv", "report.html", "report.json"), names(report));
    assertEquals("new json", Files.readString(report.resolve("report.json")));
    assertEquals("new html", Files.readString(report.resolve("report.html")));
    assertEquals(List.of("report"), names(dir), "no staged or set-aside copy left beside it");
  }

  @Test
  void aReportCutShortLeavesTheOldReportWhole(@TempDir Path dir) throws IOException {
    Path report = oldReport(dir);
    Map<String, byte[]> before = contents(report);
    // files visible while written, and a connection that drops after 1000 bytes: faces.csv (small) is written
    // whole, ced.png (64 KiB) is not
    Storage st = Storage.of(CheckThenWriteFileSystem.configuration());
    CheckThenWriteFileSystem.failWritesAfter = 1000;
    try {
      assertThrows(IOException.class,
          () -> ReportDirectory.commit(st, CheckThenWriteFileSystem.SCHEME + "://" + report, newReport(1 << 16)));
    } finally {
      CheckThenWriteFileSystem.failWritesAfter = -1;
    }
    Map<String, byte[]> after = contents(report);
    assertEquals(before.keySet(), after.keySet(), "the old report's files, no new one beside them");
    for (String f : before.keySet()) {
      assertArrayEquals(before.get(f), after.get(f), f);
    }
    assertEquals(List.of("report"), names(dir), "the cut-short copy is removed");
  }

  @Test
  void aDirectoryHoldingAnythingButAReportIsRefusedAndLeftAlone(@TempDir Path dir) throws IOException {
    Storage st = Storage.local();
    Path out = dir.resolve("out");
    Files.createDirectories(out.resolve("model"));
    Files.writeString(out.resolve("report.json"), "old");
    DataException e = assertThrows(DataException.class,
        () -> ReportDirectory.commit(st, out.toString(), newReport(10)));
    assertTrue(e.getMessage().contains(out.toString()) && e.getMessage().contains("holds model"), e.getMessage());
    assertEquals(List.of("model", "report.json"), names(out));
    assertEquals("old", Files.readString(out.resolve("report.json")));

    Files.delete(out.resolve("model"));
    Files.writeString(out.resolve("my-notes.png"), "mine");
    e = assertThrows(DataException.class, () -> ReportDirectory.checkWritable(st, out.toString()));
    assertTrue(e.getMessage().contains("holds my-notes.png"), e.getMessage());

    Path file = dir.resolve("report.txt");
    Files.writeString(file, "x");
    e = assertThrows(DataException.class, () -> ReportDirectory.checkWritable(st, file.toString()));
    assertTrue(e.getMessage().contains("is a file"), e.getMessage());
    ReportDirectory.checkWritable(st, dir.resolve("new").toString()); // a directory yet to be made is fine
    assertThrows(IllegalArgumentException.class,
        () -> ReportDirectory.commit(st, dir.resolve("new").toString(), Map.of("model.json", new byte[1])));
    assertFalse(Files.exists(dir.resolve("new")));
  }

  @Test
  void theReportAnEarlierPipelineWroteIntoItsOutputIsRemovedAndNothingElse(@TempDir Path dir) throws IOException {
    Storage st = Storage.local();
    Path out = dir.resolve("out");
    Files.createDirectories(out.resolve("model"));
    Files.createDirectories(out.resolve("report"));
    Files.writeString(out.resolve("report").resolve("report.json"), "new");
    Files.writeString(out.resolve("notes.txt"), "mine");
    Files.writeString(out.resolve("faces.csv"), "old");
    // without the old report.json, a faces.csv alone is not known to be a report's: kept
    assertEquals(List.of(), ReportDirectory.removeEarlierLayout(st, out.toString()));
    assertEquals(List.of("faces.csv", "model", "notes.txt", "report"), names(out));
    for (String f : List.of("report.json", "report.html", "ced.png", "worst-common.png", "config.conf")) {
      Files.writeString(out.resolve(f), "old");
    }
    List<String> removed = ReportDirectory.removeEarlierLayout(st, out.toString());
    assertEquals(6, removed.size(), removed.toString());
    assertEquals("report.json", removed.get(5), "deleted last");
    assertEquals(List.of("model", "notes.txt", "report"), names(out));
    assertEquals("new", Files.readString(out.resolve("report").resolve("report.json")));
    assertEquals(List.of(), ReportDirectory.removeEarlierLayout(st, out.toString()), "nothing left to remove");
  }

  @Test
  void theNamesOfAReportsFiles() {
    for (String f : List.of("report.json", "report.html", "faces.csv", "ced.png", "config.conf", "stages.png",
        "bias-variance.png", "worst-common.png", "worst-hard_set-2.png", "ced-compare-full.png")) {
      assertTrue(ReportDirectory.isReportFile(f), f);
    }
    for (String f : List.of("model", "prepared", "summary.json", "notes.png", "worst-.png", "report.json.tmp")) {
      assertFalse(ReportDirectory.isReportFile(f), f);
    }
  }

  /** {@code dir/report} holding an older evaluation, one of whose figures the new one does not draw. */
  private static Path oldReport(Path dir) throws IOException {
    Path report = dir.resolve("report");
    Files.createDirectories(report);
    for (String f : List.of("report.json", "report.html", "faces.csv", "ced.png", "worst-old.png")) {
      Files.writeString(report.resolve(f), "old " + f);
    }
    return report;
  }

  private static Map<String, byte[]> newReport(int pngBytes) {
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put("faces.csv", "new csv".getBytes(StandardCharsets.UTF_8));
    files.put("ced.png", new byte[pngBytes]);
    files.put("report.html", "new html".getBytes(StandardCharsets.UTF_8));
    files.put("report.json", "new json".getBytes(StandardCharsets.UTF_8));
    return files;
  }

  private static Map<String, byte[]> contents(Path dir) throws IOException {
    Map<String, byte[]> out = new LinkedHashMap<>();
    for (String f : names(dir)) {
      out.put(f, Files.readAllBytes(dir.resolve(f)));
    }
    return out;
  }

  private static List<String> names(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}

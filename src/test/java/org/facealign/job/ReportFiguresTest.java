package org.facealign.job;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.facealign.data.Storage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An evaluation into a directory that held an earlier one leaves only its own figures beside its report. */
class ReportFiguresTest {

  @Test
  void figuresOfAnEarlierEvaluationAreDeletedOthersKept(@TempDir Path dir) throws IOException {
    for (String f : List.of("report.json", "ced.png", "worst-common.png", "worst-old.png", "ced-compare-old.png",
        "stages.png", "bias-variance.png", "my-notes.png", "config.conf")) {
      Files.writeString(dir.resolve(f), f);
    }
    Files.createDirectories(dir.resolve("model"));
    Files.writeString(dir.resolve("model/stages.png"), "not a report figure");
    EvaluateJob.deleteStaleFigures(Storage.local(), dir.toString(),
        Set.of("report.json", "ced.png", "worst-common.png", "stages.png", "config.conf"));
    try (Stream<Path> s = Files.list(dir)) {
      assertEquals(List.of("ced.png", "config.conf", "model", "my-notes.png", "report.json", "stages.png",
          "worst-common.png"), s.map(p -> p.getFileName().toString()).sorted().toList());
    }
    assertEquals("not a report figure", Files.readString(dir.resolve("model/stages.png")));
  }
}

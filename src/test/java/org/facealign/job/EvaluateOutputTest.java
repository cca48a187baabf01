package org.facealign.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.facealign.data.DataException;
import org.facealign.data.Storage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code evaluate} refuses an output directory its report would destroy, before any work. */
class EvaluateOutputTest {

  @Test
  void aDirectoryHoldingAModelIsRefusedBeforeAnythingIsRead(@TempDir Path dir) throws IOException {
    Path out = dir.resolve("out");
    Files.createDirectories(out.resolve("model"));
    Files.writeString(out.resolve("model/model.json"), "{}");
    // no Spark session, configuration, prepared set or model: the refusal comes before any of them is touched
    DataException e = assertThrows(DataException.class, () -> EvaluateJob.run(null, null, Storage.local(),
        dir.resolve("no-prepared").toString(), dir.resolve("no-model").toString(), out.toString()));
    assertTrue(e.getMessage().contains("holds model") && e.getMessage().contains("OUT/report"), e.getMessage());
    assertEquals("{}", Files.readString(out.resolve("model/model.json")));
  }
}

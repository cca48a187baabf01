package org.facealign.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** The lines {@code label} prints from a run's summary. */
class LabelCommandTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void groundTruthFiguresThatAreNotNumbersPrintAsNotAvailable() throws Exception {
    JsonNode s = JSON.readTree("{\"images_in\": 5, \"images_with_faces\": 3, \"faces_out\": 4, \"no_face\": 2,"
        + " \"failed\": 0, \"failed_by_reason\": {}, \"last_run\": {\"images_in\": 5, \"seconds\": 2.0,"
        + " \"images_per_s\": 2.5, \"skipped_already_labelled\": 0},"
        + " \"recall\": 0.5, \"recall_iou05\": 0.0, \"ip_nme\": null, \"io_nme\": null}");
    assertEquals("label: 5 images in, 3 with faces, 4 faces out, 2 no face, 0 failed\n"
        + "  this run: 5 images in 2.0 s (2.5 images/s), 0 skipped as already labelled\n"
        + "  ground truth: recall 50.0 % (IoU >= 0.5: 0.0 %), found faces IP-NME n/a, IO-NME n/a\n"
        + "summary: out/summary.json\n", LabelCommand.summaryLines(s, "out/summary.json").replace("\r\n", "\n"));

    JsonNode found = JSON.readTree("{\"recall\": 0.991, \"recall_iou05\": 0.933, \"ip_nme\": 0.053,"
        + " \"io_nme\": 0.03821}");
    String line = LabelCommand.summaryLines(found, "s").lines().filter(l -> l.contains("ground truth")).findFirst()
        .orElseThrow();
    assertEquals("  ground truth: recall 99.1 % (IoU >= 0.5: 93.3 %), found faces IP-NME 5.30 %, IO-NME 3.82 %", line);
  }
}

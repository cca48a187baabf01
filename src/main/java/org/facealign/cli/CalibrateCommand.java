package org.facealign.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.spark.sql.SparkSession;
import org.facealign.config.FacealignConfig;
import org.facealign.data.Storage;
import org.facealign.job.CalibrateJob;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "calibrate", mixinStandardHelpOptions = true,
    description = {"Fit the face detector's box maps on the training faces of a 300-W folder and, with --model, decide "
        + "re-boxing on the model's validation faces. Prints JSON with a configuration block to use "
        + "(facealign.detect.box-maps, facealign.detect.rebox).",
        "Test faces are never read."})
final class CalibrateCommand extends SparkCommand {
  @Option(names = "--data", required = true, paramLabel = "DIR", description = "A 300-W folder (its training faces are used).")
  String data;

  @Option(names = "--model", paramLabel = "DIR", description = "A saved model: decide re-boxing on its validation faces.")
  String model;

  @Option(names = "--write", paramLabel = "FILE", description = "Also write the configuration block to this file (HOCON).")
  String write;

  @Override
  String name() {
    return "calibrate";
  }

  @Override
  int run(SparkSession spark, FacealignConfig cfg, Storage st) throws Exception {
    ObjectNode r = CalibrateJob.run(spark, cfg, st, data, model);
    if (write != null) {
      st.writeAtomically(write, r.path("hocon").asText().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    System.out.println(org.facealign.config.Secrets.redactText(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(r)));
    return 0;
  }
}

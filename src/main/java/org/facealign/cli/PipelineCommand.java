package org.facealign.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.facealign.config.FacealignConfig;
import org.facealign.data.Storage;
import org.facealign.job.EvaluateJob;
import org.facealign.job.PrepareJob;
import org.facealign.job.SparkSessions;
import org.facealign.job.TrainJob;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "pipeline", mixinStandardHelpOptions = true,
    description = "prepare + train + evaluate in one Spark application: OUT/prepared, OUT/model, OUT/report.json, OUT/report.html.")
final class PipelineCommand implements Callable<Integer> {
  @Option(names = "--data", required = true, paramLabel = "PATH",
      description = "A 300-W folder (afw, lfpw, helen, ibug) or a list file of training faces.")
  String data;

  @Option(names = "--test", paramLabel = "LIST", description = "With a list file as --data: a list of test faces (repeatable).")
  List<String> tests = new ArrayList<>();

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory.")
  String out;

  @Option(names = "--model", paramLabel = "KIND", description = "mean, deepreg or msrrn (default: facealign.train.model).")
  String model;

  @Mixin
  Main.ConfigOptions config = new Main.ConfigOptions();

  @Override
  public Integer call() throws Exception {
    Map<String, String> extra = new LinkedHashMap<>();
    if (model != null) {
      extra.put("train.model", model);
    }
    FacealignConfig cfg = config.load(extra);
    SparkSession spark = SparkSessions.create(cfg, "pipeline");
    try {
      Storage st = Storage.of(spark.sparkContext().hadoopConfiguration());
      String prepared = Storage.resolve(out, "prepared");
      String modelDir = Storage.resolve(out, "model");
      var summary = PrepareJob.run(spark, cfg, st, new PrepareJob.DataSpec(data, tests), prepared);
      System.out.println("prepare: " + summary.counts() + " -> " + prepared);
      TrainJob.run(spark, cfg, st, prepared, modelDir);
      System.out.println("train: " + cfg.train().model() + " model saved to " + modelDir);
      EvaluateJob.run(spark, cfg, st, prepared, modelDir, out);
      System.out.print(summaryLines(st, out));
      return 0;
    } finally {
      spark.stop();
    }
  }

  /** A few human-readable lines from {@code DIR/report.json}. */
  static String summaryLines(Storage st, String dir) throws IOException {
    JsonNode r = new ObjectMapper().readTree(st.readBytes(Storage.resolve(dir, "report.json"), 1L << 30));
    StringBuilder b = new StringBuilder();
    JsonNode c = r.path("counts");
    b.append(String.format(Locale.ROOT, "evaluate: %d in, %d ok, %d failed%n", c.path("in").asLong(),
        c.path("ok").asLong(), c.path("failed").asLong()));
    var it = r.path("subsets").fields();
    while (it.hasNext()) {
      var e = it.next();
      JsonNode s = e.getValue();
      if (s.path("faces").asLong() == 0) {
        b.append(String.format(Locale.ROOT, "  %-12s no faces%n", e.getKey()));
        continue;
      }
      b.append(String.format(Locale.ROOT, "  %-12s %5d faces  IP-NME %6.2f %%  IO-NME %6.2f %%  failure@0.08 %5.1f %%  AUC@0.08 %.3f%n",
          e.getKey(), s.path("faces").asLong(), 100 * s.path("ip_nme").asDouble(), 100 * s.path("io_nme").asDouble(),
          100 * s.path("failure_rate_008").asDouble(), s.path("auc_008").asDouble()));
    }
    b.append("report: ").append(Storage.resolve(dir, "report.html")).append('\n');
    return b.toString();
  }
}

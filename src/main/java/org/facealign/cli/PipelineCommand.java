package org.facealign.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.facealign.config.FacealignConfig;
import org.facealign.config.Secrets;
import org.facealign.data.Storage;
import org.facealign.job.EvaluateJob;
import org.facealign.job.PrepareJob;
import org.facealign.job.TrainJob;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "pipeline", mixinStandardHelpOptions = true,
    description = "prepare + train + evaluate in one Spark application: OUT/prepared, OUT/model, OUT/report "
        + "(report.html, report.json, ...).")
final class PipelineCommand extends SparkCommand {
  /** The directory of {@code --out} the report goes into. */
  static final String REPORT = "report";

  @Mixin
  DataOptions input = new DataOptions();

  @Mixin
  StoreOptions features = new StoreOptions();

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory.")
  String out;

  @Mixin
  ModelKindOption model = new ModelKindOption();

  @Option(names = "--compare", paramLabel = "DIR", description = "Another saved model (e.g. a DeepReg run's OUT/model) "
      + "evaluated on the same faces, its CED curves drawn with this model's (repeatable). With --model msrrn the "
      + "mean-shape model is trained too (OUT/mean-model) and always compared.")
  java.util.List<String> compare = new java.util.ArrayList<>();

  @Override
  String name() {
    return "pipeline";
  }

  @Override
  Map<String, String> overrides() {
    return model.overrides();
  }

  @Override
  int run(SparkSession spark, FacealignConfig cfg, Storage st) throws Exception {
    String prepared = Storage.resolve(out, "prepared");
    String modelDir = Storage.resolve(out, "model");
    var summary = PrepareJob.run(spark, cfg, st, new PrepareJob.DataSpec(input.data, input.tests), prepared,
        features.storeFor(cfg, out));
    System.out.println("prepare: " + summary.counts() + " -> " + Secrets.redactText(prepared));
    if (summary.features() != null) {
      System.out.println("features: " + summary.features());
    }
    TrainJob.run(spark, cfg, st, prepared, modelDir);
    System.out.println("train: " + cfg.train().model() + " model saved to " + Secrets.redactText(modelDir));
    java.util.List<String> others = new java.util.ArrayList<>(compare);
    if (cfg.train().model().equals("msrrn")) {
      String meanDir = Storage.resolve(out, "mean-model");
      TrainJob.run(spark, cfg.with(Map.of("facealign.train.model", "mean")), st, prepared, meanDir);
      others.add(meanDir);
    }
    String report = Storage.resolve(out, REPORT);
    EvaluateJob.run(spark, cfg, st, prepared, modelDir, report, others);
    java.util.List<String> earlier = org.facealign.eval.ReportDirectory.removeEarlierLayout(st, out);
    if (!earlier.isEmpty()) {
      System.out.println("removed the report an earlier release wrote into " + Secrets.redactText(out) + " itself: "
          + String.join(", ", earlier));
    }
    System.out.print(Secrets.redactText(summaryLines(st, report)));
    return 0;
  }

  /** A few human-readable lines from {@code DIR/report.json}. */
  static String summaryLines(Storage st, String reportDir) throws IOException {
    String dir = st.readableDirectory(reportDir);
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

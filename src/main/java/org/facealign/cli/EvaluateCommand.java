package org.facealign.cli;

import org.apache.spark.sql.SparkSession;
import org.facealign.config.FacealignConfig;
import org.facealign.data.Storage;
import org.facealign.job.EvaluateJob;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "evaluate", mixinStandardHelpOptions = true,
    description = "Evaluate a saved model on the test subsets of a prepared set: report.json, faces.csv, ced.png, report.html.")
final class EvaluateCommand extends SparkCommand {
  @Option(names = "--prepared", required = true, paramLabel = "DIR", description = "A prepared set (from prepare).")
  String prepared;

  @Option(names = "--model", required = true, paramLabel = "DIR", description = "A saved model directory (from train).")
  String model;

  @Option(names = "--compare", paramLabel = "DIR", description = "Another saved model to evaluate on the same faces; "
      + "its CED curves are drawn with this model's (repeatable).")
  java.util.List<String> compare = new java.util.ArrayList<>();

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Report directory to write.")
  String out;

  @Override
  String name() {
    return "evaluate";
  }

  @Override
  int run(SparkSession spark, FacealignConfig cfg, Storage st) throws Exception {
    EvaluateJob.run(spark, cfg, st, prepared, model, out, compare);
    System.out.print(PipelineCommand.summaryLines(st, out));
    return 0;
  }
}

package org.facealign.cli;

import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.facealign.config.FacealignConfig;
import org.facealign.data.Storage;
import org.facealign.job.EvaluateJob;
import org.facealign.job.SparkSessions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "evaluate", mixinStandardHelpOptions = true,
    description = "Evaluate a saved model on the test subsets of a prepared set: report.json, faces.csv, ced.png, report.html.")
final class EvaluateCommand implements Callable<Integer> {
  @Option(names = "--prepared", required = true, paramLabel = "DIR", description = "A prepared set (from prepare).")
  String prepared;

  @Option(names = "--model", required = true, paramLabel = "DIR", description = "A saved model directory (from train).")
  String model;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Report directory to write.")
  String out;

  @Mixin
  Main.ConfigOptions config = new Main.ConfigOptions();

  @Override
  public Integer call() throws Exception {
    FacealignConfig cfg = config.load(Map.of());
    SparkSession spark = SparkSessions.create(cfg, "evaluate");
    try {
      Storage st = Storage.of(spark.sparkContext().hadoopConfiguration());
      EvaluateJob.run(spark, cfg, st, prepared, model, out);
      System.out.print(PipelineCommand.summaryLines(st, out));
      return 0;
    } finally {
      spark.stop();
    }
  }
}

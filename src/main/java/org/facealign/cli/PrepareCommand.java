package org.facealign.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.facealign.config.FacealignConfig;
import org.facealign.data.Storage;
import org.facealign.job.PrepareJob;
import org.facealign.job.PreparedSet;
import org.facealign.job.SparkSessions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "prepare", mixinStandardHelpOptions = true,
    description = "Find, load and check every face of a data set; write a prepared set (Parquet + failures + summary).")
final class PrepareCommand implements Callable<Integer> {
  @Option(names = "--data", required = true, paramLabel = "PATH",
      description = "A 300-W folder (afw, lfpw, helen, ibug) or a list file of training faces: IMAGE PTS [x0 y0 x1 y1] per line.")
  String data;

  @Option(names = "--test", paramLabel = "LIST", description = "With a list file as --data: a list of test faces (repeatable; subset = file name).")
  List<String> tests = new ArrayList<>();

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory of the prepared set.")
  String out;

  @Mixin
  Main.ConfigOptions config = new Main.ConfigOptions();

  @Override
  public Integer call() throws Exception {
    FacealignConfig cfg = config.load(Map.of());
    SparkSession spark = SparkSessions.create(cfg, "prepare");
    try {
      PreparedSet.Summary s = run(spark, cfg, data, tests, out);
      System.out.println("prepare: " + s.counts() + " -> " + out);
      return 0;
    } finally {
      spark.stop();
    }
  }

  static PreparedSet.Summary run(SparkSession spark, FacealignConfig cfg, String data, List<String> tests, String out)
      throws Exception {
    Storage st = Storage.of(spark.sparkContext().hadoopConfiguration());
    return PrepareJob.run(spark, cfg, st, new PrepareJob.DataSpec(data, tests), out);
  }
}

package org.facealign.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.facealign.config.FacealignConfig;
import org.facealign.data.Storage;
import org.facealign.job.SparkSessions;
import org.facealign.job.TrainJob;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "train", mixinStandardHelpOptions = true,
    description = "Train a model on the training subset of a prepared set and save it with its provenance.")
final class TrainCommand implements Callable<Integer> {
  @Option(names = "--prepared", required = true, paramLabel = "DIR", description = "A prepared set (from prepare).")
  String prepared;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Model directory to write.")
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
    SparkSession spark = SparkSessions.create(cfg, "train");
    try {
      TrainJob.run(spark, cfg, Storage.of(spark.sparkContext().hadoopConfiguration()), prepared, out);
      System.out.println("train: " + cfg.train().model() + " model saved to " + out);
      return 0;
    } finally {
      spark.stop();
    }
  }
}

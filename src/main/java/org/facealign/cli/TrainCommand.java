package org.facealign.cli;

import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.facealign.config.FacealignConfig;
import org.facealign.data.Storage;
import org.facealign.job.TrainJob;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "train", mixinStandardHelpOptions = true,
    description = "Train a model on the training subset of a prepared set and save it with its provenance.")
final class TrainCommand extends SparkCommand {
  @Option(names = "--prepared", required = true, paramLabel = "DIR", description = "A prepared set (from prepare).")
  String prepared;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Model directory to write.")
  String out;

  @Option(names = "--resume", description = "Continue an interrupted joint training from its last checkpoint (OUT.checkpoints).")
  boolean resume;

  @Mixin
  ModelKindOption model = new ModelKindOption();

  @Override
  String name() {
    return "train";
  }

  @Override
  Map<String, String> overrides() {
    return model.overrides();
  }

  @Override
  int run(SparkSession spark, FacealignConfig cfg, Storage st) throws Exception {
    TrainJob.run(spark, cfg, st, prepared, out, resume);
    System.out.println("train: " + cfg.train().model() + " model saved to " + org.facealign.config.Secrets.redactText(out));
    return 0;
  }
}

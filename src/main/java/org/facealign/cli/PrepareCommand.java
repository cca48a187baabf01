package org.facealign.cli;

import org.apache.spark.sql.SparkSession;
import org.facealign.config.FacealignConfig;
import org.facealign.data.Storage;
import org.facealign.job.PrepareJob;
import org.facealign.job.PreparedSet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "prepare", mixinStandardHelpOptions = true,
    description = "Find, load and check every face of a data set; write a prepared set (Parquet + failures + summary).")
final class PrepareCommand extends SparkCommand {
  @Mixin
  DataOptions input = new DataOptions();

  @Mixin
  StoreOptions features = new StoreOptions();

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory of the prepared set.")
  String out;

  @Override
  String name() {
    return "prepare";
  }

  @Override
  int run(SparkSession spark, FacealignConfig cfg, Storage st) throws Exception {
    PreparedSet.Summary s = PrepareJob.run(spark, cfg, st, new PrepareJob.DataSpec(input.data, input.tests), out,
        features.storeFor(cfg, out));
    System.out.println("prepare: " + s.counts() + " -> " + org.facealign.config.Secrets.redactText(out));
    if (s.features() != null) {
      System.out.println("features: " + s.features());
    }
    return 0;
  }
}

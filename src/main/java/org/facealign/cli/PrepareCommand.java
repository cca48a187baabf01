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

  @Option(names = "--store", paramLabel = "DIR",
      description = "Feature store to reuse and extend (default: facealign.features.store, else OUT/features).")
  String store;

  @Option(names = "--no-features", description = "Prepare the faces only; compute no features (enough for the mean model).")
  boolean noFeatures;

  String storeFor(FacealignConfig cfg, String out) {
    if (noFeatures) {
      return null;
    }
    if (store != null) {
      return store;
    }
    return cfg.featureStore().isEmpty() ? Storage.resolve(out, "features") : cfg.featureStore();
  }

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory of the prepared set.")
  String out;

  @Override
  String name() {
    return "prepare";
  }

  @Override
  void run(SparkSession spark, FacealignConfig cfg, Storage st) throws Exception {
    PreparedSet.Summary s = PrepareJob.run(spark, cfg, st, new PrepareJob.DataSpec(input.data, input.tests), out,
        storeFor(cfg, out));
    System.out.println("prepare: " + s.counts() + " -> " + out);
    if (s.features() != null) {
      System.out.println("features: " + s.features());
    }
  }
}

package org.facealign.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.facealign.config.FacealignConfig;
import org.facealign.data.Storage;
import org.facealign.job.SparkSessions;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * A subcommand that runs Spark jobs: loads the configuration (with the subcommand's own overrides),
 * starts or joins the Spark session, runs, and stops the session whatever happens.
 */
abstract class SparkCommand implements Callable<Integer> {
  @Mixin
  Main.ConfigOptions config = new Main.ConfigOptions();

  /** The subcommand's name, for the Spark application name. */
  abstract String name();

  /** Configuration overrides implied by the subcommand's own options. */
  Map<String, String> overrides() {
    return Map.of();
  }

  /** Runs the job; returns the exit code (0 done; some jobs say more, e.g. nightly's 3 for "not promoted"). */
  abstract int run(SparkSession spark, FacealignConfig cfg, Storage storage) throws Exception;

  @Override
  public final Integer call() throws Exception {
    FacealignConfig cfg = config.load(overrides());
    SparkSession spark = SparkSessions.create(cfg, name());
    try {
      return run(spark, cfg, Storage.of(spark.sparkContext().hadoopConfiguration()));
    } finally {
      spark.stop();
    }
  }

  /** Where the faces come from. */
  static final class DataOptions {
    @Option(names = "--data", required = true, paramLabel = "PATH",
        description = "A 300-W folder (afw, lfpw, helen, ibug) or a list file of training faces: IMAGE PTS [x0 y0 x1 y1] per line.")
    String data;

    @Option(names = "--test", paramLabel = "LIST",
        description = "With a list file as --data: a list of test faces (repeatable; subset = file name).")
    List<String> tests = new ArrayList<>();
  }

  /** Where features go: the store to reuse and extend, or none. */
  static final class StoreOptions {
    @Option(names = "--store", paramLabel = "DIR",
        description = "Feature store to reuse and extend (default: facealign.features.store, else OUT/features).")
    String store;

    @Option(names = "--no-features", description = "Prepare the faces only; compute no features (enough for the mean model).")
    boolean noFeatures;

    /** The store directory for a run writing {@code out}, or null for no features. */
    String storeFor(FacealignConfig cfg, String out) {
      if (noFeatures) {
        return null;
      }
      if (store != null) {
        return store;
      }
      return cfg.featureStore().isEmpty() ? Storage.resolve(out, "features") : cfg.featureStore();
    }
  }

  /** Which model to train. */
  static final class ModelKindOption {
    @Option(names = "--model", paramLabel = "KIND", description = "mean, sequentialreg, deepreglocal, deepreg or msrrn (default: facealign.train.model).")
    String kind;

    Map<String, String> overrides() {
      Map<String, String> m = new LinkedHashMap<>();
      if (kind != null) {
        m.put("train.model", kind);
      }
      return m;
    }
  }
}

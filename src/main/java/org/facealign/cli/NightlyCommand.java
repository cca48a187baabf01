package org.facealign.cli;

import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.facealign.config.FacealignConfig;
import org.facealign.data.Storage;
import org.facealign.job.NightlyJob;
import org.facealign.job.PrepareJob;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "nightly", mixinStandardHelpOptions = true,
    description = {"Retrain on what changed in the training data, warm-started from production, and promote the "
        + "candidate only if it is no worse on the gated test subsets (facealign.nightly). One line per run is "
        + "appended to REGISTRY/history.jsonl.",
        "Exit codes: 0 promoted or nothing changed, 3 trained but not promoted, 1 failed (the infra check too), "
            + "2 bad usage or lock held."})
final class NightlyCommand extends SparkCommand {
  /** Exit code of a run that trained a candidate but did not promote it. */
  static final int NOT_PROMOTED = 3;

  @Mixin
  DataOptions input = new DataOptions();

  @Option(names = "--registry", required = true, paramLabel = "DIR", description = "The model registry (any Hadoop path).")
  String registry;

  @Mixin
  ModelKindOption model = new ModelKindOption();

  @Option(names = "--force", description = "Retrain even when the training data did not change.")
  boolean force;

  @Option(names = "--cold", description = "Train from scratch even when production allows a warm start.")
  boolean cold;

  @Option(names = "--break-lock", description = "Remove the lock of a run that is gone (the message of a held lock says).")
  boolean breakLock;

  @Override
  String name() {
    return "nightly";
  }

  @Override
  Map<String, String> overrides() {
    return model.overrides();
  }

  @Override
  int run(SparkSession spark, FacealignConfig cfg, Storage st) throws Exception {
    NightlyJob.Result r = NightlyJob.run(spark, cfg, st, new NightlyJob.Spec(
        new PrepareJob.DataSpec(input.data, input.tests), registry, force, cold, breakLock));
    System.out.println("nightly: " + r.decision() + (r.version() != null ? " (" + r.version() + ")" : "") + ": " + org.facealign.config.Secrets.redactText(r.reason()));
    // what failed after the night's decision took effect: the decision stands, the operator is told
    r.history().path("housekeeping_failed").forEach(f -> System.err.println("nightly: " + r.decision()
        + "; failed after it: " + org.facealign.config.Secrets.redactText(f.asText())));
    if (r.decision().equals(NightlyJob.INFRA_CHECK_FAILED)) {
      return 1; // a failure of the machinery, not a refused candidate: alerts must fire
    }
    return r.decision().equals(NightlyJob.REJECTED) ? NOT_PROMOTED : 0;
  }
}

package org.facealign.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.facealign.config.FacealignConfig;
import org.facealign.data.Storage;
import org.facealign.job.LabelJob;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "label", mixinStandardHelpOptions = true,
    description = {"Batch-label images: find every face, predict its landmarks, write Parquet (one row per face, one "
        + "status row per image) and OUT/summary.json, committed atomically.",
        "Inputs: folders or globs of images (recursive), list files (PATH [X0 Y0 X1 Y1] per line) or Parquet tables "
        + "(a path column, optional box columns). Settings: facealign.label and facealign.detect."})
final class LabelCommand extends SparkCommand {
  @Option(names = "--model", required = true, paramLabel = "DIR", description = "A saved model directory.")
  String model;

  @Option(names = "--input", required = true, paramLabel = "PATH",
      description = "A folder, glob, list file or Parquet table of images (repeatable; any Hadoop path).")
  List<String> inputs = new ArrayList<>();

  @Option(names = "--input-format", defaultValue = "auto", paramLabel = "KIND",
      description = "auto, images, list or parquet (default: ${DEFAULT-VALUE}: a folder is images unless it holds "
          + ".parquet files, a file is an image, a .parquet table or else a list).")
  String inputFormat;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "The labelled dataset to write or extend.")
  String out;

  @Option(names = "--incremental",
      description = "Label only images whose content this model has not labelled yet, as a new part of the dataset.")
  boolean incremental;

  @Option(names = "--overlays", defaultValue = "0", paramLabel = "N",
      description = "Also draw N sample images with their boxes and landmarks into OUT/overlays (default: ${DEFAULT-VALUE}).")
  int overlays;

  @Option(names = "--break-lock", description = "Remove the lock of a run that is gone (the message of a held lock says).")
  boolean breakLock;

  @Override
  String name() {
    return "label";
  }

  @Override
  int run(SparkSession spark, FacealignConfig cfg, Storage st) throws Exception {
    if (overlays < 0) {
      throw new IllegalArgumentException("--overlays must be 0 or more, got " + overlays);
    }
    JsonNode s = LabelJob.run(spark, cfg, st,
        new LabelJob.Spec(inputs, inputFormat, out, model, incremental, overlays, breakLock));
    System.out.print(org.facealign.config.Secrets.redactText(summaryLines(s, Storage.resolve(out, "summary.json"))));
    return 0;
  }

  static String summaryLines(JsonNode s, String path) {
    StringBuilder b = new StringBuilder();
    b.append(String.format(java.util.Locale.ROOT, "label: %d images in, %d with faces, %d faces out, %d no face, %d failed%n",
        s.path("images_in").asLong(), s.path("images_with_faces").asLong(), s.path("faces_out").asLong(),
        s.path("no_face").asLong(), s.path("failed").asLong()));
    s.path("failed_by_reason").fields().forEachRemaining(e ->
        b.append("  failed  ").append(e.getKey()).append(": ").append(e.getValue().asLong()).append('\n'));
    JsonNode run = s.path("last_run");
    b.append(String.format(java.util.Locale.ROOT, "  this run: %d images in %.1f s (%.1f images/s), %d skipped as already labelled%n",
        run.path("images_in").asLong(), run.path("seconds").asDouble(), run.path("images_per_s").asDouble(),
        run.path("skipped_already_labelled").asLong()));
    if (s.has("recall")) {
      b.append("  ground truth: recall ").append(percent(s.path("recall"), 1)).append(" (IoU >= 0.5: ")
          .append(percent(s.path("recall_iou05"), 1)).append("), found faces IP-NME ")
          .append(percent(s.path("ip_nme"), 2)).append(", IO-NME ").append(percent(s.path("io_nme"), 2)).append('\n');
    }
    b.append("summary: ").append(path).append('\n');
    return b.toString();
  }

  /** A fraction as a percentage with {@code decimals} decimals, or "n/a" when it is not a number (JSON null). */
  static String percent(JsonNode v, int decimals) {
    return v.isNumber() ? String.format(java.util.Locale.ROOT, "%." + decimals + "f %%", 100 * v.asDouble()) : "n/a";
  }
}

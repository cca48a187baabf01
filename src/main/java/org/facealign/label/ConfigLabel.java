package org.facealign.label;

import java.io.Serializable;
import java.util.List;
import java.util.Locale;

/**
 * Settings of batch labelling ({@code facealign.label} in {@code reference.conf}, where each key has its default).
 *
 * @param extensions file extensions (case-insensitive) that are images in a folder or glob input; other files are
 *     counted as ignored, never labelled
 * @param recursive descend into sub-folders of a folder input
 * @param pathColumn the image-path column of a Parquet input
 * @param boxColumns the four box columns (x0, y0, x1, y1) of a Parquet input; used where all four exist and are
 *     non-null
 * @param chunkImages images per chunk: a chunk is labelled, written and recorded as a unit, so a run that is killed
 *     loses at most the chunks in progress, and a rerun resumes after the recorded ones
 * @param imagesPerTask images per Spark task (small tasks: even load, frequent progress, cheap retries)
 * @param imagesPerFile images per Parquet file written (the tasks' results are gathered into fewer, larger files)
 * @param predictBatch faces handed to the model at once ({@code LandmarkModel.predictAll})
 * @param batchPixels pixels of face regions a task holds at once: a batch of images is aligned before it is whole
 *     once its regions reach this many, so a task's memory does not grow with the photos' size
 * @param cropMargin the region kept around a face box for alignment, per side as a fraction of the box size
 *     (whole images are not kept in memory)
 * @param groundTruth compare with {@code .pts} files beside the images, where there are some
 * @param overlaySide longer side of the overlay pictures, pixels
 * @param progressSeconds seconds between two progress lines of the driver
 * @param nativeThreads OpenCV and ND4J threads per executor JVM in labelling tasks (0: the libraries' defaults)
 */
public record ConfigLabel(List<String> extensions, boolean recursive, String pathColumn, List<String> boxColumns,
    int chunkImages, int imagesPerTask, int imagesPerFile, int predictBatch, long batchPixels, double cropMargin,
    boolean groundTruth, int overlaySide,
    int progressSeconds, int nativeThreads) implements Serializable {

  public ConfigLabel {
    extensions = extensions.stream().map(e -> e.toLowerCase(Locale.ROOT).replaceFirst("^\\.", "")).toList();
    boxColumns = List.copyOf(boxColumns);
    if (extensions.isEmpty()) {
      throw new IllegalArgumentException("extensions: at least one image extension is needed");
    }
    if (pathColumn.isBlank()) {
      throw new IllegalArgumentException("path-column must not be empty");
    }
    if (boxColumns.size() != 4) {
      throw new IllegalArgumentException("box-columns must name 4 columns (x0, y0, x1, y1), got " + boxColumns.size());
    }
    if (chunkImages < 1 || imagesPerTask < 1 || imagesPerFile < 1 || predictBatch < 1) {
      throw new IllegalArgumentException("chunk-images, images-per-task, images-per-file and predict-batch must be at least 1");
    }
    if (batchPixels < 1_000_000) {
      throw new IllegalArgumentException("batch-pixels must be at least 1000000 (one photo's face region), got "
          + batchPixels);
    }
    if (!(cropMargin >= 0.5 && cropMargin <= 5)) {
      throw new IllegalArgumentException("crop-margin must be in [0.5, 5], got " + cropMargin);
    }
    if (overlaySide < 64 || overlaySide > 4096) {
      throw new IllegalArgumentException("overlay-side must be in [64, 4096], got " + overlaySide);
    }
    if (progressSeconds < 1) {
      throw new IllegalArgumentException("progress-seconds must be at least 1, got " + progressSeconds);
    }
    if (nativeThreads < 0) {
      throw new IllegalArgumentException("native-threads must be 0 (the libraries' defaults) or positive, got " + nativeThreads);
    }
  }

  /** Whether {@code path}'s name has one of the image extensions. */
  public boolean isImage(String path) {
    int slash = path.lastIndexOf('/');
    String name = path.substring(slash + 1);
    int dot = name.lastIndexOf('.');
    return dot > 0 && extensions.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
  }
}

package org.facealign.model;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.facealign.data.FaceBox;
import org.facealign.data.GrayImage;
import org.facealign.data.Shape;

/**
 * Where a model's batched prediction spends its time: a subclass runs the steps of the model's {@code predictAll} in
 * the same order on groups of faces, with a clock around each ({@link #pass}), and gives the same shapes. Each
 * step's figure is the fastest of the passes, in ms per face. Not thread-safe.
 */
public abstract class StepTimings {
  private List<Shape> predictions = List.of();

  /** The steps, in the order a prediction runs them. */
  public abstract List<String> steps();

  /**
   * One pass over all faces: nanoseconds per step (indexed as {@link #steps()}) and the shapes (image pixels) it
   * predicted, in the faces' order.
   */
  protected abstract Pass pass(List<GrayImage> images, List<FaceBox> boxes);

  /** What one {@link #pass} measured and predicted. */
  public record Pass(long[] nanos, List<Shape> shapes) {}

  /** The fastest of {@code passes} timings of each step over all faces, ms per face, and their sum ("total"). */
  public final Map<String, Double> measure(List<GrayImage> images, List<FaceBox> boxes, int passes) {
    List<String> steps = steps();
    double[] best = new double[steps.size()];
    Arrays.fill(best, Double.MAX_VALUE);
    for (int p = 0; p <= passes; p++) { // pass 0 warms up
      Pass pass = pass(images, boxes);
      predictions = pass.shapes();
      for (int k = 0; k < best.length && p > 0; k++) {
        best[k] = Math.min(best[k], pass.nanos()[k] / 1e6 / images.size());
      }
    }
    Map<String, Double> out = new LinkedHashMap<>();
    double total = 0;
    for (int k = 0; k < best.length; k++) {
      out.put(steps.get(k), best[k]);
      total += best[k];
    }
    out.put("total", total);
    return out;
  }

  /** The shapes (image pixels) of the last pass of {@link #measure}: those the model's {@code predictAll} gives. */
  public final List<Shape> predictions() {
    return predictions;
  }

  /** Adds the time since {@code since} to {@code nanos[step]}; returns now. */
  protected static long lap(long[] nanos, int step, long since) {
    long now = System.nanoTime();
    nanos[step] += now - since;
    return now;
  }
}

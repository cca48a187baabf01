package org.facealign.model.deepreg;

import java.util.Arrays;
import java.util.Iterator;
import java.util.function.Function;
import org.facealign.feature.ConfigFeatures;
import org.facealign.feature.ResponseMaps;

/**
 * Consecutive groups of a partition's items, each item with the response maps of its sample's canvas: what
 * the batched cascade calls ({@link Cascade#refineAll}, {@link Cascade#trajectoryAll}) take, so that a pass over
 * training samples reads each layer's weights once per group instead of once per sample (a 136 x 8704 layer is
 * 4.7 MB of floats, streamed from memory for two operations per weight when applied to one face).
 *
 * <p>Holds {@code size} response maps (1.2 MB each for a 192-pixel canvas with 8 orientations), reused from one
 * group to the next. Not thread-safe: one per task.
 *
 * @param <T> the items: training samples, or samples paired with their shapes
 */
public final class CanvasGroups<T> {
  /** Samples per group of the training passes, as {@link DeepRegModel#BATCH} at inference. */
  public static final int SIZE = DeepRegModel.BATCH;

  private final Function<T, TrainingSample> sampleOf;
  private final ResponseMaps[] maps;
  private final Object[] items;
  private final float[][] hogs;
  private int count;

  /**
   * @param size the largest group
   * @param sampleOf the training sample of an item (whose canvas the maps are of)
   */
  public CanvasGroups(ConfigFeatures features, int size, Function<T, TrainingSample> sampleOf) {
    if (size < 1) {
      throw new IllegalArgumentException("group size must be at least 1, got " + size);
    }
    this.sampleOf = sampleOf;
    this.maps = new ResponseMaps[size];
    for (int i = 0; i < size; i++) {
      maps[i] = new ResponseMaps(features);
    }
    this.items = new Object[size];
    this.hogs = new float[size][];
  }

  /** Groups of training samples themselves. */
  public static CanvasGroups<TrainingSample> ofSamples(ConfigFeatures features, int size) {
    return new CanvasGroups<>(features, size, Function.identity());
  }

  /**
   * Takes the next group from {@code it} (at most the group size, fewer at its end) and computes each item's maps.
   *
   * @return the number of items in the group, 0 once {@code it} is exhausted
   */
  public int next(Iterator<T> it) {
    Arrays.fill(items, 0, count, null);
    count = 0;
    while (count < items.length && it.hasNext()) {
      T item = it.next();
      TrainingSample s = sampleOf.apply(item);
      maps[count].process(s.canvas());
      items[count] = item;
      hogs[count] = s.hog();
      count++;
    }
    return count;
  }

  /** Item {@code i} of the current group. */
  @SuppressWarnings("unchecked")
  public T item(int i) {
    check(i);
    return (T) items[i];
  }

  /** The training sample of item {@code i}. */
  public TrainingSample sample(int i) {
    return sampleOf.apply(item(i));
  }

  /** The response maps of the current group's items, in order (the array is longer than the group at its end). */
  public ResponseMaps[] maps() {
    return maps;
  }

  /** The HOGs of the current group's samples, in order. */
  public float[][] hogs() {
    return hogs;
  }

  private void check(int i) {
    if (i < 0 || i >= count) {
      throw new IndexOutOfBoundsException("item " + i + " of a group of " + count);
    }
  }
}

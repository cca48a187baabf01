package org.facealign.train;

import org.apache.spark.util.KnownSizeEstimation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;

/**
 * A training example that tells Spark's block manager its size instead of letting it be measured. A round's
 * examples are kept in memory as objects while the round trains ({@link GraphTrainer}); Spark sizes such a block as
 * it fills it, walking the object graph of every example it holds at each of a few dozen growing sample points
 * ({@code SizeTracker}), and the graph of an ND4J array is many small objects reached by reflection (README, DeepReg,
 * the profile of {@code bench train}). Spark takes a {@link KnownSizeEstimation}'s own figure
 * without walking it (an interface of Spark's own, public in its bytecode though not in its documentation).
 *
 * <p>The figure is what the walk would count: the example's objects on the Java heap, whose arrays' values live off
 * the heap (ND4J's memory, bounded by its own limits, never by Spark's storage memory). {@link #BYTES_PER_ARRAY} is
 * an upper bound of the heap objects of one ND4J array, so Spark's figure is never smaller than the walk's (a test
 * compares them).
 */
final class SizedExample extends MultiDataSet implements KnownSizeEstimation {
  private static final long serialVersionUID = 1L;
  /** Heap bytes of an example's own objects and of its four array references: above the walk's figure. */
  static final long BYTES_BASE = 512;
  /** Heap bytes of one ND4J array's objects (array, shape information, data buffer, pointers): above the walk's. */
  static final long BYTES_PER_ARRAY = 1536;

  private final long bytes;

  private SizedExample(INDArray[] features, INDArray[] labels, INDArray[] featureMasks, INDArray[] labelMasks) {
    super(features, labels, featureMasks, labelMasks);
    this.bytes = BYTES_BASE + BYTES_PER_ARRAY * (count(features) + count(labels) + count(featureMasks) + count(labelMasks));
  }

  /** {@code example}'s arrays (the same objects, not copies) in an example that knows its size. */
  static SizedExample of(org.nd4j.linalg.dataset.api.MultiDataSet example) {
    return new SizedExample(example.getFeatures(), example.getLabels(), example.getFeaturesMaskArrays(),
        example.getLabelsMaskArrays());
  }

  @Override
  public long estimatedSize() {
    return bytes;
  }

  private static int count(INDArray[] arrays) {
    int n = 0;
    for (int i = 0; arrays != null && i < arrays.length; i++) {
      n += arrays[i] == null ? 0 : 1;
    }
    return n;
  }
}

package org.facealign.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.facealign.job.LocalSparkTest;
import org.junit.jupiter.api.Test;

/**
 * Sums whose value depends on the order of their terms in floating point (1e16 + 1 rounds back to 1e16): the
 * partitions' results are merged in partition order however the tasks finish, which Spark's own reduce does not do.
 */
class PartitionOrderTest extends LocalSparkTest {
  private static final double[] TERMS = {1e16, 1, -1e16, 1, 3, -7};

  /** One term per partition; partition {@code slow} sleeps before it answers, so it finishes last. */
  private JavaRDD<Double> terms(int slow) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    List<Double> t = new ArrayList<>();
    for (double v : TERMS) {
      t.add(v);
    }
    return jsc.parallelize(t, TERMS.length).mapPartitionsWithIndex((i, it) -> {
      if (i == slow) {
        Thread.sleep(400);
      }
      return it;
    }, true);
  }

  private static double inOrder() {
    double s = TERMS[0];
    for (int i = 1; i < TERMS.length; i++) {
      s += TERMS[i];
    }
    return s;
  }

  @Test
  void reduceAndAggregateMergeInPartitionOrderWhateverFinishesLast() {
    double want = inOrder(); // (1e16 + 1) - 1e16 + 1 + 3 - 7 = -3
    assertEquals(-3.0, want, 0.0);
    for (int slow = 0; slow < TERMS.length; slow++) {
      assertEquals(want, PartitionOrder.reduce(terms(slow), Double::sum), 0.0, "partition " + slow + " last");
      assertEquals(want, PartitionOrder.aggregate(terms(slow), () -> 0.0, Double::sum, Double::sum), 0.0,
          "partition " + slow + " last");
    }
    // Spark's reduce merges as tasks finish: with the first partition last, 1e16 meets -1e16 ... in another order
    assertNotEquals(want, terms(0).reduce(Double::sum), "Spark's reduce in completion order");
  }

  /**
   * Three-value vectors, one per partition, whose per-element sums depend on the order of the terms, cut into slices
   * of one or two elements: every element is the sequential partition-order sum, whichever task finishes last, with
   * more slices than elements too (empty slices), and with two partitions (no shuffle).
   */
  @Test
  void slicedReductionMergesEachSliceInPartitionOrderWhateverFinishesLast() {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    double[][] vectors = new double[TERMS.length][];
    for (int i = 0; i < TERMS.length; i++) {
      vectors[i] = new double[] {TERMS[i], TERMS[(i + 2) % TERMS.length], TERMS[(i + 4) % TERMS.length]};
    }
    double[] want = vectors[0].clone();
    for (int i = 1; i < vectors.length; i++) {
      for (int k = 0; k < 3; k++) {
        want[k] += vectors[i][k];
      }
    }
    assertEquals(-3.0, want[0], 0.0);
    for (int slices : new int[] {1, 2, 3, 5}) {
      for (int slow = 0; slow < TERMS.length; slow++) {
        int s = slow;
        JavaRDD<double[]> rdd = jsc.parallelize(java.util.Arrays.asList(vectors), vectors.length)
            .mapPartitionsWithIndex((i, it) -> {
              if (i == s) {
                Thread.sleep(400);
              }
              return it;
            }, true);
        double[] got = PartitionOrder.reduceSliced(rdd, PartitionOrderTest::plus, slices,
            (v, k) -> java.util.Arrays.copyOfRange(v, 3 * k / slices, 3 * (k + 1) / slices), PartitionOrderTest::plus,
            parts -> parts.stream().flatMapToDouble(java.util.Arrays::stream).toArray());
        org.junit.jupiter.api.Assertions.assertArrayEquals(want, got, 0.0,
            slices + " slices, partition " + slow + " last");
      }
    }
    double[] two = PartitionOrder.reduceSliced(jsc.parallelize(java.util.Arrays.asList(vectors[0], vectors[1]), 2),
        PartitionOrderTest::plus, 2, (v, k) -> {
          throw new AssertionError("two partitions are not sliced");
        }, PartitionOrderTest::plus, parts -> parts.get(0));
    org.junit.jupiter.api.Assertions.assertArrayEquals(plus(vectors[0].clone(), vectors[1]), two, 0.0);
  }

  private static double[] plus(double[] a, double[] b) {
    for (int k = 0; k < a.length; k++) {
      a[k] += b[k];
    }
    return a;
  }

  @Test
  void anEmptyCollectionHasNoReduction() {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    JavaRDD<Double> empty = jsc.parallelize(List.<Double>of(), 3);
    assertThrows(UnsupportedOperationException.class, () -> PartitionOrder.reduce(empty, Double::sum));
    assertThrows(UnsupportedOperationException.class, () -> PartitionOrder.reduceSliced(empty, Double::sum, 2,
        (v, k) -> v, Double::sum, parts -> parts.get(0)));
    assertEquals(0.0, PartitionOrder.aggregate(empty, () -> 0.0, Double::sum, Double::sum), 0.0);
  }
}

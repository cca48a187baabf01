package org.facealign.train;

import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.api.java.function.Function0;
import org.apache.spark.api.java.function.Function2;
import scala.Tuple2;

/**
 * Reductions of an RDD whose result does not depend on the order in which its tasks finish. Spark's {@code reduce},
 * {@code fold} and {@code treeAggregate} merge the partitions' results on the driver as their tasks finish; with
 * three or more partitions a floating-point sum then depends on timing in its last bits, and so does everything
 * computed from it (the spread of pre-training's starts, the mean shape, every layer fitted after them): two runs
 * with the same seed and data could give models that differ. Here each partition reduces its elements in order,
 * the driver collects one result per partition (in partition order, as {@code collect} returns them) and merges
 * them in that order ({@link #reduce}, {@link #aggregate}: every partition's result is on the driver at once, for
 * results of a few megabytes at most), or slice by slice in as many tasks ({@link #reduceSliced}), for large ones.
 */
public final class PartitionOrder {
  private PartitionOrder() {}

  /**
   * The elements of {@code rdd} combined by {@code op}, in partition order and, within a partition, in element order:
   * {@code RDD.reduce} made deterministic.
   *
   * @throws UnsupportedOperationException if {@code rdd} is empty, as {@code RDD.reduce}
   */
  public static <T> T reduce(JavaRDD<T> rdd, Function2<T, T, T> op) {
    // one element per non-empty partition (the elements themselves: Spark's serialiser may not rebuild an
    // immutable list), in partition order
    List<T> parts = rdd.mapPartitions((Iterator<T> it) -> {
      T acc = fold(it, op);
      return acc == null ? java.util.Collections.<T>emptyIterator() : java.util.Collections.singletonList(acc).iterator();
    }).collect();
    if (parts.isEmpty()) {
      throw new UnsupportedOperationException("empty collection");
    }
    T out = parts.get(0);
    for (int i = 1; i < parts.size(); i++) {
      out = callUnchecked(op, out, parts.get(i));
    }
    return out;
  }

  /**
   * {@link #reduce} for results too large to ship many of to the driver or through a tree of merges (a local layer's
   * normal equations: 152 MB). Each partition reduces its elements in order and cuts its result into {@code slices}
   * slices ({@code cut}); one shuffle sends slice k of every partition to task k, which merges them in partition order
   * ({@code mergeSlices}; the shuffle's sort spills to disk what memory does not hold); the driver collects the merged
   * slices and {@code join}s them in slice order. Each partition's result crosses the network once and the merging is
   * spread over {@code slices} tasks (a tree of merges two at a time would move most results again at each of its
   * log2 P levels); the result does not depend on the order in which tasks finish, whatever the merge. Up to two
   * partitions there is nothing to spread: the results go to the driver and are merged there with {@code op}, as
   * {@link #reduce}.
   *
   * @param cut slice k (0-based) of {@code slices} of a partition's result
   * @param mergeSlices two slices of the same k, the first from the earlier partition
   * @param join the result from its merged slices, in slice order
   * @throws UnsupportedOperationException if {@code rdd} is empty
   */
  public static <T, P> T reduceSliced(JavaRDD<T> rdd, Function2<T, T, T> op, int slices, Function2<T, Integer, P> cut,
      Function2<P, P, P> mergeSlices, Function<List<P>, T> join) {
    if (slices < 1) {
      throw new IllegalArgumentException("slices must be at least 1, got " + slices);
    }
    if (rdd.getNumPartitions() <= 2) {
      return reduce(rdd, op);
    }
    JavaPairRDD<Tuple2<Integer, Integer>, P> parts = JavaPairRDD.fromJavaRDD(rdd.mapPartitionsWithIndex(
        (Integer i, Iterator<T> it) -> {
          T acc = fold(it, op);
          // cut as the shuffle writes them: one slice's copy at a time beside the partition's result
          return new Iterator<Tuple2<Tuple2<Integer, Integer>, P>>() {
            private int k;

            @Override
            public boolean hasNext() {
              return acc != null && k < slices;
            }

            @Override
            public Tuple2<Tuple2<Integer, Integer>, P> next() {
              if (!hasNext()) {
                throw new java.util.NoSuchElementException();
              }
              P slice = callUnchecked(cut, acc, k);
              return new Tuple2<>(new Tuple2<>(k++, i), slice);
            }
          };
        }, true));
    // slice k goes to task k, ordered by source partition within it
    List<Tuple2<Integer, P>> merged = parts.repartitionAndSortWithinPartitions(new SlicePartitioner(slices),
        new SliceOrder()).mapPartitions((Iterator<Tuple2<Tuple2<Integer, Integer>, P>> it) -> {
          P acc = null;
          int k = -1;
          while (it.hasNext()) {
            Tuple2<Tuple2<Integer, Integer>, P> t = it.next();
            k = t._1()._1();
            acc = acc == null ? t._2() : mergeSlices.call(acc, t._2());
          }
          return acc == null ? java.util.Collections.<Tuple2<Integer, P>>emptyIterator()
              : java.util.Collections.singletonList(new Tuple2<>(k, acc)).iterator();
        }).collect();
    if (merged.isEmpty()) {
      throw new UnsupportedOperationException("empty collection");
    }
    List<P> ordered = new java.util.ArrayList<>(merged.size());
    merged.stream().sorted(java.util.Comparator.comparing(Tuple2::_1)).forEach(t -> ordered.add(t._2()));
    try {
      return join.call(ordered);
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Slice k of {@link #reduceSliced} to partition k. */
  private static final class SlicePartitioner extends org.apache.spark.Partitioner {
    private static final long serialVersionUID = 1L;
    private final int slices;

    SlicePartitioner(int slices) {
      this.slices = slices;
    }

    @Override
    public int numPartitions() {
      return slices;
    }

    @Override
    @SuppressWarnings("unchecked")
    public int getPartition(Object key) {
      return ((Tuple2<Integer, Integer>) key)._1();
    }
  }

  /** (slice, source partition) keys by slice, then by source partition. */
  private static final class SliceOrder implements java.util.Comparator<Tuple2<Integer, Integer>>, java.io.Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public int compare(Tuple2<Integer, Integer> a, Tuple2<Integer, Integer> b) {
      int c = Integer.compare(a._1(), b._1());
      return c != 0 ? c : Integer.compare(a._2(), b._2());
    }
  }

  /**
   * {@code RDD.treeAggregate} made deterministic: each partition folds its elements into a fresh {@code zero()} with
   * {@code add}, and the partitions' results are merged into another fresh {@code zero()} with {@code merge}, in
   * partition order.
   */
  public static <T, U> U aggregate(JavaRDD<T> rdd, Function0<U> zero, Function2<U, T, U> add, Function2<U, U, U> merge) {
    List<U> parts = rdd.mapPartitions((Iterator<T> it) -> {
      U acc = zero.call();
      while (it.hasNext()) {
        acc = add.call(acc, it.next());
      }
      return java.util.Collections.singletonList(acc).iterator();
    }).collect();
    U out;
    try {
      out = zero.call();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    for (U p : parts) {
      out = callUnchecked(merge, out, p);
    }
    return out;
  }

  /** The elements of {@code it} combined by {@code op} in order; null if there are none. */
  private static <T> T fold(Iterator<T> it, Function2<T, T, T> op) throws Exception {
    if (!it.hasNext()) {
      return null;
    }
    T acc = it.next();
    while (it.hasNext()) {
      acc = op.call(acc, it.next());
    }
    return acc;
  }

  private static <A, B, C> C callUnchecked(Function2<A, B, C> f, A a, B b) {
    try {
      return f.call(a, b);
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}

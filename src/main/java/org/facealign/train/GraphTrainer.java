package org.facealign.train;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.HashPartitioner;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.DoubleAccumulator;
import org.apache.spark.util.LongAccumulator;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.api.TrainingHook;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.facealign.model.Nd4jThreads;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Trains a DL4J {@link ComputationGraph} on Spark with dl4j-spark's parameter averaging ({@link
 * SparkComputationGraph}, {@link ParameterAveragingTrainingMaster}), epoch by epoch, with validation,
 * learning-rate drops, early stopping, the best weights kept, and listeners for everything else (progress,
 * checkpoints). What is trained is the {@link Task}'s business: DeepReg's joint training ({@link
 * JointTrainer}) and MSRRN both run here.
 *
 * <p><b>An epoch</b> visits every training sample once. The samples are spread over the {@code workers}
 * (or Spark's default parallelism) partitions once, by a hash of the seed and the sample's name (no shuffle
 * when the input already has that many partitions: then a sample stays with its partition); each epoch
 * orders every partition's samples by a hash of (seed, epoch, name) and cuts them into rounds of {@code
 * batch x averagingFrequency} samples per worker (ordered and cut once per epoch; each round's examples are made
 * once and kept while the round trains). Each round is one parameter-averaging step: every worker
 * fits {@code averagingFrequency} mini-batches of {@code batch} samples from the current parameters and
 * updater state, then parameters and updater state are averaged. Samples become {@code MultiDataSet}s on
 * the executors, as the worker reads them ({@link Examples#make}, which may draw the epoch's augmentation).
 *
 * <p><b>After each epoch</b>: the task's validation error (typically the mean inter-pupil NME of the held-out
 * samples). A new best keeps a copy of the weights; {@code patience} epochs without one multiply the learning
 * rate by {@code lrDrop}; {@code earlyStop} epochs without one stop the training (with {@code plateauOfTrained} and
 * {@code stopOfTrained}, "one" is a better error than the trained epochs' so far). The result holds the best
 * weights (the starting graph, epoch 0, if no epoch beats it). Then the listeners run.
 *
 * <p><b>Determinism</b>: the rounds and orders (hashes of the seed), the training master's split seed and
 * ND4J's random generator (dropout masks; reseeded before every mini-batch from the seed, epoch, iteration,
 * partition and mini-batch index) are all functions of the seed, so with one worker a training resumed
 * from a checkpoint of epoch k equals the uninterrupted one. With several workers the result also depends
 * on floating-point summation order only.
 *
 * @param <S> a training sample
 */
public final class GraphTrainer<S extends Serializable> {

  /**
   * The schedule of a training.
   *
   * @param epochs maximum epochs
   * @param learningRate initial learning rate
   * @param batch mini-batch size per worker
   * @param lrDrop factor applied to the learning rate after {@code patience} epochs without a new best
   * @param patience epochs without a better validation error before the learning rate drops
   * @param earlyStop epochs without a better validation error before training stops
   * @param workers parameter-averaging workers; 0 = Spark's default parallelism
   * @param averagingFrequency mini-batches each worker fits between two parameter averagings
   * @param plateauOfTrained whether {@code patience} counts epochs without a better error than the trained epochs'
   *     (epoch 1 on) rather than than every epoch's, the start's included
   * @param cosine whether each epoch trains at {@link #cosineRate} instead (no drops: lrDrop, patience and
   *     plateauOfTrained unused); a function of the epoch and {@code epochs}, so a resumed training continues it
   * @param stopOfTrained whether {@code earlyStop} counts epochs without a better error than the trained epochs'
   *     rather than than every epoch's, the start's included (never earlier, since a new best of every epoch is a new
   *     best of the trained ones); the weights kept are the best of every epoch either way
   */
  public record Schedule(int epochs, double learningRate, int batch, double lrDrop, int patience, int earlyStop,
      int workers, int averagingFrequency, boolean plateauOfTrained, boolean cosine, boolean stopOfTrained)
      implements Serializable {

    /** A schedule whose learning-rate drops count from the best of every epoch, the start's included. */
    public Schedule(int epochs, double learningRate, int batch, double lrDrop, int patience, int earlyStop,
        int workers, int averagingFrequency) {
      this(epochs, learningRate, batch, lrDrop, patience, earlyStop, workers, averagingFrequency, false, false, false);
    }

    /** A schedule that drops the learning rate on plateaus ({@code cosine} false). */
    public Schedule(int epochs, double learningRate, int batch, double lrDrop, int patience, int earlyStop,
        int workers, int averagingFrequency, boolean plateauOfTrained) {
      this(epochs, learningRate, batch, lrDrop, patience, earlyStop, workers, averagingFrequency, plateauOfTrained,
          false, false);
    }

    /** A schedule whose early stopping counts from the best of every epoch, the start's included. */
    public Schedule(int epochs, double learningRate, int batch, double lrDrop, int patience, int earlyStop,
        int workers, int averagingFrequency, boolean plateauOfTrained, boolean cosine) {
      this(epochs, learningRate, batch, lrDrop, patience, earlyStop, workers, averagingFrequency, plateauOfTrained,
          cosine, false);
    }

    /**
     * The learning rate epoch {@code epoch} (1-based) trains at under the cosine schedule: {@code learningRate (1 +
     * cos(π (epoch − 1) / epochs)) / 2}.
     */
    public double cosineRate(int epoch) {
      return learningRate * (1 + Math.cos(Math.PI * (epoch - 1) / epochs)) / 2;
    }
  }

  /** How samples become examples, on the executors. */
  public interface Examples<S> extends Serializable {
    /** A stable name of the sample (orders and spreads the samples). */
    String name(S sample);

    /** The example of {@code sample} in {@code epoch} (1-based); the features, labels and any augmentation. */
    MultiDataSet make(S sample, int epoch);
  }

  /** What a training is about: the starting graph, the examples, and the validation error. */
  public interface Task<S> {
    /** The graph of epoch 0 (called only when not resuming). */
    ComputationGraph initialGraph();

    /** How the samples become examples. */
    Examples<S> examples();

    /** Validation losses of {@code g}'s current weights; {@link Validation#DIVERGED} if they are not finite. */
    Validation validate(ComputationGraph g);

    /** Whether a checkpointed graph is one of this task (same structure). */
    boolean accepts(ComputationGraph checkpoint);
  }

  /**
   * Mean losses of the held-out samples.
   *
   * @param loss the graph's loss, or NaN
   * @param nme mean inter-pupil NME (the error that is compared), or NaN
   */
  public record Validation(double loss, double nme) {
    public static final Validation NONE = new Validation(Double.NaN, Double.NaN);
    public static final Validation DIVERGED = new Validation(Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY);
  }

  /** The trained graph with the best weights set, the history (epoch 0 = the start), the best epoch and error. */
  public record Result(ComputationGraph graph, List<EpochStats> history, int bestEpoch, double bestError) {}

  private final Schedule schedule;
  private final long seed;
  private final List<TrainingListener> listeners = new ArrayList<>();
  private org.facealign.data.Storage resumeStorage;
  private String resumeDir;
  private int nativeThreads;

  public GraphTrainer(Schedule schedule, long seed) {
    this.schedule = schedule;
    this.seed = seed;
  }

  /** Adds a listener (called in the order added). */
  public GraphTrainer<S> listener(TrainingListener l) {
    listeners.add(l);
    return this;
  }

  /** Adds listeners. */
  public GraphTrainer<S> listeners(List<TrainingListener> ls) {
    listeners.addAll(ls);
    return this;
  }

  /**
   * Limits ND4J's native threads ({@link Nd4jThreads}) in every JVM that trains (the workers; in local mode the whole
   * process, which keeps the limit after training) to {@code n} before its first mini-batch; 0 (the default) leaves
   * them as they are.
   */
  public GraphTrainer<S> nativeThreads(int n) {
    if (n < 0) {
      throw new IllegalArgumentException("native threads must be 0 or more, got " + n);
    }
    this.nativeThreads = n;
    return this;
  }

  /** Continues from the newest checkpoint in {@code dir} (written by {@link CheckpointListener}), if any. */
  public GraphTrainer<S> resumeFrom(org.facealign.data.Storage storage, String dir) {
    this.resumeStorage = storage;
    this.resumeDir = dir;
    return this;
  }

  /**
   * Trains {@code task}'s graph on {@code train}.
   *
   * @param train the training samples (cache them: every round reads them)
   */
  public Result fit(JavaSparkContext jsc, JavaRDD<S> train, Task<S> task) {
    int workers = schedule.workers() > 0 ? schedule.workers() : Math.max(1, jsc.defaultParallelism());
    TrainingState st = null;
    if (resumeDir != null) {
      try {
        st = CheckpointListener.readLatest(resumeStorage, resumeDir);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read the checkpoints of " + resumeDir, e);
      }
    }
    if (st == null) {
      st = new TrainingState();
      st.graph = task.initialGraph();
      st.learningRate = schedule.learningRate();
      Validation v = task.validate(st.graph);
      EpochStats zero = new EpochStats(0, Double.NaN, v.loss(), v.nme(), schedule.learningRate(), 0, 0, true);
      st.history.add(zero);
      st.bestError = errorOf(zero);
      st.bestEpoch = 0;
      st.bestParams = detachedCopy(st.graph.params());
    } else if (!task.accepts(st.graph)) {
      throw new IllegalArgumentException("the checkpoint in " + resumeDir + " is of another model");
    }
    Examples<S> examples = task.examples();
    JavaRDD<S> spread = train;
    boolean own = false;
    if (train.getNumPartitions() != workers) {
      long s = seed;
      int w = workers;
      spread = train.mapToPair(x -> new scala.Tuple2<>(Math.floorMod(mix(s, examples.name(x).hashCode()), w), x))
          .partitionBy(new HashPartitioner(workers)).values().persist(StorageLevel.MEMORY_AND_DISK_SER());
      own = true;
    }
    try {
      long perWorker = (long) schedule.batch() * schedule.averagingFrequency();
      long largest = spread.mapPartitions(it -> {
        long c = 0;
        for (; it.hasNext(); it.next()) {
          c++;
        }
        return List.of(c).iterator();
      }).collect().stream().mapToLong(Long::longValue).max().orElse(0);
      int rounds = (int) Math.max(1, (largest + perWorker - 1) / perWorker);
      while (!st.stopped && st.epoch < schedule.epochs()) {
        epoch(jsc, spread, task, examples, st, workers, rounds, perWorker);
      }
    } finally {
      if (own) {
        spread.unpersist(false);
      }
    }
    st.graph.setParams(st.bestParams);
    Result result = new Result(st.graph, List.copyOf(st.history), st.bestEpoch, st.bestError);
    for (TrainingListener l : listeners) {
      l.onTrainingEnd(result);
    }
    return result;
  }

  private void epoch(JavaSparkContext jsc, JavaRDD<S> spread, Task<S> task, Examples<S> examples, TrainingState st,
      int workers, int rounds, long perWorker) {
    int epoch = st.epoch + 1;
    ComputationGraph g = st.graph;
    g.getConfiguration().setEpochCount(epoch - 1);
    if (schedule.cosine() && st.learningRate != schedule.cosineRate(epoch)) {
      st.learningRate = schedule.cosineRate(epoch);
      setLearningRate(g, st.learningRate);
    }
    DoubleAccumulator lossSum = jsc.sc().doubleAccumulator("training loss");
    LongAccumulator seen = jsc.sc().longAccumulator("training examples");
    double lr = st.learningRate;
    long t0 = System.nanoTime();
    // each partition is ordered once per epoch and kept, as objects, cut into its rounds (a block that does not
    // fit is dropped by Spark and ordered again when read)
    JavaRDD<List<S>> ordered = spread.mapPartitions(rounds(examples, seed, epoch, rounds, perWorker), true)
        .persist(StorageLevel.MEMORY_ONLY());
    try {
      for (int r = 0; r < rounds; r++) {
        JavaRDD<MultiDataSet> data = ordered.mapPartitions(round(examples, epoch, r), true);
        // the training master counts the round before fitting it: kept, its examples are made once, not twice; kept
        // as objects (a round is a few hundred MB at most), since serialising and reading back every example costs
        // more than making it
        ParameterAveragingTrainingMaster tm = new ParameterAveragingTrainingMaster.Builder(workers, 1)
            .batchSizePerWorker(schedule.batch())
            .averagingFrequency(schedule.averagingFrequency())
            .rddTrainingApproach(RDDTrainingApproach.Direct)
            .repartionData(Repartition.Never)
            .storageLevel(StorageLevel.MEMORY_ONLY())
            .saveUpdater(true)
            .rngSeed(mix(mix(seed, epoch), r))
            .trainingHooks(new Hook(seed, nativeThreads, lossSum, seen))
            .build();
        try {
          new SparkComputationGraph(jsc, g, tm).fitMultiDataSet(data);
        } finally {
          data.unpersist(false);
        }
      }
    } finally {
      ordered.unpersist(false);
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    double trainLoss = seen.value() > 0 ? lossSum.value() / seen.value() : Double.NaN;
    Validation v = finite(g.params()) ? task.validate(g) : Validation.DIVERGED;
    EpochStats provisional = new EpochStats(epoch, trainLoss, v.loss(), v.nme(), lr, seen.value(), seconds, false);
    double err = errorOf(provisional);
    double before = st.learningRate;
    boolean improved = st.record(epoch, err, schedule);
    EpochStats stats = new EpochStats(epoch, trainLoss, v.loss(), v.nme(), lr, seen.value(), seconds, improved);
    st.history.add(stats);
    if (improved) {
      st.bestParams.close();
      st.bestParams = detachedCopy(g.params());
    }
    if (st.learningRate != before) {
      setLearningRate(g, st.learningRate);
    }
    EpochInfo info = new EpochInfo(stats, schedule.epochs(), st);
    for (TrainingListener l : listeners) {
      l.onEpochEnd(info);
    }
  }

  /**
   * Sets the learning rate of every layer that trains: a layer whose updater's rate is 0 (a fixed layer of DeepReg's
   * layer-wise pre-training) keeps it.
   */
  static void setLearningRate(ComputationGraph g, double lr) {
    List<String> trained = new ArrayList<>();
    boolean fixed = false;
    for (org.deeplearning4j.nn.api.Layer l : g.getLayers()) {
      if (l.conf().getLayer() instanceof org.deeplearning4j.nn.conf.layers.BaseLayer b && b.getIUpdater() != null
          && b.getIUpdater().hasLearningRate() && b.getIUpdater().getLearningRate(0, 0) == 0) {
        fixed = true;
      } else {
        trained.add(l.conf().getLayer().getLayerName());
      }
    }
    if (!fixed) {
      g.setLearningRate(lr);
      return;
    }
    for (String name : trained) {
      g.setLearningRate(name, lr);
    }
  }

  private static boolean finite(INDArray params) {
    double s = params.sumNumber().doubleValue();
    return Double.isFinite(s);
  }

  /** The error an epoch is compared by: its validation error, infinite if there is none. */
  static double errorOf(EpochStats s) {
    double e = s.validationError();
    return Double.isNaN(e) ? Double.POSITIVE_INFINITY : e;
  }

  static INDArray detachedCopy(INDArray a) {
    try (var ws = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
      return a.dup();
    }
  }

  /** SplitMix64's finaliser of {@code a} combined with {@code b}. */
  public static long mix(long a, long b) {
    long z = a * 0x9E3779B97F4A7C15L + b + 0x632BE59BD9B4E019L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /**
   * This partition's samples in {@code epoch}'s order, cut into its {@code rounds} rounds of {@code perWorker}
   * (a worker of dl4j-spark fits at most {@code batch x averagingFrequency} samples per averaging): exactly
   * {@code rounds} lists, the last ones empty when the partition is smaller than the largest. The order: a
   * hash of (seed, epoch, name), then the name.
   */
  private static <S> FlatMapFunction<Iterator<S>, List<S>> rounds(Examples<S> examples, long seed, int epoch,
      int rounds, long perWorker) {
    return it -> {
      record Keyed<T>(long key, String name, T s) {}
      List<Keyed<S>> all = new ArrayList<>();
      long es = mix(seed, epoch);
      while (it.hasNext()) {
        S s = it.next();
        String name = examples.name(s);
        all.add(new Keyed<>(mix(es, name.hashCode()), name, s));
      }
      all.sort(Comparator.comparingLong((Keyed<S> k) -> k.key()).thenComparing(Keyed::name));
      List<List<S>> out = new ArrayList<>(rounds);
      for (int r = 0; r < rounds; r++) {
        int from = (int) Math.min(all.size(), r * perWorker);
        int to = (int) Math.min(all.size(), (r + 1) * perWorker);
        out.add(new ArrayList<>(all.subList(from, to).stream().map(Keyed::s).toList()));
      }
      return out.iterator();
    };
  }

  /** The examples of round {@code r} of {@code epoch}: the r-th list of each partition of {@link #rounds}. */
  private static <S> FlatMapFunction<Iterator<List<S>>, MultiDataSet> round(Examples<S> examples, int epoch, int r) {
    return it -> {
      for (int k = 0; k < r && it.hasNext(); k++) {
        it.next();
      }
      Iterator<S> samples = it.hasNext() ? it.next().iterator() : java.util.Collections.emptyIterator();
      return new Iterator<MultiDataSet>() {
        @Override
        public boolean hasNext() {
          return samples.hasNext();
        }

        @Override
        public MultiDataSet next() {
          // kept by Spark while the round trains: an example that tells Spark its size, rather than one it walks
          return SizedExample.of(examples.make(samples.next(), epoch));
        }
      };
    };
  }

  /**
   * Runs on the workers around every mini-batch: applies the native thread limit, reseeds ND4J's
   * generator (dropout masks) from the seed, epoch, iteration, partition and mini-batch index before it, and adds
   * the mini-batch's loss to the epoch's accumulators after it.
   */
  static final class Hook implements TrainingHook {
    private static final long serialVersionUID = 1L;
    private final long seed;
    private final int nativeThreads;
    private final DoubleAccumulator loss;
    private final LongAccumulator examples;
    /** Mini-batches seen by this deserialised copy (one per task). */
    private int calls;

    Hook(long seed, int nativeThreads, DoubleAccumulator loss, LongAccumulator examples) {
      this.seed = seed;
      this.nativeThreads = nativeThreads;
      this.loss = loss;
      this.examples = examples;
    }

    @Override
    public void preUpdate(MultiDataSet minibatch, Model model) {
      Nd4jThreads.limit(nativeThreads);
      long s = mix(seed, calls++);
      if (model instanceof ComputationGraph g) {
        s = mix(mix(s, g.getConfiguration().getEpochCount()), g.getConfiguration().getIterationCount());
      }
      Nd4j.getRandom().setSeed(mix(s, TaskContext.getPartitionId()));
    }

    @Override
    public void postUpdate(MultiDataSet minibatch, Model model) {
      long n = minibatch.getFeatures(0).size(0);
      loss.add(model.score() * n);
      examples.add(n);
    }

    @Override
    public void preUpdate(DataSet minibatch, Model model) {}

    @Override
    public void postUpdate(DataSet minibatch, Model model) {}
  }
}

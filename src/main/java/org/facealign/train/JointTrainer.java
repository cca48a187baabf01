package org.facealign.train;

import java.io.IOException;
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
import org.apache.spark.broadcast.Broadcast;
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
import org.facealign.data.LandmarkScheme;
import org.facealign.data.Storage;
import org.facealign.eval.Nme;
import org.facealign.feature.ResponseMaps;
import org.facealign.model.deepreg.Cascade;
import org.facealign.model.deepreg.ConfigDeepReg;
import org.facealign.model.deepreg.ShapeUnits;
import org.facealign.model.deepreg.TrainingSample;
import org.facealign.model.deepreg.graph.DeepRegGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Joint training of a pre-trained DeepReg cascade by back-propagation (Shi, Shan, Chen, "Deep Regression for
 * Face Alignment", 2014, Sec. 3.3): the cascade becomes a DL4J graph ({@link DeepRegGraph}) trained with
 * dl4j-spark's parameter averaging ({@link SparkComputationGraph}, {@link ParameterAveragingTrainingMaster}),
 * SGD with Nesterov momentum.
 *
 * <p><b>An epoch</b> visits every training sample once. The samples are spread over the {@code workers}
 * (cfg.workers(), or Spark's default parallelism) partitions once, by a hash of the seed and the sample's
 * name (no shuffle when the input already has that many partitions: then a sample stays with its
 * partition); each epoch orders every partition's samples by a hash of (seed, epoch, name) and cuts them into
 * rounds of {@code batch x averagingFrequency} samples per worker. Each
 * round is one parameter-averaging step: every worker fits {@code averagingFrequency} mini-batches of
 * {@code batch} samples from the current parameters and updater state, then parameters and updater state
 * are averaged. Samples become {@code MultiDataSet}s on the executors, one per sample, as the worker reads
 * them.
 *
 * <p><b>After each epoch</b>: the validation error of the graph's weights (as a {@link Cascade}, run on the
 * executors over the held-out samples): the mean inter-pupil NME for 68-point shapes, else the mean squared
 * error in units (sum over coordinates), the training loss if there are no held-out samples. A new best
 * keeps a copy of the weights; {@code patience} epochs without one multiply the learning rate by {@code
 * lrDrop}; {@code earlyStop} epochs without one stop the training. The result is the best weights (the
 * pre-trained cascade, epoch 0, if no epoch beats it). Then the listeners run ({@link ProgressListener},
 * {@link CheckpointListener}, ...).
 *
 * <p><b>Determinism</b>: DL4J's seed, the rounds and orders (hashes of the seed), the training master's
 * split seed and the dropout masks (ND4J's random generator reseeded before every mini-batch from the seed,
 * epoch, iteration, partition and mini-batch index) are all functions of the seed, so with one worker a
 * training resumed from a checkpoint of epoch k equals the uninterrupted one. With several workers the
 * result also depends on floating-point summation order only.
 */
public final class JointTrainer {
  /** The trained cascade (best weights), the history (epoch 0 = the pre-trained cascade) and the best epoch. */
  public record Result(Cascade cascade, List<EpochStats> history, int bestEpoch, double bestError) {}

  private final ConfigDeepReg cfg;
  private final long seed;
  private final List<JointTrainingListener> listeners = new ArrayList<>();
  private Storage resumeStorage;
  private String resumeDir;

  /**
   * @param cfg training settings: dropout, learningRate, momentum, batch (per worker), epochs, lrDrop,
   *     patience, earlyStop, workers, averagingFrequency
   * @param seed the seed of every random choice
   */
  public JointTrainer(ConfigDeepReg cfg, long seed) {
    this.cfg = cfg;
    this.seed = seed;
  }

  /** Adds a listener (called in the order added). */
  public JointTrainer listener(JointTrainingListener l) {
    listeners.add(l);
    return this;
  }

  /** Continues from the newest checkpoint in {@code dir} (written by {@link CheckpointListener}), if any. */
  public JointTrainer resumeFrom(Storage storage, String dir) {
    this.resumeStorage = storage;
    this.resumeDir = dir;
    return this;
  }

  /**
   * Trains {@code init} jointly.
   *
   * @param train the training samples (cache them: every round reads them)
   * @param validation the held-out samples, or null
   * @param init the pre-trained cascade (at least one local stage)
   */
  public Result fit(JavaSparkContext jsc, JavaRDD<TrainingSample> train, JavaRDD<TrainingSample> validation, Cascade init) {
    int workers = cfg.workers() > 0 ? cfg.workers() : Math.max(1, jsc.defaultParallelism());
    boolean global = init.global() != null;
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
      st.graph = DeepRegGraph.build(init, cfg, seed, org.nd4j.linalg.api.buffer.DataType.FLOAT, true,
          descriptorMeans(jsc, init, train));
      st.learningRate = cfg.learningRate();
      Validation v = validate(jsc, init, validation);
      EpochStats zero = new EpochStats(0, Double.NaN, v.loss, v.nme, cfg.learningRate(), 0, 0, true);
      st.history.add(zero);
      st.bestError = errorOf(zero, v);
      st.bestEpoch = 0;
      st.bestParams = detachedCopy(st.graph.params());
    } else if (st.graph.numParams() != DeepRegGraph.build(init, cfg, seed).numParams()) {
      throw new IllegalArgumentException("the checkpoint in " + resumeDir + " is of another cascade");
    }

    JavaRDD<TrainingSample> spread = train;
    boolean own = false;
    if (train.getNumPartitions() != workers) {
      long s = seed;
      int w = workers;
      spread = train.mapToPair(x -> new scala.Tuple2<>(Math.floorMod(mix(s, x.name().hashCode()), w), x))
          .partitionBy(new HashPartitioner(workers)).values().persist(StorageLevel.MEMORY_AND_DISK_SER());
      own = true;
    }
    try {
      long perWorker = (long) cfg.batch() * cfg.averagingFrequency();
      List<Long> sizes = spread.mapPartitions(it -> {
        long c = 0;
        for (; it.hasNext(); it.next()) {
          c++;
        }
        return List.of(c).iterator();
      }).collect();
      long largest = sizes.stream().mapToLong(Long::longValue).max().orElse(0);
      int rounds = (int) Math.max(1, (largest + perWorker - 1) / perWorker);
      while (!st.stopped && st.epoch < cfg.epochs()) {
        int epoch = st.epoch + 1;
        ComputationGraph g = st.graph;
        g.getConfiguration().setEpochCount(epoch - 1);
        DoubleAccumulator lossSum = jsc.sc().doubleAccumulator("joint loss");
        LongAccumulator examples = jsc.sc().longAccumulator("joint examples");
        double lr = st.learningRate;
        long t0 = System.nanoTime();
        for (int r = 0; r < rounds; r++) {
          JavaRDD<MultiDataSet> data = spread.mapPartitions(round(seed, epoch, r, perWorker, global), true);
          ParameterAveragingTrainingMaster tm = new ParameterAveragingTrainingMaster.Builder(workers, 1)
              .batchSizePerWorker(cfg.batch())
              .averagingFrequency(cfg.averagingFrequency())
              .rddTrainingApproach(RDDTrainingApproach.Direct)
              .repartionData(Repartition.Never)
              .storageLevel(null)
              .saveUpdater(true)
              .rngSeed(mix(mix(seed, epoch), r))
              .trainingHooks(new Hook(seed, lossSum, examples))
              .build();
          new SparkComputationGraph(jsc, g, tm).fitMultiDataSet(data);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        double trainLoss = examples.value() > 0 ? lossSum.value() / examples.value() : Double.NaN;
        Cascade current = cascadeOrNull(g, init);
        Validation v = current == null ? Validation.DIVERGED : validate(jsc, current, validation);
        EpochStats provisional = new EpochStats(epoch, trainLoss, v.loss, v.nme, lr, examples.value(), seconds, false);
        double err = errorOf(provisional, v);
        boolean improved = err < st.bestError;
        EpochStats stats = new EpochStats(epoch, trainLoss, v.loss, v.nme, lr, examples.value(), seconds, improved);
        st.history.add(stats);
        st.epoch = epoch;
        if (improved) {
          st.bestError = err;
          st.bestEpoch = epoch;
          st.bestParams.close();
          st.bestParams = detachedCopy(g.params());
          st.sinceImprovement = 0;
          st.sinceDrop = 0;
        } else {
          st.sinceImprovement++;
          st.sinceDrop++;
          if (st.sinceImprovement >= cfg.earlyStop()) {
            st.stopped = true;
          } else if (st.sinceDrop >= cfg.patience()) {
            st.learningRate = st.learningRate * cfg.lrDrop();
            st.sinceDrop = 0;
            g.setLearningRate(st.learningRate);
          }
        }
        EpochInfo info = new EpochInfo(stats, cfg.epochs(), st);
        for (JointTrainingListener l : listeners) {
          l.onEpochEnd(info);
        }
      }
    } finally {
      if (own) {
        spread.unpersist(false);
      }
    }
    st.graph.setParams(st.bestParams);
    Result result = new Result(DeepRegGraph.toCascade(st.graph, init), List.copyOf(st.history), st.bestEpoch, st.bestError);
    for (JointTrainingListener l : listeners) {
      l.onTrainingEnd(result);
    }
    return result;
  }

  private static double errorOf(EpochStats s, Validation v) {
    double e = s.validationError();
    return Double.isNaN(e) ? Double.POSITIVE_INFINITY : e;
  }

  private static INDArray detachedCopy(INDArray a) {
    try (var ws = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
      return a.dup();
    }
  }

  private static Cascade cascadeOrNull(ComputationGraph g, Cascade init) {
    try {
      return DeepRegGraph.toCascade(g, init);
    } catch (IllegalArgumentException e) {
      return null; // non-finite weights: the training diverged
    }
  }

  /** SplitMix64's finaliser of {@code a} combined with {@code b}. */
  static long mix(long a, long b) {
    long z = a * 0x9E3779B97F4A7C15L + b + 0x632BE59BD9B4E019L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /**
   * The samples of round {@code r} of {@code epoch} in this partition, as MultiDataSets: the partition's
   * samples ordered by a hash of (seed, epoch, name), then cut into consecutive rounds of {@code perWorker}
   * (a worker of dl4j-spark fits at most {@code batch x averagingFrequency} samples per averaging).
   */
  private static FlatMapFunction<Iterator<TrainingSample>, MultiDataSet> round(long seed, int epoch, int r,
      long perWorker, boolean global) {
    return it -> {
      record Keyed(long key, TrainingSample s) {}
      List<Keyed> all = new ArrayList<>();
      long es = mix(seed, epoch);
      while (it.hasNext()) {
        TrainingSample s = it.next();
        all.add(new Keyed(mix(es, s.name().hashCode()), s));
      }
      all.sort(Comparator.comparingLong(Keyed::key).thenComparing(k -> k.s().name()));
      int from = (int) Math.min(all.size(), r * perWorker);
      int to = (int) Math.min(all.size(), (r + 1) * perWorker);
      Iterator<Keyed> ks = new ArrayList<>(all.subList(from, to)).iterator();
      all.clear();
      return new Iterator<MultiDataSet>() {
        @Override
        public boolean hasNext() {
          return ks.hasNext();
        }

        @Override
        public MultiDataSet next() {
          return DeepRegGraph.toMultiDataSet(List.of(ks.next().s()), global, DataType.FLOAT);
        }
      };
    };
  }

  /** Mean losses of held-out samples. */
  private record Validation(double loss, double nme) {
    static final Validation NONE = new Validation(Double.NaN, Double.NaN);
    static final Validation DIVERGED = new Validation(Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY);
  }

  /**
   * The mean descriptor of each stage over the training samples, each sample at the shapes the cascade
   * gives it: the centring offsets of the graph's feature vertices ({@link DeepRegGraph#build(Cascade,
   * ConfigDeepReg, long, org.nd4j.linalg.api.buffer.DataType, boolean, double[][])}). On resume they come
   * back with the checkpointed graph's configuration.
   */
  static double[][] descriptorMeans(JavaSparkContext jsc, Cascade c, JavaRDD<TrainingSample> train) {
    Broadcast<Cascade> bc = jsc.broadcast(c);
    int stages = c.numStages();
    int d = c.features().descriptorLength() * c.numPoints();
    double[][] sums = train.mapPartitions(it -> {
      Cascade k = bc.value();
      Cascade.Workspace ws = k.workspace();
      org.facealign.feature.ResponseMaps maps = new org.facealign.feature.ResponseMaps(k.features());
      double[][] acc = new double[stages + 1][d];
      while (it.hasNext()) {
        TrainingSample x = it.next();
        maps.process(x.canvas());
        double[] s = k.initial(x.hog());
        for (int t = 0; t < stages; t++) {
          float[] phi = k.descriptors(t, maps, s, ws);
          for (int j = 0; j < d; j++) {
            acc[t][j] += phi[j];
          }
          k.refine(t, maps, s, ws);
        }
        acc[stages][0] += 1;
      }
      return java.util.Collections.singletonList(acc).iterator();
    }).treeReduce((a, b) -> {
      for (int t = 0; t < a.length; t++) {
        for (int j = 0; j < a[t].length; j++) {
          a[t][j] += b[t][j];
        }
      }
      return a;
    });
    double n = Math.max(1, sums[stages][0]);
    double[][] means = new double[stages][d];
    for (int t = 0; t < stages; t++) {
      for (int j = 0; j < d; j++) {
        means[t][j] = sums[t][j] / n;
      }
    }
    bc.destroy(false);
    return means;
  }

  private static Validation validate(JavaSparkContext jsc, Cascade c, JavaRDD<TrainingSample> validation) {
    if (validation == null) {
      return Validation.NONE;
    }
    Broadcast<Cascade> b = jsc.broadcast(c);
    double[] sums = validation.mapPartitions(it -> {
      Cascade cc = b.value();
      Cascade.Workspace ws = cc.workspace();
      ResponseMaps maps = new ResponseMaps(cc.features());
      ShapeUnits units = cc.units();
      boolean ibug = cc.numPoints() == LandmarkScheme.IBUG_68.numPoints();
      double[] acc = new double[4]; // sse, n, nme sum, nme n
      while (it.hasNext()) {
        TrainingSample s = it.next();
        maps.process(s.canvas());
        double[] p = cc.run(maps, s.hog(), ws);
        double[] t = s.target();
        for (int i = 0; i < p.length; i++) {
          acc[0] += (p[i] - t[i]) * (p[i] - t[i]);
        }
        acc[1]++;
        if (ibug) {
          acc[2] += Nme.interPupil(units.toCanonical(p), units.toCanonical(t), LandmarkScheme.IBUG_68);
          acc[3]++;
        }
      }
      return java.util.Collections.singletonList(acc).iterator();
    }).reduce((x, y) -> {
      double[] z = x.clone();
      for (int i = 0; i < z.length; i++) {
        z[i] += y[i];
      }
      return z;
    });
    b.unpersist(false);
    return new Validation(sums[1] > 0 ? sums[0] / sums[1] : Double.NaN, sums[3] > 0 ? sums[2] / sums[3] : Double.NaN);
  }

  /**
   * Runs on the workers around every mini-batch: reseeds ND4J's generator (dropout masks) from the seed,
   * epoch, iteration, partition and mini-batch index before it, and adds the mini-batch's loss to the
   * epoch's accumulators after it.
   */
  static final class Hook implements TrainingHook {
    private static final long serialVersionUID = 1L;
    private final long seed;
    private final DoubleAccumulator loss;
    private final LongAccumulator examples;
    /** Mini-batches seen by this deserialised copy (one per task). */
    private int calls;

    Hook(long seed, DoubleAccumulator loss, LongAccumulator examples) {
      this.seed = seed;
      this.loss = loss;
      this.examples = examples;
    }

    @Override
    public void preUpdate(MultiDataSet minibatch, Model model) {
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

package org.facealign.train;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.facealign.data.LandmarkScheme;
import org.facealign.data.Storage;
import org.facealign.eval.Nme;
import org.facealign.model.deepreg.CanvasGroups;
import org.facealign.model.deepreg.Cascade;
import org.facealign.model.deepreg.ConfigDeepReg;
import org.facealign.model.deepreg.Perturbation;
import org.facealign.model.deepreg.SampleRotation;
import org.facealign.model.deepreg.ShapeUnits;
import org.facealign.model.deepreg.TrainingSample;
import org.facealign.model.deepreg.graph.DeepRegGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * Joint training of a pre-trained DeepReg cascade by back-propagation (Shi, Shan, Chen, "Deep Regression for
 * Face Alignment", 2014, Sec. 3.3): the cascade becomes a DL4J graph ({@link DeepRegGraph}) trained by {@link
 * GraphTrainer} (dl4j-spark's parameter averaging), SGD with Nesterov momentum. One sample is one example;
 * the validation error is the mean inter-pupil NME of the held-out samples under the graph's weights taken
 * back as a {@link Cascade} and run on the executors (for 68-point shapes; else the mean squared error in
 * units, summed over coordinates). The descriptors are centred on their training mean ({@link
 * #descriptorMeans}); on resume the offsets come back with the checkpointed graph's configuration.
 */
public final class JointTrainer {
  /** The trained cascade (best weights), the history (epoch 0 = the pre-trained cascade) and the best epoch. */
  public record Result(Cascade cascade, List<EpochStats> history, int bestEpoch, double bestError) {}

  private final ConfigDeepReg cfg;
  private final long seed;
  private final List<TrainingListener> listeners = new ArrayList<>();
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
  public JointTrainer listener(TrainingListener l) {
    listeners.add(l);
    return this;
  }

  /** Continues from the newest checkpoint in {@code dir} (written by {@link CheckpointListener}), if any. */
  public JointTrainer resumeFrom(Storage storage, String dir) {
    this.resumeStorage = storage;
    this.resumeDir = dir;
    return this;
  }

  /** The schedule of {@code cfg}. */
  static GraphTrainer.Schedule schedule(ConfigDeepReg cfg) {
    return new GraphTrainer.Schedule(cfg.epochs(), cfg.learningRate(), cfg.batch(), cfg.lrDrop(), cfg.patience(),
        cfg.earlyStop(), cfg.workers(), cfg.averagingFrequency(), cfg.plateauOfTrained(), cfg.cosineSchedule(),
        cfg.stopOfTrained());
  }

  /**
   * The schedule of {@code cfg} with its own epochs and initial learning rate (SGD pre-training's), dropping the
   * rate on plateaus whatever {@code lr-schedule} says and stopping as {@code early-stop-plateau = start}.
   */
  static GraphTrainer.Schedule schedule(ConfigDeepReg cfg, int epochs, double learningRate) {
    return new GraphTrainer.Schedule(epochs, learningRate, cfg.batch(), cfg.lrDrop(), cfg.patience(),
        cfg.earlyStop(), cfg.workers(), cfg.averagingFrequency(), cfg.plateauOfTrained());
  }

  /**
   * Trains {@code init} jointly.
   *
   * @param train the training samples (cache them: every round reads them)
   * @param validation the held-out samples, or null
   * @param init the pre-trained cascade (at least one local stage)
   */
  public Result fit(JavaSparkContext jsc, JavaRDD<TrainingSample> train, JavaRDD<TrainingSample> validation, Cascade init) {
    boolean global = init.global() != null;
    GraphTrainer<TrainingSample> trainer = new GraphTrainer<TrainingSample>(schedule(cfg), seed).listeners(listeners);
    if (resumeDir != null) {
      trainer.resumeFrom(resumeStorage, resumeDir);
    }
    GraphTrainer.Task<TrainingSample> task = new GraphTrainer.Task<>() {
      @Override
      public ComputationGraph initialGraph() {
        return DeepRegGraph.build(init, cfg, seed, DataType.FLOAT, true, descriptorMeans(jsc, init, train));
      }

      @Override
      public GraphTrainer.Examples<TrainingSample> examples() {
        SampleRotation turn = cfg.jointRotation() > 0
            ? new SampleRotation(init.features(), cfg.jointRotation(), seed) : null;
        if (!cfg.jointPerturb()) {
          return new SampleExamples(global, null, null, turn);
        }
        // the pre-trained s0 (global layer and mean shape only: a small closure) and draws with the held-out
        // faces' own spread (not widened by perturb-scale: the joint loss is that of faces as they come)
        Cascade s0 = init.truncated(0);
        return new SampleExamples(global, s0, new Perturbation(SequentialTrainer.residualStats(jsc, s0, train,
            validation), seed), turn);
      }

      @Override
      public GraphTrainer.Validation validate(ComputationGraph g) {
        return JointTrainer.validate(jsc, g, init, validation);
      }

      @Override
      public boolean accepts(ComputationGraph checkpoint) {
        return checkpoint.numParams() == DeepRegGraph.build(init, cfg, seed).numParams();
      }
    };
    GraphTrainer.Result r = trainer.fit(jsc, train, task);
    return new Result(DeepRegGraph.toCascade(r.graph(), init), r.history(), r.bestEpoch(), r.bestError());
  }

  /**
   * One sample, one example; with {@code deepreg.joint-perturb}, its {@link DeepRegGraph#SHIFT} a fresh draw of
   * {@code perturbation} about the pre-trained s0 every epoch ({@code start} and {@code perturbation} null
   * without); with {@code deepreg.joint-rotation}, the sample first turned by {@code turn}'s angle of the epoch
   * ({@code turn} null without), and s0 that of the turned sample.
   */
  record SampleExamples(boolean global, Cascade start, Perturbation perturbation, SampleRotation turn)
      implements GraphTrainer.Examples<TrainingSample> {
    SampleExamples(boolean global, Cascade start, Perturbation perturbation) {
      this(global, start, perturbation, null);
    }

    @Override
    public String name(TrainingSample s) {
      return s.name();
    }

    @Override
    public MultiDataSet make(TrainingSample stored, int epoch) {
      TrainingSample s = turn == null ? stored : turn.turned(stored, epoch);
      if (perturbation == null) {
        return DeepRegGraph.toMultiDataSet(List.of(s), global, DataType.FLOAT);
      }
      double[] s0 = start.initial(s.hog());
      double[] moved = perturbation.draw(s.name(), s0, epoch);
      for (int i = 0; i < moved.length; i++) {
        moved[i] -= s0[i];
      }
      return DeepRegGraph.toMultiDataSet(List.of(s), global, new double[][] {moved}, DataType.FLOAT);
    }
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
    double[][] sums = PartitionOrder.reduce(train.mapPartitions(it -> {
      Cascade k = bc.value();
      Cascade.BatchWorkspace ws = k.batchWorkspace();
      CanvasGroups<TrainingSample> groups = CanvasGroups.ofSamples(k.features(), CanvasGroups.SIZE);
      double[][] acc = new double[stages + 1][d];
      double[][] s = new double[CanvasGroups.SIZE][2 * k.numPoints()];
      for (int n; (n = groups.next(it)) > 0; ) {
        k.initialAll(groups.hogs(), s, n);
        for (int t = 0; t < stages; t++) {
          k.refineAll(t, groups.maps(), s, n, ws);
          for (int i = 0; i < n; i++) {
            float[] phi = ws.descriptors(i);
            for (int j = 0; j < d; j++) {
              acc[t][j] += phi[j];
            }
          }
        }
        acc[stages][0] += n;
      }
      return java.util.Collections.singletonList(acc).iterator();
    }), (a, b) -> {
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

  /** {@link #validate(JavaSparkContext, Cascade, JavaRDD)} of the graph's weights taken back into {@code template}. */
  static GraphTrainer.Validation validate(JavaSparkContext jsc, ComputationGraph g, Cascade template,
      JavaRDD<TrainingSample> validation) {
    Cascade c;
    try {
      c = DeepRegGraph.toCascade(g, template);
    } catch (IllegalArgumentException e) {
      return GraphTrainer.Validation.DIVERGED; // non-finite weights
    }
    return validate(jsc, c, validation);
  }

  static GraphTrainer.Validation validate(JavaSparkContext jsc, Cascade c, JavaRDD<TrainingSample> validation) {
    if (validation == null) {
      return GraphTrainer.Validation.NONE;
    }
    Broadcast<Cascade> b = jsc.broadcast(c);
    double[] sums = PartitionOrder.reduce(validation.mapPartitions(it -> {
      Cascade cc = b.value();
      Cascade.BatchWorkspace ws = cc.batchWorkspace();
      CanvasGroups<TrainingSample> groups = CanvasGroups.ofSamples(cc.features(), CanvasGroups.SIZE);
      ShapeUnits units = cc.units();
      boolean ibug = cc.numPoints() == LandmarkScheme.IBUG_68.numPoints();
      double[] acc = new double[4]; // sse, n, nme sum, nme n
      double[][] shapes = new double[CanvasGroups.SIZE][2 * cc.numPoints()];
      for (int n; (n = groups.next(it)) > 0; ) {
        cc.runAll(groups.maps(), groups.hogs(), shapes, n, ws);
        for (int g = 0; g < n; g++) {
          double[] p = shapes[g];
          double[] t = groups.sample(g).target();
          for (int i = 0; i < p.length; i++) {
            acc[0] += (p[i] - t[i]) * (p[i] - t[i]);
          }
          acc[1]++;
          if (ibug) {
            acc[2] += Nme.interPupil(units.toCanonical(p), units.toCanonical(t), LandmarkScheme.IBUG_68);
            acc[3]++;
          }
        }
      }
      return java.util.Collections.singletonList(acc).iterator();
    }), (x, y) -> {
      double[] z = x.clone();
      for (int i = 0; i < z.length; i++) {
        z[i] += y[i];
      }
      return z;
    });
    b.unpersist(false);
    return new GraphTrainer.Validation(sums[1] > 0 ? sums[0] / sums[1] : Double.NaN, sums[3] > 0 ? sums[2] / sums[3] : Double.NaN);
  }
}

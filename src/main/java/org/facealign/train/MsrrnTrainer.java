package org.facealign.train;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.facealign.augment.ConfigAugment;
import org.facealign.data.LandmarkScheme;
import org.facealign.data.Storage;
import org.facealign.feature.ConfigFeatures;
import org.facealign.model.deepreg.Perturbation;
import org.facealign.model.deepreg.ShapeUnits;
import org.facealign.model.deepreg.StageStats;
import org.facealign.model.deepreg.TrainingSample;
import org.facealign.model.msrrn.ConfigMsrrn;
import org.facealign.model.msrrn.MsrrnInputs;
import org.facealign.model.msrrn.graph.MsrrnGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Training of MSRRN (Wang et al. 2017) on Spark: the initialiser CNN and the recurrent regression network are
 * one DL4J graph ({@link MsrrnGraph}) trained end to end by {@link GraphTrainer} (dl4j-spark's parameter
 * averaging) with Adam, from the canonical canvases of the feature store. Each epoch every training sample
 * gets a fresh augmentation draw ({@link MsrrnInputs#training}) and, with {@code msrrn.s0-perturb}, a fresh
 * similarity perturbation of the S0 its recurrent stages start from; validation runs the graph on the executors
 * over the held-out samples, unaugmented, and compares the mean inter-pupil NME of the last stage.
 *
 * <p>The CPU and GPU builds share this code: ND4J's backend is the one on the classpath.
 */
public final class MsrrnTrainer {
  private static final Logger LOG = LoggerFactory.getLogger(MsrrnTrainer.class);
  private final ConfigMsrrn cfg;
  private final MsrrnInputs inputs;
  private final ShapeUnits units;
  private final long seed;
  private final List<TrainingListener> listeners = new ArrayList<>();
  private Storage resumeStorage;
  private String resumeDir;
  private ComputationGraph start;

  public MsrrnTrainer(ConfigMsrrn cfg, ConfigFeatures features, ConfigAugment augment, long seed) {
    this.cfg = cfg;
    this.inputs = new MsrrnInputs(features, augment, cfg.stages(), cfg.jitterScale(), cfg.jitterShift());
    this.units = new ShapeUnits(features);
    this.seed = seed;
  }

  /** Adds a listener (called in the order added). */
  public MsrrnTrainer listener(TrainingListener l) {
    listeners.add(l);
    return this;
  }

  /** Continues from the newest checkpoint in {@code dir}, if any. */
  public MsrrnTrainer resumeFrom(Storage storage, String dir) {
    this.resumeStorage = storage;
    this.resumeDir = dir;
    return this;
  }

  /** Starts training from a copy of {@code graph}'s weights (same architecture) instead of new ones. */
  public MsrrnTrainer startFrom(ComputationGraph graph) {
    this.start = graph;
    return this;
  }

  /** The schedule of {@code cfg}. */
  static GraphTrainer.Schedule schedule(ConfigMsrrn cfg) {
    return new GraphTrainer.Schedule(cfg.epochs(), cfg.learningRate(), cfg.batch(), cfg.lrDrop(), cfg.patience(),
        cfg.earlyStop(), cfg.workers(), cfg.averagingFrequency(), false, cfg.cosineSchedule());
  }

  /**
   * Trains a new graph.
   *
   * @param train the training samples (cache them: every round reads them)
   * @param validation the held-out samples, or null
   * @param scheme the landmark scheme (inter-pupil distance of the validation error)
   */
  public GraphTrainer.Result fit(JavaSparkContext jsc, JavaRDD<TrainingSample> train, JavaRDD<TrainingSample> validation,
      LandmarkScheme scheme) {
    int points = scheme.numPoints();
    GraphTrainer<TrainingSample> trainer = new GraphTrainer<TrainingSample>(schedule(cfg), seed).listeners(listeners)
        .nativeThreads(cfg.nativeThreads());
    if (resumeDir != null) {
      trainer.resumeFrom(resumeStorage, resumeDir);
    }
    MsrrnInputs in = inputs;
    ShapeUnits u = units;
    GraphTrainer.Task<TrainingSample> task = new GraphTrainer.Task<>() {
      @Override
      public ComputationGraph initialGraph() {
        if (start != null && MsrrnGraph.hasShift(start) == cfg.s0Perturb() > 0) {
          return start.clone();
        }
        if (start != null) {
          // the same weights in the graph of these settings (with or without the shift input, which has none)
          ComputationGraph g = new ComputationGraph(MsrrnGraph.configuration(cfg, points, in.cropSizes(), seed,
              DataType.FLOAT));
          g.init(start.params().dup(), false);
          return g;
        }
        return MsrrnGraph.build(cfg, points, in.cropSizes(), meanUnitShape(train, in, u, points), seed, DataType.FLOAT);
      }

      @Override
      public GraphTrainer.Examples<TrainingSample> examples() {
        Perturbation p = null;
        if (cfg.s0Perturb() > 0) {
          Perturbation.Stats spread = meanShapeSpread(train, in, u, meanUnitShape(train, in, u, points))
              .scaled(cfg.s0Perturb());
          p = new Perturbation(spread, seed);
          LOG.info("msrrn: S0 perturbed in training with standard deviations {} (tx, ty, log scale, angle; unit frame)",
              java.util.Arrays.toString(spread.std()));
        }
        return new Examples(in, u, seed, cfg.onlineAugment(), cfg.stages(), p);
      }

      @Override
      public GraphTrainer.Validation validate(ComputationGraph g) {
        if (validation == null) {
          return GraphTrainer.Validation.NONE;
        }
        double[] nme = stageStats(jsc, g, validation, in, u, scheme).nme();
        return new GraphTrainer.Validation(Double.NaN, nme[nme.length - 1]);
      }

      @Override
      public boolean accepts(ComputationGraph checkpoint) {
        return MsrrnGraph.stages(checkpoint) == cfg.stages() && MsrrnGraph.hasShift(checkpoint) == cfg.s0Perturb() > 0
            && checkpoint.params().length() == MsrrnGraph.build(cfg, points, in.cropSizes(), new double[2 * points], seed,
                DataType.FLOAT).params().length();
      }
    };
    return trainer.fit(jsc, train, task);
  }

  /** The mean of the training targets in the crops' unit frame (the CNN's starting output). */
  public static double[] meanUnitShape(JavaRDD<TrainingSample> train, MsrrnInputs in, ShapeUnits u, int points) {
    double[] sum = PartitionOrder.reduce(train.map(s -> {
      double[] v = in.toUnit(u.toCanonical(s.target()));
      double[] r = java.util.Arrays.copyOf(v, v.length + 1);
      r[v.length] = 1;
      return r;
    }), (a, b) -> {
      double[] c = a.clone();
      for (int i = 0; i < c.length; i++) {
        c[i] += b[i];
      }
      return c;
    });
    double[] mean = new double[2 * points];
    for (int i = 0; i < mean.length; i++) {
      mean[i] = sum[i] / sum[mean.length];
    }
    return mean;
  }

  /**
   * The spread of the similarity (translation, log scale, angle; {@link Perturbation#fit}) that maps {@code
   * meanUnit} onto each sample's target, unit frame, over {@code samples}.
   */
  public static Perturbation.Stats meanShapeSpread(JavaRDD<TrainingSample> samples, MsrrnInputs in, ShapeUnits u,
      double[] meanUnit) {
    return PartitionOrder.reduce(
        samples.map(s -> new Perturbation.Stats().add(Perturbation.fit(meanUnit, in.toUnit(u.toCanonical(s.target()))))),
        Perturbation.Stats::merge).finish();
  }

  /**
   * How a stored sample becomes an example: its crops (augmented per epoch) and its unit-frame target; with a
   * perturbation, also the epoch's shift of its S0 ({@link MsrrnGraph#SHIFT}): the draw of {@code perturbation}
   * about the (augmented) target, less the target.
   */
  record Examples(MsrrnInputs inputs, ShapeUnits units, long seed, boolean augment, int stages,
      Perturbation perturbation) implements GraphTrainer.Examples<TrainingSample> {
    @Override
    public String name(TrainingSample s) {
      return s.name();
    }

    @Override
    public MultiDataSet make(TrainingSample s, int epoch) {
      MsrrnInputs.Example ex = inputs.training(s.canvas(), units.toCanonical(s.target()), s.name(), seed, epoch, augment);
      double[][] shift = null;
      if (perturbation != null) {
        double[] target = ex.unitShape();
        double[] moved = perturbation.draw(s.name(), target, epoch);
        for (int i = 0; i < moved.length; i++) {
          moved[i] -= target[i];
        }
        shift = new double[][] {moved};
      }
      return MsrrnGraph.toMultiDataSet(MsrrnGraph.input(ex.crops()), new double[][] {ex.unitShape()}, shift, stages);
    }
  }

  /** A graph as it travels to the executors: its JSON configuration and parameters. */
  public record GraphBytes(String json, float[] params) implements Serializable {
    public static GraphBytes of(ComputationGraph g) {
      return new GraphBytes(g.getConfiguration().toJson(), g.params().castTo(DataType.FLOAT).toFloatVector());
    }

    public ComputationGraph graph() {
      ComputationGraph g = new ComputationGraph(ComputationGraphConfiguration.fromJson(json));
      INDArray p = Nd4j.createFromArray(params).reshape(1, params.length);
      g.init(p.castTo(g.getConfiguration().getDataType()), false);
      return g;
    }
  }

  /** Faces per graph call when measuring. */
  private static final int BATCH = 32;

  /**
   * Errors after each stage (S0 = the CNN, then the recurrent stages) of {@code g} on {@code samples},
   * unaugmented, in the canvas frame of {@link ShapeUnits}.
   */
  public static StageStats stageStats(JavaSparkContext jsc, ComputationGraph g, JavaRDD<TrainingSample> samples,
      MsrrnInputs in, ShapeUnits u, LandmarkScheme scheme) {
    Broadcast<GraphBytes> b = jsc.broadcast(GraphBytes.of(g));
    int stages = MsrrnGraph.stages(g);
    List<StageStats> parts = samples.mapPartitions(it -> {
      ComputationGraph local = b.value().graph();
      List<TrainingSample> batch = new ArrayList<>(BATCH);
      StageStats acc = null;
      while (it.hasNext()) {
        batch.add(it.next());
        if (batch.size() == BATCH || !it.hasNext()) {
          List<org.facealign.data.GrayImage[]> crops = new ArrayList<>();
          for (TrainingSample s : batch) {
            crops.add(in.crops(s.canvas(), null).crops());
          }
          double[][][] out = MsrrnGraph.predictBatch(local, crops);
          for (int i = 0; i < batch.size(); i++) {
            TrainingSample s = batch.get(i);
            double[][] traj = new double[stages + 1][];
            for (int t = 0; t <= stages; t++) {
              traj[t] = u.toUnits(in.toCanonical(out[i][t]));
            }
            if (acc == null) {
              acc = new StageStats(stages, s.target().length);
            }
            acc.add(traj, s.target(), scheme);
          }
          batch.clear();
        }
      }
      return acc == null ? Collections.emptyIterator() : List.of(acc).iterator();
    }).collect();
    b.destroy(false);
    StageStats r = new StageStats(stages, 2 * scheme.numPoints());
    parts.forEach(r::merge);
    return r;
  }

  /** The error of the constant {@code meanUnit} shape on {@code samples} (a one-step trajectory). */
  public static StageStats meanShapeStats(JavaRDD<TrainingSample> samples, MsrrnInputs in, ShapeUnits u,
      LandmarkScheme scheme, double[] meanUnit) {
    double[] mean = u.toUnits(in.toCanonical(meanUnit));
    List<StageStats> parts = samples.mapPartitions(it -> {
      StageStats acc = new StageStats(0, mean.length);
      while (it.hasNext()) {
        acc.add(new double[][] {mean}, it.next().target(), scheme);
      }
      return List.of(acc).iterator();
    }).collect();
    StageStats r = new StageStats(0, mean.length);
    parts.forEach(r::merge);
    return r;
  }
}

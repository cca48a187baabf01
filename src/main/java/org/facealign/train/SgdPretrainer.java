package org.facealign.train;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.facealign.feature.ConfigFeatures;
import org.facealign.model.deepreg.Cascade;
import org.facealign.model.deepreg.ConfigDeepReg;
import org.facealign.model.deepreg.LinearMap;
import org.facealign.model.deepreg.Perturbation;
import org.facealign.model.deepreg.TrainingSample;
import org.facealign.model.deepreg.graph.DeepRegGraph;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Layer-wise pre-training of a DeepReg cascade by SGD with dropout, as the paper pre-trains it (Shi, Shan, Chen,
 * "Deep Regression for Face Alignment", 2014, Sec. 3.2): {@code deepreg.pretrain = sgd}. The mean shape and the
 * global layer come first, closed-form ({@link SequentialTrainer#initial}); then local layer t, starting from
 * zero weights, trains with the earlier layers fixed, on the graph of the first t stages ({@link
 * DeepRegGraph#buildLastStage}) with {@link GraphTrainer}: at {@code pretrain-learning-rate}, with the joint phase's
 * optimiser, batch, learning-rate drops and stopping rules, at most {@code pretrain-epochs} epochs, the best epoch's weights kept
 * (by the validation error of the t-stage cascade). Every epoch each sample starts from a fresh similarity
 * perturbation of its s0 with the spread closed-form pre-training gives its starts ({@code perturb-scale} times
 * the deviations of s0's error on the held-out faces), moved by the fixed layers before the trained one.
 *
 * <p>Guesses: the paper gives neither the number of epochs nor the starts of each layer's pre-training, nor how
 * the global layer is fitted (closed-form here, as the other pre-training fits it, so that the two differ in the
 * local layers only). Unlike closed-form pre-training, no start is s0 itself, and the layer sees a new draw each
 * epoch instead of the same {@code starts} per sample. Early stopping on the held-out faces regularises the layer
 * besides dropout: SGD run to convergence would reach the closed-form minimiser of the centred dropout penalty
 * ({@code pretrain-penalty = centred}), up to the small ridge.
 */
public final class SgdPretrainer {
  private static final Logger LOG = LoggerFactory.getLogger(SgdPretrainer.class);

  private final ConfigDeepReg cfg;
  private final long seed;
  private final List<TrainingListener> listeners = new ArrayList<>();

  /**
   * @param cfg the settings: pretrainEpochs, pretrainLearningRate, perturbScale, dropout, momentum, updater, batch, lrDrop,
   *     patience, lrPlateau, earlyStop, workers, averagingFrequency, stages
   * @param seed the seed of every random choice (stage t trains with {@code seed + t})
   */
  public SgdPretrainer(ConfigDeepReg cfg, long seed) {
    this.cfg = cfg;
    this.seed = seed;
  }

  /** Adds a listener of every layer's epochs (called in the order added). */
  public SgdPretrainer listener(TrainingListener l) {
    listeners.add(l);
    return this;
  }

  /**
   * Pre-trains a cascade of {@code cfg.stages()} local layers.
   *
   * @param train the training samples (cache them: every epoch reads them)
   * @param validation the held-out samples (their s0 errors size the starts; their error picks each layer's
   *     epoch), or null
   * @param global whether s0 comes from a global layer on the HOG (else: the mean shape)
   */
  public SequentialTrainer.Result fit(JavaSparkContext jsc, JavaRDD<TrainingSample> train,
      JavaRDD<TrainingSample> validation, ConfigFeatures features, boolean global) {
    SequentialTrainer.Result initial = SequentialTrainer.initial(jsc, train, features, cfg, global);
    List<SequentialTrainer.StageFit> fits = new ArrayList<>(initial.fits());
    Cascade cascade = initial.cascade();
    Perturbation starts = new Perturbation(
        SequentialTrainer.residualStats(jsc, cascade, train, validation).scaled(cfg.perturbScale()), seed);
    GraphTrainer.Schedule schedule = JointTrainer.schedule(cfg, cfg.pretrainEpochs(), cfg.pretrainLearningRate());
    int out = cascade.meanShape().length;
    int d = features.descriptorLength() * (out / 2);
    Cascade s0 = cascade;
    for (int t = 1; t <= cfg.stages(); t++) {
      long t0 = System.nanoTime();
      Cascade init = cascade.withStage(LinearMap.zero(out, d));
      double[][] offsets = JointTrainer.descriptorMeans(jsc, init, train);
      LOG.info("train: stage {} of {}: SGD with dropout {}, at most {} epochs", t, cfg.stages(), cfg.dropout(),
          cfg.pretrainEpochs());
      GraphTrainer.Task<TrainingSample> task = new GraphTrainer.Task<>() {
        @Override
        public ComputationGraph initialGraph() {
          return DeepRegGraph.buildLastStage(init, cfg, seed, offsets);
        }

        @Override
        public GraphTrainer.Examples<TrainingSample> examples() {
          return new JointTrainer.SampleExamples(global, s0, starts);
        }

        @Override
        public GraphTrainer.Validation validate(ComputationGraph g) {
          return JointTrainer.validate(jsc, g, init, validation);
        }

        @Override
        public boolean accepts(ComputationGraph checkpoint) {
          return false; // never resumed: a layer's training is short, and the pre-trained cascade is checkpointed
        }
      };
      GraphTrainer.Result r = new GraphTrainer<TrainingSample>(schedule, seed + t).listeners(listeners)
          .fit(jsc, train, task);
      cascade = DeepRegGraph.toCascade(r.graph(), init);
      List<EpochStats> h = r.history();
      fits.add(new SequentialTrainer.StageFit("stage" + t, h.size() > 1 ? h.get(1).samples() : 0,
          loss(h.get(0)), loss(h.get(r.bestEpoch())), (System.nanoTime() - t0) / 1e9));
      LOG.info("train: {} (best epoch {})", fits.get(fits.size() - 1), r.bestEpoch());
    }
    return new SequentialTrainer.Result(cascade, fits);
  }

  /** The validation loss of an epoch, or its training loss without held-out samples. */
  private static double loss(EpochStats s) {
    return Double.isNaN(s.validationLoss()) ? s.trainLoss() : s.validationLoss();
  }
}

package org.facealign.train;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Everything joint training needs to continue exactly where it stopped: the graph (its configuration holds
 * the learning rate and DL4J's iteration and epoch counters; its updater holds the momentum), the best
 * weights so far and the counters of the learning-rate drops and early stopping. {@link CheckpointListener}
 * writes it after every epoch; {@link JointTrainer#resumeFrom} reads it back.
 */
public final class TrainingState {
  ComputationGraph graph;
  /** Epochs completed. */
  int epoch;
  /** Learning rate of the next epoch. */
  double learningRate;
  double bestError = Double.POSITIVE_INFINITY;
  /** The best validation error of the trained epochs (1 on), for {@link GraphTrainer.Schedule#plateauOfTrained}. */
  double bestTrainedError = Double.POSITIVE_INFINITY;
  int bestEpoch;
  int sinceImprovement;
  /** Epochs since the last new best of the trained epochs, for {@link GraphTrainer.Schedule#stopOfTrained}. */
  int sinceTrainedImprovement;
  int sinceDrop;
  boolean stopped;
  /** Detached copy of the best parameters. */
  INDArray bestParams;
  final List<EpochStats> history = new ArrayList<>();

  TrainingState() {}

  /**
   * The bookkeeping after {@code epoch} reached validation error {@code err} under {@code schedule}: the best
   * error and epoch, the counters, early stopping after {@code earlyStop} epochs and a drop of the learning rate
   * after {@code patience} epochs without a better error (than every epoch's, the start's included, or with {@link
   * GraphTrainer.Schedule#stopOfTrained} and {@link GraphTrainer.Schedule#plateauOfTrained} respectively, than the
   * trained epochs'). Returns whether the epoch is the best so far (the caller keeps its weights); the caller applies
   * a changed {@link #learningRate} to the graph.
   */
  boolean record(int epoch, double err, GraphTrainer.Schedule schedule) {
    this.epoch = epoch;
    boolean improved = err < bestError;
    boolean trainedBest = err < bestTrainedError;
    if (trainedBest) {
      bestTrainedError = err;
      sinceTrainedImprovement = 0;
    } else {
      sinceTrainedImprovement++;
    }
    if (improved) {
      bestError = err;
      bestEpoch = epoch;
      sinceImprovement = 0;
    } else {
      sinceImprovement++;
    }
    stopped = (schedule.stopOfTrained() ? sinceTrainedImprovement : sinceImprovement) >= schedule.earlyStop();
    if (schedule.cosine()) {
      // the epoch sets its own rate (GraphTrainer.Schedule#cosineRate): no drops
      sinceDrop = 0;
    } else if (improved || (schedule.plateauOfTrained() && trainedBest)) {
      sinceDrop = 0;
    } else {
      sinceDrop++;
      if (!stopped && sinceDrop >= schedule.patience()) {
        learningRate *= schedule.lrDrop();
        sinceDrop = 0;
      }
    }
    return improved;
  }

  public ComputationGraph graph() {
    return graph;
  }

  public int epoch() {
    return epoch;
  }

  public double learningRate() {
    return learningRate;
  }

  public double bestError() {
    return bestError;
  }

  public int bestEpoch() {
    return bestEpoch;
  }

  public int epochsSinceImprovement() {
    return sinceImprovement;
  }

  public boolean stopped() {
    return stopped;
  }

  /** The best parameters so far (do not change them). */
  public INDArray bestParams() {
    return bestParams;
  }

  public List<EpochStats> history() {
    return List.copyOf(history);
  }
}

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
  int bestEpoch;
  int sinceImprovement;
  int sinceDrop;
  boolean stopped;
  /** Detached copy of the best parameters. */
  INDArray bestParams;
  final List<EpochStats> history = new ArrayList<>();

  TrainingState() {}

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

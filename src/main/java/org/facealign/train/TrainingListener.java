package org.facealign.train;

/**
 * A side concern of {@link GraphTrainer} (progress lines, checkpoints, ...), called on the driver after every
 * epoch's validation and once at the end.
 */
public interface TrainingListener {
  /** Called after each epoch, once the state (best error, counters, learning rate) is updated. */
  void onEpochEnd(EpochInfo info);

  /** Called once when training ends (all epochs, early stop, or nothing left to do after a resume). */
  default void onTrainingEnd(GraphTrainer.Result result) {}
}

package org.facealign.train;

/**
 * A side concern of joint training (progress, checkpoints, metrics), called on the driver after each epoch,
 * once the validation error is known and the learning-rate and early-stopping decisions are made.
 * Listeners run in the order given; an exception stops the training.
 */
public interface JointTrainingListener {
  void onEpochEnd(EpochInfo info);

  /** Called once when training ends (all epochs, early stop, or nothing left to do after a resume). */
  default void onTrainingEnd(JointTrainer.Result result) {}
}

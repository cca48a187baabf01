package org.facealign.train;

import java.io.Serializable;

/**
 * What one epoch of joint training measured (epoch 0: the pre-trained cascade, before any update).
 *
 * @param epoch 1-based epoch, 0 for the starting point
 * @param trainLoss mean over the epoch's mini-batches of the training loss (squared error summed over the
 *     coordinates, units², mean over the batch), weighted by batch size; measured while training (dropout
 *     on, weights changing), NaN for epoch 0
 * @param validationLoss the same loss on the held-out samples with the epoch's final weights, no dropout;
 *     NaN without validation samples
 * @param validationNme mean inter-pupil NME of the held-out samples (68-point shapes only), else NaN
 * @param learningRate the learning rate the epoch trained with
 * @param samples training samples seen in the epoch
 * @param seconds wall time of the epoch's training (without validation)
 * @param improved whether the validation error reached a new best
 */
public record EpochStats(int epoch, double trainLoss, double validationLoss, double validationNme, double learningRate,
    long samples, double seconds, boolean improved) implements Serializable {
  /** Training throughput, samples per second. */
  public double samplesPerSecond() {
    return seconds > 0 ? samples / seconds : Double.NaN;
  }

  /** The error early stopping and learning-rate drops look at: the NME if known, else the loss. */
  public double validationError() {
    if (!Double.isNaN(validationNme)) {
      return validationNme;
    }
    return !Double.isNaN(validationLoss) ? validationLoss : trainLoss;
  }

  /** One line of text: the fields, comma-separated, doubles in round-trip form. */
  String encode() {
    return epoch + "," + trainLoss + "," + validationLoss + "," + validationNme + "," + learningRate + "," + samples
        + "," + seconds + "," + improved;
  }

  static EpochStats decode(String line) {
    String[] p = line.split(",");
    return new EpochStats(Integer.parseInt(p[0]), Double.parseDouble(p[1]), Double.parseDouble(p[2]),
        Double.parseDouble(p[3]), Double.parseDouble(p[4]), Long.parseLong(p[5]), Double.parseDouble(p[6]),
        Boolean.parseBoolean(p[7]));
  }
}

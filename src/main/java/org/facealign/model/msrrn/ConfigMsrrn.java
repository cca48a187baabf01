package org.facealign.model.msrrn;

import java.io.Serializable;
import org.facealign.model.LearningRateSchedules;
import org.facealign.model.Losses;

/**
 * Settings of MSRRN (Wang et al., "Multiscale recurrent regression networks for face alignment", 2017);
 * {@code facealign.msrrn} in the configuration. The crop sizes (50/100/200 px) and the augmentation
 * (flip, noise, rotation) are those of {@code facealign.augment}.
 *
 * @param stages recurrent stages T, 1..5 (paper: 3, one per crop scale); stage t reads the crop of scale t, coarse
 *     to fine, and stages beyond the last scale read the finest crop again (the shared weights unrolled further).
 *     5 was chosen on the validation faces (best IP-NME in 30 epochs: 6.58 % with 3, 6.35 % with 4, 6.25 % with 5)
 * @param patchSize side of the shape-indexed raw patch around each landmark, crop pixels (the same at every
 *     scale, so it covers a 4x smaller part of the face at 200 px than at 50 px)
 * @param rrnChannels channels of the RRN's first 3x3 convolution; the second has as many
 * @param rrnHidden units of the RRN's hidden fully connected layer
 * @param cnnChannels channels of the initialiser CNN's first convolution; each of its three doubles them
 * @param cnnHidden units of the initialiser CNN's hidden fully connected layer
 * @param weightDecay L2 weight decay λ of every weight (paper: an L2 term on all weights)
 * @param learningRate initial Adam learning rate. With plain ReLUs in the RRN ({@code rrnLeakySlope = 0}), 1e-3
 *     kills its units and its stages stop adding to S0; leaky rectifiers train best at 3e-4 (figures in
 *     {@code RecurrentRegressionVertex})
 * @param batch mini-batch size per worker
 * @param epochs maximum epochs
 * @param lrDrop factor applied to the learning rate when the validation error stops falling ({@code plateau})
 * @param patience epochs without a better validation error before the learning rate drops ({@code plateau})
 * @param earlyStop epochs without a better validation error before training stops
 * @param workers parameter-averaging workers; 0 = the Spark default parallelism
 * @param averagingFrequency mini-batches each worker fits between two parameter averagings
 * @param validationFaces training faces held out for validation, with all their variants
 * @param onlineAugment draw a fresh rotation (within augment.max-rotation-deg) and pixel noise (augment.noise-sigma)
 *     for every training sample in every epoch
 * @param positionGradient let the gradient flow through the patch positions (bilinear sampling is differentiable
 *     in the position); false stops it there, so each stage learns from its own patches as a cascade stage does
 * @param patchNormalisation standardise every sampled patch (zero mean, unit spread) before the RRN's convolutions
 * @param cnnBatchNorm batch normalisation after each of the initialiser CNN's convolutions, before its ReLU
 * @param cnnStrided the initialiser CNN halves its maps with stride-2 convolutions instead of stride-1 convolutions
 *     each followed by 2x2 max-pooling (about 4x fewer operations)
 * @param rrnLeakySlope slope on negative inputs of the RRN's rectifiers, in [0, 1); 0 is the plain ReLU, whose
 *     units can die (see learningRate)
 * @param dropout probability, in [0, 1), that training drops each unit of the two hidden fully connected layers
 *     (the initialiser's and the RRN's fc1, at every stage); kept units are scaled by 1 / (1 - dropout), so
 *     inference uses the weights as they are; 0 turns it off
 * @param jitterScale online augmentation: each sample's crops are scaled about the face centre by a factor uniform
 *     in [1 - jitterScale, 1 + jitterScale], drawn per sample and epoch, in [0, 0.5); 0 turns it off
 * @param jitterShift online augmentation: and shifted by a uniform offset within ±jitterShift of the face box's side
 *     along each axis, in [0, 0.5); 0 turns it off. Scale and shift together stand for a face detector's box errors
 * @param nativeThreads threads of ND4J's native pools (its operations and its BLAS: {@link
 *     org.facealign.model.Nd4jThreads}) in each JVM that trains, 0 or more; 0 leaves ND4J's one per core
 * @param s0Perturb in training, the recurrent stages start each sample, every epoch, from S0 moved by a fresh
 *     similarity (about the target's centroid) whose translation, log scale and angle have this factor times the
 *     standard deviations of the mean shape's similarity error over the training samples; 0 turns it off, and
 *     inference never perturbs
 * @param lrSchedule how the learning rate moves from epoch to epoch: {@code plateau} (multiplied by lrDrop after
 *     patience epochs without a better validation error) or {@code cosine} (epoch e of E trains at learningRate ·
 *     (1 + cos(π (e − 1) / E)) / 2, from learningRate down towards 0; no drops)
 * @param loss the training loss on S0 and every stage's shape, summed over coordinates: {@code l2} (squared errors,
 *     the paper's), {@code l1} (absolute errors, which weigh a few large errors less: Feng et al., "Wing loss for
 *     robust facial landmark localisation with convolutional neural networks", CVPR 2018) or {@code wing} (that
 *     paper's loss, {@link org.facealign.model.LossWing}). l1 was chosen on the validation faces: best IP-NME in 30
 *     epochs 5.95 % against 6.19 % with l2 (README, "Loss")
 */
public record ConfigMsrrn(
    int stages, int patchSize, int rrnChannels, int rrnHidden, int cnnChannels, int cnnHidden, double weightDecay,
    double learningRate, int batch, int epochs, double lrDrop, int patience, int earlyStop, int workers,
    int averagingFrequency, int validationFaces, boolean onlineAugment, boolean positionGradient,
    boolean patchNormalisation, boolean cnnBatchNorm, boolean cnnStrided, double rrnLeakySlope, double dropout,
    double jitterScale, double jitterShift, int nativeThreads, double s0Perturb, String lrSchedule, String loss)
    implements Serializable {

  /** Most stages: the paper's three crop scales and two more at the finest. */
  public static final int MAX_STAGES = 5;

  /** The defaults of {@code reference.conf}. */
  public static ConfigMsrrn defaults() {
    return new ConfigMsrrn(5, 12, 16, 128, 16, 256, 1e-4, 3e-4, 16, 30, 0.5, 3, 6, 0, 5, 200, true, false, true, true, true, 0.1,
        0.2, 0.05, 0.05, 1, 0, "plateau", "l1");
  }

  /**
   * These settings without dropout, box jitter and S0 perturbation, with ND4J's own thread counts and squared errors.
   */
  public ConfigMsrrn(
      int stages, int patchSize, int rrnChannels, int rrnHidden, int cnnChannels, int cnnHidden, double weightDecay,
      double learningRate, int batch, int epochs, double lrDrop, int patience, int earlyStop, int workers,
      int averagingFrequency, int validationFaces, boolean onlineAugment, boolean positionGradient,
      boolean patchNormalisation, boolean cnnBatchNorm, boolean cnnStrided, double rrnLeakySlope) {
    this(stages, patchSize, rrnChannels, rrnHidden, cnnChannels, cnnHidden, weightDecay, learningRate, batch, epochs,
        lrDrop, patience, earlyStop, workers, averagingFrequency, validationFaces, onlineAugment, positionGradient,
        patchNormalisation, cnnBatchNorm, cnnStrided, rrnLeakySlope, 0, 0, 0, 0, 0, "plateau", "l2");
  }

  /** These settings with {@code dropout} and box jitter {@code jitterScale}, {@code jitterShift}. */
  public ConfigMsrrn withRegularisation(double dropout, double jitterScale, double jitterShift) {
    return new ConfigMsrrn(stages, patchSize, rrnChannels, rrnHidden, cnnChannels, cnnHidden, weightDecay, learningRate,
        batch, epochs, lrDrop, patience, earlyStop, workers, averagingFrequency, validationFaces, onlineAugment,
        positionGradient, patchNormalisation, cnnBatchNorm, cnnStrided, rrnLeakySlope, dropout, jitterScale,
        jitterShift, nativeThreads, s0Perturb, lrSchedule, loss);
  }

  /** These settings with the training loss {@code loss}. */
  public ConfigMsrrn withLoss(String loss) {
    return new ConfigMsrrn(stages, patchSize, rrnChannels, rrnHidden, cnnChannels, cnnHidden, weightDecay, learningRate,
        batch, epochs, lrDrop, patience, earlyStop, workers, averagingFrequency, validationFaces, onlineAugment,
        positionGradient, patchNormalisation, cnnBatchNorm, cnnStrided, rrnLeakySlope, dropout, jitterScale,
        jitterShift, nativeThreads, s0Perturb, lrSchedule, loss);
  }

  /** Whether the learning rate follows the {@code cosine} schedule. */
  public boolean cosineSchedule() {
    return LearningRateSchedules.cosine(lrSchedule);
  }

  /** These settings with the training perturbation of S0 {@code s0Perturb}. */
  public ConfigMsrrn withS0Perturb(double s0Perturb) {
    return new ConfigMsrrn(stages, patchSize, rrnChannels, rrnHidden, cnnChannels, cnnHidden, weightDecay, learningRate,
        batch, epochs, lrDrop, patience, earlyStop, workers, averagingFrequency, validationFaces, onlineAugment,
        positionGradient, patchNormalisation, cnnBatchNorm, cnnStrided, rrnLeakySlope, dropout, jitterScale,
        jitterShift, nativeThreads, s0Perturb, lrSchedule, loss);
  }

  /** @throws IllegalArgumentException naming the first invalid field */
  public ConfigMsrrn {
    check(stages >= 1 && stages <= MAX_STAGES, "stages must be in 1.." + MAX_STAGES + ", got " + stages);
    check(patchSize >= 4 && patchSize % 4 == 0, "patch-size must be a multiple of 4 (two 2x2 poolings), at least 4, got "
        + patchSize);
    check(rrnChannels >= 1, "rrn-channels must be at least 1, got " + rrnChannels);
    check(rrnHidden >= 1, "rrn-hidden must be at least 1, got " + rrnHidden);
    check(cnnChannels >= 1, "cnn-channels must be at least 1, got " + cnnChannels);
    check(cnnHidden >= 1, "cnn-hidden must be at least 1, got " + cnnHidden);
    check(weightDecay >= 0 && Double.isFinite(weightDecay), "weight-decay must be 0 or more, got " + weightDecay);
    check(learningRate > 0 && Double.isFinite(learningRate), "learning-rate must be positive, got " + learningRate);
    check(batch >= 1, "batch must be at least 1, got " + batch);
    check(epochs >= 0, "epochs must be 0 or more, got " + epochs);
    check(lrDrop > 0 && lrDrop <= 1, "lr-drop must be in (0, 1], got " + lrDrop);
    check(patience >= 1, "patience must be at least 1, got " + patience);
    check(earlyStop >= 1, "early-stop must be at least 1, got " + earlyStop);
    check(workers >= 0, "workers must be 0 or more, got " + workers);
    check(averagingFrequency >= 1, "averaging-frequency must be at least 1, got " + averagingFrequency);
    check(rrnLeakySlope >= 0 && rrnLeakySlope < 1, "rrn-leaky-slope must be in [0, 1), got " + rrnLeakySlope);
    check(dropout >= 0 && dropout < 1, "dropout must be in [0, 1), got " + dropout);
    check(jitterScale >= 0 && jitterScale < 0.5, "jitter-scale must be in [0, 0.5), got " + jitterScale);
    check(jitterShift >= 0 && jitterShift < 0.5, "jitter-shift must be in [0, 0.5), got " + jitterShift);
    check(s0Perturb >= 0 && Double.isFinite(s0Perturb), "s0-perturb must be 0 or more, got " + s0Perturb);
    check(nativeThreads >= 0, "native-threads must be 0 or more, got " + nativeThreads);
    check(validationFaces >= 0, "validation-faces must be 0 or more, got " + validationFaces);
    check(LearningRateSchedules.valid(lrSchedule),
        "lr-schedule must be one of " + LearningRateSchedules.NAMES + ", got " + lrSchedule);
    check(Losses.valid(loss), "loss must be one of " + Losses.NAMES + ", got " + loss);
  }

  private static void check(boolean ok, String why) {
    if (!ok) {
      throw new IllegalArgumentException(why);
    }
  }
}

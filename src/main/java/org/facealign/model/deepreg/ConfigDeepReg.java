package org.facealign.model.deepreg;

import java.io.Serializable;
import org.facealign.model.LearningRateSchedules;
import org.facealign.model.Losses;

/**
 * Settings of DeepReg training (Shi, Shan, Chen 2014); {@code facealign.deepreg} in the configuration.
 *
 * @param stages local layers T (paper: 5); each uses {@code features.patch-sizes[t]}
 * @param starts starting shapes per training sample in sequential pre-training: the model's own s0 and
 *     {@code starts - 1} random similarity perturbations of it (SDM's practice; the paper does not say)
 * @param ridge ridge penalty of the local layers, relative to the mean diagonal of the Gram matrix
 * @param globalRidge ridge penalty of the global layer on the HOG, likewise relative
 * @param validationFaces training faces held out for validation, with all their variants (paper: 200)
 * @param dropout probability of dropping an input of a layer during joint training (paper: 0.5); chosen on the
 *     validation faces for the joint phase among 0.25, 0.4, 0.5, 0.6 and 0.75 (README, "Joint training")
 * @param epochs maximum epochs of joint training; chosen on the validation faces with {@code lrPlateau = trained}
 *     and {@code batch = 50}: DeepReg's best validation IP-NME 5.47 % by epoch 30, no better by epoch 40 (5.56 % by
 *     40 at batch 100); DeepRegLocal's ({@code deepreg.local}) likewise 30, with {@code lrPlateau = trained}: its
 *     best validation IP-NME 5.62 % by epoch 30, against 5.70 % in 15 epochs with {@code start}; with turned samples
 *     DeepReg's 40 gain 0.042 point over four seeds, not taken: the pipeline exceeds its 30 minutes (README, "Forty
 *     joint epochs")
 * @param learningRate initial SGD learning rate of joint training (paper: 1e-2, for its own loss scale; ours,
 *     the squared error summed over the 136 coordinates in face units, diverges at 1e-2); chosen on the
 *     validation faces with perturbed starts, among 1e-3, 3e-3 and 5e-3 (README, "Joint training");
 *     DeepRegLocal's own ({@code deepreg.local}) likewise: 1e-3
 * @param momentum SGD momentum (paper: 0.9)
 * @param batch mini-batch size per worker (paper: 100); chosen on the validation faces: with two workers each
 *     fitting {@code averagingFrequency} mini-batches between averagings, an epoch of 3628 samples makes about 18
 *     averaged steps at 100 and 36 at 50; in 40 epochs DeepReg's best validation IP-NME was 5.47 % at 50 and 5.56 %
 *     at 100 (25: 5.69 % by epoch 12, no better than 50, at about 1.6 times the time per epoch), DeepRegLocal's (15 epochs)
 *     5.70 % at 50 and 5.73 % at 100
 * @param lrDrop factor applied to the learning rate when the validation error stops falling
 * @param patience epochs without a better validation error before the learning rate drops
 * @param lrPlateau what "better" means for the learning-rate drops: {@code start}, better than every earlier epoch
 *     and than the pre-trained cascade (epoch 0), or {@code trained}, better than every earlier trained epoch, so
 *     that the rate does not drop while the joint phase is still climbing back below the pre-trained cascade's
 *     error (the weights kept always compare with epoch 0 too); chosen on the validation
 *     faces: in 40 epochs of batch 100 DeepReg's best validation IP-NME was 5.56 % with {@code trained} and 5.63 %
 *     with {@code start} (whose rate had halved after epoch 3, while the error was still above the pre-trained 5.79 %);
 *     DeepRegLocal's own ({@code deepreg.local}) likewise {@code trained}
 * @param earlyStop epochs without a better validation error before training stops; chosen on the validation
 *     faces: with 5, DeepReg's joint phase stopped at epoch 5 (5.80 %, the pre-trained cascade 5.79 %), with 10 it
 *     reached 5.67 %
 * @param workers parameter-averaging workers of joint training; 0 = the Spark default parallelism
 * @param averagingFrequency mini-batches each worker fits between two parameter averagings
 * @param pretrainPenalty the dropout penalty of sequential pre-training: {@code centred} (exactly the expected
 *     loss under the joint phase's dropout, which drops centred inputs) or {@code raw} (dropout of the raw
 *     inputs, a stronger penalty); see {@link NormalEquations#solve(double, double, boolean)}
 * @param jointPerturb whether joint training starts each training sample, every epoch, from a fresh random
 *     similarity perturbation of its s0 ({@link Perturbation}, with the spread of s0's error on the held-out
 *     faces, {@code perturbScale} aside) rather than from s0 itself
 * @param globalFolds with 2 or more, pre-training starts each training face from an out-of-fold s0: the
 *     global layer fitted without the face's fold (faces split by a seeded hash of their id, mirrors with their
 *     face), so that training starts err as test starts do; 0 or 1: the global layer fitted on every face
 * @param rescaleStarts whether each pre-training stage first scales the residuals of the training starts
 *     (start minus truth) up to the root-mean-square residual of the held-out faces at that stage, so that a
 *     layer learns corrections of the size it will have to make on unseen faces; never scales down
 * @param perturbScale factor on the standard deviations of the similarity perturbations of pre-training's
 *     starts ({@link Perturbation}): 1 draws them with the deviations of s0's error on the held-out faces (joint
 *     training always does: its draws widened too raised the validation error from the first epoch); chosen on the validation faces among 1 to 5 (SequentialReg's final IP-NME:
 *     6.23, 5.96, 5.79, 5.92, 6.15 %); DeepRegLocal's own value ({@code deepreg.local}) likewise (its
 *     pre-trained final IP-NME: 5.81 % at 1, 5.86 % at 2)
 * @param updater the optimiser of joint training: {@code nesterovs} (SGD with Nesterov momentum {@code momentum},
 *     the paper's SGD) or {@code adam} (Kingma &amp; Ba 2015, its usual betas; {@code momentum} unused), both at
 *     {@code learningRate} with the same drops
 * @param pretrain how the local layers are pre-trained: {@code closed-form} (each layer the exact minimiser of its
 *     ridge and dropout penalty, {@link org.facealign.model.deepreg.NormalEquations}) or {@code sgd} (the paper's
 *     Sec. 3.2: each layer trained by SGD with dropout on its input, the earlier layers fixed, for at most {@code
 *     pretrainEpochs} epochs at {@code pretrainLearningRate} with the joint phase's optimiser, batch, drops and
 *     stopping rules, every epoch
 *     drawing each sample's start afresh with the spread {@code perturbScale} gives); the global layer is
 *     closed-form either way; chosen on the validation faces: closed-form (DeepReg's best validation IP-NME 5.47 %,
 *     against 5.57 % from the weaker cascade SGD pre-trains in 30 epochs per layer; README, "The paper's
 *     pre-training")
 * @param pretrainEpochs with {@code pretrain = sgd}, the maximum epochs of each layer's training; chosen on the
 *     validation faces: 30 (the pre-trained cascade's IP-NME 5.81 %, DeepReg's 5.57 %) against 10 (5.96 and 5.63 %)
 * @param pretrainLearningRate with {@code pretrain = sgd}, the initial learning rate of each layer's training (with
 *     {@code updater}, {@code momentum} and the drops of the joint phase); chosen on the validation faces: 3e-3, at
 *     which the layers after the first learn, where at the paper's 1e-2 none beat the cascade before it (README)
 * @param lrSchedule how the joint phase's learning rate moves from epoch to epoch: {@code plateau} (times lrDrop
 *     after patience epochs without a better error, as lrPlateau counts them) or {@code cosine} (epoch e of epochs
 *     trains at learningRate · (1 + cos(π (e − 1) / epochs)) / 2; no drops). SGD pre-training always drops on plateaus
 * @param earlyStopPlateau what "better" means for early stopping: {@code start} (than every earlier epoch and the
 *     pre-trained cascade, epoch 0) or {@code trained} (than every earlier trained epoch), as {@code lrPlateau} for
 *     the drops; either way the weights kept are the best epoch's, epoch 0 included, and {@code trained} never stops
 *     earlier than {@code start}. Chosen on the validation faces: with {@code start} a joint phase whose error was
 *     still falling, but not yet below the pre-trained cascade's 5.303 %, stopped at epoch 10 and kept that cascade;
 *     with {@code trained} it reached 5.137 % (full-resolution maps, {@code train.seed = 11}; README, "Other seeds").
 *     SGD pre-training always stops as {@code start}
 * @param loss the joint phase's loss on the last stage's shape, summed over coordinates: {@code l2} (squared errors,
 *     the paper's and what closed-form pre-training minimises), {@code l1} (absolute errors; Feng et al., "Wing
 *     loss for robust facial landmark localisation with convolutional neural networks", CVPR 2018) or {@code wing}
 *     (that paper's loss, {@link org.facealign.model.LossWing}; not measured with DeepReg). l2 was kept on the
 *     validation faces: best joint IP-NME 5.48 % against 5.49 % with l1 at 1e-4 and 5.51 % at 3e-4 (README)
 * @param jointRotation with more than 0, joint training turns each training sample, every epoch, by a fresh
 *     angle uniform in ± this many degrees about the canvas centre (canvas, HOG and target together), so that
 *     no epoch sees a face quite as another did; 0: the samples as stored. Validation faces are never turned.
 *     DeepRegLocal takes the same value. Chosen on the validation faces of each: at 15 their best joint IP-NME was
 *     5.38 % and 5.55 % at full rank, against 5.48 % and 5.62 % at 0 (README, "Turned samples")
 *
 * <p>DeepRegLocal takes the keys of {@code deepreg.local} with their own values ({@link
 * org.facealign.config.FacealignConfig#deepreg(boolean)}): its s0, the mean shape, errs differently from the
 * global layer's, so its settings are chosen on its own validation figures.
 */
public record ConfigDeepReg(
    int stages, int starts, double ridge, double globalRidge, int validationFaces, double dropout, int epochs,
    double learningRate, double momentum, int batch, double lrDrop, int patience, int earlyStop, int workers,
    int averagingFrequency, String lrPlateau, String pretrainPenalty, boolean jointPerturb, int globalFolds, boolean rescaleStarts,
    double perturbScale, String updater, String pretrain, int pretrainEpochs, double pretrainLearningRate,
    String lrSchedule, String earlyStopPlateau, String loss, double jointRotation) implements Serializable {

  /** These settings with the squared-error loss, {@code loss = l2}, and no joint rotations. */
  public ConfigDeepReg(
      int stages, int starts, double ridge, double globalRidge, int validationFaces, double dropout, int epochs,
      double learningRate, double momentum, int batch, double lrDrop, int patience, int earlyStop, int workers,
      int averagingFrequency, String lrPlateau, String pretrainPenalty, boolean jointPerturb, int globalFolds,
      boolean rescaleStarts, double perturbScale, String updater, String pretrain, int pretrainEpochs,
      double pretrainLearningRate, String lrSchedule, String earlyStopPlateau) {
    this(stages, starts, ridge, globalRidge, validationFaces, dropout, epochs, learningRate, momentum, batch, lrDrop,
        patience, earlyStop, workers, averagingFrequency, lrPlateau, pretrainPenalty, jointPerturb, globalFolds,
        rescaleStarts, perturbScale, updater, pretrain, pretrainEpochs, pretrainLearningRate, lrSchedule,
        earlyStopPlateau, "l2", 0);
  }

  /** The defaults of {@code reference.conf}. */
  public static ConfigDeepReg defaults() {
    return new ConfigDeepReg(5, 5, 0.05, 0.1, 200, 0.5, 30, 3e-3, 0.9, 50, 0.5, 3, 10, 0, 5, "trained", "raw", true, 0, false,
        3.0, "nesterovs", "closed-form", 30, 3e-3, "plateau", "trained", "l2", 15);
  }

  /** @throws IllegalArgumentException naming the first invalid field */
  public ConfigDeepReg {
    check(stages >= 1, "stages must be at least 1, got " + stages);
    check(starts >= 1, "starts must be at least 1, got " + starts);
    check(ridge > 0 && Double.isFinite(ridge), "ridge must be positive, got " + ridge);
    check(globalRidge > 0 && Double.isFinite(globalRidge), "global-ridge must be positive, got " + globalRidge);
    check(validationFaces >= 0, "validation-faces must be 0 or more, got " + validationFaces);
    check(dropout >= 0 && dropout < 1, "dropout must be in [0, 1), got " + dropout);
    check(epochs >= 0, "epochs must be 0 or more, got " + epochs);
    check(learningRate > 0, "learning-rate must be positive, got " + learningRate);
    check(momentum >= 0 && momentum < 1, "momentum must be in [0, 1), got " + momentum);
    check(batch >= 1, "batch must be at least 1, got " + batch);
    check(lrDrop > 0 && lrDrop <= 1, "lr-drop must be in (0, 1], got " + lrDrop);
    check(patience >= 1, "patience must be at least 1, got " + patience);
    check(earlyStop >= 1, "early-stop must be at least 1, got " + earlyStop);
    check(workers >= 0, "workers must be 0 or more, got " + workers);
    check(averagingFrequency >= 1, "averaging-frequency must be at least 1, got " + averagingFrequency);
    check(perturbScale >= 0 && Double.isFinite(perturbScale), "perturb-scale must be 0 or more, got " + perturbScale);
    check(globalFolds >= 0, "global-folds must be 0 or more, got " + globalFolds);
    check("start".equals(lrPlateau) || "trained".equals(lrPlateau),
        "lr-plateau must be start or trained, got " + lrPlateau);
    check("start".equals(earlyStopPlateau) || "trained".equals(earlyStopPlateau),
        "early-stop-plateau must be start or trained, got " + earlyStopPlateau);
    check("nesterovs".equals(updater) || "adam".equals(updater), "updater must be nesterovs or adam, got " + updater);
    check("centred".equals(pretrainPenalty) || "raw".equals(pretrainPenalty),
        "pretrain-penalty must be centred or raw, got " + pretrainPenalty);
    check("closed-form".equals(pretrain) || "sgd".equals(pretrain), "pretrain must be closed-form or sgd, got " + pretrain);
    check(pretrainEpochs >= 1, "pretrain-epochs must be at least 1, got " + pretrainEpochs);
    check(pretrainLearningRate > 0 && Double.isFinite(pretrainLearningRate),
        "pretrain-learning-rate must be positive, got " + pretrainLearningRate);
    check(LearningRateSchedules.valid(lrSchedule),
        "lr-schedule must be one of " + LearningRateSchedules.NAMES + ", got " + lrSchedule);
    check(Losses.valid(loss), "loss must be one of " + Losses.NAMES + ", got " + loss);
    check(jointRotation >= 0 && jointRotation <= 45, "joint-rotation must be in [0, 45] degrees, got " + jointRotation);
    check(!"sgd".equals(pretrain) || (globalFolds <= 1 && !rescaleStarts),
        "pretrain = sgd takes neither global-folds nor rescale-starts (both closed-form pre-training's)");
  }

  /** These settings with the joint phase's loss {@code loss}. */
  public ConfigDeepReg withLoss(String loss) {
    return new ConfigDeepReg(stages, starts, ridge, globalRidge, validationFaces, dropout, epochs, learningRate,
        momentum, batch, lrDrop, patience, earlyStop, workers, averagingFrequency, lrPlateau, pretrainPenalty,
        jointPerturb, globalFolds, rescaleStarts, perturbScale, updater, pretrain, pretrainEpochs, pretrainLearningRate,
        lrSchedule, earlyStopPlateau, loss, jointRotation);
  }

  /** Whether the local layers are pre-trained by SGD with dropout ({@code pretrain = sgd}). */
  public boolean pretrainSgd() {
    return "sgd".equals(pretrain);
  }

  /**
   * The dropout sequential pre-training accounts for: the same as joint training's, so the ridge
   * pre-training minimises the expected loss under that dropout (see {@link NormalEquations#solve(double,
   * double)}) and joint training starts from weights fitted for the noise it trains with.
   */
  public double pretrainDropout() {
    return dropout;
  }

  /** Whether pre-training's dropout penalty is that of centred inputs ({@code pretrain-penalty = centred}). */
  public boolean pretrainPenaltyCentred() {
    return "centred".equals(pretrainPenalty);
  }

  /** Whether the joint phase's learning rate follows the cosine schedule ({@code lr-schedule = cosine}). */
  public boolean cosineSchedule() {
    return LearningRateSchedules.cosine(lrSchedule);
  }

  /** Whether early stopping compares with the trained epochs only ({@code early-stop-plateau = trained}). */
  public boolean stopOfTrained() {
    return "trained".equals(earlyStopPlateau);
  }

  /** Whether the learning-rate drops compare with the trained epochs only ({@code lr-plateau = trained}). */
  public boolean plateauOfTrained() {
    return "trained".equals(lrPlateau);
  }

  private static void check(boolean ok, String why) {
    if (!ok) {
      throw new IllegalArgumentException(why);
    }
  }
}

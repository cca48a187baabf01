package org.facealign.model;

import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.LossUtil;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The Wing loss of Feng et al., "Wing loss for robust facial landmark localisation with convolutional neural networks"
 * (CVPR 2018), summed over coordinates: for an error x, {@code w ln(1 + |x| / epsilon)} while {@code |x| < w}, and
 * {@code |x| - C} beyond, with {@code C = w - w ln(1 + w / epsilon)} so that the two pieces meet. Small and middling
 * errors get a larger gradient than under absolute errors ({@code w / (epsilon + |x|)} against 1), large ones the
 * same.
 *
 * <p>Where it had to guess: the paper gives w and epsilon in pixels of its 64-pixel network input (10 and 2; 15 and 3
 * for larger inputs). Here they are given in the model's output units, which {@link Losses#function} derives from
 * lengths in face-box sides.
 *
 * <p>A bean (no-argument constructor, getters and setters) so that DL4J's configuration JSON writes and reads it.
 */
public final class LossWing implements ILossFunction {
  private static final long serialVersionUID = 1L;

  private double width;
  private double curvature;

  /** For DL4J's JSON reader. */
  public LossWing() {
    this(1, 1);
  }

  /**
   * @param width w: errors below it are in the logarithmic part, output units
   * @param curvature epsilon: how sharply the logarithmic part bends near zero, output units
   */
  public LossWing(double width, double curvature) {
    check(width, curvature);
    this.width = width;
    this.curvature = curvature;
  }

  public double getWidth() {
    return width;
  }

  public void setWidth(double width) {
    check(width, curvature);
    this.width = width;
  }

  public double getCurvature() {
    return curvature;
  }

  public void setCurvature(double curvature) {
    check(width, curvature);
    this.curvature = curvature;
  }

  private static void check(double width, double curvature) {
    if (!(width > 0 && curvature > 0 && Double.isFinite(width) && Double.isFinite(curvature))) {
      throw new IllegalArgumentException("wing width and curvature must be positive, got " + width + ", " + curvature);
    }
  }

  /** The constant that joins the two pieces at |x| = w. */
  private double joint() {
    return width - width * Math.log(1 + width / curvature);
  }

  /** Per-coordinate losses, masked. */
  private INDArray scoreArray(INDArray labels, INDArray preOutput, IActivation activation, INDArray mask) {
    INDArray abs = Transforms.abs(activation.getActivation(preOutput.dup(), true)
        .subi(labels.castTo(preOutput.dataType())), false);
    INDArray inner = abs.lt(width).castTo(abs.dataType());
    INDArray log = Transforms.log(abs.div(curvature).addi(1), false).muli(width);
    INDArray lin = abs.sub(joint());
    // inner * log + (1 - inner) * lin
    INDArray score = log.subi(lin).muli(inner).addi(lin);
    if (mask != null) {
      LossUtil.applyMask(score, mask);
    }
    return score;
  }

  @Override
  public double computeScore(INDArray labels, INDArray preOutput, IActivation activation, INDArray mask,
      boolean average) {
    double score = scoreArray(labels, preOutput, activation, mask).sumNumber().doubleValue();
    return average ? score / labels.size(0) : score;
  }

  @Override
  public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activation, INDArray mask) {
    return scoreArray(labels, preOutput, activation, mask).sum(true, 1);
  }

  @Override
  public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activation, INDArray mask) {
    INDArray diff = activation.getActivation(preOutput.dup(), true).subi(labels.castTo(preOutput.dataType()));
    INDArray abs = Transforms.abs(diff, true);
    INDArray inner = abs.lt(width).castTo(abs.dataType());
    // d/dx: sign(x) w / (epsilon + |x|) inside, sign(x) outside
    INDArray slope = Transforms.pow(abs.add(curvature), -1, false).muli(width).subi(1).muli(inner).addi(1);
    INDArray dLda = Transforms.sign(diff, false).muli(slope);
    if (mask != null && LossUtil.isPerOutputMasking(dLda, mask)) {
      LossUtil.applyMask(dLda, mask);
    }
    INDArray grad = activation.backprop(preOutput.dup(), dLda).getFirst();
    if (mask != null) {
      LossUtil.applyMask(grad, mask);
    }
    return grad;
  }

  @Override
  public Pair<Double, INDArray> computeGradientAndScore(INDArray labels, INDArray preOutput, IActivation activation,
      INDArray mask, boolean average) {
    return new Pair<>(computeScore(labels, preOutput, activation, mask, average),
        computeGradient(labels, preOutput, activation, mask));
  }

  @Override
  public String name() {
    return "wing";
  }

  @Override
  public String toString() {
    return "LossWing(width=" + width + ", curvature=" + curvature + ")";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LossWing l && l.width == width && l.curvature == curvature;
  }

  @Override
  public int hashCode() {
    return Double.hashCode(width) * 31 + Double.hashCode(curvature);
  }
}

package org.facealign.model;

import java.util.List;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossL1;
import org.nd4j.linalg.lossfunctions.impl.LossL2;

/**
 * The values of a model's {@code loss} key, one list for every model that trains by gradient descent: {@code l2}
 * (squared errors summed over coordinates, the papers'), {@code l1} (absolute errors, which weigh a few large
 * errors less: Feng et al., "Wing loss for robust facial landmark localisation with convolutional neural networks",
 * CVPR 2018) or {@code wing} (that paper's loss, {@link LossWing}, at its w = 10 and epsilon = 2 pixels of a
 * 64-pixel network input, as fractions of the model's input side).
 */
public final class Losses {
  /** The losses' names. */
  public static final List<String> NAMES = List.of("l2", "l1", "wing");

  private Losses() {}

  /** Whether {@code name} is one of {@link #NAMES}. */
  public static boolean valid(String name) {
    return NAMES.contains(name);
  }

  /** Wing's w, as a fraction of the network input's side (10 pixels of the paper's 64). */
  static final double WING_WIDTH = 10.0 / 64;
  /** Wing's epsilon, likewise (2 pixels of 64). */
  static final double WING_CURVATURE = 2.0 / 64;

  /**
   * DL4J's loss function of that name, for a model whose output coordinates measure {@code unitsPerInputSide} per
   * side of its network input (MSRRN: 1, its unit frame is the crop; DeepReg: canvas size over face size); only
   * {@code wing} depends on it.
   */
  public static ILossFunction function(String name, double unitsPerInputSide) {
    return switch (name) {
      case "l2" -> new LossL2();
      case "l1" -> new LossL1();
      case "wing" -> new LossWing(WING_WIDTH * unitsPerInputSide, WING_CURVATURE * unitsPerInputSide);
      default -> throw new IllegalArgumentException("loss must be one of " + NAMES + ", got " + name);
    };
  }
}

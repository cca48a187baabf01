package org.facealign.model;

import java.util.List;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossL1;
import org.nd4j.linalg.lossfunctions.impl.LossL2;

/**
 * The values of a model's {@code loss} key, one list for every model that trains by gradient descent: {@code l2}
 * (squared errors summed over coordinates, the papers') or {@code l1} (absolute errors, which weigh a few large
 * errors less: Feng et al., "Wing loss for robust facial landmark localisation with convolutional neural networks",
 * CVPR 2018).
 */
public final class Losses {
  /** The losses' names. */
  public static final List<String> NAMES = List.of("l2", "l1");

  private Losses() {}

  /** Whether {@code name} is one of {@link #NAMES}. */
  public static boolean valid(String name) {
    return NAMES.contains(name);
  }

  /** DL4J's loss function of that name. */
  public static ILossFunction function(String name) {
    return switch (name) {
      case "l2" -> new LossL2();
      case "l1" -> new LossL1();
      default -> throw new IllegalArgumentException("loss must be one of " + NAMES + ", got " + name);
    };
  }
}

package org.facealign.model;

import java.util.List;

/**
 * The values of a model's {@code lr-schedule} key, one list for every model that trains by gradient descent:
 * {@code plateau} (the rate drops by a factor after epochs without a better validation error) or {@code cosine}
 * (epoch e of E trains at the initial rate times {@code (1 + cos(π (e − 1) / E)) / 2}).
 */
public final class LearningRateSchedules {
  /** The schedules' names, the default first. */
  public static final List<String> NAMES = List.of("plateau", "cosine");

  private LearningRateSchedules() {}

  /** Whether {@code name} is one of {@link #NAMES}. */
  public static boolean valid(String name) {
    return NAMES.contains(name);
  }

  /** Whether {@code name} is the cosine schedule. */
  public static boolean cosine(String name) {
    return "cosine".equals(name);
  }
}

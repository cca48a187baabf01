package org.facealign.detect;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The stages of {@link CascadeDetector}, each one of OpenCV's bundled Viola-Jones cascades run a particular way.
 * The detector tries the configured stages in turn and stops at the first that finds a face, so the later, more
 * permissive or more expensive stages run only on the images the earlier ones found nothing in.
 *
 * <p>On the 2014 300-W training images (one annotated face each), with the defaults of {@code facealign.detect},
 * the chain finds a box with IoU >= 0.3 with the annotated face in 97.7 % of the images, against 93.0 % for
 * {@link #FRONTAL} alone: {@code facealign calibrate --data DIR} prints both ({@code detection.recall}, and {@code
 * detection.found_by_stage.frontal} over {@code training_images}).
 */
public enum CascadeStage {
  /** {@code haarcascade_frontalface_default}, 3 neighbours: OpenCV's usual frontal detector. */
  FRONTAL("haarcascades/haarcascade_frontalface_default.xml", 3, false, false, 24),
  /** {@code haarcascade_frontalface_alt2}, 2 neighbours: a differently trained frontal cascade. */
  FRONTAL_ALT2("haarcascades/haarcascade_frontalface_alt2.xml", 2, false, false, 20),
  /** {@code haarcascade_profileface}, 3 neighbours, on the image and on its mirror (it knows one side only). */
  PROFILE("haarcascades/haarcascade_profileface.xml", 3, true, false, 20),
  /** The frontal cascade on the image turned by +/- {@code detect.rotation-deg}: tilted heads. */
  ROTATED("haarcascades/haarcascade_frontalface_default.xml", 3, false, true, 24),
  /** The frontal cascade with a single neighbour: weak faces, and more false detections. */
  RELAXED("haarcascades/haarcascade_frontalface_default.xml", 1, false, false, 24);

  private final String file;
  private final int minNeighbors;
  private final boolean mirrored;
  private final boolean rotated;
  private final int window;

  CascadeStage(String file, int minNeighbors, boolean mirrored, boolean rotated, int window) {
    this.file = file;
    this.minNeighbors = minNeighbors;
    this.mirrored = mirrored;
    this.rotated = rotated;
    this.window = window;
  }

  /** The configuration name: {@code frontal}, {@code frontal-alt2}, {@code profile}, {@code rotated}, {@code relaxed}. */
  public String configName() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** The stage called {@code name} in the configuration. */
  public static CascadeStage parse(String name) {
    for (CascadeStage s : values()) {
      if (s.configName().equals(name.toLowerCase(Locale.ROOT))) {
        return s;
      }
    }
    throw new IllegalArgumentException("unknown detector stage '" + name + "' (known: " + names() + ")");
  }

  /** Every stage's configuration name. */
  public static List<String> names() {
    return Arrays.stream(values()).map(CascadeStage::configName).toList();
  }

  /** Whether {@code o} runs the same cascade file (frontal, rotated and relaxed do). */
  public boolean sameCascade(CascadeStage o) {
    return file.equals(o.file);
  }

  /** The cascade file, relative to OpenCV's {@code share/opencv4} in the bytedeco jar. */
  String file() {
    return file;
  }

  int minNeighbors() {
    return minNeighbors;
  }

  boolean mirrored() {
    return mirrored;
  }

  boolean rotated() {
    return rotated;
  }

  /** The cascade's training window side, pixels: nothing smaller is found. */
  int window() {
    return window;
  }
}

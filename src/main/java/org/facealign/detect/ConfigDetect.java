package org.facealign.detect;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Settings of face detection ({@code facealign.detect} in {@code reference.conf}, where each key has its default).
 *
 * @param stages the {@link CascadeStage}s tried in turn, by configuration name; the first that finds a face wins
 * @param scaleFactor step between the scales a cascade searches (OpenCV's {@code scaleFactor}), > 1
 * @param minFace smallest face searched, as a fraction of the image's shorter side, in (0, 1]
 * @param minFacePixels and never smaller than this many image pixels
 * @param window the image is scaled (never enlarged) so that the smallest face searched is this many pixels wide:
 *     the cost per image then depends on {@code minFace}, not on the image's size
 * @param rotationDeg angle either way of the {@code rotated} stage, degrees
 * @param equalize equalise the grey histogram before detection (OpenCV's usual preprocessing)
 * @param maxFaces most faces kept per image, the most confident first
 * @param boxMaps per stage name, the map from that stage's boxes to the 300-W detector boxes the models were
 *     trained on; and under {@code landmarks}, the map from the tight box of a face's landmarks to that box (for
 *     re-boxing)
 * @param rebox after a first prediction, predict again from the box the predicted landmarks give
 */
public record ConfigDetect(List<String> stages, double scaleFactor, double minFace, int minFacePixels, int window,
    double rotationDeg, boolean equalize, int maxFaces, Map<String, BoxMap> boxMaps, boolean rebox)
    implements Serializable {

  /** The key of {@link #boxMaps()} holding the landmarks-to-box map used in re-boxing. */
  public static final String LANDMARKS = "landmarks";

  public ConfigDetect {
    stages = List.copyOf(stages);
    boxMaps = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(boxMaps));
    if (stages.isEmpty()) {
      throw new IllegalArgumentException("stages: at least one detector stage is needed (known: " + CascadeStage.names() + ")");
    }
    for (String s : stages) {
      CascadeStage.parse(s);
      if (!boxMaps.containsKey(s)) {
        throw new IllegalArgumentException("box-maps has no map for stage " + s);
      }
    }
    if (!boxMaps.containsKey(LANDMARKS)) {
      throw new IllegalArgumentException("box-maps has no '" + LANDMARKS + "' map (needed for re-boxing)");
    }
    if (!(scaleFactor > 1.01 && scaleFactor <= 2)) {
      throw new IllegalArgumentException("scale-factor must be in (1.01, 2], got " + scaleFactor);
    }
    if (!(minFace > 0 && minFace <= 1)) {
      throw new IllegalArgumentException("min-face must be in (0, 1], got " + minFace);
    }
    if (minFacePixels < 8) {
      throw new IllegalArgumentException("min-face-pixels must be at least 8, got " + minFacePixels);
    }
    if (window < 20 || window > 400) {
      throw new IllegalArgumentException("window must be in [20, 400] pixels, got " + window);
    }
    if (!(rotationDeg >= 0 && rotationDeg <= 60)) {
      throw new IllegalArgumentException("rotation-deg must be in [0, 60], got " + rotationDeg);
    }
    if (maxFaces < 1) {
      throw new IllegalArgumentException("max-faces must be at least 1, got " + maxFaces);
    }
  }

  /** The map of detector stage {@code stage}. */
  public BoxMap boxMap(String stage) {
    BoxMap m = boxMaps.get(stage);
    if (m == null) {
      throw new IllegalArgumentException("no box map for detector stage " + stage);
    }
    return m;
  }

  /** The same settings with other box maps (from a calibration). */
  public ConfigDetect withBoxMaps(Map<String, BoxMap> maps) {
    return new ConfigDetect(stages, scaleFactor, minFace, minFacePixels, window, rotationDeg, equalize, maxFaces, maps,
        rebox);
  }

  /** The same settings with re-boxing on or off. */
  public ConfigDetect withRebox(boolean on) {
    return new ConfigDetect(stages, scaleFactor, minFace, minFacePixels, window, rotationDeg, equalize, maxFaces,
        boxMaps, on);
  }

  /** A HOCON block of {@code facealign.detect.box-maps} holding {@code maps}, to paste into a configuration file. */
  public static String boxMapsHocon(Map<String, BoxMap> maps) {
    StringBuilder b = new StringBuilder("facealign.detect.box-maps {\n");
    for (Map.Entry<String, BoxMap> e : maps.entrySet()) {
      BoxMap m = e.getValue();
      b.append("  ").append(e.getKey()).append(" = [")
          .append(String.format(java.util.Locale.ROOT, "%.4f, %.4f, %.4f, %.4f", m.dx(), m.dy(), m.sw(), m.sh()))
          .append("]\n");
    }
    return b.append("}\n").toString();
  }
}

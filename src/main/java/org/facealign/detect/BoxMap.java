package org.facealign.detect;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import org.facealign.data.FaceBox;

/**
 * Maps a box of one convention onto another by a shift of its centre and a scaling of its sides, both relative
 * to its size: a detector's box onto the 300-W detector box a model was trained with, or the tight box of a set
 * of landmarks onto it (re-boxing). With source centre (cx, cy), width w and height h, the target box has centre
 * {@code (cx + dx w, cy + dy h)}, width {@code sw w} and height {@code sh h}.
 *
 * <p>{@link #fit} takes each parameter as the median over the training pairs of the value that pair alone would
 * give: robust to the few pairs where the detector framed something else, and the same fit whatever the order.
 *
 * @param dx centre shift right, fraction of the source width
 * @param dy centre shift down, fraction of the source height
 * @param sw target width over source width
 * @param sh target height over source height
 */
public record BoxMap(double dx, double dy, double sw, double sh) implements Serializable {

  /** The identity. */
  public static final BoxMap IDENTITY = new BoxMap(0, 0, 1, 1);

  public BoxMap {
    if (!(Double.isFinite(dx) && Double.isFinite(dy) && Math.abs(dx) < 1 && Math.abs(dy) < 1)) {
      throw new IllegalArgumentException("box map shifts must be finite and within (-1, 1), got " + dx + ", " + dy);
    }
    if (!(sw > 0.1 && sw < 10 && sh > 0.1 && sh < 10)) {
      throw new IllegalArgumentException("box map scales must be within (0.1, 10), got " + sw + ", " + sh);
    }
  }

  /** From {@code [dx, dy, sw, sh]}. */
  public static BoxMap of(List<? extends Number> p) {
    if (p.size() != 4) {
      throw new IllegalArgumentException("a box map is [dx, dy, sw, sh], got " + p.size() + " numbers");
    }
    return new BoxMap(p.get(0).doubleValue(), p.get(1).doubleValue(), p.get(2).doubleValue(), p.get(3).doubleValue());
  }

  /** {@code [dx, dy, sw, sh]}. */
  public double[] toArray() {
    return new double[] {dx, dy, sw, sh};
  }

  /** {@code source} in the target convention. */
  public FaceBox apply(FaceBox source) {
    double w = source.width();
    double h = source.height();
    double cx = source.centerX() + dx * w;
    double cy = source.centerY() + dy * h;
    double hw = sw * w / 2;
    double hh = sh * h / 2;
    return new FaceBox(cx - hw, cy - hh, cx + hw, cy + hh);
  }

  /** The map that undoes this one: {@code inverse().apply(apply(b))} equals {@code b}. */
  public BoxMap inverse() {
    return new BoxMap(-dx / sw, -dy / sh, 1 / sw, 1 / sh);
  }

  /**
   * The map that best takes each {@code sources[i]} to {@code targets[i]} (medians, see the class comment).
   *
   * @throws IllegalArgumentException for no pairs or lists of different lengths
   */
  public static BoxMap fit(List<FaceBox> sources, List<FaceBox> targets) {
    int n = sources.size();
    if (n == 0 || n != targets.size()) {
      throw new IllegalArgumentException("fitting a box map needs as many targets as sources, at least one; got "
          + n + " and " + targets.size());
    }
    double[] dx = new double[n];
    double[] dy = new double[n];
    double[] sw = new double[n];
    double[] sh = new double[n];
    for (int i = 0; i < n; i++) {
      FaceBox s = sources.get(i);
      FaceBox t = targets.get(i);
      dx[i] = (t.centerX() - s.centerX()) / s.width();
      dy[i] = (t.centerY() - s.centerY()) / s.height();
      sw[i] = t.width() / s.width();
      sh[i] = t.height() / s.height();
    }
    return new BoxMap(median(dx), median(dy), median(sw), median(sh));
  }

  static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }
}

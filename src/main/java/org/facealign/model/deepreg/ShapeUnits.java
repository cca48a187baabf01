package org.facealign.model.deepreg;

import org.facealign.data.Shape;
import org.facealign.feature.ConfigFeatures;

/**
 * The coordinates DeepReg regresses: canonical-canvas pixels centred on the canvas centre and divided by
 * the face size, {@code u = (x - c) / faceSize} with {@code c = (canvasSize - 1) / 2}, so the face box spans
 * [-1/2, 1/2]. Regression targets and weights are in these units, which keeps them of order one whatever
 * the canonical face size.
 */
public final class ShapeUnits implements java.io.Serializable {
  private static final long serialVersionUID = 1L;
  private final double centre;
  private final double scale;

  public ShapeUnits(ConfigFeatures f) {
    this.centre = (f.canvasSize() - 1) / 2.0;
    this.scale = f.faceSize();
  }

  /** Canonical pixels per unit. */
  public double pixelsPerUnit() {
    return scale;
  }

  /** Interleaved canonical pixels to units. */
  public double[] toUnits(Shape canonical) {
    double[] xy = canonical.toArray();
    for (int i = 0; i < xy.length; i++) {
      xy[i] = (xy[i] - centre) / scale;
    }
    return xy;
  }

  /** Interleaved canonical pixels (as stored) to units. */
  public double[] toUnits(double[] canonicalXy) {
    double[] u = new double[canonicalXy.length];
    for (int i = 0; i < u.length; i++) {
      u[i] = (canonicalXy[i] - centre) / scale;
    }
    return u;
  }

  /** Units to a canonical-pixel shape. */
  public Shape toCanonical(double[] units) {
    double[] xy = new double[units.length];
    for (int i = 0; i < xy.length; i++) {
      xy[i] = centre + scale * units[i];
    }
    return Shape.of(xy);
  }
}

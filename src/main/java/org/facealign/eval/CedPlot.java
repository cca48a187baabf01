package org.facealign.eval;

import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.XYChart;

/**
 * A figure of cumulative error distribution (CED) curves, the way 300-W results are compared (Sagonas
 * et al.): x is the normalised mean error from 0 to {@code xMax}, y the fraction of faces with an error
 * at most x. One curve per entry (subsets of one model, or one subset under several models, e.g.
 * "mean shape", "DeepReg", "MSRRN"); its legend gives the name and the mean error in percent.
 */
public final class CedPlot {

  /** Number of grid intervals each curve is sampled on. */
  static final int SAMPLES = 300;

  private CedPlot() {}

  /**
   * A PNG of the CED curves of each non-empty entry, in the map's iteration order; the x axis is
   * labelled "Normalised mean error".
   *
   * @param errorsBySubset per-face errors (fractions) by curve name
   * @param title figure title
   * @param xMax end of the x axis (e.g. 0.15)
   * @param width image width in pixels
   * @param height image height in pixels
   */
  public static byte[] png(
      Map<String, double[]> errorsBySubset, String title, double xMax, int width, int height) {
    return png(errorsBySubset, title, "Normalised mean error", xMax, width, height);
  }

  /** As {@link #png(Map, String, double, int, int)}, with the x axis labelled {@code xLabel}. */
  public static byte[] png(
      Map<String, double[]> errorsBySubset, String title, String xLabel, double xMax, int width, int height) {
    if (!(Double.isFinite(xMax) && xMax > 0)) {
      throw new IllegalArgumentException("xMax must be finite and > 0, got " + xMax);
    }
    XYChart chart = Charts.lineChart(title, xLabel, "Fraction of faces", width, height);
    var st = chart.getStyler();
    st.setXAxisMin(0.0);
    st.setXAxisMax(xMax);
    st.setYAxisMin(0.0);
    st.setYAxisMax(1.0);
    st.setXAxisDecimalPattern("0.00");
    st.setYAxisDecimalPattern("0.0");
    double[] grid = Ced.grid(xMax, xMax / SAMPLES);
    boolean any = false;
    for (Map.Entry<String, double[]> e : errorsBySubset.entrySet()) {
      double[] errors = e.getValue();
      if (errors.length == 0) {
        continue;
      }
      double mean = ErrorStats.of(errors).mean();
      String label = e.getKey() + String.format(Locale.ROOT, " (mean %.2f%%)", 100 * mean);
      Charts.styleSeries(chart.addSeries(label, grid, Ced.curve(errors, grid)));
      any = true;
    }
    if (!any) {
      // An empty plot with the axes still drawn, so that a report always has its figure.
      var s = chart.addSeries("no faces", new double[] {0}, new double[] {0});
      Charts.styleSeries(s);
    }
    return Charts.png(chart);
  }
}

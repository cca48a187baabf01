package org.facealign.eval;

import java.util.Map;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.style.Styler.LegendPosition;

/**
 * A plain line figure, for analyses beyond the CED (e.g. error per cascade stage). Axes scale to the
 * data. Rendered headless with XChart.
 */
public final class LinePlot {

  private LinePlot() {}

  /** As {@link #png(String, String, String, Map, int, int)}, 800x600 pixels. */
  public static byte[] png(String title, String xLabel, String yLabel, Map<String, double[][]> series) {
    return png(title, xLabel, yLabel, series, 800, 600);
  }

  /**
   * A PNG with one line per entry, in the map's iteration order.
   *
   * @param series by legend name, {@code {xs, ys}}: two arrays of equal, non-zero length
   */
  public static byte[] png(
      String title, String xLabel, String yLabel, Map<String, double[][]> series, int width, int height) {
    if (series.isEmpty()) {
      throw new IllegalArgumentException("a line plot needs at least one series");
    }
    XYChart chart = Charts.lineChart(title, xLabel, yLabel, width, height);
    chart.getStyler().setLegendPosition(LegendPosition.InsideNE);
    chart.getStyler().setYAxisDecimalPattern("0.####");
    for (Map.Entry<String, double[][]> e : series.entrySet()) {
      double[][] xy = e.getValue();
      if (xy == null || xy.length != 2 || xy[0].length != xy[1].length || xy[0].length == 0) {
        throw new IllegalArgumentException(
            "series '" + e.getKey() + "' must be {xs, ys} of equal, non-zero length");
      }
      Charts.styleSeries(chart.addSeries(e.getKey(), xy[0], xy[1]));
    }
    return Charts.png(chart);
  }
}

package org.facealign.eval;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.BitmapEncoder.BitmapFormat;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries.XYSeriesRenderStyle;
import org.knowm.xchart.style.Styler.LegendPosition;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** Shared XChart set-up and PNG encoding for the report's line figures (headless-safe). */
final class Charts {

  private Charts() {}

  static XYChart lineChart(String title, String xLabel, String yLabel, int width, int height) {
    if (width <= 0 || height <= 0) {
      throw new IllegalArgumentException("figure size must be positive, got " + width + "x" + height);
    }
    XYChart chart = new XYChartBuilder()
        .width(width)
        .height(height)
        .title(title == null ? "" : title)
        .xAxisTitle(xLabel == null ? "" : xLabel)
        .yAxisTitle(yLabel == null ? "" : yLabel)
        .build();
    var st = chart.getStyler();
    st.setDefaultSeriesRenderStyle(XYSeriesRenderStyle.Line);
    st.setMarkerSize(0);
    st.setChartBackgroundColor(Color.WHITE);
    st.setPlotBackgroundColor(Color.WHITE);
    st.setPlotBorderColor(new Color(0x88, 0x88, 0x88));
    st.setPlotGridLinesColor(new Color(0xE0, 0xE0, 0xE0));
    st.setLegendPosition(LegendPosition.InsideSE);
    st.setLegendBorderColor(new Color(0xCC, 0xCC, 0xCC));
    st.setChartTitleBoxVisible(false);
    st.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
    st.setAntiAlias(true);
    return chart;
  }

  static void styleSeries(org.knowm.xchart.XYSeries s) {
    s.setMarker(SeriesMarkers.NONE);
    s.setLineStyle(new BasicStroke(2f));
  }

  static byte[] png(XYChart chart) {
    try {
      return BitmapEncoder.getBitmapBytes(chart, BitmapFormat.PNG);
    } catch (IOException e) {
      throw new UncheckedIOException("could not encode the figure as PNG", e);
    }
  }
}

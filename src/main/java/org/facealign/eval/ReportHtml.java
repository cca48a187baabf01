package org.facealign.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.facealign.data.Failure;

/** Writes {@code report.html}: one self-contained page, images embedded as data URIs, text escaped. */
final class ReportHtml {

  private static final String CSS = """
      body{font-family:-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:#222;max-width:1000px;\
      margin:2em auto;padding:0 1em;line-height:1.45}
      h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.2em;margin-top:1.8em;border-bottom:1px solid #ddd;\
      padding-bottom:.2em}
      .meta{color:#666;margin-top:0}
      table{border-collapse:collapse;margin:.6em 0}
      th,td{border:1px solid #ddd;padding:.3em .7em;text-align:left;vertical-align:top}
      th{background:#f4f6f8}
      td.num{text-align:right;font-variant-numeric:tabular-nums}
      tr:nth-child(even) td{background:#fafafa}
      figure{margin:1em 0}img{max-width:100%;border:1px solid #eee}
      figcaption{color:#555;font-size:.9em}
      pre{background:#f6f8fa;border:1px solid #e1e4e8;padding:.8em;overflow:auto;font-size:.85em}
      .note{color:#555;font-size:.9em}
      """;

  private ReportHtml() {}

  static String page(Report r, byte[] cedPng) {
    StringBuilder h = new StringBuilder(8192);
    Object kind = r.model().get("kind");
    String title = "Evaluation report" + (kind == null ? "" : ": " + kind);
    h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>")
        .append(esc(title)).append("</title>\n<style>\n").append(CSS).append("</style>\n</head>\n<body>\n");
    h.append("<h1>").append(esc(title)).append("</h1>\n");
    h.append("<p class=\"meta\">Created ").append(esc(r.created().toString())).append("</p>\n");

    h.append("<h2>Model</h2>\n");
    if (r.model().isEmpty()) {
      h.append("<p>No description.</p>\n");
    } else {
      h.append("<table>\n");
      for (Map.Entry<String, Object> e : r.model().entrySet()) {
        h.append("<tr><th>").append(esc(e.getKey())).append("</th><td>").append(esc(text(e.getValue())))
            .append("</td></tr>\n");
      }
      h.append("</table>\n");
    }

    h.append("<h2>Inputs</h2>\n<table>\n");
    row(h, "Inputs", r.counts().in());
    row(h, "Evaluated", r.counts().ok());
    row(h, "Failed", r.counts().failed());
    r.countDetails().forEach((k, v) -> row(h, esc(k.replace('_', ' ')), v));
    h.append("</table>\n");

    for (Normalisation n : Normalisation.values()) {
      h.append("<h2>Error, ").append(n.label()).append(" normalised</h2>\n");
      h.append("<table>\n<tr><th>Subset</th><th>Faces</th><th>Mean %</th><th>Median %</th>"
          + "<th>Failure rate @0.08 %</th><th>Failure rate @0.10 %</th><th>AUC@0.08</th></tr>\n");
      for (String s : r.subsets().keySet()) {
        ErrorStats st = r.stats(s, n);
        h.append("<tr><td>").append(esc(s)).append("</td><td class=\"num\">").append(st.faces()).append("</td>");
        num(h, pct(st.mean()));
        num(h, pct(st.median()));
        num(h, pct(st.failureRate008()));
        num(h, pct(st.failureRate010()));
        num(h, fmt("%.4f", st.auc008()));
        h.append("</tr>\n");
      }
      h.append("</table>\n");
    }
    h.append("<p class=\"note\">Mean point-to-point error divided by the ground truth's ")
        .append("inter-pupil distance (eye centres) or inter-ocular distance (outer eye corners). ")
        .append("A face fails at a threshold when its error exceeds it; AUC@0.08 is the area under the ")
        .append("cumulative error distribution from 0 to 0.08, divided by 0.08.</p>\n");

    h.append("<h2>Cumulative error distribution</h2>\n");
    figure(h, cedPng, "CED curves, inter-pupil normalised error", Report.CED);
    if (!r.figures().isEmpty()) {
      h.append("<h2>Further figures</h2>\n");
      for (Report.Figure f : r.figures()) {
        figure(h, f.png(), f.caption(), f.fileName());
      }
    }

    if (!r.sections().isEmpty()) {
      h.append("<h2>Further results</h2>\n");
      r.sections().forEach((k, v) -> {
        h.append("<h3>").append(esc(k)).append("</h3>\n");
        tables(h, "", v);
        h.append("<details><summary>").append(esc(k)).append(" as JSON</summary><pre>")
            .append(esc(json(v))).append("</pre></details>\n");
      });
    }

    List<Failure> failures = r.failures();
    h.append("<h2>Failures (").append(failures.size()).append(")</h2>\n");
    if (failures.isEmpty()) {
      h.append("<p>None.</p>\n");
    } else {
      h.append("<table>\n<tr><th>Face</th><th>Subset</th><th>File</th><th>Stage</th><th>Reason</th></tr>\n");
      for (Failure f : failures) {
        h.append("<tr><td>").append(esc(f.faceId())).append("</td><td>").append(esc(f.subset()))
            .append("</td><td>").append(esc(f.source())).append("</td><td>").append(esc(f.stage()))
            .append("</td><td>").append(esc(f.reason())).append("</td></tr>\n");
      }
      h.append("</table>\n");
    }

    h.append("<h2>Configuration</h2>\n<pre>").append(esc(r.config())).append("</pre>\n");
    h.append("</body>\n</html>\n");
    return h.toString();
  }

  private static void figure(StringBuilder h, byte[] png, String caption, String fileName) {
    h.append("<figure><img alt=\"").append(esc(caption)).append("\" src=\"data:image/png;base64,")
        .append(Base64.getEncoder().encodeToString(png)).append("\"><figcaption>").append(esc(caption))
        .append(" (").append(esc(fileName)).append(")</figcaption></figure>\n");
  }

  private static void row(StringBuilder h, String name, long value) {
    h.append("<tr><th>").append(name).append("</th><td class=\"num\">").append(value).append("</td></tr>\n");
  }

  private static void num(StringBuilder h, String v) {
    h.append("<td class=\"num\">").append(v).append("</td>");
  }

  /** A fraction as a percentage with two decimals, or a dash when undefined. */
  static String pct(double v) {
    return fmt("%.2f", 100 * v);
  }

  private static String fmt(String pattern, double v) {
    return Double.isFinite(v) ? String.format(Locale.ROOT, pattern, v) : "&ndash;";
  }

  private static String text(Object v) {
    return v instanceof String s ? s : json(ReportJson.MAPPER.valueToTree(v));
  }

  private static String json(Object node) {
    try {
      return ReportJson.MAPPER.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      return String.valueOf(node);
    }
  }

  /** Escapes text for HTML element content and attribute values; null becomes "". */
  static String esc(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder b = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&' -> b.append("&amp;");
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> b.append(c);
      }
    }
    return b.toString();
  }

  /**
   * Tables for a section's numbers: an object whose values are objects of numbers is one table (a row per
   * key, a column per inner key); deeper objects give one table per key, captioned with the path.
   */
  private static void tables(StringBuilder h, String caption, com.fasterxml.jackson.databind.JsonNode v) {
    if (!v.isObject()) {
      return;
    }
    java.util.LinkedHashSet<String> cols = new java.util.LinkedHashSet<>();
    boolean flat = v.size() > 0;
    for (var e = v.fields(); e.hasNext();) {
      var row = e.next().getValue();
      if (!row.isObject()) {
        flat = false;
        break;
      }
      for (var c = row.fields(); c.hasNext();) {
        var cell = c.next();
        flat &= cell.getValue().isNumber();
        cols.add(cell.getKey());
      }
    }
    if (flat) {
      h.append("<table>\n");
      if (!caption.isEmpty()) {
        h.append("<caption>").append(esc(caption)).append("</caption>\n");
      }
      h.append("<tr><th></th>");
      cols.forEach(c -> h.append("<th>").append(esc(c)).append("</th>"));
      h.append("</tr>\n");
      for (var e = v.fields(); e.hasNext();) {
        var row = e.next();
        h.append("<tr><td>").append(esc(row.getKey())).append("</td>");
        for (String c : cols) {
          var cell = row.getValue().get(c);
          h.append("<td>").append(cell == null ? "" : String.format(java.util.Locale.ROOT, "%.4f", cell.asDouble()))
              .append("</td>");
        }
        h.append("</tr>\n");
      }
      h.append("</table>\n");
      return;
    }
    for (var e = v.fields(); e.hasNext();) {
      var child = e.next();
      tables(h, caption.isEmpty() ? child.getKey() : caption + " / " + child.getKey(), child.getValue());
    }
  }
}

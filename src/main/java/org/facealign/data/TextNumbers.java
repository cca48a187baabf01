package org.facealign.data;

import java.util.regex.Pattern;

/**
 * Strict decimal number parsing for the text formats ({@code .pts}, {@code boxes.txt}, list files).
 * {@link Double#parseDouble} alone is too lenient for data files: it accepts {@code NaN}, {@code
 * Infinity}, hexadecimal floats and a trailing {@code d} or {@code f}, all of which in an annotation file
 * mean the file is broken. Only plain decimal numbers with an optional exponent are accepted here.
 */
final class TextNumbers {
  private static final Pattern DECIMAL = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");
  private static final Pattern NOT_FINITE = Pattern.compile("[+-]?(nan|inf|infinity)", Pattern.CASE_INSENSITIVE);

  private TextNumbers() {}

  /**
   * The value of {@code token}, which must be a finite decimal number.
   *
   * @throws DataException at {@code source:line} naming the offending token
   */
  static double parseFinite(String token, String source, int line, String what) {
    if (NOT_FINITE.matcher(token).matches()) {
      throw DataException.atLine(source, line, what + " is not a finite number: '" + token + "'");
    }
    if (!DECIMAL.matcher(token).matches()) {
      throw DataException.atLine(source, line, what + " is not a number: '" + token + "'");
    }
    double v = Double.parseDouble(token);
    if (!Double.isFinite(v)) {
      throw DataException.atLine(source, line, what + " is not a finite number: '" + token + "' (out of range)");
    }
    return v;
  }

  /** The lines of {@code text}, split on any line terminator (LF, CRLF, CR), a leading BOM removed. */
  static String[] lines(String text) {
    String t = text.startsWith("\uFEFF") ? text.substring(1) : text;
    String[] lines = t.split("\\R", -1);
    // A final line terminator does not start another line.
    if (lines.length > 1 && lines[lines.length - 1].isEmpty()) {
      String[] r = new String[lines.length - 1];
      System.arraycopy(lines, 0, r, 0, r.length);
      return r;
    }
    return lines;
  }
}

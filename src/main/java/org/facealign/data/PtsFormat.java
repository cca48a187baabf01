package org.facealign.data;

import java.util.Locale;

/**
 * Reads and writes the {@code .pts} landmark files of 300-W (and the iBUG tools):
 *
 * <pre>
 * version: 1
 * n_points: 68
 * {
 * x y      (68 lines)
 * }
 * </pre>
 *
 * <p>Coordinates in the file are 1-based pixel positions (Matlab convention); a {@link Shape} uses
 * 0-based pixel centres, so 1 is subtracted when reading and added when writing.
 *
 * <p>The parser is lenient only where real files differ harmlessly: blank lines, extra whitespace, CRLF
 * line ends, a byte-order mark and a missing {@code version} line are accepted. Everything else that is
 * unexpected is an error, because a silently mis-read annotation corrupts training and evaluation without
 * any visible failure: a point count that disagrees with {@code n_points} or with the landmark scheme,
 * non-finite or non-numeric coordinates, a point line without exactly two values, missing braces and text
 * after the closing brace each throw a {@link DataException} naming the file and the 1-based line, with the code
 * {@value #BAD_ANNOTATION}.
 */
public final class PtsFormat {
  /** Failure code of a {@code .pts} file that does not parse. */
  public static final String BAD_ANNOTATION = "bad_annotation";

  private PtsFormat() {}

  /**
   * Parses a {@code .pts} file.
   *
   * @param text the file's content
   * @param source the file name, for error messages
   * @param expectedPoints the number of points the landmark scheme needs; a non-positive value accepts
   *     any count
   * @return the landmarks in 0-based pixel coordinates
   * @throws DataException at {@code source:line} with code {@value #BAD_ANNOTATION} if the file is malformed
   */
  public static Shape parse(String text, String source, int expectedPoints) {
    try {
      return parseLines(text, source, expectedPoints);
    } catch (DataException e) {
      throw DataException.coded(BAD_ANNOTATION, e.source(), e.reason());
    }
  }

  private static Shape parseLines(String text, String source, int expectedPoints) {
    String[] lines = TextNumbers.lines(text);
    int n = -1;
    int nLine = 0;
    int i = 0;
    boolean sawVersion = false;
    // Header: optional version, then n_points, then '{'.
    for (; i < lines.length; i++) {
      String l = lines[i].strip();
      int lineNo = i + 1;
      if (l.isEmpty()) {
        continue;
      }
      if (l.equals("{")) {
        if (n < 0) {
          throw DataException.atLine(source, lineNo, "'{' before the n_points line");
        }
        break;
      }
      int colon = l.indexOf(':');
      String key = colon < 0 ? "" : l.substring(0, colon).strip();
      String value = colon < 0 ? "" : l.substring(colon + 1).strip();
      if (key.equals("version")) {
        if (sawVersion || n >= 0) {
          throw DataException.atLine(source, lineNo, "unexpected version line");
        }
        if (!(value.equals("1") || value.equals("1.0"))) {
          throw DataException.atLine(source, lineNo, "unsupported version '" + value + "', expected 1");
        }
        sawVersion = true;
      } else if (key.equals("n_points")) {
        if (n >= 0) {
          throw DataException.atLine(source, lineNo, "second n_points line");
        }
        if (!value.matches("\\d{1,9}") || Integer.parseInt(value) < 1) {
          throw DataException.atLine(source, lineNo, "n_points is not a positive integer: '" + value + "'");
        }
        n = Integer.parseInt(value);
        nLine = lineNo;
        if (expectedPoints > 0 && n != expectedPoints) {
          throw DataException.atLine(
              source, lineNo, "n_points is " + n + " but the landmark scheme has " + expectedPoints + " points");
        }
      } else if (n >= 0) {
        throw DataException.atLine(source, lineNo, "expected '{' after n_points, found '" + abbreviate(l) + "'");
      } else {
        throw DataException.atLine(source, lineNo, "expected 'version: 1' or 'n_points: N', found '" + abbreviate(l) + "'");
      }
    }
    if (i >= lines.length) {
      if (n < 0) {
        throw DataException.atLine(source, Math.max(1, lines.length), text.isBlank() ? "empty file" : "no n_points line");
      }
      throw DataException.atLine(source, Math.max(1, lines.length), "file ends without the '{' that opens the points");
    }
    // Points until '}'.
    double[] xy = new double[2 * n];
    int count = 0;
    int closeLine = -1;
    for (i++; i < lines.length; i++) {
      String l = lines[i].strip();
      int lineNo = i + 1;
      if (l.isEmpty()) {
        continue;
      }
      if (l.equals("}")) {
        closeLine = lineNo;
        break;
      }
      String[] tok = l.split("\\s+");
      if (tok.length != 2) {
        throw DataException.atLine(source, lineNo, "expected 2 values 'x y' on a point line, found " + tok.length + ": '" + abbreviate(l) + "'");
      }
      if (count == n) {
        throw DataException.atLine(source, lineNo, "more points than n_points = " + n + " (line " + nLine + ")");
      }
      xy[2 * count] = TextNumbers.parseFinite(tok[0], source, lineNo, "x of point " + count) - 1;
      xy[2 * count + 1] = TextNumbers.parseFinite(tok[1], source, lineNo, "y of point " + count) - 1;
      count++;
    }
    if (closeLine < 0) {
      throw DataException.atLine(source, lines.length, "file ends without the '}' that closes the points");
    }
    if (count != n) {
      throw DataException.atLine(source, closeLine, "found " + count + " points, n_points says " + n);
    }
    for (i++; i < lines.length; i++) {
      if (!lines[i].isBlank()) {
        throw DataException.atLine(source, i + 1, "text after the closing '}': '" + abbreviate(lines[i].strip()) + "'");
      }
    }
    return Shape.of(xy);
  }

  /**
   * Writes a shape as a {@code .pts} file (1-based coordinates, 6 decimals as 300-W's own files, LF line
   * ends). {@code parse(format(s), ...)} gives {@code s} back within 1e-6.
   */
  public static String format(Shape s) {
    StringBuilder b = new StringBuilder(32 * s.numPoints() + 40);
    b.append("version: 1\n");
    b.append("n_points: ").append(s.numPoints()).append('\n');
    b.append("{\n");
    for (int i = 0; i < s.numPoints(); i++) {
      b.append(String.format(Locale.ROOT, "%.6f %.6f", s.x(i) + 1, s.y(i) + 1)).append('\n');
    }
    b.append("}\n");
    return b.toString();
  }

  static String abbreviate(String s) {
    return s.length() <= 60 ? s : s.substring(0, 57) + "...";
  }
}

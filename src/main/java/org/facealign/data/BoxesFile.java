package org.facealign.data;

import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the {@code boxes.txt} files that give, per 300-W folder, the face-detector box of each image:
 * one line {@code NAME x_min y_min x_max y_max} per image, 0-based pixel coordinates, {@code #} comment
 * lines and blank lines ignored.
 *
 * <p>Some image names of the iBUG set contain spaces, so the name is not "the first token": the last four
 * whitespace-separated tokens are the numbers and everything before them (trimmed, inner spacing kept) is
 * the name. Malformed lines are errors, not skipped: a missing box would silently change which faces the
 * detector-box protocol evaluates.
 */
public final class BoxesFile {
  private static final Pattern LINE = Pattern.compile("(.*?)\\s+(\\S+)\\s+(\\S+)\\s+(\\S+)\\s+(\\S+)");

  private BoxesFile() {}

  /**
   * A box and the line of the file that gives it.
   *
   * @param box the box
   * @param line its 1-based line number
   */
  public record Located(FaceBox box, int line) {}

  /**
   * Parses a boxes file.
   *
   * @param text the file's content
   * @param source the file name, for error messages
   * @return image name to box, in file order (unmodifiable)
   * @throws DataException at {@code source:line} for a line with too few fields, a non-numeric or
   *     non-finite coordinate, an empty or inverted box, or a name given twice
   */
  public static Map<String, FaceBox> parse(String text, String source) {
    Map<String, FaceBox> boxes = new LinkedHashMap<>();
    parseLocated(text, source).forEach((name, b) -> boxes.put(name, b.box()));
    return Collections.unmodifiableMap(boxes);
  }

  /**
   * As {@link #parse}, with the line each box is on.
   *
   * @return image name to box and line, in file order (unmodifiable)
   * @throws DataException as {@link #parse}
   */
  public static Map<String, Located> parseLocated(String text, String source) {
    String[] lines = TextNumbers.lines(text);
    Map<String, Located> boxes = new LinkedHashMap<>();
    Map<String, Integer> firstLine = new HashMap<>();
    for (int i = 0; i < lines.length; i++) {
      int lineNo = i + 1;
      String l = lines[i].strip();
      if (l.isEmpty() || l.startsWith("#")) {
        continue;
      }
      Matcher m = LINE.matcher(l);
      if (!m.matches() || m.group(1).isBlank()) {
        int fields = l.split("\\s+").length;
        throw DataException.atLine(source, lineNo,
            "expected 'NAME x_min y_min x_max y_max', found " + fields + " field" + (fields == 1 ? "" : "s"));
      }
      String name = m.group(1).strip();
      double x0 = TextNumbers.parseFinite(m.group(2), source, lineNo, "x_min");
      double y0 = TextNumbers.parseFinite(m.group(3), source, lineNo, "y_min");
      double x1 = TextNumbers.parseFinite(m.group(4), source, lineNo, "x_max");
      double y1 = TextNumbers.parseFinite(m.group(5), source, lineNo, "y_max");
      if (!(x1 > x0 && y1 > y0)) {
        throw DataException.atLine(
            source, lineNo, "empty or inverted box for " + name + ": " + x0 + " " + y0 + " " + x1 + " " + y1
                + " (need x_max > x_min and y_max > y_min)");
      }
      Integer first = firstLine.putIfAbsent(name, lineNo);
      if (first != null) {
        throw DataException.atLine(source, lineNo, "second box for " + name + " (first on line " + first + ")");
      }
      boxes.put(name, new Located(new FaceBox(x0, y0, x1, y1), lineNo));
    }
    return Collections.unmodifiableMap(boxes);
  }
}

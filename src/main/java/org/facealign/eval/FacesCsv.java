package org.facealign.eval;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads back the {@code faces.csv} of an evaluation ({@link Report}): {@code face_id,subset,image,ip_nme,io_nme}, one
 * row per face and subset, RFC 4180 quoting. A bad row is not fatal: it is reported with the file, its line and the
 * reason, and counted; a row that repeats a face of its subset is reported likewise (the first is kept). A file that
 * stops being CSV part-way (an unclosed quote) is reported at that line, counted as one bad row, and read no
 * further.
 */
public final class FacesCsv {
  /** The header line's fields, in order. */
  public static final List<String> HEADER = List.of("face_id", "subset", "image", "ip_nme", "io_nme");

  private static final CsvMapper CSV = new CsvMapper().enable(CsvParser.Feature.WRAP_AS_ARRAY);

  private FacesCsv() {}

  /**
   * What a file held.
   *
   * @param rows data rows read (the header not counted; the rest of a file that stops being CSV counts as one), so
   *     that {@code rows = faces + errors} once the header is read
   * @param faces the good rows, in file order
   * @param errors one line per bad row or unreadable rest of the file: "SOURCE line N: reason"
   */
  public record Parsed(int rows, List<FaceResult> faces, List<String> errors) {}

  /** Reads {@code in}; {@code source} names it in the errors. */
  public static Parsed read(Reader in, String source) throws IOException {
    List<FaceResult> faces = new ArrayList<>();
    List<String> errors = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    int rows = 0;
    try (MappingIterator<String[]> it = CSV.readerFor(String[].class).readValues(in)) {
      boolean header = true;
      while (true) {
        long line = it.getCurrentLocation() == null ? 0 : it.getCurrentLocation().getLineNr();
        String[] row;
        try {
          if (!it.hasNextValue()) {
            break;
          }
          line = it.getCurrentLocation().getLineNr();
          row = it.nextValue();
        } catch (RuntimeException | IOException e) {
          errors.add(source + " line " + line + ": not CSV from here on (" + firstLine(e.getMessage()) + ")");
          if (!header) {
            rows++; // the row it stops at, counted as failed like any bad row
          }
          break;
        }
        if (header) {
          if (!Arrays.asList(row).equals(HEADER)) {
            errors.add(source + " line " + line + ": the header is " + Arrays.toString(row) + ", not " + HEADER
                + ": not a faces.csv");
            return new Parsed(0, faces, errors);
          }
          header = false;
          continue;
        }
        if (row.length == 1 && row[0].isEmpty()) {
          continue; // a blank line
        }
        rows++;
        String reason = check(row);
        if (reason == null && !seen.add(row[1] + '\u0000' + row[0])) {
          reason = "face " + row[0] + " appears twice in subset " + row[1];
        }
        if (reason != null) {
          errors.add(source + " line " + line + ": " + reason);
          continue;
        }
        faces.add(new FaceResult(row[0], row[1], row[2].isEmpty() ? null : row[2], Double.parseDouble(row[3]),
            Double.parseDouble(row[4])));
      }
    }
    return new Parsed(rows, faces, errors);
  }

  /** Why {@code row} is not a face's line, or null. */
  private static String check(String[] row) {
    if (row.length != HEADER.size()) {
      return row.length + " fields, not " + HEADER.size();
    }
    if (row[0].isEmpty() || row[1].isEmpty()) {
      return "empty " + (row[0].isEmpty() ? "face_id" : "subset");
    }
    for (int i = 3; i < 5; i++) {
      double v;
      try {
        v = Double.parseDouble(row[i]);
      } catch (NumberFormatException e) {
        return HEADER.get(i) + " is not a number: '" + row[i] + "'";
      }
      if (!(Double.isFinite(v) && v >= 0)) {
        return HEADER.get(i) + " is not a finite non-negative error: " + row[i];
      }
    }
    return null;
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "no message";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}

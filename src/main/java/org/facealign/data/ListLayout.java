package org.facealign.data;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.Path;

/**
 * Discovers faces from a plain list file, for data sets that are not laid out like 300-W (or a chosen
 * selection of faces). Each line is
 *
 * <pre>
 * IMAGE PTS [x_min y_min x_max y_max]
 * </pre>
 *
 * <p>with an optional detector box in 0-based pixels; {@code #} starts a comment line, blank lines are
 * skipped, and relative paths are resolved against the list file's folder (so a list travels with its
 * data). Fields are separated by whitespace, or by tabs only on a line that has a tab, so that paths with spaces
 * can be listed tab-separated. A relative path that climbs out of that folder ({@code ../x.jpg})
 * is a problem of its entry ({@value FaceEntry#OUTSIDE_ROOT}) unless {@code allowOutsideRoot} is set
 * ({@code facealign.data.allow-outside-root}): a list handed over with its data should not reach elsewhere
 * unnoticed. Absolute paths and URIs are taken as they are; a name that is no URI ({@code face:1.jpg}, a colon
 * before any slash) is a relative file name. A list named without a folder ({@code list.txt}) is in the working
 * directory.
 *
 * <p>As with {@link W300Layout}, a bad line does not fail discovery: it becomes an entry whose {@link
 * FaceEntry#problem()} names {@code list:line}, so it shows up in the job's failure report. Whether the
 * files exist is not checked here (that would be one request per file on S3); a missing file fails when
 * the entry is loaded. Entries keep the order of the list; the id is the image path relative to the list
 * file's folder, without extension, so it is stable across runs.
 */
public final class ListLayout {
  private ListLayout() {}

  /**
   * Reads a list file.
   *
   * @param storage the file system access
   * @param listPath the list file
   * @param subset the subset every entry belongs to (see {@link #subsetName})
   * @throws DataException if the list file itself cannot be read
   */
  public static Discovery discover(Storage storage, String listPath, String subset) {
    return discover(storage, listPath, subset, false);
  }

  /**
   * Reads a list file.
   *
   * @param allowOutsideRoot whether relative paths may climb out of the list's folder with {@code ..}
   * @throws DataException if the list file itself cannot be read
   */
  public static Discovery discover(Storage storage, String listPath, String subset, boolean allowOutsideRoot) {
    String text = storage.readText(listPath);
    String dir = listDir(listPath);
    String[] lines = TextNumbers.lines(text);
    List<FaceEntry> entries = new ArrayList<>();
    Map<String, Integer> idLine = new HashMap<>();
    int withBox = 0;
    for (int i = 0; i < lines.length; i++) {
      int lineNo = i + 1;
      String l = lines[i].strip();
      if (l.isEmpty() || l.startsWith("#")) {
        continue;
      }
      String[] tok = l.contains("\t") ? l.split("\\s*\t\\s*") : l.split("\\s+");
      FaceEntry entry;
      try {
        entry = entry(listPath, dir, lineNo, tok, subset, allowOutsideRoot, idLine);
      } catch (RuntimeException ex) {
        // a line whose paths cannot be made into file names: its own problem, with what it holds as given
        String id = tok[0];
        if (idLine.putIfAbsent(id, lineNo) != null) {
          id = id + "@" + lineNo;
        }
        String problem = DataException.atLine(listPath, lineNo, "cannot resolve the line's paths against " + dir
            + ": " + ex.getClass().getSimpleName() + ": " + ex.getMessage()).getMessage();
        entry = new FaceEntry(id, subset, tok[0], tok.length >= 2 ? tok[1] : null, null, null, problem,
            FaceEntry.BAD_LIST_LINE);
      }
      if (entry.detectorBox() != null) {
        withBox++;
      }
      entries.add(entry);
    }
    long bad = entries.stream().filter(e -> !e.usable()).count();
    List<String> notes = List.of(listPath + ": " + entries.size() + " entries (" + subset + "), "
        + withBox + " with a detector box, " + bad + " malformed");
    return new Discovery(entries, List.of(), notes);
  }

  /** The entry of line {@code lineNo}, split into {@code tok}; {@code idLine} maps the ids so far to their lines. */
  private static FaceEntry entry(String listPath, String dir, int lineNo, String[] tok, String subset,
      boolean allowOutsideRoot, Map<String, Integer> idLine) {
    String image = Storage.resolve(dir, tok[0]);
    String pts = tok.length >= 2 ? Storage.resolve(dir, tok[1]) : null;
    String id = idFor(dir, tok[0]);
    String problem = null;
    String problemCode = null;
    FaceBox box = null;
    String boxProblem = null;
    if (tok.length != 2 && tok.length != 6) {
      problem = DataException.atLine(listPath, lineNo, "expected 'IMAGE PTS [x_min y_min x_max y_max]', found "
          + tok.length + " field" + (tok.length == 1 ? "" : "s")).getMessage();
      problemCode = FaceEntry.BAD_LIST_LINE;
    } else if (!allowOutsideRoot && (Storage.climbsOut(tok[0]) || Storage.climbsOut(tok[1]))) {
      String escaping = Storage.climbsOut(tok[0]) ? tok[0] : tok[1];
      problem = DataException.atLine(listPath, lineNo, "path '" + escaping + "' climbs out of the list's folder "
          + dir + " (set facealign.data.allow-outside-root = true to allow it)").getMessage();
      problemCode = FaceEntry.OUTSIDE_ROOT;
    } else if (tok.length == 6) {
      try {
        double x0 = TextNumbers.parseFinite(tok[2], listPath, lineNo, "x_min");
        double y0 = TextNumbers.parseFinite(tok[3], listPath, lineNo, "y_min");
        double x1 = TextNumbers.parseFinite(tok[4], listPath, lineNo, "x_max");
        double y1 = TextNumbers.parseFinite(tok[5], listPath, lineNo, "y_max");
        if (!(x1 > x0 && y1 > y0)) {
          throw DataException.atLine(listPath, lineNo, "empty or inverted box: " + x0 + " " + y0 + " " + x1 + " " + y1);
        }
        box = new FaceBox(x0, y0, x1, y1);
      } catch (DataException e) {
        problem = e.getMessage();
        problemCode = FaceEntry.BAD_LIST_LINE;
      }
    } else {
      boxProblem = listPath + ":" + lineNo + " gives no box";
    }
    Integer first = idLine.putIfAbsent(id, lineNo);
    if (first != null) {
      id = id + "@" + lineNo;
      if (problem == null) {
        problem = DataException.atLine(listPath, lineNo, "same image as line " + first).getMessage();
        problemCode = FaceEntry.BAD_LIST_LINE;
      }
    }
    if (problem != null) {
      box = null;
      boxProblem = null;
    }
    return new FaceEntry(id, subset, image, pts, box, boxProblem, problem, problemCode, listPath + ":" + lineNo);
  }

  /** The subset a list file defines by default: its file name without extension. */
  public static String subsetName(String listPath) {
    String name = new Path(listPath).getName();
    int dot = name.lastIndexOf('.');
    return dot > 0 ? name.substring(0, dot) : name;
  }

  /** The folder a list's relative paths are resolved against: the list file's own. */
  static String listDir(String listPath) {
    Path parent = new Path(listPath).getParent();
    // a list named without a folder (list.txt) has the empty path as parent: the working directory
    return parent == null || parent.toString().isEmpty() ? "." : parent.toString();
  }

  private static String idFor(String dir, String imageToken) {
    String rel = imageToken;
    if (!Storage.isRelative(imageToken)) {
      String prefix = dir.endsWith("/") ? dir : dir + "/";
      if (imageToken.startsWith(prefix)) {
        rel = imageToken.substring(prefix.length());
      }
    }
    while (rel.startsWith("./")) {
      rel = rel.substring(2);
    }
    int slash = rel.lastIndexOf('/');
    int dot = rel.lastIndexOf('.');
    return dot > slash + 1 ? rel.substring(0, dot) : rel;
  }
}

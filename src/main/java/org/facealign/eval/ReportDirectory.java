package org.facealign.eval;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.FileStatus;
import org.facealign.data.DataException;
import org.facealign.data.Storage;

/**
 * The directory an evaluation's report lives in, replaced as a whole ({@link Storage#writeDirectory}): a reader
 * finds one report, the old or the new, never the {@code report.html} of one beside the {@code report.json} of the
 * other; readers go through {@link Storage#readableDirectory}, which finds the old report where a replacement
 * stopped between its two renames. Because the whole directory is replaced, it must hold nothing but a report
 * ({@link #checkWritable}).
 */
public final class ReportDirectory {
  /** The file names a report is made of: the fixed ones and the figures named after subsets and stages. */
  private static final Pattern FILES = Pattern.compile(
      "report\\.json|report\\.html|faces\\.csv|ced\\.png|config\\.conf"
          + "|(worst-.+|ced-compare-.+|stages|bias-variance)\\.png");

  private ReportDirectory() {}

  /** Whether {@code name} is the name of a file a report is made of. */
  public static boolean isReportFile(String name) {
    return FILES.matcher(name).matches();
  }

  /**
   * Refuses {@code dir} when a report cannot replace it without destroying something else: when it is a file, or a
   * directory holding anything but the files of a report (a model, a prepared set, a user's notes).
   */
  public static void checkWritable(Storage st, String dir) throws IOException {
    if (!st.exists(dir)) {
      return;
    }
    if (!st.isDirectory(dir)) {
      throw new DataException(dir, "is a file; a report is written into a directory of its own");
    }
    for (FileStatus f : st.list(dir)) {
      String name = f.getPath().getName();
      if (f.isDirectory() || !isReportFile(name)) {
        throw new DataException(dir, "holds " + name + ", which is not part of a report; a new report replaces "
            + "the whole directory, so it needs one of its own (pipeline writes OUT/report)");
      }
    }
  }

  /**
   * Writes {@code files} (name to bytes, every name a {@link #isReportFile report file}) as the report in {@code
   * dir}, replacing whatever report was there as a whole.
   */
  public static void commit(Storage st, String dir, Map<String, byte[]> files) throws IOException {
    if (files.isEmpty()) {
      throw new IllegalArgumentException("a report has files");
    }
    for (String name : files.keySet()) {
      if (!isReportFile(name)) {
        throw new IllegalArgumentException(name + " is not the name of a report file");
      }
    }
    checkWritable(st, dir);
    st.writeDirectory(dir, files);
  }

  /**
   * Deletes the report an earlier release of {@code pipeline} wrote into {@code out} itself, before reports had a
   * directory of their own ({@code out/report}): the files of {@code out} (never its directories) with the names of a
   * report's files, and only when {@code out/report.json} is one of them, which is deleted last so that a clean-up cut
   * short is finished by the next run. Returns the names deleted.
   */
  public static List<String> removeEarlierLayout(Storage st, String out) throws IOException {
    String json = Storage.resolve(out, "report.json");
    if (!st.exists(json) || st.isDirectory(json)) {
      return List.of();
    }
    List<String> removed = new ArrayList<>();
    for (FileStatus f : st.list(out)) {
      String name = f.getPath().getName();
      if (f.isFile() && isReportFile(name) && !name.equals("report.json")) {
        st.delete(Storage.resolve(out, name));
        removed.add(name);
      }
    }
    st.delete(json);
    removed.add("report.json");
    return removed;
  }
}

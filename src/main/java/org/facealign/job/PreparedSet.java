package org.facealign.job;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.facealign.data.DataException;
import org.facealign.data.Failure;
import org.facealign.data.Storage;

/**
 * The on-disk layout of a prepared set (what {@code prepare} writes and {@code train} and
 * {@code evaluate} read), on any Hadoop file system:
 *
 * <pre>
 *   DIR/faces-ID/          Parquet, schema {@link PreparedFace#SCHEMA}: every face that loaded cleanly
 *   DIR/failures-ID.json   every input that did not, with file and reason
 *   DIR/summary.json       the commit record: counts per subset, layout, box policy, and the names of the two
 *                          above; replaced in one rename, last
 *   DIR/config.conf        the resolved configuration of the run
 * </pre>
 *
 * <p>Each run writes its faces and failures under names of its own ({@code ID}) beside the set they replace, then
 * commits them by replacing {@code summary.json}: a reader, which finds the faces and failures through the summary,
 * sees the old set or the new one, whole, even after a crash; what no summary names is deleted after the commit.
 * Sets written before the names were recorded have {@code faces/} and {@code failures.json}.
 */
public final class PreparedSet {
  static final ObjectMapper JSON = new ObjectMapper()
      .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
      .enable(SerializationFeature.INDENT_OUTPUT)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private PreparedSet() {}

  /**
   * What a prepared set holds.
   *
   * @param dataRoot the data set that was prepared (a 300-W folder or a list file)
   * @param layout "300w" or "list"
   * @param trainSubset the subset trained on
   * @param testSubsets subsets evaluated, in report order
   * @param derivedSubsets subsets evaluation forms as unions of others (300-W's full = common + challenging)
   * @param boxPolicy the box policy the faces' boxes were resolved with
   * @param boxMargin its margin
   * @param points landmarks per face
   * @param counts all inputs
   * @param bySubset inputs per subset
   * @param failedByReason failed inputs by {@link Failure#countKey() "stage: code"} (they add up to {@code
   *     counts.failed}); null in sets prepared before it was kept
   * @param missingParts parts of the layout that were not there
   * @param notes anything else discovery noticed
   * @param configHash hash of the configuration used
   * @param features what the feature-store update did (null when no store was updated)
   * @param faces the directory of the faces, relative to the set (null in sets written before it was recorded:
   *     {@code faces})
   * @param failures the file of the failures, relative to the set (null before it was recorded: {@code
   *     failures.json})
   */
  public record Summary(
      String dataRoot, String layout, String trainSubset, List<String> testSubsets,
      Map<String, List<String>> derivedSubsets, String boxPolicy, double boxMargin, int points, Counts counts,
      Map<String, Counts> bySubset, Map<String, Long> failedByReason, List<String> missingParts, List<String> notes,
      String configHash, FeatureStore.UpdateResult features, String faces, String failures) {

    /** The same summary with the feature-store result. */
    public Summary withFeatures(FeatureStore.UpdateResult f) {
      return new Summary(dataRoot, layout, trainSubset, testSubsets, derivedSubsets, boxPolicy, boxMargin, points,
          counts, bySubset, failedByReason, missingParts, notes, configHash, f, faces, failures);
    }

    /** The faces' directory name in the set. */
    public String facesName() {
      return faces == null ? "faces" : faces;
    }

    /** The failures' file name in the set. */
    public String failuresName() {
      return failures == null ? "failures.json" : failures;
    }
  }

  /** The directory of the faces that {@code summary}, the summary of the set in {@code dir}, commits. */
  public static String facesDir(Summary summary, String dir) {
    return Storage.resolve(dir, summary.facesName());
  }

  /** The faces' directory of the complete prepared set in {@code dir} (its summary read). */
  public static String facesDir(Storage st, String dir) {
    return facesDir(readSummary(st, dir), dir);
  }

  /**
   * Commits the set: {@code s} (naming the faces and failures written under names of their own) replaces {@code
   * summary.json} in one rename, then whatever earlier runs left that neither {@code s} nor the summary it replaces
   * names is deleted. The set it replaces stays whole until the next commit, so that a job reading it (an evaluation
   * that found its summary a moment before) does not lose its files under it.
   */
  public static void commit(Storage st, String dir, Summary s) throws IOException {
    Summary before = null;
    if (st.exists(Storage.resolve(dir, "summary.json"))) {
      try {
        before = readSummary(st, dir);
      } catch (IllegalArgumentException unreadable) {
        // a summary of an older format, or damaged: nothing of it is kept
      }
    }
    java.util.Set<String> keep = new java.util.HashSet<>(List.of(s.facesName(), s.failuresName()));
    if (before != null) {
      keep.add(before.facesName());
      keep.add(before.failuresName());
    }
    st.writeAtomically(Storage.resolve(dir, "summary.json"),
        org.facealign.config.Secrets.redactText(JSON.writeValueAsBytes(s)));
    for (org.apache.hadoop.fs.FileStatus f : st.list(dir)) {
      String name = f.getPath().getName();
      boolean part = name.equals("faces") || name.startsWith("faces-") || name.equals("failures.json")
          || (name.startsWith("failures-") && name.endsWith(".json"));
      if (part && !keep.contains(name)) {
        st.delete(f.getPath().toString());
      }
    }
  }

  /** Writes {@code failures} as {@code name} in the set's directory (named by the summary that commits them). */
  public static void writeFailures(Storage st, String dir, String name, List<Failure> failures) throws IOException {
    st.writeAtomically(Storage.resolve(dir, name),
        org.facealign.config.Secrets.redactText(JSON.writeValueAsBytes(failures)));
  }

  /** Reads the summary; fails clearly if {@code dir} is not a complete prepared set. */
  public static Summary readSummary(Storage st, String dir) {
    String path = Storage.resolve(dir, "summary.json");
    try {
      return JSON.readValue(st.readBytes(path, 64L << 20), Summary.class);
    } catch (DataException e) {
      throw new IllegalArgumentException(dir + " is not a complete prepared set (" + e.reason() + " for summary.json); run prepare first");
    } catch (IOException e) {
      throw new IllegalArgumentException(path + " is not a valid prepared-set summary: " + e.getMessage(), e);
    }
  }

  /** The failures of the complete prepared set in {@code dir}, found through its summary. */
  public static List<Failure> readFailures(Storage st, String dir) {
    return readFailures(st, readSummary(st, dir), dir);
  }

  /** The failures that {@code summary}, the summary of the set in {@code dir}, commits. */
  public static List<Failure> readFailures(Storage st, Summary summary, String dir) {
    String path = Storage.resolve(dir, summary.failuresName());
    try {
      return JSON.readValue(st.readBytes(path, 1L << 30), new TypeReference<List<Failure>>() {});
    } catch (IOException e) {
      throw new IllegalArgumentException(path + " is not a valid failure list: " + e.getMessage(), e);
    }
  }
}

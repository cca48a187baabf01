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
 *   DIR/faces/          Parquet, schema {@link PreparedFace#SCHEMA}: every face that loaded cleanly
 *   DIR/failures.json   every input that did not, with file and reason
 *   DIR/summary.json    counts per subset, layout, box policy; written last, so its presence means
 *                       the set is complete
 *   DIR/config.conf     the resolved configuration of the run
 * </pre>
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
   */
  public record Summary(
      String dataRoot, String layout, String trainSubset, List<String> testSubsets,
      Map<String, List<String>> derivedSubsets, String boxPolicy, double boxMargin, int points, Counts counts,
      Map<String, Counts> bySubset, Map<String, Long> failedByReason, List<String> missingParts, List<String> notes, String configHash,
      FeatureStore.UpdateResult features) {

    /** The same summary with the feature-store result. */
    public Summary withFeatures(FeatureStore.UpdateResult f) {
      return new Summary(dataRoot, layout, trainSubset, testSubsets, derivedSubsets, boxPolicy, boxMargin, points,
          counts, bySubset, failedByReason, missingParts, notes, configHash, f);
    }
  }

  public static String facesDir(String dir) {
    return Storage.resolve(dir, "faces");
  }

  /** Writes the summary, whole or not at all; it is the set's commit marker, so the last file written. */
  public static void writeSummary(Storage st, String dir, Summary s) throws IOException {
    st.writeAtomically(Storage.resolve(dir, "summary.json"),
        org.facealign.config.Secrets.redactText(JSON.writeValueAsBytes(s)));
  }

  /** Removes the commit marker before a set is rewritten: until the new summary is written, readers refuse it. */
  public static void uncommit(Storage st, String dir) throws IOException {
    st.delete(Storage.resolve(dir, "summary.json"));
  }

  public static void writeFailures(Storage st, String dir, List<Failure> failures) throws IOException {
    st.writeAtomically(Storage.resolve(dir, "failures.json"),
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

  public static List<Failure> readFailures(Storage st, String dir) {
    String path = Storage.resolve(dir, "failures.json");
    try {
      return JSON.readValue(st.readBytes(path, 1L << 30), new TypeReference<List<Failure>>() {});
    } catch (IOException e) {
      throw new IllegalArgumentException(path + " is not a valid failure list: " + e.getMessage(), e);
    }
  }
}

package org.facealign.data;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * What discovery found in a data set: every face entry (usable or not, so nothing is silently dropped),
 * the expected parts that are absent, and informational notes (counts, ignored files) for the job log.
 *
 * @param entries every entry, including those with a {@link FaceEntry#problem()}
 * @param missingParts expected parts of the layout that do not exist, e.g. {@code helen/trainset}
 * @param notes human-readable remarks that are not errors
 */
public record Discovery(List<FaceEntry> entries, List<String> missingParts, List<String> notes)
    implements Serializable {

  public Discovery {
    entries = List.copyOf(entries);
    missingParts = List.copyOf(missingParts);
    notes = List.copyOf(notes);
  }

  /** The entries of one subset, in discovery order. */
  public List<FaceEntry> entries(String subset) {
    List<FaceEntry> r = new ArrayList<>();
    for (FaceEntry e : entries) {
      if (e.subset().equals(subset)) {
        r.add(e);
      }
    }
    return Collections.unmodifiableList(r);
  }

  /** The entries that have a problem and cannot be loaded. */
  public List<FaceEntry> problems() {
    return entries.stream().filter(e -> !e.usable()).toList();
  }

  /** The subsets present, in order of first appearance among the entries. */
  public List<String> subsets() {
    LinkedHashSet<String> s = new LinkedHashSet<>();
    for (FaceEntry e : entries) {
      s.add(e.subset());
    }
    return List.copyOf(s);
  }

  /** Number of entries (usable or not) per subset, in the order of {@link #subsets()}. */
  public Map<String, Integer> countsBySubset() {
    Map<String, Integer> m = new LinkedHashMap<>();
    for (FaceEntry e : entries) {
      m.merge(e.subset(), 1, Integer::sum);
    }
    return Collections.unmodifiableMap(m);
  }
}

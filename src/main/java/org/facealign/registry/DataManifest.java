package org.facealign.registry;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.facealign.data.Hashes;

/**
 * The training data of one run, face by face: each face id with the content hash of its image and annotation
 * bytes (as {@code prepare} computes it). Comparing two manifests says which faces were added, changed (same id,
 * other bytes: a corrected {@code .pts}, a replaced image) and removed.
 *
 * @param faces content hash by face id, sorted by id
 */
public record DataManifest(TreeMap<String, String> faces) implements Serializable {

  public DataManifest {
    faces = new TreeMap<>(faces);
  }

  /** The empty manifest (before the first run). */
  public static DataManifest empty() {
    return new DataManifest(new TreeMap<>());
  }

  public static DataManifest of(Map<String, String> hashById) {
    return new DataManifest(new TreeMap<>(hashById));
  }

  /** One hash of the whole manifest: equal manifests, equal hashes. */
  public String hash() {
    StringBuilder b = new StringBuilder();
    faces.forEach((id, h) -> b.append(id).append('\t').append(h).append('\n'));
    return Hashes.sha256(b.toString());
  }

  public int size() {
    return faces.size();
  }

  /**
   * What changed from {@code before} to this manifest.
   *
   * @param added faces that are new
   * @param changed faces whose content hash changed
   * @param removed faces that are gone
   */
  public record Diff(List<String> added, List<String> changed, List<String> removed) implements Serializable {
    public boolean isEmpty() {
      return added.isEmpty() && changed.isEmpty() && removed.isEmpty();
    }

    @Override
    public String toString() {
      return added.size() + " added, " + changed.size() + " changed, " + removed.size() + " removed";
    }
  }

  /** The faces added, changed and removed since {@code before}, each sorted by id. */
  public Diff since(DataManifest before) {
    List<String> added = new ArrayList<>();
    List<String> changed = new ArrayList<>();
    List<String> removed = new ArrayList<>();
    faces.forEach((id, h) -> {
      String old = before.faces.get(id);
      if (old == null) {
        added.add(id);
      } else if (!old.equals(h)) {
        changed.add(id);
      }
    });
    before.faces.keySet().forEach(id -> {
      if (!faces.containsKey(id)) {
        removed.add(id);
      }
    });
    return new Diff(Collections.unmodifiableList(added), Collections.unmodifiableList(changed),
        Collections.unmodifiableList(removed));
  }
}

package org.facealign.registry;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.FileStatus;
import org.facealign.data.DataException;
import org.facealign.data.FileLock;
import org.facealign.data.Storage;
import org.facealign.model.LandmarkModel;
import org.facealign.model.ModelStore;

/**
 * A model registry on any Hadoop file system:
 *
 * <pre>
 *   REGISTRY/versions/v000001/   an immutable model directory (the {@link ModelStore} format) and version.json
 *   REGISTRY/production.json     the pointer: which version is in production, and the one before it
 *   REGISTRY/history.jsonl       one JSON line per run: inputs, figures, decision and reasons
 *   REGISTRY/manifest.json       the training data of the last run that trained ({@link DataManifest})
 *   REGISTRY/features/           the feature store runs share
 *   REGISTRY/_lock               held by the run writing the registry
 * </pre>
 *
 * <p>A version is published by writing it under a temporary name, verifying every checksum by loading it, and
 * renaming it into {@code versions/}; only then is the pointer switched, by one atomic replacement of {@code
 * production.json} ({@link Storage#writeAtomically}). A crash at any point leaves the previous version in production
 * and the registry consistent: at worst a published version nobody points to. History lines are appended by
 * replacing the whole file atomically (it holds one line per night: small).
 */
public final class ModelRegistry {
  public static final String VERSIONS = "versions";
  public static final String POINTER = "production.json";
  public static final String HISTORY = "history.jsonl";
  public static final String MANIFEST = "manifest.json";
  public static final String FEATURES = "features";
  public static final String LOCK = "_lock";
  public static final String VERSION_FILE = "version.json";
  /** The field of {@code version.json} that says whether the published copy predicts as the trained model did. */
  public static final String INFRA_CHECK = "infra_check";
  /** {@link #INFRA_CHECK} from publication until the check ends. */
  public static final String INFRA_PENDING = "pending";
  public static final String INFRA_PASSED = "passed";
  /** The prefix of {@link #INFRA_CHECK} when the check failed; the reason follows it. */
  public static final String INFRA_FAILED = "failed: ";
  private static final Pattern VERSION = Pattern.compile("v\\d{6}");
  static final ObjectMapper JSON = new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private final Storage st;
  private final String root;

  public ModelRegistry(Storage st, String root) {
    this.st = st;
    this.root = root;
  }

  public String root() {
    return root;
  }

  /** The most versions a pointer remembers as having been in production before the current one. */
  public static final int TRAIL = 20;

  /**
   * The pointer to production.
   *
   * @param version the version in production
   * @param before the versions in production before it, the latest first (at most {@link #TRAIL}): where {@link
   *     #rollback} goes, one step at a time
   * @param switchedAt when the pointer last changed
   * @param reason why
   */
  public record Pointer(String version, List<String> before, String switchedAt, String reason) {
    public Pointer {
      before = List.copyOf(before);
    }

    /** The version in production before this one, or null. */
    public String previous() {
      return before.isEmpty() ? null : before.get(0);
    }
  }

  /** Takes the registry's lock (one run at a time). */
  public FileLock lock(String purpose, boolean breakExisting) throws IOException {
    st.mkdirs(root);
    return FileLock.acquire(st, path(LOCK), purpose, breakExisting);
  }

  public String path(String name) {
    return Storage.resolve(root, name);
  }

  public String versionDir(String version) {
    return Storage.resolve(path(VERSIONS), version);
  }

  /**
   * The published versions, oldest first: the version directories holding their {@code version.json}, which is
   * written last when a version is published and deleted first when it is removed. A directory without it is a
   * publication or a deletion cut short (on object stores, where a directory moves file by file, part of one).
   */
  public List<String> versions() throws IOException {
    List<String> v = new ArrayList<>();
    for (String name : versionDirs()) {
      if (published(name)) {
        v.add(name);
      }
    }
    return v;
  }

  /** Whether the version directory {@code name} holds its {@code version.json}: a whole, listed version. */
  private boolean published(String name) throws IOException {
    return st.exists(Storage.resolve(versionDir(name), VERSION_FILE));
  }

  /** The names of every version directory, published or not, in order. */
  private List<String> versionDirs() throws IOException {
    List<String> v = new ArrayList<>();
    for (FileStatus s : st.list(path(VERSIONS))) {
      String name = s.getPath().getName();
      if (s.isDirectory() && VERSION.matcher(name).matches()) {
        v.add(name);
      }
    }
    return v;
  }

  /** The name the next published version gets: after every version directory, so no name is ever used twice. */
  String nextVersion() throws IOException {
    List<String> v = versionDirs();
    int n = v.isEmpty() ? 0 : Integer.parseInt(v.get(v.size() - 1).substring(1));
    return String.format("v%06d", n + 1);
  }

  /** The production pointer, or empty before the first promotion. */
  public Optional<Pointer> production() throws IOException {
    if (!st.exists(path(POINTER))) {
      return Optional.empty();
    }
    JsonNode n = JSON.readTree(st.readBytes(path(POINTER), 1 << 20));
    List<String> before = new ArrayList<>();
    if (n.path("before").isArray()) {
      n.get("before").forEach(v -> before.add(v.asText()));
    } else if (n.path("previous").isTextual()) {
      before.add(n.get("previous").asText()); // a pointer written before the trail was kept
    }
    return Optional.of(new Pointer(n.path("version").asText(), before, n.path("switched_at").asText(),
        n.path("reason").asText()));
  }

  /**
   * Publishes the model in directory {@code modelDir} as a new version (its checksummed files, {@code training.json}
   * among them when it has one; an older model's unlisted {@code training.json} is copied too), with {@code info} as
   * its {@code version.json}: the files are written under a temporary name, moved to the version's, verified by
   * loading them back from there, and only then is {@code version.json} written, which makes the version listed.
   * Does not touch the production pointer.
   *
   * @return the new version's name
   * @throws org.facealign.model.ModelFormatException if the published copy does not load
   */
  public String publish(String modelDir, ObjectNode info) throws IOException {
    Map<String, byte[]> files = ModelStore.readFiles(st, modelDir);
    ModelStore.decode(files, modelDir); // refuse to publish a model that does not verify
    String version = nextVersion();
    String tmp = Storage.resolve(path(VERSIONS), "." + version + ".tmp-" + UUID.randomUUID());
    // every file and directory entry on disk before the version is named: the pointer, synced when it switches,
    // must never name a version a power cut could leave empty
    java.util.TreeSet<String> dirs = new java.util.TreeSet<>(java.util.Comparator.reverseOrder());
    for (Map.Entry<String, byte[]> f : files.entrySet()) {
      String path = Storage.resolve(tmp, f.getKey());
      st.writeDurably(path, f.getValue());
      dirs.add(new org.apache.hadoop.fs.Path(path).getParent().toString());
    }
    String training = Storage.resolve(modelDir, ModelStore.TRAINING);
    if (!files.containsKey(ModelStore.TRAINING) && st.exists(training)) {
      // a model saved before training.json was part of it: the file is copied as it is, unverified
      st.writeDurably(Storage.resolve(tmp, ModelStore.TRAINING), st.readBytes(training, 64L << 20));
    }
    for (String d : dirs) {
      st.syncDirectory(d); // deepest first, then the version's own directory
    }
    ObjectNode v = info.deepCopy();
    v.put("version", version);
    v.put("published_at", Instant.now().toString());
    v.put("model_id", ModelStore.fingerprint(files));
    st.rename(tmp, versionDir(version));
    st.syncDirectory(path(VERSIONS));
    load(version); // the published copy verifies
    st.writeAtomically(Storage.resolve(versionDir(version), VERSION_FILE),
        org.facealign.config.Secrets.redactText(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(v)));
    return version;
  }

  /**
   * Why the version whose {@code version.json} is {@code info} should not be put in production without being forced:
   * its infra check failed, or never ended (the night that published it died first); null when the check passed,
   * or when the version was published by a release that recorded only failed checks.
   */
  public static String unverified(JsonNode info) {
    JsonNode c = info.path(INFRA_CHECK);
    if (c.isMissingNode() || INFRA_PASSED.equals(c.asText())) {
      return null;
    }
    return INFRA_PENDING.equals(c.asText()) ? "its infra check never ended (the run that published it stopped first)"
        : "its infra check " + c.asText();
  }

  /** Loads and verifies {@code version}. */
  public LandmarkModel load(String version) {
    return ModelStore.load(st, versionDir(version));
  }

  /** Sets {@code field} of {@code version}'s {@code version.json} to {@code value} (the file replaced whole). */
  public void annotate(String version, String field, String value) throws IOException {
    ObjectNode n = (ObjectNode) info(version);
    n.put(field, value);
    st.writeAtomically(Storage.resolve(versionDir(version), VERSION_FILE),
        org.facealign.config.Secrets.redactText(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(n)));
  }

  /** The {@code version.json} of {@code version}. */
  public JsonNode info(String version) throws IOException {
    return JSON.readTree(st.readBytes(Storage.resolve(versionDir(version), VERSION_FILE), 1 << 24));
  }

  /**
   * Points production at {@code version} in one atomic step; the current one becomes {@code previous}, at the head of
   * the versions {@link #rollback} goes back through.
   */
  public Pointer switchTo(String version, String reason) throws IOException {
    Optional<Pointer> current = production();
    List<String> before = new ArrayList<>();
    if (current.isPresent() && !current.get().version().equals(version)) {
      before.add(current.get().version());
    }
    current.ifPresent(c -> before.addAll(c.before()));
    return point(version, before, reason);
  }

  /**
   * Points production back at the version in production before the current one; the current one is not remembered,
   * so a second rollback goes one step further back, never to the version rolled back from.
   */
  public Pointer rollback(String reason) throws IOException {
    Pointer p = production().orElseThrow(() -> new IllegalArgumentException(root + " has no version in production"));
    if (p.previous() == null) {
      throw new IllegalArgumentException(root + ": " + p.version() + " has no previous version to roll back to");
    }
    return point(p.previous(), p.before().subList(1, p.before().size()), reason);
  }

  /** Writes the pointer to {@code version} (verified first), with {@code before} as its trail (itself left out). */
  private Pointer point(String version, List<String> before, String reason) throws IOException {
    if (!st.isDirectory(versionDir(version))) {
      throw new IllegalArgumentException("no version " + version + " in " + root + " (versions: " + versions() + ")");
    }
    load(version);
    List<String> trail = before.stream().filter(v -> !v.equals(version)).distinct().limit(TRAIL).toList();
    Pointer p = new Pointer(version, trail, Instant.now().toString(), reason);
    ObjectNode n = JSON.createObjectNode();
    n.put("version", p.version());
    n.put("previous", p.previous());
    n.set("before", JSON.valueToTree(p.before()));
    n.put("switched_at", p.switchedAt());
    n.put("reason", p.reason());
    st.writeAtomically(path(POINTER),
        org.facealign.config.Secrets.redactText(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(n)));
    return p;
  }

  /** Appends one line to the history (the whole file is replaced atomically). */
  public void appendHistory(ObjectNode line) throws IOException {
    String path = path(HISTORY);
    String old = st.exists(path) ? new String(st.readBytes(path, 256L << 20), StandardCharsets.UTF_8) : "";
    String text = old + org.facealign.config.Secrets.redactText(JSON.writeValueAsString(line)) + "\n";
    st.writeAtomically(path, text.getBytes(StandardCharsets.UTF_8));
  }

  /** The history, oldest first. */
  public List<JsonNode> history() throws IOException {
    List<JsonNode> out = new ArrayList<>();
    String path = path(HISTORY);
    if (!st.exists(path)) {
      return out;
    }
    for (String line : new String(st.readBytes(path, 256L << 20), StandardCharsets.UTF_8).split("\n")) {
      if (!line.isBlank()) {
        out.add(JSON.readTree(line));
      }
    }
    return out;
  }

  /** The manifest of the last run that trained, or the empty one. */
  public DataManifest manifest() throws IOException {
    String path = path(MANIFEST);
    if (!st.exists(path)) {
      return DataManifest.empty();
    }
    try {
      return JSON.readValue(st.readBytes(path, 1L << 30), DataManifest.class);
    } catch (DataException e) {
      throw new IOException(e.getMessage(), e);
    }
  }

  public void writeManifest(DataManifest m) throws IOException {
    st.writeAtomically(path(MANIFEST), JSON.writeValueAsBytes(m));
  }

  /**
   * Deletes the oldest versions until at most {@code keep} remain, never the production version nor the one before
   * it (so a rollback stays possible).
   *
   * @return the versions deleted
   */
  public List<String> retain(int keep) throws IOException {
    // what crashed runs left: publications that never became a version, deletions that did not finish (the
    // directories of either without a version.json; the renamed ones of releases that moved a version out first)
    for (FileStatus s : st.list(path(VERSIONS))) {
      String name = s.getPath().getName();
      if (s.isDirectory() && (name.startsWith(DELETING) || (name.startsWith(".v") && name.contains(".tmp-"))
          || VERSION.matcher(name).matches() && !published(name))) {
        st.delete(s.getPath().toString());
      }
    }
    Optional<Pointer> p = production();
    List<String> all = versions();
    List<String> deleted = new ArrayList<>();
    for (String v : all) {
      if (all.size() - deleted.size() <= keep) {
        break;
      }
      boolean pinned = p.isPresent() && (v.equals(p.get().version()) || v.equals(p.get().previous()));
      if (!pinned) {
        // unlisted first, then deleted: a crash midway never leaves a half version listed
        st.delete(Storage.resolve(versionDir(v), VERSION_FILE));
        st.delete(versionDir(v));
        deleted.add(v);
      }
    }
    return deleted;
  }

  /** The prefix of a version directory being deleted. */
  private static final String DELETING = ".deleting-";
}

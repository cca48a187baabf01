package org.facealign.label;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.facealign.data.DataException;
import org.facealign.data.Storage;

/**
 * The on-disk layout of a labelled dataset and its commit protocol, on any Hadoop file system.
 *
 * <pre>
 *   OUT/summary.json              the commit record: the committed parts, their counts, and the paths to read
 *   OUT/parts/PART/faces/         Parquet, one row per face
 *   OUT/parts/PART/images/        Parquet, one status row per image
 *   OUT/overlays/                 sample pictures of the last run (not part of the data)
 *   OUT/_staging/RUN/             a run in progress: its chunks, and run.json (the chunks done, their files)
 *   OUT/_lock                     held while a run writes OUT
 * </pre>
 *
 * <p><b>The dataset is the parts {@code summary.json} lists</b>, and nothing else: its {@code faces} and {@code
 * images} arrays hold their directories (read them with {@code spark.read.parquet(*summary["faces"])}). The commit
 * point of every run is one atomic replacement of {@code summary.json} ({@link Storage#writeAtomically}): before
 * it, readers see the previous dataset, whole; after it, the new one. Part directories are written and renamed into
 * {@code parts/} before the commit, and those no longer listed are deleted after it, or at the next run's start if
 * the run died in between; a reader that lists {@code parts/} itself instead of reading {@code summary.json} can
 * see such leftovers.
 *
 * <p>A run labels its inputs in chunks; each finished chunk is recorded in {@code _staging/RUN/run.json}, so a run
 * that is killed can be resumed: a rerun with the same inputs, model, mode and row-changing settings labels only the
 * chunks not recorded. An incremental run commits each chunk as soon as it is written.
 */
public final class LabelDataset {
  public static final String SUMMARY = "summary.json";
  public static final String PARTS = "parts";
  public static final String STAGING = "_staging";
  public static final String LOCK = "_lock";
  public static final String OVERLAYS = "overlays";
  public static final String RUN_FILE = "run.json";
  public static final String FORMAT = "facealign-labels";
  public static final int FORMAT_VERSION = 1;

  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private LabelDataset() {}

  /**
   * One committed part: the faces and statuses of the images one chunk of one run labelled.
   *
   * @param id its directory name under {@code parts/}
   * @param runId the run that wrote it
   * @param modelId the fingerprint of the model that labelled it
   * @param created when it was committed, ISO-8601
   * @param tally what it holds
   */
  public record Part(String id, String runId, String modelId, String created, LabelTally tally) {}

  /**
   * A run in progress, as recorded in {@code _staging/RUN/run.json}.
   *
   * @param runId the run's id
   * @param mode "full" or "incremental"
   * @param modelId the model's fingerprint
   * @param inputs a fingerprint of the listed inputs (count, paths, boxes, problems) and of the settings that change
   *     a row
   * @param chunks how many chunks the inputs were split into
   * @param done the chunks written so far, with their tallies
   * @param files the files of each chunk written, by path relative to the chunk's directory, with their lengths: what
   *     a move of the chunk into {@code parts/} that was cut short must find on one side or the other
   */
  public record RunState(String runId, String mode, String modelId, String inputs, int chunks,
      TreeMap<Integer, LabelTally> done, TreeMap<Integer, TreeMap<String, Long>> files) {

    /**
     * Whether a run of {@code mode} with {@code modelId} on {@code inputs} in {@code chunks} can resume this one (a
     * run recorded without its chunks' files cannot).
     */
    public boolean resumableBy(String mode, String modelId, String inputs, int chunks) {
      return this.mode.equals(mode) && this.modelId.equals(modelId) && this.inputs.equals(inputs)
          && this.chunks == chunks && files != null && files.keySet().containsAll(done.keySet());
    }
  }

  public static String summaryPath(String out) {
    return Storage.resolve(out, SUMMARY);
  }

  public static String partDir(String out, String partId) {
    return Storage.resolve(Storage.resolve(out, PARTS), partId);
  }

  public static String stagingDir(String out, String runId) {
    return Storage.resolve(Storage.resolve(out, STAGING), runId);
  }

  /**
   * Where run {@code runId} keeps the labels of the chunk it is writing, so that every table and count of the chunk
   * is written from one computation of it (Spark's reliable checkpoint of the labelled images).
   */
  public static String checkpointDir(String out, String runId) {
    return Storage.resolve(stagingDir(out, runId), "_checkpoint");
  }

  /** The directory of chunk {@code k} of run {@code runId} while it is staged. */
  public static String chunkDir(String out, String runId, int k) {
    return Storage.resolve(stagingDir(out, runId), String.format("chunk-%05d", k));
  }

  /** The id of the part chunk {@code k} of run {@code runId} becomes. */
  public static String partId(String runId, int k) {
    return runId + String.format("-c%05d", k);
  }

  public static String faces(String dir) {
    return Storage.resolve(dir, "faces");
  }

  public static String images(String dir) {
    return Storage.resolve(dir, "images");
  }

  /** The committed parts of {@code out}; none when nothing was ever committed there. */
  public static List<Part> committed(Storage st, String out) {
    String path = summaryPath(out);
    JsonNode root;
    try {
      if (!st.exists(path)) {
        return List.of();
      }
      root = JSON.readTree(st.readBytes(path, 256L << 20));
    } catch (IOException | DataException e) {
      throw new IllegalArgumentException(path + " cannot be read: " + e.getMessage(), e);
    }
    if (!FORMAT.equals(root.path("format").asText())) {
      throw new IllegalArgumentException(out + " holds a " + SUMMARY + " that is not a labelled dataset's (format "
          + root.path("format").asText("none") + "); choose another --out");
    }
    int v = root.path("format_version").asInt(-1);
    if (v < 1 || v > FORMAT_VERSION) {
      throw new IllegalArgumentException(path + ": format version " + v + " is not readable by this build");
    }
    List<Part> parts = new ArrayList<>();
    for (JsonNode p : root.path("parts")) {
      try {
        parts.add(new Part(p.path("id").asText(), p.path("run_id").asText(), p.path("model_id").asText(),
            p.path("created").asText(), JSON.treeToValue(p.path("tally"), LabelTally.class)));
      } catch (IOException e) {
        throw new IllegalArgumentException(path + ": part " + p.path("id").asText() + " is unreadable: " + e.getMessage(), e);
      }
    }
    return parts;
  }

  /** The run recorded in {@code _staging}, or null. */
  public static RunState stagedRun(Storage st, String out) throws IOException {
    for (FileStatus s : st.list(Storage.resolve(out, STAGING))) {
      String runFile = Storage.resolve(s.getPath().toString(), RUN_FILE);
      if (s.isDirectory() && st.exists(runFile)) {
        try {
          return JSON.readValue(st.readBytes(runFile, 64L << 20), RunState.class);
        } catch (IOException | DataException e) {
          return null; // unreadable: the run cannot be resumed, and its directory is removed
        }
      }
    }
    return null;
  }

  /** Records {@code run}'s progress (atomically). */
  public static void recordRun(Storage st, String out, RunState run) throws IOException {
    st.writeAtomically(Storage.resolve(stagingDir(out, run.runId()), RUN_FILE), JSON.writeValueAsBytes(run));
  }

  /**
   * The files of a written chunk ({@code files}, relative path to length) that are whole neither in its staging
   * directory {@code staged} nor in its part directory {@code target}: none when the chunk can be moved into place.
   */
  public static List<String> lostChunkFiles(Storage st, String staged, String target, Map<String, Long> files)
      throws IOException {
    return lost(files, st.filesUnder(staged), st.filesUnder(target));
  }

  /** The {@code files} (path to length) whole in neither listing {@code a} nor {@code b}. */
  private static List<String> lost(Map<String, Long> files, Map<String, Long> a, Map<String, Long> b) {
    List<String> lost = new ArrayList<>();
    files.forEach((f, len) -> {
      if (!len.equals(a.get(f)) && !len.equals(b.get(f))) {
        lost.add(f);
      }
    });
    return lost;
  }

  /**
   * Moves a written chunk from its staging directory {@code staged} into its part directory {@code target}, unless it
   * is there already. When both exist, a move that copies file by file was cut short (object stores: S3A's rename
   * deletes the sources it has copied while it copies the rest, so each side can hold part of the chunk); the two
   * sides are merged file by file against {@code files}, the chunk's files as written: a whole staged copy of a file
   * wins over the target's, which may be the cut one, and files of the target that are not the chunk's are removed.
   * On a file system whose rename is atomic the two never exist together.
   *
   * @throws IllegalStateException naming the files if some are whole on neither side: nothing is moved then
   */
  public static void moveChunk(Storage st, String staged, String target, Map<String, Long> files) throws IOException {
    boolean hasStaged = st.exists(staged);
    if (!hasStaged || st.exists(target)) {
      Map<String, Long> stagedFiles = st.filesUnder(staged);
      List<String> lost = lost(files, stagedFiles, st.filesUnder(target));
      if (!lost.isEmpty()) {
        throw new IllegalStateException("neither " + staged + " nor " + target + " holds " + lost.size() + " of the "
            + "chunk's " + files.size() + " files whole: " + lost);
      }
      if (!hasStaged) {
        return;
      }
      for (Map.Entry<String, Long> f : files.entrySet()) {
        if (f.getValue().equals(stagedFiles.get(f.getKey()))) {
          String from = Storage.resolve(staged, f.getKey());
          String to = Storage.resolve(target, f.getKey());
          st.delete(to);
          st.mkdirs(new Path(to).getParent().toString());
          st.rename(from, to);
        }
      }
      for (String f : st.filesUnder(target).keySet()) {
        if (!files.containsKey(f)) {
          st.delete(Storage.resolve(target, f)); // not the chunk's: the remains of a write cut short
        }
      }
      st.delete(staged);
      return;
    }
    st.mkdirs(new Path(target).getParent().toString());
    st.rename(staged, target);
  }

  /**
   * Removes what no committed state refers to: part directories {@code summary.json} does not list, and staged runs,
   * except those of run {@code keepRun} (null: none kept).
   *
   * @return the paths removed
   */
  public static List<String> collectGarbage(Storage st, String out, List<Part> committed, String keepRun)
      throws IOException {
    Set<String> live = new HashSet<>();
    committed.forEach(p -> live.add(p.id()));
    List<String> removed = new ArrayList<>();
    for (FileStatus s : st.list(Storage.resolve(out, PARTS))) {
      String name = s.getPath().getName();
      if (!live.contains(name) && (keepRun == null || !name.startsWith(keepRun + "-"))) {
        st.delete(s.getPath().toString());
        removed.add(s.getPath().toString());
      }
    }
    for (FileStatus s : st.list(Storage.resolve(out, STAGING))) {
      if (!s.getPath().getName().equals(keepRun)) {
        st.delete(s.getPath().toString());
        removed.add(s.getPath().toString());
      }
    }
    return removed;
  }

  /**
   * Commits {@code parts} as the dataset: writes {@code summary.json} in one atomic step.
   *
   * @param header the run's fields of the summary (model, last run, ...); the counts of the current model's parts,
   *     the parts and their paths are added
   * @param modelId the current model: the summary's top-level counts are those of its parts
   */
  public static ObjectNode commit(Storage st, String out, List<Part> parts, String modelId, ObjectNode header)
      throws IOException {
    ObjectNode root = JSON.createObjectNode();
    root.put("format", FORMAT);
    root.put("format_version", FORMAT_VERSION);
    LabelTally mine = new LabelTally();
    TreeMap<String, LabelTally> byModel = new TreeMap<>();
    for (Part p : parts) {
      byModel.computeIfAbsent(p.modelId(), k -> new LabelTally()).merge(p.tally());
      if (p.modelId().equals(modelId)) {
        mine.merge(p.tally());
      }
    }
    root.setAll(mine.figures());
    root.setAll(header);
    ArrayNode faces = root.putArray("faces");
    ArrayNode images = root.putArray("images");
    ArrayNode list = root.putArray("parts");
    for (Part p : parts) {
      String dir = st.qualify(partDir(out, p.id()));
      faces.add(faces(dir));
      images.add(images(dir));
      ObjectNode n = list.addObject();
      n.put("id", p.id());
      n.put("run_id", p.runId());
      n.put("model_id", p.modelId());
      n.put("created", p.created());
      n.put("images_in", p.tally().imagesIn);
      n.put("faces_out", p.tally().facesOut);
      n.set("tally", JSON.valueToTree(p.tally()));
    }
    if (byModel.size() > 1) {
      ObjectNode bm = root.putObject("by_model");
      byModel.forEach((k, v) -> {
        ObjectNode m = bm.putObject(k);
        m.put("images_in", v.imagesIn);
        m.put("images_with_faces", v.imagesWithFaces);
        m.put("faces_out", v.facesOut);
        m.put("no_face", v.noFace);
        m.put("failed", v.failed);
      });
    }
    st.writeAtomically(summaryPath(out), org.facealign.config.Secrets.redactText(JSON.writeValueAsBytes(root)));
    return root;
  }
}

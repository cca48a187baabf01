package org.facealign.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.FileStatus;
import org.facealign.data.DataException;
import org.facealign.data.Hashes;
import org.facealign.data.LandmarkScheme;
import org.facealign.data.Storage;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Saves and loads models as a versioned directory, on any Hadoop file system:
 *
 * <pre>
 *   model.json        format, format_version, kind, scheme, box policy, provenance, hyper-parameters,
 *                     and the list of arrays
 *   config.conf       the configuration the model was trained with
 *   arrays/NAME.npy   each parameter array, in NumPy's .npy format (readable from Python)
 *   training.json     what training measured (trained models only); its SHA-256 is also in model.json's provenance
 *   SHA256SUMS        the SHA-256 of every file above, in sha256sum's format
 * </pre>
 *
 * <p>Loading reads {@code SHA256SUMS} first and refuses a model whose files are missing or do not
 * match it, whose format version is newer than this build knows, or whose kind has no codec; every checksum is
 * verified before {@code model.json} is parsed or any array decoded. The names {@code SHA256SUMS} lists must stay
 * inside the model directory (no {@code ..}, no absolute path or URI), so an edited checksum file cannot make loading
 * read files elsewhere. A model whose provenance records a {@code training.json} must list it in {@code SHA256SUMS} with
 * that hash, and one that lists it must record it, so the file can be neither dropped nor slipped in. A model saved
 * without one (a mean-shape model, or one saved before {@code training.json} was part of the model) loads as before.
 * Nothing is ever read with Java deserialisation: JSON and .npy only. Saving writes into a temporary sibling
 * directory and renames it into place, so a reader never sees half a model.
 */
public final class ModelStore {
  /** The format name in {@code model.json}. */
  public static final String FORMAT = "facealign-model";
  /** The format version this build writes and the newest it reads. */
  public static final int FORMAT_VERSION = 1;
  /** The checksum file. */
  public static final String SUMS = "SHA256SUMS";
  /** What training measured (Tables 1 and 2, the per-stage errors, the epoch history), part of a trained model. */
  public static final String TRAINING = "training.json";

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final Pattern ARRAY_NAME = Pattern.compile("[A-Za-z0-9_.]+");
  /** A file name {@code SHA256SUMS} may list: relative, '/'-separated, plain characters, no '.' or '..' segment. */
  private static final Pattern FILE_NAME = Pattern.compile("(?!\\.{1,2}(/|$))[A-Za-z0-9_.-]+(/(?!\\.{1,2}(/|$))[A-Za-z0-9_.-]+)*");
  private static final Map<String, ModelCodec<?>> CODECS = new ConcurrentHashMap<>();

  static {
    register(MeanShapeModel.CODEC);
    for (org.facealign.model.deepreg.Variant v : org.facealign.model.deepreg.Variant.values()) {
      register(org.facealign.model.deepreg.DeepRegModel.codec(v));
    }
    register(org.facealign.model.msrrn.MsrrnModel.CODEC);
  }

  private ModelStore() {}

  /** Makes a kind of model loadable. */
  public static void register(ModelCodec<?> codec) {
    CODECS.put(codec.kind(), codec);
  }

  /** The files of a saved model, by relative name, without a {@code training.json}. */
  public static <M extends LandmarkModel> Map<String, byte[]> encode(M model) {
    return encode(model, null);
  }

  /**
   * The files of a saved model, by relative name: with {@code training} (when not null) as its {@link #TRAINING},
   * covered by {@code SHA256SUMS} and with its SHA-256 recorded in model.json's provenance. The provenance's own
   * {@link Provenance#trainingHash()} is not used: the hash is always that of {@code training}.
   */
  public static <M extends LandmarkModel> Map<String, byte[]> encode(M model, byte[] training) {
    @SuppressWarnings("unchecked")
    ModelCodec<M> codec = (ModelCodec<M>) codecFor(model.header().kind());
    if (!codec.modelClass().isInstance(model)) {
      throw new IllegalArgumentException("model of kind " + model.header().kind() + " is a " + model.getClass().getName());
    }
    ModelHeader h = model.header();
    Map<String, byte[]> files = new LinkedHashMap<>();
    ObjectNode root = JSON.createObjectNode();
    root.put("format", FORMAT);
    root.put("format_version", FORMAT_VERSION);
    root.put("kind", h.kind());
    root.set("scheme", schemeJson(h.scheme()));
    ObjectNode box = root.putObject("box_policy");
    box.put("name", h.boxPolicy());
    box.put("margin", h.boxMargin());
    Provenance p = h.provenance();
    ObjectNode prov = root.putObject("provenance");
    prov.put("data_hash", p.dataHash());
    prov.put("training_faces", p.trainingFaces());
    prov.put("seed", p.seed());
    prov.put("git_revision", p.gitRevision());
    prov.put("version", p.version());
    prov.put("created_at", p.createdAt());
    prov.put("config_hash", p.configHash());
    if (training != null) {
      prov.put("training_hash", Hashes.sha256(training));
    }
    root.set("hyper", codec.hyper(model));
    ObjectNode arrays = root.putObject("arrays");
    for (Map.Entry<String, INDArray> e : codec.arrays(model).entrySet()) {
      String name = e.getKey();
      if (!ARRAY_NAME.matcher(name).matches()) {
        throw new IllegalArgumentException("array name must be letters, digits, '_' or '.': " + name);
      }
      String file = "arrays/" + name + ".npy";
      files.put(file, Nd4j.toNpyByteArray(e.getValue()));
      ObjectNode a = arrays.putObject(name);
      a.put("file", file);
      ArrayNode shape = a.putArray("shape");
      for (long d : e.getValue().shape()) {
        shape.add(d);
      }
      a.put("dtype", e.getValue().dataType().toString());
    }
    try {
      files.put("model.json", JSON.writeValueAsBytes(root));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    files.put("config.conf", (p.config() == null ? "" : p.config()).getBytes(StandardCharsets.UTF_8));
    if (training != null) {
      files.put(TRAINING, training);
    }
    StringBuilder sums = new StringBuilder();
    for (Map.Entry<String, byte[]> e : files.entrySet()) {
      sums.append(Hashes.sha256(e.getValue())).append("  ").append(e.getKey()).append('\n');
    }
    files.put(SUMS, sums.toString().getBytes(StandardCharsets.UTF_8));
    return files;
  }

  /**
   * Rebuilds a model from its files, verifying every checksum first.
   *
   * @param source where the files came from, for error messages
   */
  public static LandmarkModel decode(Map<String, byte[]> files, String source) {
    byte[] sums = files.get(SUMS);
    if (sums == null) {
      throw new ModelFormatException(source + ": not a facealign model (no " + SUMS + ")");
    }
    Map<String, String> expected = new LinkedHashMap<>();
    for (String line : new String(sums, StandardCharsets.UTF_8).split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      int sp = line.indexOf("  ");
      if (sp != 64) {
        throw new ModelFormatException(source + ": malformed line in " + SUMS + ": " + line);
      }
      checkFileName(source, line.substring(sp + 2));
      expected.put(line.substring(sp + 2), line.substring(0, sp));
    }
    if (!expected.containsKey("model.json")) {
      throw new ModelFormatException(source + ": " + SUMS + " does not list model.json");
    }
    for (Map.Entry<String, String> e : expected.entrySet()) {
      byte[] b = files.get(e.getKey());
      if (b == null) {
        throw new ModelFormatException(source + ": file " + e.getKey() + " listed in " + SUMS + " is missing");
      }
      if (!Hashes.sha256(b).equals(e.getValue())) {
        throw new ModelFormatException(source + ": checksum mismatch for " + e.getKey() + " (the file was altered or truncated)");
      }
    }
    try {
      JsonNode root = JSON.readTree(files.get("model.json"));
      if (!FORMAT.equals(root.path("format").asText())) {
        throw new ModelFormatException(source + ": model.json is not of format " + FORMAT);
      }
      int version = root.path("format_version").asInt(-1);
      if (version < 1 || version > FORMAT_VERSION) {
        throw new ModelFormatException(source + ": format version " + version + " is not readable by this build (reads 1.." + FORMAT_VERSION + ")");
      }
      String kind = root.path("kind").asText();
      ModelCodec<?> codec = codecFor(kind);
      JsonNode prov = root.path("provenance");
      byte[] conf = files.get("config.conf");
      Provenance p = new Provenance(prov.path("data_hash").asText(), prov.path("training_faces").asLong(),
          prov.path("seed").asLong(), prov.path("git_revision").asText(), prov.path("version").asText(),
          prov.path("created_at").asText(), prov.path("config_hash").asText(),
          conf == null ? "" : new String(conf, StandardCharsets.UTF_8), prov.path("training_hash").asText());
      checkTraining(source, p.trainingHash(), expected.get(TRAINING));
      JsonNode box = root.path("box_policy");
      ModelHeader header = new ModelHeader(kind, schemeFrom(root.path("scheme")), box.path("name").asText(),
          box.path("margin").asDouble(), p);
      Map<String, INDArray> arrays = new LinkedHashMap<>();
      var it = root.path("arrays").fields();
      while (it.hasNext()) {
        var e = it.next();
        String file = e.getValue().path("file").asText();
        if (!expected.containsKey(file)) {
          throw new ModelFormatException(source + ": array file " + file + " is not covered by " + SUMS);
        }
        arrays.put(e.getKey(), Nd4j.createNpyFromByteArray(files.get(file)));
      }
      return codec.build(header, root.path("hyper"), arrays);
    } catch (IOException e) {
      throw new ModelFormatException(source + ": model.json is not valid JSON: " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new ModelFormatException(source + ": " + e.getMessage(), e);
    }
  }

  /** Saves a model into directory {@code dir}, replacing any model there, atomically. */
  public static void save(LandmarkModel model, Storage storage, String dir) throws IOException {
    save(model, storage, dir, null);
  }

  /**
   * Saves a model with {@code training} (when not null) as its {@link #TRAINING} into directory {@code dir},
   * replacing any model there, atomically.
   */
  public static void save(LandmarkModel model, Storage storage, String dir, byte[] training) throws IOException {
    storage.writeDirectory(dir, encode(model, training));
  }

  /**
   * The files of the model in {@code modelDir} (only those its checksum file lists, plus that file). Where a {@link
   * #save} was interrupted between putting the old model aside and the new one in place, the old model is read
   * ({@link Storage#readableDirectory}), and every message names the directory read.
   */
  public static Map<String, byte[]> readFiles(Storage storage, String modelDir) {
    String dir;
    try {
      dir = storage.readableDirectory(modelDir);
      if (!storage.isDirectory(dir)) {
        throw new ModelFormatException(modelDir + ": no model directory there");
      }
    } catch (IOException e) {
      throw new ModelFormatException(modelDir + ": cannot read: " + e.getMessage(), e);
    }
    Map<String, byte[]> files = new LinkedHashMap<>();
    byte[] sums;
    try {
      sums = storage.readBytes(Storage.resolve(dir, SUMS), 1L << 20);
    } catch (DataException e) {
      throw new ModelFormatException(dir + ": not a facealign model (" + e.getMessage() + ")");
    }
    files.put(SUMS, sums);
    for (String line : new String(sums, StandardCharsets.UTF_8).split("\n")) {
      if (line.length() > 66) {
        String name = line.substring(66);
        checkFileName(dir, name);
        try {
          files.put(name, storage.readBytes(Storage.resolve(dir, name), Long.MAX_VALUE));
        } catch (DataException e) {
          if (!e.reason().equals("file not found")) {
            throw new ModelFormatException(dir + ": cannot read " + name + ": " + e.reason(), e);
          }
          // a missing file: decode() reports it with the model's name
        }
      }
    }
    return files;
  }

  /**
   * Refuses a model whose provenance records a {@link #TRAINING} that {@code SHA256SUMS} does not list (or lists
   * with another hash), or whose {@code SHA256SUMS} lists one its provenance does not record.
   *
   * @param recorded the hash in model.json's provenance, empty when none
   * @param listed the hash in {@code SHA256SUMS} (already verified against the file), null when not listed
   */
  private static void checkTraining(String source, String recorded, String listed) {
    if (recorded.isEmpty() && listed != null) {
      throw new ModelFormatException(source + ": " + SUMS + " lists " + TRAINING
          + " but model.json's provenance does not record it");
    }
    if (!recorded.isEmpty() && listed == null) {
      throw new ModelFormatException(source + ": model.json's provenance records " + TRAINING + " (" + recorded
          + ") but " + SUMS + " does not list it");
    }
    if (!recorded.isEmpty() && !recorded.equals(listed)) {
      throw new ModelFormatException(source + ": " + TRAINING + " is not the one model.json's provenance records ("
          + recorded + ", " + SUMS + " has " + listed + ")");
    }
  }

  /** Refuses a name in {@code SHA256SUMS} that would reach outside the model directory. */
  private static void checkFileName(String source, String name) {
    if (!FILE_NAME.matcher(name).matches()) {
      throw new ModelFormatException(source + ": " + SUMS + " lists a file name that is not a plain relative path "
          + "inside the model directory: '" + name + "'");
    }
  }

  /** Loads and verifies the model in {@code dir}. */
  public static LandmarkModel load(Storage storage, String dir) {
    return decode(readFiles(storage, dir), dir);
  }

  /** Lists the entries of a model directory (for diagnostics). */
  public static List<FileStatus> list(Storage storage, String dir) throws IOException {
    return storage.list(dir);
  }

  /** A stable identity of a saved model: the SHA-256 of its checksum file. */
  public static String fingerprint(Map<String, byte[]> files) {
    byte[] sums = files.get(SUMS);
    return sums == null ? "none" : Hashes.sha256(sums);
  }

  private static ModelCodec<?> codecFor(String kind) {
    ModelCodec<?> c = CODECS.get(kind);
    if (c == null) {
      throw new ModelFormatException("no codec for model kind '" + kind + "' in this build (known: " + CODECS.keySet() + ")");
    }
    return c;
  }

  private static ObjectNode schemeJson(LandmarkScheme s) {
    ObjectNode n = JSON.createObjectNode();
    n.put("points", s.numPoints());
    ArrayNode flip = n.putArray("flip_map");
    for (int i : s.flipMap()) {
      flip.add(i);
    }
    n.putArray("eye_a").add(s.eyeA()[0]).add(s.eyeA()[1]);
    n.putArray("eye_b").add(s.eyeB()[0]).add(s.eyeB()[1]);
    n.putArray("outer_corners").add(s.outerCornerA()).add(s.outerCornerB());
    return n;
  }

  private static LandmarkScheme schemeFrom(JsonNode n) {
    int[] flip = ints(n.path("flip_map"));
    int[] corners = ints(n.path("outer_corners"));
    if (corners.length != 2) {
      throw new IllegalArgumentException("scheme.outer_corners needs two indices");
    }
    return new LandmarkScheme(n.path("points").asInt(), flip, ints(n.path("eye_a")), ints(n.path("eye_b")),
        corners[0], corners[1]);
  }

  private static int[] ints(JsonNode a) {
    int[] r = new int[a.size()];
    for (int i = 0; i < r.length; i++) {
      r[i] = a.get(i).asInt();
    }
    return r;
  }
}

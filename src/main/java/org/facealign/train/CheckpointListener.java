package org.facealign.train;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.FileStatus;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.facealign.data.Storage;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the training state after every epoch to {@code DIR/epoch-NNNNN/} on any Hadoop file system: {@code
 * graph.zip} (DL4J's model file: configuration JSON with the learning rate and iteration counters,
 * parameters, updater state; stored uncompressed, {@link #writeGraph}), {@code best-params.bin} (ND4J binary) and
 * {@code state.properties} (epoch, learning rate, best error and epoch, early-stopping counters, per-epoch
 * history), and {@code SHA256SUMS} (sha256sum's format) over the three, which {@link #readLatest} verifies before
 * it reads anything else: a checkpoint altered or truncated after it was written is refused with the file named.
 * Each checkpoint is written whole ({@link Storage#writeDirectory}: durably, into a hidden sibling, then renamed into
 * place), so a reader sees whole checkpoints only; the {@code keep} newest are kept.
 */
public final class CheckpointListener implements TrainingListener {
  private static final Logger LOG = LoggerFactory.getLogger(CheckpointListener.class);
  private static final Pattern NAME = Pattern.compile("epoch-(\\d+)");
  static final String GRAPH = "graph.zip";
  static final String BEST = "best-params.bin";
  static final String STATE = "state.properties";
  static final String SUMS = "SHA256SUMS";
  /** The largest checkpoint file read back. */
  private static final long MAX_BYTES = 4L << 30;

  private final Storage storage;
  private final String dir;
  private final int keep;

  /** Keeps the two newest checkpoints. */
  public CheckpointListener(Storage storage, String dir) {
    this(storage, dir, 2);
  }

  public CheckpointListener(Storage storage, String dir, int keep) {
    if (keep < 1) {
      throw new IllegalArgumentException("keep must be at least 1, got " + keep);
    }
    this.storage = storage;
    this.dir = dir;
    this.keep = keep;
  }

  @Override
  public void onEpochEnd(EpochInfo info) {
    try {
      write(storage, dir, info.state());
      prune();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the checkpoint of epoch " + info.stats().epoch() + " to " + dir, e);
    }
  }

  static String name(int epoch) {
    return String.format(Locale.ROOT, "epoch-%05d", epoch);
  }

  /** Writes {@code st} as {@code dir/epoch-NNNNN}, atomically. */
  static void write(Storage storage, String dir, TrainingState st) throws IOException {
    java.util.Map<String, byte[]> files = new java.util.LinkedHashMap<>();
    java.io.ByteArrayOutputStream graph = new java.io.ByteArrayOutputStream();
    writeGraph(st.graph, graph);
    files.put(GRAPH, graph.toByteArray());
    java.io.ByteArrayOutputStream best = new java.io.ByteArrayOutputStream();
    Nd4j.write(best, st.bestParams);
    files.put(BEST, best.toByteArray());
    Properties p = new Properties();
    p.setProperty("epoch", Integer.toString(st.epoch));
    p.setProperty("learningRate", Double.toString(st.learningRate));
    p.setProperty("bestError", Double.toString(st.bestError));
    p.setProperty("bestEpoch", Integer.toString(st.bestEpoch));
    p.setProperty("sinceImprovement", Integer.toString(st.sinceImprovement));
    p.setProperty("sinceDrop", Integer.toString(st.sinceDrop));
    p.setProperty("stopped", Boolean.toString(st.stopped));
    p.setProperty("history.count", Integer.toString(st.history.size()));
    for (int i = 0; i < st.history.size(); i++) {
      p.setProperty("history." + i, st.history.get(i).encode());
    }
    StringWriter w = new StringWriter();
    p.store(w, "facealign joint training state");
    files.put(STATE, w.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    StringBuilder sums = new StringBuilder();
    for (java.util.Map.Entry<String, byte[]> f : files.entrySet()) {
      sums.append(org.facealign.data.Hashes.sha256(f.getValue())).append("  ").append(f.getKey()).append('\n');
    }
    files.put(SUMS, sums.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    storage.writeDirectory(Storage.resolve(dir, name(st.epoch)), files);
  }

  /**
   * {@code g} with its updater state as DL4J's model archive, the entries {@code ModelSerializer.writeModel(g, out,
   * true)} writes with the same contents (which {@code ModelSerializer.restoreComputationGraph} reads back), but not
   * compressed: the archive is float weights and updater state, which deflating shrinks little (DeepReg's: 46.1 MB
   * against 50.2 MB stored) at a cost paid every epoch (README, DeepReg, "Joint training", and the time between
   * epochs below its Table 1).
   */
  static void writeGraph(ComputationGraph g, OutputStream out) throws IOException {
    INDArray params = g.params();
    if (params == null) {
      throw new IllegalArgumentException("a graph without parameters has no checkpoint");
    }
    java.util.zip.ZipOutputStream zip = new java.util.zip.ZipOutputStream(out);
    zip.setLevel(java.util.zip.Deflater.NO_COMPRESSION);
    zip.putNextEntry(new java.util.zip.ZipEntry(ModelSerializer.CONFIGURATION_JSON));
    zip.write(g.getConfiguration().toJson().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    zip.putNextEntry(new java.util.zip.ZipEntry(ModelSerializer.COEFFICIENTS_BIN));
    java.io.DataOutputStream data = new java.io.DataOutputStream(new java.io.BufferedOutputStream(zip, 1 << 16));
    Nd4j.write(params, data);
    data.flush();
    INDArray state = g.getUpdater() == null ? null : g.getUpdater().getStateViewArray();
    if (state != null && state.length() > 0) {
      zip.putNextEntry(new java.util.zip.ZipEntry(ModelSerializer.UPDATER_BIN));
      Nd4j.write(state, data);
      data.flush();
    }
    zip.finish();
  }

  /** The epochs of the complete checkpoints in {@code dir}, ascending. */
  static List<Integer> epochs(Storage storage, String dir) throws IOException {
    List<Integer> r = new ArrayList<>();
    for (FileStatus s : storage.list(dir)) {
      Matcher m = NAME.matcher(s.getPath().getName());
      if (s.isDirectory() && m.matches()) {
        r.add(Integer.parseInt(m.group(1)));
      }
    }
    r.sort(null);
    return r;
  }

  private void prune() throws IOException {
    List<Integer> e = epochs(storage, dir);
    for (int i = 0; i + keep < e.size(); i++) {
      storage.delete(Storage.resolve(dir, name(e.get(i))));
    }
    removeLeftovers(storage, dir);
  }

  /** What a write cut short leaves in a checkpoint directory: a staged copy, or one set aside by a replacement. */
  private static final Pattern LEFTOVER = Pattern.compile("\\.epoch-\\d+\\.(tmp|old)-.+");

  /**
   * Deletes the staged and set-aside copies that writes cut short (a killed training) left in {@code dir}: after a
   * checkpoint has been written whole, no write of this training is under way, and {@link #readLatest} reads only
   * whole checkpoints. Returns their names.
   */
  static List<String> removeLeftovers(Storage storage, String dir) throws IOException {
    List<String> r = new ArrayList<>();
    for (FileStatus s : storage.list(dir)) {
      String name = s.getPath().getName();
      if (LEFTOVER.matcher(name).matches()) {
        storage.delete(Storage.resolve(dir, name));
        r.add(name);
      }
    }
    r.sort(null);
    return r;
  }

  /**
   * Refuses a checkpoint archive holding an entry DL4J's {@code ModelSerializer} would read with Java deserialisation
   * ({@code preprocessor.bin}, read through {@code ObjectInputStream}): facealign never writes one, and deserialising
   * what a shared folder holds could run any code on the classpath.
   *
   * @throws IOException naming {@code source} and the entry
   */
  static void refuseJavaSerialised(byte[] zip, String source) throws IOException {
    try (java.util.zip.ZipInputStream in = new java.util.zip.ZipInputStream(new ByteArrayInputStream(zip))) {
      for (java.util.zip.ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        if (e.getName().equals("preprocessor.bin")) {
          throw new IOException(source + ": holds preprocessor.bin, which would be read with Java deserialisation; "
              + "refused (facealign's checkpoints never have one)");
        }
      }
    }
  }

  /**
   * The three files of checkpoint {@code cp}, each read once and checked against {@code SHA256SUMS}.
   *
   * @throws IOException naming the file that is missing, unlisted or altered
   */
  static java.util.Map<String, byte[]> verified(Storage storage, String cp) throws IOException {
    String sumsPath = Storage.resolve(cp, SUMS);
    if (!storage.exists(sumsPath)) {
      throw new IOException(sumsPath + ": missing; a checkpoint without checksums is not resumed (delete " + cp
          + " to resume from an earlier one, or train without --resume)");
    }
    java.util.Map<String, String> listed = new java.util.HashMap<>();
    for (String line : storage.readText(sumsPath).split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      String[] f = line.trim().split("\\s+\\*?", 2);
      if (f.length != 2 || !f[0].matches("[0-9a-f]{64}")) {
        throw new IOException(sumsPath + ": malformed line '" + line + "'");
      }
      listed.put(f[1], f[0]);
    }
    java.util.Map<String, byte[]> out = new java.util.HashMap<>();
    for (String name : List.of(GRAPH, BEST, STATE)) {
      String path = Storage.resolve(cp, name);
      String want = listed.get(name);
      if (want == null) {
        throw new IOException(sumsPath + ": does not list " + name);
      }
      if (!storage.exists(path)) {
        throw new IOException(path + ": missing from the checkpoint");
      }
      byte[] bytes = storage.readBytes(path, MAX_BYTES);
      if (!org.facealign.data.Hashes.sha256(bytes).equals(want)) {
        throw new IOException(path + ": checksum mismatch (the file was altered or truncated after it was written)");
      }
      out.put(name, bytes);
    }
    return out;
  }

  /** The newest checkpoint of {@code dir}, or null if there is none. */
  static TrainingState readLatest(Storage storage, String dir) throws IOException {
    List<Integer> e = epochs(storage, dir);
    if (e.isEmpty()) {
      return null;
    }
    String cp = Storage.resolve(dir, name(e.get(e.size() - 1)));
    java.util.Map<String, byte[]> files = verified(storage, cp);
    TrainingState st = new TrainingState();
    String graphPath = Storage.resolve(cp, GRAPH);
    byte[] graph = files.get(GRAPH);
    refuseJavaSerialised(graph, graphPath);
    st.graph = ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(graph), true);
    st.bestParams = Nd4j.read(new ByteArrayInputStream(files.get(BEST)));
    Properties p = new Properties();
    p.load(new StringReader(new String(files.get(STATE), java.nio.charset.StandardCharsets.UTF_8)));
    st.epoch = Integer.parseInt(p.getProperty("epoch"));
    st.learningRate = Double.parseDouble(p.getProperty("learningRate"));
    st.bestError = Double.parseDouble(p.getProperty("bestError"));
    st.bestEpoch = Integer.parseInt(p.getProperty("bestEpoch"));
    st.sinceImprovement = Integer.parseInt(p.getProperty("sinceImprovement"));
    st.sinceDrop = Integer.parseInt(p.getProperty("sinceDrop"));
    st.stopped = Boolean.parseBoolean(p.getProperty("stopped"));
    int h = Integer.parseInt(p.getProperty("history.count"));
    for (int i = 0; i < h; i++) {
      st.history.add(EpochStats.decode(p.getProperty("history." + i)));
    }
    // the best of the trained epochs and the epochs since it was set, from the history (as TrainingState.record
    // counts them)
    st.bestTrainedError = Double.POSITIVE_INFINITY;
    for (EpochStats s : st.history) {
      if (s.epoch() > 0) {
        double err = GraphTrainer.errorOf(s);
        st.sinceTrainedImprovement = err < st.bestTrainedError ? 0 : st.sinceTrainedImprovement + 1;
        st.bestTrainedError = Math.min(st.bestTrainedError, err);
      }
    }
    LOG.info("resuming from {} (epoch {}, learning rate {})", cp, st.epoch, st.learningRate);
    return st;
  }

  /** The newest checkpoint's graph, for inspection. */
  public static ComputationGraph latestGraph(Storage storage, String dir) throws IOException {
    TrainingState st = readLatest(storage, dir);
    return st == null ? null : st.graph;
  }
}

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
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the training state after every epoch to {@code DIR/epoch-NNNNN/} on any Hadoop file system: {@code
 * graph.zip} (DL4J's model file: configuration JSON with the learning rate and iteration counters,
 * parameters, updater state), {@code best-params.bin} (ND4J binary) and {@code state.properties} (epoch,
 * learning rate, best error and epoch, early-stopping counters, per-epoch history). Each checkpoint is
 * written into a temporary sibling directory and renamed into place, so a reader sees whole checkpoints
 * only; the {@code keep} newest are kept.
 */
public final class CheckpointListener implements TrainingListener {
  private static final Logger LOG = LoggerFactory.getLogger(CheckpointListener.class);
  private static final Pattern NAME = Pattern.compile("epoch-(\\d+)");
  static final String GRAPH = "graph.zip";
  static final String BEST = "best-params.bin";
  static final String STATE = "state.properties";
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
    String target = Storage.resolve(dir, name(st.epoch));
    String tmp = Storage.resolve(dir, "." + name(st.epoch) + ".tmp-" + System.nanoTime());
    storage.mkdirs(tmp);
    try (OutputStream out = storage.create(Storage.resolve(tmp, GRAPH))) {
      ModelSerializer.writeModel(st.graph, out, true);
    }
    try (OutputStream out = storage.create(Storage.resolve(tmp, BEST))) {
      Nd4j.write(out, st.bestParams);
    }
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
    storage.writeText(Storage.resolve(tmp, STATE), w.toString());
    if (storage.exists(target)) {
      storage.delete(target);
    }
    storage.rename(tmp, target);
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

  /** The newest checkpoint of {@code dir}, or null if there is none. */
  static TrainingState readLatest(Storage storage, String dir) throws IOException {
    List<Integer> e = epochs(storage, dir);
    if (e.isEmpty()) {
      return null;
    }
    String cp = Storage.resolve(dir, name(e.get(e.size() - 1)));
    TrainingState st = new TrainingState();
    String graphPath = Storage.resolve(cp, GRAPH);
    byte[] graph = storage.readBytes(graphPath, MAX_BYTES);
    refuseJavaSerialised(graph, graphPath);
    st.graph = ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(graph), true);
    st.bestParams = Nd4j.read(new ByteArrayInputStream(storage.readBytes(Storage.resolve(cp, BEST), MAX_BYTES)));
    Properties p = new Properties();
    p.load(new StringReader(storage.readText(Storage.resolve(cp, STATE))));
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
    LOG.info("resuming from {} (epoch {}, learning rate {})", cp, st.epoch, st.learningRate);
    return st;
  }

  /** The newest checkpoint's graph, for inspection. */
  public static ComputationGraph latestGraph(Storage storage, String dir) throws IOException {
    TrainingState st = readLatest(storage, dir);
    return st == null ? null : st.graph;
  }
}

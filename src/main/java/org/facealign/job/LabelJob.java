package org.facealign.job;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.Serializable;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.LongAccumulator;
import org.facealign.config.FacealignConfig;
import org.facealign.data.DataException;
import org.facealign.data.FaceReader;
import org.facealign.data.FileLock;
import org.facealign.data.Hashes;
import org.facealign.data.ImageDecoder;
import org.facealign.data.Storage;
import org.facealign.detect.CascadeDetector;
import org.facealign.eval.Overlay;
import org.facealign.label.ConfigLabel;
import org.facealign.label.ImageLabel;
import org.facealign.label.KnownHashes;
import org.facealign.label.LabelDataset;
import org.facealign.label.LabelInput;
import org.facealign.label.LabelTally;
import org.facealign.label.Labeler;
import org.facealign.label.NativeThreads;
import org.facealign.model.LandmarkModel;
import org.facealign.model.ModelCache;
import org.facealign.model.ModelHeader;
import org.facealign.model.ModelStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

import static org.apache.spark.sql.functions.col;

/**
 * {@code label}: finds the faces of every image given, predicts their landmarks with a saved model, and writes a
 * labelled dataset ({@link LabelDataset}): a status row for every distinct input image, a row per face, a summary
 * whose counts always add up ({@code images_in = images_with_faces + no_face + failed}).
 *
 * <p>The inputs are listed on the cluster ({@link LabelInputs}), split into chunks by a hash of their path, and each
 * chunk is labelled by tasks of {@code label.images-per-task} images ({@link Labeler}, the model decoded once per
 * executor JVM from a broadcast, a detector per task thread), written to Parquet in the run's staging directory and
 * recorded. A full run commits all its chunks at the end, replacing the previous dataset; an incremental run skips
 * the images whose content (SHA-256) this model already labelled and commits each chunk as it is written. A run
 * that dies is resumed by the same command. One run at a time per output ({@link FileLock}).
 */
public final class LabelJob {
  private static final Logger LOG = LoggerFactory.getLogger(LabelJob.class);
  private static final DateTimeFormatter RUN_ID = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  private LabelJob() {}

  /**
   * What to label.
   *
   * @param inputs folders, globs, list files or Parquet tables
   * @param inputFormat auto, images, list or parquet
   * @param out the dataset directory
   * @param modelDir the model
   * @param incremental label only images whose content this model has not labelled, as a new part
   * @param overlays sample pictures to draw
   * @param breakLock remove a lock left by a run that is gone
   */
  public record Spec(List<String> inputs, String inputFormat, String out, String modelDir, boolean incremental,
      int overlays, boolean breakLock) {}

  /** Points in a run where tests reach in: no effect in production. */
  interface Hooks {
    /** After a chunk's faces table is written, before its images table is. */
    default void afterFacesWritten(JavaRDD<ImageLabel> labels) throws IOException {}
  }

  static final Hooks NO_HOOKS = new Hooks() {};

  /** Runs the job; returns the committed summary. */
  public static ObjectNode run(SparkSession spark, FacealignConfig cfg, Storage st, Spec spec) throws IOException {
    return run(spark, cfg, st, spec, NO_HOOKS);
  }

  static ObjectNode run(SparkSession spark, FacealignConfig cfg, Storage st, Spec spec, Hooks hooks)
      throws IOException {
    Instant started = Instant.now();
    ConfigLabel lc = cfg.label();
    Map<String, byte[]> files = ModelStore.readFiles(st, spec.modelDir());
    ModelHeader header = ModelStore.decode(files, spec.modelDir()).header();
    String modelId = modelId(files, cfg);
    LabelInputs.Kind kind = LabelInputs.Kind.parse(spec.inputFormat());
    st.mkdirs(spec.out());
    try (FileLock lock = FileLock.acquire(st, Storage.resolve(spec.out(), LabelDataset.LOCK), "label",
        spec.breakLock())) {
      return new Run(spark, cfg, st, spec, files, header, modelId, started, hooks).execute(kind, lc);
    }
  }

  /**
   * What the rows name as their model ({@code model_id}), and what resuming and incremental runs match: the model's
   * fingerprint, followed by {@link #MIRROR_AVERAGED} when {@code facealign.inference.mirror-average} is on, since its
   * landmarks are then another function of the image.
   */
  static String modelId(Map<String, byte[]> files, FacealignConfig cfg) {
    return ModelStore.fingerprint(files) + (cfg.inference().mirrorAverage() ? MIRROR_AVERAGED : "");
  }

  /** The end of {@link #modelId} for mirror-averaged landmarks. */
  static final String MIRROR_AVERAGED = "+mirror-average";

  /** The labeller's settings under {@code cfg}. */
  static Labeler.Settings labelerSettings(FacealignConfig cfg) {
    return new Labeler.Settings(cfg.detect(), cfg.label(), cfg.data().limits());
  }

  /**
   * The fingerprint a run records and a rerun must match to resume it: the number {@code n} of inputs, the sum of a
   * hash of each input's {@link LabelInput#identity} (its path, boxes, problem, ...), and a hash of the settings that
   * change a row ({@link Labeler.Settings#rowSettings}). The order and partitioning of {@code inputs} do not matter.
   */
  static String fingerprint(long n, JavaRDD<LabelInput> inputs, FacealignConfig cfg) {
    long sum = inputs.map(in -> Hashes.hash64(in.identity())).fold(0L, Long::sum);
    return n + "-" + Long.toHexString(sum) + "-" + Long.toHexString(Hashes.hash64(labelerSettings(cfg).rowSettings()));
  }

  /** One run's state. */
  private static final class Run {
    final SparkSession spark;
    final JavaSparkContext jsc;
    final FacealignConfig cfg;
    final Storage st;
    final Spec spec;
    final Map<String, byte[]> files;
    final ModelHeader header;
    final String modelId;
    final Instant started;
    final String mode;
    final List<ImageLabel> overlayCandidates = new ArrayList<>();
    /** Wall-clock seconds of the run's phases: list, label, write, commit. */
    final double[] wall = new double[4];
    final Hooks hooks;

    Run(SparkSession spark, FacealignConfig cfg, Storage st, Spec spec, Map<String, byte[]> files, ModelHeader header,
        String modelId, Instant started, Hooks hooks) {
      this.hooks = hooks;
      this.spark = spark;
      this.jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
      this.cfg = cfg;
      this.st = st;
      this.spec = spec;
      this.files = files;
      this.header = header;
      this.modelId = modelId;
      this.started = started;
      this.mode = spec.incremental() ? "incremental" : "full";
    }

    ObjectNode execute(LabelInputs.Kind kind, ConfigLabel lc) throws IOException {
      String out = spec.out();
      List<LabelDataset.Part> committed = LabelDataset.committed(st, out);
      long t0 = System.nanoTime();
      LabelInputs.Listing listing = LabelInputs.list(spark, st, lc, spec.inputs(), kind,
          cfg.data().allowOutsideRoot());
      JavaPairRDD<Long, LabelInput> keyed = listing.inputs()
          .mapToPair(in -> new Tuple2<>(Hashes.hash64(in.path()), in))
          .persist(StorageLevel.MEMORY_AND_DISK_SER());
      try {
        long n = keyed.count();
        String fingerprint = fingerprint(n, keyed.values(), cfg);
        wall[0] += (System.nanoTime() - t0) / 1e9;
        int chunks = (int) Math.max(1, (n + lc.chunkImages() - 1) / lc.chunkImages());
        LOG.info("label: {} images from {} ({} input records, {} other files ignored); {} chunk(s); model {} {}",
            n, org.facealign.config.Secrets.redactText(String.valueOf(listing.descriptions())), listing.listed(), listing.ignored(), chunks, header.kind(), modelId);

        LabelDataset.RunState staged = LabelDataset.stagedRun(st, out);
        LabelDataset.RunState run = staged != null && staged.resumableBy(mode, modelId, fingerprint, chunks)
            ? staged : new LabelDataset.RunState(RUN_ID.format(Instant.now()) + "-" + UUID.randomUUID().toString()
                .substring(0, 8), mode, modelId, fingerprint, chunks, new TreeMap<>(), new TreeMap<>());
        for (String removed : LabelDataset.collectGarbage(st, out, committed, run.runId())) {
          LOG.info("label: removed {} (left by an earlier run)", removed);
        }
        if (run == staged) {
          dropLostChunks(run, committed);
          LOG.info("label: resuming run {}: chunks {} of {} already done", run.runId(), run.done().keySet(), chunks);
        }
        List<LabelDataset.Part> parts = new ArrayList<>(committed);
        if (run == staged && spec.incremental()) {
          commitRecovered(run, parts, listing, n);
        }
        KnownHashes known = spec.incremental() ? knownHashes(out, parts) : KnownHashes.none();
        KnownHashes knownFailures = spec.incremental() ? knownFailures(out, parts) : KnownHashes.none();
        if (spec.incremental()) {
          LOG.info("label: incremental: {} images already labelled by this model, {} inputs already failed before "
              + "their content was read", known.size(), knownFailures.size());
        }

        long remaining = n;
        for (LabelTally t : run.done().values()) {
          remaining -= t.imagesIn + t.skippedAlreadyLabelled;
        }
        Progress progress = new Progress(jsc, remaining, lc.progressSeconds());
        try {
          Broadcast<Map<String, byte[]>> model = jsc.broadcast(files);
          Broadcast<KnownHashes> skip = jsc.broadcast(known);
          Broadcast<KnownHashes> skipFailures = jsc.broadcast(knownFailures);
          for (int k = 0; k < chunks; k++) {
            if (run.done().containsKey(k)) {
              continue;
            }
            LabelTally t = labelChunk(keyed, k, chunks, run.runId(), model, skip, skipFailures, progress);
            run.files().put(k, st.filesUnder(LabelDataset.chunkDir(out, run.runId(), k)));
            run.done().put(k, t);
            LabelDataset.recordRun(st, out, run);
            if (spec.incremental() && t.imagesIn == 0) {
              LOG.info("label: chunk {} of {}: nothing new ({} images already labelled), no part", k + 1, chunks,
                  t.skippedAlreadyLabelled);
            } else if (spec.incremental()) {
              parts.add(publish(run, k));
              LabelDataset.commit(st, out, parts, modelId, summaryHeader(run, listing, n));
              LOG.info("label: chunk {} of {} committed ({} images)", k + 1, chunks, t.imagesIn);
            }
          }
          model.destroy(false);
        } finally {
          progress.stop();
        }
        ObjectNode summary;
        long tc = System.nanoTime();
        if (spec.incremental()) {
          summary = LabelDataset.commit(st, out, parts, modelId, summaryHeader(run, listing, n));
        } else {
          List<LabelDataset.Part> fresh = new ArrayList<>();
          for (int k : run.done().keySet()) {
            fresh.add(publish(run, k));
          }
          summary = LabelDataset.commit(st, out, fresh, modelId, summaryHeader(run, listing, n));
          parts = fresh;
        }
        writeOverlays(run.runId());
        LabelDataset.collectGarbage(st, out, parts, null);
        wall[3] += (System.nanoTime() - tc) / 1e9;
        LOG.info("label: committed {}: {} images in, {} with faces, {} faces, {} no face, {} failed",
            LabelDataset.summaryPath(out), summary.path("images_in").asLong(), summary.path("images_with_faces").asLong(),
            summary.path("faces_out").asLong(), summary.path("no_face").asLong(), summary.path("failed").asLong());
        return summary;
      } finally {
        keyed.unpersist(false);
        listing.release();
      }
    }

    /**
     * Commits the chunks of a resumed incremental run that were recorded as done but not committed when it died (the
     * driver stopped between recording a chunk and committing it): each is moved into {@code parts/} if still staged
     * and added to {@code parts}, and {@code parts} is committed.
     */
    void commitRecovered(LabelDataset.RunState run, List<LabelDataset.Part> parts, LabelInputs.Listing listing,
        long n) throws IOException {
      Set<String> ids = new HashSet<>();
      parts.forEach(p -> ids.add(p.id()));
      List<Integer> recovered = new ArrayList<>();
      for (int k : run.done().keySet()) {
        // an incremental chunk with nothing new has no part (a part per chunk and run, most of them empty, would grow
        // the dataset's list of parts, and every reader's, with each run over the same archive)
        if (run.done().get(k).imagesIn > 0 && !ids.contains(LabelDataset.partId(run.runId(), k))) {
          parts.add(publish(run, k));
          recovered.add(k);
        }
      }
      if (!recovered.isEmpty()) {
        LabelDataset.commit(st, spec.out(), parts, modelId, summaryHeader(run, listing, n));
        LOG.info("label: chunk(s) {} of run {}, done but not committed when it stopped, committed", recovered,
            run.runId());
      }
    }

    /** Labels chunk {@code k}, writes its Parquet rows into the staging directory, returns its tally. */
    LabelTally labelChunk(JavaPairRDD<Long, LabelInput> keyed, int k, int chunks, String runId,
        Broadcast<Map<String, byte[]>> model, Broadcast<KnownHashes> skip, Broadcast<KnownHashes> skipFailures,
        Progress progress) throws IOException {
      ConfigLabel lc = cfg.label();
      JavaRDD<LabelInput> inputs = keyed.filter(t -> Math.floorMod(t._1(), chunks) == k).values();
      long size = inputs.count();
      int partitions = (int) Math.max(1, (size + lc.imagesPerTask() - 1) / lc.imagesPerTask());
      Labeler.Settings settings = labelerSettings(cfg);
      Broadcast<Storage> storage = jsc.broadcast(st);
      String source = spec.modelDir();
      LongAccumulator done = progress.done;
      LongAccumulator failed = progress.failed;
      int threads = lc.nativeThreads();
      FacealignConfig.Inference inference = cfg.inference();
      JavaRDD<ImageLabel> labels = inputs.repartition(partitions).mapPartitions(it -> {
        NativeThreads.limit(threads);
        LandmarkModel m = inference.apply(ModelCache.get(model.value(), source));
        Labeler labeler = new Labeler(m, storage.value(), settings, () -> CascadeDetector.forThread(settings.detect()))
            .skipping(skip.value()).skippingFailures(skipFailures.value());
        List<LabelInput> batch = new ArrayList<>();
        it.forEachRemaining(batch::add);
        List<ImageLabel> out = labeler.label(batch);
        for (ImageLabel l : out) {
          done.add(1);
          if (l.status().equals(ImageLabel.FAILED)) {
            failed.add(1);
          }
        }
        return out.iterator();
      }).persist(StorageLevel.MEMORY_AND_DISK_SER());
      // The tables and the tally below are three passes over the labels. Cached blocks lost with an executor would
      // be labelled again, and an image read differently the second time (a read failure that passed) would then
      // have its faces in one table and a failure in the other. The labels are computed once, kept in memory and
      // in a reliable checkpoint beside the run's staging, and every pass reads those.
      jsc.setCheckpointDir(LabelDataset.checkpointDir(spec.out(), runId));
      labels.checkpoint();
      try {
        long t0 = System.nanoTime();
        labels.count(); // labels every image (kept and checkpointed), so that writing is timed apart
        wall[1] += (System.nanoTime() - t0) / 1e9;
        t0 = System.nanoTime();
        String dir = LabelDataset.chunkDir(spec.out(), runId, k);
        LabelRows.Meta meta = new LabelRows.Meta(header.kind(), header.provenance().version(), modelId, runId);
        // a Parquet file per label.images-per-file images, not one per (small) labelling task
        int files = (int) Math.max(1, Math.min(partitions, (size + lc.imagesPerFile() - 1) / lc.imagesPerFile()));
        JavaRDD<ImageLabel> written = labels.filter(l -> !l.status().equals(ImageLabel.SKIPPED)).coalesce(files);
        spark.createDataFrame(written.flatMap(l -> LabelRows.faces(l, meta, new Timestamp(System.currentTimeMillis()))
                .iterator()), LabelRows.FACES)
            .write().mode(SaveMode.Overwrite).parquet(LabelDataset.faces(dir));
        LOG.debug("label: chunk {} faces written after {} s", k, (System.nanoTime() - t0) / 1e9);
        hooks.afterFacesWritten(labels);
        spark.createDataFrame(written.map(l -> LabelRows.image(l, meta, new Timestamp(System.currentTimeMillis()))),
                LabelRows.IMAGES)
            .write().mode(SaveMode.Overwrite).parquet(LabelDataset.images(dir));
        LOG.debug("label: chunk {} images written after {} s", k, (System.nanoTime() - t0) / 1e9);
        LabelTally tally = labels.map(LabelTally::of).fold(new LabelTally(), LabelTally::merge);
        LOG.debug("label: chunk {} tallied after {} s", k, (System.nanoTime() - t0) / 1e9);
        wall[2] += (System.nanoTime() - t0) / 1e9;
        tally.checkBalanced();
        if (tally.imagesIn + tally.skippedAlreadyLabelled != size) {
          throw new IllegalStateException("chunk " + k + ": " + size + " inputs but " + tally.imagesIn + " labelled and "
              + tally.skippedAlreadyLabelled + " skipped");
        }
        if (spec.overlays() > 0) {
          Comparator<ImageLabel> byHash = (Comparator<ImageLabel> & Serializable)
              (a, b) -> Long.compareUnsigned(Hashes.hash64(a.path()), Hashes.hash64(b.path()));
          overlayCandidates.addAll(labels.filter(l -> l.status().equals(ImageLabel.FACES))
              .takeOrdered(spec.overlays(), byHash));
          overlayCandidates.sort(byHash);
          while (overlayCandidates.size() > spec.overlays()) {
            overlayCandidates.remove(overlayCandidates.size() - 1);
          }
        }
        LOG.info("label: chunk {} of {}: {} images ({} with faces, {} faces, {} no face, {} failed, {} skipped)",
            k + 1, chunks, tally.imagesIn, tally.imagesWithFaces, tally.facesOut, tally.noFace, tally.failed,
            tally.skippedAlreadyLabelled);
        return tally;
      } finally {
        labels.unpersist(false);
        storage.destroy(false);
        if (labels.getCheckpointFile().isPresent()) {
          try {
            st.delete(labels.getCheckpointFile().get());
          } catch (IOException e) {
            LOG.warn("label: could not delete {} (it goes with the run's staging): {}",
                labels.getCheckpointFile().get(), e.toString());
          }
        }
      }
    }

    /** Moves chunk {@code k} of {@code run} into {@code parts/} (unless it is there already) and describes it. */
    LabelDataset.Part publish(LabelDataset.RunState run, int k) throws IOException {
      String id = LabelDataset.partId(run.runId(), k);
      String target = LabelDataset.partDir(spec.out(), id);
      String staged = LabelDataset.chunkDir(spec.out(), run.runId(), k);
      if (st.exists(target) && st.exists(staged)) {
        LOG.warn("label: {} and {} both exist: an earlier move of the chunk did not finish; merging them", staged,
            target);
      }
      LabelDataset.moveChunk(st, staged, target, run.files().get(k));
      return new LabelDataset.Part(id, run.runId(), modelId, Instant.now().toString(), run.done().get(k));
    }

    /**
     * Forgets the chunks of resumed {@code run} recorded as done and not {@code committed} whose files are whole
     * neither staged nor in {@code parts/} (a move cut short on a file system whose rename is not atomic, or files
     * removed by hand): each is named with its missing files, its remains are deleted, and it is labelled again.
     */
    void dropLostChunks(LabelDataset.RunState run, List<LabelDataset.Part> committed) throws IOException {
      Set<String> live = new HashSet<>();
      committed.forEach(p -> live.add(p.id()));
      for (int k : List.copyOf(run.done().keySet())) {
        String id = LabelDataset.partId(run.runId(), k);
        if (live.contains(id)) {
          continue;
        }
        String target = LabelDataset.partDir(spec.out(), id);
        String staged = LabelDataset.chunkDir(spec.out(), run.runId(), k);
        List<String> lost = LabelDataset.lostChunkFiles(st, staged, target, run.files().get(k));
        if (!lost.isEmpty()) {
          LOG.warn("label: chunk {} of run {} is recorded as done, but neither {} nor {} holds {} of its {} files whole"
              + " ({}): it is labelled again", k, run.runId(), staged, target, lost.size(), run.files().get(k).size(),
              lost);
          st.delete(staged);
          st.delete(target);
          run.done().remove(k);
          run.files().remove(k);
        }
      }
    }

    /**
     * The content hashes this model already labelled in the committed parts, as 64-bit prefixes: images with faces,
     * without, and those whose bytes fail (undecodable), not those whose failure the bytes do not decide ({@link
     * Labeler#RETRIED_CODES}), which are labelled again.
     */
    KnownHashes knownHashes(String out, List<LabelDataset.Part> committed) {
      org.apache.spark.sql.Column retried = col("status").equalTo(ImageLabel.FAILED)
          .and(col("reason_code").isin(Labeler.RETRIED_CODES.toArray()));
      org.apache.spark.sql.Column known = col("content_sha256").isNotNull()
          .and(org.apache.spark.sql.functions.not(retried));
      return modelImageRows(out, committed, known, List.of("content_sha256"), r -> KnownHashes.prefix(r.getString(0)));
    }

    /**
     * The 64-bit prefixes ({@code prefix}) of the distinct {@code columns} of this model's image rows that match
     * {@code where}, in the committed parts.
     */
    KnownHashes modelImageRows(String out, List<LabelDataset.Part> committed, org.apache.spark.sql.Column where,
        List<String> columns, org.apache.spark.api.java.function.Function<org.apache.spark.sql.Row, Long> prefix) {
      List<String> dirs = committed.stream().filter(p -> p.modelId().equals(modelId))
          .map(p -> LabelDataset.images(LabelDataset.partDir(out, p.id()))).toList();
      if (dirs.isEmpty()) {
        return KnownHashes.none();
      }
      // one primitive array per partition: 8 bytes a row on the wire and on the driver, not a boxed Long each
      List<long[]> parts = spark.read().parquet(dirs.toArray(String[]::new))
          .filter(col("model_id").equalTo(modelId)).filter(where)
          .selectExpr(columns.toArray(String[]::new)).distinct().javaRDD().mapPartitions(rows -> {
            java.util.stream.LongStream.Builder b = java.util.stream.LongStream.builder();
            while (rows.hasNext()) {
              b.add(prefix.call(rows.next()));
            }
            return List.of(b.build().toArray()).iterator();
          }).collect();
      long[] all = new long[Math.toIntExact(parts.stream().mapToLong(a -> a.length).sum())];
      int at = 0;
      for (long[] a : parts) {
        System.arraycopy(a, 0, all, at, a.length);
        at += a.length;
      }
      return KnownHashes.ofPrefixes(all);
    }

    /**
     * The failures without content (a bad input record, a file that could not be read) this model already has rows
     * for in the committed parts, as the SHA-256 of their {@link Labeler#failureKey}: an incremental run does not add
     * the same failure of the same path again.
     */
    KnownHashes knownFailures(String out, List<LabelDataset.Part> committed) {
      return modelImageRows(out, committed,
          col("content_sha256").isNull().and(col("status").equalTo(ImageLabel.FAILED)),
          List.of("path", "failed_stage", "reason_code"),
          r -> KnownHashes.prefix(Hashes.sha256(Labeler.failureKey(r.getString(0), r.getString(1), r.getString(2)))));
    }

    ObjectNode summaryHeader(LabelDataset.RunState run, LabelInputs.Listing listing, long n) {
      ObjectNode h = JsonNodeFactory.instance.objectNode();
      ObjectNode m = h.putObject("model");
      m.put("kind", header.kind());
      m.put("version", header.provenance().version());
      m.put("id", modelId);
      m.put("path", st.qualify(spec.modelDir()));
      m.put("box_policy", header.boxPolicy());
      m.put("mirror_average", cfg.inference().mirrorAverage());
      m.put("created_at", header.provenance().createdAt());
      ObjectNode d = h.putObject("detector");
      ArrayNode stages = d.putArray("stages");
      cfg.detect().stages().forEach(stages::add);
      d.put("min_face", cfg.detect().minFace());
      d.put("rebox", cfg.detect().rebox());
      ObjectNode r = h.putObject("last_run");
      r.put("run_id", run.runId());
      r.put("mode", mode);
      ArrayNode inputs = r.putArray("inputs");
      listing.descriptions().forEach(inputs::add);
      r.put("started", started.toString());
      Instant now = Instant.now();
      r.put("finished", now.toString());
      double seconds = (now.toEpochMilli() - started.toEpochMilli()) / 1000.0;
      r.put("seconds", seconds);
      r.put("input_records", listing.listed());
      r.put("images_listed", n);
      r.put("duplicate_records", listing.listed() - n);
      r.put("ignored_files", listing.ignored());
      ArrayNode boxFiles = r.putArray("box_file_problems");
      listing.boxFileProblems().forEach(x -> boxFiles.add(org.facealign.config.Secrets.redactText(x)));
      r.put("chunks", run.chunks());
      LabelTally t = new LabelTally();
      run.done().values().forEach(t::merge);
      r.put("images_in", t.imagesIn);
      r.put("images_with_faces", t.imagesWithFaces);
      r.put("faces_out", t.facesOut);
      r.put("no_face", t.noFace);
      r.put("failed", t.failed);
      r.put("skipped_already_labelled", t.skippedAlreadyLabelled);
      r.put("images_per_s", seconds > 0 ? (t.imagesIn + t.skippedAlreadyLabelled) / seconds : 0);
      ObjectNode w = r.putObject("wall_seconds");
      w.put("list", wall[0]);
      w.put("label", wall[1]);
      w.put("write", wall[2]);
      w.put("commit", wall[3]);
      ObjectNode steps = r.putObject("task_seconds_by_step");
      for (int i = 0; i < ImageLabel.STEPS.size(); i++) {
        steps.put(ImageLabel.STEPS.get(i), t.stepNanos[i] / 1e9);
      }
      return h;
    }

    /** Draws the sample pictures into {@code OUT/overlays} (replacing the last run's). */
    void writeOverlays(String runId) throws IOException {
      if (overlayCandidates.isEmpty()) {
        return;
      }
      String staged = Storage.resolve(LabelDataset.stagingDir(spec.out(), runId), LabelDataset.OVERLAYS);
      int i = 0;
      for (ImageLabel l : overlayCandidates) {
        try {
          ImageDecoder.Oriented o = ImageDecoder.decodeOriented(st.readBytes(l.path(), cfg.data().maxFileBytes()),
              l.path(), cfg.data().maxPixels());
          List<Overlay.Face> faces = new ArrayList<>();
          for (ImageLabel.Face f : l.faces()) {
            faces.add(new Overlay.Face(f.box(), f.landmarks(), null, f.index() + (f.detectorStage() == null ? ""
                : " " + f.detectorStage() + " " + Math.round(f.score()))));
          }
          String name = new org.apache.hadoop.fs.Path(l.path()).getName().replaceAll("[^A-Za-z0-9._-]", "_");
          st.write(Storage.resolve(staged, String.format("%03d-%s.png", i++, name)),
              Overlay.png(o.image(), faces, cfg.label().overlaySide()));
        } catch (DataException e) {
          LOG.warn("label: no overlay for {}: {}", l.path(), e.getMessage());
        }
      }
      String target = Storage.resolve(spec.out(), LabelDataset.OVERLAYS);
      st.replaceDirectory(staged, target);
      LOG.info("label: {} overlays in {}", i, target);
    }
  }

  /** The driver's progress lines: images done of the total, rate, failures, time left. */
  static final class Progress {
    final LongAccumulator done;
    final LongAccumulator failed;
    private final Thread thread;
    private volatile boolean running = true;

    Progress(JavaSparkContext jsc, long total, int seconds) {
      done = jsc.sc().longAccumulator("label images done");
      failed = jsc.sc().longAccumulator("label images failed");
      long t0 = System.nanoTime();
      thread = new Thread(() -> {
        while (running) {
          try {
            Thread.sleep(seconds * 1000L);
          } catch (InterruptedException e) {
            return;
          }
          long d = done.value();
          double s = (System.nanoTime() - t0) / 1e9;
          double rate = d / s;
          LOG.info(String.format(java.util.Locale.ROOT, "label: %d/%d images (%.1f %%), %.1f images/s, %d failed%s",
              d, total, total == 0 ? 100.0 : 100.0 * d / total, rate, failed.value(),
              rate > 0 && d < total ? String.format(java.util.Locale.ROOT, ", about %.0f s left", (total - d) / rate) : ""));
        }
      }, "label-progress");
      thread.setDaemon(true);
      thread.start();
    }

    void stop() {
      running = false;
      thread.interrupt();
    }
  }
}

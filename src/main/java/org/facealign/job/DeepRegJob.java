package org.facealign.job;

import static org.apache.spark.sql.functions.col;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.List;
import java.util.Set;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.facealign.augment.Augmenter;
import org.facealign.config.FacealignConfig;
import org.facealign.data.Hashes;
import org.facealign.data.LandmarkScheme;
import org.facealign.data.Storage;
import org.facealign.model.deepreg.CanvasGroups;
import org.facealign.model.deepreg.Cascade;
import org.facealign.model.deepreg.StageStats;
import org.facealign.feature.ConfigFeatures;
import org.facealign.model.ModelHeader;
import org.facealign.model.ModelStore;
import org.facealign.model.Provenance;
import org.facealign.model.deepreg.ConfigDeepReg;
import org.facealign.model.deepreg.ConfigLowRank;
import org.facealign.model.deepreg.OutputMoments;
import org.facealign.model.deepreg.ReducedRank;
import org.facealign.model.deepreg.DeepRegModel;
import org.facealign.model.deepreg.ShapeUnits;
import org.facealign.model.deepreg.TrainingSample;
import org.facealign.model.deepreg.Variant;
import org.facealign.train.CheckpointListener;
import org.facealign.train.EpochStats;
import org.facealign.train.JointTrainer;
import org.facealign.train.ProgressListener;
import org.facealign.train.SequentialTrainer;
import org.facealign.train.SgdPretrainer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

/**
 * {@code train} for the DeepReg kinds: reads the prepared set's training faces from the feature store,
 * holds out the validation faces, pre-trains the cascade sequentially and saves the model.
 */
public final class DeepRegJob {
  private static final Logger LOG = LoggerFactory.getLogger(DeepRegJob.class);

  private DeepRegJob() {}

  /** Face ids of the training faces held out for validation: the first n by a seeded hash of the id. */
  static Set<String> validationFaces(List<String> trainIds, int n, long seed) {
    List<String> ids = new ArrayList<>(trainIds);
    ids.sort(Comparator.comparing((String id) -> Hashes.sha256(seed + "|" + id))
        .thenComparing(Comparator.naturalOrder()));
    return new HashSet<>(ids.subList(0, Math.min(n, Math.max(0, ids.size() - 1))));
  }

  /**
   * The training faces a saved model held out for validation: {@link #validationFaces} with the count of the model's
   * configuration ({@code deepreg.validation-faces} or {@code msrrn.validation-faces}) and its seed, among
   * {@code trainIds}, the ids of the training faces it was trained on (all of them: the faces held out are the first
   * by a seeded hash, so another list of faces gives others).
   *
   * @throws IllegalArgumentException for a mean-shape model, which holds none out
   */
  public static Set<String> validationFaces(ModelHeader header, List<String> trainIds) {
    if (header.kind().equals("mean")) {
      throw new IllegalArgumentException("a mean-shape model holds no training faces out for validation");
    }
    FacealignConfig trained = FacealignConfig.load(header.provenance().config(), Map.of());
    int n = header.kind().equals("msrrn") ? trained.msrrn().validationFaces() : trained.deepreg().validationFaces();
    return validationFaces(trainIds, n, header.provenance().seed());
  }

  /**
   * Whether a sample of a held-out face is measured as validation: the face and its mirror, never its random
   * copies ({@code augment.copies}), so that the validation faces, and every choice made on them, are the
   * same whatever the augmentation trains with.
   */
  static boolean validates(TrainingSample s, Set<String> held) {
    return held.contains(s.faceId()) && !s.variant().startsWith(Augmenter.COPY_PREFIX);
  }

  /** The column that names the store batch a row was read from. */
  private static final String BATCH = "_store_batch";

  /**
   * The store rows of the prepared set's faces, as (subset, sample): the training faces (with their
   * augmentation variants) when {@code training}, else the test faces.
   */
  static JavaRDD<Tuple2<String, TrainingSample>> storeSamples(SparkSession spark, FacealignConfig cfg, Storage st,
      String preparedDir, PreparedSet.Summary summary, boolean training) throws IOException {
    if (summary.features() == null) {
      throw new IllegalArgumentException("the prepared set " + preparedDir + " has no feature store: run prepare "
          + "without --no-features");
    }
    String dir = summary.features().dir();
    String hash = FeatureStore.featureHash(cfg);
    if (!dir.endsWith("/" + hash.substring(0, 16))) {
      throw new IllegalArgumentException("the feature store " + dir + " was made with other feature settings than "
          + "this configuration's (" + hash.substring(0, 16) + "): prepare again with the same configuration");
    }
    FeatureStore.Manifest m = FeatureStore.readManifest(st, dir, hash);
    String trainSubset = cfg.train().subset();
    Map<String, String> subsetOf = new HashMap<>(spark.read().parquet(PreparedSet.facesDir(st, preparedDir)).javaRDD()
        .map(PreparedFace::fromRow).filter(f -> f.subset().equals(trainSubset) == training)
        .mapToPair(f -> new Tuple2<>(FeatureStore.faceKey(f, training), f.subset())).collectAsMap());
    Broadcast<Map<String, String>> wanted = JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(subsetOf);
    ShapeUnits units = new ShapeUnits(cfg.features());
    var rows = spark.read().parquet(FeatureStore.batchDirs(dir, m))
        .filter(col("role").equalTo(training ? "train" : "test"))
        .withColumn(BATCH, org.apache.spark.sql.functions.regexp_extract(col("_metadata.file_path"),
            "/batches/([^/]+)/", 1));
    // two runs sharing the store (a night and a prepare by hand) may both have computed a face that neither found
    // there: its rows are then in two batches, and only those of one of them (the first by name) are used
    Map<String, String> firstBatch = new HashMap<>(rows.select("face_key", BATCH).distinct().groupBy("face_key")
        .agg(org.apache.spark.sql.functions.count(BATCH).as("n"), org.apache.spark.sql.functions.min(BATCH).as("b"))
        .filter(col("n").gt(1)).javaRDD().mapToPair(r -> new Tuple2<>(r.getString(0), r.getString(2)))
        .collectAsMap());
    if (!firstBatch.isEmpty()) {
      LOG.warn("train: {} faces are stored in more than one batch of {} (runs that computed them at the same "
          + "time): each is read from one", firstBatch.size(), dir);
      Broadcast<Map<String, String>> first = JavaSparkContext.fromSparkContext(spark.sparkContext())
          .broadcast(firstBatch);
      rows = rows.filter((org.apache.spark.api.java.function.FilterFunction<Row>) r -> {
        String b = first.value().get(r.<String>getAs("face_key"));
        return b == null || b.equals(r.<String>getAs(BATCH));
      });
    }
    // every prepared face must have its features: a store whose manifest lost a batch (another prepare rewrote it
    // meanwhile) would otherwise train on fewer faces without a word
    JavaRDD<String> found = rows.select("face_key").javaRDD().map(r -> r.getString(0))
        .filter(k -> wanted.value().containsKey(k)).distinct();
    if (found.count() < subsetOf.size()) {
      java.util.Set<String> missing = new java.util.TreeSet<>(subsetOf.keySet());
      found.collect().forEach(missing::remove);
      throw new IllegalStateException("the feature store " + dir + " has no features for " + missing.size() + " of the "
          + subsetOf.size() + " prepared " + (training ? "training" : "test") + " faces of " + preparedDir + " (e.g. "
          + missing.stream().limit(3).toList() + "): prepare " + preparedDir + " again to compute them");
    }
    return rows.javaRDD().filter(r -> wanted.value().containsKey(r.<String>getAs("face_key")))
        .map(r -> new Tuple2<>(wanted.value().get(r.<String>getAs("face_key")), sample(r, units)));
  }

  /** Per-stage errors of {@code cascade} on {@code samples}, as the model will run at test time (s0, no perturbation). */
  static StageStats stageStats(JavaSparkContext jsc, Cascade cascade, JavaRDD<TrainingSample> samples, LandmarkScheme scheme) {
    int stages = cascade.numStages();
    int dim = 2 * cascade.numPoints();
    return overTrajectories(jsc, cascade, samples, c -> new StageStats(stages, dim),
        (s, trajectory, sample) -> s.add(trajectory, sample.target(), scheme), StageStats::merge);
  }

  /** {@link OutputMoments} of {@code cascade}'s local layers over {@code samples}, as the model runs at test time. */
  static OutputMoments outputMoments(JavaSparkContext jsc, Cascade cascade, JavaRDD<TrainingSample> samples) {
    return overTrajectories(jsc, cascade, samples, OutputMoments::new, (m, trajectory, sample) -> m.add(trajectory),
        OutputMoments::merge);
  }

  /** Adds one sample's trajectory {@code s_0 .. s_T} to an accumulator. */
  private interface TrajectorySink<A> extends java.io.Serializable {
    void add(A accumulator, double[][] trajectory, TrainingSample sample);
  }

  /**
   * Runs {@code cascade} on every sample from its s0 (as at test time), a group of faces at a time on the executors,
   * hands each trajectory to a per-partition accumulator ({@code empty}, {@code sink}) and merges the partitions'.
   */
  private static <A> A overTrajectories(JavaSparkContext jsc, Cascade cascade, JavaRDD<TrainingSample> samples,
      org.apache.spark.api.java.function.Function<Cascade, A> empty, TrajectorySink<A> sink,
      org.apache.spark.api.java.function.Function2<A, A, A> merge) {
    Broadcast<Cascade> bc = jsc.broadcast(cascade);
    return org.facealign.train.PartitionOrder.reduce(samples.mapPartitions(it -> {
      Cascade c = bc.value();
      Cascade.BatchWorkspace ws = c.batchWorkspace();
      CanvasGroups<TrainingSample> groups = CanvasGroups.ofSamples(c.features(), CanvasGroups.SIZE);
      A acc = empty.call(c);
      for (int n; (n = groups.next(it)) > 0; ) {
        double[][][] tr = c.trajectoryAll(groups.maps(), groups.hogs(), n, ws);
        for (int i = 0; i < n; i++) {
          sink.add(acc, tr[i], groups.sample(i));
        }
      }
      return List.of(acc).iterator();
    }), merge);
  }

  static TrainingSample sample(Row r, ShapeUnits units) {
    return new TrainingSample(r.getAs("face_id"), r.getAs("variant"), r.<Integer>getAs("canvas_size"), r.getAs("canvas"),
        toFloats(r.getList(r.fieldIndex("hog"))), units.toUnits(toDoubles(r.getList(r.fieldIndex("landmarks")))));
  }

  private static float[] toFloats(List<Object> l) {
    float[] f = new float[l.size()];
    for (int i = 0; i < f.length; i++) {
      f[i] = ((Number) l.get(i)).floatValue();
    }
    return f;
  }

  private static double[] toDoubles(List<Object> l) {
    double[] d = new double[l.size()];
    for (int i = 0; i < d.length; i++) {
      d[i] = ((Number) l.get(i)).doubleValue();
    }
    return d;
  }

  /** The file of a trained model with what its training measured ({@link ModelStore#TRAINING}). */
  public static final String TRAINING_FILE = ModelStore.TRAINING;

  /**
   * Errors after each stage on one set of samples.
   *
   * @param samples samples counted
   * @param nme mean inter-pupil NME after stage 0..T
   * @param io mean inter-ocular NME after stage 0..T
   * @param bias squared bias per landmark of the IP-normalised residual after each stage
   * @param variance its variance per landmark
   */
  public record StageErrors(long samples, double[] nme, double[] io, double[] bias, double[] variance) {}

  /**
   * What training measured: the layer fits and the per-stage errors by set (train, validation, test subsets).
   */
  public record Training(String kind, List<SequentialTrainer.StageFit> fits, Map<String, StageErrors> stages,
      Map<String, StageErrors> jointStages, List<EpochStats> epochs) {}

  static Map<String, StageErrors> toErrors(Map<String, StageStats> m) {
    Map<String, StageErrors> out = new LinkedHashMap<>();
    m.forEach((k, v) -> out.put(k, new StageErrors(v.count(), v.nme(), v.interOcular(), v.bias(), v.variance())));
    return out;
  }

  static String percent(double[] v) {
    StringBuilder b = new StringBuilder();
    for (double x : v) {
      b.append(b.length() == 0 ? "" : " ").append(String.format(java.util.Locale.ROOT, "%.2f%%", 100 * x));
    }
    return b.toString();
  }

  /** Where the joint training of the model saved to {@code modelDir} keeps its checkpoints. */
  public static String checkpointsFor(String modelDir) {
    String m = modelDir.endsWith("/") ? modelDir.substring(0, modelDir.length() - 1) : modelDir;
    return m + ".checkpoints";
  }

  /**
   * Trains the configured DeepReg variant and saves it to {@code modelDir}: sequential pre-training, then
   * (DeepRegLocal, DeepReg) joint training with a checkpoint per epoch in {@link #checkpointsFor}. With
   * {@code resume}, the pre-trained cascade and the newest checkpoint found there are taken up again.
   */
  public static DeepRegModel train(SparkSession spark, FacealignConfig cfg, Storage st, String preparedDir, String modelDir,
      boolean resume) throws IOException {
    return train(spark, cfg, st, preparedDir, modelDir, resume, null);
  }

  /**
   * As {@link #train(SparkSession, FacealignConfig, Storage, String, String, boolean)}; with a {@code warm} cascade
   * (a model already in production, of the same variant and stages), pre-training is skipped and the joint phase
   * starts from it (a warm start).
   */
  public static DeepRegModel train(SparkSession spark, FacealignConfig cfg, Storage st, String preparedDir, String modelDir,
      boolean resume, Cascade warm) throws IOException {
    Variant variant = Variant.of(cfg.train().model());
    ConfigDeepReg dr = cfg.deepreg();
    ConfigFeatures features = cfg.features();
    if (dr.stages() > features.numStages()) {
      throw new IllegalArgumentException("facealign.deepreg.stages = " + dr.stages() + " needs as many "
          + "facealign.features.patch-sizes, there are " + features.numStages());
    }
    PreparedSet.Summary summary = PreparedSet.readSummary(st, preparedDir);
    TrainJob.checkSamePolicy(summary, cfg);
    JavaRDD<TrainingSample> all = storeSamples(spark, cfg, st, preparedDir, summary, true).map(Tuple2::_2)
        .persist(StorageLevel.MEMORY_AND_DISK_SER());
    try {
      List<String> ids = all.map(TrainingSample::faceId).distinct().collect();
      if (ids.isEmpty()) {
        throw new IllegalArgumentException("no training faces of " + preparedDir + " in its feature store");
      }
      Broadcast<Set<String>> held = JavaSparkContext.fromSparkContext(spark.sparkContext())
          .broadcast(validationFaces(ids, dr.validationFaces(), cfg.train().seed()));
      JavaRDD<TrainingSample> train = all.filter(s -> !held.value().contains(s.faceId()))
          .persist(StorageLevel.MEMORY_AND_DISK_SER());
      long n = train.count();
      LOG.info("train: {} on {} samples of {} faces ({} faces held out for validation)", variant.kind(), n,
          ids.size() - held.value().size(), held.value().size());
      // kept apart: every joint epoch measures it, and filtering it from all the samples read them all each time
      JavaRDD<TrainingSample> validation = all.filter(s -> validates(s, held.value()))
          .persist(StorageLevel.MEMORY_AND_DISK_SER());
      JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
      List<String> hashes = spark.read().parquet(PreparedSet.facesDir(st, preparedDir))
          .filter(col("subset").equalTo(cfg.train().subset())).select("content_hash")
          .as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
      Provenance prov = Provenance.now(TrainJob.dataHash(hashes), hashes.size(), cfg.train().seed(), cfg.hash(), cfg.render());
      ModelHeader header = new ModelHeader(variant.kind(), cfg.data().scheme(), cfg.data().boxPolicy(), cfg.data().boxMargin(), prov);
      LandmarkScheme scheme = cfg.data().scheme();
      JavaRDD<Tuple2<String, TrainingSample>> tests = storeSamples(spark, cfg, st, preparedDir, summary, false)
          .persist(StorageLevel.MEMORY_AND_DISK_SER());
      Data data = new Data(jsc, train, validation, tests, summary, scheme);
      Fitted fitted = fit(variant, cfg, st, data, header, modelDir, resume, warm);
      Map<String, Map<String, Map<String, Double>>> table1 = null;
      if (variant == Variant.DEEPREG && cfg.raw().getBoolean("facealign.deepreg.table1")) {
        // Table 1 of the paper in one run: SequentialReg is DeepReg's pre-trained cascade; DeepRegLocal is trained too
        String localDir = modelDir.replaceAll("/+$", "") + "-deepreglocal";
        ModelHeader localHeader = new ModelHeader(Variant.DEEPREGLOCAL.kind(), header.scheme(), header.boxPolicy(),
            header.boxMargin(), header.provenance());
        Fitted local = fit(Variant.DEEPREGLOCAL, cfg, st, data, localHeader, localDir, resume, null);
        local.save(st, localHeader, localDir, null);
        table1 = new LinkedHashMap<>();
        table1.put(Variant.SEQUENTIALREG.kind(), finalErrors(fitted.sequential(), summary));
        table1.put(Variant.DEEPREGLOCAL.kind(), finalErrors(local.finalStats(), summary));
        table1.put(Variant.DEEPREG.kind(), finalErrors(fitted.finalStats(), summary));
        LOG.info("train: Table 1 (final IP / IO NME by test subset): {}", table1);
      }
      tests.unpersist(false);
      train.unpersist(false);
      validation.unpersist(false);
      return fitted.save(st, header, modelDir, table1);
    } finally {
      all.unpersist(false);
    }
  }

  /** The samples every variant is fitted and measured on. */
  private record Data(JavaSparkContext jsc, JavaRDD<TrainingSample> train, JavaRDD<TrainingSample> validation,
      JavaRDD<Tuple2<String, TrainingSample>> tests, PreparedSet.Summary summary, LandmarkScheme scheme) {}

  /** A fitted variant: the pre-trained and final cascades, what training measured, and the per-stage errors. */
  private record Fitted(Variant variant, Cascade pretrained, Cascade result, List<SequentialTrainer.StageFit> fits,
      List<EpochStats> history, Map<String, StageStats> sequential, Map<String, StageStats> joint, LowRank lowRank) {
    Map<String, StageStats> finalStats() {
      return joint != null ? joint : sequential;
    }

    /** Saves the model with its {@link #TRAINING_FILE} (and {@code table1}, when not null, in it). */
    DeepRegModel save(Storage st, ModelHeader header, String dir, Map<String, Map<String, Map<String, Double>>> table1)
        throws IOException {
      DeepRegModel model = new DeepRegModel(header, result);
      com.fasterxml.jackson.databind.node.ObjectNode t = PreparedSet.JSON.valueToTree(new Training(variant.kind(), fits,
          toErrors(sequential), joint == null ? null : toErrors(joint), history));
      if (table1 != null) {
        t.set("table1", PreparedSet.JSON.valueToTree(table1));
      }
      if (lowRank != null) {
        t.set("low_rank", PreparedSet.JSON.valueToTree(lowRank));
      }
      ModelStore.save(model, st, dir, trainingBytes(t));
      LOG.info("train: {} with {} stages saved to {}", variant.kind(), result.numStages(), dir);
      return model;
    }
  }

  /** {@code training} as the bytes of a {@link #TRAINING_FILE}: indented JSON, with the secrets of any URI removed. */
  static byte[] trainingBytes(com.fasterxml.jackson.databind.JsonNode training) throws IOException {
    return org.facealign.config.Secrets.redactText(PreparedSet.JSON.writerWithDefaultPrettyPrinter()
        .writeValueAsBytes(training));
  }

  /** Final-stage IP and IO NME per test subset. */
  private static Map<String, Map<String, Double>> finalErrors(Map<String, StageStats> stats, PreparedSet.Summary summary) {
    Map<String, Map<String, Double>> out = new LinkedHashMap<>();
    for (String subset : summary.testSubsets()) {
      StageStats s = stats.get(subset);
      if (s != null) {
        double[] ip = s.nme();
        double[] io = s.interOcular();
        out.put(subset, Map.of("ip_nme", ip[ip.length - 1], "io_nme", io[io.length - 1]));
      }
    }
    return out;
  }

  /** Pre-trains {@code variant}, trains it jointly if it is a joint variant, and measures both phases. */
  private static Fitted fit(Variant variant, FacealignConfig cfg, Storage st, Data data, ModelHeader header,
      String modelDir, boolean resume, Cascade warm) throws IOException {
    ConfigDeepReg dr = cfg.deepreg(variant.global());
    String ckpt = checkpointsFor(modelDir);
    String pretrainedDir = Storage.resolve(ckpt, "pretrained");
    Cascade pretrained;
    List<SequentialTrainer.StageFit> fits;
    if (warm != null) {
      pretrained = warm;
      fits = List.of();
      LOG.info("train: {} warm-started from a trained cascade: no pre-training", variant.kind());
    } else if (resume && st.exists(Storage.resolve(pretrainedDir, "model.json"))) {
      pretrained = ((DeepRegModel) ModelStore.load(st, pretrainedDir)).cascade();
      fits = List.of();
      LOG.info("train: resuming {} with the pre-trained cascade of {}", variant.kind(), pretrainedDir);
    } else {
      SequentialTrainer.Result r = dr.pretrainSgd()
          ? new SgdPretrainer(dr, cfg.train().seed()).listener(new ProgressListener("pretrain"))
              .fit(data.jsc(), data.train(), data.validation(), cfg.features(), variant.global())
          : SequentialTrainer.fit(data.jsc(), data.train(), data.validation(), cfg.features(), dr, variant.global(),
              cfg.train().seed());
      pretrained = r.cascade();
      fits = r.fits();
      if (variant.joint()) {
        ModelStore.save(new DeepRegModel(header, pretrained), st, pretrainedDir);
      }
    }
    Cascade result = pretrained;
    boolean jointlyTrained = false;
    List<EpochStats> history = List.of();
    if (variant.joint() && dr.epochs() > 0) {
      JointTrainer joint = new JointTrainer(dr, cfg.train().seed()).listener(new ProgressListener())
          .listener(new CheckpointListener(st, Storage.resolve(ckpt, "joint")));
      if (resume) {
        joint.resumeFrom(st, Storage.resolve(ckpt, "joint"));
      }
      JointTrainer.Result jr = joint.fit(data.jsc(), data.train(), data.validation(), pretrained);
      result = jr.cascade();
      history = jr.history();
      jointlyTrained = true;
    }
    LowRank lowRank = null;
    ConfigLowRank lr = cfg.lowRank();
    if (!lr.ranks().isEmpty() && result.numStages() > 0) {
      Reduced reduced = chooseRank(data, result, lr, variant);
      lowRank = reduced.report();
      result = reduced.cascade();
    }
    // Fig. 4 and 2 of the paper: errors after each stage on training, validation and test faces, of the cascade
    // saved (the pre-trained one at full rank when a joint phase follows it)
    Map<String, StageStats> sequential = stageErrors(data.jsc(), jointlyTrained ? pretrained : result, data.train(),
        data.validation(), data.tests(), data.summary(), data.scheme());
    Map<String, StageStats> jointErrors = !jointlyTrained ? null
        : stageErrors(data.jsc(), result, data.train(), data.validation(), data.tests(), data.summary(), data.scheme());
    for (Map.Entry<String, StageStats> e : sequential.entrySet()) {
      LOG.info("train: {} pre-trained IP-NME after stages 0..{} on {} ({} samples): {}", variant.kind(),
          pretrained.numStages(), e.getKey(), e.getValue().count(), percent(e.getValue().nme()));
    }
    if (jointErrors != null) {
      for (Map.Entry<String, StageStats> e : jointErrors.entrySet()) {
        LOG.info("train: {} joint IP-NME after stages 0..{} on {} ({} samples): {}", variant.kind(), result.numStages(),
            e.getKey(), e.getValue().count(), percent(e.getValue().nme()));
      }
    }
    return new Fitted(variant, pretrained, result, fits, history, sequential, jointErrors, lowRank);
  }

  /**
   * The choice of the local layers' rank ({@link ConfigLowRank}), as {@code training.json} records it.
   *
   * @param tolerance how much the validation IP-NME could rise
   * @param fullRank final validation IP-NME of the full-rank cascade
   * @param validation final validation IP-NME by candidate rank, measured up to the first within tolerance
   * @param rank the rank kept, or null (the layers stay full rank)
   */
  record LowRank(double tolerance, double fullRank, Map<Integer, Double> validation, Integer rank) {}

  /** The cascade kept by {@link #chooseRank} and what the choice measured. */
  private record Reduced(Cascade cascade, LowRank report) {}

  /**
   * The smallest candidate rank whose factored cascade ({@link ReducedRank}, moments from the training samples)
   * keeps the final validation IP-NME within the tolerance of {@code full}'s; {@code full} itself when none does.
   */
  private static Reduced chooseRank(Data data, Cascade full, ConfigLowRank lr, Variant variant) {
    OutputMoments moments = outputMoments(data.jsc(), full, data.train());
    double fullNme = last(stageStats(data.jsc(), full, data.validation(), data.scheme()).nme());
    Map<Integer, Double> measured = new LinkedHashMap<>();
    for (int rank : lr.ascending()) {
      if (rank >= full.stages().get(0).rank()) {
        break;
      }
      Cascade candidate = ReducedRank.factor(full, moments, rank);
      double nme = last(stageStats(data.jsc(), candidate, data.validation(), data.scheme()).nme());
      measured.put(rank, nme);
      LOG.info("train: {} local layers of rank {}: validation IP-NME {} (full rank {})", variant.kind(), rank,
          percent(new double[] {nme}), percent(new double[] {fullNme}));
      if (nme <= fullNme + lr.tolerance()) {
        LOG.info("train: {} keeps local layers of rank {}", variant.kind(), rank);
        return new Reduced(candidate, new LowRank(lr.tolerance(), fullNme, measured, rank));
      }
    }
    LOG.info("train: {} keeps its full-rank local layers", variant.kind());
    return new Reduced(full, new LowRank(lr.tolerance(), fullNme, measured, null));
  }

  private static double last(double[] v) {
    return v[v.length - 1];
  }


  private static Map<String, StageStats> stageErrors(JavaSparkContext jsc, Cascade c, JavaRDD<TrainingSample> train,
      JavaRDD<TrainingSample> validation, JavaRDD<Tuple2<String, TrainingSample>> tests, PreparedSet.Summary summary,
      LandmarkScheme scheme) {
    Map<String, StageStats> perSet = new LinkedHashMap<>();
    perSet.put("train", stageStats(jsc, c, train, scheme));
    perSet.put("validation", stageStats(jsc, c, validation, scheme));
    for (String subset : summary.testSubsets()) {
      StageStats ss = stageStats(jsc, c, tests.filter(t -> t._1().equals(subset)).map(Tuple2::_2), scheme);
      if (ss.count() > 0) {
        perSet.put(subset, ss);
      }
    }
    return perSet;
  }
}

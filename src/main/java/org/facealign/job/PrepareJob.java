package org.facealign.job;

import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.facealign.augment.ConfigAugment;
import org.facealign.config.FacealignConfig;
import org.facealign.data.BoxPolicy;
import org.facealign.data.DataException;
import org.facealign.data.Discovery;
import org.facealign.data.FaceBox;
import org.facealign.data.FaceEntry;
import org.facealign.data.FaceReader;
import org.facealign.data.Failure;
import org.facealign.data.LandmarkScheme;
import org.facealign.data.ListLayout;
import org.facealign.data.LoadedFace;
import org.facealign.data.Storage;
import org.facealign.data.W300Layout;
import org.facealign.feature.ConfigFeatures;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

/**
 * {@code prepare}: finds the faces of a data set (on the driver), loads and checks every one of them
 * on the executors (annotation parsed strictly, image read through Hadoop FS and decoded under the
 * size guards, face box resolved by the box policy and checked to overlap the image), and writes a {@link
 * PreparedSet}. A bad input
 * fails that face alone, with its file and reason in the set's failures file.
 */
public final class PrepareJob {
  private static final Logger LOG = LoggerFactory.getLogger(PrepareJob.class);

  private PrepareJob() {}

  /**
   * What to prepare.
   *
   * @param data a 300-W folder, or a list file of training faces
   * @param testLists list files of test faces (each its own subset, named after the file); only with a list
   */
  public record DataSpec(String data, List<String> testLists) {}

  /**
   * One face's outcome: a prepared face (with its feature-store entry when a store is kept) or a failure.
   */
  record Outcome(PreparedFace face, FeatureStore.Keyed features, Failure failure) implements Serializable {
    Outcome light() {
      return features == null ? this : new Outcome(face, features.light(), failure);
    }
  }

  /** Finds the faces of {@code spec} and names its subsets. */
  static Layout discover(Storage st, DataSpec spec, String trainSubset, boolean allowOutsideRoot) throws IOException {
    if (st.isDirectory(spec.data())) {
      if (!spec.testLists().isEmpty()) {
        throw new IllegalArgumentException("--test lists go with a list file as --data, not with a 300-W folder");
      }
      if (!W300Layout.looksLike(st, spec.data())) {
        throw new IllegalArgumentException(spec.data() + " has none of the 300-W folders (afw, lfpw/trainset, "
            + "lfpw/testset, helen/trainset, helen/testset, ibug); give a 300-W folder or a list file");
      }
      Discovery d = W300Layout.discover(st, spec.data());
      return new Layout("300w", d, W300Layout.TEST_SUBSETS, W300Layout.derivedSubsets());
    }
    if (!st.exists(spec.data())) {
      throw new IllegalArgumentException("no such data folder or list file: " + spec.data());
    }
    List<FaceEntry> entries = new ArrayList<>(ListLayout.discover(st, spec.data(), trainSubset, allowOutsideRoot).entries());
    List<String> tests = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    for (String t : spec.testLists()) {
      String name = ListLayout.subsetName(t);
      if (tests.contains(name) || name.equals(trainSubset)) {
        throw new IllegalArgumentException("two subsets would be called '" + name + "': rename one list file");
      }
      tests.add(name);
      Discovery d = ListLayout.discover(st, t, name, allowOutsideRoot);
      entries.addAll(d.entries());
      notes.addAll(d.notes());
    }
    return new Layout("list", new Discovery(entries, List.of(), notes), tests, Map.of());
  }

  /** A discovered data set with its subset roles. */
  record Layout(String kind, Discovery discovery, List<String> testSubsets, Map<String, List<String>> derived) {}

  /**
   * Runs the job and writes {@code outDir}, then brings the feature store {@code store} up to date
   * (null: no features); returns the summary written.
   */
  public static PreparedSet.Summary run(SparkSession spark, FacealignConfig cfg, Storage st, DataSpec spec, String outDir,
      String store) throws IOException {
    String trainSubset = cfg.train().subset();
    Layout layout = discover(st, spec, trainSubset, cfg.data().allowOutsideRoot());
    List<FaceEntry> entries = layout.discovery().entries();
    LOG.info("prepare: {} inputs found in {} ({} layout); missing parts: {}", entries.size(), org.facealign.config.Secrets.redactText(spec.data()),
        layout.kind(), layout.discovery().missingParts());

    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Broadcast<Storage> storage = jsc.broadcast(st);
    LandmarkScheme scheme = cfg.data().scheme();
    BoxPolicy policy = BoxPolicy.parse(cfg.data().boxPolicy(), cfg.data().boxMargin());
    FaceReader.Limits limits = cfg.data().limits();

    // With a store, the faces it lacks get their features in the pass that loads them (one decode). The store is
    // recorded qualified, so that train and evaluate find it from any working directory.
    FeatureStore.Opened opened = store == null ? null : FeatureStore.open(spark, cfg, st, st.qualify(store));
    Broadcast<java.util.Set<String>> known = opened == null ? null : jsc.broadcast(opened.known());
    ConfigFeatures features = cfg.features();
    ConfigAugment augment = cfg.augment();
    // Serialised in memory: the cached outcomes hold the computed canvases and spill to disk cheaply.
    JavaRDD<Outcome> outcomes = jsc.parallelize(entries, SparkSessions.partitions(spark, cfg, entries.size()))
        .mapPartitions(it -> {
          FeatureStore.Computer computer = known == null ? null : new FeatureStore.Computer(features, augment, scheme);
          // one face at a time, as the cache takes them (spilling to disk as it fills): a task's memory does not
          // grow with its partition's faces and their computed rows
          return new java.util.Iterator<Outcome>() {
            @Override
            public boolean hasNext() {
              return it.hasNext();
            }

            @Override
            public Outcome next() {
              return load(it.next(), storage.value(), limits, scheme, policy, trainSubset, computer,
                  known == null ? null : known.value());
            }
          };
        })
        .persist(StorageLevel.MEMORY_AND_DISK_SER());
    // Everything but the rows, for the counts: a few kB per face, kept deserialised in memory.
    JavaRDD<Outcome> light = outcomes.map(Outcome::light).persist(StorageLevel.MEMORY_AND_DISK());
    try {
      // faces and failures under names of this run's; summary.json, which names them, commits them last: until
      // then readers see the previous set, whole, whatever happens to this run
      String runId = java.util.UUID.randomUUID().toString().substring(0, 8);
      String facesName = "faces-" + runId;
      String failuresName = "failures-" + runId + ".json";
      spark.createDataFrame(light.filter(o -> o.face() != null).map(o -> o.face().toRow()), PreparedFace.SCHEMA)
          .write().mode(SaveMode.ErrorIfExists).parquet(Storage.resolve(outDir, facesName));
      List<Failure> failures = new ArrayList<>(light.filter(o -> o.failure() != null).map(Outcome::failure).collect());
      failures.sort((a, b) -> a.faceId().compareTo(b.faceId()));
      Map<String, Long> failedByReason = new java.util.TreeMap<>();
      for (Failure f : failures) {
        failedByReason.merge(f.countKey(), 1L, Long::sum);
      }
      Map<String, Counts> bySubset = new LinkedHashMap<>();
      for (String s : layout.discovery().subsets()) {
        bySubset.put(s, Counts.ZERO);
      }
      Map<String, Tuple2<Long, Long>> tallies = light
          .mapToPair(o -> new Tuple2<>(o.face() != null ? o.face().subset() : o.failure().subset(),
              new Tuple2<>(1L, o.face() != null ? 1L : 0L)))
          .reduceByKey((a, b) -> new Tuple2<>(a._1() + b._1(), a._2() + b._2()))
          .collectAsMap();
      Counts total = Counts.ZERO;
      for (Map.Entry<String, Tuple2<Long, Long>> e : tallies.entrySet()) {
        long in = e.getValue()._1();
        long ok = e.getValue()._2();
        Counts c = new Counts(in, ok, in - ok);
        bySubset.put(e.getKey(), c);
        total = total.plus(c);
      }
      PreparedSet.Summary summary = new PreparedSet.Summary(st.qualify(spec.data()), layout.kind(), trainSubset,
          layout.testSubsets(), layout.derived(), cfg.data().boxPolicy(), cfg.data().boxMargin(),
          scheme.numPoints(), total, bySubset, failedByReason, layout.discovery().missingParts(), layout.discovery().notes(),
          cfg.hash(), null, facesName, failuresName);
      PreparedSet.writeFailures(st, outDir, failuresName, failures);
      if (opened != null) {
        long featureFailures = failures.stream().filter(f -> f.stage().equals(FEATURES_STAGE)).count();
        summary = summary.withFeatures(FeatureStore.append(spark, st, opened,
            light.filter(o -> o.features() != null).map(Outcome::features),
            losers -> outcomes.filter(o -> o.features() != null && o.features().fresh()
                && !losers.contains(o.features().faceId())).flatMap(o -> o.features().rows().iterator()),
            featureFailures));
      }
      PreparedSet.commit(st, outDir, summary);
      // after the commit: a run that fails before it leaves the set it would have replaced with that set's own
      // configuration (the summary's config_hash tells which configuration a set was prepared with)
      st.writeAtomically(Storage.resolve(outDir, "config.conf"), cfg.render().getBytes(StandardCharsets.UTF_8));
      LOG.info("prepare: {} -> {}", total, org.facealign.config.Secrets.redactText(outDir));
      for (Failure f : failures) {
        LOG.warn("prepare: {} failed: {}: {}", f.faceId(), org.facealign.config.Secrets.redactText(f.source()), org.facealign.config.Secrets.redactText(f.reason()));
      }
      return summary;
    } finally {
      light.unpersist(false);
      outcomes.unpersist(false);
    }
  }

  /**
   * Where the box {@code policy} gives the face of {@code e} comes from: the {@code boxes.txt} or list line of its
   * detector box, the annotation for a box derived from landmarks; the image when neither is known.
   */
  static String boxSource(FaceEntry e, BoxPolicy policy) {
    String s = policy.kind() == BoxPolicy.Kind.DETECTOR ? e.boxSource() : e.annotationPath();
    return s != null ? s : e.imagePath();
  }

  /** The failure stage of a face whose features could not be computed. */
  static final String FEATURES_STAGE = "features";

  /**
   * Loads one face and, when {@code computer} is given and {@code known} lacks its key, computes its
   * feature-store rows from the image just decoded.
   */
  static Outcome load(FaceEntry e, Storage st, FaceReader.Limits limits, LandmarkScheme scheme, BoxPolicy policy,
      String trainSubset, FeatureStore.Computer computer, java.util.Set<String> known) {
    PreparedFace face;
    LoadedFace lf;
    try {
      lf = FaceReader.load(e, st, limits, scheme);
      FaceBox box = policy.boxFor(lf.face(), e.boxProblem());
      FaceReader.checkBoxOnImage(box, lf.image().width(), lf.image().height(), boxSource(e, policy), e.imagePath());
      face = new PreparedFace(e.id(), e.subset(), e.imagePath(), e.annotationPath(), lf.contentHash(),
          lf.image().width(), lf.image().height(), box, lf.face().landmarks());
    } catch (DataException ex) {
      return new Outcome(null, null, Failure.of(e.id(), e.subset(), "load", ex));
    } catch (RuntimeException | OutOfMemoryError ex) {
      // Anything else a decoder throws on hostile input: still this face's failure, not the job's.
      return new Outcome(null, null, new Failure(e.id(), e.subset(), e.source(), "load",
          "unexpected " + ex.getClass().getSimpleName() + ": " + ex.getMessage(), Failure.UNEXPECTED));
    }
    if (computer == null) {
      return new Outcome(face, null, null);
    }
    boolean training = e.subset().equals(trainSubset);
    String key = FeatureStore.faceKey(face, training);
    if (known.contains(key)) {
      return new Outcome(face, new FeatureStore.Keyed(key, face.id(), false, null), null);
    }
    try {
      return new Outcome(face, new FeatureStore.Keyed(key, face.id(), true, computer.rows(key, face, lf.image(), training)),
          null);
    } catch (RuntimeException | OutOfMemoryError ex) {
      return new Outcome(null, null, new Failure(e.id(), e.subset(), e.imagePath(), FEATURES_STAGE,
          ex.getClass().getSimpleName() + ": " + ex.getMessage(), Failure.UNEXPECTED));
    }
  }
}

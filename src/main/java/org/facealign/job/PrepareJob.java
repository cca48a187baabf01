package org.facealign.job;

import java.io.IOException;
import java.io.Serializable;
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
import org.facealign.config.FacealignConfig;
import org.facealign.data.BoxPolicy;
import org.facealign.data.DataException;
import org.facealign.data.Discovery;
import org.facealign.data.FaceEntry;
import org.facealign.data.FaceReader;
import org.facealign.data.Failure;
import org.facealign.data.LandmarkScheme;
import org.facealign.data.ListLayout;
import org.facealign.data.LoadedFace;
import org.facealign.data.Storage;
import org.facealign.data.W300Layout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

/**
 * {@code prepare}: finds the faces of a data set (on the driver), loads and checks every one of them
 * on the executors (annotation parsed strictly, image read through Hadoop FS and decoded under the
 * size guards, face box resolved by the box policy), and writes a {@link PreparedSet}. A bad input
 * fails that face alone, with its file and reason in {@code failures.json}.
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

  /** One face's outcome: a prepared face or a failure. */
  record Outcome(PreparedFace face, Failure failure) implements Serializable {}

  /** Finds the faces of {@code spec} and names its subsets. */
  static Layout discover(Storage st, DataSpec spec, String trainSubset) throws IOException {
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
    List<FaceEntry> entries = new ArrayList<>(ListLayout.discover(st, spec.data(), trainSubset).entries());
    List<String> tests = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    for (String t : spec.testLists()) {
      String name = ListLayout.subsetName(t);
      if (tests.contains(name) || name.equals(trainSubset)) {
        throw new IllegalArgumentException("two subsets would be called '" + name + "': rename one list file");
      }
      tests.add(name);
      Discovery d = ListLayout.discover(st, t, name);
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
    Layout layout = discover(st, spec, trainSubset);
    List<FaceEntry> entries = layout.discovery().entries();
    LOG.info("prepare: {} inputs found in {} ({} layout); missing parts: {}", entries.size(), spec.data(),
        layout.kind(), layout.discovery().missingParts());

    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Broadcast<Storage> storage = jsc.broadcast(st);
    LandmarkScheme scheme = cfg.data().scheme();
    BoxPolicy policy = BoxPolicy.parse(cfg.data().boxPolicy(), cfg.data().boxMargin());
    FaceReader.Limits limits = new FaceReader.Limits(cfg.data().maxFileBytes(), cfg.data().maxPixels());

    JavaRDD<Outcome> outcomes = jsc.parallelize(entries, SparkSessions.partitions(spark, cfg, entries.size()))
        .map(e -> load(e, storage.value(), limits, scheme, policy))
        .persist(StorageLevel.MEMORY_AND_DISK());
    try {
      spark.createDataFrame(outcomes.filter(o -> o.face() != null).map(o -> o.face().toRow()), PreparedFace.SCHEMA)
          .write().mode(SaveMode.Overwrite).parquet(PreparedSet.facesDir(outDir));
      List<Failure> failures = new ArrayList<>(outcomes.filter(o -> o.failure() != null).map(Outcome::failure).collect());
      failures.sort((a, b) -> a.faceId().compareTo(b.faceId()));
      Map<String, Counts> bySubset = new LinkedHashMap<>();
      for (String s : layout.discovery().subsets()) {
        bySubset.put(s, Counts.ZERO);
      }
      Map<String, Tuple2<Long, Long>> tallies = outcomes
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
          scheme.numPoints(), total, bySubset, layout.discovery().missingParts(), layout.discovery().notes(),
          cfg.hash(), null);
      st.writeText(Storage.resolve(outDir, "config.conf"), cfg.render());
      PreparedSet.writeFailures(st, outDir, failures);
      if (store != null) {
        // the faces are on disk: the store reads them back, so the loaded images need not stay cached
        outcomes.unpersist(false);
        summary = summary.withFeatures(FeatureStore.update(spark, cfg, st, outDir, store));
      }
      PreparedSet.writeSummary(st, outDir, summary);
      LOG.info("prepare: {} -> {}", total, outDir);
      for (Failure f : failures) {
        LOG.warn("prepare: {} failed: {}: {}", f.faceId(), f.source(), f.reason());
      }
      return summary;
    } finally {
      outcomes.unpersist(false);
    }
  }

  static Outcome load(FaceEntry e, Storage st, FaceReader.Limits limits, LandmarkScheme scheme, BoxPolicy policy) {
    try {
      LoadedFace lf = FaceReader.load(e, st, limits, scheme);
      return new Outcome(new PreparedFace(e.id(), e.subset(), e.imagePath(), e.annotationPath(), lf.contentHash(),
          lf.image().width(), lf.image().height(), policy.boxFor(lf.face()), lf.face().landmarks()), null);
    } catch (DataException ex) {
      return new Outcome(null, Failure.of(e.id(), e.subset(), "load", ex));
    } catch (RuntimeException | OutOfMemoryError ex) {
      // Anything else a decoder throws on hostile input: still this face's failure, not the job's.
      return new Outcome(null, new Failure(e.id(), e.subset(), e.imagePath(), "load",
          "unexpected " + ex.getClass().getSimpleName() + ": " + ex.getMessage()));
    }
  }
}

package org.facealign.job;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.Serializable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.Locale;
import java.util.UUID;
import java.util.function.Function;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.facealign.augment.Augmenter;
import org.facealign.augment.ConfigAugment;
import org.facealign.config.FacealignConfig;
import org.facealign.data.GrayImage;
import org.facealign.data.Hashes;
import org.facealign.data.LandmarkScheme;
import org.facealign.data.FileLock;
import org.facealign.data.Storage;
import org.facealign.feature.Canvas16;
import org.facealign.feature.ConfigFeatures;
import org.facealign.feature.FaceNormaliser;
import org.facealign.feature.HogFeature;
import org.facealign.feature.NormalisedFace;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

/**
 * The feature store: per face and augmentation variant, the canonical face canvas, its global HOG and
 * the ground truth in canonical coordinates, computed once on the executors and reused by later runs.
 *
 * <pre>
 *   STORE/&lt;feature hash, 16 hex&gt;/config.txt       what the hash was made of (features, augmentation,
 *                                                 box policy, landmark scheme)
 *   STORE/&lt;feature hash&gt;/manifest.json            the batches, in order, with their counts
 *   STORE/&lt;feature hash&gt;/batches/&lt;id&gt;/*.parquet   rows, schema {@link #SCHEMA}
 * </pre>
 *
 * <p>A face's key is the SHA-256 of its content hash (image and annotation bytes), its face box and its
 * role (training faces are augmented, test faces are not); a run computes only the faces whose key no
 * batch holds yet ("N computed, M reused"), in {@code prepare}'s loading pass (the image is decoded once),
 * and appends one batch. Changing a canvas, HOG, augmentation, box or landmark-scheme setting changes the hash,
 * hence the directory: nothing stale is ever read. The descriptor settings (orientations, blur, map stride, patch
 * sizes, ...) and the MSRRN crop settings are not part of it: every choice of them reads the same canvases.
 *
 * <p>Choice, measured: the 8 orientation response maps of a 192-px canvas are 8 x 97 x 97 floats (0.3 MB) per
 * sample pooled over 2 x 2 blocks (8 x 193 x 193, 1.2 MB, at full resolution), against 74 kB for the canvas itself,
 * and rebuilding them from the canvas costs 0.24 ms on one core (0.39 ms at full resolution; {@code
 * submit/bench-jmh.sh -f 1 -wi 3 -i 5 -w 1s -r 1s -p mapStride=1,2 FeatureBench.responseMapsPerCanvas}). Storing
 * them would make the store of the 300-W faces (4586 samples) 1.4 GB (5.5 GB) instead of 319 MB ({@code du -sh} of
 * the store after {@code pipeline}), and reading 0.3 MB from HDFS or S3 is slower than a quarter of a millisecond
 * of arithmetic; nor would one store then serve every descriptor setting. So the store keeps the canvas (16-bit
 * fixed point, 1/64 grey level, enough to keep the sigma = 0.5 noise of augmented copies) and training rebuilds
 * the maps. HOG is kept because it is small (1764 floats) and needed once per sample.
 *
 * <p>One writer at a time per store (a nightly job): the manifest is replaced by write-then-rename, and
 * two concurrent writers could each append a batch the other's manifest does not list.
 */
public final class FeatureStore {
  private static final Logger LOG = LoggerFactory.getLogger(FeatureStore.class);

  /** Parquet schema of the rows. Coordinates are canonical-canvas pixels. */
  public static final StructType SCHEMA = DataTypes.createStructType(new StructField[] {
      DataTypes.createStructField("face_key", DataTypes.StringType, false),
      DataTypes.createStructField("face_id", DataTypes.StringType, false),
      DataTypes.createStructField("content_hash", DataTypes.StringType, false),
      DataTypes.createStructField("role", DataTypes.StringType, false),
      DataTypes.createStructField("variant", DataTypes.StringType, false),
      DataTypes.createStructField("canvas_size", DataTypes.IntegerType, false),
      DataTypes.createStructField("canvas", DataTypes.BinaryType, false),
      DataTypes.createStructField("to_canonical", DataTypes.createArrayType(DataTypes.DoubleType, false), false),
      DataTypes.createStructField("hog", DataTypes.createArrayType(DataTypes.FloatType, false), false),
      DataTypes.createStructField("landmarks", DataTypes.createArrayType(DataTypes.DoubleType, false), false),
  });

  private FeatureStore() {}

  /**
   * What a store update did.
   *
   * @param computed faces whose features were computed now
   * @param reused faces already in the store
   * @param failed faces whose features could not be computed (each also among the run's failures)
   * @param rows rows written (one per face and variant)
   * @param dir the store directory of this feature configuration
   */
  public record UpdateResult(long computed, long reused, long failed, long rows, String dir) {
    @Override
    public String toString() {
      return computed + " computed, " + reused + " reused" + (failed > 0 ? ", " + failed + " failed" : "")
          + " (" + rows + " rows) in " + dir;
    }
  }

  /** One appended batch. */
  public record Batch(String id, long faces, long rows, String created) {}

  /** The batches of one feature configuration. */
  public record Manifest(String featureHash, List<Batch> batches) {}

  /**
   * The text the feature hash is made of: every setting that changes a stored value ({@link
   * ConfigFeatures#storedCanonical()} and {@link ConfigAugment#storedCanonical()}: not the descriptors' or the MSRRN
   * crops' settings, whose values are computed from the stored canvas).
   */
  public static String canonical(FacealignConfig cfg) {
    LandmarkScheme s = cfg.data().scheme();
    return "features: " + cfg.features().storedCanonical() + "\naugment: " + cfg.augment().storedCanonical()
        + "\nbox: " + cfg.data().boxPolicy() + " " + cfg.data().boxMargin()
        + "\nscheme: " + s.numPoints() + " " + java.util.Arrays.toString(s.flipMap()) + "\n";
  }

  public static String featureHash(FacealignConfig cfg) {
    return Hashes.sha256(canonical(cfg));
  }

  /** The directory of {@code cfg}'s feature configuration inside {@code store}. */
  public static String dirFor(String store, FacealignConfig cfg) {
    return Storage.resolve(store, featureHash(cfg).substring(0, 16));
  }

  static String faceKey(PreparedFace f, boolean training) {
    String text = f.contentHash() + String.format(Locale.ROOT, "|%.4f %.4f %.4f %.4f|", f.box().x0(), f.box().y0(),
        f.box().x1(), f.box().y1()) + (training ? "train" : "test");
    return Hashes.sha256(text);
  }

  public static Manifest readManifest(Storage st, String dir, String hash) throws IOException {
    String path = Storage.resolve(dir, "manifest.json");
    if (!st.exists(path)) {
      return new Manifest(hash, List.of());
    }
    JsonNode n = PreparedSet.JSON.readTree(st.readBytes(path, 64L << 20));
    Manifest m = PreparedSet.JSON.treeToValue(n, Manifest.class);
    if (!hash.equals(m.featureHash())) {
      throw new IllegalStateException(path + " belongs to feature configuration " + m.featureHash() + ", not " + hash);
    }
    return m;
  }

  /** Replaces the manifest in one step: a reader (or a crash) never finds the store without one. */
  static void writeManifest(Storage st, String dir, Manifest m) throws IOException {
    st.writeAtomically(Storage.resolve(dir, "manifest.json"), PreparedSet.JSON.writeValueAsBytes(m));
  }

  /** How long {@link #recordBatch} waits for another run's hold on the manifest. */
  static final java.time.Duration MANIFEST_WAIT = java.time.Duration.ofMinutes(2);

  /**
   * Adds {@code batch} to the manifest of the store in {@code dir}, read again under the store's manifest lock, so
   * that runs sharing the store (nights and {@code prepare}s) keep each other's batches: a manifest read when a run
   * opened the store and written back at its end would drop the batches others added in between. Waits up to
   * {@link #MANIFEST_WAIT} for the lock (held for a read and a write), breaking it at once if its holder is a process
   * of this host that is gone.
   */
  static void recordBatch(Storage st, String dir, String hash, Batch batch) throws IOException {
    try (FileLock held = FileLock.acquireWaiting(st, Storage.resolve(dir, "_manifest.lock"), "feature store manifest",
        MANIFEST_WAIT)) {
      List<Batch> batches = new ArrayList<>(readManifest(st, dir, hash).batches());
      batches.add(batch);
      writeManifest(st, dir, new Manifest(hash, batches));
    }
  }

  /** The parquet directories of a manifest's batches. */
  public static String[] batchDirs(String dir, Manifest m) {
    return m.batches().stream().map(b -> Storage.resolve(dir, "batches/" + b.id())).toArray(String[]::new);
  }

  /**
   * A store opened for one run: its directory and manifest, and the keys its batches already hold
   * (read once on the driver and broadcast, so that executors compute only the faces the store lacks
   * in the same pass that loads them: each image is decoded once). Keys are 64 hex characters: a
   * store of a million faces broadcasts about 100 MB.
   */
  public record Opened(String dir, String hash, Manifest manifest, Set<String> known) {}

  /** Opens (creating if need be) the directory of {@code cfg}'s feature configuration in {@code store}. */
  public static Opened open(SparkSession spark, FacealignConfig cfg, Storage st, String store) throws IOException {
    String hash = featureHash(cfg);
    String dir = dirFor(store, cfg);
    st.writeText(Storage.resolve(dir, "config.txt"), canonical(cfg));
    Manifest manifest = readManifest(st, dir, hash);
    Set<String> known = new HashSet<>();
    if (!manifest.batches().isEmpty()) {
      for (Row r : spark.read().parquet(batchDirs(dir, manifest)).select("face_key").distinct().collectAsList()) {
        known.add(r.getString(0));
      }
    }
    return new Opened(dir, hash, manifest, known);
  }

  /**
   * One loaded face as the store sees it.
   *
   * @param key its store key ({@link #faceKey})
   * @param faceId the face's id
   * @param fresh whether the store lacked the key, so that this run computed its rows
   * @param rows the computed rows; null when not fresh, or in the light copy used for counting
   */
  public record Keyed(String key, String faceId, boolean fresh, List<Row> rows) implements Serializable {
    /** This entry without its rows. */
    public Keyed light() {
      return rows == null ? this : new Keyed(key, faceId, fresh, null);
    }
  }

  /**
   * Appends the rows computed by this run as one batch and records it in the manifest. {@code keys}
   * has one light entry per loaded face (cache it: it is read a few times); {@code rows} gives the rows
   * of the fresh faces whose ids are not in the set it is passed. A key that several faces share (the
   * same image, annotation and box twice) is written once, under the smallest face id. {@code failed}
   * counts the faces whose features failed (they are not in {@code keys}).
   */
  public static UpdateResult append(SparkSession spark, Storage st, Opened store, JavaRDD<Keyed> keys,
      Function<Set<String>, JavaRDD<Row>> rows, long failed) throws IOException {
    long total = keys.map(Keyed::key).distinct().count();
    JavaPairRDD<String, String> freshIds = keys.filter(Keyed::fresh).mapToPair(k -> new Tuple2<>(k.key(), k.faceId()));
    JavaPairRDD<String, String> winners = freshIds.reduceByKey((a, b) -> a.compareTo(b) <= 0 ? a : b);
    long computed = winners.count();
    if (computed == 0) {
      UpdateResult r = new UpdateResult(0, total, failed, 0, store.dir());
      LOG.info("features: {}", r);
      return r;
    }
    Set<String> losers = new HashSet<>(freshIds.subtract(winners).values().collect());
    String batchId = Instant.now().toString().replace(":", "").replace(".", "") + "-" + UUID.randomUUID().toString().substring(0, 8);
    String batchDir = Storage.resolve(store.dir(), "batches/" + batchId);
    spark.createDataFrame(rows.apply(losers), SCHEMA).write().mode(SaveMode.ErrorIfExists).parquet(batchDir);
    long written = spark.read().parquet(batchDir).count();
    recordBatch(st, store.dir(), store.hash(), new Batch(batchId, computed, written, Instant.now().toString()));
    UpdateResult r = new UpdateResult(computed, total - computed, failed, written, store.dir());
    LOG.info("features: {}", r);
    return r;
  }

  /** Computes the rows of one face: Spark-free, one instance per partition (it holds scratch buffers). */
  public static final class Computer implements Serializable {
    private final FaceNormaliser normaliser;
    private final HogFeature hog;
    private final Augmenter augmenter;
    private final LandmarkScheme scheme;

    public Computer(ConfigFeatures features, ConfigAugment augment, LandmarkScheme scheme) {
      this.normaliser = new FaceNormaliser(features);
      this.hog = new HogFeature(features);
      this.augmenter = new Augmenter(augment);
      this.scheme = scheme;
    }

    public List<Row> rows(String key, PreparedFace f, GrayImage image, boolean training) {
      List<Row> out = new ArrayList<>();
      List<Augmenter.Sample> samples = training
          ? augmenter.expand(f.id(), image, f.landmarks(), f.box(), scheme)
          : List.of(new Augmenter.Sample(f.id(), "orig", image, f.landmarks(), f.box(), 0, false));
      for (Augmenter.Sample s : samples) {
        NormalisedFace nf = normaliser.normalise(s.image(), s.box());
        float[] h = hog.compute(normaliser.hogInput(nf));
        var t = nf.toCanonical();
        out.add(RowFactory.create(key, f.id(), f.contentHash(), training ? "train" : "test", s.variant(),
            nf.canvas().width(), Canvas16.encode(nf.canvas()), new double[] {t.a(), t.b(), t.tx(), t.ty()}, h,
            nf.toCanonical(s.shape()).toArray()));
      }
      return out;
    }
  }
}

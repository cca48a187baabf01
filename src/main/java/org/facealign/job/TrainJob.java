package org.facealign.job;

import java.io.IOException;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.facealign.config.FacealignConfig;
import org.facealign.data.Hashes;
import org.facealign.data.LandmarkScheme;
import org.facealign.data.Shape;
import org.facealign.data.Storage;
import org.facealign.model.LandmarkModel;
import org.facealign.model.MeanShapeModel;
import org.facealign.model.ModelHeader;
import org.facealign.model.ModelStore;
import org.facealign.model.Provenance;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static org.apache.spark.sql.functions.col;

/**
 * {@code train}: fits a model on the training subset of a prepared set and saves it with its
 * provenance. The mean-shape model is one distributed aggregation of box-frame shapes.
 */
public final class TrainJob {
  private static final Logger LOG = LoggerFactory.getLogger(TrainJob.class);

  private TrainJob() {}

  /** Trains the configured model from {@code preparedDir} and saves it to {@code modelDir}. */
  public static LandmarkModel run(SparkSession spark, FacealignConfig cfg, Storage st, String preparedDir, String modelDir)
      throws IOException {
    return run(spark, cfg, st, preparedDir, modelDir, false);
  }

  /** As {@link #run(SparkSession, FacealignConfig, Storage, String, String)}; {@code resume} continues from checkpoints. */
  public static LandmarkModel run(SparkSession spark, FacealignConfig cfg, Storage st, String preparedDir, String modelDir,
      boolean resume) throws IOException {
    String kind = cfg.train().model();
    if (List.of("sequentialreg", "deepreglocal", "deepreg").contains(kind)) {
      return DeepRegJob.train(spark, cfg, st, preparedDir, modelDir, resume);
    }
    if (kind.equals(org.facealign.model.msrrn.MsrrnModel.KIND)) {
      return MsrrnJob.train(spark, cfg, st, preparedDir, modelDir, resume);
    }
    if (!kind.equals("mean")) {
      throw new UnsupportedOperationException("training model '" + kind + "' is not available in this build yet");
    }
    PreparedSet.Summary summary = PreparedSet.readSummary(st, preparedDir);
    checkSamePolicy(summary, cfg);
    String subset = cfg.train().subset();
    Dataset<Row> faces = spark.read().parquet(PreparedSet.facesDir(st, preparedDir))
        .filter(col("subset").equalTo(subset));
    JavaRDD<Shape> shapes = faces.javaRDD().map(PreparedFace::fromRow).map(f -> f.landmarks().toBoxFrame(f.box()));
    LandmarkScheme scheme = cfg.data().scheme();
    boolean flip = cfg.augment().flip();
    MeanShapeModel.Accumulator acc = org.facealign.train.PartitionOrder.aggregate(shapes,
        () -> new MeanShapeModel.Accumulator(scheme, flip), MeanShapeModel.Accumulator::add,
        MeanShapeModel.Accumulator::merge);
    if (acc.count() == 0) {
      throw new IllegalArgumentException("the prepared set " + preparedDir + " has no faces in subset '" + subset + "'");
    }
    List<String> hashes = faces.select("content_hash").as(Encoders.STRING()).collectAsList();
    long n = hashes.size();
    Provenance prov = Provenance.now(dataHash(hashes), n, cfg.train().seed(), cfg.hash(), cfg.render());
    ModelHeader header = new ModelHeader("mean", cfg.data().scheme(), cfg.data().boxPolicy(), cfg.data().boxMargin(), prov);
    MeanShapeModel model = new MeanShapeModel(header, acc.mean(), acc.count());
    ModelStore.save(model, st, modelDir);
    LOG.info("train: mean shape of {} faces ({} shapes with mirrors) saved to {}", n, acc.count(), modelDir);
    return model;
  }

  /** SHA-256 over the sorted per-face content hashes: independent of order, partitioning and storage location. */
  static String dataHash(List<String> contentHashes) {
    String joined = String.join("\n", contentHashes.stream().sorted().toList());
    return Hashes.sha256(joined);
  }

  static void checkSamePolicy(PreparedSet.Summary summary, FacealignConfig cfg) {
    boolean same = summary.boxPolicy().equals(cfg.data().boxPolicy())
        && (summary.boxPolicy().equals("detector") || summary.boxMargin() == cfg.data().boxMargin());
    if (!same) {
      throw new IllegalArgumentException("the prepared set's faces have boxes from policy " + summary.boxPolicy()
          + " (margin " + summary.boxMargin() + ") but the configuration asks for " + cfg.data().boxPolicy()
          + " (margin " + cfg.data().boxMargin() + "): prepare again with the same facealign.data.box-policy");
    }
  }
}

package org.facealign.job;

import static org.apache.spark.sql.functions.col;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.facealign.config.FacealignConfig;
import org.facealign.data.LandmarkScheme;
import org.facealign.data.Storage;
import org.facealign.model.ModelHeader;
import org.facealign.model.ModelStore;
import org.facealign.model.Provenance;
import org.facealign.model.deepreg.ShapeUnits;
import org.facealign.model.deepreg.StageStats;
import org.facealign.model.deepreg.TrainingSample;
import org.facealign.model.msrrn.ConfigMsrrn;
import org.facealign.model.msrrn.MsrrnInputs;
import org.facealign.model.msrrn.MsrrnModel;
import org.facealign.train.CheckpointListener;
import org.facealign.train.GraphTrainer;
import org.facealign.train.MsrrnTrainer;
import org.facealign.train.ProgressListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

/**
 * {@code train} for MSRRN: reads the prepared set's training faces from the feature store (their canonical
 * canvases), holds out the validation faces, trains the graph with {@link MsrrnTrainer} (a checkpoint per
 * epoch in {@link DeepRegJob#checkpointsFor}, taken up again with {@code resume}), measures the error after
 * every stage on training, validation and test faces (the paper's Table 2) and saves the model with a {@code
 * training.json} beside it.
 */
public final class MsrrnJob {
  private static final Logger LOG = LoggerFactory.getLogger(MsrrnJob.class);

  private MsrrnJob() {}

  /** Trains MSRRN from {@code preparedDir} and saves it to {@code modelDir}. */
  public static MsrrnModel train(SparkSession spark, FacealignConfig cfg, Storage st, String preparedDir, String modelDir,
      boolean resume) throws IOException {
    return train(spark, cfg, st, preparedDir, modelDir, resume, null);
  }

  /**
   * As {@link #train(SparkSession, FacealignConfig, Storage, String, String, boolean)}; with a {@code warm} graph (a
   * model already in production, of the same architecture), training continues from its weights (a warm start).
   */
  public static MsrrnModel train(SparkSession spark, FacealignConfig cfg, Storage st, String preparedDir, String modelDir,
      boolean resume, org.deeplearning4j.nn.graph.ComputationGraph warm) throws IOException {
    ConfigMsrrn mc = cfg.msrrn();
    PreparedSet.Summary summary = PreparedSet.readSummary(st, preparedDir);
    TrainJob.checkSamePolicy(summary, cfg);
    LandmarkScheme scheme = cfg.data().scheme();
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    JavaRDD<TrainingSample> all = DeepRegJob.storeSamples(spark, cfg, st, preparedDir, summary, true).map(Tuple2::_2)
        .persist(StorageLevel.MEMORY_AND_DISK_SER());
    try {
      List<String> ids = all.map(TrainingSample::faceId).distinct().collect();
      if (ids.isEmpty()) {
        throw new IllegalArgumentException("no training faces of " + preparedDir + " in its feature store");
      }
      Broadcast<Set<String>> held = jsc.broadcast(DeepRegJob.validationFaces(ids, mc.validationFaces(), cfg.train().seed()));
      JavaRDD<TrainingSample> train = all.filter(s -> !held.value().contains(s.faceId()))
          .persist(StorageLevel.MEMORY_AND_DISK_SER());
      JavaRDD<TrainingSample> validation = all.filter(s -> DeepRegJob.validates(s, held.value()))
          .persist(StorageLevel.MEMORY_AND_DISK_SER());
      LOG.info("train: msrrn on {} samples of {} faces ({} faces held out for validation)", train.count(),
          ids.size() - held.value().size(), held.value().size());
      String ckpt = Storage.resolve(DeepRegJob.checkpointsFor(modelDir), "msrrn");
      MsrrnTrainer trainer = new MsrrnTrainer(mc, cfg.features(), cfg.augment(), cfg.train().seed())
          .listener(new ProgressListener("msrrn")).listener(new CheckpointListener(st, ckpt));
      if (resume) {
        trainer.resumeFrom(st, ckpt);
      }
      if (warm != null) {
        trainer.startFrom(warm);
        LOG.info("train: msrrn warm-started from a trained graph");
      }
      GraphTrainer.Result r = trainer.fit(jsc, train, validation, scheme);

      List<String> hashes = spark.read().parquet(PreparedSet.facesDir(st, preparedDir))
          .filter(col("subset").equalTo(cfg.train().subset())).select("content_hash")
          .as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
      Provenance prov = Provenance.now(TrainJob.dataHash(hashes), hashes.size(), cfg.train().seed(), cfg.hash(), cfg.render());
      ModelHeader header = new ModelHeader(MsrrnModel.KIND, scheme, cfg.data().boxPolicy(), cfg.data().boxMargin(), prov);
      MsrrnInputs in = new MsrrnInputs(cfg.features(), cfg.augment(), mc.stages());
      List<Integer> sizes = java.util.Arrays.stream(in.cropSizes()).boxed().toList();
      MsrrnModel model = new MsrrnModel(header, cfg.features(), sizes, cfg.augment().cropMargin(), r.graph());

      // Table 2 and the per-stage errors: S0 (the CNN), then every recurrent stage, on each set
      ShapeUnits units = new ShapeUnits(cfg.features());
      Map<String, StageStats> perSet = new LinkedHashMap<>();
      perSet.put("train", MsrrnTrainer.stageStats(jsc, r.graph(), train, in, units, scheme));
      perSet.put("validation", MsrrnTrainer.stageStats(jsc, r.graph(), validation, in, units, scheme));
      JavaRDD<Tuple2<String, TrainingSample>> tests = DeepRegJob.storeSamples(spark, cfg, st, preparedDir, summary, false)
          .persist(StorageLevel.MEMORY_AND_DISK_SER());
      Map<String, Object> table2 = new LinkedHashMap<>();
      double[] meanShape = MsrrnTrainer.meanUnitShape(train, in, units, scheme.numPoints());
      for (String subset : summary.testSubsets()) {
        JavaRDD<TrainingSample> t = tests.filter(x -> x._1().equals(subset)).map(Tuple2::_2);
        StageStats s = MsrrnTrainer.stageStats(jsc, r.graph(), t, in, units, scheme);
        if (s.count() > 0) {
          perSet.put(subset, s);
          table2.put(subset, table2Rows(s, MsrrnTrainer.meanShapeStats(t, in, units, scheme, meanShape)));
        }
      }
      tests.unpersist(false);
      for (Map.Entry<String, StageStats> e : perSet.entrySet()) {
        LOG.info("train: msrrn IP-NME after S0 (CNN) and stages 1..{} on {} ({} samples): {}", mc.stages(), e.getKey(),
            e.getValue().count(), DeepRegJob.percent(e.getValue().nme()));
      }
      com.fasterxml.jackson.databind.node.ObjectNode t = (com.fasterxml.jackson.databind.node.ObjectNode)
          PreparedSet.JSON.valueToTree(new DeepRegJob.Training(MsrrnModel.KIND, List.of(), DeepRegJob.toErrors(perSet), null,
              r.history()));
      t.set("table2", PreparedSet.JSON.valueToTree(table2));
      ModelStore.save(model, st, modelDir, DeepRegJob.trainingBytes(t));
      LOG.info("train: msrrn with {} stages saved to {} (best epoch {}); Table 2: {}", mc.stages(), modelDir, r.bestEpoch(),
          table2);
      train.unpersist(false);
      validation.unpersist(false);
      return model;
    } finally {
      all.unpersist(false);
    }
  }

  /** The paper's Table 2 for one test set: mean shape, S0, stage 1..T, each with its mean IP-NME and fractions. */
  static Map<String, Map<String, Double>> table2Rows(StageStats s, StageStats mean) {
    Map<String, Map<String, Double>> rows = new LinkedHashMap<>();
    rows.put("mean shape", row(mean, 0));
    double[] nme = s.nme();
    for (int t = 0; t < nme.length; t++) {
      rows.put(t == 0 ? "cnn (S0)" : "stage " + t, row(s, t));
    }
    return rows;
  }

  private static Map<String, Double> row(StageStats s, int t) {
    Map<String, Double> r = new LinkedHashMap<>();
    r.put("ip_nme", s.nme()[t]);
    r.put("below_0.05", s.fractionBelow(0)[t]);
    r.put("below_0.10", s.fractionBelow(1)[t]);
    return r;
  }
}

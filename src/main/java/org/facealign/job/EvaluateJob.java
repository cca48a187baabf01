package org.facealign.job;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.Serializable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.facealign.config.FacealignConfig;
import org.facealign.data.DataException;
import org.facealign.data.FaceBox;
import org.facealign.data.FaceReader;
import org.facealign.data.FaceWindow;
import org.facealign.data.Failure;
import org.facealign.data.GrayImage;
import org.facealign.data.ImageDecoder;
import org.facealign.data.LandmarkScheme;
import org.facealign.data.Shape;
import org.facealign.data.Storage;
import org.facealign.eval.FaceResult;
import org.facealign.eval.Report;
import org.facealign.eval.ReportDirectory;
import org.facealign.model.LandmarkModel;
import org.facealign.model.ModelCache;
import org.facealign.model.ModelHeader;
import org.facealign.model.ModelStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static org.apache.spark.sql.functions.col;

/**
 * {@code evaluate}: predicts every test face of a prepared set with a saved model on the executors
 * (the model's files travel once per executor as a broadcast and are decoded once per JVM), collects
 * the per-face errors, and writes the report: {@code report.json}, {@code faces.csv}, {@code ced.png},
 * {@code report.html}, plus {@code config.conf}.
 *
 * <p>The report's counts cover the test inputs: those that failed to load in {@code prepare} and those
 * that failed here are both listed, so {@code in = ok + failed}, and counted apart ({@code prepare_failed},
 * {@code prediction_failed}); {@code predicted_alone} counts the faces predicted one by one because the prediction
 * of their batch failed (each such batch is logged with its faces and the reason). The preparation of the whole data set
 * (training faces included) is summarised in the report's {@code prepare} section.
 */
public final class EvaluateJob {
  private static final Logger LOG = LoggerFactory.getLogger(EvaluateJob.class);

  /** Faces of a partition handed to the model at once ({@link LandmarkModel#predictAll}). */
  static final int PREDICT_BATCH = 32;

  private EvaluateJob() {}

  /**
   * What became of one test face.
   *
   * @param result its errors, null when it failed
   * @param failure why it failed, null when it did not
   * @param alone whether it was predicted on its own because the prediction of its batch failed
   */
  record Outcome(FaceResult result, Failure failure, boolean alone) implements Serializable {
    Outcome(FaceResult result, Failure failure) {
      this(result, failure, false);
    }
  }

  /** Evaluates {@code modelDir} on the test subsets of {@code preparedDir}, writing the report to {@code outDir}. */
  public static Report run(SparkSession spark, FacealignConfig cfg, Storage st, String preparedDir, String modelDir,
      String outDir) throws IOException {
    return run(spark, cfg, st, preparedDir, modelDir, outDir, List.of());
  }

  /**
   * As {@link #run(SparkSession, FacealignConfig, Storage, String, String, String)}, and evaluates the models of
   * {@code compare} on the same test faces: their mean errors go into the section "comparison" and their CED
   * curves, with the model's, into one figure per test subset ({@code ced-compare-SUBSET.png}).
   */
  public static Report run(SparkSession spark, FacealignConfig cfg, Storage st, String preparedDir, String modelDir,
      String outDir, List<String> compare) throws IOException {
    ReportDirectory.checkWritable(st, outDir); // before the work, not after it
    // the summary is read once: a prepare committing meanwhile cannot mix its set with this one (the faces and
    // failures it names stay until the commit after that one)
    PreparedSet.Summary summary = PreparedSet.readSummary(st, preparedDir);
    String facesDir = PreparedSet.facesDir(summary, preparedDir);
    List<Failure> prepareFailures = PreparedSet.readFailures(st, summary, preparedDir);
    Map<String, byte[]> files = ModelStore.readFiles(st, modelDir);
    LandmarkModel model = cfg.inference().apply(ModelStore.decode(files, modelDir));
    ModelHeader h = model.header();
    checkCompatible(h, summary, modelDir);

    List<String> tests = summary.testSubsets();
    LandmarkScheme scheme = h.scheme();
    List<Outcome> outcomes = predictAll(spark, cfg, st, facesDir, tests, files, modelDir, scheme);

    Map<String, List<FaceResult>> bySubset = new LinkedHashMap<>();
    for (String s : tests) {
      bySubset.put(s, new ArrayList<>());
    }
    List<Failure> failures = new ArrayList<>();
    for (Failure f : prepareFailures) {
      if (tests.contains(f.subset())) {
        failures.add(f);
      }
    }
    long prepareFailed = failures.size();
    long alone = 0;
    for (Outcome o : outcomes) {
      if (o.alone()) {
        alone++;
      }
      if (o.result() != null) {
        bySubset.get(o.result().subset()).add(o.result());
      } else {
        failures.add(o.failure());
        LOG.warn("evaluate: {} ({}) failed to predict: {}", o.failure().faceId(), o.failure().source(),
            o.failure().reason());
      }
    }
    for (List<FaceResult> l : bySubset.values()) {
      l.sort((a, b) -> a.faceId().compareTo(b.faceId()));
    }
    long in = 0;
    for (String s : tests) {
      Counts c = summary.bySubset().get(s);
      in += c == null ? 0 : c.in();
    }
    long ok = outcomes.stream().filter(o -> o.result() != null).count();
    Counts counts = new Counts(in, ok, failures.size());
    long predictionFailed = failures.size() - prepareFailed;
    LOG.info("evaluate: {} ({} failed to load, {} failed to predict, {} predicted alone after their batch failed)", counts,
        prepareFailed, predictionFailed, alone);

    Report.Builder report = Report.builder().created(Instant.now()).cedMax(cfg.eval().cedMax());
    for (Map.Entry<String, List<FaceResult>> e : bySubset.entrySet()) {
      report.addSubset(e.getKey(), e.getValue());
    }
    for (Map.Entry<String, List<String>> d : summary.derivedSubsets().entrySet()) {
      report.deriveUnion(d.getKey(), d.getValue());
    }
    report.counts(counts.in(), counts.ok(), counts.failed())
        .countDetail("prepare_failed", prepareFailed)
        .countDetail("prediction_failed", predictionFailed)
        .countDetail("predicted_alone", alone)
        .failures(failures)
        .model(modelDescription(h, modelDir, cfg.inference().mirrorAverage()))
        .config(cfg.render())
        .section("prepare", prepareSection(summary, prepareFailures));
    addTraining(report, st, modelDir);
    // figures are named after subsets, whose names may be anything a list file is called ("hard set")
    Map<String, String> figureNames = Report.fileNameParts(withDerived(bySubset, summary).keySet());
    addWorstFaces(report, spark, cfg, st, facesDir, model, bySubset, figureNames);
    if (!compare.isEmpty()) {
      addComparison(report, spark, cfg, st, facesDir, tests, modelDir, h, bySubset, compare, summary, figureNames);
    }
    Report built = report.build();
    Map<String, byte[]> out = new LinkedHashMap<>(built.render());
    out.put("config.conf", cfg.render().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    // report.json records the SHA-256 of every other file of the report; the directory is replaced as a whole
    byte[] json = out.remove(Report.JSON);
    com.fasterxml.jackson.databind.node.ObjectNode written = PreparedSet.JSON.createObjectNode();
    Map<String, byte[]> reportFiles = new LinkedHashMap<>();
    for (Map.Entry<String, byte[]> f : out.entrySet()) {
      // text files (report.html, faces.csv) lose the credentials of any URI in them
      byte[] bytes = f.getKey().endsWith(".png") ? f.getValue() : org.facealign.config.Secrets.redactText(f.getValue());
      reportFiles.put(f.getKey(), bytes);
      written.put(f.getKey(), org.facealign.data.Hashes.sha256(bytes));
    }
    com.fasterxml.jackson.databind.node.ObjectNode root =
        (com.fasterxml.jackson.databind.node.ObjectNode) PreparedSet.JSON.readTree(json);
    root.set(Report.FILES, written);
    reportFiles.put(Report.JSON, org.facealign.config.Secrets.redactText(PreparedSet.JSON.writeValueAsBytes(root)));
    ReportDirectory.commit(st, outDir, reportFiles);
    LOG.info("evaluate: report written to {}", org.facealign.config.Secrets.redactText(Storage.resolve(outDir, "report.html")));
    return built;
  }

  /**
   * The predictions of the model whose files are {@code files} on the faces (in {@code facesDir}, a prepared set's)
   * of the {@code tests} subsets.
   */
  private static List<Outcome> predictAll(SparkSession spark, FacealignConfig cfg, Storage st, String facesDir,
      List<String> tests, Map<String, byte[]> files, String modelDir, LandmarkScheme scheme) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Broadcast<Map<String, byte[]>> modelFiles = jsc.broadcast(files);
    Broadcast<Storage> storage = jsc.broadcast(st);
    FaceReader.Limits limits = cfg.data().limits();
    String source = modelDir;
    FacealignConfig.Inference inference = cfg.inference();
    List<Outcome> outcomes = spark.read().parquet(facesDir)
        .filter(col("subset").isin(tests.toArray()))
        .javaRDD()
        .map(PreparedFace::fromRow)
        .mapPartitions(it -> {
          LandmarkModel m = inference.apply(ModelCache.get(modelFiles.value(), source));
          List<Outcome> out = new ArrayList<>();
          List<PreparedFace> chunk = new ArrayList<>(PREDICT_BATCH);
          while (it.hasNext()) {
            chunk.add(it.next());
            if (chunk.size() == PREDICT_BATCH || !it.hasNext()) {
              out.addAll(predict(chunk, m, storage.value(), limits, scheme));
              chunk.clear();
            }
          }
          return out.iterator();
        })
        .collect();
    modelFiles.destroy(false);
    return outcomes;
  }

  /**
   * The worst faces of each test subset, what a person looks at first: the {@code eval.worst-faces} faces with the
   * largest inter-pupil NME, drawn with the predicted (red) and true (green) landmarks and the box (yellow), as one
   * figure per subset ({@code worst-SUBSET.png}, SUBSET the subset's part of a file name in {@code figureNames}, see
   * {@link Report#fileNameParts}), and listed under the subset's name in the section "worst_faces". The faces are
   * predicted again on the driver, from the prepared set's rows.
   */
  static void addWorstFaces(Report.Builder report, SparkSession spark, FacealignConfig cfg, Storage st,
      String facesDir, LandmarkModel model, Map<String, List<FaceResult>> bySubset,
      Map<String, String> figureNames) {
    int k = cfg.eval().worstFaces();
    if (k == 0) {
      return;
    }
    Map<String, List<FaceResult>> worst = new LinkedHashMap<>();
    java.util.Set<String> ids = new java.util.HashSet<>();
    bySubset.forEach((subset, results) -> {
      List<FaceResult> w = results.stream()
          .sorted(java.util.Comparator.comparingDouble(FaceResult::ipNme).reversed()).limit(k).toList();
      worst.put(subset, w);
      w.forEach(r -> ids.add(r.faceId()));
    });
    if (ids.isEmpty()) {
      return;
    }
    // by subset and id: two list files may give faces of the same id (the same relative path in two folders)
    Map<String, PreparedFace> faces = new java.util.HashMap<>();
    for (org.apache.spark.sql.Row r : spark.read().parquet(facesDir)
        .filter(col("id").isin(ids.toArray()).and(col("subset").isin(bySubset.keySet().toArray()))).collectAsList()) {
      PreparedFace f = PreparedFace.fromRow(r);
      faces.put(f.subset() + "\n" + f.id(), f);
    }
    com.fasterxml.jackson.databind.node.ObjectNode section = PreparedSet.JSON.createObjectNode();
    for (Map.Entry<String, List<FaceResult>> e : worst.entrySet()) {
      List<GrayImage> images = new ArrayList<>();
      List<org.facealign.eval.Overlay.Face> drawn = new ArrayList<>();
      List<String> captions = new ArrayList<>();
      com.fasterxml.jackson.databind.node.ArrayNode list = section.putArray(e.getKey());
      for (FaceResult r : e.getValue()) {
        PreparedFace f = faces.get(r.subset() + "\n" + r.faceId());
        if (f == null) {
          continue;
        }
        try {
          GrayImage img = ImageDecoder.decode(st.readBytes(f.imagePath(), cfg.data().maxFileBytes()), f.imagePath(),
              cfg.data().maxPixels());
          Shape pred = model.predict(img, f.box());
          images.add(img);
          drawn.add(new org.facealign.eval.Overlay.Face(f.box(), pred, f.landmarks(), null));
          captions.add(String.format(java.util.Locale.ROOT, "%s  %.1f %%",
              r.faceId().substring(r.faceId().lastIndexOf('/') + 1), 100 * r.ipNme()));
          list.addObject().put("face_id", r.faceId()).put("image", f.imagePath()).put("ip_nme", r.ipNme());
        } catch (RuntimeException ex) {
          LOG.warn("evaluate: cannot draw worst face {}: {}", r.faceId(), ex.getMessage());
        }
      }
      if (!images.isEmpty()) {
        report.figure("worst-" + figureNames.get(e.getKey()) + ".png",
            org.facealign.eval.Overlay.gridPng(images, drawn, captions, 200, 4),
            "The " + images.size() + " worst faces of " + e.getKey() + " by inter-pupil NME: predicted landmarks in "
                + "red, ground truth in green, the face box in yellow.");
      }
    }
    report.section("worst_faces", section);
  }

  /**
   * The section "comparison" (mean IP-NME per subset and model, and the faces each compared model failed on)
   * and the figures {@code ced-compare-SUBSET.png} (SUBSET as for {@link #addWorstFaces}).
   */
  private static void addComparison(Report.Builder report, SparkSession spark, FacealignConfig cfg, Storage st,
      String facesDir, List<String> tests, String modelDir, ModelHeader h, Map<String, List<FaceResult>> bySubset,
      List<String> compare, PreparedSet.Summary summary, Map<String, String> figureNames) {
    Map<String, List<FaceResult>> own = withDerived(bySubset, summary);
    Map<String, Map<String, List<FaceResult>>> byModel = new LinkedHashMap<>();
    byModel.put(h.kind() + " (" + modelDir + ")", own);
    com.fasterxml.jackson.databind.node.ObjectNode failed = PreparedSet.JSON.createObjectNode();
    for (String dir : compare) {
      Map<String, byte[]> files = ModelStore.readFiles(st, dir);
      ModelHeader ch = ModelStore.decode(files, dir).header();
      checkCompatible(ch, summary, dir);
      String label = ch.kind() + " (" + dir + ")";
      Map<String, List<FaceResult>> m = new LinkedHashMap<>();
      tests.forEach(t -> m.put(t, new ArrayList<>()));
      long failures = 0;
      for (Outcome o : predictAll(spark, cfg, st, facesDir, tests, files, dir, ch.scheme())) {
        if (o.result() != null) {
          m.get(o.result().subset()).add(o.result());
        } else {
          failures++;
          LOG.warn("evaluate: compared model {} failed on {}: {}", dir, o.failure().faceId(), o.failure().reason());
        }
      }
      failed.put(label, failures);
      byModel.put(label, withDerived(m, summary));
    }
    com.fasterxml.jackson.databind.node.ObjectNode section = PreparedSet.JSON.createObjectNode();
    for (String subset : own.keySet()) {
      Map<String, double[]> curves = new LinkedHashMap<>();
      com.fasterxml.jackson.databind.node.ObjectNode row = section.putObject(subset);
      for (Map.Entry<String, Map<String, List<FaceResult>>> e : byModel.entrySet()) {
        double[] errors = e.getValue().getOrDefault(subset, List.of()).stream().mapToDouble(FaceResult::ipNme).toArray();
        if (errors.length > 0) {
          curves.put(e.getKey(), errors);
          row.put(e.getKey(), java.util.Arrays.stream(errors).average().orElse(Double.NaN));
        }
      }
      if (!curves.isEmpty()) {
        report.figure("ced-compare-" + figureNames.get(subset) + ".png",
            org.facealign.eval.CedPlot.png(curves, "CED, " + subset, "Inter-pupil normalised mean error",
                cfg.eval().cedMax(), 800, 600),
            "Cumulative error distribution of each model on the " + subset + " faces (inter-pupil NME).");
      }
    }
    section.set("failed to predict", failed);
    report.section("comparison", section);
  }

  /** {@code bySubset} with the prepared set's derived subsets (e.g. full = common + challenging) added. */
  private static Map<String, List<FaceResult>> withDerived(Map<String, List<FaceResult>> bySubset,
      PreparedSet.Summary summary) {
    Map<String, List<FaceResult>> all = new LinkedHashMap<>(bySubset);
    summary.derivedSubsets().forEach((name, parts) -> {
      List<FaceResult> union = Report.union(bySubset, parts);
      if (union != null) {
        all.put(name, union);
      }
    });
    return all;
  }

  /**
   * What training measured, when the model directory has it ({@link DeepRegJob#TRAINING_FILE}): the
   * section "training" and the per-stage figures (DeepReg's Fig. 4, error after each stage, and Fig. 2,
   * bias and variance after each stage).
   */
  static void addTraining(Report.Builder report, Storage st, String modelDir) throws IOException {
    String path = Storage.resolve(modelDir, DeepRegJob.TRAINING_FILE);
    if (!st.exists(path)) {
      return;
    }
    com.fasterxml.jackson.databind.JsonNode t = PreparedSet.JSON.readTree(st.readBytes(path, 16L << 20));
    report.section("training", t);
    // Table 1 of the paper, as far as one model gives it: the pre-trained cascade is SequentialReg (or
    // DeepRegLocal before joint training), the jointly trained one the model itself
    com.fasterxml.jackson.databind.node.ObjectNode table = PreparedSet.JSON.createObjectNode();
    String kind = t.path("kind").asText();
    for (String phase : List.of("stages", "joint_stages")) {
      if (!t.path(phase).isObject()) {
        continue;
      }
      String row = phase.equals("stages") ? (kind.equals("deepreglocal") ? "deepreglocal, pre-trained"
          : kind.equals("msrrn") ? kind : "sequentialreg") : kind;
      com.fasterxml.jackson.databind.node.ObjectNode r = table.putObject(row);
      t.path(phase).fieldNames().forEachRemaining(set -> {
        com.fasterxml.jackson.databind.JsonNode nme = t.path(phase).path(set).path("nme");
        r.put(set, nme.get(nme.size() - 1).asDouble());
      });
    }
    report.section("final_ip_nme_by_phase", table);
    if (t.path("table1").isObject()) {
      report.section("table1", t.get("table1"));
    }
    if (t.path("table2").isObject()) {
      report.section("table2", t.get("table2"));
    }
    Map<String, double[][]> nme = new java.util.LinkedHashMap<>();
    Map<String, double[][]> bv = new java.util.LinkedHashMap<>();
    for (String phase : List.of("stages", "joint_stages")) {
      com.fasterxml.jackson.databind.JsonNode sets = t.path(phase);
      String label = phase.equals("stages") ? (kind.equals("msrrn") ? "msrrn" : "sequential") : "joint";
      sets.fieldNames().forEachRemaining(set -> {
        com.fasterxml.jackson.databind.JsonNode e = sets.get(set);
        nme.put(label + " " + set, series(e.get("nme"), 100));
        if (set.equals("train") || set.equals("common")) {
          bv.put(label + " " + set + " bias²", series(e.get("bias"), 1));
          bv.put(label + " " + set + " variance", series(e.get("variance"), 1));
        }
      });
    }
    if (!nme.isEmpty()) {
      report.figure("stages.png", org.facealign.eval.LinePlot.png("Error after each stage", "stage t",
          "mean IP-NME (%)", nme), "Mean inter-pupil NME after each stage (0 = initial shape), per set.");
      report.figure("bias-variance.png", org.facealign.eval.LinePlot.png("Bias and variance after each stage", "stage t",
          "per landmark, IP-normalised", bv), "Squared bias and variance of the normalised residual after each stage.");
    }
  }

  private static double[][] series(com.fasterxml.jackson.databind.JsonNode values, double scale) {
    double[] x = new double[values.size()];
    double[] y = new double[values.size()];
    for (int i = 0; i < x.length; i++) {
      x[i] = i;
      y[i] = scale * values.get(i).asDouble();
    }
    return new double[][] {x, y};
  }

  /**
   * The outcomes of {@code faces}: those whose image decodes are predicted together ({@link
   * LandmarkModel#predictAll}), each from the {@link FaceWindow} of its photograph that the model reads (so a batch
   * holds one whole photograph at a time, not 32); a face that cannot be read, whose ground truth strays further from
   * its image than {@code limits.pointMargin()} allows (a set prepared before that check, or with a larger margin), or
   * whose box does not overlap its image ({@link FaceReader#checkBoxOnImage}; a set prepared before that check), is a
   * failure naming its file, and if the batch fails (or gives another number of shapes than it has faces) the failure
   * is logged with the batch's faces and its faces are retried one by one ({@link Outcome#alone()}), so that only the
   * faulty ones fail.
   */
  static List<Outcome> predict(List<PreparedFace> faces, LandmarkModel m, Storage st, FaceReader.Limits limits,
      LandmarkScheme scheme) {
    List<Outcome> out = new ArrayList<>(faces.size());
    List<PreparedFace> ok = new ArrayList<>(faces.size());
    List<GrayImage> images = new ArrayList<>(faces.size());
    List<FaceBox> boxes = new ArrayList<>(faces.size());
    List<FaceWindow> windows = new ArrayList<>(faces.size());
    for (PreparedFace f : faces) {
      try {
        GrayImage img = ImageDecoder.decode(st.readBytes(f.imagePath(), limits.maxFileBytes()), f.imagePath(),
            limits.maxPixels());
        FaceReader.checkNearImage(f.landmarks(), img.width(), img.height(), limits.pointMargin(),
            f.annotationPath() != null ? f.annotationPath() : f.imagePath());
        FaceReader.checkBoxOnImage(f.box(), img.width(), img.height(), f.imagePath(), f.imagePath());
        // only the part the model reads is kept, so a batch holds its faces, not its photographs
        FaceWindow w = FaceWindow.around(m.footprint(f.box()), img.width(), img.height());
        images.add(w.cut(img));
        boxes.add(w.toWindow(f.box()));
        windows.add(w);
        ok.add(f);
      } catch (DataException e) {
        out.add(new Outcome(null, Failure.of(f.id(), f.subset(), "predict", e)));
      } catch (RuntimeException e) {
        out.add(unexpected(f, e));
      }
    }
    List<Shape> shapes = null;
    if (!ok.isEmpty()) {
      try {
        shapes = m.predictAll(images, boxes);
        if (shapes == null || shapes.size() != ok.size()) {
          throw new IllegalStateException("the model gave " + (shapes == null ? "no" : shapes.size()) + " shapes for "
              + ok.size() + " faces");
        }
      } catch (RuntimeException e) {
        shapes = null;
        LOG.warn("evaluate: the prediction of a batch of {} faces failed ({}); predicting them one by one: {}", ok.size(),
            describe(e), names(ok));
      }
    }
    boolean alone = shapes == null;
    for (int i = 0; i < ok.size(); i++) {
      PreparedFace f = ok.get(i);
      try {
        Shape pred = windows.get(i).fromWindow(alone ? m.predict(images.get(i), boxes.get(i)) : shapes.get(i));
        out.add(new Outcome(FaceResult.of(f.id(), f.subset(), f.imagePath(), pred, f.landmarks(), scheme), null, alone));
      } catch (RuntimeException e) {
        Outcome o = unexpected(f, e);
        out.add(new Outcome(null, o.failure(), alone));
      }
    }
    return out;
  }

  /** The faces of a batch, for a log line: {@code id (image), ...}. */
  static String names(List<PreparedFace> faces) {
    StringBuilder b = new StringBuilder();
    for (PreparedFace f : faces) {
      b.append(b.length() == 0 ? "" : ", ").append(f.id()).append(" (").append(f.imagePath()).append(')');
    }
    return org.facealign.config.Secrets.redactText(b.toString());
  }

  private static String describe(RuntimeException e) {
    return e.getClass().getSimpleName() + ": " + e.getMessage();
  }

  private static Outcome unexpected(PreparedFace f, RuntimeException e) {
    return new Outcome(null, new Failure(f.id(), f.subset(), f.imagePath(), "predict",
        "unexpected " + describe(e), Failure.UNEXPECTED));
  }

  static Outcome predict(PreparedFace f, LandmarkModel m, Storage st, FaceReader.Limits limits, LandmarkScheme scheme) {
    try {
      GrayImage img = ImageDecoder.decode(st.readBytes(f.imagePath(), limits.maxFileBytes()), f.imagePath(),
          limits.maxPixels());
      FaceReader.checkNearImage(f.landmarks(), img.width(), img.height(), limits.pointMargin(),
          f.annotationPath() != null ? f.annotationPath() : f.imagePath());
      FaceReader.checkBoxOnImage(f.box(), img.width(), img.height(), f.imagePath(), f.imagePath());
      Shape pred = m.predict(img, f.box());
      return new Outcome(FaceResult.of(f.id(), f.subset(), f.imagePath(), pred, f.landmarks(), scheme), null);
    } catch (DataException e) {
      return new Outcome(null, Failure.of(f.id(), f.subset(), "predict", e));
    } catch (RuntimeException e) {
      return unexpected(f, e);
    }
  }

  /** Refuses the model in {@code modelDir} if it cannot be evaluated on the faces {@code s} describes. */
  static void checkCompatible(ModelHeader h, PreparedSet.Summary s, String modelDir) {
    String why = incompatibility(h, s.boxPolicy(), s.boxMargin(), s.points());
    if (why != null) {
      throw new IllegalArgumentException("model " + modelDir + " " + why);
    }
  }

  /**
   * Why a model of header {@code h} cannot be evaluated on faces prepared with box policy {@code boxPolicy} (margin
   * {@code boxMargin}) and {@code points} landmarks, as the end of a sentence about the model; null when it can. The
   * face box must be found the same way at training and test time.
   */
  static String incompatibility(ModelHeader h, String boxPolicy, double boxMargin, int points) {
    if (!h.boxPolicy().equals(boxPolicy) || (h.boxPolicy().equals("landmarks") && h.boxMargin() != boxMargin)) {
      return "was trained with box policy " + h.boxPolicy() + " (margin " + h.boxMargin() + "), the faces are "
          + "prepared with " + boxPolicy + " (margin " + boxMargin + "): the face box must be found the same way at "
          + "training and test time";
    }
    if (h.scheme().numPoints() != points) {
      return "predicts " + h.scheme().numPoints() + " points, the faces have " + points;
    }
    return null;
  }

  /**
   * The report's "model" section; {@code mirror_average} says whether its predictions were mirror averaged (the
   * sections copied from the model's {@code training.json} were measured without).
   */
  static Map<String, Object> modelDescription(ModelHeader h, String dir, boolean mirrorAverage) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("kind", h.kind());
    m.put("path", dir);
    m.put("mirror_average", mirrorAverage);
    m.put("box_policy", h.boxPolicy());
    m.put("data_hash", h.provenance().dataHash());
    m.put("training_faces", h.provenance().trainingFaces());
    m.put("seed", h.provenance().seed());
    m.put("git_revision", h.provenance().gitRevision());
    m.put("version", h.provenance().version());
    m.put("created_at", h.provenance().createdAt());
    if (!h.provenance().trainingHash().isEmpty()) {
      m.put("training_hash", h.provenance().trainingHash());
    }
    return m;
  }

  static JsonNode prepareSection(PreparedSet.Summary s, List<Failure> all) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("data_root", s.dataRoot());
    m.put("layout", s.layout());
    m.put("counts", s.counts());
    m.put("by_subset", s.bySubset());
    m.put("missing_parts", s.missingParts());
    m.put("notes", s.notes());
    m.put("failures", all);
    return PreparedSet.JSON.valueToTree(m);
  }
}

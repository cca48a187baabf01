package org.facealign.job;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.facealign.config.FacealignConfig;
import org.facealign.data.BoxPolicy;
import org.facealign.data.DataException;
import org.facealign.data.FaceBox;
import org.facealign.data.FaceEntry;
import org.facealign.data.FaceReader;
import org.facealign.data.LandmarkScheme;
import org.facealign.data.LoadedFace;
import org.facealign.data.Shape;
import org.facealign.data.Storage;
import org.facealign.data.W300Layout;
import org.facealign.detect.BoxMap;
import org.facealign.detect.CascadeDetector;
import org.facealign.detect.CascadeStage;
import org.facealign.detect.ConfigDetect;
import org.facealign.detect.Detection;
import org.facealign.eval.Nme;
import org.facealign.eval.PairedDifference;
import org.facealign.label.BoxConvention;
import org.facealign.label.NativeThreads;
import org.facealign.model.LandmarkModel;
import org.facealign.model.ModelCache;
import org.facealign.model.ModelStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code calibrate}: fits the detector's box maps on the training faces of a 300-W folder, and decides re-boxing on
 * a model's validation faces. Test faces are never read.
 *
 * <ol>
 *   <li>Every training image is given to the detector ({@code facealign.detect}); the detection with the largest
 *       IoU with the tight box of the annotated landmarks (at least 0.3) is that face's. Per detector stage, the
 *       {@link BoxMap} from its boxes to the 300-W detector boxes is fitted on its faces (on the faces of every stage
 *       running the same cascade when it found fewer than {@link #MIN_PAIRS}); the {@code landmarks} map from the
 *       tight landmark box to the 300-W box on all training faces.
 *   <li>With a model: its validation faces (the held-out training faces its training chose by its seed) are
 *       predicted from the 300-W box, from the mapped detector box, and again from the box the first prediction gives
 *       (re-boxing). Re-boxing is kept only if it lowers the mean inter-pupil NME by more than twice the standard
 *       error of the paired differences ({@link PairedDifference}, whose bootstrap interval is reported beside it).
 *       Validation faces that cannot be read are counted and logged with their file and reason.
 * </ol>
 *
 * The result is JSON, with a block of configuration ({@code facealign.detect.box-maps}, {@code rebox}) to use.
 */
public final class CalibrateJob {
  private static final Logger LOG = LoggerFactory.getLogger(CalibrateJob.class);
  /** Fewest faces a stage's own box map is fitted on; below it, the stages of the same cascade are pooled. */
  static final int MIN_PAIRS = 20;

  private CalibrateJob() {}

  /** The reason a training face without a 300-W detector box is counted under. */
  static final String NO_BOX = BoxPolicy.NO_DETECTOR_BOX;

  /** Bootstrap resamples of the re-boxing gain's interval. */
  static final int BOOTSTRAP_SAMPLES = 2000;

  /**
   * One training face's detection; {@code failure} (the problem's code) and {@code message} (its file and reason)
   * are null unless the face could not be read.
   */
  record Match(String id, String stage, FaceBox detected, FaceBox given, FaceBox tight, double iou, long nanos,
      String failure, String message) implements Serializable {}

  /**
   * One validation face's errors from the three boxes (NaN where there was no detection); {@code failure} and
   * {@code message} as in {@link Match}, the errors NaN.
   */
  record Errors(String id, double given, double detected, double reboxed, String failure, String message)
      implements Serializable {
    static Errors failed(String id, DataException ex) {
      return new Errors(id, Double.NaN, Double.NaN, Double.NaN, ex.code(), ex.getMessage());
    }
  }

  /** Runs the calibration; {@code modelDir} may be null (box maps only). */
  public static ObjectNode run(SparkSession spark, FacealignConfig cfg, Storage st, String data, String modelDir) {
    if (!W300Layout.looksLike(st, data)) {
      throw new IllegalArgumentException(data + " is not a 300-W folder: calibration needs its training faces, "
          + "their .pts annotations and boxes.txt");
    }
    List<FaceEntry> train = new ArrayList<>();
    // training entries that cannot be calibrated on: counted by reason and logged, never left out silently
    Map<String, Long> unusable = new TreeMap<>();
    long entries = 0;
    for (FaceEntry e : W300Layout.discover(st, data).entries()) {
      if (!e.subset().equals(W300Layout.TRAINING)) {
        continue;
      }
      entries++;
      if (e.problem() != null) {
        unusable.merge(e.problemCode(), 1L, Long::sum);
        LOG.warn("calibrate: training face {} skipped: {}", e.id(), e.problem());
      } else if (e.detectorBox() == null) {
        unusable.merge(NO_BOX, 1L, Long::sum);
        LOG.warn("calibrate: training face {} skipped: no 300-W detector box{}", e.id(),
            e.boxProblem() == null ? "" : " (" + e.boxProblem() + ")");
      } else {
        train.add(e);
      }
    }
    if (train.isEmpty()) {
      throw new IllegalArgumentException(data + " has no usable training faces (afw, lfpw/trainset, helen/trainset)");
    }
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Broadcast<Storage> storage = jsc.broadcast(st);
    ConfigDetect detect = cfg.detect();
    FaceReader.Limits limits = cfg.data().limits();
    LandmarkScheme scheme = cfg.data().scheme();
    int threads = cfg.label().nativeThreads();
    List<Match> matches = jsc.parallelize(train, SparkSessions.partitions(spark, cfg, train.size()))
        .map(e -> match(e, storage.value(), limits, scheme, detect, threads)).collect();

    // 1. the maps
    Map<String, List<FaceBox>> sources = new TreeMap<>();
    Map<String, List<FaceBox>> targets = new TreeMap<>();
    List<FaceBox> tights = new ArrayList<>();
    List<FaceBox> givens = new ArrayList<>();
    long found = 0;
    long found05 = 0;
    long usable = 0;
    long nanos = 0;
    Map<String, Long> failures = new TreeMap<>(unusable);
    for (Match m : matches) {
      if (m.failure() != null) {
        failures.merge(m.failure(), 1L, Long::sum);
        LOG.warn("calibrate: training face {} skipped: {}", m.id(), m.message());
        continue;
      }
      usable++;
      nanos += m.nanos();
      tights.add(m.tight());
      givens.add(m.given());
      if (m.stage() != null) {
        found++;
        if (m.iou() >= 0.5) {
          found05++;
        }
        sources.computeIfAbsent(m.stage(), k -> new ArrayList<>()).add(m.detected());
        targets.computeIfAbsent(m.stage(), k -> new ArrayList<>()).add(m.given());
      }
    }
    Map<String, BoxMap> maps = new LinkedHashMap<>();
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    out.put("data", st.qualify(data));
    out.put("training_faces_in", entries);
    out.put("training_images", usable);
    out.put("training_faces_failed", entries - usable);
    ObjectNode det = out.putObject("detection");
    det.put("found", found);
    det.put("recall", usable == 0 ? 0 : (double) found / usable);
    det.put("recall_iou05", usable == 0 ? 0 : (double) found05 / usable);
    det.put("ms_per_image", usable == 0 ? 0 : nanos / 1e6 / usable);
    ObjectNode byStage = det.putObject("found_by_stage");
    ObjectNode pooled = det.putObject("pooled_maps");
    for (String stage : detect.stages()) {
      List<FaceBox> src = new ArrayList<>(sources.getOrDefault(stage, List.of()));
      List<FaceBox> dst = new ArrayList<>(targets.getOrDefault(stage, List.of()));
      byStage.put(stage, src.size());
      if (src.size() < MIN_PAIRS) {
        // too few faces for a map of its own: pool the stages that run the same cascade
        src.clear();
        dst.clear();
        for (String other : detect.stages()) {
          if (CascadeStage.parse(other).sameCascade(CascadeStage.parse(stage))) {
            src.addAll(sources.getOrDefault(other, List.of()));
            dst.addAll(targets.getOrDefault(other, List.of()));
          }
        }
        pooled.put(stage, src.size());
      }
      maps.put(stage, src.isEmpty() ? detect.boxMap(stage) : BoxMap.fit(src, dst));
      if (src.isEmpty()) {
        LOG.warn("calibrate: no training face was found by stage {}; its map is left as configured", stage);
      }
    }
    if (!failures.isEmpty()) {
      ObjectNode f = out.putObject("unreadable");
      failures.forEach(f::put);
    }
    maps.put(ConfigDetect.LANDMARKS, BoxMap.fit(tights, givens));
    ObjectNode mapsJson = out.putObject("box_maps");
    maps.forEach((k, v) -> {
      var a = mapsJson.putArray(k);
      for (double x : v.toArray()) {
        a.add(Math.round(x * 1e4) / 1e4);
      }
    });
    ConfigDetect fitted = detect.withBoxMaps(rounded(maps));
    boolean rebox = detect.rebox();

    // 2. re-boxing, on the model's validation faces
    if (modelDir != null) {
      Map<String, byte[]> files = ModelStore.readFiles(st, modelDir);
      LandmarkModel model = ModelStore.decode(files, modelDir);
      List<String> ids = matches.stream().filter(m -> m.failure() == null).map(Match::id).toList();
      Set<String> held = DeepRegJob.validationFaces(model.header(), ids);
      List<FaceEntry> validation = train.stream().filter(e -> held.contains(e.id())).toList();
      Broadcast<Map<String, byte[]>> modelFiles = jsc.broadcast(files);
      BoxPolicy policy = BoxPolicy.parse(model.header().boxPolicy(), model.header().boxMargin());
      String source = modelDir;
      FacealignConfig.Inference inference = cfg.inference();
      List<Errors> all = jsc.parallelize(validation, SparkSessions.partitions(spark, cfg, validation.size()))
          .map(e -> errors(e, storage.value(), limits, fitted, policy, threads,
              inference.apply(ModelCache.get(modelFiles.value(), source))))
          .collect();
      ObjectNode v = out.putObject("validation");
      v.put("model", st.qualify(modelDir));
      rebox = rebox(v, all, model.header().provenance().seed());
      modelFiles.destroy(false);
    }
    out.put("rebox", rebox);
    out.put("hocon", ConfigDetect.boxMapsHocon(rounded(maps)) + "facealign.detect.rebox = " + rebox + "\n");
    return out;
  }

  /**
   * Writes the validation faces' figures into {@code v} and decides re-boxing: kept only if it lowers the mean
   * inter-pupil NME of the faces the detector found by more than twice the standard error of the paired differences
   * (at least two such faces). Faces that could not be read are counted by reason and logged, never left out silently.
   */
  static boolean rebox(ObjectNode v, List<Errors> all, long seed) {
    List<Errors> errors = new ArrayList<>();
    Map<String, Long> failed = new TreeMap<>();
    for (Errors e : all) {
      if (e.failure() == null) {
        errors.add(e);
      } else {
        failed.merge(e.failure(), 1L, Long::sum);
        LOG.warn("calibrate: validation face {} skipped: {}", e.id(), e.message());
      }
    }
    v.put("faces_in", all.size());
    v.put("faces", errors.size());
    v.put("faces_failed", all.size() - errors.size());
    if (!failed.isEmpty()) {
      ObjectNode f = v.putObject("unreadable");
      failed.forEach(f::put);
    }
    List<Errors> found = errors.stream().filter(e -> !Double.isNaN(e.detected())).toList();
    double[] d = found.stream().mapToDouble(Errors::detected).toArray();
    double[] r = found.stream().mapToDouble(Errors::reboxed).toArray();
    v.put("found", d.length);
    v.put("ip_nme_given_box", mean(errors.stream().mapToDouble(Errors::given).toArray()));
    v.put("ip_nme_given_box_found_faces", mean(found.stream().mapToDouble(Errors::given).toArray()));
    v.put("ip_nme_detected_box", mean(d));
    v.put("ip_nme_reboxed", mean(r));
    boolean rebox = false;
    if (d.length == 0) {
      v.putNull("rebox_gain");
    } else {
      // detected - reboxed: positive when re-boxing lowers the error
      PairedDifference gain = PairedDifference.of(d, r, BOOTSTRAP_SAMPLES, 0.95, seed);
      v.put("rebox_gain", gain.difference());
      v.put("rebox_gain_standard_error", d.length > 1 ? gain.standardError() : 0);
      v.putArray("rebox_gain_interval95").add(gain.lower()).add(gain.upper());
      v.put("reboxed_better", gain.bBetter());
      v.put("detected_better", gain.aBetter());
      rebox = d.length > 1 && gain.difference() > 2 * gain.standardError();
    }
    v.put("rebox", rebox);
    return rebox;
  }

  private static Map<String, BoxMap> rounded(Map<String, BoxMap> maps) {
    Map<String, BoxMap> r = new LinkedHashMap<>();
    maps.forEach((k, v) -> r.put(k, new BoxMap(Math.round(v.dx() * 1e4) / 1e4, Math.round(v.dy() * 1e4) / 1e4,
        Math.round(v.sw() * 1e4) / 1e4, Math.round(v.sh() * 1e4) / 1e4)));
    return r;
  }

  static Match match(FaceEntry e, Storage st, FaceReader.Limits limits, LandmarkScheme scheme, ConfigDetect detect,
      int threads) {
    NativeThreads.limit(threads);
    LoadedFace lf;
    try {
      lf = FaceReader.load(e, st, limits, scheme);
    } catch (DataException ex) {
      return new Match(e.id(), null, null, null, null, 0, 0, ex.code(), ex.getMessage());
    }
    FaceBox tight = lf.face().landmarks().extent();
    long t0 = System.nanoTime();
    List<Detection> found = CascadeDetector.forThread(detect).detect(lf.image());
    long nanos = System.nanoTime() - t0;
    Detection best = Detection.match(found, tight);
    return new Match(e.id(), best == null ? null : best.stage(), best == null ? null : best.box(), e.detectorBox(), tight,
        best == null ? 0 : best.box().iou(tight), nanos, null, null);
  }

  static Errors errors(FaceEntry e, Storage st, FaceReader.Limits limits, ConfigDetect detect, BoxPolicy policy,
      int threads, LandmarkModel model) {
    NativeThreads.limit(threads);
    LandmarkScheme scheme = model.header().scheme();
    LoadedFace lf;
    try {
      lf = FaceReader.load(e, st, limits, scheme);
    } catch (DataException ex) {
      return Errors.failed(e.id(), ex);
    }
    Shape truth = lf.face().landmarks();
    double given = Nme.interPupil(model.predict(lf.image(), policy.boxFor(lf.face())), truth, scheme);
    FaceBox tight = truth.extent();
    Detection best = Detection.match(CascadeDetector.forThread(detect).detect(lf.image()), tight);
    if (best == null) {
      return new Errors(e.id(), given, Double.NaN, Double.NaN, null, null);
    }
    BoxConvention convention = new BoxConvention(detect, policy);
    Shape first = model.predict(lf.image(), convention.fromDetection(best));
    Shape second = model.predict(lf.image(), convention.fromLandmarks(first));
    return new Errors(e.id(), given, Nme.interPupil(first, truth, scheme), Nme.interPupil(second, truth, scheme), null,
        null);
  }

  private static double mean(double[] v) {
    double s = 0;
    for (double x : v) {
      s += x;
    }
    return v.length == 0 ? Double.NaN : s / v.length;
  }
}

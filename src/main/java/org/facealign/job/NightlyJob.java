package org.facealign.job;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.Serializable;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.facealign.config.FacealignConfig;
import org.facealign.data.BoxPolicy;
import org.facealign.data.DataException;
import org.facealign.data.FaceBox;
import org.facealign.data.FaceEntry;
import org.facealign.data.FileLock;
import org.facealign.data.GrayImage;
import org.facealign.data.Hashes;
import org.facealign.data.ImageDecoder;
import org.facealign.data.Shape;
import org.facealign.data.Storage;
import org.facealign.eval.FaceResult;
import org.facealign.eval.Report;
import org.facealign.feature.ConfigFeatures;
import org.facealign.model.LandmarkModel;
import org.facealign.model.deepreg.DeepRegModel;
import org.facealign.model.msrrn.MsrrnModel;
import org.facealign.registry.ConfigNightly;
import org.facealign.registry.DataManifest;
import org.facealign.registry.Gate;
import org.facealign.registry.ModelRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static org.apache.spark.sql.functions.col;

/**
 * {@code nightly}: retrains on what changed and promotes the candidate only if it is no worse than production.
 *
 * <ol>
 *   <li>The training faces are hashed (image and annotation bytes, as {@code prepare} does) into a {@link
 *       DataManifest}; compared with the last trained run's, nothing changed means the run ends there ({@code
 *       no_change}) unless forced.
 *   <li>{@code prepare} runs with the registry's feature store: only new or changed faces get features.
 *   <li>The candidate is trained warm from the production model when its configuration is compatible (DeepReg: no
 *       pre-training, the joint phase from production's weights; MSRRN: training continues from its weights; both
 *       for {@code nightly.warm-epochs}), cold otherwise.
 *   <li>Candidate and production are evaluated on the same faces of the gated test subsets; the {@link Gate}
 *       decides.
 *   <li>Every candidate is published as a new version ({@link ModelRegistry#publish}: written, checksums verified
 *       by loading it back); the infra check predicts a few test faces with the published copy and requires the
 *       trained model's predictions exactly; only then, and only for a promoted candidate, the production pointer
 *       switches, in one atomic step.
 *   <li>One line is appended to {@code history.jsonl}: inputs, what changed, features computed, training, both
 *       models' NME per gated subset, the decision and its reason.
 * </ol>
 * One run at a time: the registry's lock. A failure at any step leaves production as it was.
 */
public final class NightlyJob {
  private static final Logger LOG = LoggerFactory.getLogger(NightlyJob.class);
  private static final DateTimeFormatter RUN_ID = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  private NightlyJob() {}

  /** The decisions, as {@code history.jsonl} spells them. */
  public static final String PROMOTED = "promoted";
  public static final String NO_CHANGE = "no_change";
  public static final String REJECTED = "rejected";
  public static final String FAILED = "failed";
  /** The published copy of the candidate does not predict what the trained model does: storage or code is broken. */
  public static final String INFRA_CHECK_FAILED = "infra_check_failed";

  /**
   * What to run.
   *
   * @param data the training and test data (a 300-W folder or list files)
   * @param registry the registry directory
   * @param force retrain even when the training data did not change
   * @param cold train from scratch even when a warm start is possible
   * @param breakLock remove a lock left by a run that is gone
   */
  public record Spec(PrepareJob.DataSpec data, String registry, boolean force, boolean cold, boolean breakLock) {}

  /** Points where tests inject failures. */
  public interface Hooks {
    /** After the candidate is published and verified, before the production pointer switches. */
    default void beforeSwitch(String version) {}

    /** After the candidate is trained, before anything is written to the registry. */
    default void afterTraining() throws IOException {}

    /** After the candidate is evaluated, before production is, on the same faces. */
    default void beforeProductionEvaluation() throws IOException {}

    /** After the candidate is published as a version (in {@code versionDir}), before the infra check reads it. */
    default void afterPublish(String versionDir) throws IOException {}

    /** After the switch, before each housekeeping step ({@code what} describes it). */
    default void afterSwitch(String what) throws IOException {}

    Hooks NONE = new Hooks() {};
  }

  /**
   * How a run ended.
   *
   * @param decision promoted, no_change, rejected or infra_check_failed
   * @param reason why, in words
   * @param version the candidate's version, or null when none was published
   * @param history the line appended to the history
   */
  public record Result(String decision, String reason, String version, ObjectNode history) {}

  /** A step that may fail with an {@link IOException}. */
  interface IoStep {
    void run() throws IOException;
  }

  public static Result run(SparkSession spark, FacealignConfig cfg, Storage st, Spec spec) throws IOException {
    return run(spark, cfg, st, spec, Hooks.NONE);
  }

  public static Result run(SparkSession spark, FacealignConfig cfg, Storage st, Spec spec, Hooks hooks)
      throws IOException {
    ModelRegistry reg = new ModelRegistry(st, spec.registry());
    Instant started = Instant.now();
    String runId = RUN_ID.format(started) + "-" + UUID.randomUUID().toString().substring(0, 8);
    ObjectNode h = JsonNodeFactory.instance.objectNode();
    h.put("run_id", runId);
    h.put("started", started.toString());
    h.put("data", st.qualify(spec.data().data()));
    h.put("model_kind", cfg.train().model());
    try (FileLock lock = reg.lock("nightly", spec.breakLock())) {
      Result r;
      try {
        r = new Night(spark, cfg, st, spec, reg, runId, h, hooks, lock).run();
      } catch (FileLock.HeldException lost) {
        // another run broke the lock and holds the registry now: this one writes nothing more, not even its history
        LOG.error("nightly: the registry's lock was taken by another run; this run stops without writing: {}",
            lost.getMessage());
        throw lost;
      } catch (IOException | RuntimeException | Error e) {
        // an Error too (a missing class, the heap exhausted): the history says the night failed
        h.put("decision", FAILED);
        h.put("reason", e.getClass().getSimpleName() + ": " + e.getMessage());
        try {
          finish(reg, h, started);
        } catch (IOException | RuntimeException again) {
          e.addSuppressed(again);
        }
        throw e;
      }
      LOG.info("nightly: {}: {}", r.decision(), org.facealign.config.Secrets.redactText(r.reason()));
      try {
        finish(reg, h, started);
      } catch (IOException | RuntimeException e) {
        // the night's outcome stands (production may already have switched); its history line is what is missing
        LOG.error("nightly: {}, but its line could not be appended to the history: {}", r.decision(), e.toString());
        h.withArray("housekeeping_failed").add("appending the history line: " + e);
      }
      return r;
    }
  }

  private static void finish(ModelRegistry reg, ObjectNode h, Instant started) throws IOException {
    Instant end = Instant.now();
    h.put("finished", end.toString());
    h.put("seconds", (end.toEpochMilli() - started.toEpochMilli()) / 1000.0);
    reg.appendHistory(h);
  }

  /** One night's run. */
  private static final class Night {
    final SparkSession spark;
    final FacealignConfig cfg;
    final ConfigNightly nc;
    final Storage st;
    final Spec spec;
    final ModelRegistry reg;
    final String runId;
    final ObjectNode h;
    final Hooks hooks;
    /** Checked before each step that writes the registry's versions, pointer or manifest. */
    final FileLock lock;

    Night(SparkSession spark, FacealignConfig cfg, Storage st, Spec spec, ModelRegistry reg, String runId, ObjectNode h,
        Hooks hooks, FileLock lock) {
      this.spark = spark;
      this.cfg = cfg;
      this.nc = cfg.nightly();
      this.st = st;
      this.spec = spec;
      this.reg = reg;
      this.runId = runId;
      this.h = h;
      this.hooks = hooks;
      this.lock = lock;
    }

    Result run() throws IOException {
      // 1. what changed since the last trained run
      DataManifest before = reg.manifest();
      ObjectNode d = h.putObject("training_data");
      DataManifest now = manifest(spark, cfg, st, spec.data(), d);
      DataManifest.Diff diff = now.since(before);
      d.put("faces", now.size());
      d.put("added", diff.added().size());
      d.put("changed", diff.changed().size());
      d.put("removed", diff.removed().size());
      d.put("manifest_hash", now.hash());
      Optional<ModelRegistry.Pointer> prod = reg.production();
      h.put("production", prod.map(ModelRegistry.Pointer::version).orElse(null));
      LOG.info("nightly: {} training faces: {}; production: {}", now.size(), diff, prod.map(ModelRegistry.Pointer::version)
          .orElse("none"));
      if (now.size() == d.get("unreadable").asLong()) {
        // a failure of the data (read permission revoked, files replaced), not of the command line: exit code 1
        throw new DataException(spec.data().data(), "no usable training faces (" + now.size() + " unreadable)");
      }
      if (diff.isEmpty() && prod.isPresent() && !spec.force()) {
        return decide(NO_CHANGE, "the training data is unchanged since the last trained run (manifest " + now.hash()
            .substring(0, 12) + "); nothing to train (--force retrains anyway)", null);
      }

      // 2. prepare: features only for new or changed faces
      String work = Storage.resolve(reg.path("runs"), runId);
      String prepared = Storage.resolve(work, "prepared");
      PreparedSet.Summary ps = PrepareJob.run(spark, cfg, st, spec.data(), prepared, reg.path(ModelRegistry.FEATURES));
      ObjectNode f = h.putObject("features");
      f.put("computed", ps.features().computed());
      f.put("reused", ps.features().reused());
      f.put("failed", ps.features().failed());
      h.set("prepare_counts", PreparedSet.JSON.valueToTree(ps.counts()));

      // 3. the candidate, warm or cold
      LandmarkModel production = prod.map(p -> reg.load(p.version())).orElse(null);
      String coldBecause = spec.cold() ? "--cold" : !nc.warmStart() ? "nightly.warm-start = false"
          : production == null ? "no model in production" : incompatibility(production, cfg);
      boolean warm = coldBecause == null;
      FacealignConfig trainCfg = cfg.with(trainingOverrides(warm, nc.warmEpochs()));
      String candidateDir = Storage.resolve(work, "candidate");
      long t0 = System.nanoTime();
      LandmarkModel candidate = train(trainCfg, prepared, candidateDir, warm ? production : null);
      ObjectNode t = h.putObject("training");
      t.put("warm", warm);
      t.put("cold_because", coldBecause);
      t.put("seconds", (System.nanoTime() - t0) / 1e9);
      t.set("epochs", epochHistory(st, candidateDir));
      hooks.afterTraining();

      // 4. both models on the same faces of the gated subsets
      java.util.Set<String> unreadable = new java.util.TreeSet<>();
      Map<String, Map<String, Double>> cand = errors(prepared, candidateDir, Storage.resolve(work, "report"),
          unreadable);
      ObjectNode nme = h.putObject("ip_nme");
      Gate.Decision decision;
      String notComparable = production == null ? null : notComparable(production, cfg);
      if (production == null) {
        nme.set("candidate", means(cand));
        decision = new Gate.Decision(true, "first version: nothing in production to compare with", Map.of());
      } else if (notComparable != null) {
        nme.set("candidate", means(cand));
        // production cannot be run on faces prepared for this configuration: the candidate waits for a person
        decision = new Gate.Decision(false, notComparable + ": the two cannot be compared on the same faces; compare "
            + "them by hand and promote the candidate with registry promote", Map.of());
      } else {
        hooks.beforeProductionEvaluation();
        Map<String, Map<String, Double>> prodErr = errors(prepared, reg.versionDir(prod.get().version()),
            Storage.resolve(work, "report-production"), unreadable);
        // a face either pass could not read is compared on neither side, nor counted in either mean: its failure is
        // not the candidate's
        h.put("gate_unreadable_faces", unreadable.size());
        cand = without(cand, unreadable);
        prodErr = without(prodErr, unreadable);
        nme.set("candidate", means(cand));
        nme.set("production", means(prodErr));
        decision = nc.gate(cfg.train().seed()).decide(paired(cand, prodErr));
      }
      h.set("gate", PreparedSet.JSON.valueToTree(decision.subsets()));

      // 5. publish every candidate; switch production only to a blessed one that passes the infra check
      ObjectNode info = JsonNodeFactory.instance.objectNode();
      info.put("run_id", runId);
      info.put("manifest_hash", now.hash());
      info.put("warm", warm);
      info.set("ip_nme", nme.get("candidate"));
      info.put("gate", decision.promote() ? "passed" : "refused: " + decision.reason());
      // pending until the check below ends: a version whose night died before then is not promoted by hand unchecked
      info.put(ModelRegistry.INFRA_CHECK, ModelRegistry.INFRA_PENDING);
      // a run whose lock another broke while it trained stops before it writes the registry (verified at each write)
      lock.verify();
      String version = reg.publish(candidateDir, info);
      h.put("candidate", version);
      hooks.afterPublish(reg.versionDir(version));
      String infra = infraCheck(candidate, reg.load(version), prepared);
      if (infra != null) {
        // the data are not marked as trained on: the next night tries again; the version says why it is not to be used
        reg.annotate(version, ModelRegistry.INFRA_CHECK, ModelRegistry.INFRA_FAILED + infra);
        housekeeping(INFRA_CHECK_FAILED, work);
        return decide(INFRA_CHECK_FAILED, "infra check: " + infra, version);
      }
      reg.annotate(version, ModelRegistry.INFRA_CHECK, ModelRegistry.INFRA_PASSED);
      if (!decision.promote()) {
        lock.verify();
        reg.writeManifest(now); // the same data would give the same candidate: wait for a change
        housekeeping(REJECTED, work);
        return decide(REJECTED, decision.reason(), version);
      }
      hooks.beforeSwitch(version);
      lock.verify();
      reg.switchTo(version, decision.reason());
      // production serves the candidate from here on: what follows is housekeeping, whose failure is reported with
      // the promotion rather than turning it into a failed night
      afterDecision(PROMOTED, "writing the training-data manifest (the next night trains on these data again)",
          () -> reg.writeManifest(now));
      housekeeping(PROMOTED, work);
      return decide(PROMOTED, decision.reason(), version);
    }

    /**
     * What every night that published a version does last, whatever its decision: the versions beyond {@code
     * keep-versions} and what crashed runs left are deleted, and the work directories of earlier runs (a night
     * whose candidates are all refused publishes one each time, as one whose infra check fails does).
     */
    void housekeeping(String decision, String work) {
      afterDecision(decision, "deleting versions beyond nightly.keep-versions", () -> {
        lock.verify();
        List<String> deleted = reg.retain(nc.keepVersions());
        if (!deleted.isEmpty()) {
          h.set("versions_deleted", PreparedSet.JSON.valueToTree(deleted));
        }
      });
      afterDecision(decision, "deleting earlier runs' work directories", () -> {
        lock.verify();
        pruneRuns(work);
      });
    }

    /**
     * A step after the night's decision took effect (production switched, or the candidate published and refused):
     * its failure is logged and listed in {@code housekeeping_failed}, not thrown, so the decision stands.
     */
    void afterDecision(String decision, String what, IoStep step) {
      try {
        hooks.afterSwitch(what);
        step.run();
      } catch (IOException | RuntimeException e) {
        LOG.warn("nightly: {}, but {} failed: {}", decision, what, e.toString());
        h.withArray("housekeeping_failed").add(what + ": " + e);
      }
    }

    /** Keeps the work directories of the last {@code keep-versions} runs (this one included). */
    void pruneRuns(String current) throws IOException {
      List<org.apache.hadoop.fs.FileStatus> runs = st.list(reg.path("runs"));
      for (int i = 0; i < runs.size() - nc.keepVersions(); i++) {
        String dir = runs.get(i).getPath().toString();
        if (!dir.equals(st.qualify(current))) {
          st.delete(dir);
        }
      }
    }

    Result decide(String decision, String reason, String version) {
      h.put("decision", decision);
      h.put("reason", reason);
      return new Result(decision, reason, version, h);
    }

    LandmarkModel train(FacealignConfig trainCfg, String prepared, String dir, LandmarkModel warm) throws IOException {
      if (warm instanceof DeepRegModel m) {
        return DeepRegJob.train(spark, trainCfg, st, prepared, dir, false, m.cascade());
      }
      if (warm instanceof MsrrnModel m) {
        return MsrrnJob.train(spark, trainCfg, st, prepared, dir, false, m.graph());
      }
      return TrainJob.run(spark, trainCfg, st, prepared, dir);
    }

    /**
     * Per gated subset, each face's inter-pupil NME under the model in {@code modelDir}. Faces whose image could not
     * be read or decoded in this pass (a read refused for a moment, a file replaced meanwhile: a failure of the data,
     * not of the model) are added to {@code unreadable}, logged with the reason.
     */
    Map<String, Map<String, Double>> errors(String prepared, String modelDir, String reportDir,
        java.util.Set<String> unreadable) throws IOException {
      Report r = EvaluateJob.run(spark, cfg, st, prepared, modelDir, reportDir);
      // only the faces the gate compares: those of the gated subsets (a derived one's through its parts)
      List<String> gated = storedSubsets(nc.gatedSubsets(), PreparedSet.readSummary(st, prepared).derivedSubsets());
      for (org.facealign.data.Failure f : r.failures()) {
        if ("predict".equals(f.stage()) && !org.facealign.data.Failure.UNEXPECTED.equals(f.code())
            && gated.contains(f.subset())) {
          LOG.warn("nightly: {} could not be read to evaluate {}; it is left out of the gate's comparison: {}",
              f.faceId(), modelDir, f.reason());
          unreadable.add(f.faceId());
        }
      }
      Map<String, Map<String, Double>> out = new LinkedHashMap<>();
      for (String subset : nc.gatedSubsets()) {
        List<FaceResult> faces = r.subsets().get(subset);
        if (faces == null) {
          throw new IllegalArgumentException("gated subset '" + subset + "' has no evaluated faces in " + prepared
              + " (subsets: " + r.subsets().keySet() + "); set facealign.nightly.gated-subsets");
        }
        if (faces.isEmpty()) {
          // the subset is there, but not one of its faces could be evaluated: the data's failure, exit code 1
          throw new DataException(prepared, "not one face of the gated subset '" + subset + "' could be evaluated with "
              + modelDir + " (" + r.failures().size() + " failures, the first: " + r.failures().stream().findFirst()
                  .map(f -> f.faceId() + ": " + f.reason()).orElse("none") + ")");
        }
        Map<String, Double> m = new LinkedHashMap<>();
        faces.forEach(x -> m.put(x.faceId(), x.ipNme()));
        out.put(subset, m);
      }
      return out;
    }

    /**
     * Predicts the first {@code infra-check-faces} test faces with the trained and the published model; null when
     * they agree exactly, else what differs.
     */
    String infraCheck(LandmarkModel trained, LandmarkModel published, String prepared) {
      List<String> stored = storedSubsets(nc.gatedSubsets(), PreparedSet.readSummary(st, prepared).derivedSubsets());
      List<PreparedFace> faces = spark.read().parquet(PreparedSet.facesDir(st, prepared))
          .filter(col("subset").isin(stored.toArray())).orderBy("id").limit(nc.infraCheckFaces())
          .javaRDD().map(PreparedFace::fromRow).collect();
      if (faces.isEmpty()) {
        // a check of no face would pass whatever the published copy holds
        return "no prepared face of the gated subsets " + nc.gatedSubsets() + " (stored as " + stored + ") to compare"
            + " the two models on";
      }
      int skipped = 0;
      String firstSkip = null;
      for (PreparedFace face : faces) {
        GrayImage img;
        try {
          img = ImageDecoder.decode(st.readBytes(face.imagePath(), cfg.data().maxFileBytes()), face.imagePath(),
              cfg.data().maxPixels());
        } catch (DataException e) {
          // read when prepared, unreadable now: changed or removed since
          LOG.warn("nightly: infra check skips {}: {}", face.id(), e.getMessage());
          skipped++;
          firstSkip = firstSkip == null ? e.getMessage() : firstSkip;
          continue;
        }
        Shape a = trained.predict(img, face.box());
        Shape b = published.predict(img, face.box());
        for (int i = 0; i < a.numPoints(); i++) {
          if (a.x(i) != b.x(i) || a.y(i) != b.y(i)) {
            return "the published model predicts landmark " + i + " of " + face.id() + " at (" + b.x(i) + ", " + b.y(i)
                + ") where the trained one gave (" + a.x(i) + ", " + a.y(i) + ")";
          }
        }
      }
      h.put("infra_check_faces", faces.size() - skipped);
      h.put("infra_check_skipped", skipped);
      if (skipped == faces.size()) {
        return "none of the " + faces.size() + " faces could be read to compare the two models (" + firstSkip + ")";
      }
      return null;
    }
  }

  /**
   * The subsets prepared faces are stored under that make up {@code gated}: each gated subset itself, or the parts
   * of a derived one (300-W's {@code full}, which no prepared face carries), each once, in order.
   */
  static List<String> storedSubsets(List<String> gated, Map<String, List<String>> derived) {
    java.util.LinkedHashSet<String> out = new java.util.LinkedHashSet<>();
    for (String s : gated) {
      out.addAll(derived == null ? List.of(s) : derived.getOrDefault(s, List.of(s)));
    }
    return List.copyOf(out);
  }

  /**
   * Why {@code production} cannot be evaluated on the faces prepared under {@code cfg} (another landmark scheme or
   * box policy than the model's), or null when it can.
   */
  static String notComparable(LandmarkModel production, FacealignConfig cfg) {
    // the same number of points is not the same points (eyes, flip map): evaluate's check counts points, as prepared
    // faces record no more of their scheme; here the whole scheme is known
    if (!production.header().scheme().equals(cfg.data().scheme())) {
      return "production has another landmark scheme (" + production.header().scheme().numPoints() + " points)";
    }
    String why = EvaluateJob.incompatibility(production.header(), cfg.data().boxPolicy(), cfg.data().boxMargin(),
        cfg.data().scheme().numPoints());
    return why == null ? null : "production " + why;
  }

  /**
   * The keys a night trains with besides its configuration: no Table 1, and, warm, {@code warmEpochs} epochs for
   * every kind (DeepRegLocal's {@code deepreg.local.epochs} included, which its own value would otherwise decide).
   */
  static Map<String, String> trainingOverrides(boolean warm, int warmEpochs) {
    Map<String, String> overrides = new HashMap<>();
    overrides.put("deepreg.table1", "false");
    if (warm) {
      for (String key : List.of("deepreg.epochs", "deepreg.local.epochs", "msrrn.epochs")) {
        overrides.put(key, Integer.toString(warmEpochs));
      }
    }
    return overrides;
  }

  /**
   * Why a warm start from {@code production} is not possible under {@code cfg}, or null when it is: the same kind,
   * landmark scheme, box policy and features, and (for DeepReg and MSRRN) the same architecture.
   */
  static String incompatibility(LandmarkModel production, FacealignConfig cfg) {
    String kind = cfg.train().model();
    if (!production.header().kind().equals(kind)) {
      return "production is a " + production.header().kind() + " model, this run trains " + kind;
    }
    if (!production.header().scheme().equals(cfg.data().scheme())
        || !production.header().boxPolicy().equals(cfg.data().boxPolicy())) {
      return "production has another landmark scheme or box policy";
    }
    FacealignConfig then;
    try {
      then = FacealignConfig.load(production.header().provenance().config(), Map.of());
    } catch (RuntimeException e) {
      return "production's configuration cannot be read: " + e.getMessage();
    }
    if (!FeatureStore.featureHash(then).equals(FeatureStore.featureHash(cfg))) {
      return "the feature settings changed";
    }
    // the model's own features, not only its configuration read again with this release's defaults (which a key
    // added since, such as features.map-stride, would take)
    if (production instanceof DeepRegModel d && !d.cascade().features().equals(cfg.features())
        || production instanceof MsrrnModel m && !m.features().equals(cfg.features())) {
      return "the feature settings changed";
    }
    if (production instanceof DeepRegModel && then.deepreg().stages() != cfg.deepreg().stages()) {
      return "deepreg.stages changed";
    }
    if (production instanceof MsrrnModel && !architecture(then).equals(architecture(cfg))) {
      return "the MSRRN architecture changed";
    }
    if (!(production instanceof DeepRegModel) && !(production instanceof MsrrnModel)) {
      return "a " + kind + " model has nothing to start from";
    }
    // a warm cascade skips pre-training: without a joint phase the candidate would be production's cascade again,
    // trained on none of the new faces, and the gate would pass it as no worse
    if (production instanceof DeepRegModel d && !d.variant().joint()) {
      return "a " + kind + " model has no joint phase to continue: only its pre-training learns from new faces";
    }
    return null;
  }

  private static List<Object> architecture(FacealignConfig c) {
    var m = c.msrrn();
    return List.of(m.stages(), m.patchSize(), m.rrnChannels(), m.rrnHidden(), m.cnnChannels(), m.cnnHidden(),
        m.patchNormalisation(), m.cnnBatchNorm(), m.cnnStrided(), c.augment().cropSizes(),
        c.augment().cropMargin());
  }

  /** A training face's content hash, or why its files could not be read. */
  private record Hashed(String id, String hash, DataException failure) implements Serializable {}

  /** How a training face that cannot be used enters the manifest, before its problem's code. */
  static final String UNREADABLE = "unreadable:";

  /**
   * Each subset's faces in both maps, paired in id order; the faces only one model has an error for are counted
   * (the gate refuses a candidate missing faces production has).
   */
  static Map<String, Gate.Paired> paired(Map<String, Map<String, Double>> cand, Map<String, Map<String, Double>> prod) {
    Map<String, Gate.Paired> out = new LinkedHashMap<>();
    cand.forEach((subset, c) -> {
      Map<String, Double> p = prod.getOrDefault(subset, Map.of());
      List<String> ids = new ArrayList<>(c.keySet());
      ids.retainAll(p.keySet());
      ids.sort(null);
      double[] a = new double[ids.size()];
      double[] b = new double[ids.size()];
      for (int i = 0; i < a.length; i++) {
        a[i] = c.get(ids.get(i));
        b[i] = p.get(ids.get(i));
      }
      out.put(subset, new Gate.Paired(a, b, c.size() - ids.size(), p.size() - ids.size()));
    });
    return out;
  }

  /** {@code errors} without the faces {@code ids}. */
  static Map<String, Map<String, Double>> without(Map<String, Map<String, Double>> errors, java.util.Set<String> ids) {
    Map<String, Map<String, Double>> out = new LinkedHashMap<>();
    errors.forEach((subset, m) -> {
      Map<String, Double> kept = new LinkedHashMap<>(m);
      kept.keySet().removeAll(ids);
      out.put(subset, kept);
    });
    return out;
  }

  private static ObjectNode means(Map<String, Map<String, Double>> errors) {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    errors.forEach((subset, m) -> n.put(subset, m.values().stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN)));
    return n;
  }

  /**
   * Validation error and seconds of each training epoch (epoch 0: the starting weights, before training), from
   * {@code training.json} beside the model (if any).
   */
  static ArrayNode epochHistory(Storage st, String modelDir) throws IOException {
    ArrayNode out = JsonNodeFactory.instance.arrayNode();
    String path = Storage.resolve(modelDir, DeepRegJob.TRAINING_FILE);
    if (!st.exists(path)) {
      return out;
    }
    for (JsonNode e : PreparedSet.JSON.readTree(st.readBytes(path, 64L << 20)).path("epochs")) {
      ObjectNode n = out.addObject().put("epoch", e.path("epoch").asInt()).put("seconds", e.path("seconds").asDouble());
      double v = e.path("validation_nme").asDouble(Double.NaN);
      if (Double.isFinite(v)) {
        n.put("validation_ip_nme", v);
      } else {
        n.putNull("validation_ip_nme");
      }
    }
    return out;
  }

  /**
   * The manifest of the training faces of {@code data}: each face's SHA-256 over its image and annotation bytes (as
   * {@code prepare} computes it), read on the executors without decoding. A face that cannot be used (a problem found
   * when the data set was listed, or files that cannot be read) enters it as {@code unreadable:CODE}, logged with its
   * file and reason and counted in {@code unreadable}: a new bad face is a change, so {@code prepare} runs and reports
   * it, and a face that becomes readable is a change again.
   */
  static DataManifest manifest(SparkSession spark, FacealignConfig cfg, Storage st, PrepareJob.DataSpec data,
      ObjectNode counts) throws IOException {
    String trainSubset = cfg.train().subset();
    List<FaceEntry> all = PrepareJob.discover(st, data, trainSubset, cfg.data().allowOutsideRoot()).discovery().entries()
        .stream().filter(e -> e.subset().equals(trainSubset)).toList();
    Map<String, String> hashes = new HashMap<>();
    Map<String, Long> unreadable = new java.util.TreeMap<>();
    List<FaceEntry> entries = new ArrayList<>();
    for (FaceEntry e : all) {
      if (e.problem() != null) {
        hashes.put(e.id(), UNREADABLE + e.problemCode());
        unreadable.merge(e.problemCode(), 1L, Long::sum);
        LOG.warn("nightly: training face {} cannot be used: {}", e.id(), e.problem());
      } else if (e.annotationPath() != null) {
        entries.add(e);
      }
    }
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Broadcast<Storage> storage = jsc.broadcast(st);
    long max = cfg.data().maxFileBytes();
    boolean detectorBoxes = BoxPolicy.parse(cfg.data().boxPolicy(), cfg.data().boxMargin()).kind()
        == BoxPolicy.Kind.DETECTOR;
    if (!entries.isEmpty()) {
      for (Hashed h : jsc.parallelize(entries, SparkSessions.partitions(spark, cfg, entries.size()))
          .map(e -> {
            try {
              byte[] img = storage.value().readBytes(e.imagePath(), max);
              byte[] ann = storage.value().readBytes(e.annotationPath(), max);
              String hash = detectorBoxes ? Hashes.sha256(img, ann, boxBytes(e)) : Hashes.sha256(img, ann);
              return new Hashed(e.id(), hash, null);
            } catch (DataException ex) {
              return new Hashed(e.id(), null, ex);
            }
          }).collect()) {
        if (h.failure() == null) {
          hashes.put(h.id(), h.hash());
        } else {
          hashes.put(h.id(), UNREADABLE + h.failure().code());
          unreadable.merge(h.failure().code(), 1L, Long::sum);
          LOG.warn("nightly: training face {} cannot be read: {}", h.id(), h.failure().getMessage());
        }
      }
    }
    counts.put("unreadable", unreadable.values().stream().mapToLong(Long::longValue).sum());
    if (!unreadable.isEmpty()) {
      ObjectNode byCode = counts.putObject("unreadable_by_reason");
      unreadable.forEach(byCode::put);
    }
    return DataManifest.of(hashes);
  }

  /**
   * The detector box of a face as its manifest hashes it (under the detector box policy, where the box is an input of
   * training): a corrected box, or a box supplied for a face that had none, is a change.
   */
  static byte[] boxBytes(FaceEntry e) {
    FaceBox b = e.detectorBox();
    String text = b != null ? "box " + b.text()
        : "no box: " + (e.boxProblem() == null ? "" : e.boxProblem());
    return text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }
}

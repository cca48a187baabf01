package org.facealign.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.facealign.augment.ConfigAugment;
import org.facealign.data.LandmarkScheme;
import org.facealign.feature.ConfigFeatures;

/**
 * The resolved, validated configuration of one run: {@code reference.conf} (every key, with its
 * default and meaning), overlaid by a user file ({@code --conf}), then by command-line overrides
 * ({@code -D key=value}, program arguments, so they work the same under spark-submit and locally). JVM
 * system properties are deliberately not read: one place to look for what a run used.
 *
 * <p>Validation happens here, once, at start: a key that {@code reference.conf} does not have, a value
 * of the wrong type, or a value out of range fails with a {@link ConfigException} that names the key.
 * Typed views ({@link #spark()}, {@link #data()}, {@link #train()}, {@link #eval()}) are immutable
 * records; {@link #render()} is what is saved beside every output so a run can be reproduced.
 */
public final class FacealignConfig {
  /** The root path of every key of the project. */
  public static final String ROOT = "facealign";

  private final Config config;
  private final Spark spark;
  private final Data data;
  private final Train train;
  private final Eval eval;
  private final Inference inference;
  private final ConfigFeatures features;
  private final String featureStore;
  private final ConfigAugment augment;

  private FacealignConfig(Config resolved) {
    this.config = resolved;
    try {
      Config f = resolved.getConfig(ROOT);
      this.spark = Spark.from(f.getConfig("spark"));
      this.data = Data.from(f.getConfig("data"));
      this.train = Train.from(f.getConfig("train"));
      this.eval = Eval.from(f.getConfig("eval"));
      this.inference = Inference.from(f.getConfig("inference"));
      this.features = features(f.getConfig("features"));
      this.featureStore = f.getString("features.store");
      this.augment = augment(f.getConfig("augment"), train.seed());
      deepreg(); // validated now, so a bad value fails at start
      lowRank();
      msrrn();
      detect();
      label();
      nightly();
    } catch (ConfigException.WrongType | ConfigException.Missing e) {
      // Typesafe names the key relative to the section it was read from: make it the full key.
      throw new ConfigException.Generic("invalid configuration: " + qualifyKeys(e.getMessage()), e);
    }
  }

  /** The defaults alone. */
  public static FacealignConfig defaults() {
    return load(null, Map.of());
  }

  /** This configuration with {@code key = value} overrides (values parsed as HOCON values). */
  public FacealignConfig with(Map<String, String> overrides) {
    Config c = config;
    Config reference = ConfigFactory.defaultReference();
    for (Map.Entry<String, String> e : overrides.entrySet()) {
      String key = overrideKey(e.getKey(), reference);
      c = c.withValue(key, overrideValue(key, e.getValue()));
    }
    return new FacealignConfig(c);
  }

  /**
   * Loads the configuration.
   *
   * @param userText the text of a user file (HOCON or JSON), or null
   * @param overrides {@code key=value} overrides (values parsed as HOCON values, so lists and numbers work)
   */
  public static FacealignConfig load(String userText, Map<String, String> overrides) {
    Config reference = ConfigFactory.parseResources(
        FacealignConfig.class.getClassLoader(), "reference.conf",
        ConfigParseOptions.defaults().setAllowMissing(false));
    Config user = ConfigFactory.empty();
    if (userText != null) {
      user = ConfigFactory.parseString(userText, ConfigParseOptions.defaults().setOriginDescription("--conf file"));
    }
    Config cli = ConfigFactory.empty();
    for (Map.Entry<String, String> e : overrides.entrySet()) {
      String key = overrideKey(e.getKey(), reference);
      cli = cli.withValue(key, overrideValue(key, e.getValue()));
    }
    Config layered = withoutRetiredKeys(cli.withFallback(user));
    checkKnownKeys(layered, reference);
    Config resolved = layered.withFallback(reference).resolve();
    try {
      resolved.checkValid(reference, ROOT);
    } catch (ConfigException.ValidationFailed e) {
      throw new ConfigException.Generic("invalid configuration: " + e.getMessage());
    }
    return new FacealignConfig(resolved);
  }

  /** Rewrites "N: key has type" (a key relative to its section) into the full facealign.* key. */
  private static String qualifyKeys(String message) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(.*?: )?([a-z-]+(\\.[a-z-]+)*) has type").matcher(message);
    if (!m.find()) {
      return message;
    }
    String key = m.group(2);
    for (String section : List.of("spark", "data", "train", "eval", "inference", "data.scheme", "features", "augment", "deepreg", "deepreg.low-rank",
        "msrrn", "detect", "detect.box-maps", "label", "nightly")) {
      String full = ROOT + "." + section + "." + key;
      if (ConfigFactory.defaultReference().hasPath(full)) {
        return message.substring(0, m.start(2)) + full + message.substring(m.end(2));
      }
    }
    return message;
  }

  /** Where the {@code spark.conf} map of Spark settings lives. */
  static final String SPARK_CONF = ROOT + ".spark.conf";

  /**
   * The configuration path of a {@code -D key=value} override: {@code facealign.KEY}; a Spark setting that is not
   * a facealign key ({@code spark.X.Y...}, e.g. {@code spark.hadoop.fs.s3a.endpoint}) goes into {@code
   * facealign.spark.conf} under its own name.
   */
  private static String overrideKey(String given, Config reference) {
    String rel = given.startsWith(ROOT + ".") ? given.substring(ROOT.length() + 1) : given;
    if (rel.startsWith("spark.") && rel.indexOf('.', "spark.".length()) > 0 && !rel.startsWith("spark.conf.")
        && !reference.hasPathOrNull(ROOT + "." + rel)) {
      return SPARK_CONF + "." + ConfigUtil.quoteString(rel);
    }
    return ROOT + "." + rel;
  }

  /** A Spark setting's value is taken verbatim (a string); any other override is parsed as a HOCON value. */
  private static ConfigValue overrideValue(String key, String text) {
    if (key.startsWith(SPARK_CONF + ".")) {
      return ConfigValueFactory.fromAnyRef(text, "-D " + key);
    }
    return parseValue(key, text);
  }

  private static ConfigValue parseValue(String key, String text) {
    try {
      Config c = ConfigFactory.parseString("v = " + text, ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF));
      return c.getValue("v").withOrigin(ConfigValueFactory.fromAnyRef(text, "-D " + key).origin());
    } catch (ConfigException e) {
      return ConfigValueFactory.fromAnyRef(text, "-D " + key);
    }
  }

  /**
   * Keys that earlier releases listed in {@code reference.conf} and this one does not, with the reason. A user's
   * file, a {@code -D} override or the configuration a saved model was trained with that sets one is still read: the
   * key is dropped with a warning, where any other unknown key is refused.
   */
  static final Map<String, String> RETIRED = Map.of(ROOT + ".msrrn.pretrain-penalty",
      "MSRRN never read it; the closed-form pre-training it names is DeepReg's (facealign.deepreg.pretrain-penalty)");

  private static Config withoutRetiredKeys(Config given) {
    Config c = given;
    for (Map.Entry<String, String> r : RETIRED.entrySet()) {
      if (c.hasPathOrNull(r.getKey())) {
        // a null value has no origin to name (Config.getValue refuses it)
        String where = c.hasPath(r.getKey()) ? c.getValue(r.getKey()).origin().description() : "set to null";
        org.slf4j.LoggerFactory.getLogger(FacealignConfig.class).warn("{} ({}) is ignored: {}", r.getKey(), where,
            r.getValue());
        c = c.withoutPath(r.getKey());
      }
    }
    return c;
  }

  private static void checkKnownKeys(Config given, Config reference) {
    Set<String> unknown = new TreeSet<>();
    for (Map.Entry<String, ConfigValue> e : given.entrySet()) {
      String key = e.getKey();
      if (!reference.hasPathOrNull(key) && !key.startsWith(SPARK_CONF + ".")) {
        unknown.add(key + " (" + e.getValue().origin().description() + ")");
      }
    }
    if (!unknown.isEmpty()) {
      throw new ConfigException.Generic("unknown configuration key" + (unknown.size() > 1 ? "s: " : ": ")
          + String.join(", ", unknown) + "; every key is listed in reference.conf");
    }
  }

  public Spark spark() {
    return spark;
  }

  public Data data() {
    return data;
  }

  public Train train() {
    return train;
  }

  public Eval eval() {
    return eval;
  }

  /** How models are applied. */
  public Inference inference() {
    return inference;
  }

  /** Feature extraction settings (validated). */
  public ConfigFeatures features() {
    return features;
  }

  /** The feature store directory, or empty for the run's own. */
  public String featureStore() {
    return featureStore;
  }

  /** DeepReg training settings (validated): those of SequentialReg and DeepReg, {@code deepreg(true)}. */
  public org.facealign.model.deepreg.ConfigDeepReg deepreg() {
    return deepreg(true);
  }

  /**
   * DeepReg training settings (validated) of a cascade with ({@code global}: SequentialReg, DeepReg) or without a
   * global layer (DeepRegLocal, which takes the keys of {@code facealign.deepreg.local} with their own values).
   */
  public org.facealign.model.deepreg.ConfigDeepReg deepreg(boolean global) {
    Config all = config.getConfig(ROOT + ".deepreg");
    Config c = global ? all : all.getConfig("local").withFallback(all);
    try {
      return new org.facealign.model.deepreg.ConfigDeepReg(c.getInt("stages"), c.getInt("starts"), c.getDouble("ridge"),
          c.getDouble("global-ridge"), c.getInt("validation-faces"), c.getDouble("dropout"), c.getInt("epochs"),
          c.getDouble("learning-rate"), c.getDouble("momentum"), c.getInt("batch"), c.getDouble("lr-drop"),
          c.getInt("patience"), c.getInt("early-stop"), c.getInt("workers"), c.getInt("averaging-frequency"),
          c.getString("lr-plateau"), c.getString("pretrain-penalty"), c.getBoolean("joint-perturb"),
          c.getInt("global-folds"), c.getBoolean("rescale-starts"), c.getDouble("perturb-scale"), c.getString("updater"),
          c.getString("pretrain"), c.getInt("pretrain-epochs"), c.getDouble("pretrain-learning-rate"),
          c.getString("lr-schedule"), c.getString("early-stop-plateau"), c.getString("loss"),
          c.getDouble("joint-rotation"));
    } catch (IllegalArgumentException e) {
      throw bad(c, global ? "facealign.deepreg" : "facealign.deepreg(.local)", e.getMessage());
    }
  }

  /** The reduced-rank local layers of DeepReg's kinds (validated), {@code facealign.deepreg.low-rank}. */
  public org.facealign.model.deepreg.ConfigLowRank lowRank() {
    Config c = config.getConfig(ROOT + ".deepreg.low-rank");
    try {
      return new org.facealign.model.deepreg.ConfigLowRank(c.getIntList("ranks"), c.getDouble("tolerance"));
    } catch (IllegalArgumentException e) {
      throw bad(c, "facealign.deepreg.low-rank", e.getMessage());
    }
  }

  /** MSRRN training settings (validated). */
  public org.facealign.model.msrrn.ConfigMsrrn msrrn() {
    Config c = config.getConfig(ROOT + ".msrrn");
    try {
      return new org.facealign.model.msrrn.ConfigMsrrn(c.getInt("stages"), c.getInt("patch-size"), c.getInt("rrn-channels"),
          c.getInt("rrn-hidden"), c.getInt("cnn-channels"), c.getInt("cnn-hidden"), c.getDouble("weight-decay"),
          c.getDouble("learning-rate"), c.getInt("batch"), c.getInt("epochs"), c.getDouble("lr-drop"), c.getInt("patience"),
          c.getInt("early-stop"), c.getInt("workers"), c.getInt("averaging-frequency"), c.getInt("validation-faces"),
          c.getBoolean("online-augment"), c.getBoolean("position-gradient"),
          c.getBoolean("patch-normalisation"), c.getBoolean("cnn-batch-norm"),
          c.getBoolean("cnn-strided"), c.getDouble("rrn-leaky-slope"), c.getDouble("dropout"),
          c.getDouble("jitter-scale"), c.getDouble("jitter-shift"), c.getInt("native-threads"),
          c.getDouble("s0-perturb"), c.getString("lr-schedule"), c.getString("loss"));
    } catch (IllegalArgumentException e) {
      throw bad(c, "facealign.msrrn", e.getMessage());
    }
  }

  /** Face detection settings (validated). */
  public org.facealign.detect.ConfigDetect detect() {
    Config c = config.getConfig(ROOT + ".detect");
    try {
      Map<String, org.facealign.detect.BoxMap> maps = new java.util.LinkedHashMap<>();
      Config m = c.getConfig("box-maps");
      for (String k : new TreeSet<>(m.root().keySet())) {
        maps.put(k, org.facealign.detect.BoxMap.of(m.getDoubleList(k)));
      }
      return new org.facealign.detect.ConfigDetect(c.getStringList("stages"), c.getDouble("scale-factor"),
          c.getDouble("min-face"), c.getInt("min-face-pixels"), c.getInt("window"), c.getDouble("rotation-deg"),
          c.getBoolean("equalize"), c.getInt("max-faces"), maps, c.getBoolean("rebox"));
    } catch (IllegalArgumentException e) {
      throw bad(c, "facealign.detect", e.getMessage());
    }
  }

  /** Nightly retraining settings (validated). */
  public org.facealign.registry.ConfigNightly nightly() {
    Config c = config.getConfig(ROOT + ".nightly");
    try {
      return new org.facealign.registry.ConfigNightly(c.getStringList("gated-subsets"), c.getDouble("tolerance"),
          c.getInt("bootstrap-samples"), c.getDouble("confidence"), c.getBoolean("warm-start"), c.getInt("warm-epochs"),
          c.getInt("keep-versions"), c.getInt("infra-check-faces"));
    } catch (IllegalArgumentException e) {
      throw bad(c, "facealign.nightly", e.getMessage());
    }
  }

  /** Batch labelling settings (validated). */
  public org.facealign.label.ConfigLabel label() {
    Config c = config.getConfig(ROOT + ".label");
    try {
      return new org.facealign.label.ConfigLabel(c.getStringList("extensions"), c.getBoolean("recursive"),
          c.getString("path-column"), c.getStringList("box-columns"), c.getInt("chunk-images"),
          c.getInt("images-per-task"), c.getInt("images-per-file"), c.getInt("predict-batch"),
          c.getLong("batch-pixels"), c.getDouble("crop-margin"),
          c.getBoolean("ground-truth"), c.getInt("overlay-side"), c.getInt("progress-seconds"),
          c.getInt("native-threads"));
    } catch (IllegalArgumentException e) {
      throw bad(c, "facealign.label", e.getMessage());
    }
  }

  /** Augmentation settings (validated), seeded by {@code train.seed}. */
  public ConfigAugment augment() {
    return augment;
  }

  private static ConfigFeatures features(Config c) {
    List<Integer> patches = c.getIntList("patch-sizes");
    try {
      ConfigFeatures f = ConfigFeatures.builder()
        .faceSize(c.getInt("face-size")).margin(c.getDouble("margin"))
        .hogSize(c.getInt("hog-size")).hogCellSize(c.getInt("hog-cell-size")).hogBins(c.getInt("hog-bins"))
        .hogBlockCells(c.getInt("hog-block-cells")).hogBlockStride(c.getInt("hog-block-stride"))
        .hogClip(c.getDouble("hog-clip")).orientations(c.getInt("orientations")).blurSigma(c.getDouble("blur-sigma"))
        .mapStride(c.getInt("map-stride"))
        .siftCells(c.getInt("sift-cells")).patchSizes(toArray(patches))
        .jacobianEpsilon(c.getDouble("jacobian-epsilon")).clip(c.getDouble("clip"))
        .build();
      f.checkValidity();
      return f;
    } catch (IllegalArgumentException e) {
      throw bad(c, "facealign.features", e.getMessage());
    }
  }

  private static ConfigAugment augment(Config c, long seed) {
    try {
      ConfigAugment a = ConfigAugment.defaults()
          .withFlip(c.getBoolean("flip")).withNoiseSigma(c.getDouble("noise-sigma"))
          .withMaxRotationDeg(c.getDouble("max-rotation-deg")).withCopies(c.getInt("copies"))
          .withCropSizes(c.getIntList("crop-sizes")).withCropMargin(c.getDouble("crop-margin")).withSeed(seed);
      a.checkValidity();
      return a;
    } catch (IllegalArgumentException e) {
      throw bad(c, "facealign.augment", e.getMessage());
    }
  }

  /** The underlying Typesafe Config (root, including {@code facealign}). */
  public Config raw() {
    return config;
  }

  /**
   * The {@code facealign} subtree as HOCON, without comments: what is saved beside outputs (and inside models).
   * Secrets are redacted ({@link Secrets#redact(Config)}); an empty {@code spark.conf} is left out, so a
   * configuration without Spark settings renders as it did before they existed.
   */
  public String render() {
    return written().withOnlyPath(ROOT).root()
        .render(ConfigRenderOptions.defaults().setOriginComments(false).setComments(false).setFormatted(true).setJson(false));
  }

  /**
   * A SHA-256 of the canonical JSON of the whole {@code facealign} subtree as {@link #render()} writes it: secrets
   * redacted (a credential is not part of what a run computes, and its hash is not written either), an empty
   * {@code spark.conf} left out. A configuration without secrets or Spark settings hashes as it always did.
   */
  public String hash() {
    return org.facealign.data.Hashes.sha256(written().getConfig(ROOT).root().render(ConfigRenderOptions.concise()));
  }

  /** The configuration as it may be written out: secrets redacted, an empty {@code spark.conf} left out. */
  private Config written() {
    Config c = Secrets.redact(config.withOnlyPath(ROOT));
    if (c.getConfig(SPARK_CONF).isEmpty()) {
      c = c.withoutPath(SPARK_CONF);
    }
    return c;
  }

  /**
   * The Spark settings of {@code facealign.spark.conf}, by their Spark names (given quoted,
   * {@code "spark.executor.memory" = 4g}, or nested, {@code spark.executor.memory = 4g}), values as strings. Never
   * write or log these as they are: {@link Secrets#redact(Map)}.
   */
  public Map<String, String> sparkSettings() {
    Map<String, String> out = new java.util.TreeMap<>();
    for (Map.Entry<String, ConfigValue> e : config.getConfig(SPARK_CONF).entrySet()) {
      Object v = e.getValue().unwrapped();
      out.put(String.join(".", ConfigUtil.splitPath(e.getKey())), v == null ? "" : v.toString());
    }
    return out;
  }

  private static ConfigException bad(Config c, String key, String why) {
    return new ConfigException.BadValue(c.origin(), key, why);
  }

  /**
   * Spark settings.
   *
   * @param master master used when spark-submit gives none
   * @param appName application name prefix
   * @param partitions partitions for per-face work, 0 = automatic
   * @param serializer "kryo" or "java"
   */
  public record Spark(String master, String appName, int partitions, String serializer) {
    static Spark from(Config c) {
      int partitions = c.getInt("partitions");
      if (partitions < 0) {
        throw bad(c, "facealign.spark.partitions", "must be 0 (automatic) or positive, got " + partitions);
      }
      String ser = c.getString("serializer").toLowerCase(Locale.ROOT);
      if (!ser.equals("kryo") && !ser.equals("java")) {
        throw bad(c, "facealign.spark.serializer", "must be kryo or java, got " + ser);
      }
      return new Spark(c.getString("master"), c.getString("app-name"), partitions, ser);
    }
  }

  /**
   * Data settings.
   *
   * @param boxPolicy "detector" or "landmarks"
   * @param boxMargin margin per side for the landmarks policy, fraction of the extent
   * @param maxFileBytes largest image file read
   * @param maxPixels largest declared image size decoded
   * @param scheme the landmark scheme
   * @param pointMargin how far outside its image an annotated point may lie, as a fraction of the image's larger
   *     side
   * @param allowOutsideRoot whether a relative path in a list file may climb out of the list's folder with {@code ..}
   */
  public record Data(String boxPolicy, double boxMargin, long maxFileBytes, long maxPixels, LandmarkScheme scheme,
      double pointMargin, boolean allowOutsideRoot) {

    /** The limits every face is loaded within. */
    public org.facealign.data.FaceReader.Limits limits() {
      return new org.facealign.data.FaceReader.Limits(maxFileBytes, maxPixels, pointMargin);
    }

    static Data from(Config c) {
      String policy = c.getString("box-policy").toLowerCase(Locale.ROOT);
      if (!policy.equals("detector") && !policy.equals("landmarks")) {
        throw bad(c, "facealign.data.box-policy", "must be detector or landmarks, got " + policy);
      }
      double margin = c.getDouble("box-margin");
      if (!(margin > -0.5 && margin < 2)) {
        throw bad(c, "facealign.data.box-margin", "must be in (-0.5, 2), got " + margin);
      }
      long maxFile = c.getBytes("max-file-bytes");
      long maxPixels = c.getLong("max-pixels");
      if (maxFile < 1 || maxPixels < 1) {
        throw bad(c, "facealign.data.max-file-bytes", "size limits must be positive");
      }
      Config s = c.getConfig("scheme");
      LandmarkScheme scheme;
      try {
        List<Integer> eyeA = s.getIntList("eye-a");
        List<Integer> eyeB = s.getIntList("eye-b");
        List<Integer> corners = s.getIntList("outer-corners");
        if (corners.size() != 2) {
          throw new IllegalArgumentException("outer-corners needs two indices");
        }
        scheme = new LandmarkScheme(s.getInt("points"), toArray(s.getIntList("flip-map")),
            toArray(eyeA), toArray(eyeB), corners.get(0), corners.get(1));
      } catch (IllegalArgumentException e) {
        throw bad(c, "facealign.data.scheme", e.getMessage());
      }
      double pointMargin = c.getDouble("point-margin");
      if (!(pointMargin >= 0 && pointMargin <= 100)) {
        throw bad(c, "facealign.data.point-margin", "must be in [0, 100], got " + pointMargin);
      }
      return new Data(policy, margin, maxFile, maxPixels, scheme, pointMargin, c.getBoolean("allow-outside-root"));
    }
  }

  /**
   * Training settings.
   *
   * @param model mean, sequentialreg, deepreglocal, deepreg or msrrn
   * @param seed seed of all random choices
   * @param subset subset trained on
   */
  public record Train(String model, long seed, String subset) {
    /** Models this build can train. */
    public static final List<String> MODELS = List.of("mean", "sequentialreg", "deepreglocal", "deepreg", "msrrn");

    static Train from(Config c) {
      String model = c.getString("model").toLowerCase(Locale.ROOT);
      if (!MODELS.contains(model)) {
        throw bad(c, "facealign.train.model", "must be one of " + MODELS + ", got " + model);
      }
      return new Train(model, c.getLong("seed"), c.getString("subset"));
    }
  }

  /**
   * Evaluation settings.
   *
   * @param cedMax right end of the CED plot
   */
  public record Eval(double cedMax, int worstFaces) {
    static Eval from(Config c) {
      double m = c.getDouble("ced-max");
      if (!(m > 0 && m <= 1)) {
        throw bad(c, "facealign.eval.ced-max", "must be in (0, 1], got " + m);
      }
      int worst = c.getInt("worst-faces");
      if (worst < 0 || worst > 100) {
        throw bad(c, "facealign.eval.worst-faces", "must be in [0, 100], got " + worst);
      }
      return new Eval(m, worst);
    }
  }

  /**
   * How models are applied ({@code facealign.inference}).
   *
   * @param mirrorAverage average each face's landmarks with the model's on the mirrored face
   *     ({@link org.facealign.model.MirrorAveraged})
   */
  public record Inference(boolean mirrorAverage) implements java.io.Serializable {
    static Inference from(Config c) {
      return new Inference(c.getBoolean("mirror-average"));
    }

    /** {@code model} applied with these settings. */
    public org.facealign.model.LandmarkModel apply(org.facealign.model.LandmarkModel model) {
      return org.facealign.model.MirrorAveraged.of(model, mirrorAverage);
    }
  }

  private static int[] toArray(List<Integer> l) {
    int[] a = new int[l.size()];
    for (int i = 0; i < a.length; i++) {
      a[i] = l.get(i);
    }
    return a;
  }

  /** The keys a user may set, for {@code --help} style listings. */
  public static List<String> knownKeys() {
    Config reference = ConfigFactory.parseResources(FacealignConfig.class.getClassLoader(), "reference.conf");
    List<String> keys = new ArrayList<>();
    for (Map.Entry<String, ConfigValue> e : reference.entrySet()) {
      keys.add(e.getKey());
    }
    keys.sort(null);
    return keys;
  }
}

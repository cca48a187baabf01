package org.facealign.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import org.facealign.data.Failure;

/**
 * The evaluation of one model on 300-W style subsets (Sagonas et al., "300 Faces in-the-Wild
 * Challenge"): per-face normalised mean errors by subset, their summary statistics ({@link ErrorStats})
 * under the inter-pupil normalisation (Shi et al. 2014, Wang et al. 2017 MSRRN) and the inter-ocular one
 * (300-W), the input accounting, the failures, the model description and the resolved configuration,
 * plus any extra JSON sections and figures later analyses attach. Immutable; made with {@link Builder}.
 *
 * <p>{@link #render()} gives the files of a report directory:
 * <ul>
 *   <li>{@code report.json}: stable keys {@code subsets.<S>.faces}, {@code .ip_nme}, {@code .io_nme}
 *       (means), {@code .failure_rate_008}, {@code .auc_008} (inter-pupil), blocks {@code subsets.<S>.ip}
 *       and {@code .io} with every {@link ErrorStats} field in snake_case (null when the subset is empty),
 *       {@code counts.in/ok/failed} (and any {@linkplain Builder#countDetail detail counts} beside them),
 *       {@code failures}, {@code model}, {@code config}, {@code created}, and
 *       each extra section under its own key;
 *   <li>{@code faces.csv}: {@code face_id,subset,image,ip_nme,io_nme}, one row per face per subset;
 *   <li>{@code ced.png}: inter-pupil CED curves of the non-empty subsets, 800x600;
 *   <li>{@code report.html}: a self-contained page with all of the above;
 *   <li>each extra figure, under its file name.
 * </ul>
 */
public final class Report {

  /** File names {@link #render()} always produces. */
  public static final String JSON = "report.json";
  public static final String CSV = "faces.csv";
  /** The key of {@code report.json} that records the SHA-256 of each file written with it, by name. */
  public static final String FILES = "files";
  public static final String CED = "ced.png";
  public static final String HTML = "report.html";

  /** Default x-axis end of the CED figure. */
  public static final double CED_X_MAX = 0.15;

  static final Set<String> RESERVED_KEYS =
      Set.of("subsets", "counts", "failures", "model", "config", "created");
  private static final Set<String> RESERVED_FILES = Set.of(JSON, CSV, CED, HTML);
  private static final Pattern COUNT_KEY = Pattern.compile("[a-z][a-z0-9_]*");
  private static final Pattern FIGURE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*\\.png");
  /** The longest part {@link #fileNameParts} gives, well below file systems' 255-byte limit on a name. */
  static final int FILE_NAME_PART_MAX = 100;
  private static final Pattern PLAIN_PART = Pattern.compile("[A-Za-z0-9._-]{1," + FILE_NAME_PART_MAX + "}");

  /**
   * How many inputs there were and what became of them: {@code in == ok + failed}.
   *
   * @param in inputs considered
   * @param ok inputs evaluated
   * @param failed inputs that could not be evaluated (see {@link Report#failures()})
   */
  public record Counts(long in, long ok, long failed) {}

  /**
   * An extra figure of the report.
   *
   * @param fileName its file name in the report directory ({@code *.png})
   * @param png the PNG bytes (copied in and out)
   * @param caption what it shows
   */
  public record Figure(String fileName, byte[] png, String caption) {
    public Figure {
      Objects.requireNonNull(fileName, "fileName");
      Objects.requireNonNull(caption, "caption");
      png = png.clone();
    }

    @Override
    public byte[] png() {
      return png.clone();
    }
  }

  private final Instant created;
  private final Map<String, List<FaceResult>> subsets;
  private final Map<String, Map<Normalisation, ErrorStats>> stats;
  private final Counts counts;
  private final Map<String, Long> countDetails;
  private final List<Failure> failures;
  private final Map<String, Object> model;
  private final String config;
  private final Map<String, JsonNode> sections;
  private final List<Figure> figures;
  private final double cedMax;

  private Report(Builder b) {
    this.cedMax = b.cedMax;
    this.created = b.created != null ? b.created : Instant.now();
    this.subsets = Collections.unmodifiableMap(new LinkedHashMap<>(b.subsets));
    Map<String, Map<Normalisation, ErrorStats>> st = new LinkedHashMap<>();
    for (Map.Entry<String, List<FaceResult>> e : subsets.entrySet()) {
      Map<Normalisation, ErrorStats> byNorm = new EnumMap<>(Normalisation.class);
      for (Normalisation n : Normalisation.values()) {
        byNorm.put(n, ErrorStats.of(n.errors(e.getValue())));
      }
      st.put(e.getKey(), Collections.unmodifiableMap(byNorm));
    }
    this.stats = Collections.unmodifiableMap(st);
    this.counts = b.counts;
    this.countDetails = Collections.unmodifiableMap(new LinkedHashMap<>(b.countDetails));
    this.failures = List.copyOf(b.failures);
    this.model = Collections.unmodifiableMap(new LinkedHashMap<>(b.model));
    this.config = b.config;
    Map<String, JsonNode> sec = new LinkedHashMap<>();
    b.sections.forEach((k, v) -> sec.put(k, v.deepCopy()));
    this.sections = Collections.unmodifiableMap(sec);
    this.figures = List.copyOf(b.figures);
  }

  /**
   * The results of the {@code parts} of {@code subsets}, each face once (by face id), in order; null if none of
   * the parts is there.
   */
  public static List<FaceResult> union(Map<String, List<FaceResult>> subsets, List<String> parts) {
    List<FaceResult> union = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    boolean any = false;
    for (String p : parts) {
      List<FaceResult> rs = subsets.get(p);
      if (rs == null) {
        continue;
      }
      any = true;
      for (FaceResult r : rs) {
        if (ids.add(r.faceId())) {
          union.add(r);
        }
      }
    }
    return any ? union : null;
  }

  /**
   * A part of a file name for each of {@code names} (subset names, which may hold spaces, slashes or any other
   * character), for figures named after them ({@code worst-PART.png}): a name of at most {@value
   * #FILE_NAME_PART_MAX} of the characters {@code A-Z a-z 0-9 . _ -} is its own part; in any other name each other
   * character becomes {@code _} (and the result is cut to {@value #FILE_NAME_PART_MAX}), with {@code -2}, {@code
   * -3}, ... appended where that part is already taken. Distinct names get distinct parts; the map keeps the order
   * of {@code names}.
   */
  public static Map<String, String> fileNameParts(Collection<String> names) {
    Map<String, String> parts = new LinkedHashMap<>();
    Set<String> used = new HashSet<>();
    for (String n : names) {
      parts.put(n, null);
      if (PLAIN_PART.matcher(n).matches()) {
        parts.put(n, n);
        used.add(n);
      }
    }
    for (Map.Entry<String, String> e : parts.entrySet()) {
      if (e.getValue() != null) {
        continue;
      }
      String base = e.getKey().replaceAll("[^A-Za-z0-9._-]", "_");
      base = base.isEmpty() ? "_" : base.substring(0, Math.min(base.length(), FILE_NAME_PART_MAX));
      String part = base;
      for (int k = 2; !used.add(part); k++) {
        part = base + "-" + k;
      }
      e.setValue(part);
    }
    return Collections.unmodifiableMap(parts);
  }

  /** A new, empty builder. */
  public static Builder builder() {
    return new Builder();
  }

  public Instant created() {
    return created;
  }

  /** Results by subset, in the order the subsets were added. */
  public Map<String, List<FaceResult>> subsets() {
    return subsets;
  }

  /** The summary of one subset's errors under one normalisation. */
  public ErrorStats stats(String subset, Normalisation normalisation) {
    Map<Normalisation, ErrorStats> s = stats.get(subset);
    if (s == null) {
      throw new IllegalArgumentException("no subset '" + subset + "' in the report; it has " + subsets.keySet());
    }
    return s.get(normalisation);
  }

  public Counts counts() {
    return counts;
  }

  /** The detail counts written beside {@code in/ok/failed}, in the order they were added. */
  public Map<String, Long> countDetails() {
    return countDetails;
  }

  public List<Failure> failures() {
    return failures;
  }

  /** The model description (kind, path, provenance, ...), in insertion order. */
  public Map<String, Object> model() {
    return model;
  }

  /** The resolved configuration text, as given. */
  public String config() {
    return config;
  }

  /** Extra JSON sections by top-level key (copies are returned by {@link #json()}). */
  public Map<String, JsonNode> sections() {
    return sections;
  }

  public List<Figure> figures() {
    return figures;
  }

  /** The content of {@code report.json} as a tree. */
  public JsonNode json() {
    return ReportJson.tree(this);
  }

  /** The files of the report directory, by relative name: see the class comment. */
  public Map<String, byte[]> render() {
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put(JSON, ReportJson.bytes(this));
    files.put(CSV, facesCsv().getBytes(StandardCharsets.UTF_8));
    byte[] ced = cedPng();
    files.put(CED, ced);
    files.put(HTML, ReportHtml.page(this, ced).getBytes(StandardCharsets.UTF_8));
    for (Figure f : figures) {
      files.put(f.fileName(), f.png());
    }
    return files;
  }

  /** {@code faces.csv}: RFC 4180 quoting, LF line ends, errors as plain decimals. */
  String facesCsv() {
    StringBuilder sb = new StringBuilder(String.join(",", FacesCsv.HEADER)).append('\n');
    for (Map.Entry<String, List<FaceResult>> e : subsets.entrySet()) {
      for (FaceResult r : e.getValue()) {
        sb.append(csvField(r.faceId())).append(',')
            .append(csvField(e.getKey())).append(',')
            .append(csvField(r.imagePath())).append(',')
            .append(plain(r.ipNme())).append(',')
            .append(plain(r.ioNme())).append('\n');
      }
    }
    return sb.toString();
  }

  /** The inter-pupil CED figure of the non-empty subsets. */
  byte[] cedPng() {
    Map<String, double[]> bySubset = new LinkedHashMap<>();
    subsets.forEach((name, results) -> bySubset.put(name, Normalisation.INTER_PUPIL.errors(results)));
    return CedPlot.png(bySubset, "Cumulative error distribution", "NME (inter-pupil normalised)",
        cedMax, 800, 600);
  }

  static String csvField(String s) {
    if (s == null) {
      return "";
    }
    if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) {
      return s;
    }
    return '"' + s.replace("\"", "\"\"") + '"';
  }

  private static String plain(double d) {
    return java.math.BigDecimal.valueOf(d).toPlainString();
  }

  /**
   * Collects the parts of a {@link Report}. Only {@link #counts} is required; the creation time defaults
   * to the time of {@link #build()}, the model description to empty, the configuration to "".
   */
  public static final class Builder {
    private Instant created;
    private final Map<String, List<FaceResult>> subsets = new LinkedHashMap<>();
    private Counts counts;
    private final Map<String, Long> countDetails = new LinkedHashMap<>();
    private final List<Failure> failures = new ArrayList<>();
    private Map<String, Object> model = new LinkedHashMap<>();
    private String config = "";
    private final Map<String, JsonNode> sections = new LinkedHashMap<>();
    private final List<Figure> figures = new ArrayList<>();
    private double cedMax = CED_X_MAX;

    private Builder() {}

    /** Right end of the CED figure's error axis (default {@link #CED_X_MAX}). */
    public Builder cedMax(double xMax) {
      if (!(xMax > 0)) {
        throw new IllegalArgumentException("CED axis end must be positive: " + xMax);
      }
      this.cedMax = xMax;
      return this;
    }

    /** The creation time written to the report (UTC). */
    public Builder created(Instant created) {
      this.created = Objects.requireNonNull(created, "created");
      return this;
    }

    /**
     * Adds a subset and its results, which are reported under {@code name} (relabelled if their own
     * subset differs). A subset may be empty; a name may be added once.
     */
    public Builder addSubset(String name, List<FaceResult> results) {
      Objects.requireNonNull(name, "name");
      if (name.isEmpty()) {
        throw new IllegalArgumentException("a subset needs a name");
      }
      if (subsets.containsKey(name)) {
        throw new IllegalArgumentException("subset '" + name + "' is already in the report");
      }
      List<FaceResult> copy = new ArrayList<>(results.size());
      for (FaceResult r : results) {
        copy.add(name.equals(r.subset()) ? r : r.withSubset(name));
      }
      subsets.put(name, List.copyOf(copy));
      return this;
    }

    /**
     * Adds subset {@code name} as the union of the subsets {@code parts} added so far (e.g. full = common
     * ∪ challenging), relabelled {@code name}. Parts not in the report are skipped; if none is, nothing is
     * added. A face id present in several parts is taken once, from the first.
     */
    public Builder deriveUnion(String name, List<String> parts) {
      List<FaceResult> union = union(subsets, parts);
      return union == null ? this : addSubset(name, union);
    }

    /** The input accounting; {@link #build()} checks {@code in == ok + failed}. */
    public Builder counts(long in, long ok, long failed) {
      this.counts = new Counts(in, ok, failed);
      return this;
    }

    /**
     * A detail count written under {@code counts} beside {@code in/ok/failed} (e.g. how many of the failed inputs
     * failed at one step): a snake_case key other than those three, and a count that is not negative.
     */
    public Builder countDetail(String key, long n) {
      if (!COUNT_KEY.matcher(Objects.requireNonNull(key, "key")).matches() || Set.of("in", "ok", "failed").contains(key)) {
        throw new IllegalArgumentException("a detail count needs a snake_case key other than in, ok and failed: '"
            + key + "'");
      }
      if (n < 0) {
        throw new IllegalArgumentException("count " + key + " must not be negative: " + n);
      }
      countDetails.put(key, n);
      return this;
    }

    public Builder failure(Failure failure) {
      failures.add(Objects.requireNonNull(failure, "failure"));
      return this;
    }

    public Builder failures(Collection<? extends Failure> all) {
      all.forEach(this::failure);
      return this;
    }

    /** The model description (kind, path, provenance, ...): values must be serialisable by Jackson. */
    public Builder model(Map<String, ?> description) {
      this.model = new LinkedHashMap<>(description);
      return this;
    }

    /** The resolved configuration (HOCON or JSON), stored as-is. */
    public Builder config(String text) {
      this.config = Objects.requireNonNull(text, "config");
      return this;
    }

    /** An extra top-level section of {@code report.json} (copied); its key must not be a standard one. */
    public Builder section(String key, JsonNode node) {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(node, "node");
      if (RESERVED_KEYS.contains(key)) {
        throw new IllegalArgumentException("'" + key + "' is a standard key of report.json, not a section");
      }
      if (sections.containsKey(key)) {
        throw new IllegalArgumentException("section '" + key + "' is already in the report");
      }
      sections.put(key, node.deepCopy());
      return this;
    }

    /** An extra figure, written as {@code fileName} (a plain {@code *.png} name) and shown in the page. */
    public Builder figure(String fileName, byte[] png, String caption) {
      Objects.requireNonNull(fileName, "fileName");
      if (!FIGURE_NAME.matcher(fileName).matches() || RESERVED_FILES.contains(fileName)) {
        throw new IllegalArgumentException("figure file name must be a plain *.png name other than "
            + RESERVED_FILES + ", got '" + fileName + "'");
      }
      for (Figure f : figures) {
        if (f.fileName().equals(fileName)) {
          throw new IllegalArgumentException("figure '" + fileName + "' is already in the report");
        }
      }
      figures.add(new Figure(fileName, png, caption));
      return this;
    }

    /**
     * The report.
     *
     * @throws IllegalStateException if the counts are missing, negative or {@code in != ok + failed}, or
     *     the model description cannot be written as JSON
     */
    public Report build() {
      if (counts == null) {
        throw new IllegalStateException("the report's counts (in, ok, failed) were not set");
      }
      if (counts.in() < 0 || counts.ok() < 0 || counts.failed() < 0) {
        throw new IllegalStateException("counts must not be negative: " + counts);
      }
      if (counts.in() != counts.ok() + counts.failed()) {
        throw new IllegalStateException("counts do not add up: in = " + counts.in() + " but ok + failed = "
            + counts.ok() + " + " + counts.failed() + " = " + (counts.ok() + counts.failed()));
      }
      try {
        new ObjectMapper().valueToTree(model);
      } catch (IllegalArgumentException e) {
        throw new IllegalStateException("the model description cannot be written as JSON: " + e.getMessage(), e);
      }
      return new Report(this);
    }
  }
}

package org.facealign.job;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.facealign.data.BoxesFile;
import org.facealign.data.DataException;
import org.facealign.data.FaceBox;
import org.facealign.data.Storage;
import org.facealign.label.ConfigLabel;
import org.facealign.label.LabelInput;
import scala.Tuple2;

/**
 * The images a {@code label} run is given, listed on the cluster, one {@link LabelInput} per distinct image path:
 *
 * <ul>
 *   <li>a <b>folder or glob</b>: listed on the cluster (recursively by default, {@link #listFiles}) with each
 *       file's length, without reading contents; files whose extension is an image extension are the inputs, a
 *       {@code NAME.pts} beside {@code NAME.jpg} is its ground truth, a {@code boxes.txt} in its folder gives the
 *       data set's own boxes (300-W layout), every other file (hidden ones, named {@code .*}, among them) is counted
 *       as ignored. Like Hadoop's and Spark's file sources, the listing does not enter folders named {@code _*} or
 *       {@code .*}; a folder that cannot be listed is a failed input naming it and the reason.
 *   <li>a <b>list file</b>: one image per line, {@code PATH} or {@code PATH X0 Y0 X1 Y1} (a face box in the models'
 *       convention; repeat the path for several faces), paths relative to the list's folder; {@code #} starts a
 *       comment line. A line that cannot be parsed, or whose path Hadoop cannot take, becomes a failed input naming
 *       the file and line.
 *   <li>a <b>Parquet table</b>: column {@code label.path-column}, and optionally the four {@code label.box-columns};
 *       rows with null boxes are detected. Several rows of one path are several faces. A row that cannot be used
 *       becomes a failed input naming the table and the row's number.
 * </ul>
 *
 * Paths are qualified ({@code file:/...}, {@code hdfs://...}) so that the same image named two ways is one input.
 */
final class LabelInputs {
  private LabelInputs() {}

  /** The input kinds: auto-detected, or forced with {@code --input-format}. */
  enum Kind {
    AUTO, IMAGES, LIST, PARQUET;

    static Kind parse(String s) {
      try {
        return valueOf(s.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--input-format must be auto, images, list or parquet, got " + s);
      }
    }
  }

  /**
   * The listing.
   *
   * @param inputs one per distinct image path
   * @param listed input records before merging duplicates
   * @param ignored files of folder inputs that are not images (nor annotations or box files)
   * @param descriptions what each --input was taken as
   * @param boxFileProblems each {@code boxes.txt} of a folder input that could not be used: the file and the reason
   *     (its images are labelled from the detector's boxes instead)
   */
  record Listing(JavaRDD<LabelInput> inputs, long listed, long ignored, List<String> descriptions,
      List<String> boxFileProblems, List<JavaRDD<?>> cached) {
    /** Releases the cached listing. */
    void release() {
      cached.forEach(r -> r.unpersist(false));
    }
  }

  static Listing list(SparkSession spark, Storage st, ConfigLabel cfg, List<String> paths, Kind forced,
      boolean allowOutsideRoot) throws IOException {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    List<JavaRDD<LabelInput>> parts = new ArrayList<>();
    List<JavaRDD<?>> cached = new ArrayList<>();
    List<String> descriptions = new ArrayList<>();
    List<String> boxFileProblems = new ArrayList<>();
    long ignored = 0;
    for (String p : paths) {
      Kind kind = forced == Kind.AUTO ? detect(st, cfg, p) : forced;
      descriptions.add(p + " (" + kind.name().toLowerCase(Locale.ROOT) + ")");
      switch (kind) {
        case IMAGES -> {
          Tuple2<JavaRDD<LabelInput>, Long> r = folder(spark, jsc, st, cfg, p, cached, boxFileProblems);
          parts.add(r._1());
          ignored += r._2();
        }
        case LIST -> parts.add(listFile(spark, st, p, allowOutsideRoot));
        case PARQUET -> parts.add(parquet(spark, st, cfg, p, allowOutsideRoot));
        default -> throw new IllegalStateException(kind.name());
      }
    }
    JavaRDD<LabelInput> all = parts.size() == 1 ? parts.get(0) : jsc.union(parts.toArray(JavaRDD[]::new));
    Broadcast<Storage> storage = jsc.broadcast(st);
    JavaPairRDD<String, Tuple2<LabelInput, Long>> keyed = all.mapPartitionsToPair(it -> {
      List<Tuple2<String, Tuple2<LabelInput, Long>>> out = new ArrayList<>();
      Storage s = storage.value();
      while (it.hasNext()) {
        LabelInput in = it.next();
        String q = in.path();
        try {
          q = s.qualify(in.path());
        } catch (RuntimeException e) {
          // an unusable path: it fails at read time, with the reason
        }
        out.add(new Tuple2<>(q, new Tuple2<>(new LabelInput(q, in.length(), in.boxes(), in.problem(), in.truthPath(),
            in.givenBox(), in.group()), 1L)));
      }
      return out.iterator();
    });
    JavaRDD<Tuple2<LabelInput, Long>> merged = keyed.reduceByKey(LabelInputs::merge).values();
    merged = merged.persist(org.apache.spark.storage.StorageLevel.MEMORY_AND_DISK_SER());
    cached.add(merged);
    long listed = merged.map(Tuple2::_2).fold(0L, Long::sum);
    return new Listing(merged.map(Tuple2::_1), listed, ignored, descriptions, boxFileProblems, cached);
  }

  /** The order of the boxes of a merged input, whatever order its records were merged in. */
  private static final java.util.Comparator<FaceBox> BOX_ORDER = java.util.Comparator.comparingDouble(FaceBox::x0)
      .thenComparingDouble(FaceBox::y0).thenComparingDouble(FaceBox::x1).thenComparingDouble(FaceBox::y1);

  /**
   * Two records of one image: their boxes together, in {@link #BOX_ORDER} (a record that detects wins over none), and
   * of two problems the one first in text order, so that the result does not depend on the order records meet in.
   */
  private static Tuple2<LabelInput, Long> merge(Tuple2<LabelInput, Long> a, Tuple2<LabelInput, Long> b) {
    LabelInput x = a._1();
    LabelInput y = b._1();
    List<FaceBox> boxes = null;
    if (x.boxes() != null && y.boxes() != null) {
      boxes = new ArrayList<>(x.boxes());
      boxes.addAll(y.boxes());
      boxes.sort(BOX_ORDER);
    }
    String problem = x.problem() == null ? y.problem() : y.problem() == null ? x.problem()
        : x.problem().compareTo(y.problem()) <= 0 ? x.problem() : y.problem();
    LabelInput m = new LabelInput(x.path(), Math.max(x.length(), y.length()), boxes,
        problem, x.truthPath() != null ? x.truthPath() : y.truthPath(),
        x.givenBox() != null ? x.givenBox() : y.givenBox(), x.group().isEmpty() ? y.group() : x.group());
    return new Tuple2<>(m, a._2() + b._2());
  }

  static Kind detect(Storage st, ConfigLabel cfg, String p) throws IOException {
    if (p.matches(".*[*?\\[{].*")) {
      return Kind.IMAGES;
    }
    if (!st.exists(p)) {
      throw new IllegalArgumentException("no such input: " + p);
    }
    if (st.isDirectory(p)) {
      // streamed, up to the first Parquet file: a folder of millions of images is never held on the driver
      org.apache.hadoop.fs.RemoteIterator<org.apache.hadoop.fs.FileStatus> it = st.fs(p).listStatusIterator(new Path(p));
      while (it.hasNext()) {
        org.apache.hadoop.fs.FileStatus s = it.next();
        if (s.isFile() && s.getPath().getName().toLowerCase(Locale.ROOT).endsWith(".parquet")) {
          return Kind.PARQUET;
        }
      }
      return Kind.IMAGES;
    }
    String name = new Path(p).getName().toLowerCase(Locale.ROOT);
    if (name.endsWith(".parquet")) {
      return Kind.PARQUET;
    }
    return cfg.isImage(name) ? Kind.IMAGES : Kind.LIST;
  }

  /** The folder an input's images are grouped under: the input itself, or the part of a glob before its first wildcard. */
  static String root(Storage st, String p) throws IOException {
    String base = p;
    int wild = indexOfWildcard(p);
    if (wild >= 0) {
      base = p.substring(0, p.lastIndexOf('/', wild) + 1);
    } else if (!st.isDirectory(p)) {
      base = new Path(p).getParent().toString();
    }
    return st.qualify(base.isEmpty() ? "." : base);
  }

  private static int indexOfWildcard(String p) {
    for (int i = 0; i < p.length(); i++) {
      if ("*?[{".indexOf(p.charAt(i)) >= 0) {
        return i;
      }
    }
    return -1;
  }

  private static Tuple2<JavaRDD<LabelInput>, Long> folder(SparkSession spark, JavaSparkContext jsc, Storage st,
      ConfigLabel cfg, String p, List<JavaRDD<?>> cached, List<String> boxFileProblems) throws IOException {
    String root = root(st, p);
    JavaRDD<Listed> rows = listFiles(jsc, st, p, cfg.recursive(), cached)
        .persist(org.apache.spark.storage.StorageLevel.MEMORY_AND_DISK_SER());
    cached.add(rows);
    JavaRDD<Listed> files = rows.filter(r -> r.problem() == null);
    // the data set's own boxes: the few boxes.txt files of a 300-W folder, read on the driver
    Map<String, FaceBox> given = new HashMap<>();
    List<String> boxFiles = files.map(Listed::path).filter(f -> new Path(f).getName().equals("boxes.txt")).collect();
    for (String f : boxFiles) {
      String dir = new Path(f).getParent().toString();
      try {
        BoxesFile.parse(st.readText(f), f).forEach((name, box) -> given.put(dir + "/" + name, box));
      } catch (DataException e) {
        org.slf4j.LoggerFactory.getLogger(LabelInputs.class).warn("label: {} ignored: {}", f, e.getMessage());
        boxFileProblems.add(e.getMessage());
      }
    }
    Broadcast<Map<String, FaceBox>> givenBoxes = jsc.broadcast(given);
    JavaPairRDD<String, Listed> images = files
        .filter(r -> isImage(cfg, r.path()))
        .mapToPair(r -> new Tuple2<>(stem(r.path()), r));
    JavaPairRDD<String, String> truth = files.map(Listed::path)
        .filter(f -> f.toLowerCase(Locale.ROOT).endsWith(".pts"))
        .mapToPair(f -> new Tuple2<>(stem(f), f));
    long ignored = files.filter(r -> {
      String name = new Path(r.path()).getName();
      return !isImage(cfg, r.path()) && !name.toLowerCase(Locale.ROOT).endsWith(".pts") && !name.equals("boxes.txt");
    }).count();
    JavaRDD<LabelInput> inputs = images.leftOuterJoin(truth).map(t -> {
      String path = t._2()._1().path();
      long length = t._2()._1().length();
      String pts = t._2()._2().orNull();
      FaceBox box = givenBoxes.value().get(path);
      return LabelInput.listed(path, length, pts, box, group(root, path));
    });
    // a folder that could not be listed is an input that failed, named with the reason
    JavaRDD<LabelInput> unlisted = rows.filter(r -> r.problem() != null).map(r -> LabelInput.broken(r.path(),
        r.problem()));
    return new Tuple2<>(inputs.union(unlisted), ignored);
  }

  /** An image by its extension, unless its name starts with {@code .} (the hidden files of Unix and macOS). */
  private static boolean isImage(ConfigLabel cfg, String path) {
    return cfg.isImage(path) && !new Path(path).getName().startsWith(".");
  }

  /**
   * What a folder listing found: a file and its length, a folder (length -1) still to be listed, or a folder that could
   * not be listed and why ({@code problem}).
   */
  record Listed(String path, long length, boolean folder, String problem) implements java.io.Serializable {
    static Listed file(org.apache.hadoop.fs.FileStatus s) {
      return new Listed(s.getPath().toString(), s.getLen(), false, null);
    }

    static Listed folder(Path p) {
      return new Listed(p.toString(), -1, true, null);
    }

    static Listed unlisted(Path dir, IOException e) {
      return new Listed(dir.toString(), -1, false, "cannot list folder: " + e.getClass().getSimpleName() + ": "
          + e.getMessage());
    }
  }

  /**
   * Every file under {@code p} (a folder, a file or a glob) with its length, and each folder that could not be listed.
   * The driver expands the glob, nothing more; tasks list the folders it matched, a folder each, then their
   * sub-folders, a folder each, so neither the driver's memory nor the listing's time grows with a folder's size.
   * Folders whose names start with {@code .} or {@code _} are not entered, as Hadoop's and Spark's file sources do not
   * enter them ({@code _temporary}, {@code .Trash}); files of any name are listed, so each is accounted for. (Spark's
   * {@code binaryFile} source lists in parallel too, but silently leaves out zero-byte files, which must get a
   * status like any other.)
   */
  static JavaRDD<Listed> listFiles(JavaSparkContext jsc, Storage st, String p, boolean recursive,
      List<JavaRDD<?>> cached) throws IOException {
    org.apache.hadoop.fs.FileSystem fs = st.fs(p);
    org.apache.hadoop.fs.FileStatus[] matched = fs.globStatus(new Path(p));
    if (matched == null || matched.length == 0) {
      throw new IllegalArgumentException("no such input: " + p + " (nothing matches)");
    }
    List<Listed> top = new ArrayList<>();
    for (org.apache.hadoop.fs.FileStatus m : matched) {
      top.add(m.isFile() ? Listed.file(m) : Listed.folder(m.getPath()));
    }
    Broadcast<Storage> storage = jsc.broadcast(st);
    // the matched folders' entries, listed by tasks (one folder each)
    JavaRDD<Listed> first = jsc.parallelize(top, Math.max(1, Math.min(top.size(), 1000))).flatMap(l -> l.folder()
        ? entries(storage.value(), new Path(l.path())) : List.of(l).iterator())
        .persist(org.apache.spark.storage.StorageLevel.MEMORY_AND_DISK_SER());
    cached.add(first);
    JavaRDD<Listed> here = first.filter(l -> !l.folder());
    if (!recursive) {
      return here;
    }
    // their sub-folders, spread over tasks again, each listed whole
    JavaRDD<Listed> below = first.filter(Listed::folder).repartition(jsc.defaultParallelism())
        .flatMap(l -> tree(storage.value(), new Path(l.path())));
    return here.union(below);
  }

  /** The entries of {@code dir}, one level, read as the listing streams in; a folder that cannot be listed, as such. */
  static java.util.Iterator<Listed> entries(Storage st, Path dir) {
    org.apache.hadoop.fs.RemoteIterator<org.apache.hadoop.fs.FileStatus> it;
    try {
      it = st.fs(dir.toString()).listStatusIterator(dir);
    } catch (IOException e) {
      return List.of(Listed.unlisted(dir, e)).iterator();
    }
    return new Pull<>() {
      private boolean broken;

      @Override
      Listed pull() {
        try {
          while (!broken && it.hasNext()) {
            org.apache.hadoop.fs.FileStatus s = it.next();
            if (s.isFile()) {
              return Listed.file(s);
            } else if (!hidden(s.getPath().getName())) {
              return Listed.folder(s.getPath());
            }
          }
          return null;
        } catch (IOException e) {
          // the listing broke off part way: what was listed stands, the folder is named with the reason
          broken = true;
          return Listed.unlisted(dir, e);
        }
      }
    };
  }

  /** The files under {@code dir}, depth first, streamed; each folder that cannot be listed, as such. */
  static java.util.Iterator<Listed> tree(Storage st, Path dir) {
    java.util.ArrayDeque<java.util.Iterator<Listed>> stack = new java.util.ArrayDeque<>();
    stack.push(entries(st, dir));
    return new Pull<>() {
      @Override
      Listed pull() {
        while (!stack.isEmpty()) {
          java.util.Iterator<Listed> top = stack.peek();
          if (!top.hasNext()) {
            stack.pop();
            continue;
          }
          Listed l = top.next();
          if (!l.folder()) {
            return l;
          }
          stack.push(entries(st, new Path(l.path())));
        }
        return null;
      }
    };
  }

  /** An iterator over what {@link #pull} gives, one element ahead, until it gives null. */
  private abstract static class Pull<T> implements java.util.Iterator<T> {
    private T next;
    private boolean done;

    /** The next element, or null at the end. */
    abstract T pull();

    @Override
    public boolean hasNext() {
      if (next == null && !done) {
        next = pull();
        done = next == null;
      }
      return next != null;
    }

    @Override
    public T next() {
      if (!hasNext()) {
        throw new java.util.NoSuchElementException();
      }
      T t = next;
      next = null;
      return t;
    }
  }

  private static boolean hidden(String name) {
    return name.startsWith(".") || name.startsWith("_");
  }

  /** The folder of {@code path} relative to {@code root}, "" when it is {@code root} itself. */
  static String group(String root, String path) {
    String parent = new Path(path).getParent().toString();
    String r = root.endsWith("/") ? root.substring(0, root.length() - 1) : root;
    if (parent.equals(r)) {
      return "";
    }
    return parent.startsWith(r + "/") ? parent.substring(r.length() + 1) : parent;
  }

  private static String stem(String path) {
    int slash = path.lastIndexOf('/');
    int dot = path.lastIndexOf('.');
    return dot > slash ? path.substring(0, dot) : path;
  }

  private static JavaRDD<LabelInput> listFile(SparkSession spark, Storage st, String list, boolean allowOutsideRoot) {
    String parent = new Path(st.qualify(list)).getParent().toString();
    String name = list;
    return spark.read().textFile(list).javaRDD().zipWithIndex()
        .map(t -> parseLine(t._1(), (int) (t._2() + 1), name, parent, allowOutsideRoot))
        .filter(java.util.Objects::nonNull);
  }

  /**
   * One line of a list file as an input, null for a blank or comment line. A relative path that climbs out of the
   * list's folder ({@code ../x.jpg}) is a broken input unless {@code allowOutsideRoot}; so is a path that is not a
   * usable Hadoop path.
   */
  static LabelInput parseLine(String line, int number, String list, String parent, boolean allowOutsideRoot) {
    String s = line.strip();
    if (s.isEmpty() || s.startsWith("#")) {
      return null;
    }
    String where = list + ":" + number;
    String[] t = s.contains("\t") ? s.split("\t") : s.split("\\s+");
    if (t.length >= 5 && allNumbers(t, t.length - 4)) {
      double[] v = new double[4];
      for (int i = 0; i < 4; i++) {
        v[i] = Double.parseDouble(t[t.length - 4 + i]);
      }
      String path = s.contains("\t") ? String.join("\t", java.util.Arrays.copyOf(t, t.length - 4)).strip()
          : s.substring(0, indexOfToken(s, t.length - 4)).strip();
      return input(path, v, null, where, parent, allowOutsideRoot);
    } else if (t.length >= 2 && t.length <= 4 && allNumbers(t, 1)) {
      return input(t[0], null, where + ": expected PATH or PATH X0 Y0 X1 Y1, got " + (t.length - 1)
          + " numbers after the path", where, parent, allowOutsideRoot);
    }
    return input(s, null, null, where, parent, allowOutsideRoot);
  }

  /**
   * The input a list line or table row names: {@code raw} resolved against {@code parent}, with its box (null:
   * detect). It is broken, with a reason starting with {@code where}, when {@code problem} is given, when Hadoop
   * cannot take {@code raw} as a path ({@code img:1.jpg} reads as a URI with scheme {@code img}), when the box is
   * invalid, or when {@code raw} climbs out of {@code parent} and that is not allowed. Never throws.
   */
  private static LabelInput input(String raw, double[] box, String problem, String where, String parent,
      boolean allowOutsideRoot) {
    String path;
    boolean climbs;
    try {
      path = Storage.resolve(parent, raw);
      climbs = !allowOutsideRoot && Storage.climbsOut(raw);
    } catch (IllegalArgumentException e) {
      return LabelInput.broken(joined(parent, raw), where + ": path '" + raw + "' is not a usable path: "
          + (e.getCause() != null && e.getCause().getMessage() != null ? e.getCause().getMessage() : e.getMessage()));
    }
    if (problem != null) {
      return LabelInput.broken(path, problem);
    }
    List<FaceBox> boxes = null;
    if (box != null) {
      try {
        boxes = List.of(new FaceBox(box[0], box[1], box[2], box[3]));
      } catch (IllegalArgumentException e) {
        return LabelInput.broken(path, where + ": " + e.getMessage());
      }
    }
    if (climbs) {
      return LabelInput.broken(path, outsideRoot(where, raw, parent));
    }
    return LabelInput.named(path, boxes);
  }

  /** {@code raw} after {@code parent} and a slash, as text: the name of an input whose path cannot be resolved. */
  private static String joined(String parent, String raw) {
    return raw.startsWith("/") ? raw : (parent.endsWith("/") ? parent : parent + "/") + raw;
  }

  /** The problem of a path that climbs out of the folder of the list or table that names it. */
  static String outsideRoot(String where, String path, String parent) {
    return where + ": path '" + path + "' climbs out of the folder " + parent
        + " (set facealign.data.allow-outside-root = true to allow it)";
  }

  private static boolean allNumbers(String[] t, int from) {
    for (int i = from; i < t.length; i++) {
      try {
        Double.parseDouble(t[i]);
      } catch (NumberFormatException e) {
        return false;
      }
    }
    return true;
  }

  /** The character index in {@code s} where whitespace-separated token {@code k} starts. */
  private static int indexOfToken(String s, int k) {
    int i = 0;
    for (int n = 0; ; n++) {
      while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
        i++;
      }
      if (n == k) {
        return i;
      }
      while (i < s.length() && !Character.isWhitespace(s.charAt(i))) {
        i++;
      }
    }
  }

  /**
   * The rows of a Parquet table, each named by its file (relative to the table) and its place in that file, from 1
   * (Parquet's row index, Spark's {@code _metadata.row_index}), so that a row is named, and a row without a path
   * identified, alike in every listing, however the files are split into tasks (which follows the cluster's size).
   */
  private static JavaRDD<LabelInput> parquet(SparkSession spark, Storage st, ConfigLabel cfg, String table,
      boolean allowOutsideRoot) {
    Dataset<Row> df = spark.read().parquet(table);
    StructType schema = df.schema();
    if (!List.of(schema.fieldNames()).contains(cfg.pathColumn())) {
      throw new IllegalArgumentException("Parquet input " + table + " has no column '" + cfg.pathColumn()
          + "' (set facealign.label.path-column); columns: " + String.join(", ", schema.fieldNames()));
    }
    boolean withBoxes = List.of(schema.fieldNames()).containsAll(cfg.boxColumns());
    List<String> cols = new ArrayList<>();
    for (String c : withBoxes ? concat(cfg.pathColumn(), cfg.boxColumns()) : List.of(cfg.pathColumn())) {
      cols.add("CAST(`" + c + "` AS " + (c.equals(cfg.pathColumn()) ? "STRING" : "DOUBLE") + ") AS `" + c + "`");
    }
    cols.add("_metadata.file_path");
    cols.add("_metadata.row_index");
    String root = new Path(st.qualify(table)).toUri().getPath();
    String parent = new Path(st.qualify(table)).getParent().toString();
    String name = table;
    return df.selectExpr(cols.toArray(String[]::new)).javaRDD()
        .map(r -> row(r, withBoxes, name + fileWithin(root, r.getString(r.size() - 2)), parent, allowOutsideRoot));
  }

  private static List<String> concat(String first, List<String> rest) {
    List<String> all = new ArrayList<>(List.of(first));
    all.addAll(rest);
    return all;
  }

  /**
   * Where {@code file} (a URI from {@code _metadata.file_path}) lies within the table at {@code root} (a path): "/"
   * and its path below the table's folder, or nothing for a table that is that one file.
   */
  static String fileWithin(String root, String file) {
    String p = new Path(file).toUri().getPath();
    String r = root.endsWith("/") ? root.substring(0, root.length() - 1) : root;
    return p.equals(r) ? "" : p.startsWith(r + "/") ? p.substring(r.length()) : "/" + new Path(file).getName();
  }

  /**
   * A row of a Parquet table as an input: its path, boxes, and last its file's URI and its row index in that file.
   * {@code file} names the row's file; a row without a path is a broken input named {@code FILE (row N without a
   * path)}.
   */
  private static LabelInput row(Row r, boolean withBoxes, String file, String parent, boolean allowOutsideRoot) {
    long number = r.getLong(r.size() - 1) + 1;
    String where = file + ": row " + number;
    if (r.isNullAt(0) || r.getString(0).isBlank()) {
      return LabelInput.broken(file + " (row " + number + " without a path)", where + " has no image path");
    }
    double[] box = null;
    if (withBoxes && !r.isNullAt(1) && !r.isNullAt(2) && !r.isNullAt(3) && !r.isNullAt(4)) {
      box = new double[] {r.getDouble(1), r.getDouble(2), r.getDouble(3), r.getDouble(4)};
    }
    return input(r.getString(0), box, null, where, parent, allowOutsideRoot);
  }
}

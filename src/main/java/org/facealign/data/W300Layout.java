package org.facealign.data;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;

/**
 * Discovers the faces of a 300-W tree: part folders of {@code NAME.pts} annotations beside {@code
 * NAME.jpg} (or {@code .jpeg}, {@code .png}, {@code .bmp}) images, each folder with a {@code boxes.txt} of
 * face-detector boxes.
 *
 * <p>Parts and the subsets of the 300-W protocol: {@code afw}, {@code lfpw/trainset} and {@code
 * helen/trainset} are the training set; {@code lfpw/testset} and {@code helen/testset} the common subset;
 * {@code ibug} the challenging subset. The full test set (common + challenging) is a derived subset that
 * evaluation forms from the two; discovery never duplicates entries for it.
 *
 * <p>Discovery runs on the driver and only lists folders and reads the small {@code boxes.txt} files, so
 * it is cheap even on S3; annotations and images are read on executors. It never fails for a data problem:
 * an absent part is reported in {@link Discovery#missingParts()}, an annotation without image (or the
 * reverse) becomes an entry with a {@link FaceEntry#problem()}, and a missing or broken {@code boxes.txt}
 * leaves the box out with a {@link FaceEntry#boxProblem()} (the file, and for a broken one the line and the error)
 * and is named in the notes. Ids are the part path and the file's base name
 * ({@code lfpw/testset/image_0001_01}), so they are stable across runs and machines; entries are sorted by
 * id.
 */
public final class W300Layout {
  public static final String TRAINING = "training";
  public static final String COMMON = "common";
  public static final String CHALLENGING = "challenging";
  /** The derived full test set: common and challenging together. */
  public static final String FULL = "full";
  /** The subsets a 300-W evaluation reports, besides the derived {@link #FULL}. */
  public static final List<String> TEST_SUBSETS = List.of(COMMON, CHALLENGING);
  /** Image extensions paired with annotations, in order of preference when a name has several. */
  public static final List<String> IMAGE_EXTENSIONS = List.of("jpg", "jpeg", "png", "bmp");
  /** The detector-box file in each part folder. */
  public static final String BOXES_FILE = "boxes.txt";

  private static final Map<String, String> PARTS = parts0();

  private W300Layout() {}

  private static Map<String, String> parts0() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("afw", TRAINING);
    m.put("lfpw/trainset", TRAINING);
    m.put("helen/trainset", TRAINING);
    m.put("lfpw/testset", COMMON);
    m.put("helen/testset", COMMON);
    m.put("ibug", CHALLENGING);
    return Collections.unmodifiableMap(m);
  }

  /** Part folder (relative to the root) to subset, in the order of the 300-W description. */
  public static Map<String, String> parts() {
    return PARTS;
  }

  /** Subsets made of other subsets: {@code full -> [common, challenging]}. */
  public static Map<String, List<String>> derivedSubsets() {
    return Map.of(FULL, TEST_SUBSETS);
  }

  /** True if {@code root} holds at least one of the 300-W part folders. */
  public static boolean looksLike(Storage storage, String root) {
    for (String part : PARTS.keySet()) {
      String dir = Storage.resolve(root, part);
      try {
        if (storage.isDirectory(dir)) {
          return true;
        }
      } catch (IOException e) {
        throw new DataException(dir, "cannot check folder: " + e.getMessage(), e);
      }
    }
    return false;
  }

  /**
   * Lists the faces of a 300-W tree.
   *
   * @param storage the file system access
   * @param root the folder holding {@code afw}, {@code lfpw}, {@code helen}, {@code ibug}
   * @throws DataException only if {@code root} itself does not exist or a folder cannot be listed
   */
  public static Discovery discover(Storage storage, String root) {
    try {
      if (!storage.isDirectory(root)) {
        throw new DataException(root, storage.exists(root) ? "data root is not a folder" : "data root does not exist");
      }
    } catch (IOException e) {
      throw new DataException(root, "cannot read data root: " + e.getMessage(), e);
    }
    List<FaceEntry> entries = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    for (Map.Entry<String, String> p : PARTS.entrySet()) {
      String dir = Storage.resolve(root, p.getKey());
      try {
        if (!storage.isDirectory(dir)) {
          missing.add(p.getKey());
          continue;
        }
        discoverPart(storage, dir, p.getKey(), p.getValue(), entries, notes);
      } catch (IOException e) {
        throw new DataException(dir, "cannot list folder: " + e.getMessage(), e);
      }
    }
    if (missing.size() == PARTS.size()) {
      notes.add(root + ": none of the 300-W part folders " + PARTS.keySet() + " is there");
    }
    entries.sort(Comparator.comparing(FaceEntry::id));
    return new Discovery(entries, missing, notes);
  }

  private static void discoverPart(
      Storage storage, String dir, String part, String subset, List<FaceEntry> out, List<String> notes)
      throws IOException {
    Map<String, String> pts = new TreeMap<>();
    Map<String, List<String>> images = new TreeMap<>();
    List<String> ignored = new ArrayList<>();
    // the listing's own paths: a name is one file name, never parsed again (a:1.pts has no URI scheme)
    Map<String, Path> listed = new HashMap<>();
    boolean hasBoxes = false;
    for (FileStatus s : storage.list(dir)) {
      String name = s.getPath().getName();
      if (!s.isFile() || name.startsWith(".")) {
        continue;
      }
      listed.put(name, s.getPath());
      if (name.equals(BOXES_FILE)) {
        hasBoxes = true;
        continue;
      }
      int dot = name.lastIndexOf('.');
      String ext = dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
      String base = dot < 0 ? name : name.substring(0, dot);
      if (ext.equals("pts")) {
        pts.put(base, name);
      } else if (IMAGE_EXTENSIONS.contains(ext)) {
        images.computeIfAbsent(base, k -> new ArrayList<>()).add(name);
      } else {
        ignored.add(name);
      }
    }

    Map<String, BoxesFile.Located> boxes = Map.of();
    String boxesProblem = null;
    String boxesPath = Storage.resolve(dir, BOXES_FILE);
    if (!hasBoxes) {
      boxesProblem = "no " + BOXES_FILE + " in " + dir;
    } else {
      try {
        boxes = BoxesFile.parseLocated(storage.readText(boxesPath), boxesPath);
      } catch (DataException e) {
        boxesProblem = e.getMessage();
      }
    }
    if (boxesProblem != null) {
      notes.add(part + ": no detector boxes: " + boxesProblem);
    }

    Set<String> names = new TreeSet<>(pts.keySet());
    names.addAll(images.keySet());
    Set<String> usedBoxes = new HashSet<>();
    int usable = 0;
    for (String base : names) {
      String id = part + "/" + base;
      String ptsName = pts.get(base);
      String annotationPath = ptsName == null ? null : Storage.child(dir, listed.get(ptsName));
      List<String> imgs = images.get(base);
      if (imgs == null) {
        out.add(new FaceEntry(id, subset, null, annotationPath, null, null,
            "annotation has no image (looked for " + base + ".jpg/.jpeg/.png/.bmp)", FaceEntry.NO_IMAGE));
        continue;
      }
      imgs.sort(Comparator.comparingInt((String n) -> IMAGE_EXTENSIONS.indexOf(extension(n))).thenComparing(n -> n));
      String imageName = imgs.get(0);
      if (imgs.size() > 1) {
        notes.add(dir + ": " + base + " has several images " + imgs + "; using " + imageName);
      }
      String imagePath = Storage.child(dir, listed.get(imageName));
      FaceBox box = null;
      String boxSource = null;
      String boxProblem = boxesProblem;
      if (boxesProblem == null) {
        BoxesFile.Located located = boxes.get(imageName);
        if (located == null) {
          boxProblem = BOXES_FILE + " has no box for " + imageName;
        } else {
          box = located.box();
          boxSource = boxesPath + ":" + located.line();
          usedBoxes.add(imageName);
        }
      }
      String problem = annotationPath == null ? "image has no .pts annotation" : null;
      if (problem == null) {
        usable++;
      }
      out.add(new FaceEntry(id, subset, imagePath, annotationPath, box, boxProblem, problem,
          problem == null ? null : FaceEntry.NO_ANNOTATION, boxSource));
    }

    notes.add(part + ": " + usable + " faces (" + subset + ")"
        + (names.size() > usable ? ", " + (names.size() - usable) + " unusable" : ""));
    if (!ignored.isEmpty()) {
      notes.add(dir + ": ignored " + ignored.size() + " other file(s), e.g. " + ignored.get(0));
    }
    List<String> unused = new ArrayList<>();
    for (String b : boxes.keySet()) {
      if (!usedBoxes.contains(b)) {
        unused.add(b);
      }
    }
    if (!unused.isEmpty()) {
      notes.add(boxesPath + ": " + unused.size() + " box(es) name no image in the folder, e.g. " + unused.get(0));
    }
  }

  private static String extension(String name) {
    int dot = name.lastIndexOf('.');
    return dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
  }
}

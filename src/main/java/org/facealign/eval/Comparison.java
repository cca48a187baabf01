package org.facealign.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Two evaluations of the same test faces compared subset by subset, face by face ({@link PairedDifference}), under
 * both normalisations. Faces are paired by id within their subset; a face that only one evaluation has (a failed
 * image, another test set) is counted and named, never silently left out. Faces are compared in the order of their
 * ids, so the bootstrap does not depend on the order either file lists them in.
 *
 * @param subsets by subset, in the order A lists them, then those only B has
 */
public record Comparison(Map<String, Subset> subsets) {
  /** Ids named per subset among the faces only one evaluation has. */
  public static final int NAMED = 5;

  /**
   * One subset.
   *
   * @param faces faces in both
   * @param onlyInA faces only A has
   * @param onlyInB faces only B has
   * @param examplesOnlyInA up to {@link #NAMED} of them, by id
   * @param examplesOnlyInB likewise
   * @param ipNme the inter-pupil errors compared; null when no face is in both
   * @param ioNme the inter-ocular errors compared; null likewise
   */
  public record Subset(int faces, int onlyInA, int onlyInB, List<String> examplesOnlyInA,
      List<String> examplesOnlyInB, PairedDifference ipNme, PairedDifference ioNme) {}

  /** Compares {@code a} with {@code b}: differences are A - B. Bootstrap settings as {@link PairedDifference#of}. */
  public static Comparison of(List<FaceResult> a, List<FaceResult> b, int samples, double confidence, long seed) {
    Map<String, Map<String, FaceResult>> byA = bySubset(a);
    Map<String, Map<String, FaceResult>> byB = bySubset(b);
    List<String> names = new ArrayList<>(byA.keySet());
    byB.keySet().stream().filter(s -> !byA.containsKey(s)).forEach(names::add);
    Map<String, Subset> out = new LinkedHashMap<>();
    for (String name : names) {
      Map<String, FaceResult> fa = byA.getOrDefault(name, Map.of());
      Map<String, FaceResult> fb = byB.getOrDefault(name, Map.of());
      List<String> both = new ArrayList<>();
      List<String> onlyA = new ArrayList<>();
      for (String id : fa.keySet()) {
        (fb.containsKey(id) ? both : onlyA).add(id);
      }
      List<String> onlyB = fb.keySet().stream().filter(id -> !fa.containsKey(id)).toList();
      double[][] ip = new double[2][both.size()];
      double[][] io = new double[2][both.size()];
      for (int i = 0; i < both.size(); i++) {
        FaceResult ra = fa.get(both.get(i));
        FaceResult rb = fb.get(both.get(i));
        ip[0][i] = ra.ipNme();
        ip[1][i] = rb.ipNme();
        io[0][i] = ra.ioNme();
        io[1][i] = rb.ioNme();
      }
      boolean any = !both.isEmpty();
      out.put(name, new Subset(both.size(), onlyA.size(), onlyB.size(), head(onlyA), head(onlyB),
          any ? PairedDifference.of(ip[0], ip[1], samples, confidence, seed) : null,
          any ? PairedDifference.of(io[0], io[1], samples, confidence, seed) : null));
    }
    return new Comparison(out);
  }

  private static Map<String, Map<String, FaceResult>> bySubset(List<FaceResult> faces) {
    Map<String, Map<String, FaceResult>> m = new LinkedHashMap<>();
    for (FaceResult r : faces) {
      m.computeIfAbsent(r.subset(), k -> new TreeMap<>()).putIfAbsent(r.faceId(), r);
    }
    return m;
  }

  private static List<String> head(List<String> ids) {
    return List.copyOf(ids.subList(0, Math.min(NAMED, ids.size())));
  }
}

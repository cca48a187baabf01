package org.facealign.label;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.facealign.data.W300Layout;

/**
 * What a labelling run (or part of one) did, added up: a commutative, associative sum, so Spark tasks add their
 * images and the driver merges the tasks, and the parts of a dataset merge into its totals. Always {@code
 * imagesIn == imagesWithFaces + noFace + failed}.
 *
 * <p>Fields are public for Jackson (the raw tally is stored with each part of a labelled dataset);
 * {@link #figures()} renders what people read.
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.PUBLIC_ONLY)
public final class LabelTally implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Images that got a status in this run. */
  public long imagesIn;
  public long imagesWithFaces;
  public long facesOut;
  public long noFace;
  public long failed;
  /** Listed images not labelled again because this model had already labelled their content. */
  public long skippedAlreadyLabelled;
  /** Failures by "stage: code". */
  public TreeMap<String, Long> failedByReason = new TreeMap<>();
  /** Images by number of faces (images that did not fail). */
  public TreeMap<Integer, Long> facesPerImage = new TreeMap<>();
  /** Faces by where their box came from: a detector stage, or "given". */
  public TreeMap<String, Long> facesBySource = new TreeMap<>();
  /** Per detector stage, faces by detector score. */
  public TreeMap<String, TreeMap<Integer, Long>> scores = new TreeMap<>();
  /** Faces whose landmarks come from re-boxing. */
  public long reboxedFaces;
  /** Nanoseconds per step, summed over images ({@link ImageLabel#STEPS}). */
  public long[] stepNanos = new long[ImageLabel.STEPS.size()];
  /** Ground-truth comparison per folder. */
  public TreeMap<String, Truth> truth = new TreeMap<>();

  /** Ground-truth figures of a set of annotated images. */
  @JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.PUBLIC_ONLY)
  public static final class Truth implements Serializable {
    private static final long serialVersionUID = 1L;
    /** Images with a readable annotation. */
    public long annotated;
    /** Annotations that could not be read or were refused (not counted in {@link #annotated}). */
    public long unreadable;
    /** {@link #unreadable} by the problem's code ({@code bad_annotation}, {@code point_outside_image}, ...). */
    public TreeMap<String, Long> unreadableByReason = new TreeMap<>();
    /** The first {@value #EXAMPLES} of those problems (in text order), each naming its file and what is wrong. */
    public java.util.TreeSet<String> unreadableExamples = new java.util.TreeSet<>();
    public long found03;
    public long found05;
    public double sumIpNme;
    public double sumIoNme;
    /** Found faces that were also predicted from the data set's own box. */
    public long givenFaces;
    public double sumIpNmeDetectedOnGiven;
    public double sumIoNmeDetectedOnGiven;
    public double sumIpNmeGiven;
    public double sumIoNmeGiven;

    /** Problems kept by name in {@link #unreadableExamples} (the others are counted only). */
    public static final int EXAMPLES = 20;

    void example(String problem) {
      unreadableExamples.add(problem);
      if (unreadableExamples.size() > EXAMPLES) {
        unreadableExamples.pollLast();
      }
    }

    void add(Truth o) {
      annotated += o.annotated;
      unreadable += o.unreadable;
      o.unreadableByReason.forEach((k, v) -> unreadableByReason.merge(k, v, Long::sum));
      for (String e : o.unreadableExamples) {
        example(e);
      }
      found03 += o.found03;
      found05 += o.found05;
      sumIpNme += o.sumIpNme;
      sumIoNme += o.sumIoNme;
      givenFaces += o.givenFaces;
      sumIpNmeDetectedOnGiven += o.sumIpNmeDetectedOnGiven;
      sumIoNmeDetectedOnGiven += o.sumIoNmeDetectedOnGiven;
      sumIpNmeGiven += o.sumIpNmeGiven;
      sumIoNmeGiven += o.sumIoNmeGiven;
    }

    ObjectNode figures() {
      ObjectNode n = JsonNodeFactory.instance.objectNode();
      n.put("annotated", annotated);
      n.put("found", found03);
      number(n, "recall", ratio(found03, annotated));
      number(n, "recall_iou05", ratio(found05, annotated));
      number(n, "ip_nme", ratio(sumIpNme, found03));
      number(n, "io_nme", ratio(sumIoNme, found03));
      if (givenFaces > 0) {
        ObjectNode g = n.putObject("same_faces_given_box");
        g.put("faces", givenFaces);
        g.put("ip_nme_detected_box", sumIpNmeDetectedOnGiven / givenFaces);
        g.put("ip_nme_given_box", sumIpNmeGiven / givenFaces);
        g.put("io_nme_detected_box", sumIoNmeDetectedOnGiven / givenFaces);
        g.put("io_nme_given_box", sumIoNmeGiven / givenFaces);
      }
      if (unreadable > 0) {
        n.put("unreadable_annotations", unreadable);
        ObjectNode r = n.putObject("unreadable_by_reason");
        unreadableByReason.forEach(r::put);
        unreadableExamples.forEach(n.putArray("unreadable_examples")::add);
      }
      return n;
    }
  }

  /** The tally of one image. */
  public static LabelTally of(ImageLabel l) {
    LabelTally t = new LabelTally();
    t.add(l);
    return t;
  }

  /** A tally of images skipped as already labelled. */
  public static LabelTally skipped(long n) {
    LabelTally t = new LabelTally();
    t.skippedAlreadyLabelled = n;
    return t;
  }

  /** Adds one image. */
  public void add(ImageLabel l) {
    if (l.status().equals(ImageLabel.SKIPPED)) {
      skippedAlreadyLabelled++;
      return;
    }
    imagesIn++;
    switch (l.status()) {
      case ImageLabel.FACES -> imagesWithFaces++;
      case ImageLabel.NO_FACE -> noFace++;
      case ImageLabel.FAILED -> failed++;
      default -> throw new IllegalArgumentException("unknown status " + l.status());
    }
    if (l.status().equals(ImageLabel.FAILED)) {
      failedByReason.merge(l.stage() + ": " + l.code(), 1L, Long::sum);
    } else {
      facesPerImage.merge(l.faceCount(), 1L, Long::sum);
    }
    facesOut += l.faceCount();
    for (ImageLabel.Face f : l.faces()) {
      String source = f.detectorStage() == null ? "given" : f.detectorStage();
      facesBySource.merge(source, 1L, Long::sum);
      if (f.detectorStage() != null) {
        scores.computeIfAbsent(source, k -> new TreeMap<>()).merge((int) Math.round(f.score()), 1L, Long::sum);
      }
      if (f.reboxed()) {
        reboxedFaces++;
      }
    }
    for (int i = 0; i < stepNanos.length; i++) {
      stepNanos[i] += l.nanos()[i];
    }
    ImageLabel.Truth gt = l.truth();
    if (gt != null) {
      Truth t = truth.computeIfAbsent(gt.group(), k -> new Truth());
      if (!gt.readable()) {
        t.unreadable++;
        t.unreadableByReason.merge(gt.problemCode() == null ? "unknown" : gt.problemCode(), 1L, Long::sum);
        if (gt.problem() != null) {
          t.example(gt.problem());
        }
      } else {
        t.annotated++;
        if (gt.bestIou() >= Labeler.FOUND_IOU && Double.isFinite(gt.ipNme())) {
          t.found03++;
          t.sumIpNme += gt.ipNme();
          t.sumIoNme += gt.ioNme();
          if (Double.isFinite(gt.ipNmeGivenBox())) {
            t.givenFaces++;
            t.sumIpNmeDetectedOnGiven += gt.ipNme();
            t.sumIoNmeDetectedOnGiven += gt.ioNme();
            t.sumIpNmeGiven += gt.ipNmeGivenBox();
            t.sumIoNmeGiven += gt.ioNmeGivenBox();
          }
        }
        if (gt.bestIou() >= 0.5 && Double.isFinite(gt.ipNme())) {
          t.found05++;
        }
      }
    }
  }

  /** Adds another tally into this one; returns this. */
  public LabelTally merge(LabelTally o) {
    imagesIn += o.imagesIn;
    imagesWithFaces += o.imagesWithFaces;
    facesOut += o.facesOut;
    noFace += o.noFace;
    failed += o.failed;
    skippedAlreadyLabelled += o.skippedAlreadyLabelled;
    o.failedByReason.forEach((k, v) -> failedByReason.merge(k, v, Long::sum));
    o.facesPerImage.forEach((k, v) -> facesPerImage.merge(k, v, Long::sum));
    o.facesBySource.forEach((k, v) -> facesBySource.merge(k, v, Long::sum));
    o.scores.forEach((stage, h) -> {
      TreeMap<Integer, Long> mine = scores.computeIfAbsent(stage, k -> new TreeMap<>());
      h.forEach((k, v) -> mine.merge(k, v, Long::sum));
    });
    reboxedFaces += o.reboxedFaces;
    for (int i = 0; i < stepNanos.length; i++) {
      stepNanos[i] += o.stepNanos[i];
    }
    o.truth.forEach((k, v) -> truth.computeIfAbsent(k, x -> new Truth()).add(v));
    return this;
  }

  /** Checks {@code in = with faces + no face + failed}. */
  public void checkBalanced() {
    if (imagesIn != imagesWithFaces + noFace + failed) {
      throw new IllegalStateException("label counts do not add up: in=" + imagesIn + " faces=" + imagesWithFaces
          + " no_face=" + noFace + " failed=" + failed);
    }
  }

  /**
   * What people read: the counts ({@code images_in}, {@code images_with_faces}, {@code faces_out}, {@code
   * no_face}, {@code failed}, {@code failed_by_reason}, ...), the histograms, time per step, and where there was
   * ground truth {@code recall}, {@code recall_iou05}, {@code ip_nme}, {@code io_nme} over every annotated image,
   * and the same per folder and, for a 300-W folder, per 300-W subset ({@code ground_truth}).
   */
  public ObjectNode figures() {
    checkBalanced();
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.put("images_in", imagesIn);
    n.put("images_with_faces", imagesWithFaces);
    n.put("faces_out", facesOut);
    n.put("no_face", noFace);
    n.put("failed", failed);
    ObjectNode reasons = n.putObject("failed_by_reason");
    failedByReason.forEach(reasons::put);
    n.put("skipped_already_labelled", skippedAlreadyLabelled);
    ObjectNode per = n.putObject("faces_per_image");
    facesPerImage.forEach((k, v) -> per.put(Integer.toString(k), v));
    ObjectNode src = n.putObject("faces_by_source");
    facesBySource.forEach(src::put);
    ObjectNode sc = n.putObject("detector_scores");
    scores.forEach((stage, h) -> {
      ObjectNode s = sc.putObject(stage);
      h.forEach((k, v) -> s.put(Integer.toString(k), v));
    });
    n.put("reboxed_faces", reboxedFaces);
    ObjectNode time = n.putObject("seconds_by_step");
    long total = 0;
    for (long v : stepNanos) {
      total += v;
    }
    for (int i = 0; i < stepNanos.length; i++) {
      time.put(ImageLabel.STEPS.get(i), stepNanos[i] / 1e9);
    }
    ObjectNode share = n.putObject("share_by_step");
    for (int i = 0; i < stepNanos.length; i++) {
      share.put(ImageLabel.STEPS.get(i), total == 0 ? 0 : (double) stepNanos[i] / total);
    }
    if (!truth.isEmpty()) {
      Truth all = new Truth();
      truth.values().forEach(all::add);
      ObjectNode a = all.figures();
      n.set("recall", a.get("recall"));
      n.set("recall_iou05", a.get("recall_iou05"));
      n.set("ip_nme", a.get("ip_nme"));
      n.set("io_nme", a.get("io_nme"));
      ObjectNode gt = n.putObject("ground_truth");
      gt.set("all", a);
      ObjectNode folders = gt.putObject("by_folder");
      truth.forEach((k, v) -> folders.set(k.isEmpty() ? "." : k, v.figures()));
      Map<String, Truth> subsets = w300Subsets();
      if (!subsets.isEmpty()) {
        ObjectNode s = gt.putObject("by_300w_subset");
        subsets.forEach((k, v) -> s.set(k, v.figures()));
      }
    }
    return n;
  }

  /** The folders of a 300-W tree added up by the protocol's subsets (training, common, challenging, full). */
  Map<String, Truth> w300Subsets() {
    Map<String, Truth> out = new TreeMap<>();
    W300Layout.parts().forEach((part, subset) -> {
      Truth t = truth.get(part);
      if (t != null) {
        out.computeIfAbsent(subset, k -> new Truth()).add(t);
      }
    });
    List<String> fullParts = W300Layout.derivedSubsets().get(W300Layout.FULL);
    if (fullParts.stream().anyMatch(out::containsKey)) {
      Truth full = new Truth();
      fullParts.stream().filter(out::containsKey).forEach(p -> full.add(out.get(p)));
      out.put(W300Layout.FULL, full);
    }
    return out;
  }

  /** {@code v}, or JSON null when it is not a number (nothing to average). */
  static void number(ObjectNode n, String key, double v) {
    if (Double.isFinite(v)) {
      n.put(key, v);
    } else {
      n.putNull(key);
    }
  }

  private static double ratio(double a, double b) {
    return b == 0 ? Double.NaN : a / b;
  }
}

package org.facealign.label;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.facealign.data.BoxPolicy;
import org.facealign.data.DataException;
import org.facealign.data.FaceBox;
import org.facealign.data.FaceReader;
import org.facealign.data.FaceWindow;
import org.facealign.data.GrayImage;
import org.facealign.data.Hashes;
import org.facealign.data.ImageDecoder;
import org.facealign.data.LandmarkScheme;
import org.facealign.data.PtsFormat;
import org.facealign.data.Shape;
import org.facealign.data.Storage;
import org.facealign.detect.ConfigDetect;
import org.facealign.detect.Detection;
import org.facealign.detect.FaceDetector;
import org.facealign.eval.Nme;
import org.facealign.model.LandmarkModel;

/**
 * Labels images: for each, read (within {@code max-file-bytes}), hash (SHA-256), decode (within {@code max-pixels},
 * EXIF orientation applied), find the faces (the given boxes, or the detector's mapped to the model's box
 * convention by {@link BoxConvention}), predict their landmarks, optionally predict again from the box the first
 * landmarks give (re-boxing), and compare with ground truth where there is some.
 *
 * <p>Every input comes out as exactly one {@link ImageLabel}: a bad file, a decoder or detector error, a face the
 * model cannot predict, each is that image's failure, with the step and the reason; nothing escapes as an
 * exception. Whole images are not kept: each face keeps only the region around its box ({@code label.crop-margin}),
 * so a batch holds at most one decoded image at a time. The faces of {@code label.predict-batch} images are handed
 * to the model together ({@link LandmarkModel#predictAll}); when such a call fails, its faces are predicted one by
 * one so that only the faulty ones fail.
 *
 * <p>Not thread-safe (it uses one detector): one per task.
 */
public final class Labeler {

  /**
   * Everything a labeller needs besides the model and the file system.
   *
   * @param detect detection settings
   * @param label labelling settings
   * @param limits file size and pixel limits
   */
  public record Settings(ConfigDetect detect, ConfigLabel label, FaceReader.Limits limits) implements Serializable {

    /**
     * The settings that change what an image's rows hold, as text: all of detection (box maps in name order), the
     * file, pixel and annotation limits, {@code predict-batch}, {@code crop-margin} and {@code ground-truth}. The
     * other labelling settings (chunks, tasks, files, threads, progress) change how the work is split, not a row.
     */
    public String rowSettings() {
      return "detect=" + detect.withBoxMaps(new java.util.TreeMap<>(detect.boxMaps())) + "; limits=" + limits
          + "; predict-batch=" + label.predictBatch() + "; batch-pixels=" + label.batchPixels()
          + "; crop-margin=" + label.cropMargin()
          + "; ground-truth=" + label.groundTruth();
    }
  }

  private static final int READ = 0;
  private static final int HASH = 1;
  private static final int DECODE = 2;
  private static final int DETECT = 3;
  private static final int ALIGN = 4;
  private static final int TRUTH = 5;
  /** The reason code of a decoder's fault or exhausted memory while decoding. */
  public static final String UNEXPECTED = "unexpected";
  /** The reason code of a detector's fault (or exhausted memory) while it searched an image. */
  public static final String DETECTOR_ERROR = "detector_error";
  /** The reason code of a model's fault while it predicted a face. */
  public static final String PREDICT_ERROR = "predict_error";
  /**
   * The reason codes of failures after an image was read that its bytes do not decide (a library's fault, memory
   * exhausted by the other images of a task): an incremental run labels such an image again.
   */
  public static final java.util.List<String> RETRIED_CODES = java.util.List.of(UNEXPECTED, DETECTOR_ERROR,
      PREDICT_ERROR);

  /** IoU with the annotated face above which a found box counts as that face (as in {@code calibrate}). */
  public static final double FOUND_IOU = Detection.FOUND_IOU;

  private final LandmarkModel model;
  private final Storage storage;
  private final Settings settings;
  private final Supplier<FaceDetector> detector;
  private final BoxConvention convention;
  private final LandmarkScheme scheme;
  private java.util.function.Predicate<String> alreadyLabelled = h -> false;
  private java.util.function.Predicate<String> alreadyFailed = h -> false;

  /**
   * @param detector gives the detector, when an image needs one (called at most once per call of {@link #label})
   */
  public Labeler(LandmarkModel model, Storage storage, Settings settings, Supplier<FaceDetector> detector) {
    this.model = model;
    this.storage = storage;
    this.settings = settings;
    this.detector = detector;
    this.convention = new BoxConvention(settings.detect(),
        BoxPolicy.parse(model.header().boxPolicy(), model.header().boxMargin()));
    this.scheme = model.header().scheme();
  }

  /**
   * Makes images whose SHA-256 {@code known} accepts come out as {@link ImageLabel#SKIPPED} markers, right after
   * they are read and hashed (incremental runs); returns this.
   */
  public Labeler skipping(java.util.function.Predicate<String> known) {
    this.alreadyLabelled = known;
    return this;
  }

  /**
   * Makes inputs that fail before their content is known (a bad input record, a file that cannot be read) come out as
   * {@link ImageLabel#SKIPPED} markers when {@code known} accepts the SHA-256 of their {@link #failureKey}: the same
   * failure of the same path, already a row of the dataset (incremental runs); returns this.
   */
  public Labeler skippingFailures(java.util.function.Predicate<String> known) {
    this.alreadyFailed = known;
    return this;
  }

  /**
   * What identifies a failure without content: the input's path, the stage it failed at and the failure's code. Not
   * its reason, whose text can change from run to run for the same failure (an object store's request id in a read
   * error, the length of a file still too large), which would add a row per run.
   */
  public static String failureKey(String path, String stage, String code) {
    return path + "\n" + stage + ": " + code;
  }

  /** The labels of {@code inputs}, in order, {@code label.predict-batch} images at a time. */
  public List<ImageLabel> label(List<LabelInput> inputs) {
    List<ImageLabel> out = new ArrayList<>(inputs.size());
    int n = settings.label().predictBatch();
    for (int i = 0; i < inputs.size(); i += n) {
      out.addAll(labelBatch(inputs.subList(i, Math.min(inputs.size(), i + n))));
    }
    return out;
  }

  /** A region of an image kept for alignment: the crop and where in the image it was. */
  record Crop(GrayImage image, FaceWindow window) {
    FaceBox toCrop(FaceBox b) {
      return window.toWindow(b);
    }

    Shape fromCrop(Shape s) {
      return window.fromWindow(s);
    }
  }

  /** One face in progress. */
  private static final class FaceWork {
    final Detection detection;
    FaceBox box;
    final Crop crop;
    Shape landmarks;
    boolean reboxed;

    FaceWork(Detection detection, FaceBox box, Crop crop) {
      this.detection = detection;
      this.box = box;
      this.crop = crop;
    }
  }

  /** One image in progress. */
  private static final class Work {
    final LabelInput in;
    final long[] nanos = new long[ImageLabel.STEPS.size()];
    String sha256;
    boolean skipped;
    long bytes = -1;
    int width = -1;
    int height = -1;
    int orientation = 1;
    String stage;
    String code;
    String reason;
    final List<FaceWork> faces = new ArrayList<>();
    Shape truth;
    String truthProblem;
    String truthProblemCode;
    double bestIou;
    int matched = -1;
    /** The data set's own box, as displayed and in the model's box convention, and the crop around it. */
    FaceBox givenBox;
    Crop givenCrop;
    Shape givenPrediction;

    Work(LabelInput in) {
      this.in = in;
    }

    boolean failed() {
      return stage != null || skipped;
    }

    /** The pixels of the distinct face regions this image holds until it is aligned. */
    long heldPixels() {
      java.util.Set<GrayImage> regions = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
      faces.forEach(f -> regions.add(f.crop.image()));
      if (givenCrop != null) {
        regions.add(givenCrop.image());
      }
      long n = 0;
      for (GrayImage g : regions) {
        n += (long) g.width() * g.height();
      }
      return n;
    }

    void fail(String stage, String code, String reason) {
      this.stage = stage;
      this.code = code;
      this.reason = reason;
      faces.clear();
      givenCrop = null;
    }
  }

  private List<ImageLabel> labelBatch(List<LabelInput> inputs) {
    List<ImageLabel> out = new ArrayList<>(inputs.size());
    List<Work> works = new ArrayList<>(inputs.size());
    long held = 0;
    for (LabelInput in : inputs) {
      Work w = new Work(in);
      prepare(w);
      works.add(w);
      held += w.heldPixels();
      // the face regions of a batch are held until it is aligned: once they reach batch-pixels the batch is aligned
      // as it is, so that a task's memory does not grow with the photos (a portrait's region is the whole photo)
      if (held >= settings.label().batchPixels()) {
        finish(works, out);
        works.clear();
        held = 0;
      }
    }
    finish(works, out);
    return out;
  }

  /** Aligns the prepared {@code works} and adds their labels to {@code out}. */
  private void finish(List<Work> works, List<ImageLabel> out) {
    if (works.isEmpty()) {
      return;
    }
    align(works);
    if (settings.detect().rebox()) {
      rebox(works);
    }
    compareGivenBoxes(works);
    for (Work w : works) {
      out.add(result(w));
    }
  }

  /** {@code w} fails before its content is read: skipped instead if the dataset already has this failure. */
  private void failWithoutContent(Work w, String stage, String code, String reason) {
    w.fail(stage, code, reason);
    if (alreadyFailed.test(Hashes.sha256(failureKey(w.in.path(), stage, code)))) {
      w.skipped = true;
    }
  }

  /** Reads, hashes, decodes and finds the faces of one image; reads its ground truth. */
  private void prepare(Work w) {
    LabelInput in = w.in;
    if (in.problem() != null) {
      failWithoutContent(w, "input", DataException.INVALID, in.problem());
      return;
    }
    long t = System.nanoTime();
    byte[] bytes;
    try {
      bytes = storage.readBytes(in.path(), settings.limits().maxFileBytes());
    } catch (DataException e) {
      failWithoutContent(w, "read", e.code(), e.reason());
      return;
    } catch (RuntimeException e) {
      failWithoutContent(w, "read", "read_error", describe(e));
      return;
    } finally {
      w.nanos[READ] += System.nanoTime() - t;
    }
    t = System.nanoTime();
    w.bytes = bytes.length;
    w.sha256 = Hashes.sha256(bytes);
    w.nanos[HASH] += System.nanoTime() - t;
    if (alreadyLabelled.test(w.sha256)) {
      w.skipped = true;
      return;
    }

    t = System.nanoTime();
    GrayImage image;
    try {
      ImageDecoder.Oriented o = ImageDecoder.decodeOriented(bytes, in.path(), settings.limits().maxPixels());
      image = o.image();
      w.orientation = o.orientation();
      w.width = image.width();
      w.height = image.height();
    } catch (DataException e) {
      w.fail("decode", e.code(), e.reason());
      return;
    } catch (RuntimeException | OutOfMemoryError e) {
      w.fail("decode", UNEXPECTED, describe(e));
      return;
    } finally {
      w.nanos[DECODE] += System.nanoTime() - t;
    }
    bytes = null;

    t = System.nanoTime();
    if (in.boxes() != null) {
      for (FaceBox b : in.boxes()) {
        try {
          w.faces.add(new FaceWork(null, b, crop(image, b)));
        } catch (IllegalArgumentException e) {
          // a given box so far out that its region cannot be formed (1e308 wide): the input's fault, not a detector's
          w.fail("input", DataException.INVALID, "box " + b + " cannot be used: " + e.getMessage());
          w.nanos[DETECT] += System.nanoTime() - t;
          return;
        }
      }
    }
    try {
      if (in.boxes() == null) {
        for (Detection d : detector.get().detect(image)) {
          FaceBox b = convention.fromDetection(d);
          w.faces.add(new FaceWork(d, b, crop(image, b)));
        }
      }
    } catch (RuntimeException | OutOfMemoryError e) {
      w.fail("detect", DETECTOR_ERROR, describe(e));
      return;
    } finally {
      w.nanos[DETECT] += System.nanoTime() - t;
    }

    if (settings.label().groundTruth() && in.truthPath() != null) {
      t = System.nanoTime();
      readTruth(w, image);
      w.nanos[TRUTH] += System.nanoTime() - t;
    }
  }

  private void readTruth(Work w, GrayImage image) {
    try {
      byte[] b = storage.readBytes(w.in.truthPath(), settings.limits().maxFileBytes());
      Shape truth = PtsFormat.parse(new String(b, StandardCharsets.UTF_8), w.in.truthPath(), scheme.numPoints());
      // annotations and boxes.txt are in the frame the image is stored in; the image is labelled as displayed
      boolean swapped = w.orientation >= 5;
      int storedWidth = swapped ? image.height() : image.width();
      int storedHeight = swapped ? image.width() : image.height();
      truth = truth.oriented(w.orientation, storedWidth, storedHeight, scheme.flipMap());
      // as prepare refuses it: a degenerate annotation or one far outside the image would poison the mean errors
      FaceReader.checkAnnotation(truth, scheme, image.width(), image.height(), settings.limits().pointMargin(),
          w.in.truthPath());
      w.truth = truth;
      FaceBox tight = w.truth.extent();
      for (int i = 0; i < w.faces.size(); i++) {
        FaceWork f = w.faces.get(i);
        double iou = (f.detection != null ? f.detection.box() : f.box).iou(tight);
        if (iou > w.bestIou) {
          w.bestIou = iou;
          w.matched = i;
        }
      }
      if (w.bestIou < FOUND_IOU) {
        w.matched = -1;
      } else if (w.in.givenBox() != null) {
        FaceBox g = w.in.givenBox();
        FaceBox shown = Shape.of(new double[] {g.x0(), g.y0(), g.x1(), g.y1()})
            .oriented(w.orientation, storedWidth, storedHeight, new int[] {0, 1}).extent();
        w.givenBox = convention.fromW300(shown); // the box the model was trained with
        w.givenCrop = crop(image, w.givenBox);
      }
    } catch (DataException e) {
      w.truth = null;
      w.truthProblem = e.getMessage();
      w.truthProblemCode = e.code();
    } catch (RuntimeException e) {
      w.truth = null;
      w.truthProblem = w.in.truthPath() + ": " + describe(e);
      w.truthProblemCode = "unexpected";
    }
  }

  /**
   * The region around {@code box} kept for alignment: the box grown by {@code label.crop-margin}, and at least what
   * the model reads for the box ({@link LandmarkModel#footprint}; a model that may read anywhere keeps the whole
   * image), in a {@link FaceWindow}, so that the first prediction is the whole image's. A re-boxed face's prediction
   * is the whole image's while what the model reads for its box lies in the region too, which the crop margin leaves
   * room for (with the default canvas and crop margin, about three quarters of a box side of movement).
   */
  Crop crop(GrayImage image, FaceBox box) {
    FaceBox r = box.expand(settings.label().cropMargin());
    FaceBox reads = model.footprint(box);
    FaceBox region = reads == null ? null : r.union(reads);
    FaceWindow w = FaceWindow.around(region, image.width(), image.height());
    return new Crop(w.cut(image), w);
  }

  /** First predictions of every face of the batch. */
  private void align(List<Work> works) {
    List<FaceWork> faces = new ArrayList<>();
    List<Work> owners = new ArrayList<>();
    for (Work w : works) {
      if (!w.failed()) {
        for (FaceWork f : w.faces) {
          faces.add(f);
          owners.add(w);
        }
      }
    }
    long t = System.nanoTime();
    List<Object> shapes = predict(faces);
    for (int i = 0; i < faces.size(); i++) {
      Work w = owners.get(i);
      if (w.failed()) {
        continue;
      }
      if (shapes.get(i) instanceof Shape s) {
        faces.get(i).landmarks = s;
      } else {
        w.fail("align", PREDICT_ERROR, "face " + w.faces.indexOf(faces.get(i)) + ": " + shapes.get(i));
      }
    }
    share(owners, System.nanoTime() - t, ALIGN);
  }

  /** Second predictions, from the boxes the first ones give (detected faces only). */
  private void rebox(List<Work> works) {
    List<FaceWork> faces = new ArrayList<>();
    List<Work> owners = new ArrayList<>();
    List<FaceBox> first = new ArrayList<>();
    for (Work w : works) {
      if (w.failed()) {
        continue;
      }
      for (FaceWork f : w.faces) {
        if (f.detection == null) {
          continue;
        }
        try {
          FaceBox b = convention.fromLandmarks(f.landmarks);
          first.add(f.box);
          f.box = b;
          faces.add(f);
          owners.add(w);
        } catch (IllegalArgumentException e) {
          // degenerate landmarks give no box: keep the first prediction
        }
      }
    }
    long t = System.nanoTime();
    List<Object> shapes = predict(faces);
    for (int i = 0; i < faces.size(); i++) {
      FaceWork f = faces.get(i);
      if (shapes.get(i) instanceof Shape s) {
        f.landmarks = s;
        f.reboxed = true;
      } else {
        f.box = first.get(i);
      }
    }
    share(owners, System.nanoTime() - t, ALIGN);
  }

  /** Predictions from the data set's own boxes of the faces that were found, for the comparison. */
  private void compareGivenBoxes(List<Work> works) {
    List<FaceWork> faces = new ArrayList<>();
    List<Work> owners = new ArrayList<>();
    for (Work w : works) {
      if (!w.failed() && w.givenCrop != null) {
        faces.add(new FaceWork(null, w.givenBox, w.givenCrop));
        owners.add(w);
      }
    }
    if (faces.isEmpty()) {
      return;
    }
    long t = System.nanoTime();
    List<Object> shapes = predict(faces);
    for (int i = 0; i < faces.size(); i++) {
      if (shapes.get(i) instanceof Shape s) {
        owners.get(i).givenPrediction = s;
      }
    }
    share(owners, System.nanoTime() - t, TRUTH);
  }

  /** Adds {@code nanos} to step {@code step} of the distinct images of {@code owners}, in equal shares. */
  private static void share(List<Work> owners, long nanos, int step) {
    List<Work> distinct = owners.stream().distinct().toList();
    for (Work w : distinct) {
      w.nanos[step] += nanos / distinct.size();
    }
  }

  /**
   * The landmarks of each face in image coordinates, or, for a face that could not be predicted, the reason as a
   * string. Faces go to the model {@code predict-batch} at a time; a failing call is retried face by face.
   */
  private List<Object> predict(List<FaceWork> faces) {
    List<Object> out = new ArrayList<>(faces.size());
    int n = settings.label().predictBatch();
    for (int i0 = 0; i0 < faces.size(); i0 += n) {
      List<FaceWork> chunk = faces.subList(i0, Math.min(faces.size(), i0 + n));
      List<GrayImage> images = new ArrayList<>(chunk.size());
      List<FaceBox> boxes = new ArrayList<>(chunk.size());
      for (FaceWork f : chunk) {
        images.add(f.crop.image());
        boxes.add(f.crop.toCrop(f.box));
      }
      List<Shape> shapes = null;
      try {
        shapes = model.predictAll(images, boxes);
      } catch (RuntimeException e) {
        // retried one by one below, so that only the faulty faces fail
      }
      for (int i = 0; i < chunk.size(); i++) {
        try {
          Shape s = shapes != null ? shapes.get(i) : model.predict(images.get(i), boxes.get(i));
          out.add(checked(chunk.get(i).crop.fromCrop(s)));
        } catch (RuntimeException e) {
          out.add(describe(e));
        }
      }
    }
    return out;
  }

  private static Shape checked(Shape s) {
    for (int i = 0; i < s.numPoints(); i++) {
      if (!Double.isFinite(s.x(i)) || !Double.isFinite(s.y(i))) {
        throw new IllegalStateException("the model predicted a non-finite landmark " + i);
      }
    }
    return s;
  }

  private ImageLabel result(Work w) {
    List<ImageLabel.Face> faces = new ArrayList<>(w.faces.size());
    if (!w.failed()) {
      for (int i = 0; i < w.faces.size(); i++) {
        FaceWork f = w.faces.get(i);
        Detection d = f.detection;
        faces.add(new ImageLabel.Face(i, f.box, d == null ? null : d.box(), d == null ? null : d.stage(),
            d == null ? Double.NaN : d.score(), f.reboxed, f.landmarks));
      }
    }
    if (w.skipped) {
      return new ImageLabel(w.in.path(), w.sha256, w.bytes, -1, -1, 1, ImageLabel.SKIPPED, null, null, null,
          List.of(), null, w.nanos);
    }
    String status = w.failed() ? ImageLabel.FAILED : faces.isEmpty() ? ImageLabel.NO_FACE : ImageLabel.FACES;
    return new ImageLabel(w.in.path(), w.sha256, w.bytes, w.width, w.height, w.orientation, status, w.stage, w.code,
        w.reason, faces, truth(w, faces), w.nanos);
  }

  private ImageLabel.Truth truth(Work w, List<ImageLabel.Face> faces) {
    if (!settings.label().groundTruth() || w.in.truthPath() == null) {
      return null;
    }
    if (w.truth == null) {
      // the annotation was unreadable, or the image failed before it was read (then it counts as not found)
      return new ImageLabel.Truth(w.in.group(), w.truthProblem == null, 0, Double.NaN, Double.NaN, Double.NaN,
          Double.NaN, w.truthProblem, w.truthProblemCode);
    }
    double ip = Double.NaN;
    double io = Double.NaN;
    double ipGiven = Double.NaN;
    double ioGiven = Double.NaN;
    if (w.matched >= 0 && !w.failed()) {
      Shape pred = faces.get(w.matched).landmarks();
      ip = Nme.interPupil(pred, w.truth, scheme);
      io = Nme.interOcular(pred, w.truth, scheme);
      if (w.givenPrediction != null) {
        ipGiven = Nme.interPupil(w.givenPrediction, w.truth, scheme);
        ioGiven = Nme.interOcular(w.givenPrediction, w.truth, scheme);
      }
    }
    return new ImageLabel.Truth(w.in.group(), true, w.failed() ? 0 : w.bestIou, ip, io, ipGiven, ioGiven, null, null);
  }

  private static String describe(Throwable e) {
    return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
  }
}

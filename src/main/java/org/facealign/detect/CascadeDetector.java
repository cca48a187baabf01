package org.facealign.detect;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Point2f;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.RectVector;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;
import org.bytedeco.opencv.opencv_objdetect.CascadeClassifier;
import org.facealign.data.FaceBox;
import org.facealign.data.GrayImage;

/**
 * Viola-Jones face detection with OpenCV's bundled cascades (Viola and Jones, "Robust real-time face detection",
 * IJCV 2004; Lienhart and Maydt's extended Haar features, ICIP 2002), run as a chain of {@link CascadeStage}s.
 *
 * <p>Per image: the grey image is converted to 8 bits, scaled (never enlarged) so that the smallest face searched
 * ({@link ConfigDetect#minFace()} of the shorter side, at least {@link ConfigDetect#minFacePixels()}) becomes
 * {@link ConfigDetect#window()} pixels wide, histogram-equalised, and given to each stage in turn until one finds a
 * face. Boxes come back in the original image's pixels (pixel centres at integers).
 *
 * <p>Not thread-safe (an OpenCV {@code CascadeClassifier} keeps per-call buffers): use one per thread, e.g. through
 * {@link #forThread}. Native memory of each call is released when it returns.
 */
public final class CascadeDetector implements FaceDetector {
  private static final Map<String, File> CASCADE_FILES = new java.util.concurrent.ConcurrentHashMap<>();
  private static final ThreadLocal<Map<ConfigDetect, CascadeDetector>> PER_THREAD =
      ThreadLocal.withInitial(java.util.HashMap::new);

  private final ConfigDetect cfg;
  private final List<CascadeStage> stages = new ArrayList<>();
  private final Map<CascadeStage, CascadeClassifier> classifiers = new EnumMap<>(CascadeStage.class);

  /** A detector with settings {@code cfg}; loads its cascades. */
  public CascadeDetector(ConfigDetect cfg) {
    this.cfg = cfg;
    Map<String, CascadeClassifier> byFile = new java.util.HashMap<>();
    for (String name : cfg.stages()) {
      CascadeStage s = CascadeStage.parse(name);
      stages.add(s);
      classifiers.put(s, byFile.computeIfAbsent(s.file(), CascadeDetector::load));
    }
  }

  /** This thread's detector for {@code cfg}, created on first use and kept for the thread's life. */
  public static CascadeDetector forThread(ConfigDetect cfg) {
    return PER_THREAD.get().computeIfAbsent(cfg, CascadeDetector::new);
  }

  private static CascadeClassifier load(String file) {
    File f = CASCADE_FILES.computeIfAbsent(file, k -> {
      String resource = "/org/bytedeco/opencv/" + Loader.getPlatform() + "/share/opencv4/" + k;
      try {
        File cached = Loader.cacheResource(CascadeClassifier.class, resource);
        if (cached == null) {
          throw new IllegalStateException("OpenCV cascade " + resource + " is not on the classpath");
        }
        return cached;
      } catch (IOException e) {
        throw new UncheckedIOException("cannot extract OpenCV cascade " + resource, e);
      }
    });
    CascadeClassifier c = new CascadeClassifier(f.getAbsolutePath());
    if (c.empty()) {
      throw new IllegalStateException("OpenCV could not load cascade " + f);
    }
    return c;
  }

  /** The scale the image is searched at: the smallest face searched becomes {@code window} pixels. */
  double scaleFor(int width, int height) {
    double minFace = Math.max(cfg.minFace() * Math.min(width, height), cfg.minFacePixels());
    return Math.min(1.0, cfg.window() / minFace);
  }

  @Override
  public List<Detection> detect(GrayImage image) {
    try (PointerScope scope = new PointerScope()) {
      int w = image.width();
      int h = image.height();
      double s = scaleFor(w, h);
      int sw = Math.max(1, (int) Math.round(w * s));
      int sh = Math.max(1, (int) Math.round(h * s));
      Mat full = toMat8(image);
      Mat small = full;
      if (sw != w || sh != h) {
        small = new Mat();
        opencv_imgproc.resize(full, small, new Size(sw, sh), 0, 0, opencv_imgproc.INTER_AREA);
      }
      if (cfg.equalize()) {
        Mat eq = new Mat();
        opencv_imgproc.equalizeHist(small, eq);
        small = eq;
      }
      double minFace = Math.max(cfg.minFace() * Math.min(w, h), cfg.minFacePixels());
      double fx = (double) sw / w;
      double fy = (double) sh / h;
      for (CascadeStage stage : stages) {
        int minSize = Math.max(stage.window(), (int) Math.floor(minFace * Math.min(fx, fy)));
        if (minSize > Math.min(sw, sh)) {
          return List.of();
        }
        List<Detection> found = run(stage, small, minSize, fx, fy);
        if (!found.isEmpty()) {
          found.sort(Comparator.comparingDouble(Detection::score).reversed());
          return found.size() > cfg.maxFaces() ? new ArrayList<>(found.subList(0, cfg.maxFaces())) : found;
        }
      }
      return List.of();
    }
  }

  private List<Detection> run(CascadeStage stage, Mat img, int minSize, double fx, double fy) {
    List<Detection> out = new ArrayList<>();
    if (stage.rotated()) {
      for (double angle : new double[] {cfg.rotationDeg(), -cfg.rotationDeg()}) {
        Point2f centre = new Point2f((img.cols() - 1) / 2f, (img.rows() - 1) / 2f);
        Mat m = opencv_imgproc.getRotationMatrix2D(centre, angle, 1.0);
        Mat turned = new Mat();
        opencv_imgproc.warpAffine(img, turned, m, img.size(), opencv_imgproc.INTER_LINEAR, opencv_core.BORDER_REPLICATE,
            new Scalar());
        double a = Math.cos(Math.toRadians(angle));
        double b = Math.sin(Math.toRadians(angle));
        for (double[] r : cascade(stage, turned, minSize)) {
          // back to the unturned image: the inverse of getRotationMatrix2D's rotation about the centre
          // (edge coordinates are pixel-centre coordinates + 0.5)
          double du = (r[0] + r[2]) / 2 - 0.5 - centre.x();
          double dv = (r[1] + r[3]) / 2 - 0.5 - centre.y();
          double cx = centre.x() + a * du - b * dv + 0.5;
          double cy = centre.y() + b * du + a * dv + 0.5;
          double half = (r[2] - r[0]) / 2;
          out.add(detection(cx - half, cy - half, cx + half, cy + half, r[4], stage, fx, fy));
        }
        if (!out.isEmpty()) {
          break;
        }
      }
      return out;
    }
    for (double[] r : cascade(stage, img, minSize)) {
      out.add(detection(r[0], r[1], r[2], r[3], r[4], stage, fx, fy));
    }
    if (stage.mirrored()) {
      Mat flipped = new Mat();
      opencv_core.flip(img, flipped, 1);
      for (double[] r : cascade(stage, flipped, minSize)) {
        out.add(detection(img.cols() - r[2], r[1], img.cols() - r[0], r[3], r[4], stage, fx, fy));
      }
    }
    return out;
  }

  /** Rectangles {x0, y0, x1, y1, neighbours} of one cascade pass, edges in pixel-edge coordinates. */
  private List<double[]> cascade(CascadeStage stage, Mat img, int minSize) {
    RectVector rects = new RectVector();
    IntPointer neighbours = new IntPointer();
    classifiers.get(stage).detectMultiScale2(img, rects, neighbours, cfg.scaleFactor(), stage.minNeighbors(), 0,
        new Size(minSize, minSize), new Size());
    List<double[]> r = new ArrayList<>((int) rects.size());
    long n = neighbours.limit() - neighbours.position();
    for (long i = 0; i < rects.size(); i++) {
      Rect q = rects.get(i);
      double score = i < n ? neighbours.get(i) : stage.minNeighbors();
      r.add(new double[] {q.x(), q.y(), q.x() + q.width(), q.y() + q.height(), score});
    }
    return r;
  }

  /** A detection from edge coordinates in the scaled image to pixel-centre coordinates of the original. */
  private static Detection detection(double x0, double y0, double x1, double y1, double score, CascadeStage stage,
      double fx, double fy) {
    return new Detection(new FaceBox(x0 / fx - 0.5, y0 / fy - 0.5, x1 / fx - 0.5, y1 / fy - 0.5), score,
        stage.configName());
  }

  /** The image rounded and clamped to 8 bits, as an OpenCV matrix. */
  static Mat toMat8(GrayImage image) {
    int w = image.width();
    int h = image.height();
    byte[] b = new byte[w * h];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int v = Math.round(image.get(x, y));
        b[y * w + x] = (byte) (v < 0 ? 0 : Math.min(255, v));
      }
    }
    Mat m = new Mat(h, w, opencv_core.CV_8UC1);
    m.data().put(b);
    return m;
  }

  @Override
  public void close() {
    for (CascadeClassifier c : new java.util.HashSet<>(classifiers.values())) {
      c.close();
    }
    classifiers.clear();
  }
}

package org.facealign.data;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * A seeded generator of simple grey face images whose 68 landmarks (iBUG layout) are known exactly, for
 * tests and benchmarks that must not depend on the licensed 300-W data and need ground truth without
 * annotation noise.
 *
 * <p>Each face is {@link #TEMPLATE} under a random similarity transform (scale, rotation, translation
 * within {@link Options}), with a random mouth opening (the inner and lower lips and the chin move down)
 * and independent Gaussian jitter of every point. It is drawn with Java2D, antialiased, so that image edges
 * lie on the landmarks: the skin region (jaw outline plus a forehead) on a background of another grey
 * level, darker eyes (polygons through the eye points) with a dark pupil, brows as thick strokes along
 * their points, nose lines, filled lips with the mouth interior darker. Gaussian pixel noise is added and
 * values are rounded and clamped to 0..255, like an 8-bit image. Coordinates follow {@link Shape}: pixel
 * centres at integers.
 *
 * <p>Everything is drawn from one {@link Random} seeded by the constructor, so a seed reproduces identical
 * shapes and pixels. Instances are not thread-safe; use one per thread.
 */
public final class SyntheticFaces {
  /** y of the temples (jaw points 0 and 16) in the template frame. */
  private static final double JAW_TOP = 0.35;

  /**
   * The 68-point template in a unit frame: the face is 1 wide (jaw from x = 0 to x = 1), y grows down
   * from the brows (about 0.18) to the chin (1). Exactly mirror-symmetric about x = 0.5 under {@link
   * LandmarkScheme#IBUG_68}'s flip map. Eyes are centred at x = 0.29 and 0.71, so the inter-pupil
   * distance is 0.42 face widths.
   */
  public static final Shape TEMPLATE = buildTemplate();

  /**
   * How faces vary.
   *
   * @param imageSize width and height of the square images, pixels
   * @param minFaceFraction smallest face width (jaw extent) as a fraction of the image width
   * @param maxFaceFraction largest face width as a fraction of the image width
   * @param maxRotationDeg in-plane rotation drawn uniformly from {@code [-max, max]} degrees
   * @param noiseSigma standard deviation of the Gaussian pixel noise, grey levels
   * @param shapeJitter standard deviation of each point's random displacement, in face widths
   */
  public record Options(
      int imageSize,
      double minFaceFraction,
      double maxFaceFraction,
      double maxRotationDeg,
      double noiseSigma,
      double shapeJitter) {
    public Options {
      if (imageSize < 16) {
        throw new IllegalArgumentException("imageSize must be at least 16, got " + imageSize);
      }
      if (!(minFaceFraction > 0 && minFaceFraction <= maxFaceFraction && maxFaceFraction <= 1)) {
        throw new IllegalArgumentException(
            "need 0 < minFaceFraction <= maxFaceFraction <= 1, got " + minFaceFraction + ", " + maxFaceFraction);
      }
      if (!(maxRotationDeg >= 0 && maxRotationDeg <= 90)) {
        throw new IllegalArgumentException("maxRotationDeg must be in 0..90, got " + maxRotationDeg);
      }
      if (!(noiseSigma >= 0 && Double.isFinite(noiseSigma))) {
        throw new IllegalArgumentException("noiseSigma must be >= 0, got " + noiseSigma);
      }
      if (!(shapeJitter >= 0 && shapeJitter <= 0.1)) {
        throw new IllegalArgumentException("shapeJitter must be in 0..0.1 face widths, got " + shapeJitter);
      }
    }

    /** 128x128 images, faces 45-65 % of the width, up to 15 degrees of rotation, noise 3, jitter 0.01. */
    public static Options defaults() {
      return new Options(128, 0.45, 0.65, 15, 3.0, 0.01);
    }
  }

  /**
   * One generated face.
   *
   * @param image the rendered grey image
   * @param landmarks the exact 68 landmarks, 0-based pixel coordinates
   * @param detectorBox a detector-like box: the landmarks' extent grown by 3-10 % and shifted by up to 5 %
   */
  public record SyntheticFace(GrayImage image, Shape landmarks, FaceBox detectorBox) {}

  private final Options options;
  private final Random rng;

  public SyntheticFaces(long seed, Options options) {
    this.options = options;
    this.rng = new Random(mix(seed));
  }

  public Options options() {
    return options;
  }

  /** The next face of this generator's sequence. */
  public SyntheticFace next() {
    int n = options.imageSize();
    // Shape in the template frame: expression, then per-point jitter.
    double[] p = TEMPLATE.toArray();
    double open = 0.08 * rng.nextDouble();
    for (int i : new int[] {55, 56, 57, 58, 59, 65, 66, 67}) {
      p[2 * i + 1] += open;
    }
    for (int i = 5; i <= 11; i++) {
      p[2 * i + 1] += open * (i == 5 || i == 11 ? 0.25 : 0.5);
    }
    for (int i = 0; i < p.length; i++) {
      p[i] += options.shapeJitter() * rng.nextGaussian();
    }

    // Similarity transform to pixels: scale, rotation about the face centre, random translation that keeps
    // every landmark at least 2 px inside the image.
    double scale = n * (options.minFaceFraction()
        + (options.maxFaceFraction() - options.minFaceFraction()) * rng.nextDouble());
    double angle = Math.toRadians(options.maxRotationDeg() * (2 * rng.nextDouble() - 1));
    double cos = Math.cos(angle) * scale;
    double sin = Math.sin(angle) * scale;
    double[] xy = new double[p.length];
    double minX = Double.POSITIVE_INFINITY;
    double minY = Double.POSITIVE_INFINITY;
    double maxX = Double.NEGATIVE_INFINITY;
    double maxY = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < p.length; i += 2) {
      double u = p[i] - 0.5;
      double v = p[i + 1] - 0.55;
      xy[i] = cos * u - sin * v;
      xy[i + 1] = sin * u + cos * v;
      minX = Math.min(minX, xy[i]);
      maxX = Math.max(maxX, xy[i]);
      minY = Math.min(minY, xy[i + 1]);
      maxY = Math.max(maxY, xy[i + 1]);
    }
    double margin = 2;
    double tx = place(minX, maxX, margin, n - 1 - margin);
    double ty = place(minY, maxY, margin, n - 1 - margin);
    for (int i = 0; i < xy.length; i += 2) {
      xy[i] += tx;
      xy[i + 1] += ty;
    }
    Shape landmarks = Shape.of(xy);
    double[] transform = {cos, sin, tx, ty};

    // Grey levels: background clearly different from skin; features darker than skin.
    double skin = 110 + 110 * rng.nextDouble();
    double background;
    do {
      background = 10 + 235 * rng.nextDouble();
    } while (Math.abs(background - skin) < 40);
    double eye = skin - 50 - 30 * rng.nextDouble();
    double pupil = 5 + 25 * rng.nextDouble();
    double brow = Math.max(0, skin - 60 - 40 * rng.nextDouble());
    double nose = skin - 30 - 30 * rng.nextDouble();
    double lips = skin - 30 - 30 * rng.nextDouble();
    double mouth = 10 + 30 * rng.nextDouble();

    GrayImage image = render(n, landmarks, transform, scale, background, skin, eye, pupil, brow, nose, lips, mouth);

    FaceBox ext = landmarks.extent();
    FaceBox box = ext.expand(0.03 + 0.07 * rng.nextDouble())
        .translate(0.05 * (2 * rng.nextDouble() - 1) * ext.width(), 0.05 * (2 * rng.nextDouble() - 1) * ext.height());
    return new SyntheticFace(image, landmarks, box);
  }

  /** Translation placing {@code [lo, hi]} uniformly inside {@code [min, max]} (centred if it cannot fit). */
  private double place(double lo, double hi, double min, double max) {
    double room = (max - min) - (hi - lo);
    if (room <= 0) {
      return (min + max) / 2 - (lo + hi) / 2;
    }
    return min - lo + room * rng.nextDouble();
  }

  private GrayImage render(
      int n, Shape s, double[] t, double scale, double background, double skin, double eye, double pupil,
      double brow, double nose, double lips, double mouth) {
    BufferedImage bi = new BufferedImage(n, n, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = bi.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
      g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
      g.setColor(grey(background));
      g.fillRect(0, 0, n, n);
      // Java2D pixel (x, y) covers [x, x+1): its centre is x + 0.5, while ours is x.
      g.translate(0.5, 0.5);

      // Skin: the jaw outline, closed over the forehead by the upper half of an ellipse (template frame).
      Path2D.Double face = polyline(s, 0, 16, false);
      for (int k = 1; k < 16; k++) {
        double th = -Math.PI * k / 16;
        double u = 0.5 + 0.5 * Math.cos(th);
        double v = JAW_TOP + 0.47 * Math.sin(th);
        double[] q = apply(t, u, v);
        face.lineTo(q[0], q[1]);
      }
      face.closePath();
      g.setColor(grey(skin));
      g.fill(face);

      float w = (float) scale;
      g.setStroke(new BasicStroke(0.04f * w, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
      g.setColor(grey(brow));
      g.draw(polyline(s, 17, 21, false));
      g.draw(polyline(s, 22, 26, false));

      g.setStroke(new BasicStroke(0.015f * w, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
      g.setColor(grey(nose));
      g.draw(polyline(s, 27, 30, false));
      g.setStroke(new BasicStroke(0.02f * w, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
      g.draw(polyline(s, 31, 35, false));

      for (int first : new int[] {36, 42}) {
        g.setColor(grey(eye));
        g.fill(polyline(s, first, first + 5, true));
        double[] c = s.centroid(first, first + 5);
        double r = 0.3 * (s.distance(first + 1, first + 5) + s.distance(first + 2, first + 4)) / 2;
        g.setColor(grey(pupil));
        g.fill(new Ellipse2D.Double(c[0] - r, c[1] - r, 2 * r, 2 * r));
      }

      g.setColor(grey(lips));
      g.fill(polyline(s, 48, 59, true));
      g.setColor(grey(mouth));
      g.fill(polyline(s, 60, 67, true));
    } finally {
      g.dispose();
    }

    Raster r = bi.getRaster();
    float[] px = new float[n * n];
    int[] row = new int[n];
    double sigma = options.noiseSigma();
    for (int y = 0; y < n; y++) {
      r.getSamples(0, y, n, 1, 0, row);
      for (int x = 0; x < n; x++) {
        double v = row[x] + (sigma > 0 ? sigma * rng.nextGaussian() : 0);
        px[y * n + x] = (float) Math.max(0, Math.min(255, Math.rint(v)));
      }
    }
    return GrayImage.wrap(n, n, px);
  }

  private static double[] apply(double[] t, double u, double v) {
    double a = u - 0.5;
    double b = v - 0.55;
    return new double[] {t[0] * a - t[1] * b + t[2], t[1] * a + t[0] * b + t[3]};
  }

  private static Path2D.Double polyline(Shape s, int from, int toInclusive, boolean close) {
    Path2D.Double path = new Path2D.Double();
    path.moveTo(s.x(from), s.y(from));
    for (int i = from + 1; i <= toInclusive; i++) {
      path.lineTo(s.x(i), s.y(i));
    }
    if (close) {
      path.closePath();
    }
    return path;
  }

  private static Color grey(double level) {
    int v = (int) Math.max(0, Math.min(255, Math.round(level)));
    return new Color(v, v, v);
  }

  /**
   * Writes a 300-W style tree of synthetic faces: for each part folder (e.g. {@code afw}, {@code
   * lfpw/testset}, {@code ibug}) {@code image_0001.jpg}, {@code image_0001.pts}, ... and a {@code
   * boxes.txt} with the detector boxes. Part {@code P} is generated by {@code new SyntheticFaces(
   * partSeed(seed, P), options)}, so the content does not depend on the map's iteration order and a test
   * can regenerate what was written.
   *
   * @param facesPerPart part folder (relative) to number of faces
   * @throws UncheckedIOException if a file cannot be written
   */
  public static void writeW300Layout(Path root, Map<String, Integer> facesPerPart, long seed, Options options) {
    try {
      for (Map.Entry<String, Integer> part : facesPerPart.entrySet()) {
        String name = part.getKey();
        if (name.isBlank() || name.startsWith("/") || name.contains("..")) {
          throw new IllegalArgumentException("part must be a relative folder, got '" + name + "'");
        }
        Path dir = root.resolve(name);
        Files.createDirectories(dir);
        SyntheticFaces gen = new SyntheticFaces(partSeed(seed, name), options);
        StringBuilder boxes = new StringBuilder("# image x_min y_min x_max y_max (0-based pixels; synthetic detector boxes)\n");
        for (int k = 1; k <= part.getValue(); k++) {
          SyntheticFace f = gen.next();
          String base = String.format(Locale.ROOT, "image_%04d", k);
          Files.write(dir.resolve(base + ".jpg"), ImageDecoder.encode(f.image(), "jpg"));
          Files.writeString(dir.resolve(base + ".pts"), PtsFormat.format(f.landmarks()), StandardCharsets.UTF_8);
          FaceBox b = f.detectorBox();
          boxes.append(String.format(Locale.ROOT, "%s.jpg %.3f %.3f %.3f %.3f\n", base, b.x0(), b.y0(), b.x1(), b.y1()));
        }
        Files.writeString(dir.resolve(W300Layout.BOXES_FILE), boxes.toString(), StandardCharsets.UTF_8);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write synthetic data set under " + root, e);
    }
  }

  /** The seed of part {@code part}'s generator in {@link #writeW300Layout}. */
  public static long partSeed(long seed, String part) {
    return seed ^ mix(part.hashCode());
  }

  /** SplitMix64's finaliser: neighbouring seeds give unrelated generators. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  /** Builds the image-left half and the centre line, then mirrors with the iBUG flip map. */
  private static Shape buildTemplate() {
    double[] x = new double[68];
    double[] y = new double[68];
    // Jaw 0..8: the lower half of an ellipse from the left temple to the chin.
    for (int i = 0; i <= 8; i++) {
      double th = Math.PI - i * Math.PI / 16;
      x[i] = 0.5 + 0.5 * Math.cos(th);
      y[i] = JAW_TOP + (1 - JAW_TOP) * Math.sin(th);
    }
    x[0] = 0;
    y[0] = JAW_TOP;
    x[8] = 0.5;
    y[8] = 1;
    // Left brow 17..21, outer to inner, arched.
    set(x, y, 17, 0.08, 0.24);
    set(x, y, 18, 0.15, 0.195);
    set(x, y, 19, 0.23, 0.178);
    set(x, y, 20, 0.31, 0.183);
    set(x, y, 21, 0.40, 0.205);
    // Nose bridge 27..30 (30 is the tip), nostrils 31..33.
    set(x, y, 27, 0.5, 0.33);
    set(x, y, 28, 0.5, 0.41);
    set(x, y, 29, 0.5, 0.49);
    set(x, y, 30, 0.5, 0.57);
    set(x, y, 31, 0.40, 0.63);
    set(x, y, 32, 0.45, 0.645);
    set(x, y, 33, 0.5, 0.655);
    // Left eye 36..41: a six-point ellipse, 36 outer corner, 39 inner corner, 37-38 upper, 40-41 lower lid.
    double cx = 0.29;
    double cy = 0.36;
    double a = 0.085;
    double b = 0.035;
    double h = Math.sqrt(3) / 2;
    set(x, y, 36, cx - a, cy);
    set(x, y, 37, cx - a / 2, cy - h * b);
    set(x, y, 38, cx + a / 2, cy - h * b);
    set(x, y, 39, cx + a, cy);
    set(x, y, 40, cx + a / 2, cy + h * b);
    set(x, y, 41, cx - a / 2, cy + h * b);
    // Outer lip: 48 left corner, 49-50 upper left, 51 top, 57 bottom, 58-59 lower left.
    set(x, y, 48, 0.33, 0.79);
    set(x, y, 49, 0.39, 0.755);
    set(x, y, 50, 0.45, 0.738);
    set(x, y, 51, 0.5, 0.745);
    set(x, y, 57, 0.5, 0.855);
    set(x, y, 58, 0.45, 0.85);
    set(x, y, 59, 0.39, 0.83);
    // Inner lip: 60 left corner, 61 upper left, 62 upper middle, 66 lower middle, 67 lower left.
    set(x, y, 60, 0.35, 0.79);
    set(x, y, 61, 0.45, 0.783);
    set(x, y, 62, 0.5, 0.783);
    set(x, y, 66, 0.5, 0.797);
    set(x, y, 67, 0.45, 0.797);
    // The other side: point i mirrors point flipMap[i] (only those defined above are on the left).
    int[] flip = LandmarkScheme.IBUG_68.flipMap();
    boolean[] left = new boolean[68];
    for (int i : new int[] {0, 1, 2, 3, 4, 5, 6, 7, 17, 18, 19, 20, 21, 31, 32, 36, 37, 38, 39, 40, 41,
        48, 49, 50, 58, 59, 60, 61, 67}) {
      left[i] = true;
    }
    for (int i = 0; i < 68; i++) {
      if (left[i]) {
        x[flip[i]] = 1 - x[i];
        y[flip[i]] = y[i];
      } else if (flip[i] == i) {
        x[i] = 0.5;
      }
    }
    return Shape.of(x, y);
  }

  private static void set(double[] x, double[] y, int i, double px, double py) {
    x[i] = px;
    y[i] = py;
  }
}

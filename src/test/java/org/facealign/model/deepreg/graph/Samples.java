package org.facealign.model.deepreg.graph;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.facealign.data.GrayImage;
import org.facealign.data.Shape;
import org.facealign.data.SyntheticFaces;
import org.facealign.feature.Canvas16;
import org.facealign.feature.ConfigFeatures;
import org.facealign.feature.FaceNormaliser;
import org.facealign.feature.HogFeature;
import org.facealign.feature.NormalisedFace;
import org.facealign.model.deepreg.Cascade;
import org.facealign.model.deepreg.LinearMap;
import org.facealign.model.deepreg.ShapeUnits;
import org.facealign.model.deepreg.TrainingSample;

/** Training samples and cascades for the joint-training tests. */
public final class Samples {
  private Samples() {}

  /**
   * Tiny features for gradient checks: 48-px canvas, 36-d HOG, 2x2 cells of 4 orientations (16 values per
   * landmark), three stages, no SIFT clip (a smooth descriptor) and a 0.05-px Jacobian step.
   */
  public static ConfigFeatures tinyFeatures() {
    return ConfigFeatures.builder().faceSize(32).margin(0.25).hogSize(16).hogCellSize(8).hogBlockCells(2)
        .orientations(4).siftCells(2).blurSigma(1.5).patchSizes(12, 12, 8).jacobianEpsilon(0.005).clip(1.0).build();
  }

  /** Small features for training tests on synthetic faces: 72-px canvas, 2x2 cells of 4 orientations. */
  public static ConfigFeatures smallFeatures() {
    return ConfigFeatures.builder().faceSize(48).margin(0.25).hogSize(32).hogCellSize(8).orientations(4).siftCells(2)
        .patchSizes(16, 16, 12).build();
  }

  /**
   * Smooth images (sums of Gaussian blobs of σ 4-8 px) with {@code points} random landmarks near a square
   * layout, random HOG vectors: the features of such images are smooth in the landmark positions.
   */
  public static List<TrainingSample> smooth(ConfigFeatures f, int n, int points, long seed) {
    Random r = new Random(seed);
    int c = f.canvasSize();
    List<TrainingSample> out = new ArrayList<>();
    for (int k = 0; k < n; k++) {
      float[] px = new float[c * c];
      java.util.Arrays.fill(px, 128);
      for (int b = 0; b < 14; b++) {
        double cx = r.nextDouble() * c;
        double cy = r.nextDouble() * c;
        double s = 4 + 4 * r.nextDouble();
        double a = (r.nextDouble() - 0.5) * 160;
        for (int y = 0; y < c; y++) {
          for (int x = 0; x < c; x++) {
            px[y * c + x] += (float) (a * Math.exp(-((x - cx) * (x - cx) + (y - cy) * (y - cy)) / (2 * s * s)));
          }
        }
      }
      GrayImage img = GrayImage.wrap(c, c, px);
      float[] hog = new float[f.hogDimension()];
      for (int i = 0; i < hog.length; i++) {
        hog[i] = (float) (0.3 * r.nextDouble());
      }
      out.add(new TrainingSample("tiny" + k, "orig", c, Canvas16.encode(img), hog, layout(points, r, 0.03)));
    }
    return out;
  }

  /** {@code points} landmarks on a ring of radius 0.2 units, each jittered by {@code jitter} units. */
  public static double[] layout(int points, Random r, double jitter) {
    double[] s = new double[2 * points];
    for (int i = 0; i < points; i++) {
      double a = 2 * Math.PI * i / points + 0.3;
      s[2 * i] = 0.2 * Math.cos(a) + jitter * r.nextGaussian();
      s[2 * i + 1] = 0.2 * Math.sin(a) + jitter * r.nextGaussian();
    }
    return s;
  }

  /** A cascade with random layers: W entries N(0, σ²), global layer around the layout. */
  public static Cascade randomCascade(ConfigFeatures f, int points, boolean global, double sigma, long seed) {
    Random r = new Random(seed);
    int out = 2 * points;
    double[] mean = layout(points, new Random(1), 0);
    LinearMap g = null;
    if (global) {
      float[] w = new float[out * f.hogDimension()];
      for (int i = 0; i < w.length; i++) {
        w[i] = (float) (0.02 * r.nextGaussian());
      }
      float[] b = new float[out];
      for (int i = 0; i < out; i++) {
        b[i] = (float) mean[i];
      }
      g = new LinearMap(out, f.hogDimension(), w, b);
    }
    List<LinearMap> stages = new ArrayList<>();
    int d = f.descriptorLength() * points;
    for (int t = 0; t < f.numStages(); t++) {
      float[] w = new float[out * d];
      for (int i = 0; i < w.length; i++) {
        w[i] = (float) (sigma * r.nextGaussian());
      }
      float[] b = new float[out];
      for (int i = 0; i < out; i++) {
        b[i] = (float) (0.01 * r.nextGaussian());
      }
      stages.add(new LinearMap(out, d, w, b));
    }
    return new Cascade(f, g, mean, stages);
  }

  /** Samples of {@link SyntheticFaces} (68 landmarks), normalised as the feature store does. */
  public static List<TrainingSample> faces(ConfigFeatures f, int n, long seed) {
    SyntheticFaces gen = new SyntheticFaces(seed, SyntheticFaces.Options.defaults());
    FaceNormaliser norm = new FaceNormaliser(f);
    HogFeature hog = new HogFeature(f);
    ShapeUnits units = new ShapeUnits(f);
    List<TrainingSample> out = new ArrayList<>();
    for (int k = 0; k < n; k++) {
      SyntheticFaces.SyntheticFace face = gen.next();
      NormalisedFace nf = norm.normalise(face.image(), face.detectorBox());
      Shape canonical = nf.toCanonical(face.landmarks());
      out.add(new TrainingSample("face" + seed + "-" + k, "orig", norm.canvasSize(), Canvas16.encode(nf.canvas()),
          hog.compute(norm.hogInput(nf)), units.toUnits(canonical)));
    }
    return out;
  }

  /** The mean of the targets (units). */
  public static double[] meanTarget(List<TrainingSample> samples) {
    double[] m = new double[samples.get(0).target().length];
    for (TrainingSample s : samples) {
      for (int i = 0; i < m.length; i++) {
        m[i] += s.target()[i] / samples.size();
      }
    }
    return m;
  }

  /** Mean over samples of the squared error summed over coordinates (the training loss), of {@code c}. */
  public static double loss(Cascade c, List<TrainingSample> samples) {
    Cascade.Workspace ws = c.workspace();
    org.facealign.feature.ResponseMaps maps = new org.facealign.feature.ResponseMaps(c.features());
    double sum = 0;
    for (TrainingSample s : samples) {
      maps.process(s.canvas());
      double[] p = c.run(maps, s.hog(), ws);
      for (int i = 0; i < p.length; i++) {
        double e = p[i] - s.target()[i];
        sum += e * e;
      }
    }
    return sum / samples.size();
  }
}

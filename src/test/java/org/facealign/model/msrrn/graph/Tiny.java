package org.facealign.model.msrrn.graph;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.facealign.data.GrayImage;
import org.facealign.model.msrrn.ConfigMsrrn;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * Tiny MSRRN settings and synthetic faces for fast tests: P bright Gaussian blobs of distinct brightness on a
 * smooth random background, drawn directly in each crop's unit frame (pixel x covers {@code [x/s, (x+1)/s]}),
 * so every scale shows the same face.
 */
final class Tiny {
  static final int[] CROPS = {12, 16, 24};
  /** The mean shape of four landmarks, unit frame. */
  static final double[] MEAN = {0.35, 0.4, 0.65, 0.4, 0.5, 0.55, 0.5, 0.7};
  static final int POINTS = MEAN.length / 2;
  /** Blob radius (standard deviation), unit frame. */
  static final double SIGMA = 0.06;

  private Tiny() {}

  /** Patch 4, 2 channels, hidden 6; initialiser 2 channels, hidden 8. */
  static ConfigMsrrn config(int stages, boolean positionGradient) {
    return config(stages, positionGradient, 1e-3);
  }

  static ConfigMsrrn config(int stages, boolean positionGradient, double learningRate) {
    return config(stages, positionGradient, learningRate, 1e-4);
  }

  static ConfigMsrrn config(int stages, boolean positionGradient, double learningRate, double weightDecay) {
    return config(stages, positionGradient, learningRate, weightDecay, true, true);
  }

  static ConfigMsrrn config(int stages, boolean positionGradient, double learningRate, double weightDecay,
      boolean patchNormalisation, boolean cnnBatchNorm) {
    return config(stages, positionGradient, learningRate, weightDecay, patchNormalisation, cnnBatchNorm, 0);
  }

  static ConfigMsrrn config(int stages, boolean positionGradient, double learningRate, double weightDecay,
      boolean patchNormalisation, boolean cnnBatchNorm, double leakySlope) {
    return new ConfigMsrrn(stages, 4, 2, 6, 2, 8, weightDecay, learningRate, 8, 1, 0.5, 1, 1, 1, 1, 0, false,
        positionGradient, patchNormalisation, cnnBatchNorm, true, leakySlope);
  }

  static ComputationGraph graph(int stages, boolean positionGradient, DataType dt) {
    return MsrrnGraph.build(config(stages, positionGradient), POINTS, CROPS, MEAN, 7L, dt);
  }

  /** One synthetic face: its crops, coarse to fine, and its unit shape. */
  record Face(GrayImage[] crops, double[] shape) {}

  static Face face(Random r, double spread) {
    double tx = spread * (2 * r.nextDouble() - 1);
    double ty = spread * (2 * r.nextDouble() - 1);
    double k = 1 + spread * (2 * r.nextDouble() - 1);
    double[] shape = new double[MEAN.length];
    for (int i = 0; i < POINTS; i++) {
      shape[2 * i] = 0.5 + k * (MEAN[2 * i] - 0.5) + tx + 0.2 * spread * r.nextGaussian();
      shape[2 * i + 1] = 0.5 + k * (MEAN[2 * i + 1] - 0.5) + ty + 0.2 * spread * r.nextGaussian();
    }
    double gx = 30 * r.nextGaussian();
    double gy = 30 * r.nextGaussian();
    double base = 60 + 20 * r.nextGaussian();
    GrayImage[] crops = new GrayImage[CROPS.length];
    for (int c = 0; c < CROPS.length; c++) {
      int s = CROPS[c];
      float[] px = new float[s * s];
      for (int y = 0; y < s; y++) {
        double v = (y + 0.5) / s;
        for (int x = 0; x < s; x++) {
          double u = (x + 0.5) / s;
          double g = base + gx * (u - 0.5) + gy * (v - 0.5);
          for (int i = 0; i < POINTS; i++) {
            double du = u - shape[2 * i];
            double dv = v - shape[2 * i + 1];
            g += (90 + 40 * i) * Math.exp(-(du * du + dv * dv) / (2 * SIGMA * SIGMA));
          }
          px[y * s + x] = (float) g;
        }
      }
      crops[c] = GrayImage.wrap(s, s, px);
    }
    return new Face(crops, shape);
  }

  static List<Face> faces(int n, double spread, long seed) {
    Random r = new Random(seed);
    List<Face> faces = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      faces.add(face(r, spread));
    }
    return faces;
  }

  static INDArray[] inputs(List<Face> faces, DataType dt) {
    List<GrayImage[]> crops = new ArrayList<>();
    for (Face f : faces) {
      crops.add(f.crops());
    }
    return MsrrnGraph.input(dt, crops);
  }

  static MultiDataSet batch(List<Face> faces, int stages, DataType dt) {
    double[][] targets = new double[faces.size()][];
    for (int i = 0; i < targets.length; i++) {
      targets[i] = faces.get(i).shape();
    }
    return MsrrnGraph.toMultiDataSet(inputs(faces, dt), targets, stages);
  }

  /** Root mean squared point-to-point distance between two unit shapes. */
  static double rms(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i += 2) {
      double dx = a[i] - b[i];
      double dy = a[i + 1] - b[i + 1];
      s += dx * dx + dy * dy;
    }
    return Math.sqrt(s / (a.length / 2));
  }
}

package org.facealign.model.msrrn.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.facealign.data.GrayImage;
import org.facealign.model.msrrn.ConfigMsrrn;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * The recurrent regression vertex's output (inference and training mode) and gradients on fixed graphs and data,
 * against values recorded from the implementation that wrote {@value #RESOURCE}: a change to how the vertex
 * computes (its data transfers, its kernels, their split into classes) must leave them unchanged, to rounding in
 * double and to float noise in float.
 *
 * <p>The cases cover both gradient settings, patch normalisation on and off, plain and leaky rectifiers, both
 * data types, and more patches than one block of the vertex's loops. To record the values again (only when the
 * vertex is meant to compute something else): {@code ./mvnw -o -q test -Dtest=VertexReferenceTest
 * -Dfacealign.vertex-reference.write=src/test/resources/org/facealign/model/msrrn/graph/vertex-reference.txt}.
 */
class VertexReferenceTest {
  static final String RESOURCE = "vertex-reference.txt";
  static final String WRITE = "facealign.vertex-reference.write";

  /** One recorded case: a graph, a batch, and what to record. */
  record Case(String name, ComputationGraph graph, MultiDataSet data, double tolerance) {}

  static List<Case> cases() {
    List<Case> r = new ArrayList<>();
    // the gradient check's tiny graph: 4 points, patch 4, 3 stages, position gradient, patch normalisation, leaky
    ComputationGraph tiny = GradientCheckTest.graph(3, true, true, 0.1);
    r.add(new Case("tiny-double", tiny, GradientCheckTest.data(3), 1e-9));
    // 20 points x 4 faces = 80 patches of 8 px (more than one block of 64), 2 channels, hidden 5
    r.add(new Case("wide-double-positions", wide(true, false, 0, DataType.DOUBLE), wideData(DataType.DOUBLE), 1e-9));
    r.add(new Case("wide-float-stopped", wide(false, true, 0.1, DataType.FLOAT), wideData(DataType.FLOAT), 1e-4));
    return r;
  }

  static final int WIDE_POINTS = 20;
  static final int[] WIDE_CROPS = {16, 20, 32};
  static final int WIDE_BATCH = 4;

  static ComputationGraph wide(boolean positionGradient, boolean patchNormalisation, double leak, DataType dt) {
    ConfigMsrrn cfg = new ConfigMsrrn(3, 8, 2, 5, 2, 8, 0, 1e-3, 8, 1, 0.5, 1, 1, 1, 1, 0, false, positionGradient,
        patchNormalisation, false, true, leak);
    Random r = new Random(17);
    double[] mean = new double[2 * WIDE_POINTS];
    for (int i = 0; i < mean.length; i++) {
      mean[i] = 0.25 + 0.5 * r.nextDouble();
    }
    ComputationGraph g = MsrrnGraph.build(cfg, WIDE_POINTS, WIDE_CROPS, mean, 13L, dt);
    GradientCheckTest.perturb(g.getParam(MsrrnGraph.S0 + "_W"), 0.03, r);
    GradientCheckTest.perturb(MsrrnGraph.sharedParameters(g).get(RecurrentRegressionVertex.FC2_W), 0.05, r);
    return g;
  }

  /** Smooth random crops (a few Gaussian blobs on a gradient) and random targets. */
  static MultiDataSet wideData(DataType dt) {
    Random r = new Random(29);
    List<GrayImage[]> faces = new ArrayList<>();
    double[][] targets = new double[WIDE_BATCH][2 * WIDE_POINTS];
    for (int i = 0; i < WIDE_BATCH; i++) {
      double[][] blobs = new double[6][];
      for (int k = 0; k < blobs.length; k++) {
        blobs[k] = new double[] {r.nextDouble(), r.nextDouble(), 0.04 + 0.1 * r.nextDouble(), 200 * r.nextGaussian()};
      }
      double gx = 40 * r.nextGaussian();
      double gy = 40 * r.nextGaussian();
      GrayImage[] crops = new GrayImage[WIDE_CROPS.length];
      for (int c = 0; c < crops.length; c++) {
        int s = WIDE_CROPS[c];
        float[] px = new float[s * s];
        for (int y = 0; y < s; y++) {
          for (int x = 0; x < s; x++) {
            double u = (x + 0.5) / s;
            double v = (y + 0.5) / s;
            double g = 120 + gx * (u - 0.5) + gy * (v - 0.5);
            for (double[] b : blobs) {
              double du = u - b[0];
              double dv = v - b[1];
              g += b[3] * Math.exp(-(du * du + dv * dv) / (2 * b[2] * b[2]));
            }
            px[y * s + x] = (float) g;
          }
        }
        crops[c] = GrayImage.wrap(s, s, px);
      }
      faces.add(crops);
      for (int j = 0; j < targets[i].length; j++) {
        targets[i][j] = 0.2 + 0.6 * r.nextDouble();
      }
    }
    return MsrrnGraph.toMultiDataSet(MsrrnGraph.input(dt, faces), targets, 3);
  }

  /** The recorded quantities of one case, by name, in a fixed order. */
  static Map<String, double[]> measure(Case c) {
    ComputationGraph g = c.graph();
    MultiDataSet mds = c.data();
    Map<String, double[]> m = new LinkedHashMap<>();
    m.put("inference", flat(g.output(false, mds.getFeatures())[0]));
    m.put("training", flat(g.feedForward(mds.getFeatures(), true).get(MsrrnGraph.RRN)));
    g.setInputs(mds.getFeatures());
    g.setLabels(mds.getLabels());
    g.computeGradientAndScore();
    m.put("score", new double[] {g.score()});
    for (String k : RecurrentRegressionVertex.PARAMETER_KEYS) {
      m.put("grad." + k, flat(g.gradient().getGradientFor(MsrrnGraph.RRN + "_" + k)));
    }
    // the shape input's epsilon reaches the initialiser's last layer
    m.put("grad.s0_b", flat(g.gradient().getGradientFor(MsrrnGraph.S0 + "_b")));
    m.put("grad.s0_W", flat(g.gradient().getGradientFor(MsrrnGraph.S0 + "_W")));
    // one example at a time gives the same inference output as the batch
    INDArray[] first = new INDArray[mds.getFeatures().length];
    for (int i = 0; i < first.length; i++) {
      INDArray f = mds.getFeatures(i);
      first[i] = f.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 1)).dup('c');
    }
    m.put("inference.first", flat(g.output(false, first)[0]));
    return m;
  }

  static double[] flat(INDArray a) {
    return a.dup('c').castTo(DataType.DOUBLE).data().asDouble();
  }

  @Test
  void outputsAndGradientsAsRecorded() throws IOException {
    String out = System.getProperty(WRITE);
    if (out != null && !out.isEmpty()) {
      write(Path.of(out));
      return;
    }
    Map<String, double[]> ref = read();
    for (Case c : cases()) {
      Map<String, double[]> now = measure(c);
      for (Map.Entry<String, double[]> e : now.entrySet()) {
        String key = c.name() + " " + e.getKey();
        double[] expected = ref.get(key);
        assertNotNull(expected, "no recorded " + key);
        double[] actual = e.getValue();
        assertEquals(expected.length, actual.length, key + ": length");
        double scale = 0;
        for (double v : expected) {
          scale = Math.max(scale, Math.abs(v));
        }
        double worst = 0;
        for (int i = 0; i < actual.length; i++) {
          worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
        }
        System.out.printf(Locale.ROOT, "%s: max |difference| %.3e, max |value| %.3e%n", key, worst, scale);
        assertTrue(worst <= c.tolerance() * Math.max(scale, 1e-3), key + ": max |difference| " + worst
            + " against max |value| " + scale);
      }
    }
  }

  private static Map<String, double[]> read() throws IOException {
    Map<String, double[]> m = new LinkedHashMap<>();
    try (InputStream in = VertexReferenceTest.class.getResourceAsStream(RESOURCE)) {
      assertNotNull(in, RESOURCE + " missing");
      BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        String[] f = line.trim().split("\\s+");
        double[] v = new double[f.length - 2];
        for (int i = 0; i < v.length; i++) {
          v[i] = Double.parseDouble(f[i + 2]);
        }
        m.put(f[0] + " " + f[1], v);
      }
    }
    return m;
  }

  private static void write(Path file) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(file, StandardCharsets.UTF_8))) {
      w.println("# VertexReferenceTest: case, quantity, values (the recurrent regression vertex's outputs and "
          + "gradients)");
      for (Case c : cases()) {
        for (Map.Entry<String, double[]> e : measure(c).entrySet()) {
          StringBuilder b = new StringBuilder(c.name()).append(' ').append(e.getKey());
          for (double v : e.getValue()) {
            b.append(' ').append(String.format(Locale.ROOT, "%.13e", v));
          }
          w.println(b);
        }
      }
    }
  }
}

package org.facealign.model.msrrn.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.facealign.data.GrayImage;
import org.facealign.model.msrrn.ConfigMsrrn;
import org.facealign.model.msrrn.MsrrnPredictor;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link MsrrnPredictor} against {@link MsrrnGraph#predictBatch}: the same stage shapes on graphs with random
 * weights (batch statistics and initialiser and fc2 weights drawn large enough that every stage moves the shape),
 * with the products in Java and through BLAS, for one face, an odd batch, and a batch spanning several patch
 * blocks.
 */
class MsrrnPredictorTest {
  /** Unit frame. */
  private static final double TOL = 1e-4;

  @Test
  void leakyStridedBatchNormStagesEqualTheGraph() {
    ComputationGraph g = randomGraph(config(0.1, true, true, true), 11L);
    compare(g, 5L);
  }

  @Test
  void aGraphTrainedWithS0PerturbationPredictsWithoutIt() {
    // the weights of the first test's graph: the shift input adds none and leaves their order as it is
    ComputationGraph g = randomGraph(config(0.1, true, true, true).withS0Perturb(0.5), 11L);
    assertTrue(MsrrnGraph.hasShift(g));
    compare(g, 9L);
  }

  @Test
  void reluPooledPlainStagesEqualTheGraph() {
    ComputationGraph g = randomGraph(config(0, false, false, false), 12L);
    compare(g, 6L);
  }

  @Test
  void aWrongSlopeIsSeen() {
    // the same weights read as leaky: the predictor must differ from the plain-ReLU graph
    ComputationGraph relu = randomGraph(config(0, true, true, true), 13L);
    ComputationGraph leaky = MsrrnGraph.build(config(0.3, true, true, true), Tiny.POINTS, Tiny.CROPS, Tiny.MEAN, 7L,
        DataType.FLOAT);
    leaky.setParams(relu.params());
    List<Tiny.Face> faces = Tiny.faces(3, 0.08, 8L);
    double[][][] want = MsrrnGraph.predictBatch(relu, Tiny.inputs(faces, DataType.FLOAT));
    double[][][] got = new MsrrnPredictor(leaky).predict(crops(faces));
    assertTrue(maxDiff(want, got) > 10 * TOL, "the slope changes the stages");
  }

  private static ConfigMsrrn config(double leak, boolean patchNorm, boolean batchNorm, boolean strided) {
    return new ConfigMsrrn(3, 4, 2, 6, 2, 8, 1e-4, 1e-3, 8, 1, 0.5, 1, 1, 1, 1, 0, false, false, patchNorm,
        batchNorm, strided, leak);
  }

  /** A Tiny graph whose parameters are perturbed so that S0 and every stage's increment are far from trivial. */
  private static ComputationGraph randomGraph(ConfigMsrrn cfg, long seed) {
    ComputationGraph g = MsrrnGraph.build(cfg, Tiny.POINTS, Tiny.CROPS, Tiny.MEAN, seed, DataType.FLOAT);
    Random r = new Random(seed);
    for (Layer l : g.getLayers()) {
      String name = l.conf().getLayer().getLayerName();
      Map<String, INDArray> p = l.paramTable();
      for (Map.Entry<String, INDArray> e : p.entrySet()) {
        INDArray a = e.getValue();
        String k = e.getKey();
        if (name.endsWith("_bn")) {
          a.assign(draw(r, a, k.equals("var") ? 0.5 : k.equals("gamma") ? 0.5 : -0.5, k.equals("var") ? 1.5
              : 1.0));
        } else if (name.equals(MsrrnGraph.S0) && k.equals("W")) {
          a.muli(40);
        } else if (k.equals("b") && !name.equals(MsrrnGraph.S0)) {
          a.assign(draw(r, a, -0.2, 0.4));
        }
      }
    }
    Map<String, INDArray> shared = MsrrnGraph.sharedParameters(g);
    shared.get(RecurrentRegressionVertex.FC2_W).muli(40);
    for (String b : List.of(RecurrentRegressionVertex.CONV1_B, RecurrentRegressionVertex.CONV2_B,
        RecurrentRegressionVertex.FC1_B)) {
      shared.get(b).assign(draw(r, shared.get(b), -0.2, 0.4));
    }
    return g;
  }

  /** Uniform values in {@code [lo, lo + width)} of {@code a}'s shape and type. */
  private static INDArray draw(Random r, INDArray a, double lo, double width) {
    double[] v = new double[(int) a.length()];
    for (int i = 0; i < v.length; i++) {
      v[i] = lo + width * r.nextDouble();
    }
    return Nd4j.create(v, a.shape(), 'c').castTo(a.dataType());
  }

  private static void compare(ComputationGraph g, long seed) {
    MsrrnPredictor java = new MsrrnPredictor(g, Integer.MAX_VALUE);
    MsrrnPredictor blas = new MsrrnPredictor(g, 0);
    MsrrnPredictor auto = new MsrrnPredictor(g);
    // 33 faces of 4 landmarks: several full patch blocks and a partial one
    for (int batch : new int[] {1, 3, 33}) {
      List<Tiny.Face> faces = Tiny.faces(batch, 0.08, seed + batch);
      double[][][] want = MsrrnGraph.predictBatch(g, Tiny.inputs(faces, DataType.FLOAT));
      for (int i = 0; i < batch; i++) {
        for (int t = 1; t < want[i].length; t++) {
          double step = 0;
          for (int j = 0; j < want[i][t].length; j++) {
            step = Math.max(step, Math.abs(want[i][t][j] - want[i][t - 1][j]));
          }
          assertTrue(step > 100 * TOL, "stage " + t + " of face " + i + " moves the shape: " + step);
        }
      }
      for (MsrrnPredictor p : List.of(java, blas, auto)) {
        double[][][] got = p.predict(crops(faces));
        assertEquals(batch, got.length);
        assertEquals(want[0].length, got[0].length);
        double d = maxDiff(want, got);
        assertTrue(d <= TOL, "batch " + batch + ": largest difference " + d);
      }
    }
  }

  private static List<GrayImage[]> crops(List<Tiny.Face> faces) {
    List<GrayImage[]> r = new ArrayList<>();
    for (Tiny.Face f : faces) {
      r.add(f.crops());
    }
    return r;
  }

  private static double maxDiff(double[][][] a, double[][][] b) {
    double d = 0;
    for (int i = 0; i < a.length; i++) {
      for (int t = 0; t < a[i].length; t++) {
        assertEquals(a[i][t].length, b[i][t].length);
        for (int j = 0; j < a[i][t].length; j++) {
          d = Math.max(d, Math.abs(a[i][t][j] - b[i][t][j]));
        }
      }
    }
    return d;
  }
}

package org.facealign.model.msrrn.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/** The recurrent network's parameters exist once and serve every stage. */
class SharedParametersTest {
  static final List<String> KEYS = List.of(RecurrentRegressionVertex.CONV1_W, RecurrentRegressionVertex.CONV1_B,
      RecurrentRegressionVertex.CONV2_W, RecurrentRegressionVertex.CONV2_B, RecurrentRegressionVertex.FC1_W,
      RecurrentRegressionVertex.FC1_B, RecurrentRegressionVertex.FC2_W, RecurrentRegressionVertex.FC2_B);

  static TreeSet<String> vertexKeys(ComputationGraph g) {
    TreeSet<String> keys = new TreeSet<>();
    for (String k : g.paramTable().keySet()) {
      if (k.startsWith(MsrrnGraph.RRN + "_")) {
        keys.add(k.substring(MsrrnGraph.RRN.length() + 1));
      }
    }
    return keys;
  }

  @Test
  void oneParameterSetWhateverTheStages() {
    long[] counts = new long[4];
    for (int t = 1; t <= 3; t++) {
      ComputationGraph g = Tiny.graph(t, false, DataType.FLOAT);
      counts[t] = g.getVertex(MsrrnGraph.RRN).numParams();
      assertEquals(new TreeSet<>(KEYS), vertexKeys(g), t + " stages");
      assertEquals(t, MsrrnGraph.stages(g));
    }
    // 3x3x1x2 + 2, 3x3x2x2 + 2, (4 points x 2 channels x 1 x 1) x 6 + 6, 6 x 8 + 8
    assertEquals(18 + 2 + 36 + 2 + 48 + 6 + 48 + 8, counts[1]);
    assertEquals(counts[1], counts[2]);
    assertEquals(counts[1], counts[3]);
  }

  @Test
  void oneStepMovesTheSharedSetAndEveryStage() {
    ComputationGraph g = Tiny.graph(3, false, DataType.FLOAT);
    List<Tiny.Face> faces = Tiny.faces(1, 0.08, 4L);
    MultiDataSet mds = Tiny.batch(faces, 3, DataType.FLOAT);
    double[][] before = MsrrnGraph.predictStages(g, mds.getFeatures());
    Map<String, INDArray> old = new java.util.HashMap<>();
    for (String k : KEYS) {
      old.put(k, MsrrnGraph.sharedParameters(g).get(k).dup());
    }
    g.fit(mds);
    for (String k : KEYS) {
      double moved = MsrrnGraph.sharedParameters(g).get(k).sub(old.get(k)).norm2Number().doubleValue();
      assertTrue(moved > 0, k + " did not move");
    }
    double[][] after = MsrrnGraph.predictStages(g, mds.getFeatures());
    for (int t = 1; t <= 3; t++) {
      double change = 0;
      for (int j = 0; j < before[t].length; j++) {
        double incBefore = before[t][j] - before[t - 1][j];
        double incAfter = after[t][j] - after[t - 1][j];
        change = Math.max(change, Math.abs(incAfter - incBefore));
      }
      assertTrue(change > 1e-6, "increment of stage " + t + " did not change: " + change);
    }
  }
}

package org.facealign.model.msrrn.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.facealign.data.GrayImage;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/** The graph's shape, inputs, labels, JSON and initial state. */
class MsrrnGraphTest {

  @Test
  void jsonRoundTrip() {
    for (boolean positionGradient : new boolean[] {false, true}) {
      ComputationGraph g = Tiny.graph(3, positionGradient, DataType.FLOAT);
      String json = g.getConfiguration().toJson();
      assertTrue(json.contains(RecurrentRegressionVertex.class.getName()), "vertex class named in the JSON");
      ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(json);
      assertEquals(g.getConfiguration(), back);
      assertEquals(json, back.toJson());
      assertEquals(MsrrnGraph.vertex(g), back.getVertices().get(MsrrnGraph.RRN));
      ComputationGraph g2 = new ComputationGraph(back);
      g2.init(g.params().dup(), false);
      // trained a little, so the increments are not all near zero
      MultiDataSet mds = Tiny.batch(Tiny.faces(4, 0.08, 3L), 3, DataType.FLOAT);
      for (int i = 0; i < 3; i++) {
        g.fit(mds);
      }
      g2.setParams(g.params());
      double[][][] a = MsrrnGraph.predictBatch(g, mds.getFeatures());
      double[][][] b = MsrrnGraph.predictBatch(g2, mds.getFeatures());
      for (int i = 0; i < a.length; i++) {
        for (int t = 0; t < a[i].length; t++) {
          assertArrayEquals(a[i][t], b[i][t], 0.0);
        }
      }
    }
  }

  @Test
  void theLossIsTheMeanOverFacesOfTheSquaredOrAbsoluteErrorsOfS0AndEveryStage() {
    MultiDataSet mds = Tiny.batch(Tiny.faces(5, 0.08, 3L), 3, DataType.DOUBLE);
    for (String loss : List.of("l2", "l1")) {
      // no weight decay, so that the score is the loss alone
      ComputationGraph g = MsrrnGraph.build(Tiny.config(3, false, 1e-3, 0).withLoss(loss), Tiny.POINTS, Tiny.CROPS,
          Tiny.MEAN, 7L, DataType.DOUBLE);
      INDArray out = g.outputSingle(false, mds.getFeatures());
      INDArray err = out.sub(mds.getLabels(0));
      assertEquals(2 * Tiny.POINTS * 4, err.columns(), "S0 and three stages");
      double expected = (loss.equals("l1") ? org.nd4j.linalg.ops.transforms.Transforms.abs(err) : err.mul(err))
          .sumNumber().doubleValue() / 5;
      assertEquals(expected, g.score(mds), 1e-9 * expected, loss);
    }
    assertThrows(IllegalArgumentException.class, () -> Tiny.config(3, false).withLoss("l3"));
  }

  @Test
  void regularisationOnWeightsOnly() {
    ComputationGraph g = Tiny.graph(2, false, DataType.FLOAT);
    RecurrentRegressionVertex v = MsrrnGraph.vertex(g);
    for (String w : List.of(RecurrentRegressionVertex.CONV1_W, RecurrentRegressionVertex.FC2_W)) {
      assertEquals(1, v.getRegularizationByParam(w).size(), w);
    }
    for (String b : List.of(RecurrentRegressionVertex.CONV1_B, RecurrentRegressionVertex.FC2_B)) {
      assertTrue(v.getRegularizationByParam(b) == null || v.getRegularizationByParam(b).isEmpty(), b);
    }
  }

  @Test
  void learningRateChangesReachTheSharedParameters() {
    ComputationGraph g = Tiny.graph(2, false, DataType.FLOAT);
    MultiDataSet mds = Tiny.batch(Tiny.faces(4, 0.08, 3L), 2, DataType.FLOAT);
    g.fit(mds);
    assertEquals(1e-3, MsrrnGraph.vertex(g).getUpdater().getLearningRate(0, 0), 0);
    g.setLearningRate(2.5e-4);
    g.fit(mds);
    assertEquals(2.5e-4, MsrrnGraph.vertex(g).getUpdater().getLearningRate(0, 0), 0);
    assertEquals(2.5e-4, g.getUpdater().getUpdaterBlocks().stream()
        .filter(b -> b.getLayersAndVariablesInBlock().stream()
            .anyMatch(v -> v.getParamName().equals(RecurrentRegressionVertex.FC1_W)))
        .findFirst().orElseThrow().getGradientUpdater().getConfig().getLearningRate(0, 0), 0);
  }

  @Test
  void inputsLabelsAndInitialShapes() {
    float[] px = new float[16];
    px[5] = 255;
    INDArray[] in = MsrrnGraph.input(GrayImage.of(4, 4, px), GrayImage.of(4, 4, new float[16]));
    assertEquals(2, in.length);
    assertArrayEquals(new long[] {1, 1, 4, 4}, in[0].shape());
    assertEquals((255 - 127.5) / 64, in[0].getDouble(0, 0, 1, 1), 1e-6);
    assertEquals(-127.5 / 64, in[1].getDouble(0, 0, 3, 3), 1e-6);

    List<Tiny.Face> faces = Tiny.faces(2, 0.08, 9L);
    MultiDataSet mds = Tiny.batch(faces, 3, DataType.FLOAT);
    double[][] labels = mds.getLabels(0).toDoubleMatrix();
    int out = 2 * Tiny.POINTS;
    for (int i = 0; i < 2; i++) {
      for (int t = 0; t <= 3; t++) {
        for (int j = 0; j < out; j++) {
          assertEquals(faces.get(i).shape()[j], labels[i][t * out + j], 1e-6);
        }
      }
    }

    // a new graph starts at the mean shape, and its increments near zero; one example = row of the batch
    ComputationGraph g = Tiny.graph(3, false, DataType.FLOAT);
    double[][][] batch = MsrrnGraph.predictBatch(g, mds.getFeatures());
    INDArray[] first = MsrrnGraph.input(DataType.FLOAT, faces.get(0).crops());
    double[][] one = MsrrnGraph.predictStages(g, first);
    assertEquals(4, one.length);
    for (int t = 0; t <= 3; t++) {
      assertArrayEquals(batch[0][t], one[t], 1e-6);
      for (int j = 0; j < out; j++) {
        assertEquals(Tiny.MEAN[j], one[t][j], 0.02, "stage " + t);
      }
    }
  }

  @Test
  void theShiftInputMovesTheStartOnlyInTraining() {
    ComputationGraph plain = Tiny.graph(3, false, DataType.FLOAT);
    ComputationGraph shifted = MsrrnGraph.build(Tiny.config(3, false).withS0Perturb(0.5), Tiny.POINTS, Tiny.CROPS,
        Tiny.MEAN, 7L, DataType.FLOAT);
    assertTrue(MsrrnGraph.hasShift(shifted));
    assertTrue(!MsrrnGraph.hasShift(plain));
    assertEquals(plain.numParams(), shifted.numParams(), "the shift adds no parameters");
    MultiDataSet mds = Tiny.batch(Tiny.faces(4, 0.08, 3L), 3, DataType.FLOAT);
    for (int i = 0; i < 3; i++) {
      plain.fit(mds);
    }
    shifted.setParams(plain.params());
    // inference supplies a zero shift: the same shapes as the graph without the input
    double[][][] a = MsrrnGraph.predictBatch(plain, mds.getFeatures());
    double[][][] b = MsrrnGraph.predictBatch(shifted, mds.getFeatures());
    for (int i = 0; i < a.length; i++) {
      for (int t = 0; t < a[i].length; t++) {
        assertArrayEquals(a[i][t], b[i][t], 0.0);
      }
    }
    // a given shift moves S0 by exactly that much, and the stages start from there
    int out = 2 * Tiny.POINTS;
    double[][] shift = new double[4][out];
    for (int i = 0; i < 4; i++) {
      for (int j = 0; j < out; j++) {
        shift[i][j] = 0.03 * ((i + j) % 3 - 1);
      }
    }
    MultiDataSet withShift = MsrrnGraph.toMultiDataSet(mds.getFeatures(), new double[4][out], shift, 3);
    double[][] rows = shifted.output(false, withShift.getFeatures())[0].toDoubleMatrix();
    double moved = 0;
    for (int i = 0; i < 4; i++) {
      for (int j = 0; j < out; j++) {
        assertEquals(a[i][0][j] + shift[i][j], rows[i][j], 1e-6, "S0 + shift");
        moved = Math.max(moved, Math.abs(rows[i][out + j] - a[i][1][j] - shift[i][j]));
      }
    }
    assertTrue(moved > 1e-4, "stage 1 reads its patches where the shifted start is: " + moved);
  }
}

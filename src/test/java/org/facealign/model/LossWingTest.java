package org.facealign.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** {@link LossWing}: the paper's values, its gradient against finite differences, and DL4J's JSON. */
class LossWingTest {
  private static final double W = 0.15;
  private static final double E = 0.03;
  private static final LossWing WING = new LossWing(W, E);

  private static double score(double[][] out, double[][] labels, boolean average) {
    return WING.computeScore(Nd4j.createFromArray(labels), Nd4j.createFromArray(out), new ActivationIdentity(), null,
        average);
  }

  @Test
  void thePapersTwoPiecesMeetAtTheWidth() {
    double c = W - W * Math.log(1 + W / E);
    assertEquals(0, score(new double[][] {{0.3}}, new double[][] {{0.3}}, false), 1e-12);
    assertEquals(W * Math.log(1 + 0.05 / E), score(new double[][] {{0.05}}, new double[][] {{0}}, false), 1e-12);
    assertEquals(W * Math.log(1 + 0.05 / E), score(new double[][] {{-0.05}}, new double[][] {{0}}, false), 1e-12);
    assertEquals(0.4 - c, score(new double[][] {{0.4}}, new double[][] {{0}}, false), 1e-12);
    // continuous at |x| = w: the code's two pieces either side of it
    double below = score(new double[][] {{W - 1e-9}}, new double[][] {{0}}, false);
    double above = score(new double[][] {{W + 1e-9}}, new double[][] {{0}}, false);
    assertEquals(below, above, 1e-8, "continuous at |x| = w");
    // two rows: summed, or averaged over the rows
    double[][] out = {{0.05, -0.4}, {0.01, 0.2}};
    double[][] zero = {{0, 0}, {0, 0}};
    double sum = 2 * 0 + W * Math.log(1 + 0.05 / E) + (0.4 - c) + W * Math.log(1 + 0.01 / E) + (0.2 - c);
    assertEquals(sum, score(out, zero, false), 1e-12);
    assertEquals(sum / 2, score(out, zero, true), 1e-12);
    INDArray perRow = WING.computeScoreArray(Nd4j.createFromArray(zero), Nd4j.createFromArray(out),
        new ActivationIdentity(), null);
    assertEquals(W * Math.log(1 + 0.05 / E) + 0.4 - c, perRow.getDouble(0, 0), 1e-12);
  }

  @Test
  void theGradientIsTheScoresSlope() {
    Random r = new Random(3);
    int rows = 4;
    int cols = 9;
    double[][] out = new double[rows][cols];
    double[][] labels = new double[rows][cols];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        labels[i][j] = r.nextGaussian();
        // errors on both sides of zero and of the width, none within the step of a kink
        double e;
        do {
          e = 0.4 * r.nextGaussian();
        } while (Math.abs(e) < 1e-3 || Math.abs(Math.abs(e) - W) < 1e-3);
        out[i][j] = labels[i][j] + e;
      }
    }
    INDArray grad = WING.computeGradient(Nd4j.createFromArray(labels), Nd4j.createFromArray(out),
        new ActivationIdentity(), null);
    assertEquals(DataType.DOUBLE, grad.dataType());
    int outside = 0;
    double h = 1e-6;
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        double keep = out[i][j];
        out[i][j] = keep + h;
        double up = score(out, labels, false);
        out[i][j] = keep - h;
        double down = score(out, labels, false);
        out[i][j] = keep;
        assertEquals((up - down) / (2 * h), grad.getDouble(i, j), 1e-6, "d/d out[" + i + "][" + j + "]");
        outside += Math.abs(keep - labels[i][j]) >= W ? 1 : 0;
      }
    }
    assertTrue(outside > 3 && outside < rows * cols - 3, "both pieces checked: " + outside + " outside");
  }

  @Test
  void aMaskedRowCountsForNothing() {
    INDArray out = Nd4j.createFromArray(new double[][] {{0.05, -0.4}, {0.01, 0.2}});
    INDArray labels = Nd4j.zeros(DataType.DOUBLE, 2, 2);
    INDArray mask = Nd4j.createFromArray(new double[][] {{1}, {0}});
    double masked = WING.computeScore(labels, out, new ActivationIdentity(), mask, false);
    double firstRow = score(new double[][] {{0.05, -0.4}}, new double[][] {{0, 0}}, false);
    assertEquals(firstRow, masked, 1e-12);
    INDArray g = WING.computeGradient(labels, out, new ActivationIdentity(), mask);
    assertEquals(0, g.getDouble(1, 0), 0.0);
    assertEquals(0, g.getDouble(1, 1), 0.0);
    assertEquals(W / (E + 0.05), g.getDouble(0, 0), 1e-12);
    assertEquals(-1, g.getDouble(0, 1), 1e-12);
  }

  @Test
  void dl4jWritesAndReadsIt() {
    ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().graphBuilder().addInputs("in")
        .addLayer("loss", new LossLayer.Builder(Losses.function("wing", 2)).activation(Activation.IDENTITY).build(),
            "in")
        .setOutputs("loss").build();
    ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(conf.toJson());
    LossLayer l = (LossLayer) ((org.deeplearning4j.nn.conf.graph.LayerVertex) back.getVertices().get("loss"))
        .getLayerConf().getLayer();
    assertEquals(new LossWing(2 * 10.0 / 64, 2 * 2.0 / 64), l.getLossFn());
    assertThrows(IllegalArgumentException.class, () -> new LossWing(0, 1));
    assertThrows(IllegalArgumentException.class, () -> Losses.function("l3", 1));
  }
}

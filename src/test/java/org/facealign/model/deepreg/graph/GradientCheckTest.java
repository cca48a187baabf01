package org.facealign.model.deepreg.graph;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.facealign.feature.ConfigFeatures;
import org.facealign.model.deepreg.Cascade;
import org.facealign.model.deepreg.TrainingSample;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * The whole graph's analytical gradient against central finite differences of its forward pass, in double
 * precision, on smooth synthetic images with a 0.005-px Jacobian step (so ψ is the derivative of the
 * descriptor) and without dropout. (The descriptor is piecewise smooth: the integral images are bilinear
 * inside each pixel, so the derivative jumps where a cell edge crosses a pixel line, and a central
 * difference that straddles one mixes two slopes. With a 0.05-px step the earlier layers' relative errors
 * were 3-4 %, with 0.005 px 0.007-0.2 %: the step, not the back-propagation, made the difference.) The weights of the stages before the last reach the loss through ψ; with
 * ψ left out their gradients are wrong, which the check must see.
 */
class GradientCheckTest {
  static final double H = 1e-4;
  /** Weights checked per layer (every bias is). */
  static final int ENTRIES = 41;

  /** Relative error ||analytic - numeric|| / ||numeric|| over the weights and biases of {@code layer}. */
  static double relativeError(ComputationGraph g, MultiDataSet mds, String layer) {
    g.setInputs(mds.getFeatures());
    g.setLabels(mds.getLabels());
    g.computeGradientAndScore();
    int n = (int) mds.getFeatures(0).size(0);
    double diff2 = 0;
    double num2 = 0;
    for (String p : new String[] {"_W", "_b"}) {
      // DL4J's gradient is summed over the batch (the updater divides by its size); the score is the mean
      INDArray analytic = g.gradient().getGradientFor(layer + p).dup().divi(n);
      INDArray param = g.getParam(layer + p);
      long cols = param.rank() == 1 ? param.size(0) : param.size(1);
      long count = param.length();
      // every bias; at most ENTRIES weights, spread over the matrix
      long stride = Math.max(1, count / ENTRIES);
      for (long k = 0; k < count; k += stride) {
        long i = k / cols;
        long j = k % cols;
        long[] at = param.rank() == 1 ? new long[] {j} : new long[] {i, j};
        double orig = param.getDouble(at);
        param.putScalar(at, orig + H);
        double plus = g.score(mds, false);
        param.putScalar(at, orig - H);
        double minus = g.score(mds, false);
        param.putScalar(at, orig);
        double numeric = (plus - minus) / (2 * H);
        double a = analytic.getDouble(at);
        diff2 += (a - numeric) * (a - numeric);
        num2 += numeric * numeric;
      }
    }
    return Math.sqrt(diff2 / num2);
  }

  static double[] errors(Cascade c, List<TrainingSample> samples, boolean shapeGradient) {
    ComputationGraph g = DeepRegGraph.build(c, DeepRegGraphTest.noDropout(), 1L, DataType.DOUBLE, shapeGradient);
    MultiDataSet mds = DeepRegGraph.toMultiDataSet(samples, c.global() != null, DataType.DOUBLE);
    int t = c.numStages();
    double[] e = new double[t + 1];
    e[0] = c.global() != null ? relativeError(g, mds, DeepRegGraph.initialName()) : 0;
    for (int s = 1; s <= t; s++) {
      e[s] = relativeError(g, mds, DeepRegGraph.stageLayer(s));
    }
    return e;
  }

  @Test
  void gradientsMatchFiniteDifferencesAndNeedPsi() {
    ConfigFeatures f = Samples.tinyFeatures();
    List<TrainingSample> samples = Samples.smooth(f, 3, 4, 11L);
    Cascade c = Samples.randomCascade(f, 4, true, 0.05, 5L);
    double[] with = errors(c, samples, true);
    double[] without = errors(c, samples, false);
    System.out.printf("gradient check, relative error per layer (s0, stage 1..%d): with ψ %s, without ψ %s%n",
        c.numStages(), java.util.Arrays.toString(with), java.util.Arrays.toString(without));
    for (int s = 0; s < with.length; s++) {
      assertTrue(with[s] < 5e-3, "layer " + s + " with ψ: relative error " + with[s]);
    }
    // the last stage does not depend on ψ; every earlier one does
    assertTrue(without[with.length - 1] < 1e-3, "last stage without ψ: " + without[with.length - 1]);
    for (int s = 0; s < with.length - 1; s++) {
      assertTrue(without[s] > 0.3, "layer " + s + " without ψ should be wrong, relative error " + without[s]);
    }
  }
}

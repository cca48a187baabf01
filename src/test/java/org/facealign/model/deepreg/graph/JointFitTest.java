package org.facealign.model.deepreg.graph;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.facealign.feature.ConfigFeatures;
import org.facealign.model.deepreg.Cascade;
import org.facealign.model.deepreg.ConfigDeepReg;
import org.facealign.model.deepreg.LinearMap;
import org.facealign.model.deepreg.TrainingSample;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/** Joint training in one JVM (no Spark): the training loss of synthetic faces falls. */
class JointFitTest {
  @Test
  void trainingLossFalls() {
    ConfigFeatures f = Samples.smallFeatures();
    List<TrainingSample> samples = Samples.faces(f, 40, 17L);
    int out = samples.get(0).target().length;
    int d = f.descriptorLength() * out / 2;
    List<LinearMap> zero = new ArrayList<>();
    for (int t = 0; t < f.numStages(); t++) {
      zero.add(LinearMap.zero(out, d));
    }
    // DeepRegLocal from the mean shape with zero local layers
    Cascade start = new Cascade(f, null, Samples.meanTarget(samples), zero);
    ConfigDeepReg cfg = new ConfigDeepReg(3, 1, 0.05, 0.01, 0, 0.1, 0, 1e-3, 0.9, 10, 0.5, 2, 5, 1, 1, "start", "raw", false, 0, false, 1.0, "nesterovs", "closed-form", 10, 3e-3, "plateau", "start");
    ComputationGraph g = DeepRegGraph.build(start, cfg, 3L);
    double before = Samples.loss(start, samples);
    for (int epoch = 0; epoch < 15; epoch++) {
      for (int b = 0; b < samples.size(); b += cfg.batch()) {
        MultiDataSet mds = DeepRegGraph.toMultiDataSet(samples.subList(b, Math.min(samples.size(), b + cfg.batch())),
            false, DataType.FLOAT);
        g.fit(mds);
      }
    }
    double after = Samples.loss(DeepRegGraph.toCascade(g, start), samples);
    System.out.printf("joint fit: training loss %.5f -> %.5f%n", before, after);
    assertTrue(after < 0.5 * before, "training loss " + before + " -> " + after);
  }
}

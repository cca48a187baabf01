package org.facealign.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.facealign.data.LandmarkScheme;
import org.facealign.feature.ConfigFeatures;
import org.facealign.feature.ResponseMaps;
import org.facealign.job.LocalSparkTest;
import org.facealign.model.deepreg.Cascade;
import org.facealign.model.deepreg.ConfigDeepReg;
import org.facealign.model.deepreg.DeepRegFixtures;
import org.facealign.model.deepreg.StageStats;
import org.facealign.model.deepreg.TrainingSample;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.facealign.model.deepreg.graph.DeepRegGraph;
import org.facealign.model.deepreg.graph.Samples;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Layer-wise pre-training by SGD with dropout on Spark local[2]: each layer learns, with the earlier ones fixed. */
class SgdPretrainerTest extends LocalSparkTest {

  static ConfigDeepReg cfg(String pretrain) {
    return cfg(pretrain, 3e-3);
  }

  static ConfigDeepReg cfg(String pretrain, double pretrainLearningRate) {
    return new ConfigDeepReg(2, 3, 0.05, 0.1, 0, 0.2, 0, 3e-3, 0.9, 16, 0.5, 2, 5, 1, 2, "trained", "raw", false, 0,
        false, 1.0, "nesterovs", pretrain, 4, pretrainLearningRate, "plateau", "start");
  }

  private static double[] nme(Cascade c, List<TrainingSample> samples) {
    StageStats s = new StageStats(c.numStages(), 2 * c.numPoints());
    Cascade.Workspace ws = c.workspace();
    ResponseMaps maps = new ResponseMaps(c.features());
    for (TrainingSample t : samples) {
      s.add(c.trajectory(maps.process(t.canvas()), t.hog(), ws), t.target(), LandmarkScheme.IBUG_68);
    }
    return s.nme();
  }

  @Test
  void eachLayerLearnsWithTheEarlierOnesFixed() {
    ConfigFeatures f = DeepRegFixtures.smallFeatures();
    List<TrainingSample> train = DeepRegFixtures.samples(f, 1, 160);
    List<TrainingSample> held = DeepRegFixtures.samples(f, 2, 40);
    List<TrainingSample> test = DeepRegFixtures.samples(f, 3, 40);
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    JavaRDD<TrainingSample> trainRdd = jsc.parallelize(train, 2).cache();
    JavaRDD<TrainingSample> heldRdd = jsc.parallelize(held, 2).cache();
    SequentialTrainer.Result sgd = new SgdPretrainer(cfg("sgd"), 7).listener(i -> System.out.println("pretrain: " + ProgressListener.line(i)))
        .fit(jsc, trainRdd, heldRdd, f, false);
    SequentialTrainer.Result closed = SequentialTrainer.fit(jsc, trainRdd, heldRdd, f, cfg("closed-form"), false, 7);
    assertEquals(List.of("stage1", "stage2"), sgd.fits().stream().map(SequentialTrainer.StageFit::layer).toList());
    // s0 is the same mean shape: the two pre-trainings differ in the local layers only
    assertArrayEquals(closed.cascade().meanShape(), sgd.cascade().meanShape());
    // (DeepRegLocal: from the mean shape the layers have errors to learn; from the global layer's s0 these synthetic
    // faces leave the local layers little)
    // each layer lowered the held-out loss it was chosen on, and every epoch saw every training sample
    for (SequentialTrainer.StageFit fit : sgd.fits()) {
      assertEquals(160, fit.samples(), fit.toString());
      assertTrue(fit.mseAfter() < 0.8 * fit.mseBefore(), fit.toString());
    }
    // on unseen faces each stage improves on the one before, and the cascade is within reach of closed-form's
    double[] e = nme(sgd.cascade(), test);
    double[] c = nme(closed.cascade(), test);
    System.out.printf("test IP-NME after stages 0..2: sgd %s, closed-form %s%n", java.util.Arrays.toString(e),
        java.util.Arrays.toString(c));
    assertTrue(e[1] < 0.85 * e[0] && e[2] < e[1], java.util.Arrays.toString(e));
    assertTrue(e[2] < 1.5 * c[2], "sgd " + e[2] + " closed-form " + c[2]);
    // the same seed gives the same layers
    SequentialTrainer.Result again = new SgdPretrainer(cfg("sgd"), 7).fit(jsc, trainRdd, heldRdd, f, false);
    for (int t = 0; t < 2; t++) {
      assertArrayEquals(sgd.cascade().stages().get(t).weights(), again.cascade().stages().get(t).weights());
    }
  }

  /**
   * In the graph of one layer's pre-training only that layer's weights move, through mini-batches with dropout and
   * a learning-rate drop; s0's layer and the earlier local layers keep every bit.
   */
  @Test
  void onlyTheLastLayerOfAPretrainingGraphMoves() {
    ConfigFeatures f = Samples.smallFeatures();
    Cascade c = Samples.randomCascade(f, 68, true, 1e-3, 5L);
    List<TrainingSample> faces = Samples.faces(f, 8, 9L);
    double[][] shifts = new double[faces.size()][136];
    for (int i = 0; i < shifts.length; i++) {
      shifts[i][i] = 0.05;
    }
    org.nd4j.linalg.dataset.api.MultiDataSet batch = DeepRegGraph.toMultiDataSet(faces, true, shifts,
        org.nd4j.linalg.api.buffer.DataType.FLOAT);
    ComputationGraph g = DeepRegGraph.buildLastStage(c, cfg("sgd", 5e-3), 3L, null);
    String last = DeepRegGraph.stageLayer(c.numStages());
    assertEquals(5e-3, learningRate(g, last), 1e-15); // pre-training's rate, not the joint phase's
    Map<String, INDArray> before = new java.util.HashMap<>();
    g.paramTable().forEach((k, v) -> before.put(k, v.dup()));
    for (int step = 0; step < 3; step++) {
      g.fit(batch);
      GraphTrainer.setLearningRate(g, 1e-3 / (step + 1));
    }
    for (Map.Entry<String, INDArray> e : g.paramTable().entrySet()) {
      boolean same = e.getValue().equals(before.get(e.getKey()));
      assertEquals(!e.getKey().startsWith(last + "_"), same, e.getKey());
    }
    assertEquals(1e-3 / 3, learningRate(g, last), 1e-15);
  }

  private static double learningRate(ComputationGraph g, String layer) {
    return ((org.deeplearning4j.nn.conf.layers.BaseLayer) g.getLayer(layer).conf().getLayer()).getIUpdater()
        .getLearningRate(0, 0);
  }
}

package org.facealign.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.facealign.config.FacealignConfig;
import org.facealign.feature.ConfigFeatures;
import org.facealign.model.deepreg.Cascade;
import org.facealign.model.deepreg.ConfigDeepReg;
import org.facealign.model.deepreg.LinearMap;
import org.facealign.model.deepreg.TrainingSample;
import org.facealign.model.deepreg.graph.Samples;
import org.facealign.job.LocalSparkTest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Joint training on Spark local[2]: one and two parameter-averaging workers both lower the error. */
class JointTrainerTest extends LocalSparkTest {
  static JavaSparkContext jsc;

  @BeforeAll
  static void start() {
    jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
  }

  static ConfigDeepReg cfg(int epochs, int workers, double dropout, int patience) {
    return new ConfigDeepReg(3, 2, 0.05, 0.01, 0, dropout, epochs, 3e-3, 0.9, 8, 0.5, patience, 5, workers, 2, "start", "raw", false, 0, false, 1.0, "nesterovs", "closed-form", 10, 3e-3, "plateau", "start");
  }

  /** The sequentially pre-trained global layer with zero local layers: joint training must learn them. */
  static Cascade start(JavaSparkContext jsc, ConfigFeatures f, JavaRDD<TrainingSample> train, long seed) {
    Cascade pre = SequentialTrainer.fit(jsc, train, null, f, cfg(0, 1, 0, 2), true, seed).cascade();
    List<LinearMap> zero = new ArrayList<>();
    for (LinearMap m : pre.stages()) {
      zero.add(LinearMap.zero(m.outputs(), m.inputs()));
    }
    return pre.withLayers(pre.global(), zero);
  }

  @Test
  void oneAndTwoWorkersLowerTheError() {
    ConfigFeatures f = Samples.smallFeatures();
    JavaRDD<TrainingSample> train = jsc.parallelize(Samples.faces(f, 64, 31L), 2).cache();
    JavaRDD<TrainingSample> val = jsc.parallelize(Samples.faces(f, 16, 32L), 2).cache();
    // DeepRegLocal from the mean shape, local layers zero: joint training must learn them
    List<LinearMap> zero = new ArrayList<>();
    for (int t = 0; t < f.numStages(); t++) {
      zero.add(LinearMap.zero(136, f.descriptorLength() * 68));
    }
    Cascade init = new Cascade(f, null, Samples.meanTarget(train.collect()), zero);
    for (int workers : new int[] {1, 2}) {
      List<EpochStats> seen = new ArrayList<>();
      JointTrainer.Result r = new JointTrainer(cfg(2, workers, 0.1, 2), 7L).listener(new ProgressListener())
          .listener(i -> seen.add(i.stats())).fit(jsc, train, val, init);
      List<EpochStats> h = r.history();
      assertEquals(3, h.size());
      assertEquals(h.subList(1, 3), seen);
      for (EpochStats s : h) {
        System.out.printf("workers %d: %s, %.1f samples/s%n", workers, s, s.samplesPerSecond());
      }
      assertEquals(64, h.get(1).samples());
      assertTrue(Double.isFinite(h.get(1).trainLoss()));
      // IP-NME of 68-point shapes drives the decisions, and both workers' counts lower it
      assertTrue(h.get(2).validationNme() < 0.8 * h.get(0).validationNme(), "workers " + workers + ": " + h);
      assertTrue(h.get(2).validationLoss() < h.get(0).validationLoss(), "workers " + workers + ": " + h);
      assertEquals(2, r.bestEpoch());
      double check = Samples.loss(r.cascade(), val.collect());
      assertEquals(h.get(2).validationLoss(), check, 1e-9 * check);
    }
  }
}

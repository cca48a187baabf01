package org.facealign.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.facealign.config.FacealignConfig;
import org.facealign.data.LandmarkScheme;
import org.facealign.feature.ConfigFeatures;
import org.facealign.feature.ResponseMaps;
import org.facealign.model.deepreg.Cascade;
import org.facealign.model.deepreg.ConfigDeepReg;
import org.facealign.model.deepreg.DeepRegFixtures;
import org.facealign.model.deepreg.StageStats;
import org.facealign.model.deepreg.TrainingSample;
import org.facealign.job.LocalSparkTest;
import org.junit.jupiter.api.Test;

class SequentialTrainerTest extends LocalSparkTest {



  private static StageStats errors(Cascade c, List<TrainingSample> samples) {
    StageStats s = new StageStats(c.numStages(), 2 * c.numPoints());
    Cascade.Workspace ws = c.workspace();
    ResponseMaps maps = new ResponseMaps(c.features());
    for (TrainingSample t : samples) {
      s.add(c.trajectory(maps.process(t.canvas()), t.hog(), ws), t.target(), LandmarkScheme.IBUG_68);
    }
    return s;
  }

  @Test
  void stagesReduceTheHeldOutErrorAndRerunsAgree() {
    ConfigFeatures f = DeepRegFixtures.smallFeatures();
    List<TrainingSample> train = DeepRegFixtures.samples(f, 1, 160);
    List<TrainingSample> test = DeepRegFixtures.samples(f, 2, 40);
    ConfigDeepReg cfg = new ConfigDeepReg(2, 3, 0.05, 0.1, 0, 0.0, 0, 1e-2, 0.9, 100, 0.5, 2, 5, 0, 5, "raw", false);
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    JavaRDD<TrainingSample> rdd = jsc.parallelize(train, 4).cache();
    SequentialTrainer.Result r = SequentialTrainer.fit(jsc, rdd, null, f, cfg, false, 7);
    assertEquals(2, r.cascade().numStages());
    double[] nme = errors(r.cascade(), test).nme();
    // held-out faces, from the mean shape: each local stage improves on the one before
    assertTrue(nme[1] < 0.85 * nme[0], "stage 1 " + nme[1] + " vs s0 " + nme[0]);
    assertTrue(nme[2] < nme[1], "stage 2 " + nme[2] + " vs stage 1 " + nme[1]);
    assertTrue(nme[2] < 0.08, "after 2 stages the IP-NME is " + nme[2]);
    // every layer's fit lowered its training error
    for (SequentialTrainer.StageFit fit : r.fits()) {
      assertTrue(fit.mseAfter() < fit.mseBefore(), fit.toString());
    }
    // the same seed on another partitioning gives the same model
    SequentialTrainer.Result again = SequentialTrainer.fit(jsc, jsc.parallelize(train, 3).cache(), null, f, cfg, false, 7);
    double[] nme2 = errors(again.cascade(), test).nme();
    assertEquals(nme[2], nme2[2], 1e-4 * nme[2]);
  }
}

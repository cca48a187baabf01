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
import org.facealign.model.deepreg.LinearMap;
import org.facealign.model.deepreg.NormalEquations;
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
    ConfigDeepReg cfg = new ConfigDeepReg(2, 3, 0.05, 0.1, 0, 0.0, 0, 1e-2, 0.9, 100, 0.5, 2, 5, 0, 5, "raw", false, 0);
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

  @Test
  void outOfFoldLayersAreFittedWithoutTheirFold() {
    ConfigFeatures f = DeepRegFixtures.smallFeatures();
    List<TrainingSample> train = DeepRegFixtures.samples(f, 3, 120);
    ConfigDeepReg cfg = new ConfigDeepReg(2, 3, 0.05, 0.1, 0, 0.0, 0, 1e-2, 0.9, 100, 0.5, 2, 5, 0, 5, "raw", false, 3);
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    int hogDim = f.hogDimension();
    LinearMap[] layers = SequentialTrainer.outOfFold(jsc.parallelize(train, 4), 2, hogDim, 136, 3, cfg, 7);
    int[] sizes = new int[3];
    double[] gap = new double[3];
    double[] apart = new double[3];
    for (int k = 0; k < 3; k++) {
      NormalEquations without = new NormalEquations(hogDim, 136);
      for (TrainingSample s : train) {
        int fold = SequentialTrainer.fold(s.faceId(), 3, 7);
        if (fold != k) {
          without.add(s.hog(), s.target());
        } else {
          sizes[k]++;
        }
      }
      LinearMap direct = without.solve(cfg.globalRidge(), cfg.pretrainDropout(), cfg.pretrainPenaltyCentred());
      gap[k] = relativeDistance(direct.weights(), layers[k].weights());
      apart[k] = relativeDistance(direct.weights(), layers[(k + 1) % 3].weights());
    }
    // each layer is the one fitted without its fold, up to float summation order, and far from the others
    for (int k = 0; k < 3; k++) {
      assertTrue(gap[k] < 0.05 * apart[k], "fold " + k + ": " + gap[k] + " from its own fit, " + apart[k] + " from the next");
    }
    // every fold holds some faces
    for (int n : sizes) {
      assertTrue(n > 0, java.util.Arrays.toString(sizes));
    }
  }

  /** {@code |a - b| / |a|}. */
  private static double relativeDistance(float[] a, float[] b) {
    double num = 0;
    double den = 0;
    for (int i = 0; i < a.length; i++) {
      num += (a[i] - b[i]) * (a[i] - b[i]);
      den += a[i] * a[i];
    }
    return Math.sqrt(num / den);
  }
}

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
    ConfigDeepReg cfg = new ConfigDeepReg(2, 3, 0.05, 0.1, 0, 0.0, 0, 1e-2, 0.9, 100, 0.5, 2, 5, 0, 5, "start", "raw", false, 0, false, 1.0, "nesterovs", "closed-form", 10, 3e-3, "plateau", "start");
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
    ConfigDeepReg cfg = new ConfigDeepReg(2, 3, 0.05, 0.1, 0, 0.0, 0, 1e-2, 0.9, 100, 0.5, 2, 5, 0, 5, "start", "raw", false, 3, false, 1.0, "nesterovs", "closed-form", 10, 3e-3, "plateau", "start");
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    int hogDim = f.hogDimension();
    // two partitions' sums merged on the driver, three sliced and merged slice by slice
    for (int parts : new int[] {2, 3}) {
      outOfFoldLayersAreFittedWithoutTheirFold(jsc, train, parts, hogDim, cfg);
    }
  }

  private static void outOfFoldLayersAreFittedWithoutTheirFold(JavaSparkContext jsc, List<TrainingSample> train,
      int parts, int hogDim, ConfigDeepReg cfg) {
    LinearMap[] layers = SequentialTrainer.outOfFold(jsc.parallelize(train, 4), parts, hogDim, 136, 3, cfg, 7);
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
      assertTrue(gap[k] < 0.05 * apart[k],
          parts + " partitions, fold " + k + ": " + gap[k] + " from its own fit, " + apart[k] + " from the next");
    }
    // every fold holds some faces
    for (int n : sizes) {
      assertTrue(n > 0, java.util.Arrays.toString(sizes));
    }
  }

  @Test
  void rescaledStartsErrAsMuchAsTheHeldOutFaces() {
    ConfigFeatures f = DeepRegFixtures.smallFeatures();
    List<TrainingSample> train = DeepRegFixtures.samples(f, 4, 120);
    List<TrainingSample> held = DeepRegFixtures.samples(f, 5, 40);
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    JavaRDD<TrainingSample> trainRdd = jsc.parallelize(train, 3).cache();
    JavaRDD<TrainingSample> heldRdd = jsc.parallelize(held, 2).cache();
    double[] before = new double[2];
    double[] heldAfterStage1 = new double[2];
    for (int on = 0; on < 2; on++) {
      ConfigDeepReg cfg = new ConfigDeepReg(2, 3, 0.05, 0.1, 0, 0.0, 0, 1e-2, 0.9, 100, 0.5, 2, 5, 0, 5, "start", "raw", false, 0,
          on == 1, 1.0, "nesterovs", "closed-form", 10, 3e-3, "plateau", "start");
      SequentialTrainer.Result r = SequentialTrainer.fit(jsc, trainRdd, heldRdd, f, cfg, true, 7);
      assertEquals(List.of("global", "stage1", "stage2"), r.fits().stream().map(SequentialTrainer.StageFit::layer).toList());
      before[on] = r.fits().get(2).mseBefore();
      heldAfterStage1[on] = meanSquaredResidual(r.cascade(), held, 1);
    }
    // the in-sample global layer and first stage leave the training starts closer to the truth than held-out faces
    assertTrue(before[0] < 0.9 * heldAfterStage1[0], before[0] + " vs held-out " + heldAfterStage1[0]);
    // scaled, the second stage's training residuals are exactly as large as the held-out faces' there
    assertEquals(heldAfterStage1[1], before[1], 1e-6 * heldAfterStage1[1]);
  }

  @Test
  void scalingResidualsMovesStartsAlongThemAwayFromTheTruth() {
    double[][] scaled = SequentialTrainer.scaleResiduals(new double[][] {{1, 2}, {3, -1}}, new double[] {1, 1}, 1.5);
    assertEquals(List.of(1.0, 2.5, 4.0, -2.0), List.of(scaled[0][0], scaled[0][1], scaled[1][0], scaled[1][1]));
  }

  /** The mean over {@code samples} of the squared residual, summed over coordinates, after {@code stages} stages. */
  private static double meanSquaredResidual(Cascade c, List<TrainingSample> samples, int stages) {
    Cascade.Workspace ws = c.workspace();
    ResponseMaps maps = new ResponseMaps(c.features());
    double sum = 0;
    for (TrainingSample t : samples) {
      double[] s = c.trajectory(maps.process(t.canvas()), t.hog(), ws)[stages];
      for (int j = 0; j < s.length; j++) {
        sum += (s[j] - t.target()[j]) * (s[j] - t.target()[j]);
      }
    }
    return sum / samples.size();
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

  /** Moving the starts in groups (each layer read once per group) gives each start what refining it alone gives. */
  @Test
  void advanceMovesEveryStartAsRefiningItAloneDoes() {
    ConfigFeatures f = DeepRegFixtures.smallFeatures();
    List<TrainingSample> samples = DeepRegFixtures.samples(f, 17, SequentialTrainer.ADVANCE_GROUP + 3);
    java.util.Random r = new java.util.Random(5);
    int d = f.descriptorLength() * 68;
    float[] w = new float[136 * d];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) (1e-3 * r.nextGaussian());
    }
    Cascade c = new Cascade(f, null, samples.get(0).target(), List.of(new LinearMap(136, d, w, new float[136])));
    List<scala.Tuple2<TrainingSample, double[][]>> in = new java.util.ArrayList<>();
    for (TrainingSample s : samples) {
      double[][] starts = new double[3][];
      for (int k = 0; k < starts.length; k++) {
        starts[k] = s.target().clone();
        for (int j = 0; j < starts[k].length; j++) {
          starts[k][j] += 0.05 * r.nextGaussian();
        }
      }
      in.add(new scala.Tuple2<>(s, starts));
    }
    java.util.Iterator<double[][]> out = SequentialTrainer.advance(in.iterator(), c, 0);
    Cascade.Workspace ws = c.workspace();
    ResponseMaps maps = new ResponseMaps(f);
    double moved = 0;
    for (scala.Tuple2<TrainingSample, double[][]> p : in) {
      double[][] got = out.next();
      maps.process(p._1().canvas());
      assertEquals(p._2().length, got.length);
      for (int k = 0; k < got.length; k++) {
        double[] alone = p._2()[k].clone();
        c.refine(0, maps, alone, ws);
        org.junit.jupiter.api.Assertions.assertArrayEquals(alone, got[k], 0.0);
        moved += Math.abs(got[k][0] - p._2()[k][0]);
      }
    }
    assertTrue(!out.hasNext() && moved > 0, "one result per sample, and the layer moved the starts");
  }
}

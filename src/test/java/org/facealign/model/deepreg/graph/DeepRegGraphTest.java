package org.facealign.model.deepreg.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.facealign.feature.ConfigFeatures;
import org.facealign.feature.ResponseMaps;
import org.facealign.model.deepreg.Cascade;
import org.facealign.model.deepreg.ConfigDeepReg;
import org.facealign.model.deepreg.TrainingSample;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/** The graph computes what the cascade computes, survives JSON, and gives the weights back. */
class DeepRegGraphTest {
  static ConfigDeepReg noDropout() {
    return defaultsWith(0.0, false);
  }

  /** The defaults without perturbed starts: a graph whose inputs are the samples' alone. */
  static ConfigDeepReg unperturbed() {
    return defaultsWith(ConfigDeepReg.defaults().dropout(), false);
  }

  /** The defaults with the given dropout and perturbed starts on or off. */
  static ConfigDeepReg defaultsWith(double dropout, boolean perturb) {
    ConfigDeepReg d = ConfigDeepReg.defaults();
    return new ConfigDeepReg(d.stages(), d.starts(), d.ridge(), d.globalRidge(), d.validationFaces(), dropout, d.epochs(),
        d.learningRate(), d.momentum(), d.batch(), d.lrDrop(), d.patience(), d.earlyStop(), d.workers(),
        d.averagingFrequency(), d.lrPlateau(), d.pretrainPenalty(), perturb, d.globalFolds(), d.rescaleStarts(), d.perturbScale(), d.updater(), d.pretrain(), d.pretrainEpochs(), d.pretrainLearningRate(), d.lrSchedule(),
        d.earlyStopPlateau());
  }

  static double maxDiff(Cascade c, ComputationGraph g, List<TrainingSample> samples, boolean global, DataType dt) {
    MultiDataSet mds = DeepRegGraph.toMultiDataSet(samples, global, dt);
    double[][] out = DeepRegGraph.predict(g, mds);
    ResponseMaps maps = new ResponseMaps(c.features());
    Cascade.Workspace ws = c.workspace();
    double max = 0;
    for (int i = 0; i < samples.size(); i++) {
      maps.process(samples.get(i).canvas());
      double[] ref = c.run(maps, samples.get(i).hog(), ws);
      for (int j = 0; j < ref.length; j++) {
        max = Math.max(max, Math.abs(ref[j] - out[i][j]));
      }
    }
    return max;
  }

  @Test
  void forwardEqualsCascadeRun() {
    for (int stride : new int[] {1, 2}) {
      forwardEqualsCascadeRun(Samples.smallFeatures().toBuilder().mapStride(stride).build());
    }
  }

  private static void forwardEqualsCascadeRun(ConfigFeatures f) {
    List<TrainingSample> samples = Samples.faces(f, 6, 5L);
    for (boolean global : new boolean[] {true, false}) {
      Cascade c = Samples.randomCascade(f, 68, global, 0.01, 3L);
      for (DataType dt : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
        ComputationGraph g = DeepRegGraph.build(c, unperturbed(), 1L, dt, true);
        double d = maxDiff(c, g, samples, global, dt);
        assertTrue(d < 1e-4, "stride " + f.mapStride() + ", global " + global + " " + dt
            + ": graph and cascade differ by " + d + " units");
      }
    }
  }

  @Test
  void theJointLossIsTheMeanOverSamplesOfTheSquaredAbsoluteOrWingErrorsOfTheLastStage() {
    ConfigFeatures f = Samples.smallFeatures();
    List<TrainingSample> samples = Samples.faces(f, 6, 5L);
    Cascade c = Samples.randomCascade(f, 68, true, 0.01, 3L);
    MultiDataSet mds = DeepRegGraph.toMultiDataSet(samples, true, DataType.DOUBLE);
    // Wing's w and epsilon are 10 and 2 pixels of a 64-pixel input: here the canvas, in units of the face size
    double w = 10.0 / 64 * f.canvasSize() / f.faceSize();
    double eps = 2.0 / 64 * f.canvasSize() / f.faceSize();
    for (String loss : List.of("l2", "l1", "wing")) {
      ComputationGraph g = DeepRegGraph.build(c, noDropout().withLoss(loss), 1L, DataType.DOUBLE, true);
      INDArray err = g.outputSingle(false, mds.getFeatures()).sub(mds.getLabels(0));
      assertEquals(2 * 68, err.columns());
      double sum = 0;
      for (double e : err.data().asDouble()) {
        double a = Math.abs(e);
        sum += switch (loss) {
          case "l2" -> e * e;
          case "l1" -> a;
          default -> a < w ? w * Math.log(1 + a / eps) : a - (w - w * Math.log(1 + w / eps));
        };
      }
      double expected = sum / samples.size();
      assertEquals(expected, g.score(mds), 1e-9 * expected, loss);
    }
    assertThrows(IllegalArgumentException.class, () -> noDropout().withLoss("l3"));
  }

  @Test
  void weightsRoundTrip() {
    ConfigFeatures f = Samples.tinyFeatures();
    for (boolean global : new boolean[] {true, false}) {
      Cascade c = Samples.randomCascade(f, 4, global, 0.05, 9L);
      ComputationGraph g = DeepRegGraph.build(c, unperturbed(), 1L);
      Cascade back = DeepRegGraph.toCascade(g, c);
      assertEquals(c.global(), back.global());
      assertEquals(c.stages(), back.stages());
    }
  }

  @Test
  void theUpdaterIsTheConfiguredOne() {
    ConfigFeatures f = Samples.tinyFeatures();
    Cascade c = Samples.randomCascade(f, 4, true, 0.05, 9L);
    ConfigDeepReg d = unperturbed();
    for (String updater : new String[] {"nesterovs", "adam"}) {
      ConfigDeepReg cfg = new ConfigDeepReg(d.stages(), d.starts(), d.ridge(), d.globalRidge(), d.validationFaces(),
          d.dropout(), d.epochs(), 2e-4, d.momentum(), d.batch(), d.lrDrop(), d.patience(), d.earlyStop(), d.workers(),
          d.averagingFrequency(), d.lrPlateau(), d.pretrainPenalty(), d.jointPerturb(), d.globalFolds(),
          d.rescaleStarts(), d.perturbScale(), updater, d.pretrain(), d.pretrainEpochs(), d.pretrainLearningRate(), d.lrSchedule(),
        d.earlyStopPlateau());
      ComputationGraph g = DeepRegGraph.build(c, cfg, 1L);
      for (org.deeplearning4j.nn.api.Layer layer : g.getLayers()) {
        if (layer.numParams() == 0) {
          continue;
        }
        org.nd4j.linalg.learning.config.IUpdater u = layer.conf().getLayer().getUpdaterByParam("W");
        assertEquals(updater.equals("adam") ? org.nd4j.linalg.learning.config.Adam.class
            : org.nd4j.linalg.learning.config.Nesterovs.class, u.getClass(), updater);
        assertEquals(2e-4, u.getLearningRate(0, 0), 0.0, updater);
      }
    }
  }

  @Test
  void jsonRoundTrip() {
    ConfigFeatures f = Samples.tinyFeatures();
    List<TrainingSample> samples = Samples.smooth(f, 3, 4, 2L);
    for (boolean global : new boolean[] {true, false}) {
      Cascade c = Samples.randomCascade(f, 4, global, 0.05, 4L);
      ComputationGraph g = DeepRegGraph.build(c, unperturbed(), 7L);
      String json = g.getConfiguration().toJson();
      ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(json);
      assertEquals(g.getConfiguration(), back);
      assertEquals(json, back.toJson());
      ComputationGraph g2 = new ComputationGraph(back);
      g2.init(g.params().dup(), false);
      MultiDataSet mds = DeepRegGraph.toMultiDataSet(samples, global, DataType.FLOAT);
      double[][] a = DeepRegGraph.predict(g, mds);
      double[][] b = DeepRegGraph.predict(g2, mds);
      for (int i = 0; i < a.length; i++) {
        org.junit.jupiter.api.Assertions.assertArrayEquals(a[i], b[i], 0.0);
      }
    }
  }

  /**
   * The maps vertex carries the map stride through the graph's JSON, and the JSON of a graph saved before the
   * stride existed (no such field) reads as stride 1, the maps it was trained with.
   */
  @Test
  void theMapStrideTravelsInTheJsonAndIsOneWhereAbsent() {
    for (int stride : new int[] {1, 2}) {
      ConfigFeatures f = Samples.smallFeatures().toBuilder().mapStride(stride).build();
      Cascade c = Samples.randomCascade(f, 4, true, 0.05, 4L);
      String json = DeepRegGraph.build(c, unperturbed(), 7L).getConfiguration().toJson();
      assertEquals(stride, mapsVertex(ComputationGraphConfiguration.fromJson(json)).getMapStride());
      if (stride == 1) {
        // the feature vertices' settings name no stride at 1, so this removes the one field
        String old = json.replaceAll(",?\\s*\"mapStride\"\\s*:\\s*\\d+", "");
        assertTrue(!old.contains("mapStride") && old.length() < json.length(), "the field is in the JSON");
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(old);
        assertEquals(1, mapsVertex(back).getMapStride());
        assertEquals(ComputationGraphConfiguration.fromJson(json), back);
      }
    }
  }

  private static ResponseMapsVertex mapsVertex(ComputationGraphConfiguration conf) {
    return (ResponseMapsVertex) conf.getVertices().values().stream().filter(v -> v instanceof ResponseMapsVertex)
        .findFirst().orElseThrow();
  }

  @Test
  void centredDescriptorsKeepTheFunctionTheWeightsAndTheJson() {
    ConfigFeatures f = Samples.tinyFeatures();
    List<TrainingSample> samples = Samples.smooth(f, 3, 4, 2L);
    java.util.Random r = new java.util.Random(8);
    for (boolean global : new boolean[] {true, false}) {
      Cascade c = Samples.randomCascade(f, 4, global, 0.05, 4L);
      int d = f.descriptorLength() * 4;
      double[][] offsets = new double[c.numStages()][d];
      for (double[] o : offsets) {
        for (int k = 0; k < d; k++) {
          o[k] = 0.2 * r.nextDouble();
        }
      }
      ComputationGraph plain = DeepRegGraph.build(c, unperturbed(), 7L);
      ComputationGraph centred = DeepRegGraph.build(c, unperturbed(), 7L, DataType.FLOAT, true, offsets);
      MultiDataSet mds = DeepRegGraph.toMultiDataSet(samples, global, DataType.FLOAT);
      double[][] a = DeepRegGraph.predict(plain, mds);
      double[][] b = DeepRegGraph.predict(centred, mds);
      for (int i = 0; i < a.length; i++) {
        org.junit.jupiter.api.Assertions.assertArrayEquals(a[i], b[i], 1e-5);
      }
      Cascade back = DeepRegGraph.toCascade(centred, c);
      for (int t = 0; t < c.numStages(); t++) {
        org.junit.jupiter.api.Assertions.assertArrayEquals(c.stages().get(t).biases(), back.stages().get(t).biases(), 1e-5f);
        org.junit.jupiter.api.Assertions.assertArrayEquals(c.stages().get(t).weights(), back.stages().get(t).weights(), 0f);
      }
      // the biases inside the graph did move (by W offset), and the offsets survive JSON
      org.junit.jupiter.api.Assertions.assertNotEquals(plain.getParam(DeepRegGraph.stageLayer(1) + "_b").getDouble(0),
          centred.getParam(DeepRegGraph.stageLayer(1) + "_b").getDouble(0));
      ComputationGraphConfiguration json = ComputationGraphConfiguration.fromJson(centred.getConfiguration().toJson());
      assertEquals(centred.getConfiguration(), json);
    }
  }

  @Test
  void perturbedGraphRunsTheCascadeFromTheShiftedStart() {
    ConfigFeatures f = Samples.smallFeatures();
    List<TrainingSample> samples = Samples.faces(f, 4, 6L);
    ConfigDeepReg perturb = defaultsWith(ConfigDeepReg.defaults().dropout(), true);
    java.util.Random r = new java.util.Random(3);
    for (boolean global : new boolean[] {true, false}) {
      Cascade c = Samples.randomCascade(f, 68, global, 0.01, 3L);
      ComputationGraph g = DeepRegGraph.build(c, perturb, 1L);
      double[][] shifts = new double[samples.size()][136];
      for (double[] sh : shifts) {
        for (int k = 0; k < sh.length; k++) {
          sh[k] = 0.05 * r.nextGaussian();
        }
      }
      double[][] zero = new double[samples.size()][136];
      double[][] still = DeepRegGraph.predict(g, DeepRegGraph.toMultiDataSet(samples, global, zero, DataType.FLOAT));
      double[][] moved = DeepRegGraph.predict(g, DeepRegGraph.toMultiDataSet(samples, global, shifts, DataType.FLOAT));
      ResponseMaps maps = new ResponseMaps(f);
      Cascade.Workspace ws = c.workspace();
      double maxStill = 0;
      double maxMoved = 0;
      double apart = 0;
      for (int i = 0; i < samples.size(); i++) {
        maps.process(samples.get(i).canvas());
        double[] ref = c.run(maps, samples.get(i).hog(), ws);
        double[] s = c.initial(samples.get(i).hog());
        for (int k = 0; k < s.length; k++) {
          s[k] += shifts[i][k];
        }
        for (int t = 0; t < c.numStages(); t++) {
          c.refine(t, maps, s, ws);
        }
        for (int k = 0; k < ref.length; k++) {
          maxStill = Math.max(maxStill, Math.abs(ref[k] - still[i][k]));
          maxMoved = Math.max(maxMoved, Math.abs(s[k] - moved[i][k]));
          apart = Math.max(apart, Math.abs(ref[k] - s[k]));
        }
      }
      assertTrue(maxStill < 1e-4, "global " + global + ": a zero shift changes the shapes by " + maxStill);
      assertTrue(maxMoved < 1e-4, "global " + global + ": the shifted graph and cascade differ by " + maxMoved);
      assertTrue(apart > 0.01, "global " + global + ": the shift should move the result, moved " + apart);
    }
  }
}

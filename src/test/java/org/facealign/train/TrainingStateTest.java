package org.facealign.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.facealign.data.Storage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** The learning-rate drops, early stopping and best epoch of {@link TrainingState#record}. */
class TrainingStateTest {
  /**
   * Validation IP-NME of a DeepReg joint phase on 300-W (epoch 0 the pre-trained cascade): the error first rises
   * above the start's, falls below it at epoch 6, stalls after epoch 8 and is best at epoch 15.
   */
  private static final double START = 0.057877;
  private static final double[] JOINT = {0.05916, 0.05879, 0.05862, 0.05834, 0.05797, 0.05760, 0.05723, 0.05702,
      0.05711, 0.05708, 0.05722, 0.05733, 0.05715, 0.05705, 0.05669};

  private static GraphTrainer.Schedule schedule(boolean plateauOfTrained, int earlyStop) {
    return new GraphTrainer.Schedule(40, 3e-3, 100, 0.5, 3, earlyStop, 1, 5, plateauOfTrained);
  }

  /** The learning rate each epoch trains with, and whether each is the best so far. */
  private static double[] rates(GraphTrainer.Schedule s, double start, double[] errors, boolean[] best) {
    TrainingState st = new TrainingState();
    st.learningRate = s.learningRate();
    st.bestError = start;
    double[] lr = new double[errors.length];
    for (int e = 0; e < errors.length && !st.stopped; e++) {
      lr[e] = st.learningRate;
      best[e] = st.record(e + 1, errors[e], s);
    }
    return lr;
  }

  @Test
  void underTheCosineScheduleNoPlateauDropsTheRateAndEarlyStoppingStillCounts() {
    GraphTrainer.Schedule s = new GraphTrainer.Schedule(40, 3e-3, 100, 0.5, 3, 4, 1, 5, false, true);
    boolean[] best = new boolean[JOINT.length];
    double[] lr = rates(s, START, JOINT, best);
    // the plateau schedule halves it after epoch 3 (above); record() leaves the cosine's rate to the trainer
    for (int e = 0; e < 4; e++) {
      assertEquals(3e-3, lr[e], 0, "epoch " + (e + 1));
    }
    // 4 epochs without a better error than the start's: stopped after epoch 4
    assertEquals(0, lr[4], 0, "no fifth epoch");
    assertEquals(1, s.cosineRate(1) / 3e-3, 1e-15);
    assertEquals(0.5, s.cosineRate(21) / 3e-3, 1e-15);
    assertEquals((1 + Math.cos(Math.PI * 39 / 40)) / 2, s.cosineRate(40) / 3e-3, 1e-15);
  }

  @Test
  void lrScheduleKeysReachTheJointPhaseAndMsrrnButNotSgdPretraining() {
    org.facealign.config.FacealignConfig cosine = org.facealign.config.FacealignConfig.load(null,
        java.util.Map.of("deepreg.lr-schedule", "cosine", "msrrn.lr-schedule", "cosine"));
    org.junit.jupiter.api.Assertions.assertTrue(JointTrainer.schedule(cosine.deepreg()).cosine());
    org.junit.jupiter.api.Assertions.assertTrue(JointTrainer.schedule(cosine.deepreg(false)).cosine());
    org.junit.jupiter.api.Assertions.assertFalse(JointTrainer.schedule(cosine.deepreg(), 10, 3e-3).cosine());
    org.junit.jupiter.api.Assertions.assertTrue(MsrrnTrainer.schedule(cosine.msrrn()).cosine());
    org.facealign.config.FacealignConfig plain = org.facealign.config.FacealignConfig.load(null, java.util.Map.of());
    org.junit.jupiter.api.Assertions.assertFalse(JointTrainer.schedule(plain.deepreg()).cosine());
    org.junit.jupiter.api.Assertions.assertFalse(MsrrnTrainer.schedule(plain.msrrn()).cosine());
    // early stopping of the trained epochs: the joint phases by default, never SGD pre-training or MSRRN
    org.junit.jupiter.api.Assertions.assertTrue(JointTrainer.schedule(plain.deepreg()).stopOfTrained());
    org.junit.jupiter.api.Assertions.assertTrue(JointTrainer.schedule(plain.deepreg(false)).stopOfTrained());
    org.junit.jupiter.api.Assertions.assertFalse(JointTrainer.schedule(plain.deepreg(), 10, 3e-3).stopOfTrained());
    org.junit.jupiter.api.Assertions.assertFalse(MsrrnTrainer.schedule(plain.msrrn()).stopOfTrained());
    org.facealign.config.FacealignConfig start = org.facealign.config.FacealignConfig.load(null,
        java.util.Map.of("deepreg.early-stop-plateau", "start"));
    org.junit.jupiter.api.Assertions.assertFalse(JointTrainer.schedule(start.deepreg()).stopOfTrained());
    org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class, () -> org.facealign.config.FacealignConfig
        .load(null, java.util.Map.of("deepreg.early-stop-plateau", "never")).deepreg());
    for (String key : new String[] {"deepreg.lr-schedule", "msrrn.lr-schedule"}) {
      RuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class, () -> {
        org.facealign.config.FacealignConfig c = org.facealign.config.FacealignConfig.load(null,
            java.util.Map.of(key, "linear"));
        c.deepreg();
        c.msrrn();
      });
      org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("lr-schedule"), e.getMessage());
    }
  }

  @Test
  void fromTheStartTheRateDropsWhileTheJointPhaseClimbsBack() {
    boolean[] best = new boolean[JOINT.length];
    double[] lr = rates(schedule(false, 10), START, JOINT, best);
    // the rates that run logged: halved after epoch 3 (no epoch below the start yet), after 11 and after 14
    double[] expected = new double[15];
    for (int e = 0; e < 15; e++) {
      expected[e] = e < 3 ? 3e-3 : e < 11 ? 1.5e-3 : e < 14 ? 7.5e-4 : 3.75e-4;
    }
    assertArrayEquals(expected, lr, 1e-15);
    for (int e = 0; e < 15; e++) {
      assertEquals(e >= 5 && e <= 7 || e == 14, best[e], "epoch " + (e + 1));
    }
  }

  @Test
  void ofTheTrainedEpochsTheRateHoldsWhileEachEpochBeatsTheLast() {
    boolean[] best = new boolean[JOINT.length];
    double[] lr = rates(schedule(true, 10), START, JOINT, best);
    // epochs 1-8 each beat every trained epoch before; 9, 10, 11 do not (0.05702 at 8), nor 12, 13, 14
    for (int e = 0; e < 15; e++) {
      assertEquals(e < 11 ? 3e-3 : e < 14 ? 1.5e-3 : 7.5e-4, lr[e], 1e-15, "epoch " + (e + 1));
    }
    // the best epochs are the same: the weights kept do not depend on the rule
    for (int e = 0; e < 15; e++) {
      assertEquals(e >= 5 && e <= 7 || e == 14, best[e], "epoch " + (e + 1));
    }
  }

  /**
   * The curve of a joint phase the start rule stopped (300-W, another seed and full-resolution maps): from epoch 4 on
   * it falls towards the pre-trained 0.053033 without reaching it by epoch 10; its twin with pooled maps, whose epoch
   * 8 happened to beat its own start, went on to 0.05137 by epoch 27.
   */
  private static final double STOPPED_START = 0.053033;
  private static final double[] STOPPED = {0.05757, 0.05727, 0.05738, 0.05470, 0.05475, 0.05410, 0.05380, 0.05309,
      0.05347, 0.05320, 0.05290, 0.05270};

  private static GraphTrainer.Schedule stopSchedule(int earlyStop, boolean ofTrained) {
    return new GraphTrainer.Schedule(40, 3e-3, 50, 0.5, 3, earlyStop, 1, 5, true, false, ofTrained);
  }

  /** Records {@code curve} into {@code st} from {@code start} until it stops; returns the epochs trained. */
  private static int runUntilStopped(TrainingState st, GraphTrainer.Schedule s, double start, double[] curve) {
    st.learningRate = s.learningRate();
    st.bestError = start;
    int e = 0;
    while (!st.stopped && e < curve.length) {
      st.record(e + 1, curve[e], s);
      e++;
    }
    return e;
  }

  @Test
  void earlyStoppingOfTheTrainedEpochsLetsAFallingJointPhaseGoOn() {
    for (boolean ofTrained : new boolean[] {false, true}) {
      TrainingState st = new TrainingState();
      int e = runUntilStopped(st, stopSchedule(10, ofTrained), STOPPED_START, STOPPED);
      // the start rule stops after epoch 10, none having beaten the start; the trained rule goes on and epoch 11
      // becomes the best, kept
      assertEquals(ofTrained ? 12 : 10, e, "stop of trained epochs: " + ofTrained);
      assertEquals(ofTrained ? 12 : 0, st.bestEpoch);
      assertEquals(ofTrained ? 0.05270 : STOPPED_START, st.bestError, 0.0);
    }
  }

  @Test
  void earlyStoppingOfTheTrainedEpochsNeverStopsEarlierAndKeepsTheSameBest() {
    java.util.Random r = new java.util.Random(5);
    for (int run = 0; run < 500; run++) {
      double start = 0.05 + 0.01 * r.nextDouble();
      double[] curve = new double[40];
      double level = start + 0.01 * r.nextDouble();
      for (int e = 0; e < curve.length; e++) {
        level += 0.001 * r.nextGaussian();
        curve[e] = Math.max(0.01, level);
      }
      int earlyStop = 3 + r.nextInt(8);
      int[] stop = new int[2];
      double[] best = new double[2];
      int[] bestEpoch = new int[2];
      for (int k = 0; k < 2; k++) {
        TrainingState st = new TrainingState();
        stop[k] = runUntilStopped(st, stopSchedule(earlyStop, k == 1), start, curve);
        best[k] = st.bestError;
        bestEpoch[k] = st.bestEpoch;
      }
      org.junit.jupiter.api.Assertions.assertTrue(stop[1] >= stop[0], "run " + run);
      org.junit.jupiter.api.Assertions.assertTrue(best[1] <= best[0], "run " + run);
      if (stop[1] == stop[0]) {
        assertEquals(bestEpoch[0], bestEpoch[1], "run " + run);
      }
    }
  }

  @Test
  void earlyStoppingOfTheStartCountsFromTheStartWhicheverDropRule() {
    double[] falling = new double[12];
    for (int e = 0; e < falling.length; e++) {
      falling[e] = 0.07 - 1e-4 * e; // every epoch better than the last, none better than the start
    }
    for (boolean trained : new boolean[] {false, true}) {
      TrainingState st = new TrainingState();
      st.learningRate = 1e-3;
      st.bestError = 0.05;
      int e = 0;
      while (!st.stopped) {
        st.record(e + 1, falling[e], schedule(trained, 4));
        e++;
      }
      assertEquals(4, e, "plateau of trained epochs: " + trained);
      assertEquals(0, st.bestEpoch);
      assertEquals(0.05, st.bestError);
      // from the start: dropped once, after epoch 3; from the trained epochs: never
      assertEquals(trained ? 1e-3 : 5e-4, st.learningRate, 1e-18);
    }
  }

  /** A state that recorded the first {@code epochs} of {@code curve} from {@code start}, checkpointed and read back. */
  private static TrainingState checkpointAfter(Path dir, GraphTrainer.Schedule s, double start, double[] curve,
      int epochs) throws Exception {
    TrainingState st = new TrainingState();
    st.graph = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(1).graphBuilder().addInputs("in")
        .addLayer("h", new DenseLayer.Builder().nIn(2).nOut(2).build(), "in")
        .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY).nIn(2).nOut(1).build(), "h")
        .setOutputs("out").build());
    st.graph.init();
    st.bestParams = st.graph.params().dup();
    st.learningRate = s.learningRate();
    st.bestError = start;
    st.history.add(new EpochStats(0, Double.NaN, Double.NaN, start, s.learningRate(), 0, 0, true));
    for (int e = 0; e < epochs; e++) {
      double lr = st.learningRate;
      boolean best = st.record(e + 1, curve[e], s);
      st.history.add(new EpochStats(e + 1, 0.04, 0.09, curve[e], lr, 100, 1, best));
    }
    CheckpointListener.write(Storage.local(), dir.toString(), st);
    return CheckpointListener.readLatest(Storage.local(), dir.toString());
  }

  @Test
  void whatKilledWritesLeftIsRemovedAndNothingElse(@TempDir Path dir) throws Exception {
    for (String d : List.of(".epoch-00003.tmp-1b2c", ".epoch-00002.old-9f", "epoch-00002", ".other.tmp-1", "notes")) {
      java.nio.file.Files.createDirectories(dir.resolve(d));
    }
    java.nio.file.Files.writeString(dir.resolve(".epoch-00003.tmp-1b2c").resolve("graph.zip"), "half");
    assertEquals(List.of(".epoch-00002.old-9f", ".epoch-00003.tmp-1b2c"),
        CheckpointListener.removeLeftovers(Storage.local(), dir.toString()));
    try (var l = java.nio.file.Files.list(dir)) {
      assertEquals(List.of(".other.tmp-1", "epoch-00002", "notes"),
          l.map(p -> p.getFileName().toString()).sorted().toList());
    }
  }

  /**
   * A checkpoint taken after epoch 9 of the curve above and read back continues exactly as the run would have: the
   * best trained error (0.05702, epoch 8) is derived from the checkpoint's history, so the rate halves after epoch 11
   * with the trained-epoch rule, as without the interruption.
   */
  @Test
  void aResumedStateKeepsTheBestTrainedError(@TempDir Path dir) throws Exception {
    GraphTrainer.Schedule s = schedule(true, 10);
    TrainingState back = checkpointAfter(dir, s, START, JOINT, 9);
    assertEquals(0.05702, back.bestTrainedError, 0.0);
    for (int e = 9; e < 11; e++) {
      assertEquals(3e-3, back.learningRate, 0.0, "epoch " + (e + 1));
      back.record(e + 1, JOINT[e], s);
    }
    assertEquals(1.5e-3, back.learningRate, 0.0, "epoch 12");
  }

  /** The epochs since the best trained one are derived from the history too: a resumed phase stops when it would have. */
  @Test
  void aResumedStateStopsAsTheUninterruptedOne(@TempDir Path dir) throws Exception {
    GraphTrainer.Schedule s = new GraphTrainer.Schedule(40, 3e-3, 50, 0.5, 3, 3, 1, 5, true, false, true);
    double[] curve = {0.060, 0.055, 0.056, 0.057, 0.058, 0.054};
    TrainingState back = checkpointAfter(dir, s, 0.050, curve, 4);
    assertEquals(2, back.sinceTrainedImprovement);
    back.record(5, curve[4], s);
    org.junit.jupiter.api.Assertions.assertTrue(back.stopped, "3 epochs after the best trained one, epoch 2");
  }
  /**
   * The checkpoint's graph archive holds what DL4J's own writer puts in it, entry for entry and byte for byte once
   * inflated, and DL4J's reader restores the same weights and updater state from it; only the compression differs.
   */
  @Test
  void theGraphArchiveHasDl4jsEntriesUncompressed() throws Exception {
    ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(3)
        .updater(new org.nd4j.linalg.learning.config.Nesterovs(1e-3, 0.9)).graphBuilder().addInputs("in")
        .addLayer("h", new DenseLayer.Builder().nIn(40).nOut(30).build(), "in")
        .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY).nIn(30).nOut(2).build(), "h")
        .setOutputs("out").build());
    g.init();
    // one step, so that the updater state is not all zeros
    g.fit(new org.nd4j.linalg.dataset.DataSet(org.nd4j.linalg.factory.Nd4j.rand(8, 40), org.nd4j.linalg.factory.Nd4j.rand(8, 2)));
    java.io.ByteArrayOutputStream ours = new java.io.ByteArrayOutputStream();
    CheckpointListener.writeGraph(g, ours);
    java.io.ByteArrayOutputStream theirs = new java.io.ByteArrayOutputStream();
    org.deeplearning4j.util.ModelSerializer.writeModel(g, theirs, true);
    java.util.Map<String, byte[]> a = entries(ours.toByteArray());
    java.util.Map<String, byte[]> b = entries(theirs.toByteArray());
    assertEquals(b.keySet(), a.keySet());
    for (String name : b.keySet()) {
      assertArrayEquals(b.get(name), a.get(name), name);
    }
    ComputationGraph back = org.deeplearning4j.util.ModelSerializer.restoreComputationGraph(
        new java.io.ByteArrayInputStream(ours.toByteArray()), true);
    assertEquals(g.params(), back.params());
    assertEquals(g.getUpdater().getStateViewArray(), back.getUpdater().getStateViewArray());
    assertEquals(g.getConfiguration().toJson(), back.getConfiguration().toJson());
    // stored: the archive is no smaller than its contents
    long contents = a.values().stream().mapToLong(v -> v.length).sum();
    org.junit.jupiter.api.Assertions.assertTrue(ours.size() >= contents, ours.size() + " bytes for " + contents);
  }

  private static java.util.Map<String, byte[]> entries(byte[] zip) throws java.io.IOException {
    java.util.Map<String, byte[]> out = new java.util.TreeMap<>();
    try (java.util.zip.ZipInputStream in = new java.util.zip.ZipInputStream(new java.io.ByteArrayInputStream(zip))) {
      for (java.util.zip.ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        out.put(e.getName(), in.readAllBytes());
      }
    }
    return out;
  }
}

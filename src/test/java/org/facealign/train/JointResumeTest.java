package org.facealign.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.facealign.config.FacealignConfig;
import org.facealign.data.Storage;
import org.facealign.feature.ConfigFeatures;
import org.facealign.job.SparkSessions;
import org.facealign.model.deepreg.Cascade;
import org.facealign.model.deepreg.ConfigDeepReg;
import org.facealign.model.deepreg.TrainingSample;
import org.facealign.model.deepreg.graph.Samples;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** On Spark local[1] with one worker, a training resumed from a checkpoint equals the uninterrupted one. */
class JointResumeTest {
  static SparkSession spark;
  static JavaSparkContext jsc;

  @BeforeAll
  static void start() {
    spark = SparkSessions.create(FacealignConfig.load(null, Map.of("spark.master", "local[1]")), "test", "local[1]");
    jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  /** Stands for a crash after the checkpoint of {@code epoch} was written. */
  static final class Crash implements TrainingListener {
    final int epoch;

    Crash(int epoch) {
      this.epoch = epoch;
    }

    @Override
    public void onEpochEnd(EpochInfo info) {
      if (info.stats().epoch() == epoch) {
        throw new IllegalStateException("crash after epoch " + epoch);
      }
    }
  }

  @Test
  void resumedEqualsUninterrupted(@TempDir Path dir) throws Exception {
    ConfigFeatures f = Samples.smallFeatures();
    JavaRDD<TrainingSample> train = jsc.parallelize(Samples.faces(f, 40, 41L), 3).cache();
    JavaRDD<TrainingSample> val = jsc.parallelize(Samples.faces(f, 10, 42L), 2).cache();
    // DeepReg (global layer), pre-trained sequentially; dropout on, so its masks must be reproduced too;
    // patience 1 so that the learning rate may drop inside the run, counted from the best trained epoch (the
    // default rule, whose best trained error a resumed run derives from the checkpoint's history)
    Cascade init = SequentialTrainer.fit(jsc, train, null, f, JointTrainerTest.cfg(0, 1, 0, 2), true, 3L).cascade();
    ConfigDeepReg cfg = new ConfigDeepReg(3, 2, 0.05, 0.01, 0, 0.2, 4, 3e-3, 0.9, 8, 0.5, 1, 5, 1, 2, "trained", "raw", false, 0, false, 1.0, "nesterovs", "closed-form", 10, 3e-3, "plateau", "start");
    Storage st = Storage.local();

    String full = dir.resolve("full").toString();
    JointTrainer.Result a = new JointTrainer(cfg, 9L).listener(new CheckpointListener(st, full))
        .fit(jsc, train, val, init);

    String cut = dir.resolve("cut").toString();
    assertThrows(IllegalStateException.class, () -> new JointTrainer(cfg, 9L).listener(new CheckpointListener(st, cut))
        .listener(new Crash(2)).fit(jsc, train, val, init));
    assertEquals(List.of(1, 2), CheckpointListener.epochs(st, cut));
    JointTrainer.Result b = new JointTrainer(cfg, 9L).listener(new CheckpointListener(st, cut)).resumeFrom(st, cut)
        .fit(jsc, train, val, init);

    System.out.println("uninterrupted: " + a.history());
    System.out.println("resumed:       " + b.history());
    assertEquals(a.history().size(), b.history().size());
    for (int i = 0; i < a.history().size(); i++) {
      EpochStats x = a.history().get(i);
      EpochStats y = b.history().get(i);
      assertEquals(x.trainLoss(), y.trainLoss(), 0.0, "epoch " + i);
      assertEquals(x.validationLoss(), y.validationLoss(), 0.0, "epoch " + i);
      assertEquals(x.learningRate(), y.learningRate(), 0.0, "epoch " + i);
    }
    assertEquals(a.bestEpoch(), b.bestEpoch());
    assertEquals(a.cascade().global(), b.cascade().global());
    assertEquals(a.cascade().stages(), b.cascade().stages());
    assertTrue(a.history().get(4).trainLoss() < a.history().get(1).trainLoss(), a.history().toString());
    // the checkpoint keeps the two newest epochs
    assertEquals(List.of(3, 4), CheckpointListener.epochs(st, full));

    // a checkpoint altered after it was written is refused before use, the file named (Hadoop's own .crc
    // sidecars removed, as a hand edit or another writer would leave them)
    Path latest = Path.of(full, CheckpointListener.name(4));
    for (String name : List.of(CheckpointListener.GRAPH, CheckpointListener.BEST, CheckpointListener.STATE)) {
      Path file = latest.resolve(name);
      java.nio.file.Files.deleteIfExists(latest.resolve("." + name + ".crc"));
      byte[] original = java.nio.file.Files.readAllBytes(file);
      byte[] flipped = original.clone();
      flipped[flipped.length / 2] ^= 1;
      java.nio.file.Files.write(file, flipped);
      java.io.IOException e = assertThrows(java.io.IOException.class, () -> CheckpointListener.readLatest(st, full));
      assertTrue(e.getMessage().contains(name) && e.getMessage().contains("checksum mismatch"), e.getMessage());
      java.nio.file.Files.write(file, original);
    }
    assertEquals(4, CheckpointListener.readLatest(st, full).epoch, "restored, it is read again");
    java.nio.file.Files.delete(latest.resolve(CheckpointListener.SUMS));
    java.nio.file.Files.deleteIfExists(latest.resolve("." + CheckpointListener.SUMS + ".crc"));
    java.io.IOException e = assertThrows(java.io.IOException.class, () -> CheckpointListener.readLatest(st, full));
    assertTrue(e.getMessage().contains("without checksums"), e.getMessage());
  }
}

package org.facealign.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.facealign.data.SyntheticFaces;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * What the product survives on a real cluster, each fault against an undisturbed run of the same job: an executor
 * JVM killed during prepare and during DeepReg's joint training, the driver killed during training and the
 * training resumed, a worker lost for good while labelling. Minutes long, so not part of the default test
 * command: {@code ./mvnw -B verify -Dit.test=ClusterFaultsIT -Dfacealign.cluster.faults=true}.
 */
@EnabledIfSystemProperty(named = "facealign.cluster.faults", matches = "true")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterFaultsIT extends OnCluster {
  /** Like {@link OnCluster#SMALL_DEEPREG}, with 4 joint epochs so that there is time to strike. */
  static final List<String> DEEPREG = List.of("-D", "features.sift-cells=2", "-D", "features.patch-sizes=[32, 16]",
      "-D", "deepreg.stages=2", "-D", "deepreg.starts=2", "-D", "deepreg.validation-faces=10", "-D", "deepreg.epochs=4",
      "-D", "deepreg.batch=16", "-D", "deepreg.workers=2", "-D", "deepreg.table1=false", "-D", "deepreg.early-stop=10");

  static List<String> with(List<String> a, List<String> b) {
    List<String> r = new ArrayList<>(a);
    r.addAll(b);
    return r;
  }

  /** Runs a job, strikes once its output matches {@code when}; the submission, ended, and the seconds it took. */
  static StandaloneCluster.Submission strike(String name, List<String> args, String when, Runnable fault)
      throws Exception {
    long t0 = System.nanoTime();
    StandaloneCluster.Submission s = cluster.submit(dir.resolve(name + ".log"), env("client"), args);
    assertTrue(s.awaitOutput(when, JOB_TIMEOUT), "never saw '" + when + "':\n" + s.tail());
    long struck = System.nanoTime();
    fault.run();
    boolean running = s.process().isAlive();
    int code = s.await(JOB_TIMEOUT);
    assertTrue(running || code != 0, "the fault struck while the job ran:\n" + s.tail());
    System.out.printf("== %s: exit %d, %.1f s in all, %.1f s after the fault%n%s%n", name, code,
        (System.nanoTime() - t0) / 1e9, (System.nanoTime() - struck) / 1e9, s.tail());
    return s;
  }

  /** Kills (SIGKILL) one executor JVM of the one application running. */
  static void killOneExecutor() {
    try {
      JsonNode active = cluster.state().path("activeapps");
      assertEquals(1, active.size(), active.toString());
      String app = active.get(0).path("id").asText();
      List<ProcessHandle> executors = cluster.executors().stream()
          .filter(h -> h.info().commandLine().orElse("").contains(app)).toList();
      assertEquals(2, executors.size(), "two executors of " + app);
      assertTrue(executors.get(0).destroyForcibly());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static double finalValidationError(String model) throws Exception {
    JsonNode epochs = json(model + "/training.json").path("epochs");
    double best = Double.NaN;
    for (JsonNode e : epochs) {
      if (e.path("improved").asBoolean()) {
        best = e.path("validation_nme").asDouble();
      }
    }
    return best;
  }

  /** The prepared faces: id -> content hash and landmarks. */
  static Map<String, String> preparedFaces(String prepared) {
    SparkSession spark = SparkSession.builder().master("local[1]").appName("read").getOrCreate();
    Map<String, String> out = new TreeMap<>();
    String faces = org.facealign.job.PreparedSet.facesDir(org.facealign.data.Storage.of(fs.getConf()), prepared);
    for (Row r : spark.read().parquet(faces).collectAsList()) {
      String id = r.getString(r.fieldIndex("id"));
      String before = out.put(id, r.getString(r.fieldIndex("content_hash")) + " " + r.getList(r.fieldIndex("landmarks")));
      assertEquals(null, before, "one row per face: " + id);
    }
    return out;
  }

  @Test
  @Order(1)
  void anExecutorKilledDuringPrepare() throws Exception {
    Path local = dir.resolve("data");
    SyntheticFaces.writeW300Layout(local, Map.of("afw", 60, "helen/trainset", 60, "lfpw/testset", 20), 9L,
        SyntheticFaces.Options.defaults());
    put(local, "/300W");
    assertEquals(0, submit("prepare-clean", "client", with(List.of("prepare", "--data", root + "/300W", "--out",
        root + "/clean/prepared", "--store", root + "/clean/features"), DEEPREG)));
    StandaloneCluster.Submission s = strike("prepare-killed", with(List.of("prepare", "--data", root + "/300W",
        "--out", root + "/killed/prepared", "--store", root + "/killed/features"), DEEPREG),
        "inputs found", () -> killBusyExecutor(Duration.ofSeconds(2)));
    assertEquals(0, s.process().exitValue(), s.tail());
    System.out.println("== prepare: Spark reported the executor lost with tasks: " + s.output().contains("Lost executor"));
    JsonNode clean = json(root + "/clean/prepared/summary.json");
    JsonNode killed = json(root + "/killed/prepared/summary.json");
    assertEquals(clean.path("counts"), killed.path("counts"));
    assertEquals(preparedFaces(root + "/clean/prepared"), preparedFaces(root + "/killed/prepared"));
  }

  /** Once an executor of the one running application is running a task, waits {@code settle} and kills it. */
  static void killBusyExecutor(Duration settle) {
    try {
      long end = System.nanoTime() + Duration.ofMinutes(3).toNanos();
      while (System.nanoTime() < end) {
        JsonNode active = cluster.state().path("activeapps");
        if (active.size() == 1) {
          List<ProcessHandle> busy = cluster.busyExecutors(active.get(0).path("id").asText());
          if (!busy.isEmpty()) {
            Thread.sleep(settle.toMillis());
            assertTrue(busy.get(0).destroyForcibly());
            return;
          }
        }
        Thread.sleep(100);
      }
      throw new IllegalStateException("no executor ran a task within 3 minutes");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Test
  @Order(2)
  void anExecutorKilledDuringJointTrainingAndTheDriverKilledThenResumed() throws Exception {
    String prepared = root + "/clean/prepared";
    long t0 = System.nanoTime();
    assertEquals(0, submit("train-clean", "client", with(List.of("train", "--prepared", prepared, "--out",
        root + "/clean/model", "--model", "deepreg"), DEEPREG)));
    System.out.printf("== train, undisturbed: %.1f s%n", (System.nanoTime() - t0) / 1e9);
    double clean = finalValidationError(root + "/clean/model");

    // an executor lost in the joint phase: its partitions are computed again elsewhere
    StandaloneCluster.Submission s = strike("train-executor-killed", with(List.of("train", "--prepared", prepared,
        "--out", root + "/executor-killed/model", "--model", "deepreg"), DEEPREG), "joint: epoch 1/",
        ClusterFaultsIT::killOneExecutor);
    assertEquals(0, s.process().exitValue(), s.tail());
    assertTrue(s.output().contains("Lost executor"));
    double afterExecutorLoss = finalValidationError(root + "/executor-killed/model");
    System.out.printf("== validation IP-NME: undisturbed %.6f, executor killed %.6f%n", clean, afterExecutorLoss);
    assertEquals(clean, afterExecutorLoss, 1e-4, "the same training up to floating-point summation order");

    // the driver killed after a checkpoint: train --resume ends where the undisturbed run ended
    List<String> train = with(List.of("train", "--prepared", prepared, "--out", root + "/driver-killed/model",
        "--model", "deepreg"), DEEPREG);
    StandaloneCluster.Submission d = strike("train-driver-killed", train, "joint: epoch 2/",
        () -> d0(cluster).destroyForcibly());
    assertNotEquals(0, d.process().exitValue(), "the driver was killed");
    long r0 = System.nanoTime();
    assertEquals(0, submit("train-resumed", "client", with(train, List.of("--resume"))));
    System.out.printf("== train --resume: %.1f s%n", (System.nanoTime() - r0) / 1e9);
    double resumed = finalValidationError(root + "/driver-killed/model");
    System.out.printf("== validation IP-NME: undisturbed %.6f, resumed %.6f%n", clean, resumed);
    assertEquals(clean, resumed, 1e-4, "resumed from the checkpoint, the training ends where the undisturbed one did");
    assertTrue(json(root + "/driver-killed/model/training.json").path("epochs").size() >= 5, "epochs 0..4");
  }

  /** The newest spark-submit started through the cluster (in client mode: the driver JVM itself). */
  static ProcessHandle d0(StandaloneCluster c) {
    return c.lastSubmission().toHandle();
  }

  @Test
  @Order(3)
  void aWorkerLostForGoodWhileLabelling() throws Exception {
    String model = root + "/clean/model";
    for (Path p : images("helen/testset", 200)) {
      put(p, "/archive/" + p.getFileName());
    }
    List<String> args = List.of("label", "--model", model, "--input", root + "/archive", "--out",
        root + "/worker-lost/labels", "-D", "label.chunk-images=40", "-D", "label.images-per-task=4");
    StandaloneCluster.Submission s = strike("label-worker-lost", args, "chunk 1 of \\d+: ", () -> {
      try {
        cluster.killWorker(1);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    assertEquals(0, s.process().exitValue(), s.tail());
    assertEquals(1, cluster.state().path("aliveworkers").asInt(), "the job finished on the remaining worker");
    assertEquals(0, org.facealign.cli.Main.run("label", "--model", model, "--input", root + "/archive", "--out",
        root + "/worker-lost/clean", "-D", "spark.master=local[2]", "-D", "label.chunk-images=40"));
    JsonNode clean = json(root + "/worker-lost/clean/summary.json");
    JsonNode lost = json(root + "/worker-lost/labels/summary.json");
    for (String k : List.of("images_in", "images_with_faces", "faces_out", "no_face", "failed")) {
      assertEquals(clean.get(k).asInt(), lost.get(k).asInt(), k);
    }
    assertEquals(landmarks(clean), landmarks(lost));
  }
}

package org.facealign.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.facealign.data.SyntheticFaces;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The product on a real standalone cluster (a master and two workers on 127.0.0.1, executors in JVMs of their
 * own) and a real HDFS, every job submitted through {@code submit/cluster.sh} and spark-submit, every path an
 * {@code hdfs://} URI: prepare, DeepReg training with two parameter-averaging workers on two executors,
 * evaluation and labelling; cluster deploy mode; an executor killed while labelling.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterIT extends OnCluster {
  @Test
  @Order(1)
  void prepareTrainEvaluateAndLabelOnHdfs() throws Exception {
    Path local = dir.resolve("data");
    SyntheticFaces.writeW300Layout(local, Map.of("afw", 40, "helen/trainset", 30, "lfpw/testset", 12), 5L,
        SyntheticFaces.Options.defaults());
    put(local, "/300W");
    String out = root + "/runs/one";

    List<String> prepare = new ArrayList<>(List.of("prepare", "--data", root + "/300W", "--out", out + "/prepared"));
    prepare.addAll(SMALL_DEEPREG);
    assertEquals(0, submit("prepare", "client", prepare));
    List<String> train = new ArrayList<>(List.of("train", "--prepared", out + "/prepared", "--out", out + "/model",
        "--model", "deepreg"));
    train.addAll(SMALL_DEEPREG);
    assertEquals(0, submit("train", "client", train));
    String trainLog = Files.readString(dir.resolve("train.log"));
    assertTrue(trainLog.contains("joint: done"), "the joint phase ran on the cluster");
    assertEquals(0, submit("evaluate", "client", List.of("evaluate", "--prepared", out + "/prepared", "--model",
        out + "/model", "--out", out + "/report")));
    JsonNode report = json(out + "/report/report.json");
    assertEquals(12, report.at("/subsets/common/faces").asInt());
    double nme = report.at("/subsets/common/ip_nme").asDouble(Double.NaN);
    assertTrue(nme > 0 && nme < 0.08, "a trained cascade on synthetic faces: " + report.at("/subsets/common"));

    // label 20 photographs and two files that are not images, on the cluster and in local mode: same result
    for (Path p : images("lfpw/testset", 20)) {
      put(p, "/archive/" + p.getFileName());
    }
    fs.create(new org.apache.hadoop.fs.Path("/archive/empty.jpg")).close();
    try (var o = fs.create(new org.apache.hadoop.fs.Path("/archive/notes.png"))) {
      o.write("not a picture".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    assertEquals(0, submit("label", "client", List.of("label", "--model", out + "/model", "--input",
        root + "/archive", "--out", out + "/labels", "-D", "label.chunk-images=8")));
    JsonNode s = json(out + "/labels/summary.json");
    assertEquals(22, s.get("images_in").asInt());
    assertEquals(2, s.get("failed").asInt(), s.toString());
    assertEquals(s.get("images_in").asInt(),
        s.get("images_with_faces").asInt() + s.get("no_face").asInt() + s.get("failed").asInt());
    assertEquals(0, org.facealign.cli.Main.run("label", "--model", out + "/model", "--input", root + "/archive",
        "--out", out + "/labels-local", "-D", "spark.master=local[2]", "-D", "label.chunk-images=8"));
    assertEquals(landmarks(json(out + "/labels-local/summary.json")), landmarks(s),
        "the cluster labels every face exactly as local mode does");
  }

  @Test
  @Order(3)
  void anExecutorKilledWhileLabellingLosesAndDoublesNothing() throws Exception {
    String model = root + "/runs/one/model";
    for (Path p : images("helen/testset", 240)) {
      put(p, "/archive-big/" + p.getFileName());
    }
    List<String> args = List.of("label", "--model", model, "--input", root + "/archive-big", "--out",
        root + "/runs/killed", "-D", "label.chunk-images=40", "-D", "label.images-per-task=4");
    long t0 = System.nanoTime();
    StandaloneCluster.Submission s = cluster.submit(dir.resolve("label-killed.log"), env("client"), args);
    assertTrue(s.awaitOutput("chunk 1 of \\d+: ", JOB_TIMEOUT), s.tail());
    JsonNode active = cluster.state().path("activeapps");
    assertEquals(1, active.size(), active.toString());
    String app = active.get(0).path("id").asText();
    List<ProcessHandle> executors = cluster.executors().stream()
        .filter(h -> h.info().commandLine().orElse("").contains(app)).toList();
    assertEquals(2, executors.size(), "two executors of " + app + ", one per worker");
    assertTrue(executors.get(0).destroyForcibly(), "SIGKILL to one executor JVM");
    long killedAt = System.nanoTime();
    assertEquals(0, s.await(JOB_TIMEOUT), s.tail());
    System.out.printf("== label with an executor killed: %.1f s, %.1f s after the kill%n",
        (System.nanoTime() - t0) / 1e9, (System.nanoTime() - killedAt) / 1e9);
    assertTrue(s.output().contains("Lost executor"), "Spark saw the executor go");
    JsonNode killed = json(root + "/runs/killed/summary.json");
    assertEquals(240, killed.get("images_in").asInt());
    assertEquals(0, killed.get("failed").asInt(), killed.toString());

    // the same images labelled in local mode, undisturbed
    assertEquals(0, org.facealign.cli.Main.run("label", "--model", model, "--input", root + "/archive-big", "--out",
        root + "/runs/clean", "-D", "spark.master=local[2]", "-D", "label.chunk-images=40"));
    JsonNode clean = json(root + "/runs/clean/summary.json");
    for (String k : List.of("images_in", "images_with_faces", "faces_out", "no_face", "failed")) {
      assertEquals(clean.get(k).asInt(), killed.get(k).asInt(), k);
    }
    assertEquals(landmarks(clean), landmarks(killed), "every face once, with the landmarks of an undisturbed run");
  }

  @Test
  @Order(2)
  void clusterDeployModeRunsTheDriverOnAWorkerAndReportsFailure() throws Exception {
    Path local = dir.resolve("data-mean");
    SyntheticFaces.writeW300Layout(local, Map.of("afw", 10, "lfpw/testset", 4), 7L, SyntheticFaces.Options.defaults());
    put(local, "/mean");
    assertEquals(0, submit("cluster-mode", "cluster", List.of("pipeline", "--data", root + "/mean", "--out",
        root + "/runs/cluster-mode", "--model", "mean")));
    assertEquals(4, json(root + "/runs/cluster-mode/report/report.json").at("/subsets/common/faces").asInt());
    // a job that fails on the cluster makes spark-submit fail too
    assertNotEquals(0, submit("cluster-mode-fails", "cluster", List.of("evaluate", "--prepared",
        root + "/runs/cluster-mode/prepared", "--model", root + "/no/such/model", "--out", root + "/runs/x")));
  }
}

package org.facealign.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.facealign.data.SyntheticFaces;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The product on a real standalone cluster (a master and two workers on 127.0.0.1, executors in JVMs of their
 * own) and a real HDFS, every job submitted through {@code submit/cluster.sh} and spark-submit, every path an
 * {@code hdfs://} URI: prepare, DeepReg training with two parameter-averaging workers on two executors,
 * evaluation and labelling; cluster deploy mode; an executor killed while labelling.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Duration JOB_TIMEOUT = Duration.ofMinutes(8);
  /** A small DeepReg: 2 stages, 2 SIFT cells, 2 epochs, 2 parameter-averaging workers. */
  static final List<String> SMALL_DEEPREG = List.of("-D", "features.sift-cells=2", "-D", "features.patch-sizes=[32, 16]",
      "-D", "deepreg.stages=2", "-D", "deepreg.starts=2", "-D", "deepreg.validation-faces=10", "-D", "deepreg.epochs=2",
      "-D", "deepreg.batch=16", "-D", "deepreg.workers=2", "-D", "deepreg.table1=false");

  @TempDir static Path dir;
  static MiniDFSCluster hdfs;
  static FileSystem fs;
  static String root;
  static StandaloneCluster cluster;
  static Path home;

  @BeforeAll
  static void start() throws Exception {
    home = Path.of(System.getProperty("facealign.home", ".")).toAbsolutePath().normalize();
    Configuration conf = new Configuration();
    conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, dir.resolve("hdfs").toString());
    conf.set("dfs.namenode.rpc-bind-host", "127.0.0.1");
    hdfs = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
    hdfs.waitActive();
    fs = hdfs.getFileSystem();
    root = fs.getUri().toString();
    cluster = StandaloneCluster.start(home, Files.createDirectories(dir.resolve("cluster")), 2, 2, "3g");
  }

  @AfterAll
  static void stop() throws IOException {
    if (cluster != null) {
      cluster.close();
    }
    if (hdfs != null) {
      hdfs.shutdown();
    }
  }

  /** Settings for a 2-core, few-GB machine: one core and 1 GB of heap per executor, 2 executors. */
  static Map<String, String> env(String deployMode) {
    return Map.of("DEPLOY_MODE", deployMode, "EXECUTOR_CORES", "1", "TOTAL_CORES", "2", "EXECUTOR_MEMORY", "1g",
        "EXECUTOR_OFFHEAP", "1G", "DRIVER_MEMORY", "1500m", "DRIVER_OFFHEAP", "1G",
        "SPARK_CONF", "spark.ui.enabled=false\nspark.task.maxFailures=4");
  }

  static int submit(String name, String deployMode, List<String> args) throws Exception {
    long t0 = System.nanoTime();
    StandaloneCluster.Submission s = cluster.submit(dir.resolve(name + ".log"), env(deployMode), args);
    int code = s.await(JOB_TIMEOUT);
    System.out.printf("== %s: exit %d in %.1f s%n%s%n", name, code, (System.nanoTime() - t0) / 1e9, s.tail());
    return code;
  }

  static JsonNode json(String hdfsPath) throws IOException {
    try (var in = fs.open(new org.apache.hadoop.fs.Path(hdfsPath))) {
      return JSON.readTree(in);
    }
  }

  static List<Path> images(String part, int n) throws IOException {
    Path w300 = Path.of(System.getProperty("facealign.test.data")).toAbsolutePath().normalize();
    try (var f = Files.list(w300.resolve(part))) {
      return f.filter(p -> p.toString().endsWith(".jpg")).sorted().limit(n).toList();
    }
  }

  static void put(Path local, String hdfsPath) throws IOException {
    fs.copyFromLocalFile(new org.apache.hadoop.fs.Path(local.toString()), new org.apache.hadoop.fs.Path(hdfsPath));
  }

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
    String app = s.applicationId().orElseThrow();
    List<ProcessHandle> executors = cluster.executors().stream()
        .filter(h -> h.info().commandLine().orElse("").contains(app)).toList();
    assertEquals(2, executors.size(), "two executors of " + app + ", one per worker");
    assertTrue(executors.get(0).destroyForcibly(), "SIGKILL to one executor JVM");
    long killedAt = System.nanoTime();
    assertEquals(0, s.await(JOB_TIMEOUT), s.tail());
    System.out.printf("== label with an executor killed: %.1f s, %.1f s after the kill%n",
        (System.nanoTime() - t0) / 1e9, (System.nanoTime() - killedAt) / 1e9);
    assertTrue(s.output().contains("Lost executor") || s.output().contains("lost executor")
        || s.output().contains("ExecutorLost") || s.output().contains("removed"), "Spark saw the executor go");
    JsonNode killed = json(root + "/runs/killed/summary.json");
    assertEquals(240, killed.get("images_in").asInt());
    assertEquals(0, killed.get("failed").asInt(), killed.toString());

    long c0 = System.nanoTime();
    assertEquals(0, submit("label-clean", "client", List.of("label", "--model", model, "--input",
        root + "/archive-big", "--out", root + "/runs/clean", "-D", "label.chunk-images=40",
        "-D", "label.images-per-task=4")));
    System.out.printf("== label, clean run: %.1f s%n", (System.nanoTime() - c0) / 1e9);
    JsonNode clean = json(root + "/runs/clean/summary.json");
    for (String k : List.of("images_in", "images_with_faces", "faces_out", "no_face", "failed")) {
      assertEquals(clean.get(k).asInt(), killed.get(k).asInt(), k);
    }
    assertEquals(landmarks(clean), landmarks(killed), "every face once, with the landmarks of the clean run");
  }

  /** Each face's landmarks by (file, face index), rounded to 1/1000 px. */
  static Map<String, List<Long>> landmarks(JsonNode summary) {
    SparkSession spark = SparkSession.builder().master("local[1]").appName("read").getOrCreate();
    List<String> dirs = new ArrayList<>();
    summary.get("faces").forEach(n -> dirs.add(n.asText()));
    Map<String, List<Long>> out = new TreeMap<>();
    for (Row r : spark.read().parquet(dirs.toArray(String[]::new)).collectAsList()) {
      String path = r.getString(r.fieldIndex("path"));
      String key = path.substring(path.lastIndexOf('/') + 1) + "#" + r.get(r.fieldIndex("face_index"));
      List<Long> pts = new ArrayList<>();
      for (Object v : r.getList(r.fieldIndex("landmarks"))) {
        pts.add(Math.round(((Number) v).doubleValue() * 1000));
      }
      assertFalse(out.containsKey(key), "one row per face: " + key);
      out.put(key, pts);
    }
    return out;
  }

  @Test
  @Order(2)
  void clusterDeployModeRunsTheDriverOnAWorkerAndReportsFailure() throws Exception {
    Path local = dir.resolve("data-mean");
    SyntheticFaces.writeW300Layout(local, Map.of("afw", 10, "lfpw/testset", 4), 7L, SyntheticFaces.Options.defaults());
    put(local, "/mean");
    assertEquals(0, submit("cluster-mode", "cluster", List.of("pipeline", "--data", root + "/mean", "--out",
        root + "/runs/cluster-mode", "--model", "mean")));
    assertEquals(4, json(root + "/runs/cluster-mode/report.json").at("/subsets/common/faces").asInt());
    // a job that fails on the cluster makes spark-submit fail too
    assertNotEquals(0, submit("cluster-mode-fails", "cluster", List.of("evaluate", "--prepared",
        root + "/runs/cluster-mode/prepared", "--model", root + "/no/such/model", "--out", root + "/runs/x")));
  }
}

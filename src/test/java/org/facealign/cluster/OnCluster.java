package org.facealign.cluster;

import static org.junit.jupiter.api.Assertions.assertFalse;

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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * Base of the tests on a real cluster: an HDFS (MiniDFSCluster, in this JVM) and a standalone Spark cluster of
 * two workers ({@link StandaloneCluster}, separate JVMs) on 127.0.0.1 for the test class, stopped after it.
 */
abstract class OnCluster {
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
    // a client closing a file first waits 400 ms for the block to be reported: with one local datanode that
    // wait is most of a small file's cost
    conf.set("dfs.client.block.write.locateFollowingBlock.initial.delay.ms", "20");
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
        "SPARK_CONF", "spark.ui.enabled=false\nspark.task.maxFailures=4\n"
            + "spark.hadoop.dfs.client.block.write.locateFollowingBlock.initial.delay.ms=20");
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

}

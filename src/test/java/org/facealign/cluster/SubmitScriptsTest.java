package org.facealign.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command lines the submit scripts build (their --dry-run), for each kind of cluster and deploy mode. */
class SubmitScriptsTest {
  static final Path HOME = Path.of("").toAbsolutePath();

  /** The script's exit code and, when 0, the arguments of the command it would run. */
  record DryRun(int code, List<String> args, String err) {
    /** The value following {@code flag}. */
    String after(String flag) {
      int i = args.indexOf(flag);
      assertTrue(i >= 0 && i + 1 < args.size(), flag + " in " + args);
      return args.get(i + 1);
    }

    /** The value of a {@code --conf key=value}. */
    String conf(String key) {
      for (int i = 0; i + 1 < args.size(); i++) {
        if (args.get(i).equals("--conf") && args.get(i + 1).startsWith(key + "=")) {
          return args.get(i + 1).substring(key.length() + 1);
        }
      }
      return null;
    }

    /** The subcommand and its arguments: what follows the job jar. */
    List<String> job() {
      int i = args.indexOf(HOME.resolve("target/facealign-job.jar").toString());
      assertTrue(i >= 0, args.toString());
      return args.subList(i + 1, args.size());
    }
  }

  static DryRun dryRun(String script, Map<String, String> env, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("bash", HOME.resolve("submit/" + script).toString(), "--dry-run"));
    cmd.addAll(Arrays.asList(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(HOME.toFile());
    for (String k : List.of("MASTER", "DEPLOY_MODE", "SPARK_HOME", "SPARK_CONF", "EXECUTORS", "EXECUTOR_CORES",
        "EXECUTOR_MEMORY", "EXECUTOR_OFFHEAP", "EXECUTOR_OVERHEAD", "DRIVER_MEMORY", "DRIVER_OFFHEAP", "TOTAL_CORES",
        "IMAGE", "EXTRA_FILES", "NAME")) {
      pb.environment().remove(k);
    }
    pb.environment().putAll(env);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    if (p.exitValue() != 0) {
      return new DryRun(p.exitValue(), List.of(), err);
    }
    // the printed line is shell-quoted: let bash split it back into arguments
    Process split = new ProcessBuilder("bash", "-c", "eval \"a=($1)\"; printf '%s\\0' \"${a[@]}\"", "_", out.strip())
        .start();
    String parts = new String(split.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(split.waitFor(30, TimeUnit.SECONDS));
    List<String> list = new ArrayList<>(Arrays.asList(parts.split("\0")));
    return new DryRun(0, list, err);
  }

  static Map<String, String> env(String... kv) {
    Map<String, String> m = new HashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }

  static List<String> opens() throws IOException {
    String env = Files.readString(HOME.resolve("submit/env.sh"));
    List<String> flags = new ArrayList<>();
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("--add-opens=\\S+").matcher(env);
    while (m.find()) {
      flags.add(m.group());
    }
    assertEquals(15, flags.size(), "the module flags Spark 3.5 needs on Java 17");
    return flags;
  }

  @Test
  void standaloneClientMode(@TempDir Path dir) throws Exception {
    Path conf = Files.writeString(dir.resolve("my.conf"), "facealign {}");
    DryRun r = dryRun("cluster.sh", env("MASTER", "spark://10.0.0.1:7077", "EXECUTORS", "3", "EXECUTOR_CORES", "4",
        "EXECUTOR_MEMORY", "8g", "EXECUTOR_OFFHEAP", "4G", "DRIVER_MEMORY", "6g",
        "SPARK_CONF", "spark.hadoop.fs.s3a.endpoint=http://minio:9000\n# a comment\n\nspark.x.opts=-Da=1 -Db=2"),
        "label", "--conf", HOME.relativize(conf).toString(), "--input", "hdfs:///in", "--out", "hdfs:///out");
    assertEquals(0, r.code(), r.err());
    assertEquals("spark://10.0.0.1:7077", r.after("--master"));
    assertEquals("client", r.after("--deploy-mode"));
    assertEquals("facealign-label", r.after("--name"));
    assertEquals("12", r.after("--total-executor-cores"), "standalone: spark.cores.max = executors x cores");
    assertFalse(r.args().contains("--num-executors"), "ignored by a standalone master");
    assertEquals("6g", r.after("--driver-memory"));
    // the container: 8 GB heap + 4 GB of ND4J arrays + 2 GB for native libraries; javacpp bounds the whole process
    assertEquals("6144m", r.conf("spark.executor.memoryOverhead"));
    String exec = r.conf("spark.executor.extraJavaOptions");
    assertTrue(exec.contains("-Dorg.bytedeco.javacpp.maxbytes=4G"), exec);
    assertTrue(exec.contains("-Dorg.bytedeco.javacpp.maxphysicalbytes=14336M"), exec);
    // the Vector API for DeepReg's SIMD kernels, on the executors and (with the module flags) the driver
    assertTrue(exec.contains("--add-modules=jdk.incubator.vector"), exec);
    String driver = r.conf("spark.driver.extraJavaOptions");
    assertTrue(driver.contains("--add-modules=jdk.incubator.vector"), driver);
    for (String flag : opens()) {
      assertTrue(driver.contains(flag), flag);
    }
    assertTrue(driver.contains("-XX:+ExitOnOutOfMemoryError"), "a driver out of heap exits instead of hanging");
    assertTrue(driver.contains("-Dlog4j2.configurationFile=" + HOME.resolve("conf/log4j2.properties")), driver);
    assertEquals("http://minio:9000", r.conf("spark.hadoop.fs.s3a.endpoint"));
    assertEquals("-Da=1 -Db=2", r.conf("spark.x.opts"), "a value with spaces stays one setting");
    assertEquals(List.of("label", "--conf", conf.toString(), "--input", "hdfs:///in", "--out", "hdfs:///out"), r.job(),
        "a relative --conf is made absolute");
  }

  @Test
  void standaloneClusterModeWaitsAndRefusesARelativeLocalConf() throws Exception {
    DryRun r = dryRun("cluster.sh", env("MASTER", "spark://h:7077", "DEPLOY_MODE", "cluster"),
        "evaluate", "--conf", "hdfs:///conf/cluster.conf", "--model", "m");
    assertEquals(0, r.code(), r.err());
    assertEquals("cluster", r.after("--deploy-mode"));
    assertEquals("true", r.conf("spark.standalone.submit.waitAppCompletion"));
    assertEquals(List.of("evaluate", "--conf", "hdfs:///conf/cluster.conf", "--model", "m"), r.job());
    assertFalse(r.conf("spark.driver.extraJavaOptions").contains("log4j2.configurationFile"),
        "no local path for a driver that runs elsewhere");
    DryRun relative = dryRun("cluster.sh", env("MASTER", "spark://h:7077", "DEPLOY_MODE", "cluster"),
        "evaluate", "--conf", "conf/cluster.conf");
    assertEquals(2, relative.code());
    assertTrue(relative.err().contains("cannot read a relative local path"), relative.err());
  }

  @Test
  void yarnClusterModeShipsTheConfigFile() throws Exception {
    DryRun r = dryRun("cluster.sh", env("MASTER", "yarn", "DEPLOY_MODE", "cluster", "EXECUTORS", "6",
        "EXECUTOR_OVERHEAD", "7g"), "train", "--conf", "conf/cluster.conf", "--prepared", "p", "--out", "o");
    assertEquals(0, r.code(), r.err());
    assertEquals("6", r.after("--num-executors"));
    assertFalse(r.args().contains("--total-executor-cores"));
    assertEquals("7168m", r.conf("spark.executor.memoryOverhead"));
    assertTrue(r.conf("spark.executor.extraJavaOptions").contains("maxphysicalbytes=15360M"), "8g heap + 7g overhead");
    assertEquals(HOME.resolve("conf/cluster.conf").toString(), r.after("--files"));
    assertEquals(List.of("train", "--conf", "cluster.conf", "--prepared", "p", "--out", "o"), r.job(),
        "read from the driver's working directory, where YARN puts shipped files");
  }

  @Test
  void kubernetesNeedsAnImage() throws Exception {
    assertEquals(1, dryRun("cluster.sh", env("MASTER", "k8s://https://api:6443"), "label").code());
    DryRun r = dryRun("cluster.sh", env("MASTER", "k8s://https://api:6443", "IMAGE", "reg/spark:3.5.7"), "label");
    assertEquals(0, r.code(), r.err());
    assertEquals("reg/spark:3.5.7", r.conf("spark.kubernetes.container.image"));
    assertEquals("true", r.conf("spark.kubernetes.submission.waitAppCompletion"));
    assertEquals(2, dryRun("cluster.sh", env("MASTER", "mesos://x"), "label").code());
  }

  @Test
  void gpuExecutorsGetOneGpuAndTheDiscoveryScript() throws Exception {
    DryRun r = dryRun("gpu-example.sh", env("MASTER", "yarn"), "train", "--prepared", "p", "--out", "o");
    assertEquals(0, r.code(), r.err());
    assertEquals("1", r.conf("spark.executor.resource.gpu.amount"));
    assertEquals("1", r.conf("spark.task.resource.gpu.amount"));
    assertEquals("./gpu-discovery.sh", r.conf("spark.executor.resource.gpu.discoveryScript"));
    assertEquals("1", r.after("--executor-cores"));
    assertEquals(HOME.resolve("submit/gpu-discovery.sh").toString(), r.after("--files"));
  }

  @Test
  void localAndNightlyScripts() throws Exception {
    DryRun local = dryRun("local.sh", env("SPARK_CONF", "spark.ui.enabled=false"), "prepare", "--data", "d");
    assertEquals(0, local.code(), local.err());
    assertEquals("local[*]", local.after("--master"));
    assertEquals("false", local.conf("spark.ui.enabled"));
    for (String flag : opens()) {
      assertTrue(local.args().contains(flag), flag);
    }
    DryRun nightly = dryRun("nightly.sh", env("MASTER", "yarn", "DEPLOY_MODE", "cluster"), "--data", "d");
    assertEquals(0, nightly.code(), nightly.err());
    assertEquals("client", nightly.after("--deploy-mode"), "a scheduler needs the job's own exit code");
    assertEquals(List.of("nightly", "--data", "d"), nightly.job());
    assertEquals(2, dryRun("cluster.sh", env("MASTER", "yarn", "SPARK_CONF", "no-equals-sign"), "label").code());
  }

  /**
   * A run starts from its own copy of the job jar: the same copy while the jar is unchanged, a new one after each
   * build (the earlier copy's bytes untouched, as a running job reads them), at most three kept.
   */
  @Test
  void runsStartFromACopyOfTheJarThatABuildDoesNotRewrite(@TempDir Path dir) throws Exception {
    Files.createDirectories(dir.resolve("submit"));
    Files.createDirectories(dir.resolve("target"));
    Files.copy(HOME.resolve("submit/env.sh"), dir.resolve("submit/env.sh"));
    Path jar = dir.resolve("target/facealign-job.jar");
    List<Path> copies = new ArrayList<>();
    for (int build = 0; build < 5; build++) {
      Files.writeString(jar, "build " + build);
      // each build a second later, as its modification time names the copy
      Files.setLastModifiedTime(jar, java.nio.file.attribute.FileTime.fromMillis(1_700_000_000_000L + 1000L * build));
      Path first = runJar(dir);
      assertEquals(first, runJar(dir), "an unchanged jar is copied once");
      assertEquals("build " + build, Files.readString(first));
      copies.add(first);
    }
    assertEquals(5, copies.stream().distinct().count());
    try (var listed = Files.list(dir.resolve("target/run"))) {
      assertEquals(copies.subList(2, 5).stream().map(Path::getFileName).sorted().toList(),
          listed.map(Path::getFileName).sorted().toList(), "the three newest copies are kept, nothing else");
    }
    assertEquals("build 3", Files.readString(copies.get(3)), "a later build leaves an earlier copy's bytes alone");
  }

  private static Path runJar(Path home) throws Exception {
    Process p = new ProcessBuilder("bash", "-c", "source submit/env.sh && facealign_run_jar && echo \"$FACEALIGN_RUN_JAR\"")
        .directory(home.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), out);
    return Path.of(out);
  }
}

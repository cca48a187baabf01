package org.facealign.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.facealign.cli.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A labelling process killed part-way (SIGKILL, a real process), then run again: the rerun resumes the killed run's
 * chunks, and the dataset has exactly one status row per input, no face twice, nothing missing. Then an incremental
 * run after adding 10 images labels exactly those 10.
 */
class LabelKillTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void aKilledRunIsResumedAndLosesOrDoublesNothing(@TempDir Path dir) throws Exception {
    Path w300 = Path.of(System.getProperty("facealign.test.data")).toAbsolutePath().normalize();
    Path data = Files.createDirectories(dir.resolve("archive"));
    List<Path> sources = new ArrayList<>();
    try (var f = Files.list(w300.resolve("helen/testset"))) {
      f.filter(p -> p.toString().endsWith(".jpg")).sorted().limit(50).forEach(sources::add);
    }
    for (int i = 0; i < 40; i++) {
      Files.copy(sources.get(i), data.resolve(sources.get(i).getFileName()));
    }
    String model = LabelJobTest.meanModel(dir);
    Path out = dir.resolve("labels");
    List<String> args = List.of("label", "--model", model, "--input", data.toString(), "--out", out.toString(),
        "-D", "spark.master=local[1]", "-D", "label.chunk-images=4", "-D", "label.images-per-task=2");

    // 1. a child JVM labels 10 chunks of 4 images; it is killed once a chunk is recorded as done
    Process child = childJvm(args, dir.resolve("child.log"));
    String killedRun = null;
    Instant deadline = Instant.now().plus(Duration.ofMinutes(3));
    try {
      while (killedRun == null && Instant.now().isBefore(deadline) && child.isAlive()) {
        killedRun = doneRun(out);
        if (killedRun == null) {
          Thread.sleep(50);
        }
      }
    } finally {
      child.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
    assertTrue(killedRun != null, "no chunk was recorded before the deadline; child log:\n" + log(dir.resolve("child.log")));
    int doneWhenKilled = JSON.readTree(runFile(out).toFile()).get("done").size();
    assertTrue(doneWhenKilled < 10, "the child finished before it could be killed");
    assertFalse(Files.exists(out.resolve("summary.json")), "a full run commits nothing before its end");
    assertTrue(Files.exists(out.resolve("_lock")), "the killed run left its lock");

    // 2. the same command again: refused while the lock is there, resumed once it is broken
    assertEquals(2, Main.run(args.toArray(String[]::new)));
    List<String> rerun = new ArrayList<>(args);
    rerun.add("--break-lock");
    assertEquals(0, Main.run(rerun.toArray(String[]::new)));
    JsonNode s = JSON.readTree(out.resolve("summary.json").toFile());
    assertEquals(40, s.get("images_in").asInt());
    assertEquals(killedRun, s.at("/last_run/run_id").asText(), "the rerun resumed the killed run");
    SparkSession spark = SparkSession.builder().master("local[1]").appName("check").getOrCreate();
    try {
      List<Row> images = spark.read().parquet(paths(s, "images")).select("path").collectAsList();
      Set<String> paths = new HashSet<>();
      images.forEach(r -> assertTrue(paths.add(r.getString(0)), "one status row per input: " + r.getString(0)));
      assertEquals(40, paths.size(), "nothing missing");
      Set<String> expected = new HashSet<>();
      try (var f = Files.list(data)) {
        f.forEach(p -> expected.add(p.getFileName().toString()));
      }
      Set<String> names = new HashSet<>();
      paths.forEach(p -> names.add(p.substring(p.lastIndexOf('/') + 1)));
      assertEquals(expected, names);
      List<Row> faces = spark.read().parquet(paths(s, "faces")).select("path", "face_index").collectAsList();
      assertEquals(faces.size(), faces.stream().map(r -> r.getString(0) + "#" + r.getInt(1)).distinct().count(),
          "no face twice");
      assertEquals(s.get("faces_out").asInt(), faces.size());
    } finally {
      spark.stop();
    }

    // 3. ten more images, an incremental run: exactly those ten are labelled
    for (int i = 40; i < 50; i++) {
      Files.copy(sources.get(i), data.resolve(sources.get(i).getFileName()));
    }
    List<String> inc = new ArrayList<>(args);
    inc.add("--incremental");
    assertEquals(0, Main.run(inc.toArray(String[]::new)));
    JsonNode s2 = JSON.readTree(out.resolve("summary.json").toFile());
    assertEquals(10, s2.at("/last_run/images_in").asInt());
    assertEquals(40, s2.at("/last_run/skipped_already_labelled").asInt());
    assertEquals(50, s2.get("images_in").asInt());
  }

  /** The id of the staged run once its run.json records at least one chunk, else null. */
  static String doneRun(Path out) {
    try {
      Path f = runFile(out);
      if (f == null) {
        return null;
      }
      JsonNode run = JSON.readTree(f.toFile());
      return run.get("done").size() >= 1 ? run.get("runId").asText() : null;
    } catch (Exception e) {
      return null; // being replaced: try again
    }
  }

  static Path runFile(Path out) throws Exception {
    Path staging = out.resolve("_staging");
    if (!Files.isDirectory(staging)) {
      return null;
    }
    try (var runs = Files.list(staging)) {
      for (Path r : (Iterable<Path>) runs::iterator) {
        if (Files.exists(r.resolve("run.json"))) {
          return r.resolve("run.json");
        }
      }
    }
    return null;
  }

  static String[] paths(JsonNode summary, String table) {
    List<String> p = new ArrayList<>();
    summary.get(table).forEach(n -> p.add(n.asText()));
    return p.toArray(String[]::new);
  }

  /** {@code facealign ARGS} in a new JVM with this one's classpath and module and memory flags. */
  static Process childJvm(List<String> args, Path log) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (a.startsWith("--add-opens") || a.startsWith("--add-modules") || a.startsWith("-Xmx")
          || a.startsWith("-Dorg.bytedeco")
          || a.startsWith("-Djdk.reflect") || a.startsWith("-Dio.netty") || a.startsWith("-Djava.awt")) {
        cmd.add(a);
      }
    }
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(Main.class.getName());
    cmd.addAll(args);
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  static String log(Path p) {
    try {
      String s = Files.readString(p);
      return s.length() > 4000 ? s.substring(s.length() - 4000) : s;
    } catch (Exception e) {
      return "(no log: " + e + ")";
    }
  }
}

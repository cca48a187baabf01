package org.facealign.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * A real Spark standalone cluster on 127.0.0.1: a master and workers, each a JVM of its own started through
 * {@code target/spark-home/bin/spark-class} (the Spark runtime the build assembles), each worker launching
 * its executors (and, in cluster deploy mode, drivers) as further JVMs. Jobs go in the way users submit
 * them, through {@code submit/cluster.sh} and that runtime's {@code spark-submit}.
 *
 * <p>{@link #close()} stops every process it started, descendants first, forcibly if they do not go.
 */
public final class StandaloneCluster implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The facealign project directory (submit/, target/). */
  private final Path home;
  private final Path sparkHome;
  private final Path work;
  private final int masterPort;
  private final int uiPort;
  private Process master;
  private final List<Process> workers = new ArrayList<>();
  private final List<Process> submissions = Collections.synchronizedList(new ArrayList<>());

  private StandaloneCluster(Path home, Path work) throws IOException {
    this.home = home;
    this.sparkHome = home.resolve("target/spark-home");
    this.work = work;
    this.masterPort = freePort();
    this.uiPort = freePort();
  }

  /**
   * Starts a master and {@code workers} workers with {@code cores} cores and {@code memory} of executor memory
   * each, and waits until all have registered.
   *
   * @param home the facealign project directory, built ({@code target/facealign-job.jar}, {@code target/spark-home})
   */
  public static StandaloneCluster start(Path home, Path work, int workers, int cores, String memory)
      throws IOException, InterruptedException {
    StandaloneCluster c = new StandaloneCluster(home, work);
    try {
      c.installBin();
      c.master = c.daemon("master", "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
          "--port", String.valueOf(c.masterPort), "--webui-port", String.valueOf(c.uiPort));
      c.awaitWorkers(0, Duration.ofSeconds(90));
      for (int i = 0; i < workers; i++) {
        c.addWorker(cores, memory);
      }
      c.awaitWorkers(workers, Duration.ofSeconds(120));
      return c;
    } catch (IOException | InterruptedException | RuntimeException e) {
      c.close();
      throw e;
    }
  }

  public String masterUrl() {
    return "spark://127.0.0.1:" + masterPort;
  }

  public Path work() {
    return work;
  }

  /** Starts one more worker; its index in {@link #workers()}. */
  public int addWorker(int cores, String memory) throws IOException {
    int i = workers.size();
    Path dir = Files.createDirectories(work.resolve("worker-" + i));
    workers.add(daemon("worker-" + i, "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1",
        "--port", String.valueOf(freePort()), "--webui-port", String.valueOf(freePort()),
        "--cores", String.valueOf(cores), "--memory", memory, "--work-dir", dir.toString(), masterUrl()));
    return i;
  }

  public List<Process> workers() {
    return List.copyOf(workers);
  }

  /** The executor JVMs alive now, over all workers. */
  public List<ProcessHandle> executors() {
    return descendants(cmd -> cmd.contains("CoarseGrainedExecutorBackend"));
  }

  /**
   * The executor JVMs of application {@code app} whose log shows a task running (they are working, not starting).
   */
  public List<ProcessHandle> busyExecutors(String app) {
    List<ProcessHandle> out = new ArrayList<>();
    for (int i = 0; i < workers.size(); i++) {
      Path appDir = work.resolve("worker-" + i).resolve(app);
      workers.get(i).descendants().filter(ProcessHandle::isAlive).forEach(h -> {
        List<String> args = h.info().arguments().map(List::of).orElse(List.of());
        int k = args.indexOf("--executor-id");
        if (k < 0 || k + 1 >= args.size() || !args.contains(app)) {
          return;
        }
        Path log = appDir.resolve(args.get(k + 1)).resolve("stderr");
        try {
          if (Files.exists(log) && Files.readString(log, StandardCharsets.UTF_8).contains("Running task")) {
            out.add(h);
          }
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    }
    return out;
  }

  /** The driver JVMs that workers started (cluster deploy mode). */
  public List<ProcessHandle> clusterDrivers() {
    return descendants(cmd -> cmd.contains("org.apache.spark.deploy.worker.DriverWrapper"));
  }

  /** Kills a worker JVM and everything it started, as a lost machine would be. */
  public void killWorker(int i) throws InterruptedException {
    Process w = workers.get(i);
    w.descendants().forEach(ProcessHandle::destroyForcibly);
    w.destroyForcibly();
    w.waitFor(30, TimeUnit.SECONDS);
  }

  /** The master's view: its JSON state (workers, applications, drivers). */
  public JsonNode state() throws IOException {
    try (InputStream in = URI.create("http://127.0.0.1:" + uiPort + "/json/").toURL().openStream()) {
      return JSON.readTree(in);
    }
  }

  /**
   * Runs {@code submit/cluster.sh ARGS} against this cluster, its output into {@code log}; the caller waits.
   *
   * @param env settings of the script (DEPLOY_MODE, EXECUTOR_MEMORY, ...) beside MASTER and SPARK_HOME
   */
  public Submission submit(Path log, Map<String, String> env, List<String> args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("bash", home.resolve("submit/cluster.sh").toString()));
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(home.toFile()).redirectErrorStream(true)
        .redirectOutput(log.toFile());
    environment(pb.environment());
    pb.environment().put("MASTER", masterUrl());
    pb.environment().putAll(env);
    Process p = pb.start();
    submissions.add(p);
    return new Submission(p, log);
  }

  /** The process of the newest {@link #submit}: in client mode, the driver JVM itself (the scripts exec it). */
  public Process lastSubmission() {
    synchronized (submissions) {
      return submissions.get(submissions.size() - 1);
    }
  }

  /** A spark-submit under way: its process and its output. */
  public record Submission(Process process, Path log) {

    /** Waits for the end; the exit status. */
    public int await(Duration timeout) throws InterruptedException {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        throw new IllegalStateException("spark-submit did not end within " + timeout + "; its output:\n" + tail());
      }
      return process.exitValue();
    }

    public String output() {
      try {
        return Files.readString(log, StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** The last 60 lines of the output, for failure messages. */
    public String tail() {
      List<String> lines = output().lines().toList();
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    }

    /** Waits until the output holds a line matching {@code regex}; false if the job ended or time ran out first. */
    public boolean awaitOutput(String regex, Duration timeout) throws InterruptedException {
      Pattern p = Pattern.compile(regex);
      long end = System.nanoTime() + timeout.toNanos();
      while (System.nanoTime() < end) {
        if (p.matcher(output()).find()) {
          return true;
        }
        if (!process.isAlive()) {
          return p.matcher(output()).find();
        }
        Thread.sleep(200);
      }
      return false;
    }
  }

  @Override
  public void close() {
    List<Process> all = new ArrayList<>(submissions);
    all.addAll(workers);
    if (master != null) {
      all.add(master);
    }
    for (Process p : all) {
      p.descendants().forEach(ProcessHandle::destroy);
      p.destroy();
    }
    for (Process p : all) {
      try {
        if (!p.waitFor(15, TimeUnit.SECONDS)) {
          p.descendants().forEach(ProcessHandle::destroyForcibly);
          p.destroyForcibly();
          p.waitFor(15, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      p.descendants().forEach(ProcessHandle::destroyForcibly);
    }
  }

  private List<ProcessHandle> descendants(Predicate<String> commandLine) {
    List<ProcessHandle> out = new ArrayList<>();
    for (Process w : workers) {
      w.descendants().filter(ProcessHandle::isAlive)
          .filter(h -> h.info().commandLine().map(commandLine::test).orElse(false)).forEach(out::add);
    }
    return out;
  }

  private Process daemon(String name, String mainClass, String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(sparkHome.resolve("bin/spark-class").toString(), mainClass));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(work.toFile()).redirectErrorStream(true)
        .redirectOutput(work.resolve(name + ".log").toFile());
    environment(pb.environment());
    pb.environment().put("SPARK_DAEMON_MEMORY", "384m");
    return pb.start();
  }

  private void environment(Map<String, String> env) {
    env.put("SPARK_HOME", sparkHome.toString());
    env.put("SPARK_SCALA_VERSION", "2.12");
    env.put("SPARK_LOCAL_IP", "127.0.0.1");
    env.put("SPARK_LOCAL_HOSTNAME", "127.0.0.1");
    env.put("SPARK_CONF_DIR", work.resolve("spark-conf").toString());
    env.put("JAVA_HOME", System.getProperty("java.home"));
  }

  /** bin/spark-class and bin/spark-submit into target/spark-home, and an empty conf directory. */
  private void installBin() throws IOException {
    if (!Files.isDirectory(sparkHome.resolve("jars"))) {
      throw new IllegalStateException(sparkHome + "/jars is missing: run the package phase first");
    }
    Files.createDirectories(work.resolve("spark-conf"));
    Path bin = Files.createDirectories(sparkHome.resolve("bin"));
    for (String script : List.of("spark-class", "spark-submit")) {
      try (InputStream in = StandaloneCluster.class.getResourceAsStream("/spark-home/bin/" + script)) {
        if (in == null) {
          throw new IllegalStateException("test resource spark-home/bin/" + script + " is missing");
        }
        Path tmp = Files.createTempFile(bin, script, ".tmp");
        Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
        if (!tmp.toFile().setExecutable(true, false)) {
          throw new IOException("cannot make " + tmp + " executable");
        }
        Files.move(tmp, bin.resolve(script), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      }
    }
  }

  private void awaitWorkers(int n, Duration timeout) throws IOException, InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    String last = "no answer";
    while (System.nanoTime() < end) {
      if (!master.isAlive()) {
        throw new IllegalStateException("the master died:\n" + logTail("master"));
      }
      for (int i = 0; i < workers.size(); i++) {
        if (!workers.get(i).isAlive()) {
          throw new IllegalStateException("worker " + i + " died:\n" + logTail("worker-" + i));
        }
      }
      try {
        JsonNode s = state();
        last = s.path("aliveworkers").asText() + " alive workers";
        if (s.path("aliveworkers").asInt(-1) >= n) {
          return;
        }
      } catch (IOException e) {
        last = e.toString();
      }
      Thread.sleep(300);
    }
    throw new IllegalStateException("the cluster did not come up with " + n + " workers in " + timeout + " (" + last
        + "); master log:\n" + logTail("master"));
  }

  private String logTail(String name) {
    try {
      List<String> lines = Files.readAllLines(work.resolve(name + ".log"));
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return e.toString();
    }
  }

  /** The environment the daemons and spark-submit run with, for diagnostics. */
  public Map<String, String> environment() {
    Map<String, String> env = new HashMap<>();
    environment(env);
    return env;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}

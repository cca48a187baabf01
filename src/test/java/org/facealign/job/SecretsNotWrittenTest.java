package org.facealign.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;
import org.apache.spark.sql.SparkSession;
import org.facealign.cli.Main;
import org.facealign.config.FacealignConfig;
import org.facealign.config.Secrets;
import org.facealign.data.SyntheticFaces;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Credentials given as Spark settings (on the command line, in a --conf file, as spark-submit's system properties)
 * reach Spark but no file that {@code pipeline}, {@code label} and {@code nightly} write, and no log line or console
 * output of theirs.
 */
class SecretsNotWrittenTest {
  static final String MARKER = "SECRET-MARKER-93f1";

  /** The Spark settings of the runs, every value holding the marker. */
  static String[] secretArgs(Path conf) {
    return new String[] {"--conf", conf.toString(),
        "-D", "spark.master=local[2]",
        "-D", "spark.hadoop.fs.s3a.secret.key=" + MARKER + "-cli",
        "-D", "spark.hadoop.fs.s3a.access.key=AKIA" + MARKER,
        "-D", "facealign.spark.conf.\"spark.ssl.keyStorePassword\"=" + MARKER + "-pw"};
  }

  static Path writeConf(Path dir) throws Exception {
    Files.createDirectories(dir);
    Path conf = dir.resolve("secret.conf");
    Files.writeString(conf, String.join("\n",
        "facealign.spark.conf {",
        "  \"spark.hadoop.fs.s3a.session.token\" = \"" + MARKER + "-token\"",
        "  spark.hadoop.fs.azure.account.key.acct.dfs.core.windows.net = \"" + MARKER + "-azure\"",
        "  \"spark.hadoop.fs.s3a.endpoint\" = \"http://minio.example:9000\"",
        "}",
        // a URI with credentials in a value that is written (the store itself is not used: --no-features)
        "facealign.features.store = \"s3a://AKIA" + MARKER + ":" + MARKER + "@bucket/features\"",
        "facealign.nightly.gated-subsets = [common]",
        ""));
    return conf;
  }

  @Test
  void noSecretInAnyOutputOrLogLine(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("data");
    SyntheticFaces.writeW300Layout(data, Map.of("afw", 40, "lfpw/testset", 12), 5L, SyntheticFaces.Options.defaults());
    Path conf = writeConf(dir.resolve("conf-in").toAbsolutePath());
    Path outputs = dir.resolve("outputs");
    Path out = outputs.resolve("pipeline");
    Path labelled = outputs.resolve("labelled");
    Path registry = outputs.resolve("registry");
    // what spark-submit --conf passes: system properties, read by SparkConf
    Map<String, String> submitted = Map.of(
        "spark.hadoop.fs.gs.auth.service.account.private.key", MARKER + "-gs",
        "spark.hadoop.fs.s3a.bucket.b.secret.key", MARKER + "-submit");

    Capture capture = Capture.start();
    submitted.forEach(System::setProperty);
    try {
      List<String> a = new ArrayList<>(List.of("pipeline", "--data", data.toString(), "--out", out.toString(),
          "--model", "mean", "--no-features"));
      a.addAll(List.of(secretArgs(conf)));
      assertEquals(0, Main.run(a.toArray(String[]::new)), capture.text());

      a = new ArrayList<>(List.of("label", "--model", out.resolve("model").toString(), "--input",
          data.resolve("lfpw/testset").toString(), "--out", labelled.toString(), "--overlays", "2"));
      a.addAll(List.of(secretArgs(conf)));
      assertEquals(0, Main.run(a.toArray(String[]::new)), capture.text());

      a = new ArrayList<>(List.of("nightly", "--data", data.toString(), "--registry", registry.toString()));
      a.addAll(List.of(secretArgs(conf)));
      assertEquals(0, Main.run(a.toArray(String[]::new)), capture.text());

      // the settings do reach Spark
      FacealignConfig cfg = FacealignConfig.load(Files.readString(conf),
          Map.of("spark.hadoop.fs.s3a.secret.key", MARKER + "-cli", "spark.master", "local[1]"));
      SparkSession spark = SparkSessions.create(cfg, "secrets");
      try {
        assertEquals(MARKER + "-cli", spark.sparkContext().hadoopConfiguration().get("fs.s3a.secret.key"));
        assertEquals(MARKER + "-token", spark.sparkContext().hadoopConfiguration().get("fs.s3a.session.token"));
        assertEquals(MARKER + "-gs", spark.conf().get("spark.hadoop.fs.gs.auth.service.account.private.key"));
      } finally {
        spark.stop();
      }
    } finally {
      submitted.keySet().forEach(System::clearProperty);
      capture.stop();
    }

    // every file written: models, config copies, reports, summaries, Parquet, history, version.json, pictures
    List<Path> files;
    try (Stream<Path> s = Files.walk(outputs)) {
      files = s.filter(Files::isRegularFile).toList();
    }
    for (String must : List.of("pipeline/report/config.conf", "pipeline/report/report.json",
        "pipeline/report/report.html",
        "pipeline/prepared/summary.json", "pipeline/prepared/config.conf", "pipeline/model/config.conf",
        "labelled/summary.json", "registry/history.jsonl")) {
      assertTrue(files.contains(outputs.resolve(must)), must + " was written");
    }
    assertTrue(files.stream().anyMatch(f -> f.getFileName().toString().equals("version.json")), "a version was published");
    byte[] marker = MARKER.getBytes(StandardCharsets.UTF_8);
    for (Path f : files) {
      assertFalse(contains(Files.readAllBytes(f), marker), "the secret is written in " + outputs.relativize(f));
    }
    // the configuration copies keep the keys, say the values were redacted, keep the rest
    String saved = Files.readString(out.resolve("report/config.conf"));
    assertTrue(saved.contains("spark.hadoop.fs.s3a.secret.key") && saved.contains(Secrets.REDACTED), saved);
    assertTrue(saved.contains("http://minio.example:9000") && saved.contains("s3a://bucket/features"), saved);
    assertTrue(Files.readString(out.resolve("report/report.json")).contains(Secrets.REDACTED));

    // and no log line or console output
    assertTrue(capture.lines.stream().anyMatch(l -> l.contains("prepare:")), "the log was captured");
    assertTrue(capture.lines.stream().anyMatch(l -> l.contains("nightly:")), "the log was captured");
    for (String line : capture.lines) {
      assertFalse(line.contains(MARKER), "the secret is logged: " + line);
    }
    String console = capture.console.toString(StandardCharsets.UTF_8);
    assertTrue(console.contains("evaluate:") && console.contains("label:"), "the console was captured");
    assertFalse(console.contains(MARKER), "the secret is printed");
  }

  static boolean contains(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }

  /** Every log event (every logger at INFO or finer, Spark's included) and everything printed, while it runs. */
  static final class Capture {
    final List<String> lines = Collections.synchronizedList(new ArrayList<>());
    final ByteArrayOutputStream console = new ByteArrayOutputStream();
    private final Map<LoggerConfig, Level> levels = new HashMap<>();
    private AbstractAppender appender;
    private PrintStream out;
    private PrintStream err;

    static Capture start() {
      Capture c = new Capture();
      LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
      Configuration conf = ctx.getConfiguration();
      c.appender = new AbstractAppender("secrets-capture", null, null, true, Property.EMPTY_ARRAY) {
        @Override
        public void append(LogEvent e) {
          StringBuilder b = new StringBuilder(e.getLoggerName()).append(": ").append(e.getMessage().getFormattedMessage());
          if (e.getThrown() != null) {
            StringWriter w = new StringWriter();
            e.getThrown().printStackTrace(new PrintWriter(w));
            b.append('\n').append(w);
          }
          c.lines.add(b.toString());
        }
      };
      c.appender.start();
      List<LoggerConfig> all = new ArrayList<>(conf.getLoggers().values());
      all.add(conf.getRootLogger());
      for (LoggerConfig l : all) {
        c.levels.put(l, l.getLevel());
        l.setLevel(Level.INFO);
        l.addAppender(c.appender, Level.ALL, null);
      }
      ctx.updateLoggers();
      c.out = System.out;
      c.err = System.err;
      System.setOut(new PrintStream(new Tee(c.out, c.console), true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(new Tee(c.err, c.console), true, StandardCharsets.UTF_8));
      return c;
    }

    String text() {
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    void stop() {
      System.setOut(out);
      System.setErr(err);
      LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
      levels.forEach((l, level) -> {
        l.removeAppender(appender.getName());
        l.setLevel(level);
      });
      ctx.updateLoggers();
      appender.stop();
      // and the test configuration read again: Spark, first started while every level was INFO, left its root
      // logger there, which would make every later test in this JVM log at INFO
      ctx.reconfigure();
    }
  }

  /** Writes to two streams. */
  static final class Tee extends OutputStream {
    private final OutputStream a;
    private final OutputStream b;

    Tee(OutputStream a, OutputStream b) {
      this.a = a;
      this.b = b;
    }

    @Override
    public void write(int c) throws java.io.IOException {
      a.write(c);
      synchronized (b) {
        b.write(c);
      }
    }

    @Override
    public void write(byte[] buf, int off, int len) throws java.io.IOException {
      a.write(buf, off, len);
      synchronized (b) {
        b.write(buf, off, len);
      }
    }

    @Override
    public void flush() throws java.io.IOException {
      a.flush();
    }
  }
}

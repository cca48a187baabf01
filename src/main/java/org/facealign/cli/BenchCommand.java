package org.facealign.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.facealign.config.FacealignConfig;
import org.facealign.data.Storage;
import org.facealign.job.PrepareJob;
import org.facealign.job.PreparedSet;
import org.facealign.job.SparkSessions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Benchmarks that print JSON: long runs kept out of the test suite, reproducible by one command. */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Benchmarks printing JSON. Micro-benchmarks of the feature code: submit/bench-jmh.sh.",
    subcommands = {BenchCommand.Prepare.class})
final class BenchCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    System.err.println("facealign bench: name a benchmark (prepare); see --help");
    return 2;
  }

  @Command(name = "prepare", mixinStandardHelpOptions = true,
      description = "prepare (faces loaded and checked, features computed into a fresh store) at each master; "
          + "prints faces/s, faces/s/core and the speed-up over the first master.")
  static final class Prepare implements Callable<Integer> {
    @Mixin
    SparkCommand.DataOptions input = new SparkCommand.DataOptions();

    @Option(names = "--masters", split = ",", defaultValue = "local[1],local[2]", paramLabel = "M1,M2",
        description = "Spark masters to compare (default: ${DEFAULT-VALUE}).")
    List<String> masters;

    @Option(names = "--repeat", defaultValue = "2", description = "Runs per master; the fastest counts (default: ${DEFAULT-VALUE}).")
    int repeat;

    @Mixin
    Main.ConfigOptions config = new Main.ConfigOptions();

    @Override
    public Integer call() throws Exception {
      FacealignConfig cfg = config.load(Map.of());
      ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
      ObjectNode out = json.createObjectNode();
      out.put("benchmark", "prepare");
      out.put("data", input.data);
      ArrayNode runs = out.putArray("runs");
      double base = 0;
      for (String master : masters) {
        SparkSession spark = SparkSessions.create(cfg, "bench prepare", master);
        try {
          int cores = spark.sparkContext().defaultParallelism();
          double best = Double.MAX_VALUE;
          long faces = 0;
          String features = "";
          for (int i = 0; i < repeat; i++) {
            Path tmp = Files.createTempDirectory("facealign-bench");
            try {
              long t0 = System.nanoTime();
              PreparedSet.Summary s = PrepareJob.run(spark, cfg, Storage.of(spark.sparkContext().hadoopConfiguration()),
                  new PrepareJob.DataSpec(input.data, input.tests), tmp.resolve("prepared").toString(),
                  tmp.resolve("store").toString());
              best = Math.min(best, (System.nanoTime() - t0) / 1e9);
              faces = s.counts().ok();
              features = s.features().toString();
            } finally {
              deleteTree(tmp);
            }
          }
          double perSecond = faces / best;
          if (base == 0) {
            base = perSecond;
          }
          ObjectNode r = runs.addObject();
          r.put("master", master);
          r.put("cores", cores);
          r.put("faces", faces);
          r.put("seconds", best);
          r.put("faces_per_s", perSecond);
          r.put("faces_per_s_per_core", perSecond / cores);
          r.put("speedup", perSecond / base);
          r.put("features", features);
        } finally {
          spark.stop();
        }
      }
      System.out.println(json.writeValueAsString(out));
      return 0;
    }
  }

  static void deleteTree(Path p) throws java.io.IOException {
    try (Stream<Path> s = Files.walk(p)) {
      List<Path> all = new ArrayList<>(s.sorted(Comparator.reverseOrder()).toList());
      for (Path q : all) {
        Files.deleteIfExists(q);
      }
    }
  }
}

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
    subcommands = {BenchCommand.Prepare.class, BenchCommand.Predict.class})
final class BenchCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    System.err.println("facealign bench: name a benchmark (prepare, predict); see --help");
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

  @Command(name = "predict", mixinStandardHelpOptions = true,
      description = "Inference of a saved model on one core: faces decoded beforehand (decode excluded), then "
          + "timed predictions (normalisation, features and regression); prints ms/face and memory as JSON.")
  static final class Predict implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "A saved model directory.")
    String model;

    @Option(names = "--data", required = true, paramLabel = "DIR", description = "A 300-W folder; its common test faces are used.")
    String data;

    @Option(names = "--faces", defaultValue = "200", description = "Faces to time (default: ${DEFAULT-VALUE}).")
    int faces;

    @Option(names = "--repeat", defaultValue = "5", description = "Timed passes over the faces; the fastest counts (default: ${DEFAULT-VALUE}).")
    int repeat;

    @Option(names = "--batch", defaultValue = "1", description = "Faces per call: 1 times single-face latency, more "
        + "the throughput of predictAll as evaluate uses it (default: ${DEFAULT-VALUE}).")
    int batch;

    @Mixin
    Main.ConfigOptions config = new Main.ConfigOptions();

    private void predictAll(org.facealign.model.LandmarkModel m, List<org.facealign.data.GrayImage> images,
        List<org.facealign.data.FaceBox> boxes) {
      int n = Math.max(1, batch);
      for (int i0 = 0; i0 < images.size(); i0 += n) {
        int i1 = Math.min(images.size(), i0 + n);
        m.predictAll(images.subList(i0, i1), boxes.subList(i0, i1));
      }
    }

    @Override
    public Integer call() throws Exception {
      FacealignConfig cfg = config.load(Map.of());
      // one core: ND4J's own thread pools (OpenMP, BLAS) limited to one thread, as OMP_NUM_THREADS=1 would
      org.nd4j.linalg.factory.Nd4j.getExecutioner(); // loads the backend first
      org.nd4j.nativeblas.NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(1);
      Storage st = Storage.of(new org.apache.hadoop.conf.Configuration());
      org.facealign.model.LandmarkModel m = org.facealign.model.ModelStore.load(st, model);
      org.facealign.data.BoxPolicy policy = org.facealign.data.BoxPolicy.parse(m.header().boxPolicy(), m.header().boxMargin());
      List<org.facealign.data.GrayImage> images = new ArrayList<>();
      List<org.facealign.data.FaceBox> boxes = new ArrayList<>();
      {
        org.facealign.data.FaceReader.Limits limits = new org.facealign.data.FaceReader.Limits(cfg.data().maxFileBytes(),
            cfg.data().maxPixels());
        for (org.facealign.data.FaceEntry e : org.facealign.data.W300Layout.discover(st, data).entries()) {
          if (images.size() >= faces) {
            break;
          }
          if (!e.subset().equals("common")) {
            continue;
          }
          org.facealign.data.LoadedFace lf = org.facealign.data.FaceReader.load(e, st, limits, m.header().scheme());
          images.add(lf.image());
          boxes.add(policy.boxFor(lf.face()));
        }
      }
      if (images.isEmpty()) {
        System.err.println("facealign bench predict: no common test faces in " + data);
        return 1;
      }
      predictAll(m, images, boxes); // warm-up
      double best = Double.MAX_VALUE;
      for (int k = 0; k < repeat; k++) {
        long t0 = System.nanoTime();
        predictAll(m, images, boxes);
        best = Math.min(best, (System.nanoTime() - t0) / 1e6 / images.size());
      }
      Runtime rt = Runtime.getRuntime();
      ObjectNode out = new ObjectMapper().createObjectNode();
      out.put("benchmark", "predict");
      out.put("model", model);
      out.put("kind", m.header().kind());
      out.put("faces", images.size());
      out.put("batch", Math.max(1, batch));
      out.put("ms_per_face", best);
      out.put("faces_per_s_one_core", 1000 / best);
      out.put("heap_used_mb", (rt.totalMemory() - rt.freeMemory()) / 1e6);
      out.put("offheap_javacpp_mb", org.bytedeco.javacpp.Pointer.totalBytes() / 1e6);
      System.out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(out));
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

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
    subcommands = {BenchCommand.Prepare.class, BenchCommand.Predict.class, BenchCommand.Label.class,
        BenchCommand.Train.class})
final class BenchCommand implements Callable<Integer> {
  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  @Override
  public Integer call() {
    System.err.println("facealign bench: name a benchmark (prepare, predict, label, train); see --help");
    return 2;
  }

  @Command(name = "prepare", mixinStandardHelpOptions = true,
      description = "prepare (faces loaded and checked, features computed into a fresh store) at each master; "
          + "prints faces/s, faces/s/core and the speed-up over the first master.")
  static final class Prepare implements Callable<Integer> {
    @Mixin
    SparkCommand.DataOptions input = new SparkCommand.DataOptions();

    @Mixin
    Masters masters = new Masters();

    @Mixin
    Main.ConfigOptions config = new Main.ConfigOptions();

    @Override
    public Integer call() throws Exception {
      FacealignConfig cfg = config.load(Map.of());
      ObjectNode out = JSON.createObjectNode();
      out.put("benchmark", "prepare");
      out.put("data", input.data);
      out.set("runs", masters.scaling(cfg, "bench prepare", "faces", (spark, tmp) -> {
        PreparedSet.Summary s = PrepareJob.run(spark, cfg, Storage.of(spark.sparkContext().hadoopConfiguration()),
            new PrepareJob.DataSpec(input.data, input.tests), tmp.resolve("prepared").toString(),
            tmp.resolve("store").toString());
        ObjectNode r = JSON.createObjectNode();
        r.put("faces", s.counts().ok());
        r.put("features", s.features().toString());
        return r;
      }));
      System.out.println(JSON.writeValueAsString(out));
      return 0;
    }
  }

  /** The Spark masters a scaling benchmark compares, and how often each runs. */
  static final class Masters {
    @Option(names = "--masters", split = ",", defaultValue = "local[1],local[2]", paramLabel = "M1,M2",
        description = "Spark masters to compare (default: ${DEFAULT-VALUE}).")
    List<String> masters;

    @Option(names = "--repeat", defaultValue = "2", description = "Runs per master; the fastest counts (default: ${DEFAULT-VALUE}).")
    int repeat;

    /** One timed run in a fresh temporary directory; returns its figures, with the count of {@code unit} done. */
    interface Run {
      ObjectNode run(SparkSession spark, Path tmp) throws Exception;
    }

    /**
     * Each master's fastest run of {@code run}, as rows: master, cores, the run's figures, seconds, UNIT_per_s,
     * UNIT_per_s_per_core and the speed-up over the first master.
     */
    ArrayNode scaling(FacealignConfig cfg, String app, String unit, Run run) throws Exception {
      ArrayNode rows = JSON.createArrayNode();
      double base = 0;
      for (String master : masters) {
        SparkSession spark = SparkSessions.create(cfg, app, master);
        try {
          int cores = spark.sparkContext().defaultParallelism();
          double best = Double.MAX_VALUE;
          ObjectNode bestFigures = null;
          for (int i = 0; i < repeat; i++) {
            Path tmp = Files.createTempDirectory("facealign-bench");
            try {
              long t0 = System.nanoTime();
              ObjectNode figures = run.run(spark, tmp);
              double seconds = (System.nanoTime() - t0) / 1e9;
              if (seconds < best) {
                best = seconds;
                bestFigures = figures;
              }
            } finally {
              deleteTree(tmp);
            }
          }
          double perSecond = bestFigures.path(unit).asDouble() / best;
          if (base == 0) {
            base = perSecond;
          }
          ObjectNode r = rows.addObject();
          r.put("master", master);
          r.put("cores", cores);
          r.setAll(bestFigures);
          r.put("seconds", best);
          r.put(unit + "_per_s", perSecond);
          r.put(unit + "_per_s_per_core", perSecond / cores);
          r.put("speedup", perSecond / base);
        } finally {
          spark.stop();
        }
      }
      return rows;
    }
  }

  @Command(name = "predict", mixinStandardHelpOptions = true,
      description = "Inference of a saved model on one core: faces decoded beforehand (decode excluded), then "
          + "timed predictions (normalisation, features and regression); prints ms/face and memory as JSON.")
  static final class Predict implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "A saved model directory.")
    String model;

    @Option(names = "--data", required = true, paramLabel = "DIR", description = "A 300-W folder.")
    String data;

    @Option(names = "--subset", defaultValue = "common", description = "Its subset whose faces are timed: common, "
        + "challenging, training (for settings chosen by speed, never on test faces) or validation (the training faces "
        + "the model held out, for settings chosen by accuracy) (default: ${DEFAULT-VALUE}).")
    String subset;

    @Option(names = "--faces", defaultValue = "200", description = "Faces to time (default: ${DEFAULT-VALUE}).")
    int faces;

    // 20: the SIMD kernels run slowly until C2 has compiled them, which takes several passes
    @Option(names = "--repeat", defaultValue = "20", description = "Timed passes over the faces; the fastest counts (default: ${DEFAULT-VALUE}).")
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

    /**
     * The mean inter-pupil NME of the timed faces ({@code ip_nme}); with mirror averaging also that of the model alone
     * on the same faces ({@code ip_nme_single}) and the averaging's gain, compared face by face.
     */
    private void accuracy(ObjectNode out, org.facealign.model.LandmarkModel m,
        org.facealign.model.LandmarkModel single, List<org.facealign.data.GrayImage> images,
        List<org.facealign.data.FaceBox> boxes, List<org.facealign.data.Shape> truths) {
      double[] errors = errors(m, images, boxes, truths);
      out.put("ip_nme", java.util.Arrays.stream(errors).average().orElse(Double.NaN));
      out.put("mirror_average", m != single);
      if (m != single) {
        double[] alone = errors(single, images, boxes, truths);
        // alone - averaged: positive when averaging lowers the error
        org.facealign.eval.PairedDifference gain = org.facealign.eval.PairedDifference.of(alone, errors, 2000, 0.95, 1);
        out.put("ip_nme_single", gain.meanA());
        out.put("mirror_gain", gain.difference());
        out.put("mirror_gain_standard_error", gain.standardError());
        out.putArray("mirror_gain_interval95").add(gain.lower()).add(gain.upper());
      }
    }

    private double[] errors(org.facealign.model.LandmarkModel m, List<org.facealign.data.GrayImage> images,
        List<org.facealign.data.FaceBox> boxes, List<org.facealign.data.Shape> truths) {
      double[] e = new double[images.size()];
      int n = Math.max(1, batch);
      for (int i0 = 0; i0 < images.size(); i0 += n) {
        int i1 = Math.min(images.size(), i0 + n);
        List<org.facealign.data.Shape> p = m.predictAll(images.subList(i0, i1), boxes.subList(i0, i1));
        for (int i = i0; i < i1; i++) {
          e[i] = org.facealign.eval.Nme.interPupil(p.get(i - i0), truths.get(i), m.header().scheme());
        }
      }
      return e;
    }

    @Override
    public Integer call() throws Exception {
      FacealignConfig cfg = config.load(Map.of());
      // one core: ND4J's own thread pools (OpenMP, BLAS) limited to one thread, as OMP_NUM_THREADS=1 would
      org.nd4j.linalg.factory.Nd4j.getExecutioner(); // loads the backend first
      org.nd4j.nativeblas.NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(1);
      Storage st = Main.ConfigOptions.storage(cfg);
      org.facealign.model.LandmarkModel single = org.facealign.model.ModelStore.load(st, model);
      org.facealign.model.LandmarkModel m = cfg.inference().apply(single);
      org.facealign.data.BoxPolicy policy = org.facealign.data.BoxPolicy.parse(m.header().boxPolicy(), m.header().boxMargin());
      List<org.facealign.data.GrayImage> images = new ArrayList<>();
      List<org.facealign.data.FaceBox> boxes = new ArrayList<>();
      List<org.facealign.data.Shape> truths = new ArrayList<>();
      {
        org.facealign.data.FaceReader.Limits limits = cfg.data().limits();
        List<org.facealign.data.FaceEntry> entries = org.facealign.data.W300Layout.discover(st, data).entries();
        boolean validation = subset.equals("validation");
        // the subset the model trained on, its faces as the model saw them
        String trainedOn = FacealignConfig.load(m.header().provenance().config(), Map.of()).train().subset();
        List<String> trainIds = entries.stream().filter(e -> e.subset().equals(trainedOn))
            .map(org.facealign.data.FaceEntry::id).toList();
        java.util.Set<String> held = java.util.Set.of();
        if (validation) {
          try {
            held = org.facealign.job.DeepRegJob.validationFaces(m.header(), trainIds);
          } catch (IllegalArgumentException e) {
            System.err.println("facealign bench predict: " + e.getMessage());
            return 1;
          }
          if (trainIds.size() != m.header().provenance().trainingFaces()) {
            // the faces held out are the first of the list by a seeded hash: another list, other faces
            System.err.println("facealign bench predict: warning: " + data + " has " + trainIds.size() + " "
                + trainedOn + " faces, the model trained on " + m.header().provenance().trainingFaces()
                + "; its validation faces may not be these");
          }
        }
        for (org.facealign.data.FaceEntry e : entries) {
          if (images.size() >= faces) {
            break;
          }
          if (validation ? !(e.subset().equals(trainedOn) && held.contains(e.id())) : !e.subset().equals(subset)) {
            continue;
          }
          org.facealign.data.LoadedFace lf = org.facealign.data.FaceReader.load(e, st, limits, m.header().scheme());
          images.add(lf.image());
          boxes.add(policy.boxFor(lf.face()));
          truths.add(lf.face().landmarks());
        }
      }
      if (images.isEmpty()) {
        System.err.println("facealign bench predict: no " + subset + " faces in " + data);
        return 1;
      }
      predictAll(m, images, boxes); // warm-up
      double best = Double.MAX_VALUE;
      double bestCpu = Double.MAX_VALUE;
      java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
      for (int k = 0; k < repeat; k++) {
        long c0 = threads.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        predictAll(m, images, boxes);
        best = Math.min(best, (System.nanoTime() - t0) / 1e6 / images.size());
        bestCpu = Math.min(bestCpu, (threads.getCurrentThreadCpuTime() - c0) / 1e6 / images.size());
      }
      Runtime rt = Runtime.getRuntime();
      ObjectNode out = new ObjectMapper().createObjectNode();
      out.put("benchmark", "predict");
      out.put("model", model);
      out.put("kind", m.header().kind());
      out.put("faces", images.size());
      out.put("batch", Math.max(1, batch));
      // whether the explicit SIMD kernels ran (the JVM had jdk.incubator.vector): the same results, another speed
      out.put("simd", org.facealign.feature.Simd.ENABLED);
      out.put("ms_per_face", best);
      out.put("faces_per_s_one_core", 1000 / best);
      // the thread's CPU time: the same figure on a quiet machine, and less disturbed than the wall time on a busy one
      out.put("cpu_ms_per_face", bestCpu);
      if (single instanceof org.facealign.model.deepreg.DeepRegModel d) {
        // the local layers' rank: 136 at full rank, less when training factored them (deepreg.low-rank)
        out.put("local_rank", d.cascade().numStages() == 0 ? 0 : d.cascade().stages().get(0).rank());
        // faces predictAll aligns together: at most the model's group, whatever --batch hands it
        out.put("group", Math.min(Math.max(1, batch), d.group()));
        // where the time goes: each step timed on its own, in the order (and the groups) predictAll runs them
        // of the model alone, also when ms_per_face is of its mirror averaging (twice the steps, and the window)
        ObjectNode steps = out.putObject("steps_ms_per_face");
        new org.facealign.model.deepreg.PredictionSteps(d.cascade(), Math.min(Math.max(1, batch), d.group()))
            .measure(images, boxes, repeat).forEach(steps::put);
      } else if (single instanceof org.facealign.model.msrrn.MsrrnModel r) {
        ObjectNode steps = out.putObject("steps_ms_per_face");
        new org.facealign.model.msrrn.MsrrnSteps(r, Math.min(Math.max(1, batch),
            org.facealign.model.msrrn.MsrrnModel.BATCH)).measure(images, boxes, repeat).forEach(steps::put);
      }
      accuracy(out, m, single, images, boxes, truths);
      out.put("heap_used_mb", (rt.totalMemory() - rt.freeMemory()) / 1e6);
      out.put("offheap_javacpp_mb", org.bytedeco.javacpp.Pointer.totalBytes() / 1e6);
      System.out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(out));
      return 0;
    }
  }

  @Command(name = "train", mixinStandardHelpOptions = true,
      description = "Training speed: a few epochs of a model's parameter-averaging training (DeepReg's joint phase, "
          + "MSRRN), warm-started from a saved model so that no pre-training runs first, into a temporary directory; "
          + "prints samples/s of each epoch (validation excluded) and the process's CPU seconds for the whole run.")
  static final class Train implements Callable<Integer> {
    @Option(names = "--prepared", required = true, paramLabel = "DIR", description = "A prepared set (from prepare).")
    String prepared;

    @Option(names = "--warm", required = true, paramLabel = "DIR", description = "A saved deepreg or msrrn model to start from.")
    String warm;

    @Option(names = "--epochs", defaultValue = "2", description = "Epochs to time (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--master", defaultValue = "local[*]", description = "Spark master (default: ${DEFAULT-VALUE}).")
    String master;

    @Mixin
    Main.ConfigOptions config = new Main.ConfigOptions();

    @Override
    public Integer call() throws Exception {
      Storage local = Main.ConfigOptions.storage(null);
      org.facealign.model.LandmarkModel start = org.facealign.model.ModelStore.load(local, warm);
      String kind = start.header().kind();
      boolean deepreg = start instanceof org.facealign.model.deepreg.DeepRegModel;
      if (!deepreg && !(start instanceof org.facealign.model.msrrn.MsrrnModel)) {
        System.err.println("facealign bench train: " + warm + " is a " + kind + " model; give a deepreg or msrrn one");
        return 2;
      }
      FacealignConfig cfg = config.load(Map.of("train.model", kind, "deepreg.epochs", Integer.toString(epochs),
          "msrrn.epochs", Integer.toString(epochs), "deepreg.early-stop", Integer.toString(epochs + 1),
          "msrrn.early-stop", Integer.toString(epochs + 1), "deepreg.table1", "false"));
      SparkSession spark = SparkSessions.create(cfg, "bench train", master);
      Path tmp = Files.createTempDirectory("facealign-bench");
      try {
        Storage st = Storage.of(spark.sparkContext().hadoopConfiguration());
        String out = tmp.resolve("model").toString();
        java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        long cpu0 = ((com.sun.management.OperatingSystemMXBean) os).getProcessCpuTime();
        if (start instanceof org.facealign.model.deepreg.DeepRegModel m) {
          org.facealign.job.DeepRegJob.train(spark, cfg, st, prepared, out, false, m.cascade());
        } else {
          org.facealign.job.MsrrnJob.train(spark, cfg, st, prepared, out, false,
              ((org.facealign.model.msrrn.MsrrnModel) start).graph());
        }
        double cpu = (((com.sun.management.OperatingSystemMXBean) os).getProcessCpuTime() - cpu0) / 1e9;
        com.fasterxml.jackson.databind.JsonNode training = JSON.readTree(
            Files.readAllBytes(tmp.resolve("model").resolve(org.facealign.job.DeepRegJob.TRAINING_FILE)));
        ObjectNode o = JSON.createObjectNode();
        o.put("benchmark", "train");
        o.put("kind", kind);
        o.put("prepared", prepared);
        o.put("master", master);
        o.put("cores", spark.sparkContext().defaultParallelism());
        ArrayNode rows = o.putArray("epochs");
        long samples = 0;
        double seconds = 0;
        for (com.fasterxml.jackson.databind.JsonNode e : training.path("epochs")) {
          if (e.path("epoch").asInt() == 0) {
            continue;
          }
          ObjectNode r = rows.addObject();
          r.put("epoch", e.path("epoch").asInt());
          r.put("samples", e.path("samples").asLong());
          r.put("seconds", e.path("seconds").asDouble());
          r.put("samples_per_s", e.path("samples").asLong() / e.path("seconds").asDouble());
          samples += e.path("samples").asLong();
          seconds += e.path("seconds").asDouble();
        }
        o.put("samples_per_s", samples / seconds);
        // the whole run (data loading, validation, statistics included): an upper bound of the training's cost
        o.put("process_cpu_seconds", cpu);
        System.out.println(JSON.writeValueAsString(o));
        return 0;
      } finally {
        spark.stop();
        deleteTree(tmp);
      }
    }
  }

  @Command(name = "label", mixinStandardHelpOptions = true,
      description = "label end to end (list, read, decode, detect, align, write) at each master, ground-truth comparison "
          + "off; prints images/s, images/s/core, the speed-up over the first master and each step's share of the time.")
  static final class Label implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "A saved model directory.")
    String model;

    @Option(names = "--input", required = true, paramLabel = "PATH", description = "Images to label: a folder, glob, list or table (repeatable).")
    List<String> inputs;

    @Mixin
    Masters masters = new Masters();

    @Mixin
    Main.ConfigOptions config = new Main.ConfigOptions();

    @Override
    public Integer call() throws Exception {
      FacealignConfig cfg = config.load(Map.of("label.ground-truth", "false"));
      ObjectNode out = JSON.createObjectNode();
      out.put("benchmark", "label");
      out.put("model", model);
      inputs.forEach(out.putArray("inputs")::add);
      long[] t0 = new long[1];
      out.set("runs", masters.scaling(cfg, "bench label", "images", (spark, tmp) -> {
        t0[0] = System.nanoTime();
        ObjectNode s = org.facealign.job.LabelJob.run(spark, cfg, Storage.of(spark.sparkContext().hadoopConfiguration()),
            new org.facealign.job.LabelJob.Spec(inputs, "auto", tmp.resolve("out").toString(), model, false, 0, false));
        ObjectNode r = JSON.createObjectNode();
        r.put("images", s.path("images_in").asLong());
        r.put("faces", s.path("faces_out").asLong());
        r.set("share", shares(s.path("last_run"), (System.nanoTime() - t0[0]) / 1e9));
        return r;
      }));
      System.out.println(JSON.writeValueAsString(out));
      return 0;
    }

    /**
     * Each step's share of the wall time: list, write and the rest measured on the driver; the labelling phase split
     * by the tasks' own time per step (read, hash, decode, detect, align).
     */
    static ObjectNode shares(com.fasterxml.jackson.databind.JsonNode run, double total) {
      ObjectNode s = new ObjectMapper().createObjectNode();
      com.fasterxml.jackson.databind.JsonNode wall = run.path("wall_seconds");
      com.fasterxml.jackson.databind.JsonNode steps = run.path("task_seconds_by_step");
      double label = wall.path("label").asDouble();
      double stepSum = 0;
      for (String k : org.facealign.label.ImageLabel.STEPS) {
        stepSum += steps.path(k).asDouble();
      }
      s.put("list", wall.path("list").asDouble() / total);
      for (String k : org.facealign.label.ImageLabel.STEPS) {
        if (!k.equals("truth")) {
          s.put(k, stepSum == 0 ? 0 : label / total * steps.path(k).asDouble() / stepSum);
        }
      }
      s.put("write", wall.path("write").asDouble() / total);
      s.put("other", Math.max(0, 1 - (wall.path("list").asDouble() + label + wall.path("write").asDouble()) / total));
      return s;
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

package org.facealign.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.Callable;
import org.facealign.config.Secrets;
import org.facealign.data.DataException;
import org.facealign.data.Storage;
import org.facealign.eval.Comparison;
import org.facealign.eval.FacesCsv;
import org.facealign.eval.PairedDifference;
import org.facealign.eval.Report;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Two evaluations of the same faces compared face by face (no Spark): prints JSON. */
@Command(name = "compare", mixinStandardHelpOptions = true,
    description = {"Compare two evaluations of the same test faces face by face: per subset, the mean IP and IO NME "
        + "of each, the mean per-face difference A - B with its standard error and a bootstrap interval, and how "
        + "many faces each got closer. Prints JSON; differences are fractions, like report.json's errors.",
        "A and B are evaluate (or pipeline) output directories or their faces.csv files, any Hadoop path. Bad rows "
        + "are reported with their file and line and counted; faces only one evaluation has are counted and named."})
final class CompareCommand implements Callable<Integer> {
  /** The largest faces.csv read (about 2.5 million faces). */
  static final long MAX_BYTES = 256L << 20;

  @Parameters(index = "0", paramLabel = "A", description = "The first evaluation (a directory or its faces.csv).")
  String a;

  @Parameters(index = "1", paramLabel = "B", description = "The second evaluation.")
  String b;

  @Option(names = "--samples", defaultValue = "10000", description = "Bootstrap resamples (default ${DEFAULT-VALUE}).")
  int samples;

  @Option(names = "--confidence", defaultValue = "0.95",
      description = "Two-sided coverage of the bootstrap interval (default ${DEFAULT-VALUE}).")
  double confidence;

  @Option(names = "--seed", defaultValue = "1", description = "The bootstrap's seed (default ${DEFAULT-VALUE}).")
  long seed;

  @Override
  public Integer call() throws Exception {
    if (samples < 100 || !(confidence > 0 && confidence < 1)) {
      throw new IllegalArgumentException("--samples must be at least 100 and --confidence in (0, 1)");
    }
    Storage st = Main.ConfigOptions.storage(null);
    String fa = facesCsv(st, a);
    String fb = facesCsv(st, b);
    FacesCsv.Parsed pa = read(st, fa);
    FacesCsv.Parsed pb = read(st, fb);
    Comparison c = Comparison.of(pa.faces(), pb.faces(), samples, confidence, seed);

    ObjectNode out = BenchCommand.JSON.createObjectNode();
    out.put("a", fa);
    out.put("b", fb);
    ObjectNode counts = out.putObject("rows");
    counts.set("a", rowCounts(pa));
    counts.set("b", rowCounts(pb));
    out.put("confidence", confidence);
    out.put("samples", samples);
    out.put("seed", seed);
    ObjectNode subsets = out.putObject("subsets");
    boolean any = false;
    for (Map.Entry<String, Comparison.Subset> e : c.subsets().entrySet()) {
      Comparison.Subset s = e.getValue();
      ObjectNode n = subsets.putObject(e.getKey());
      n.put("faces", s.faces());
      n.put("only_in_a", s.onlyInA());
      n.put("only_in_b", s.onlyInB());
      s.examplesOnlyInA().forEach(n.putArray("examples_only_in_a")::add);
      s.examplesOnlyInB().forEach(n.putArray("examples_only_in_b")::add);
      if (s.ipNme() != null) {
        any = true;
        n.set("ip_nme", difference(s.ipNme()));
        n.set("io_nme", difference(s.ioNme()));
      }
    }
    ArrayNode errors = out.putArray("errors");
    pa.errors().forEach(errors::add);
    pb.errors().forEach(errors::add);
    pa.errors().forEach(System.err::println);
    pb.errors().forEach(System.err::println);
    System.out.println(Secrets.redactText(BenchCommand.JSON.writeValueAsString(out)));
    if (!any) {
      System.err.println("facealign compare: no face is in both evaluations");
      return 1;
    }
    return 0;
  }

  /**
   * {@code path} itself, or the faces.csv of the report it is the directory of, or, for a pipeline's output
   * directory, of its {@code report} directory.
   */
  private static String facesCsv(Storage st, String path) throws java.io.IOException {
    String dir = st.readableDirectory(path);
    if (!st.isDirectory(dir)) {
      return path;
    }
    String pipelineReport = Storage.resolve(dir, PipelineCommand.REPORT);
    if (!st.exists(Storage.resolve(dir, Report.CSV)) && st.exists(pipelineReport)) {
      dir = st.readableDirectory(pipelineReport);
    }
    return Storage.resolve(dir, Report.CSV);
  }

  private static FacesCsv.Parsed read(Storage st, String path) throws java.io.IOException {
    byte[] bytes = st.readBytes(path, MAX_BYTES);
    checkRecorded(st, path, bytes);
    try (Reader r = new InputStreamReader(new java.io.ByteArrayInputStream(bytes), StandardCharsets.UTF_8)) {
      return FacesCsv.read(r, Secrets.redactText(path));
    }
  }

  /**
   * Refuses a {@code faces.csv} that the {@code report.json} beside it does not record (by SHA-256): the files of two
   * evaluations mixed, left by one cut short after writing {@code faces.csv} and before its {@code report.json}.
   * Files without a {@code report.json}, or beside one that records no hashes (earlier releases), are read as they
   * are.
   */
  static void checkRecorded(Storage st, String csvPath, byte[] bytes) throws java.io.IOException {
    org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(csvPath);
    if (p.getParent() == null || !st.exists(Storage.resolve(p.getParent().toString(), Report.JSON))) {
      return;
    }
    String json = Storage.resolve(p.getParent().toString(), Report.JSON);
    JsonNode recorded = BenchCommand.JSON.readTree(st.readBytes(json, 1L << 30)).path(Report.FILES)
        .path(p.getName());
    if (recorded.isTextual() && !recorded.asText().equals(org.facealign.data.Hashes.sha256(bytes))) {
      throw new DataException(Secrets.redactText(csvPath), "not the " + Report.CSV + " that " + Report.JSON
          + " beside it records: the two come from different evaluations (one was cut short); evaluate again");
    }
  }

  private static ObjectNode rowCounts(FacesCsv.Parsed p) {
    ObjectNode n = BenchCommand.JSON.createObjectNode();
    n.put("in", p.rows());
    n.put("ok", p.faces().size());
    n.put("failed", p.rows() - p.faces().size());
    return n;
  }

  private static ObjectNode difference(PairedDifference d) {
    ObjectNode n = BenchCommand.JSON.createObjectNode();
    n.put("a", d.meanA());
    n.put("b", d.meanB());
    n.put("difference", d.difference());
    n.put("standard_error", d.standardError());
    n.putArray("interval").add(d.lower()).add(d.upper());
    n.put("a_better", d.aBetter());
    n.put("b_better", d.bBetter());
    return n;
  }
}

package org.facealign.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The full DeepReg recipe on the 300-W data through the standalone cluster and HDFS, with its figures printed
 * (times, counts, common IP-NME): {@code ./mvnw -B verify -Dit.test=ClusterFullIT -Dfacealign.cluster.full=true}.
 * The default configuration, two parameter-averaging workers on two executors of one core and 3 GB each.
 */
@EnabledIfSystemProperty(named = "facealign.cluster.full", matches = "true")
class ClusterFullIT extends OnCluster {

  static Map<String, String> big() {
    return Map.of("DEPLOY_MODE", "client", "EXECUTOR_CORES", "1", "TOTAL_CORES", "2", "EXECUTOR_MEMORY", "3g",
        "EXECUTOR_OFFHEAP", "3G", "DRIVER_MEMORY", "6g", "DRIVER_OFFHEAP", "4G", "SPARK_CONF",
        "spark.ui.enabled=false\nspark.hadoop.dfs.client.block.write.locateFollowingBlock.initial.delay.ms=20");
  }

  static double run(String name, List<String> args) throws Exception {
    long t0 = System.nanoTime();
    StandaloneCluster.Submission s = cluster.submit(dir.resolve(name + ".log"), big(), args);
    int code = s.await(java.time.Duration.ofHours(2));
    double seconds = (System.nanoTime() - t0) / 1e9;
    System.out.printf("== %s: exit %d in %.1f s%n%s%n", name, code, seconds, s.tail());
    assertEquals(0, code, s.tail());
    return seconds;
  }

  @Test
  void deepregOn300W() throws Exception {
    Path w300 = Path.of(System.getProperty("facealign.test.data")).toAbsolutePath().normalize();
    put(w300, "/300W");
    String out = root + "/full";
    double prepare = run("full-prepare", List.of("prepare", "--data", root + "/300W", "--out", out + "/prepared"));
    double train = run("full-train", List.of("train", "--prepared", out + "/prepared", "--out", out + "/model",
        "--model", "deepreg", "-D", "deepreg.workers=2"));
    double evaluate = run("full-evaluate", List.of("evaluate", "--prepared", out + "/prepared", "--model",
        out + "/model", "--out", out + "/report"));
    double label = run("full-label", List.of("label", "--model", out + "/model", "--input", root + "/300W",
        "--out", out + "/labels"));
    JsonNode report = json(out + "/report/report.json");
    JsonNode summary = json(out + "/labels/summary.json");
    System.out.printf("== full: prepare %.0f s, train %.0f s, evaluate %.0f s, label %.0f s%n", prepare, train,
        evaluate, label);
    System.out.println("== full: counts " + report.path("counts") + "; common " + report.at("/subsets/common")
        + "; challenging " + report.at("/subsets/challenging"));
    System.out.println("== full: label " + summary.path("images_in") + " in, " + summary.path("faces_out")
        + " faces, " + summary.path("no_face") + " no face, " + summary.path("failed") + " failed; ground truth "
        + summary.path("ground_truth"));
  }
}

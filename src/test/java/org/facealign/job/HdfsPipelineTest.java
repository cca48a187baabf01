package org.facealign.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.facealign.cli.Main;
import org.facealign.data.Storage;
import org.facealign.data.SyntheticFaces;
import org.facealign.model.ModelStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pipeline with data and outputs on a real (in-process) HDFS: every path is an hdfs:// URI. */
class HdfsPipelineTest {

  @Test
  void pipelineReadsAndWritesHdfs(@TempDir Path dir) throws Exception {
    Path local = dir.resolve("data");
    SyntheticFaces.writeW300Layout(local, Map.of("afw", 10, "lfpw/testset", 4, "ibug", 2), 11L,
        SyntheticFaces.Options.defaults());
    Configuration conf = new Configuration();
    conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, dir.resolve("hdfs").toString());
    MiniDFSCluster cluster = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
    try {
      cluster.waitActive();
      FileSystem fs = cluster.getFileSystem();
      String root = fs.getUri().toString();
      fs.copyFromLocalFile(new org.apache.hadoop.fs.Path(local.toString()), new org.apache.hadoop.fs.Path("/300W"));
      String out = root + "/runs/one";
      int code = Main.run("pipeline", "--data", root + "/300W", "--out", out, "-D", "spark.master=local[2]");
      assertEquals(0, code);
      Storage st = Storage.of(conf);
      JsonNode r = PipelineTest.JSON.readTree(st.readBytes(out + "/report/report.json", 1 << 24));
      assertEquals(4, r.at("/subsets/common/faces").asInt());
      assertEquals(2, r.at("/subsets/challenging/faces").asInt());
      assertEquals(6, r.at("/counts/ok").asInt());
      assertTrue(r.at("/prepare/data_root").asText().startsWith("hdfs://"), r.at("/prepare/data_root").asText());
      assertEquals(10, ModelStore.load(st, out + "/model").header().provenance().trainingFaces());

      // label with the model on HDFS, images and dataset on HDFS; then an incremental run adds one image
      Path w300 = Path.of(System.getProperty("facealign.test.data"));
      fs.mkdirs(new org.apache.hadoop.fs.Path("/archive"));
      java.util.List<Path> images = new java.util.ArrayList<>();
      try (var f = java.nio.file.Files.list(w300.resolve("lfpw/testset"))) {
        f.filter(x -> x.toString().endsWith(".jpg")).sorted().limit(6).forEach(images::add);
      }
      for (int i = 0; i < 5; i++) {
        fs.copyFromLocalFile(new org.apache.hadoop.fs.Path(images.get(i).toString()),
            new org.apache.hadoop.fs.Path("/archive/" + images.get(i).getFileName()));
      }
      fs.create(new org.apache.hadoop.fs.Path("/archive/empty.png")).close();
      String labels = root + "/labels";
      assertEquals(0, Main.run("label", "--model", out + "/model", "--input", root + "/archive", "--out", labels,
          "-D", "spark.master=local[2]"));
      JsonNode s = PipelineTest.JSON.readTree(st.readBytes(labels + "/summary.json", 1 << 24));
      assertEquals(6, s.get("images_in").asInt());
      assertEquals(1, s.at("/failed_by_reason/decode: empty_file").asInt());
      assertTrue(s.get("faces").get(0).asText().startsWith("hdfs://"), s.get("faces").toString());
      fs.copyFromLocalFile(new org.apache.hadoop.fs.Path(images.get(5).toString()),
          new org.apache.hadoop.fs.Path("/archive/" + images.get(5).getFileName()));
      assertEquals(0, Main.run("label", "--model", out + "/model", "--input", root + "/archive", "--out", labels,
          "--incremental", "-D", "spark.master=local[2]"));
      s = PipelineTest.JSON.readTree(st.readBytes(labels + "/summary.json", 1 << 24));
      assertEquals(1, s.at("/last_run/images_in").asInt());
      assertEquals(7, s.get("images_in").asInt());
      assertTrue(!fs.exists(new org.apache.hadoop.fs.Path("/labels/_lock")), "the lock is released");

      // through WebHDFS, an atomic replacement is a temporary file renamed over the old one by the name node
      String web = "webhdfs://" + org.apache.hadoop.net.NetUtils.getHostPortString(
          cluster.getNameNode().getHttpAddress());
      st.writeAtomically(web + "/pointer/production.json", "{\"v\":1}".getBytes(StandardCharsets.UTF_8));
      st.writeAtomically(web + "/pointer/production.json", "{\"v\":22}".getBytes(StandardCharsets.UTF_8));
      assertEquals("{\"v\":22}", new String(st.readBytes(root + "/pointer/production.json", 100),
          StandardCharsets.UTF_8));
      assertEquals(1, fs.listStatus(new org.apache.hadoop.fs.Path("/pointer")).length, "no temporary file left");
    } finally {
      cluster.shutdown();
    }
  }
}

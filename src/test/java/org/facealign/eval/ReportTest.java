package org.facealign.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.facealign.data.Failure;
import org.junit.jupiter.api.Test;

class ReportTest {

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Instant CREATED = Instant.parse("2024-05-06T07:08:09Z");

  private static final List<FaceResult> COMMON = List.of(
      new FaceResult("lfpw/testset/a", "common", "lfpw/testset/a.png", 0.02, 0.015),
      new FaceResult("helen/testset/b,comma", "common", "helen/testset/b.jpg", 0.06, 0.04));
  private static final List<FaceResult> CHALLENGING = List.of(
      new FaceResult("ibug/c", "challenging", "ibug/c \"quoted\".jpg", 0.10, 0.07));

  private static Report.Builder base() {
    Map<String, Object> model = new LinkedHashMap<>();
    model.put("kind", "mean-shape");
    model.put("path", "hdfs:///models/mean-shape");
    model.put("provenance", Map.of("git", "abc123"));
    return Report.builder()
        .created(CREATED)
        .addSubset("common", COMMON)
        .addSubset("challenging", CHALLENGING)
        .deriveUnion("full", List.of("common", "challenging"))
        .addSubset("extra", List.of())
        .counts(4, 3, 1)
        .failure(new Failure("ibug/d", "challenging", "ibug/d.pts:3", "load",
            "bad point <script>alert(1)</script>", "bad_annotation"))
        .model(model)
        .config("facealign.eval { subsets = [common, challenging] }");
  }

  private static JsonNode json(Report r) throws Exception {
    return MAPPER.readTree(r.render().get("report.json"));
  }

  @Test
  void jsonHasEveryStableKeyWithItsValue() throws Exception {
    JsonNode j = json(base().build());
    assertEquals("2024-05-06T07:08:09Z", j.get("created").asText());
    assertEquals(4, j.at("/counts/in").asLong());
    assertEquals(3, j.at("/counts/ok").asLong());
    assertEquals(1, j.at("/counts/failed").asLong());

    JsonNode common = j.at("/subsets/common");
    assertEquals(2, common.get("faces").asInt());
    assertEquals(0.04, common.get("ip_nme").asDouble(), 1e-12);
    assertEquals(0.0275, common.get("io_nme").asDouble(), 1e-12);
    assertEquals(0.0, common.get("failure_rate_008").asDouble(), 0.0);
    assertEquals(0.5, common.get("auc_008").asDouble(), 1e-12); // (0.06 + 0.02) / 2 / 0.08

    JsonNode chal = j.at("/subsets/challenging");
    assertEquals(1, chal.get("faces").asInt());
    assertEquals(0.10, chal.get("ip_nme").asDouble(), 1e-12);
    assertEquals(1.0, chal.get("failure_rate_008").asDouble(), 0.0);
    assertEquals(0.0, chal.get("auc_008").asDouble(), 0.0);

    JsonNode ip = j.at("/subsets/common/ip");
    assertEquals(2, ip.get("faces").asInt());
    assertEquals(0.04, ip.get("mean").asDouble(), 1e-12);
    assertEquals(0.04, ip.get("median").asDouble(), 1e-12);
    assertEquals(0.0, ip.get("failure_rate_008").asDouble(), 0.0);
    assertEquals(0.0, ip.get("failure_rate_010").asDouble(), 0.0);
    assertEquals(0.5, ip.get("auc_008").asDouble(), 1e-12);
    assertEquals(0.5, ip.get("below_005").asDouble(), 0.0);
    assertEquals(1.0, ip.get("below_010").asDouble(), 0.0);
    JsonNode io = j.at("/subsets/challenging/io");
    assertEquals(0.07, io.get("mean").asDouble(), 1e-12);
    assertEquals(0.125, io.get("auc_008").asDouble(), 1e-12); // (0.08 - 0.07) / 0.08
    assertEquals(0.0, io.get("below_005").asDouble(), 0.0);

    assertEquals("mean-shape", j.at("/model/kind").asText());
    assertEquals("abc123", j.at("/model/provenance/git").asText());
    assertEquals("facealign.eval { subsets = [common, challenging] }", j.get("config").asText());

    JsonNode f = j.get("failures");
    assertEquals(1, f.size());
    assertEquals("ibug/d", f.get(0).get("face_id").asText());
    assertEquals("challenging", f.get(0).get("subset").asText());
    assertEquals("ibug/d.pts:3", f.get(0).get("source").asText());
    assertEquals("load", f.get(0).get("stage").asText());
    assertEquals("bad point <script>alert(1)</script>", f.get(0).get("reason").asText());
    assertEquals("bad_annotation", f.get(0).get("code").asText());
  }

  @Test
  void subsetsKeepInsertionOrder() throws Exception {
    List<String> names = new java.util.ArrayList<>();
    json(base().build()).get("subsets").fieldNames().forEachRemaining(names::add);
    assertEquals(List.of("common", "challenging", "full", "extra"), names);
  }

  @Test
  void fullIsTheUnionOfCommonAndChallenging() throws Exception {
    Report r = base().build();
    List<FaceResult> full = r.subsets().get("full");
    assertEquals(3, full.size());
    assertTrue(full.stream().allMatch(x -> x.subset().equals("full")));
    JsonNode j = json(r).at("/subsets/full");
    assertEquals(3, j.get("faces").asInt());
    assertEquals(0.06, j.get("ip_nme").asDouble(), 1e-12); // (0.02 + 0.06 + 0.10) / 3
    assertEquals(0.125 / 3, j.get("io_nme").asDouble(), 1e-12); // (0.015 + 0.04 + 0.07) / 3
    assertEquals(1.0 / 3, j.get("failure_rate_008").asDouble(), 1e-12);
    assertEquals(1.0 / 3, j.get("auc_008").asDouble(), 1e-12); // (0.06 + 0.02 + 0) / 3 / 0.08
    // the parts keep their own labels
    assertEquals("common", r.subsets().get("common").get(0).subset());
  }

  @Test
  void unionSkipsAbsentPartsAndAddsNothingWhenAllAreAbsent() {
    Report r = Report.builder().counts(2, 2, 0)
        .addSubset("common", COMMON)
        .deriveUnion("full", List.of("common", "challenging"))
        .deriveUnion("nothing", List.of("x", "y"))
        .build();
    assertEquals(List.of("common", "full"), List.copyOf(r.subsets().keySet()));
    assertEquals(2, r.stats("full", Normalisation.INTER_PUPIL).faces());
    assertEquals(0.04, r.stats("full", Normalisation.INTER_PUPIL).mean(), 1e-12);
  }

  @Test
  void unionTakesAFacePresentInSeveralPartsOnce() {
    Report r = Report.builder().counts(2, 2, 0)
        .addSubset("a", COMMON)
        .addSubset("b", COMMON.subList(0, 1))
        .deriveUnion("ab", List.of("a", "b"))
        .build();
    assertEquals(2, r.subsets().get("ab").size());
  }

  @Test
  void emptySubsetHasZeroFacesAndNullMetrics() throws Exception {
    Report r = base().build();
    String text = new String(r.render().get("report.json"), StandardCharsets.UTF_8);
    assertFalse(text.contains("NaN"), text);
    JsonNode extra = MAPPER.readTree(text).at("/subsets/extra");
    assertEquals(0, extra.get("faces").asInt());
    assertTrue(extra.get("ip_nme").isNull());
    assertTrue(extra.get("auc_008").isNull());
    assertEquals(0, extra.at("/io/faces").asInt());
    assertTrue(extra.at("/io/median").isNull());
  }

  @Test
  void countsMustAddUp() {
    var e = assertThrows(IllegalStateException.class, () -> base().counts(5, 3, 1).build());
    assertTrue(e.getMessage().contains("5"), e.getMessage());
    assertThrows(IllegalStateException.class, () -> Report.builder().build());
    assertThrows(IllegalStateException.class, () -> Report.builder().counts(-1, -1, 0).build());
  }

  @Test
  void detailCountsAreWrittenBesideTheCountsInOrder() throws Exception {
    Report r = base().countDetail("prepare_failed", 1).countDetail("prediction_failed", 0).countDetail("predicted_alone", 2)
        .build();
    JsonNode counts = json(r).get("counts");
    List<String> keys = new java.util.ArrayList<>();
    counts.fieldNames().forEachRemaining(keys::add);
    assertEquals(List.of("in", "ok", "failed", "prepare_failed", "prediction_failed", "predicted_alone"), keys);
    assertEquals(1, counts.get("prepare_failed").asLong());
    assertEquals(2, counts.get("predicted_alone").asLong());
    assertEquals(Map.of("prepare_failed", 1L, "prediction_failed", 0L, "predicted_alone", 2L), r.countDetails());
    String html = new String(r.render().get("report.html"), StandardCharsets.UTF_8);
    assertTrue(html.contains("<tr><th>predicted alone</th><td class=\"num\">2</td></tr>"), html);
    // without any, counts hold in, ok and failed only
    assertEquals(3, json(base().build()).get("counts").size());
    for (String bad : List.of("in", "ok", "failed", "Failed", "prepare-failed", "")) {
      assertThrows(IllegalArgumentException.class, () -> base().countDetail(bad, 1), bad);
    }
    assertThrows(IllegalArgumentException.class, () -> base().countDetail("prepare_failed", -1));
  }

  @Test
  void builderRejectsClashes() {
    assertThrows(IllegalArgumentException.class, () -> base().addSubset("common", List.of()));
    assertThrows(IllegalArgumentException.class,
        () -> base().section("counts", MAPPER.createObjectNode()));
    assertThrows(IllegalArgumentException.class, () -> base().figure("ced.png", new byte[1], "x"));
    assertThrows(IllegalArgumentException.class, () -> base().figure("../x.png", new byte[1], "x"));
  }

  @Test
  void fileNamePartsArePlainAndDistinct() {
    String longName = "x".repeat(150);
    Map<String, String> parts = Report.fileNameParts(List.of("hard set", "common", "hard_set", "lists/a:b",
        "häufig", "hard?set", longName, "v1.2-final"));
    assertEquals(List.of("hard set", "common", "hard_set", "lists/a:b", "häufig", "hard?set", longName, "v1.2-final"),
        List.copyOf(parts.keySet()));
    assertEquals("hard_set-2", parts.get("hard set"), "the plain name hard_set keeps its own");
    assertEquals("common", parts.get("common"));
    assertEquals("hard_set", parts.get("hard_set"));
    assertEquals("lists_a_b", parts.get("lists/a:b"));
    assertEquals("h_ufig", parts.get("häufig"));
    assertEquals("hard_set-3", parts.get("hard?set"));
    assertEquals("x".repeat(100), parts.get(longName));
    assertEquals("v1.2-final", parts.get("v1.2-final"));
    // every part makes a figure name the builder takes
    Report.Builder b = base();
    parts.values().forEach(p -> b.figure("worst-" + p + ".png", new byte[1], p));
    assertEquals(8, b.build().figures().size());
  }

  @Test
  void extraSectionsAndFiguresAreRendered() throws Exception {
    JsonNode section = MAPPER.readTree("{\"stages\": [0.08, 0.06, 0.05]}");
    byte[] png = LinePlot.png("Error per stage", "stage", "NME",
        Map.of("full", new double[][] {{0, 1, 2}, {0.08, 0.06, 0.05}}));
    Report r = base().section("per_stage", section).figure("stages.png", png, "Error per stage").build();
    Map<String, byte[]> files = r.render();
    assertEquals(List.of("report.json", "faces.csv", "ced.png", "report.html", "stages.png"),
        List.copyOf(files.keySet()));
    assertEquals(0.06, MAPPER.readTree(files.get("report.json")).at("/per_stage/stages/1").asDouble(), 0.0);
    assertEquals(png.length, files.get("stages.png").length);
    String html = new String(files.get("report.html"), StandardCharsets.UTF_8);
    assertTrue(html.contains("Error per stage (stages.png)"));
    assertTrue(html.contains("per_stage"));
  }

  @Test
  void facesCsvHasOneRowPerFacePerSubsetWithQuoting() {
    String csv = new String(base().build().render().get("faces.csv"), StandardCharsets.UTF_8);
    String[] lines = csv.split("\n");
    assertEquals(1 + 2 + 1 + 3, lines.length); // header, common, challenging, full
    assertEquals("face_id,subset,image,ip_nme,io_nme", lines[0]);
    assertEquals("lfpw/testset/a,common,lfpw/testset/a.png,0.02,0.015", lines[1]);
    assertEquals("\"helen/testset/b,comma\",common,helen/testset/b.jpg,0.06,0.04", lines[2]);
    assertEquals("ibug/c,challenging,\"ibug/c \"\"quoted\"\".jpg\",0.1,0.07", lines[3]);
    assertTrue(lines[6].startsWith("ibug/c,full,"), lines[6]);
  }

  @Test
  void htmlIsSelfContainedAndEscaped() {
    String html = new String(base().build().render().get("report.html"), StandardCharsets.UTF_8);
    for (String s : List.of("common", "challenging", "full", "extra")) {
      assertTrue(html.contains("<td>" + s + "</td>"), s);
    }
    assertTrue(html.contains("<td class=\"num\">4.00</td>"), "common inter-pupil mean in %");
    assertTrue(html.contains("<td class=\"num\">6.00</td>"), "full inter-pupil mean in %");
    assertTrue(html.contains("<td class=\"num\">0.3333</td>"), "full AUC@0.08");
    assertTrue(html.contains("bad point &lt;script&gt;alert(1)&lt;/script&gt;"));
    assertFalse(html.contains("<script>"));
    assertTrue(html.contains("src=\"data:image/png;base64,"));
    assertTrue(html.contains("2024-05-06T07:08:09Z"));
    assertTrue(html.contains("hdfs:///models/mean-shape"));
    assertTrue(html.contains("<pre>facealign.eval { subsets = [common, challenging] }</pre>"));
    assertFalse(html.contains("http://") || html.contains("https://"), "no external assets");
  }

  @Test
  void reportIsImmutable() {
    Report r = base().build();
    assertThrows(UnsupportedOperationException.class, () -> r.subsets().put("x", List.of()));
    assertThrows(UnsupportedOperationException.class, () -> r.subsets().get("common").clear());
    assertThrows(UnsupportedOperationException.class, () -> r.model().put("x", 1));
  }
}

package org.facealign.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.util.List;
import org.junit.jupiter.api.Test;

class FacesCsvTest {

  @Test
  void readsBackWhatTheReportWrites() throws Exception {
    List<FaceResult> faces = List.of(
        new FaceResult("helen/testset/1_1", "common", "data/helen/testset/1_1.jpg", 0.0412345678901234, 0.03),
        new FaceResult("odd, \"name\"", "common", null, 0.0, 1.5e-7),
        new FaceResult("ibug/image_003_1", "challenging", "data/a,b.png", 0.123, 0.0999));
    Report report = Report.builder().counts(3, 3, 0).addSubset("common", faces.subList(0, 2))
        .addSubset("challenging", faces.subList(2, 3)).build();
    FacesCsv.Parsed p = FacesCsv.read(new StringReader(report.facesCsv()), "faces.csv");
    assertEquals(List.of(), p.errors());
    assertEquals(3, p.rows());
    assertEquals(faces, p.faces());
  }

  @Test
  void badRowsAreNamedWithTheirLineAndCountedNotDropped() throws Exception {
    String text = String.join("\n",
        "face_id,subset,image,ip_nme,io_nme",
        "a,common,a.jpg,0.05,0.04",
        "b,common,b.jpg,0.05",
        "c,common,c.jpg,five,0.04",
        "d,common,d.jpg,-0.01,0.04",
        "e,common,e.jpg,NaN,0.04",
        "a,common,a2.jpg,0.06,0.05",
        "a,full,a.jpg,0.05,0.04",
        ",common,x.jpg,0.05,0.04",
        "",
        "f,common,,0.02,0.01") + "\n";
    FacesCsv.Parsed p = FacesCsv.read(new StringReader(text), "s3a://bucket/eval/faces.csv");
    assertEquals(9, p.rows());
    assertEquals(List.of("a", "a", "f"), p.faces().stream().map(FaceResult::faceId).toList());
    assertEquals(0.05, p.faces().get(0).ipNme());
    assertEquals(null, p.faces().get(2).imagePath());
    assertEquals(p.rows(), p.faces().size() + p.errors().size(), "every row is a face or an error");
    List<String> e = p.errors();
    assertEquals("s3a://bucket/eval/faces.csv line 3: 4 fields, not 5", e.get(0));
    assertEquals("s3a://bucket/eval/faces.csv line 4: ip_nme is not a number: 'five'", e.get(1));
    assertTrue(e.get(2).startsWith("s3a://bucket/eval/faces.csv line 5: ip_nme is not a finite non-negative"), e.get(2));
    assertTrue(e.get(3).startsWith("s3a://bucket/eval/faces.csv line 6: ip_nme is not a finite"), e.get(3));
    assertEquals("s3a://bucket/eval/faces.csv line 7: face a appears twice in subset common", e.get(4));
    assertEquals("s3a://bucket/eval/faces.csv line 9: empty face_id", e.get(5));
  }

  @Test
  void anotherFileOrBrokenQuotingIsReportedNotThrown() throws Exception {
    FacesCsv.Parsed other = FacesCsv.read(new StringReader("id,x,y\n1,2,3\n"), "points.csv");
    assertEquals(0, other.rows());
    assertEquals(1, other.errors().size());
    assertTrue(other.errors().get(0).startsWith("points.csv line 1: the header is [id, x, y]"), other.errors().get(0));

    String broken = "face_id,subset,image,ip_nme,io_nme\na,common,a.jpg,0.05,0.04\n\"b,common,b.jpg,0.05,0.04\n";
    FacesCsv.Parsed p = FacesCsv.read(new StringReader(broken), "f.csv");
    assertEquals(1, p.faces().size());
    assertEquals(1, p.errors().size());
    assertTrue(p.errors().get(0).startsWith("f.csv line 3: not CSV from here on"), p.errors().get(0));
    assertEquals(2, p.rows(), "the good row and the one the file stops being CSV at");
    assertEquals(p.rows(), p.faces().size() + p.errors().size(), "every row is a face or an error");
  }
}

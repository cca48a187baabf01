package org.facealign.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PtsFormatTest {
  private static final String SRC = "/data/afw/image_0001.pts";

  @Test
  void readsOneBasedCoordinatesAsZeroBased() {
    Shape s = PtsFormat.parse("version: 1\nn_points: 2\n{\n1 1\n10.5 20\n}\n", SRC, 2);
    assertEquals(2, s.numPoints());
    assertEquals(0.0, s.x(0));
    assertEquals(0.0, s.y(0));
    assertEquals(9.5, s.x(1));
    assertEquals(19.0, s.y(1));
  }

  @Test
  void formatThenParseRoundTrips() {
    Random r = new Random(3);
    double[] xy = new double[136];
    for (int i = 0; i < xy.length; i++) {
      xy[i] = -20 + 700 * r.nextDouble();
    }
    Shape s = Shape.of(xy);
    String text = PtsFormat.format(s);
    assertTrue(text.startsWith("version: 1\nn_points: 68\n{\n"), text.substring(0, 30));
    Shape back = PtsFormat.parse(text, SRC, 68);
    for (int i = 0; i < 68; i++) {
      assertEquals(s.x(i), back.x(i), 1e-6);
      assertEquals(s.y(i), back.y(i), 1e-6);
    }
  }

  @Test
  void toleratesBlankLinesWhitespaceCrlfAndNoVersion() {
    Shape strict = PtsFormat.parse(TestData.pts68(), SRC, 68);
    String messy = "\r\n  n_points:   68  \r\n\r\n {\r\n"
        + String.join("\r\n", Arrays.copyOfRange(TestData.pts68().split("\n"), 3, 71)).replace(" ", " \t  ")
        + "\r\n\r\n}\r\n\r\n";
    assertEquals(strict, PtsFormat.parse(messy, SRC, 68));
    assertEquals(0.5, strict.x(0));
    assertEquals(2.25, strict.y(0));
    assertEquals(67.5, strict.x(67));
    assertEquals(136.25, strict.y(67));
  }

  @Test
  void realFileParses() throws IOException {
    Shape s = PtsFormat.parse(
        Files.readString(TestData.w300().resolve("afw/1051618982_1.pts")), "1051618982_1.pts", 68);
    assertEquals(68, s.numPoints());
    // First line of the file: 169.895177 209.576444; last: 266.413771 311.578962.
    assertEquals(168.895177, s.x(0), 1e-9);
    assertEquals(208.576444, s.y(0), 1e-9);
    assertEquals(265.413771, s.x(67), 1e-9);
    assertEquals(310.578962, s.y(67), 1e-9);
  }

  /** The lines of the valid 68-point file, to mutate. Line k of the file is element k - 1. */
  private static List<String> lines() {
    return new ArrayList<>(Arrays.asList(TestData.pts68().split("\n")));
  }

  private static DataException fails(List<String> lines, int expected) {
    return assertThrows(DataException.class, () -> PtsFormat.parse(String.join("\n", lines) + "\n", SRC, expected));
  }

  private static void assertAt(DataException e, int line, String reasonPart) {
    assertEquals(SRC + ":" + line, e.source(), e.getMessage());
    assertTrue(e.getMessage().startsWith(SRC + ":" + line + ": "), e.getMessage());
    assertTrue(e.reason().contains(reasonPart), e.getMessage());
  }

  @Test
  void sixtySevenPointsUnderNPoints68FailsAtClosingBrace() {
    List<String> l = lines();
    l.remove(40); // a point line; the file now has 67 points and '}' on line 71
    assertAt(fails(l, 68), 71, "found 67 points, n_points says 68");
  }

  @Test
  void nPointsDisagreeingWithSchemeFailsAtThatLine() {
    List<String> l = lines();
    l.set(1, "n_points: 67");
    l.remove(40);
    assertAt(fails(l, 68), 2, "n_points is 67 but the landmark scheme has 68 points");
  }

  @Test
  void morePointsThanNPointsFails() {
    List<String> l = lines();
    l.add(71, "5 5"); // the 69th point, line 72
    assertAt(fails(l, 68), 72, "more points than n_points = 68");
  }

  @Test
  void nanFailsWithLine() {
    List<String> l = lines();
    l.set(13, "NaN 12.0"); // line 14 is point 10
    assertAt(fails(l, 68), 14, "x of point 10 is not a finite number: 'NaN'");
  }

  @Test
  void infinityFailsWithLine() {
    List<String> l = lines();
    l.set(20, "12.0 inf");
    assertAt(fails(l, 68), 21, "y of point 17 is not a finite number: 'inf'");
    l.set(20, "12.0 -Infinity");
    assertAt(fails(l, 68), 21, "not a finite number");
    l.set(20, "12.0 1e400");
    assertAt(fails(l, 68), 21, "out of range");
  }

  @Test
  void missingOpeningBraceFails() {
    List<String> l = lines();
    l.remove(2); // now line 3 is the first point
    assertAt(fails(l, 68), 3, "expected '{' after n_points");
  }

  @Test
  void missingClosingBraceFails() {
    List<String> l = lines();
    l.remove(71); // the file ends with point 68 on line 71
    assertAt(fails(l, 68), 71, "without the '}'");
  }

  @Test
  void nonNumericFails() {
    List<String> l = lines();
    l.set(19, "12.5 abc");
    assertAt(fails(l, 68), 20, "y of point 16 is not a number: 'abc'");
    l.set(19, "0x1p3 4");
    assertAt(fails(l, 68), 20, "x of point 16 is not a number");
  }

  @Test
  void threeValuesOnALineFails() {
    List<String> l = lines();
    l.set(29, "1 2 3");
    assertAt(fails(l, 68), 30, "expected 2 values 'x y' on a point line, found 3");
    l.set(29, "1");
    assertAt(fails(l, 68), 30, "found 1");
  }

  @Test
  void textAfterClosingBraceFails() {
    List<String> l = lines();
    l.add("");
    l.add("junk");
    assertAt(fails(l, 68), 74, "text after the closing '}'");
  }

  @Test
  void headerErrors() {
    assertAt(assertThrows(DataException.class, () -> PtsFormat.parse("", SRC, 68)), 1, "empty file");
    List<String> l = lines();
    l.set(0, "version: 2");
    assertAt(fails(l, 68), 1, "unsupported version '2'");
    l = lines();
    l.set(1, "n_points: many");
    assertAt(fails(l, 68), 2, "n_points is not a positive integer");
    l = lines();
    l.remove(1);
    assertAt(fails(l, 68), 2, "'{' before the n_points line");
  }
}

package org.facealign.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BoxesFileTest {
  private static final String SRC = "ibug/boxes.txt";

  @Test
  void parsesNamesWithSpacesCommentsAndBlankLines() {
    String text = "# image x_min y_min x_max y_max\r\n"
        + "image_003_1.jpg 142.655 126.870 306.274 327.435\r\n"
        + "\r\n"
        + "   # indented comment\n"
        + "image 092  2.jpg\t10 20.5   110 220.25  \n"
        + "image_006.jpg -3.5 1e1 2.5E2 300\n";
    Map<String, FaceBox> m = BoxesFile.parse(text, SRC);
    assertEquals(List.of("image_003_1.jpg", "image 092  2.jpg", "image_006.jpg"), List.copyOf(m.keySet()));
    assertEquals(new FaceBox(142.655, 126.870, 306.274, 327.435), m.get("image_003_1.jpg"));
    assertEquals(new FaceBox(10, 20.5, 110, 220.25), m.get("image 092  2.jpg"));
    assertEquals(new FaceBox(-3.5, 10, 250, 300), m.get("image_006.jpg"));
    assertEquals(100.0, m.get("image 092  2.jpg").width());
    Map<String, BoxesFile.Located> located = BoxesFile.parseLocated(text, SRC);
    assertEquals(List.of(2, 5, 6), located.values().stream().map(BoxesFile.Located::line).toList());
    assertEquals(new FaceBox(10, 20.5, 110, 220.25), located.get("image 092  2.jpg").box());
  }

  private static void failsAt(String text, int line, String reasonPart) {
    DataException e = assertThrows(DataException.class, () -> BoxesFile.parse(text, SRC));
    assertEquals(SRC + ":" + line, e.source(), e.getMessage());
    assertTrue(e.reason().contains(reasonPart), e.getMessage());
  }

  @Test
  void errorsNameTheLine() {
    String ok = "# header\na.jpg 1 2 3 4\n";
    failsAt(ok + "b.jpg 1 2 3\n", 3, "found 4 fields");
    failsAt(ok + "b.jpg\n", 3, "found 1 field");
    failsAt(ok + "b.jpg 1 2 three 4\n", 3, "x_max is not a number: 'three'");
    failsAt(ok + "b.jpg 1 2 3 NaN\n", 3, "y_max is not a finite number");
    failsAt(ok + "b.jpg 5 2 3 4\n", 3, "empty or inverted box for b.jpg");
    failsAt(ok + "b.jpg 1 4 3 4\n", 3, "empty or inverted box");
    failsAt(ok + "\n\na.jpg 1 2 3 5\n", 5, "second box for a.jpg (first on line 2)");
  }

  @Test
  void realIbugBoxes() throws Exception {
    String text = Files.readString(TestData.w300().resolve("ibug/boxes.txt"));
    Map<String, FaceBox> m = BoxesFile.parse(text, SRC);
    assertEquals(4, m.size());
    assertEquals(new FaceBox(134.580, 23.745, 332.890, 242.607), m.get("image_006.jpg"));
  }
}

package org.facealign.data;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the shared 300-W data for tests; a missing data set fails the test rather than skipping it. */
final class TestData {
  private TestData() {}

  /** The 300-W root given by the {@code facealign.test.data} system property (set by surefire). */
  static Path w300() {
    String p = System.getProperty("facealign.test.data");
    assertTrue(p != null && !p.isBlank(), "system property facealign.test.data is not set (surefire sets it)");
    Path root = Path.of(p).toAbsolutePath().normalize();
    assertTrue(Files.isDirectory(root.resolve("afw")), "300-W test data not found at " + root);
    return root;
  }

  /** A valid 68-point .pts text whose point i is (i + 1.5, 2 * i + 3.25) in file coordinates. */
  static String pts68() {
    StringBuilder b = new StringBuilder("version: 1\nn_points: 68\n{\n");
    for (int i = 0; i < 68; i++) {
      b.append(i + 1.5).append(' ').append(2 * i + 3.25).append('\n');
    }
    return b.append("}\n").toString();
  }
}

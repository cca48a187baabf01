package org.facealign.label;

import java.nio.file.Path;

/** The shared 300-W data, for tests of this package. */
final class TestPaths {
  private TestPaths() {}

  static Path w300() {
    return Path.of(System.getProperty("facealign.test.data")).toAbsolutePath().normalize();
  }
}

package org.facealign.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileNotFoundException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading a file: what is missing is "not found", what is there but cannot be read says why. */
class StorageReadTest {
  private static final Storage STORAGE = Storage.local();

  @Test
  void missingTooLargeAndUnreadableAreToldApart(@TempDir Path tmp) throws Exception {
    Path file = tmp.resolve("a.pts");
    Files.write(file, new byte[] {1, 2, 3});
    assertArrayEquals(new byte[] {1, 2, 3}, STORAGE.readBytes(file.toString(), 3));

    DataException large = assertThrows(DataException.class, () -> STORAGE.readBytes(file.toString(), 2));
    assertEquals("file_too_large", large.code());
    assertEquals("file is 3 bytes, more than the limit of 2", large.reason());

    String missing = tmp.resolve("none.pts").toString();
    DataException notFound = assertThrows(DataException.class, () -> STORAGE.readBytes(missing, 100));
    assertEquals("file_not_found", notFound.code());
    assertEquals(missing + ": file not found", notFound.getMessage());

    // a directory where a file is expected is there: a read error that keeps the file system's reason
    Path dir = Files.createDirectories(tmp.resolve("img.jpg"));
    DataException directory = assertThrows(DataException.class, () -> STORAGE.readBytes(dir.toString(), 1 << 20));
    assertEquals("read_error", directory.code());
    assertEquals(dir.toString(), directory.source());
    assertEquals("cannot read: " + dir + " (Is a directory)", directory.reason());
    assertTrue(directory.getCause() instanceof FileNotFoundException, String.valueOf(directory.getCause()));
  }
}

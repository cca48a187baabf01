package org.facealign.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A staged directory takes the place of an old one whole: never the two mixed, nothing left beside them. */
class StorageReplaceTest {

  private static List<String> names(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  /** Directory {@code d}, created, holding {@code model.json} with {@code json}. */
  private static Path withModelJson(Path d, String json) throws IOException {
    Files.createDirectories(d);
    Files.writeString(d.resolve("model.json"), json);
    return d;
  }

  @Test
  void aDurableWriteReplacesAFileWholeOnTheLocalDiskAndElsewhere(@TempDir Path dir) throws IOException {
    Storage local = Storage.local();
    Path f = dir.resolve("a/b/arrays.npy");
    local.writeDurably(f.toString(), new byte[] {1, 2, 3, 4, 5});
    local.writeDurably(f.toString(), new byte[] {9, 8});
    assertEquals(2, Files.size(f), "replaced, not overwritten in place past its new end");
    assertEquals(9, Files.readAllBytes(f)[0]);
    local.syncDirectory(f.getParent().toString());
    Storage other = Storage.of(CheckThenWriteFileSystem.configuration());
    Path g = dir.resolve("c/model.json");
    other.writeDurably(CheckThenWriteFileSystem.SCHEME + "://" + g, new byte[] {7, 7, 7});
    other.syncDirectory(CheckThenWriteFileSystem.SCHEME + "://" + g.getParent());
    assertEquals(3, Files.size(g));
  }

  @Test
  void anAtomicWriteCutShortOnAStoreThatPublishesOnCloseLeavesTheOldFileWhole(@TempDir Path dir) throws IOException {
    // an object store publishes a file when its upload completes: the write goes to the target itself, and a write
    // that fails must not be completed (closing would publish the bytes buffered so far)
    Storage store = Storage.of(PublishOnCloseFileSystem.configuration());
    Path f = dir.resolve("production.json");
    String uri = PublishOnCloseFileSystem.SCHEME + "://" + f;
    byte[] old = "{\"version\":\"v000001\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    store.writeAtomically(uri, old);
    assertArrayEquals(old, Files.readAllBytes(f));
    byte[] big = new byte[1 << 16];
    java.util.Arrays.fill(big, (byte) 'x');
    PublishOnCloseFileSystem.failWritesAfter = 1000;
    try {
      for (boolean abortable : new boolean[] {true, false}) {
        PublishOnCloseFileSystem.abortable = abortable;
        IOException e = assertThrows(IOException.class, () -> store.writeAtomically(uri, big));
        assertTrue(e.getMessage().contains("connection reset"), e.getMessage());
        assertArrayEquals(old, Files.readAllBytes(f), "abortable " + abortable + ": the old file, whole");
      }
    } finally {
      PublishOnCloseFileSystem.failWritesAfter = -1;
      PublishOnCloseFileSystem.abortable = true;
    }
    store.writeAtomically(uri, big);
    assertArrayEquals(big, Files.readAllBytes(f));
  }

  @Test
  void anAtomicWriteCutShortLeavesTheOldFileWholeWhereFilesAreVisibleWhileWritten(@TempDir Path dir)
      throws IOException {
    // a file system whose files are visible while written (as ABFS's, WebHDFS's, or any but an object store that
    // publishes on close): the new content goes to a temporary sibling, renamed over the target once whole
    Storage other = Storage.of(CheckThenWriteFileSystem.configuration());
    Path f = dir.resolve("production.json");
    String uri = CheckThenWriteFileSystem.SCHEME + "://" + f;
    other.writeAtomically(uri, "{\"version\":\"v000001\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    byte[] big = new byte[1 << 16];
    java.util.Arrays.fill(big, (byte) 'x');
    CheckThenWriteFileSystem.failWritesAfter = 1000;
    try {
      assertThrows(IOException.class, () -> other.writeAtomically(uri, big));
    } finally {
      CheckThenWriteFileSystem.failWritesAfter = -1;
    }
    assertEquals("{\"version\":\"v000001\"}", Files.readString(f), "the old file, whole");
    assertEquals(List.of("production.json"), names(dir), "the cut-short temporary file is removed");
    other.writeAtomically(uri, big);
    assertEquals(big.length, Files.size(f));
    assertEquals(List.of("production.json"), names(dir));
  }

  @Test
  void aStagedDirectoryReplacesTheOldOneWhole(@TempDir Path dir) throws IOException {
    Storage st = Storage.local();
    Path target = withModelJson(dir.resolve("model"), "{\"v\":1}");
    Files.writeString(target.resolve("old.npy"), "old");
    Path staged = withModelJson(dir.resolve(".model.tmp-1"), "{\"v\":2}");

    st.replaceDirectory(staged.toString(), target.toString());
    // the new directory, not the new one moved inside the old (what a plain rename onto a directory does)
    assertEquals(List.of("model.json"), names(target));
    assertEquals("{\"v\":2}", Files.readString(target.resolve("model.json")));
    assertEquals(List.of("model"), names(dir), "neither the staged nor the old directory is left beside it");

    // no directory there yet: a plain rename
    Path fresh = dir.resolve("fresh");
    Files.createDirectories(dir.resolve("staged2"));
    Files.writeString(dir.resolve("staged2/a"), "a");
    st.replaceDirectory(dir.resolve("staged2").toString(), fresh.toString());
    assertEquals(List.of("a"), names(fresh));
    assertFalse(Files.exists(dir.resolve("staged2")));

    // a staged directory that is not there: refused, and the target is left where it was
    assertThrows(IOException.class, () -> st.replaceDirectory(dir.resolve("missing").toString(), fresh.toString()));
    assertEquals(List.of("a"), names(fresh));
    assertEquals(List.of("fresh", "model"), names(dir));
  }

  @Test
  void copiesAnInterruptedReplacementLeftAsideAreReadThenCleared(@TempDir Path dir) throws IOException {
    Storage st = Storage.local();
    Path target = dir.resolve("model");
    // a replacement that died between its renames: no target, the previous contents aside
    Path aside = withModelJson(dir.resolve(".model.old-1"), "{\"v\":1}");
    assertEquals(aside.toString(), st.readableDirectory(target.toString()));
    assertEquals(List.of(".model.old-1"), names(dir), "reading renames nothing");
    // an older interrupted copy: the newest is read
    Path older = dir.resolve(".model.old-0");
    Files.createDirectories(older);
    Files.setLastModifiedTime(older, java.nio.file.attribute.FileTime.fromMillis(
        Files.getLastModifiedTime(aside).toMillis() - 60_000));
    assertEquals(aside.toString(), st.readableDirectory(target.toString()));
    // a sibling with another name's prefix is never taken for it
    Files.createDirectories(dir.resolve(".model2.old-9"));

    Path staged = withModelJson(dir.resolve(".model.tmp-2"), "{\"v\":2}");
    st.replaceDirectory(staged.toString(), target.toString());
    assertEquals(target.toString(), st.readableDirectory(target.toString()));
    assertEquals("{\"v\":2}", Files.readString(target.resolve("model.json")));
    assertEquals(List.of(".model2.old-9", "model"), names(dir), "the copies left aside are deleted once replaced");
    // nothing there at all: the target itself, for the caller to report
    assertEquals(dir.resolve("none").toString(), st.readableDirectory(dir.resolve("none").toString()));
  }
}

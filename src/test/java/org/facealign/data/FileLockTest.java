package org.facealign.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.facealign.job.LogCapture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One holder at a time, also where a file's creation is a check and then a write; a lock that cannot be released says so. */
class FileLockTest {

  @AfterEach
  void reset() {
    CheckThenWriteFileSystem.race = null;
    CheckThenWriteFileSystem.failReads = false;
  }

  @Test
  void twoTakersWhoseChecksBothFindNoLockDoNotBothHoldIt(@TempDir Path dir) throws Exception {
    Storage st = Storage.of(CheckThenWriteFileSystem.configuration());
    String lock = CheckThenWriteFileSystem.SCHEME + "://" + dir.resolve("_lock");
    assertFalse(st.createsExclusively(lock));
    assertTrue(Storage.local().createsExclusively(dir.resolve("_lock").toString()));
    CheckThenWriteFileSystem.race = new CyclicBarrier(2);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<FileLock>> takers = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        String purpose = "taker " + i;
        takers.add(pool.submit(() -> FileLock.acquire(st, lock, purpose, false)));
      }
      int held = 0;
      int refused = 0;
      FileLock holder = null;
      for (Future<FileLock> f : takers) {
        try {
          holder = f.get();
          held++;
        } catch (java.util.concurrent.ExecutionException e) {
          assertTrue(e.getCause() instanceof FileLock.HeldException, e.toString());
          assertTrue(e.getCause().getMessage().contains("at the same moment"), e.getCause().getMessage());
          refused++;
        }
      }
      assertEquals(1, held, "exactly one taker holds the lock");
      assertEquals(1, refused);
      CheckThenWriteFileSystem.race = null;
      assertThrows(FileLock.HeldException.class, () -> FileLock.acquire(st, lock, "a third", false));
      holder.close();
      assertFalse(Files.exists(dir.resolve("_lock")), "the holder released it");
      try (FileLock again = FileLock.acquire(st, lock, "after", false)) {
        assertTrue(Files.exists(dir.resolve("_lock")));
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aHolderWhoseLockWasBrokenByAnotherKnowsIt(@TempDir Path dir) throws Exception {
    Storage st = Storage.local();
    String path = dir.resolve("_lock").toString();
    FileLock first = FileLock.acquire(st, path, "first", false);
    first.verify();
    // another host breaks it (--break-lock takes a holder elsewhere at the caller's word) and holds it
    Files.delete(dir.resolve("_lock"));
    FileLock second = FileLock.acquire(st, path, "second", false);
    FileLock.HeldException e = assertThrows(FileLock.HeldException.class, first::verify);
    assertTrue(e.getMessage().contains("second"), e.getMessage());
    first.close();
    assertTrue(Files.exists(dir.resolve("_lock")), "the first holder does not release the second's lock");
    second.verify();
    second.close();
    assertThrows(FileLock.HeldException.class, second::verify);
  }

  @Test
  void aLockThatCannotBeReadAtReleaseIsLoggedAsAnErrorNamingIt(@TempDir Path dir) throws Exception {
    Storage st = Storage.of(CheckThenWriteFileSystem.configuration());
    String lock = CheckThenWriteFileSystem.SCHEME + "://" + dir.resolve("_lock");
    FileLock held = FileLock.acquire(st, lock, "test", false);
    List<String> lines = new ArrayList<>();
    try (LogCapture c = LogCapture.of(FileLock.class, lines)) {
      CheckThenWriteFileSystem.failReads = true;
      held.close();
    }
    assertTrue(Files.exists(dir.resolve("_lock")), "not released");
    assertEquals(1, lines.size(), lines.toString());
    assertTrue(lines.get(0).startsWith("ERROR ") && lines.get(0).contains(lock) && lines.get(0).contains("access denied"),
        lines.get(0));
    // a lock already gone is no error
    CheckThenWriteFileSystem.failReads = false;
    FileLock other = FileLock.acquire(Storage.local(), dir.resolve("_other").toString(), "test", false);
    Files.delete(dir.resolve("_other"));
    lines.clear();
    try (LogCapture c = LogCapture.of(FileLock.class, lines)) {
      other.close();
    }
    assertEquals(List.of(), lines);
  }

  @Test
  void aLockWhoseProcessIdNowNamesALaterProcessIsStaleAndItsOwnHolderIsNot(@TempDir Path dir) throws Exception {
    Storage st = Storage.local();
    String path = dir.resolve("_lock").toString();
    // this JVM's own lock: its holder runs here, so --break-lock refuses it
    FileLock own = FileLock.acquire(st, path, "own", false);
    assertTrue(FileLock.runningHere(st, path));
    assertFalse(FileLock.stale(st, path));
    FileLock.HeldException refused = assertThrows(FileLock.HeldException.class,
        () -> FileLock.acquire(st, path, "breaker", true));
    assertTrue(refused.getMessage().contains("still running on this host"), refused.getMessage());
    own.close();

    // a lock taken before a reboot, whose process id this JVM (started later) has been given since
    java.time.Instant jvmStart = ProcessHandle.current().info().startInstant().orElseThrow();
    String before = jvmStart.minus(java.time.Duration.ofHours(1)).toString();
    Files.writeString(dir.resolve("_lock"), "{\"token\":\"t\",\"owner\":\"someone\",\"host\":\"" + FileLock.host()
        + "\",\"pid\":" + ProcessHandle.current().pid() + ",\"started\":\"" + before + "\",\"purpose\":\"old\"}");
    assertFalse(FileLock.runningHere(st, path));
    assertTrue(FileLock.stale(st, path));
    assertTrue(FileLock.describeHolder(st, path).contains("the lock is stale"), FileLock.describeHolder(st, path));
    try (FileLock taken = FileLock.acquire(st, path, "after the reboot", true)) {
      taken.verify();
    }
    assertFalse(Files.exists(dir.resolve("_lock")));
  }
}

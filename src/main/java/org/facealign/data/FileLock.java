package org.facealign.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

/**
 * A lock on a directory of any Hadoop file system, so that one job at a time writes it: a small JSON file created
 * only if absent ({@link Storage#createExclusively}), holding who took it (user, host, process id, start time,
 * purpose). A second taker fails at once with a {@link HeldException} naming the holder, and saying whether the
 * holder looks gone (same host, process no longer running); a lock is broken only when the caller asks.
 */
public final class FileLock implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Storage storage;
  private final String path;
  private final String token;
  private boolean released;

  private FileLock(Storage storage, String path, String token) {
    this.storage = storage;
    this.path = path;
    this.token = token;
  }

  /** The lock is held by someone else. */
  public static final class HeldException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    HeldException(String message) {
      super(message);
    }
  }

  /**
   * Takes the lock file {@code path}.
   *
   * @param purpose what the lock is taken for (written into it)
   * @param breakExisting remove a lock that is there first, unless its holder is a process still running on this
   *     host (a holder on another host is taken to be gone: the caller says so)
   * @throws HeldException if another holder has it
   */
  public static FileLock acquire(Storage storage, String path, String purpose, boolean breakExisting)
      throws IOException {
    String token = UUID.randomUUID().toString();
    ObjectNode n = JSON.createObjectNode();
    n.put("token", token);
    n.put("owner", System.getProperty("user.name", "?"));
    n.put("host", host());
    n.put("pid", ProcessHandle.current().pid());
    n.put("started", Instant.now().toString());
    n.put("purpose", purpose);
    byte[] bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(n);
    if (storage.createExclusively(path, bytes)) {
      return new FileLock(storage, path, token);
    }
    String holder = describeHolder(storage, path);
    if (breakExisting && runningHere(storage, path)) {
      throw new HeldException(path + " is locked by " + holder + ", which is still running on this host: the lock is"
          + " not broken");
    }
    if (breakExisting) {
      storage.delete(path);
      if (storage.createExclusively(path, bytes)) {
        return new FileLock(storage, path, token);
      }
      holder = describeHolder(storage, path);
    }
    throw new HeldException(path + " is locked by " + holder + "; if that job is gone, rerun with --break-lock");
  }

  /**
   * Takes the lock file {@code path}, waiting up to {@code wait} while another run holds it (for locks held a moment,
   * around a read and a write); a lock whose holder was a process of this host that is gone is broken at once.
   *
   * @throws HeldException if it is still held after {@code wait}, naming the holder
   */
  public static FileLock acquireWaiting(Storage storage, String path, String purpose, Duration wait)
      throws IOException {
    long deadline = System.nanoTime() + wait.toNanos();
    while (true) {
      try {
        return acquire(storage, path, purpose, stale(storage, path));
      } catch (HeldException held) {
        if (System.nanoTime() > deadline) {
          throw new HeldException(path + " is still locked after " + wait.toSeconds() + " s, by "
              + describeHolder(storage, path) + "; if that run is gone, delete " + path);
        }
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("waiting for " + path);
      }
    }
  }

  /**
   * Whether the holder of the lock at {@code path} is a process of this host that is running ({@code TRUE}) or gone
   * ({@code FALSE}); null for a holder on another host, whose liveness cannot be seen from here, a missing or an
   * unreadable lock.
   */
  private static Boolean aliveHere(Storage storage, String path) {
    try {
      return aliveHere(JSON.readTree(storage.readBytes(path, 1 << 16)));
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private static Boolean aliveHere(JsonNode h) {
    if (!host().equals(h.path("host").asText()) || !h.path("pid").isNumber()) {
      return null;
    }
    return ProcessHandle.of(h.path("pid").asLong()).map(ProcessHandle::isAlive).orElse(false);
  }

  /** Whether the lock at {@code path} is held by a process that is running on this host. */
  static boolean runningHere(Storage storage, String path) {
    return Boolean.TRUE.equals(aliveHere(storage, path));
  }

  /** Whether the lock at {@code path} was left by a process of this host that is gone. */
  static boolean stale(Storage storage, String path) {
    return Boolean.FALSE.equals(aliveHere(storage, path));
  }

  /** Who holds the lock at {@code path}, in words, and whether the holder looks gone. */
  static String describeHolder(Storage storage, String path) {
    try {
      JsonNode h = JSON.readTree(storage.readBytes(path, 1 << 16));
      String started = h.path("started").asText("?");
      String age = "";
      try {
        age = " (" + Duration.between(Instant.parse(started), Instant.now()).toSeconds() + " s ago)";
      } catch (RuntimeException e) {
        // an unparsable time: no age
      }
      String stale = Boolean.FALSE.equals(aliveHere(h))
          ? "; that process is no longer running on this host: the lock is stale" : "";
      return h.path("owner").asText("?") + "@" + h.path("host").asText("?") + " pid " + h.path("pid").asText("?")
          + " (" + h.path("purpose").asText("?") + "), taken " + started + age + stale;
    } catch (IOException | RuntimeException e) {
      return "an unreadable holder (" + e.getMessage() + ")";
    }
  }

  static String host() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return ManagementFactory.getRuntimeMXBean().getName();
    }
  }

  /** Releases the lock if it is still this holder's. */
  @Override
  public void close() throws IOException {
    if (released) {
      return;
    }
    released = true;
    try {
      JsonNode h = JSON.readTree(storage.readBytes(path, 1 << 16));
      if (token.equals(h.path("token").asText())) {
        storage.delete(path);
      }
    } catch (DataException e) {
      // already gone
    }
  }
}

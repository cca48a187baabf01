package org.facealign.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * A lock on a directory of any Hadoop file system, so that one job at a time writes it: a small JSON file created
 * only if absent ({@link Storage#createExclusively}), holding who took it (user, host, process id, start time,
 * purpose, a token of its own). A second taker fails at once with a {@link HeldException} naming the holder, and
 * saying whether the holder looks gone (same host, process no longer running); a lock is broken only when the caller
 * asks.
 *
 * <p>Where creating a file only if absent is a check and then a write ({@link Storage#createsExclusively} false:
 * object stores), two takers starting together can both write the file, the later write replacing the earlier. So
 * there a taker waits {@link #SETTLE} after its write and reads the file back: only the taker whose token is in it
 * holds the lock, the other fails as if it had found it held. That closes the race for takers whose check and write
 * lie less than {@link #SETTLE} apart (a small file's write follows its check by milliseconds), not for a process
 * paused longer between the two.
 */
public final class FileLock implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(FileLock.class);
  /** How long a taker waits before reading its lock back where its creation is not atomic. */
  static final Duration SETTLE = Duration.ofSeconds(2);

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
      return settled(storage, path, token);
    }
    String holder = describeHolder(storage, path);
    if (breakExisting && runningHere(storage, path)) {
      throw new HeldException(path + " is locked by " + holder + ", which is still running on this host: the lock is"
          + " not broken");
    }
    if (breakExisting) {
      storage.delete(path);
      if (storage.createExclusively(path, bytes)) {
        return settled(storage, path, token);
      }
      holder = describeHolder(storage, path);
    }
    throw new HeldException(path + " is locked by " + holder + "; if that job is gone, rerun with --break-lock");
  }

  /**
   * The lock just written to {@code path} with {@code token}, once it is certain to be this taker's: at once where the
   * file system creates it atomically, else after {@link #SETTLE} and a read that finds the token still there.
   *
   * @throws HeldException if another taker's write replaced this one's (or the file is gone: broken by another)
   */
  private static FileLock settled(Storage storage, String path, String token) throws IOException {
    if (storage.createsExclusively(path)) {
      return new FileLock(storage, path, token);
    }
    try {
      Thread.sleep(SETTLE.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("taking " + path);
    }
    if (token.equals(tokenAt(storage, path))) {
      return new FileLock(storage, path, token);
    }
    throw new HeldException(path + " was taken at the same moment by " + describeHolder(storage, path)
        + " (on this file system a lock's creation is a check and then a write, and that taker's write came last)");
  }

  /** The token of the lock file at {@code path}, null if there is none. */
  private static String tokenAt(Storage storage, String path) throws IOException {
    try {
      return JSON.readTree(storage.readBytes(path, 1 << 16)).path("token").asText();
    } catch (DataException e) {
      if (!NOT_FOUND.equals(e.code())) {
        throw new IOException("cannot read the lock " + path + ": " + e.getMessage(), e);
      }
      return null;
    }
  }

  /** {@link DataException#code()} of a file that is not there. */
  private static final String NOT_FOUND = "file_not_found";

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
    Optional<ProcessHandle> p = ProcessHandle.of(h.path("pid").asLong()).filter(ProcessHandle::isAlive);
    if (p.isEmpty()) {
      return false;
    }
    // a process id is given again once its process is gone (after a reboot, or in a container whose driver always
    // gets the same small one): a process that started after the lock was taken is not its holder
    Optional<Instant> processStart = p.get().info().startInstant();
    try {
      Instant taken = Instant.parse(h.path("started").asText());
      return processStart.isEmpty() || !processStart.get().isAfter(taken.plus(START_SLACK));
    } catch (java.time.format.DateTimeParseException e) {
      return true;
    }
  }

  /** How much later than a lock's time its holder's start may be reported (clocks' and the kernel's rounding). */
  private static final Duration START_SLACK = Duration.ofSeconds(1);

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

  /**
   * Checks that the lock is still this holder's, before a step that must not be taken by a holder whose lock was
   * broken by another run ({@code --break-lock} from elsewhere) while it worked.
   *
   * @throws HeldException if the lock file is gone or names another holder
   */
  public void verify() throws IOException {
    String found = tokenAt(storage, path);
    if (released || !token.equals(found)) {
      throw new HeldException(path + " is no longer this run's: " + (found == null ? "it was removed"
          : "it was taken by " + describeHolder(storage, path)) + " while this run held it");
    }
  }

  /**
   * Releases the lock if it is still this holder's. A lock that cannot be read or deleted (permissions, a file
   * system failing) is logged as an error naming it, for a person to delete: the work done under it stands, so the
   * failure is not thrown over it, but the next taker will find the lock held.
   */
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
      if (!NOT_FOUND.equals(e.code())) {
        LOG.error("the lock {} could not be released ({}): delete it once no run holds it, or take it with "
            + "--break-lock", path, e.getMessage());
      }
    } catch (IOException | RuntimeException e) {
      LOG.error("the lock {} could not be released ({}): delete it once no run holds it, or take it with "
          + "--break-lock", path, e.toString());
    }
  }
}

package org.facealign.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.StreamCapabilities;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Progressable;

/**
 * A local folder seen as an object store that publishes a file when its upload completes, as S3A and GCS do: under
 * the scheme {@code gs} (which {@link Storage} treats as such a store), a file written is buffered and appears whole
 * on {@code close()}, whatever was written; {@code abort()} discards it. {@link #failWritesAfter} cuts a write short.
 */
public final class PublishOnCloseFileSystem extends LocalDiskFileSystem {
  public static final String SCHEME = "gs";
  /** When not negative, the bytes a written file may take before its writes fail. */
  public static volatile long failWritesAfter = -1;
  /** Whether its streams can be aborted (S3A's can; a store's whose cannot is published by close alone). */
  public static volatile boolean abortable = true;

  public PublishOnCloseFileSystem() {
    super(SCHEME);
  }

  /** A Hadoop configuration that maps the scheme to this class. */
  public static Configuration configuration() {
    return configuration(SCHEME, PublishOnCloseFileSystem.class);
  }

  @Override
  public FileStatus getFileStatus(Path f) throws IOException {
    FileStatus s = fs.getFileStatus(local(f));
    s.setPath(back(f));
    return s;
  }

  @Override
  public FSDataOutputStream create(Path f, FsPermission permission, boolean overwrite, int bufferSize,
      short replication, long blockSize, Progressable progress) throws IOException {
    return new Upload(new Buffer(java.nio.file.Path.of(f.toUri().getPath()), failWritesAfter));
  }

  /** The buffer of one upload: published on close. */
  private static final class Buffer extends ByteArrayOutputStream {
    final java.nio.file.Path target;
    final long limit;
    boolean aborted;

    Buffer(java.nio.file.Path target, long limit) {
      this.target = target;
      this.limit = limit;
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
      int now = (int) (limit < 0 ? len : Math.max(0, Math.min(len, limit - count)));
      super.write(b, off, now);
      if (now < len) {
        throw new java.io.UncheckedIOException(new IOException("connection reset: " + target + " after " + count
            + " bytes"));
      }
    }

    @Override
    public void close() throws IOException {
      if (!aborted) {
        Files.createDirectories(target.toAbsolutePath().getParent());
        Files.write(target, toByteArray());
      }
    }
  }

  /** An upload's stream: abortable when {@link #abortable}. */
  private static final class Upload extends FSDataOutputStream {
    private final Buffer buffer;

    Upload(Buffer buffer) throws IOException {
      super(buffer, null);
      this.buffer = buffer;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      try {
        buffer.write(b, off, len);
      } catch (java.io.UncheckedIOException e) {
        throw e.getCause();
      }
    }

    @Override
    public boolean hasCapability(String capability) {
      return abortable && StreamCapabilities.ABORTABLE_STREAM.equals(capability);
    }

    @Override
    public AbortableResult abort() {
      if (!abortable) {
        throw new UnsupportedOperationException("not abortable");
      }
      buffer.aborted = true;
      return new AbortableResult() {
        @Override
        public boolean alreadyClosed() {
          return false;
        }

        @Override
        public IOException anyCleanupException() {
          return null;
        }
      };
    }
  }
}

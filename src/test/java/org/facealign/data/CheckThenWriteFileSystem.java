package org.facealign.data;

import java.io.IOException;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Progressable;

/**
 * The local disk under the scheme {@code checkthenwrite://}, creating files the way an object store without
 * conditional writes does (S3A in Hadoop 3.3): {@code create(path, overwrite = false)} checks that nothing is there,
 * then writes; two creators that both pass the check both write, the later replacing the earlier. {@link #race}
 * makes two creators meet between check and write; {@link #failReads} makes every read fail as a file system that
 * refuses access does, {@link #unlistable} the listing of folders of that name, and {@link #failWritesAfter} every
 * write past that many bytes of a file (a writer that dies with its file half written, which the local disk shows).
 */
public final class CheckThenWriteFileSystem extends LocalDiskFileSystem {
  public static final String SCHEME = "checkthenwrite";
  /** When set, the creators of files wait here, each after its check, for the other. */
  public static volatile CyclicBarrier race;
  public static volatile boolean failReads;
  /** The name of folders whose listing is refused. */
  public static volatile String unlistable;
  /** When not negative, the bytes a written file may take before its writes fail. */
  public static volatile long failWritesAfter = -1;

  public CheckThenWriteFileSystem() {
    super(SCHEME);
  }

  /** A Hadoop configuration that maps the scheme to this class. */
  public static Configuration configuration() {
    return configuration(SCHEME, CheckThenWriteFileSystem.class);
  }

  @Override
  public FSDataOutputStream create(Path f, FsPermission permission, boolean overwrite, int bufferSize,
      short replication, long blockSize, Progressable progress) throws IOException {
    if (!overwrite && fs.exists(local(f))) {
      throw new FileAlreadyExistsException(f.toString());
    }
    CyclicBarrier b = race;
    if (!overwrite && b != null) {
      try {
        b.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException | BrokenBarrierException | TimeoutException e) {
        throw new IOException("the other creator did not come: " + e, e);
      }
    }
    FSDataOutputStream out = fs.create(local(f), permission, true, bufferSize, replication, blockSize, progress);
    long limit = failWritesAfter;
    return limit < 0 ? out : new FSDataOutputStream(new java.io.OutputStream() {
      private long written;

      @Override
      public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        int now = (int) Math.max(0, Math.min(len, limit - written));
        out.write(b, off, now);
        out.hflush();
        written += now;
        if (now < len) {
          throw new IOException("connection reset: " + f + " after " + written + " bytes");
        }
      }

      @Override
      public void close() throws IOException {
        out.close();
      }
    }, null);
  }

  @Override
  public FSDataInputStream open(Path f, int bufferSize) throws IOException {
    if (failReads) {
      throw new org.apache.hadoop.security.AccessControlException("access denied: " + f);
    }
    return fs.open(local(f), bufferSize);
  }

  @Override
  public FileStatus getFileStatus(Path f) throws IOException {
    FileStatus s = fs.getFileStatus(local(f));
    s.setPath(back(s.getPath()));
    return s;
  }

  @Override
  public FileStatus[] listStatus(Path f) throws IOException {
    if (f.getName().equals(unlistable)) {
      throw new org.apache.hadoop.security.AccessControlException("access denied: " + f);
    }
    FileStatus[] all = fs.listStatus(local(f));
    for (FileStatus s : all) {
      s.setPath(back(s.getPath()));
    }
    return all;
  }

  @Override
  public org.apache.hadoop.fs.RemoteIterator<FileStatus> listStatusIterator(Path f) throws IOException {
    FileStatus[] all = listStatus(f);
    return new org.apache.hadoop.fs.RemoteIterator<>() {
      private int i;

      @Override
      public boolean hasNext() {
        return i < all.length;
      }

      @Override
      public FileStatus next() {
        return all[i++];
      }
    };
  }

  @Override
  public boolean delete(Path f, boolean recursive) throws IOException {
    return fs.delete(local(f), recursive);
  }

  @Override
  public boolean mkdirs(Path f, FsPermission permission) throws IOException {
    return fs.mkdirs(local(f), permission);
  }

  @Override
  public boolean rename(Path src, Path dst) throws IOException {
    return fs.rename(local(src), local(dst));
  }

  @Override
  public Path getWorkingDirectory() {
    return back(fs.getWorkingDirectory());
  }

  @Override
  public Path makeQualified(Path path) {
    Path p = path.isAbsoluteAndSchemeAuthorityNull() || path.toUri().getScheme() != null ? path
        : new Path(getWorkingDirectory(), path);
    return back(p);
  }

  @Override
  protected void checkPath(Path path) {
    if (path.toUri().getScheme() != null && !SCHEME.equals(path.toUri().getScheme())) {
      throw new IllegalArgumentException("Wrong FS: " + path + ", expected: " + getUri());
    }
  }
}

package org.facealign.data;

import java.io.ByteArrayOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.slf4j.LoggerFactory;

/**
 * Reads and writes files through Hadoop's FileSystem, so every path may be local ({@code /x},
 * {@code file:///x}), HDFS ({@code hdfs://}) or S3 ({@code s3a://}). Serializable so executors can carry
 * it: the Hadoop configuration travels as its key/value pairs (Hadoop's {@code Configuration} itself is
 * not serializable).
 */
public final class Storage implements Serializable {
  private static final long serialVersionUID = 1L;

  private final java.util.Map<String, String> settings;
  private transient Configuration conf;

  private Storage(java.util.Map<String, String> settings) {
    this.settings = settings;
  }

  /** Storage over a copy of {@code conf} (for example Spark's {@code hadoopConfiguration()}). */
  public static Storage of(Configuration conf) {
    java.util.Map<String, String> m = new java.util.HashMap<>();
    for (java.util.Map.Entry<String, String> e : conf) {
      m.put(e.getKey(), e.getValue());
    }
    return new Storage(m);
  }

  /** Storage with Hadoop's defaults: the local file system for plain paths. */
  public static Storage local() {
    return of(new Configuration());
  }

  public synchronized Configuration conf() {
    if (conf == null) {
      Configuration c = new Configuration(false);
      settings.forEach(c::set);
      conf = c;
    }
    return conf;
  }

  /**
   * The file system of {@code path}. For local paths this is the raw local file system: Hadoop's
   * default one writes a {@code .crc} side file beside every file and refuses to read a file whose
   * side file disagrees, which would hide our own, clearer checks (models carry SHA-256 sums).
   */
  public FileSystem fs(String path) throws IOException {
    return fsOf(new Path(path));
  }

  private FileSystem fsOf(Path p) throws IOException {
    FileSystem fs = p.getFileSystem(conf());
    return fs instanceof LocalFileSystem local ? local.getRaw() : fs;
  }

  /** A path's fully qualified form ({@code file:/work/x}, {@code hdfs://nn/x}). */
  public String qualify(String path) {
    try {
      Path p = new Path(path);
      return fsOf(p).makeQualified(p).toString();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * {@code child} resolved against directory {@code parent}, unless it is absolute or a URI. A child that does not
   * parse as a URI, such as {@code face:1.jpg} (a colon before any slash that starts no valid URI), is a relative
   * file name: {@code resolve("/data", "face:1.jpg")} is {@code /data/face:1.jpg}.
   */
  public static String resolve(String parent, String child) {
    Path c = parseChild(child);
    if (c.toUri().getScheme() != null || c.isAbsolute()) {
      return child;
    }
    return new Path(new Path(parent), c).toString();
  }

  /**
   * Whether {@code child} is a relative path, one that {@link #resolve} resolves against a folder: neither absolute
   * nor a URI. A child that does not parse as a URI ({@code face:1.jpg}) is relative.
   */
  public static boolean isRelative(String child) {
    Path c = parseChild(child);
    return c.toUri().getScheme() == null && !c.isAbsolute();
  }

  /**
   * {@code child} as a Hadoop path: parsed as a path or URI, or, when it is not one ({@code face:1.jpg}, which
   * would be a URI of scheme {@code face} with a relative path), taken literally as a relative file name.
   */
  private static Path parseChild(String child) {
    try {
      return new Path(child);
    } catch (IllegalArgumentException e) {
      return new Path(null, null, child);
    }
  }

  /**
   * The entry {@code listed} of a listing of directory {@code dir}, spelled with {@code dir} as the caller gives it
   * (with or without a scheme): the listing's name is one file name, so a colon in it ({@code a:1.pts}) is no URI
   * scheme.
   */
  public static String child(String dir, Path listed) {
    return new Path(new Path(dir), new Path(null, null, listed.getName())).toString();
  }

  /**
   * Whether {@code child}, a path as a list file names it, climbs out of the folder it is resolved against: a relative
   * path whose {@code ..} segments go above its start ({@code ../x.jpg}, {@code a/../../x.jpg}). Absolute paths and
   * URIs name their place outright and are not relative to the folder: false for them. A child that does not parse
   * as a URI is relative, as for {@link #resolve}.
   */
  public static boolean climbsOut(String child) {
    if (!isRelative(child)) {
      return false;
    }
    int depth = 0;
    for (String seg : child.replace('\\', '/').split("/")) {
      if (seg.equals("..")) {
        if (--depth < 0) {
          return true;
        }
      } else if (!seg.isEmpty() && !seg.equals(".")) {
        depth++;
      }
    }
    return false;
  }

  public boolean exists(String path) throws IOException {
    return fs(path).exists(new Path(path));
  }

  public boolean isDirectory(String path) throws IOException {
    Path p = new Path(path);
    FileSystem fs = fsOf(p);
    return fs.exists(p) && fs.getFileStatus(p).isDirectory();
  }

  /** Every entry directly in {@code dir}, sorted by name; empty if it does not exist. */
  public List<FileStatus> list(String dir) throws IOException {
    Path p = new Path(dir);
    FileSystem fs = fsOf(p);
    List<FileStatus> r = new ArrayList<>();
    if (!fs.exists(p)) {
      return r;
    }
    for (FileStatus s : fs.listStatus(p)) {
      r.add(s);
    }
    r.sort((a, b) -> a.getPath().getName().compareTo(b.getPath().getName()));
    return r;
  }

  /**
   * The files under {@code dir}, at any depth, by their path relative to it ({@code images/part-0.parquet}), with
   * their lengths in bytes; empty if {@code dir} does not exist. Checksum side files of the local file system are not
   * listed.
   */
  public TreeMap<String, Long> filesUnder(String dir) throws IOException {
    Path p = new Path(dir);
    FileSystem fs = fsOf(p);
    TreeMap<String, Long> r = new TreeMap<>();
    if (!fs.exists(p)) {
      return r;
    }
    String root = fs.makeQualified(p).toUri().getPath();
    String prefix = root.endsWith("/") ? root : root + "/";
    RemoteIterator<LocatedFileStatus> it = fs.listFiles(p, true);
    while (it.hasNext()) {
      FileStatus s = it.next();
      String path = s.getPath().toUri().getPath();
      if (!path.startsWith(prefix)) {
        throw new IOException("listing " + dir + " gave " + s.getPath() + ", which is not under it");
      }
      r.put(path.substring(prefix.length()), s.getLen());
    }
    return r;
  }

  /**
   * Reads a whole file, refusing one longer than {@code maxBytes} before reading it.
   *
   * @throws DataException naming the file: {@code file_not_found} if nothing is there, {@code file_too_large},
   *     or {@code read_error} with the reason for one that is there but cannot be read (a directory, a file the
   *     process may not read, an I/O error)
   */
  public byte[] readBytes(String path, long maxBytes) {
    Path p = new Path(path);
    try {
      FileSystem fs = fsOf(p);
      long len = fs.getFileStatus(p).getLen();
      if (len > maxBytes) {
        throw DataException.coded("file_too_large", path, "file is " + len + " bytes, more than the limit of " + maxBytes);
      }
      try (InputStream in = fs.open(p)) {
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.max(16, len));
        in.transferTo(out);
        return out.toByteArray();
      }
    } catch (FileNotFoundException e) {
      // an open says "not found" for a directory and, on the local file system, for a file it may not read: only
      // a path with nothing at it is not found
      if (existsAfterAll(p)) {
        throw DataException.coded("read_error", path, "cannot read: " + e.getMessage(), e);
      }
      throw DataException.coded("file_not_found", path, "file not found");
    } catch (IOException e) {
      throw DataException.coded("read_error", path, "cannot read: " + e.getMessage(), e);
    }
  }

  /** Whether something is at {@code p} after an open that failed; true when even that cannot be told. */
  private boolean existsAfterAll(Path p) {
    try {
      return fsOf(p).exists(p);
    } catch (IOException | RuntimeException e) {
      return true;
    }
  }

  /** Reads a UTF-8 text file (at most 64 MiB). */
  public String readText(String path) {
    return new String(readBytes(path, 64L << 20), StandardCharsets.UTF_8);
  }

  /** Writes {@code bytes} to {@code path}, replacing it, creating parent directories. */
  public void write(String path, byte[] bytes) throws IOException {
    Path p = new Path(path);
    FileSystem fs = fsOf(p);
    FSDataOutputStream out = fs.create(p, true);
    try {
      out.write(bytes);
    } catch (IOException | RuntimeException e) {
      abandon(fs, out, e);
      throw e;
    }
    out.close();
  }

  /**
   * Ends {@code out}, whose write failed with {@code e}, without publishing it where closing would: an object store
   * that publishes a file when its upload completes ({@link #publishesOnClose}) would publish what was buffered, a cut
   * file where the whole one, or the old one, belongs. Its upload is aborted where the stream can be (S3A's can); a
   * stream that cannot is left unclosed, so nothing is published. Elsewhere it is closed.
   */
  private static void abandon(FileSystem fs, FSDataOutputStream out, Exception e) {
    try {
      if (out.hasCapability(org.apache.hadoop.fs.StreamCapabilities.ABORTABLE_STREAM)) {
        out.abort();
      } else if (!publishesOnClose(fs)) {
        out.close();
      }
    } catch (IOException | RuntimeException suppressed) {
      e.addSuppressed(suppressed);
    }
  }

  /**
   * Writes {@code bytes} to {@code path}, replacing it, and has them reach the disk before this returns: {@code fsync}
   * on a local disk, {@code hsync} on HDFS; an object store's write is durable once it completes. What names the file
   * (its directory's entry) is made durable by {@link #syncDirectory}.
   */
  public void writeDurably(String path, byte[] bytes) throws IOException {
    Path p = new Path(path);
    FileSystem fs = fsOf(p);
    if (fs instanceof org.apache.hadoop.fs.RawLocalFileSystem raw) {
      java.nio.file.Path f = raw.pathToFile(p).toPath();
      java.nio.file.Files.createDirectories(f.toAbsolutePath().getParent());
      writeForced(f, bytes, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.TRUNCATE_EXISTING);
      return;
    }
    try (FSDataOutputStream out = fs.create(p, true)) {
      out.write(bytes);
      if (isHdfs(fs)) {
        out.hsync();
      }
    }
  }

  /** HDFS, directly or through a view file system: atomic renames and creates, {@code hsync}. */
  private static boolean isHdfs(FileSystem fs) {
    String scheme = fs.getUri().getScheme();
    return "hdfs".equals(scheme) || "viewfs".equals(scheme);
  }

  /** Writes {@code bytes} to the local file {@code f}, opened with {@code options}, and {@code fsync}s it. */
  private static void writeForced(java.nio.file.Path f, byte[] bytes, java.nio.file.OpenOption... options)
      throws IOException {
    java.util.Set<java.nio.file.OpenOption> opts = new java.util.HashSet<>(java.util.List.of(options));
    opts.add(java.nio.file.StandardOpenOption.WRITE);
    try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(f, opts)) {
      java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(bytes);
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      ch.force(true);
    }
  }

  /**
   * Makes the entries of directory {@code path} (the files created or renamed in it) durable: {@code fsync} of the
   * directory on a local disk; elsewhere the file system's own journal does it (HDFS's name node, an object store).
   */
  public void syncDirectory(String path) throws IOException {
    Path p = new Path(path);
    if (fsOf(p) instanceof org.apache.hadoop.fs.RawLocalFileSystem raw) {
      forceDirectory(raw.pathToFile(p).toPath().toAbsolutePath());
    }
  }

  /** {@code fsync} of a local directory, where the system allows it. */
  private static void forceDirectory(java.nio.file.Path dir) {
    try (java.nio.channels.FileChannel d = java.nio.channels.FileChannel.open(dir,
        java.nio.file.StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException e) {
      // some systems cannot open a directory for syncing; the entries are made, only their durability is the system's
      LoggerFactory.getLogger(Storage.class).debug("could not sync directory {}: {}", dir, e.toString());
    }
  }

  /**
   * Writes {@code bytes} to {@code path} so that a reader sees the old file or the new one, whole, never part of
   * one. Object stores that publish a file only when its upload completes ({@link #publishesOnClose}: S3A, GCS, ...)
   * get one direct write. Everywhere else a temporary sibling, written whole, is renamed over the target: in one
   * atomic step on a local disk, HDFS (directly, through viewfs or WebHDFS); on other file systems (ABFS, Ozone, ...)
   * Hadoop deletes the target and then renames, so a reader may find no file for that moment, never a part of one, and
   * a crash between the two leaves the new content whole in the temporary file. The new file's bytes reach the disk
   * before the rename, and on a local disk the rename before this returns ({@code fsync} of the file and of its
   * directory; {@code hsync} on HDFS), so a power cut, not only a crash, leaves one or the other.
   */
  public void writeAtomically(String path, byte[] bytes) throws IOException {
    Path p = new Path(path);
    FileSystem fs = fsOf(p);
    if (fs instanceof org.apache.hadoop.fs.RawLocalFileSystem raw) {
      writeLocalAtomically(raw.pathToFile(p).toPath(), bytes);
      return;
    }
    if (publishesOnClose(fs)) {
      write(path, bytes);
      return;
    }
    Path tmp = new Path(p.getParent(), "." + p.getName() + ".tmp-" + java.util.UUID.randomUUID());
    try {
      try (FSDataOutputStream out = fs.create(tmp, true)) {
        out.write(bytes);
        if (isHdfs(fs)) {
          out.hsync();
        }
      }
      renameOver(fs, fs.makeQualified(tmp), fs.makeQualified(p));
    } catch (IOException | RuntimeException e) {
      try {
        fs.delete(tmp, false);
      } catch (IOException | RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  /**
   * Object stores on which a written file appears only once its upload completes, whole (a single PUT or a
   * multipart upload committed on close): S3 through S3A, EMRFS or the older connectors, Google Cloud Storage,
   * Alibaba OSS, Tencent COS, Huawei OBS. A rename there is a copy, so {@link #writeAtomically} writes directly.
   */
  static boolean publishesOnClose(FileSystem fs) {
    return java.util.Set.of("s3a", "s3", "s3n", "gs", "oss", "cosn", "obs").contains(fs.getUri().getScheme());
  }

  /** Renames {@code src} over {@code dst}, replacing it: one step where the file system has one (above). */
  private void renameOver(FileSystem fs, Path src, Path dst) throws IOException {
    if (fs instanceof org.apache.hadoop.hdfs.web.WebHdfsFileSystem web) {
      web.rename(src, dst, org.apache.hadoop.fs.Options.Rename.OVERWRITE);
      return;
    }
    org.apache.hadoop.fs.FileContext fc;
    try {
      fc = org.apache.hadoop.fs.FileContext.getFileContext(fs.getUri(), conf());
    } catch (org.apache.hadoop.fs.UnsupportedFileSystemException e) {
      // a file system with no FileContext binding: the delete-then-rename FileContext would do
      fs.delete(dst, false);
      if (!fs.rename(src, dst)) {
        throw new IOException("could not rename " + src + " to " + dst);
      }
      return;
    }
    fc.rename(src, dst, org.apache.hadoop.fs.Options.Rename.OVERWRITE);
  }

  /** {@link #writeAtomically} on a local disk: a synced temporary file renamed over {@code target}, then synced. */
  private static void writeLocalAtomically(java.nio.file.Path target, byte[] bytes) throws IOException {
    java.nio.file.Path dir = target.toAbsolutePath().getParent();
    java.nio.file.Files.createDirectories(dir);
    java.nio.file.Path tmp = dir.resolve("." + target.getFileName() + ".tmp-" + java.util.UUID.randomUUID());
    try {
      writeForced(tmp, bytes, java.nio.file.StandardOpenOption.CREATE_NEW);
      java.nio.file.Files.move(tmp, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException | RuntimeException e) {
      java.nio.file.Files.deleteIfExists(tmp);
      throw e;
    }
    forceDirectory(dir);
  }

  /**
   * Creates {@code path} holding {@code bytes} only if no file is there, atomically where {@link
   * #createsExclusively} says so (on object stores the check and the write are two requests, and two callers can both
   * get true); false if a file was already there.
   */
  public boolean createExclusively(String path, byte[] bytes) throws IOException {
    Path p = new Path(path);
    FileSystem fs = fsOf(p);
    if (fs instanceof org.apache.hadoop.fs.RawLocalFileSystem raw) {
      java.nio.file.Path f = raw.pathToFile(p).toPath();
      java.nio.file.Files.createDirectories(f.getParent());
      try {
        java.nio.file.Files.write(f, bytes, java.nio.file.StandardOpenOption.CREATE_NEW,
            java.nio.file.StandardOpenOption.WRITE);
        return true;
      } catch (java.nio.file.FileAlreadyExistsException e) {
        return false;
      }
    }
    try (FSDataOutputStream out = fs.create(p, false)) {
      out.write(bytes);
      return true;
    } catch (org.apache.hadoop.fs.FileAlreadyExistsException e) {
      return false;
    } catch (IOException e) {
      if (fs.exists(p)) {
        return false;
      }
      throw e;
    }
  }

  /**
   * Whether {@link #createExclusively} is one atomic step on {@code path}'s file system: the local disk and HDFS.
   * Elsewhere (S3A before conditional writes, other object stores, unknown file systems) it is a check for the file
   * followed by a write, and the last of two writers racing through it wins.
   */
  public boolean createsExclusively(String path) throws IOException {
    FileSystem fs = fsOf(new Path(path));
    return fs instanceof org.apache.hadoop.fs.RawLocalFileSystem || isHdfs(fs);
  }

  public void writeText(String path, String text) throws IOException {
    write(path, text.getBytes(StandardCharsets.UTF_8));
  }

  /** Opens {@code path} for writing, replacing it. */
  public OutputStream create(String path) throws IOException {
    Path p = new Path(path);
    return fsOf(p).create(p, true);
  }

  public void mkdirs(String dir) throws IOException {
    Path p = new Path(dir);
    fsOf(p).mkdirs(p);
  }

  /** Deletes a file or directory tree; false if there was nothing. */
  public boolean delete(String path) throws IOException {
    Path p = new Path(path);
    return fsOf(p).delete(p, true);
  }

  /**
   * Puts the complete directory {@code staged} in the place of {@code target}: the old directory is first renamed
   * aside (a hidden sibling, {@code .NAME.old-UUID}), then {@code staged} renamed into place, then the old one
   * deleted, with any copy an earlier, interrupted replacement left aside. A reader never sees a mix of the two; a
   * crash between the two renames leaves no {@code target} but both copies whole (file systems have no atomic swap
   * of a directory with another), and {@link #readableDirectory} then gives readers the old one.
   */
  public void replaceDirectory(String staged, String target) throws IOException {
    if (!isDirectory(staged)) {
      throw new IOException("cannot replace " + target + ": " + staged + " is not a directory");
    }
    Path t = new Path(target);
    String old = null;
    if (exists(target)) {
      old = new Path(t.getParent(), asidePrefix(t) + java.util.UUID.randomUUID()).toString();
      rename(target, old);
    }
    try {
      rename(staged, target);
    } catch (IOException e) {
      if (old != null) {
        rename(old, target); // put the old one back
      }
      throw e;
    }
    if (old != null) {
      delete(old);
    }
    for (FileStatus aside : setAside(t)) {
      delete(aside.getPath().toString());
    }
  }

  /**
   * Makes {@code target} a directory holding exactly {@code files} (name to bytes), replacing whatever directory was
   * there as a whole: the files are written durably into a hidden sibling ({@code .NAME.tmp-UUID}), which is then
   * put in place by {@link #replaceDirectory}; if anything fails, the sibling is deleted and {@code target} is as it
   * was.
   */
  public void writeDirectory(String target, java.util.Map<String, byte[]> files) throws IOException {
    Path t = new Path(target);
    if (t.getParent() == null || files.isEmpty()) {
      throw new IllegalArgumentException("cannot write " + files.size() + " files as directory " + target);
    }
    String staged = new Path(t.getParent(), "." + t.getName() + ".tmp-" + java.util.UUID.randomUUID()).toString();
    try {
      for (java.util.Map.Entry<String, byte[]> f : files.entrySet()) {
        writeDurably(resolve(staged, f.getKey()), f.getValue());
      }
      syncDirectory(staged);
      replaceDirectory(staged, target);
    } catch (IOException | RuntimeException e) {
      try {
        delete(staged);
      } catch (IOException | RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  /**
   * The directory a reader of {@code target} should read: {@code target} itself when it is a directory; when it is
   * missing, the newest copy that a {@link #replaceDirectory} interrupted between its two renames left aside (the
   * previous contents, whole); otherwise {@code target} (so that the caller reports it missing). Never renames
   * anything: a writer may be between those renames at this moment.
   */
  public String readableDirectory(String target) throws IOException {
    if (isDirectory(target)) {
      return target;
    }
    FileStatus newest = null;
    for (FileStatus s : setAside(new Path(target))) {
      if (newest == null || s.getModificationTime() > newest.getModificationTime()) {
        newest = s;
      }
    }
    if (newest == null) {
      return target;
    }
    // the caller's spelling of the parent (with or without a scheme), the listing's name
    String aside = new Path(new Path(target).getParent(), newest.getPath().getName()).toString();
    LoggerFactory.getLogger(Storage.class).warn("{} is missing: a replacement of it was interrupted; reading the "
        + "previous contents, left whole at {}", target, aside);
    return aside;
  }

  /** The copies of {@code target} that {@link #replaceDirectory} renamed aside and has not deleted. */
  private List<FileStatus> setAside(Path target) throws IOException {
    Path parent = target.getParent();
    if (parent == null || !isDirectory(parent.toString())) {
      return List.of();
    }
    String prefix = asidePrefix(target);
    List<FileStatus> out = new ArrayList<>();
    for (FileStatus s : list(parent.toString())) {
      if (s.isDirectory() && s.getPath().getName().startsWith(prefix)) {
        out.add(s);
      }
    }
    return out;
  }

  private static String asidePrefix(Path target) {
    return "." + target.getName() + ".old-";
  }

  /** Renames {@code from} to {@code to} (atomic on HDFS and local file systems). */
  public void rename(String from, String to) throws IOException {
    Path a = new Path(from);
    FileSystem fs = fsOf(a);
    if (!fs.rename(a, new Path(to))) {
      throw new IOException("cannot rename " + from + " to " + to);
    }
  }
}

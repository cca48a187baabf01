package org.facealign.data;

import java.io.IOException;
import java.net.URI;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FilterFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;

/** The local disk under another scheme: the base of the file systems tests give the behaviour of a remote one. */
abstract class LocalDiskFileSystem extends FilterFileSystem {
  private final String scheme;

  LocalDiskFileSystem(String scheme) {
    super(new RawLocalFileSystem());
    this.scheme = scheme;
  }

  /** A Hadoop configuration that maps {@code scheme} to {@code type}, a new instance each time it is asked for. */
  static Configuration configuration(String scheme, Class<? extends FileSystem> type) {
    Configuration c = new Configuration();
    c.set("fs." + scheme + ".impl", type.getName());
    c.setBoolean("fs." + scheme + ".impl.disable.cache", true);
    return c;
  }

  @Override
  public void initialize(URI name, Configuration conf) throws IOException {
    fs.initialize(URI.create("file:///"), conf);
    setConf(conf);
  }

  @Override
  public URI getUri() {
    return URI.create(scheme + ":///");
  }

  @Override
  public String getScheme() {
    return scheme;
  }

  /** {@code p} on the local disk. */
  static Path local(Path p) {
    return new Path("file", null, p.toUri().getPath());
  }

  /** {@code p} under this file system's scheme. */
  Path back(Path p) {
    return new Path(scheme, null, p.toUri().getPath());
  }
}

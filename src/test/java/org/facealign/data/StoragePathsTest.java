package org.facealign.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;

/** How list-file paths and listed names become paths: a colon in a file name is no URI scheme. */
class StoragePathsTest {

  @Test
  void aChildThatIsNoUriIsARelativeFileName() {
    assertEquals("/data/lists/face:1.jpg", Storage.resolve("/data/lists", "face:1.jpg"));
    assertEquals("/data/lists/img/face:1.jpg", Storage.resolve("/data/lists", "img/face:1.jpg"));
    assertEquals("file:/data/lists/a b:c.jpg", Storage.resolve("file:/data/lists", "a b:c.jpg"));
    assertEquals("s3a://bucket/d/a:x.jpg", Storage.resolve("s3a://bucket/d", "a:x.jpg"));
    // in the working directory the name keeps a leading ./, so that it still reads as a file name
    assertEquals("./face:1.jpg", Storage.resolve(".", "face:1.jpg"));
    assertEquals("/data/face:1.jpg", Storage.resolve("/data/lists", "../face:1.jpg"));
    // URIs and absolute paths are taken as they are
    assertEquals("hdfs://nn:8020/d/a:b.jpg", Storage.resolve("/data", "hdfs://nn:8020/d/a:b.jpg"));
    assertEquals("/abs/a:b.jpg", Storage.resolve("/data", "/abs/a:b.jpg"));
    assertEquals("/data/lists/img/a.jpg", Storage.resolve("/data/lists", "img/a.jpg"));

    assertTrue(Storage.isRelative("face:1.jpg"));
    assertTrue(Storage.isRelative("img/a.jpg"));
    assertFalse(Storage.isRelative("hdfs://nn:8020/d/a.jpg"));
    assertFalse(Storage.isRelative("/abs/a.jpg"));
  }

  @Test
  void climbingOutIsJudgedAsResolveResolves() {
    assertFalse(Storage.climbsOut("face:1.jpg"));
    assertTrue(Storage.climbsOut("face:1/../../x.jpg"));
    assertEquals("/x.jpg", Storage.resolve("/data", "face:1/../../x.jpg"));
    assertFalse(Storage.climbsOut("face:1/../x.jpg"));
    assertEquals("/data/x.jpg", Storage.resolve("/data", "face:1/../x.jpg"));
    assertTrue(Storage.climbsOut("../face:1.jpg"));
    assertFalse(Storage.climbsOut("hdfs://nn/../x.jpg"));
  }

  @Test
  void aListedNameKeepsTheCallersSpellingOfItsFolder() {
    Path listed = new Path("file:/tmp/w300/ibug/a:1.pts");
    assertEquals("/tmp/w300/ibug/a:1.pts", Storage.child("/tmp/w300/ibug", listed));
    assertEquals("file:/tmp/w300/ibug/a:1.pts", Storage.child("file:/tmp/w300/ibug", listed));
    assertEquals("w300/ibug/image_0001.jpg", Storage.child("w300/ibug", new Path("file:/x/w300/ibug/image_0001.jpg")));
  }
}

package org.facealign.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the driver ships to executors and back survives Java serialization (Spark's closure serializer). */
class SerializationTest {
  @SuppressWarnings("unchecked")
  private static <T> T roundTrip(T o) throws Exception {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(b)) {
      out.writeObject(o);
    }
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(b.toByteArray()))) {
      return (T) in.readObject();
    }
  }

  @Test
  void entriesDiscoveriesLoadedFacesAndPolicies() throws Exception {
    FaceEntry e = new FaceEntry("afw/1", "training", "/d/afw/1.jpg", "/d/afw/1.pts", new FaceBox(1, 2, 30, 40), null, null);
    FaceEntry bad = new FaceEntry("afw/2", "training", null, "/d/afw/2.pts", null, null, "annotation has no image");
    assertEquals(e, roundTrip(e));
    Discovery d = new Discovery(List.of(e, bad), List.of("ibug"), List.of("afw: 1 faces"));
    Discovery d2 = roundTrip(d);
    assertEquals(d, d2);
    assertEquals(1, d2.problems().size());

    SyntheticFaces.SyntheticFace f = new SyntheticFaces(5, new SyntheticFaces.Options(32, 0.5, 0.6, 0, 1, 0.01)).next();
    LoadedFace lf = new LoadedFace(e.toFace(f.landmarks()), f.image(), "ab12");
    LoadedFace lf2 = roundTrip(lf);
    assertEquals(lf.face(), lf2.face());
    assertArrayEquals(f.image().toArray(), lf2.image().toArray());
    assertEquals("ab12", lf2.contentHash());

    assertSame(BoxPolicy.detector(), roundTrip(BoxPolicy.detector()));
    assertEquals(BoxPolicy.landmarks(0.15), roundTrip(BoxPolicy.landmarks(0.15)));
    assertEquals(FaceReader.Limits.defaults(), roundTrip(FaceReader.Limits.defaults()));
  }
}

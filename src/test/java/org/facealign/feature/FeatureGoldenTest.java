package org.facealign.feature;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.facealign.data.GrayImage;
import org.facealign.data.SyntheticFaces;
import org.junit.jupiter.api.Test;

/**
 * Golden fixtures: the SHA-256 of every integral node of the response maps, and of the HOG, of one fixed
 * synthetic face. A trained model's accuracy holds only while its features keep their values, so a change
 * that moves any bit (a faster kernel that reorders a sum, say) fails here and must be a deliberate,
 * re-measured one. The digests are independent of the processor and of the SIMD switch: every kernel does
 * the same IEEE operations in the same order.
 */
class FeatureGoldenTest {
  private static final ConfigFeatures CONFIG = ConfigFeatures.defaults();

  @Test
  void theResponseMapsOfAFixedFaceKeepTheirBits() throws Exception {
    GrayImage canvas = canvas();
    assertEquals("722109c68d7af8d3f2f710a7386d62b5fe35aedf121c5740a74ce954c7f8d2bd", digest(canvas, 8, 2.0));
    assertEquals("d780b6f80194e53e58c8cb7168234436aa1896479dbb881ea0df7f22448063ac", digest(canvas, 6, 1.5));
    assertEquals("d0c8985657b3c2bb2f6a0d1c3c0cd645e2834736be51bd5cb1708d8d42f27c05", digest(canvas, 16, 2.0));
  }

  @Test
  void thePooledResponseMapsOfAFixedFaceKeepTheirBits() throws Exception {
    GrayImage canvas = canvas();
    assertEquals("a9de8f0bb4ade6499d5733edf770111c1d5b297a9a43bc8c225593907e12f976", digest(canvas, 8, 2.0, 2));
  }

  @Test
  void theHogOfAFixedFaceKeepsItsBits() throws Exception {
    FaceNormaliser norm = new FaceNormaliser(CONFIG);
    SyntheticFaces.SyntheticFace f = face();
    float[] h = new HogFeature(CONFIG).compute(norm.hogInput(norm.normalise(f.image(), f.detectorBox())));
    ByteBuffer bytes = ByteBuffer.allocate(4 * h.length);
    for (float v : h) {
      bytes.putFloat(v);
    }
    assertEquals("d68fa8646a5f4e676af99aae82f13626b0c545d91b6c482447cd3261a03c97db",
        HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes.array())));
  }

  private static SyntheticFaces.SyntheticFace face() {
    return new SyntheticFaces(7, SyntheticFaces.Options.defaults()).next();
  }

  private static GrayImage canvas() {
    SyntheticFaces.SyntheticFace f = face();
    return new FaceNormaliser(CONFIG).normalise(f.image(), f.detectorBox()).canvas();
  }

  /** SHA-256 of every integral node ({@code integralAt} at node coordinates reads a node exactly), as doubles. */
  private static String digest(GrayImage canvas, int orientations, double sigma) throws Exception {
    return digest(canvas, orientations, sigma, 1);
  }

  /** {@link #digest} of the maps pooled over {@code stride x stride} blocks (node i at canvas coordinate s i - 1/2). */
  private static String digest(GrayImage canvas, int orientations, double sigma, int stride) throws Exception {
    ResponseMaps maps = new ResponseMaps(orientations, sigma, stride).process(canvas);
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    double[] node = new double[orientations];
    ByteBuffer bytes = ByteBuffer.allocate(8 * orientations);
    for (int j = 0; j <= maps.height(); j++) {
      for (int i = 0; i <= maps.width(); i++) {
        maps.integralAt(stride * i - 0.5, stride * j - 0.5, node, 0);
        bytes.clear();
        for (double v : node) {
          bytes.putDouble(v);
        }
        md.update(bytes.array());
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }
}

package org.facealign.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every image kind an archive holds decodes to the same grey picture (up to each format's loss), the EXIF
 * orientation is honoured, hostile files fail with their code, and ordinary JPEGs decode to exactly the pixels the
 * JDK's own reader gives (so the JPEG plugin changes no feature of the training data).
 */
class ImageKindsDecodeTest {
  static BufferedImage picture;
  static GrayImage reference;

  @BeforeAll
  static void load() throws Exception {
    Path jpg = TestData.w300().resolve("helen/trainset/100032540_1.jpg");
    picture = ImageIO.read(jpg.toFile());
    reference = ImageDecoder.decode(ImageKinds.png(ImageKinds.convert(picture, BufferedImage.TYPE_3BYTE_BGR)), "ref", 1L << 30);
  }

  @Test
  void everyValidKindDecodesToTheSamePicture() {
    // palettes quantise colours; a CMYK file without an ICC profile is converted with a generic profile, not the
    // naive formula it was written with (an inverted picture would differ by about 100)
    Map<String, Double> tolerance = Map.of("palette.png", 12.0, "picture.gif", 12.0, "cmyk.jpg", 10.0);
    for (Map.Entry<String, byte[]> e : ImageKinds.valid(picture).entrySet()) {
      ImageDecoder.Oriented o = ImageDecoder.decodeOriented(e.getValue(), e.getKey(), 1L << 30);
      assertEquals(reference.width(), o.image().width(), e.getKey());
      assertEquals(reference.height(), o.image().height(), e.getKey());
      double diff = meanAbsDiff(reference, o.image());
      assertTrue(diff < tolerance.getOrDefault(e.getKey(), 2.5), e.getKey() + ": mean grey difference " + diff);
      assertEquals(e.getKey().startsWith("exif") ? 8 : 1, o.orientation(), e.getKey());
    }
  }

  @Test
  void theExifFileIsStoredTurnedAndShownUpright() {
    byte[] b = ImageKinds.valid(picture).get("exif-rotated.jpg");
    GrayImage stored = ImageDecoder.decode(b, "exif", 1L << 30);
    assertEquals(reference.height(), stored.width());
    assertEquals(reference.width(), stored.height());
    assertTrue(meanAbsDiff(reference, ImageDecoder.decodeOriented(b, "exif", 1L << 30).image()) < 2.5);
  }

  @Test
  void hostileFilesFailWithTheirCode() {
    Map<String, byte[]> files = ImageKinds.hostile(picture);
    for (Map.Entry<String, String> e : ImageKinds.hostileCodes().entrySet()) {
      DataException ex = assertThrows(DataException.class,
          () -> ImageDecoder.decodeOriented(files.get(e.getKey()), e.getKey(), 100_000_000L), e.getKey());
      assertEquals(e.getValue(), ex.code(), e.getKey() + ": " + ex.getMessage());
      assertEquals(e.getKey(), ex.source());
    }
  }

  @Test
  void ordinaryJpegsDecodeExactlyAsTheJdkReaderDoes() throws Exception {
    int checked = 0;
    try (var files = Files.list(TestData.w300().resolve("lfpw/trainset"))) {
      for (Path p : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".jpg")).sorted().limit(5)::iterator) {
        byte[] bytes = Files.readAllBytes(p);
        GrayImage ours = ImageDecoder.decode(bytes, p.toString(), 1L << 30);
        GrayImage jdk = ImageDecoder.toGray(jdkRead(bytes));
        assertEquals(0.0, meanAbsDiff(ours, jdk), 0.0, p.toString());
        checked++;
      }
    }
    assertEquals(5, checked);
  }

  @Test
  void orientationTagsOutsideOneToEightAreIgnored() {
    byte[] jpg = ImageKinds.jpeg(picture, false);
    assertEquals(1, ImageDecoder.exifOrientation(ImageKinds.withExifOrientation(jpg, 9)));
    assertEquals(6, ImageDecoder.exifOrientation(ImageKinds.withExifOrientation(jpg, 6)));
    assertEquals(1, ImageDecoder.exifOrientation(jpg));
    assertEquals(1, ImageDecoder.exifOrientation(ImageKinds.png(picture)));
  }

  /** The JDK's own JPEG reader (com.sun.imageio), whatever plugins are registered. */
  private static BufferedImage jdkRead(byte[] bytes) throws Exception {
    try (ImageInputStream in = ImageIO.createImageInputStream(new java.io.ByteArrayInputStream(bytes))) {
      Iterator<ImageReader> it = ImageIO.getImageReaders(in);
      while (it.hasNext()) {
        ImageReader r = it.next();
        if (r.getClass().getName().startsWith("com.sun.imageio")) {
          r.setInput(in, true, true);
          try {
            return r.read(0);
          } finally {
            r.dispose();
          }
        }
      }
    }
    throw new IllegalStateException("the JDK's JPEG reader is not registered");
  }

  static double meanAbsDiff(GrayImage a, GrayImage b) {
    double s = 0;
    for (int y = 0; y < a.height(); y++) {
      for (int x = 0; x < a.width(); x++) {
        s += Math.abs(a.get(x, y) - b.get(x, y));
      }
    }
    return s / ((double) a.width() * a.height());
  }
}

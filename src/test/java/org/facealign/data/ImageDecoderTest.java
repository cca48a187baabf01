package org.facealign.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class ImageDecoderTest {
  private static final long LIMIT = 10_000_000;

  private static byte[] png(BufferedImage img) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertTrue(ImageIO.write(img, "png", out));
    return out.toByteArray();
  }

  private static double luma(int r, int g, int b) {
    return 0.299 * r + 0.587 * g + 0.114 * b;
  }

  @Test
  void rgbPngGivesExactLuma() throws Exception {
    int[][] rgb = {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {10, 20, 30}, {255, 255, 255}, {128, 64, 200}};
    BufferedImage img = new BufferedImage(3, 2, BufferedImage.TYPE_INT_RGB);
    for (int i = 0; i < 6; i++) {
      img.setRGB(i % 3, i / 3, (rgb[i][0] << 16) | (rgb[i][1] << 8) | rgb[i][2]);
    }
    GrayImage g = ImageDecoder.decode(png(img), "rgb.png", LIMIT);
    assertEquals(3, g.width());
    assertEquals(2, g.height());
    assertEquals(76.245, g.get(0, 0), 1e-3);
    assertEquals(149.685, g.get(1, 0), 1e-3);
    assertEquals(29.07, g.get(2, 0), 1e-3);
    for (int i = 0; i < 6; i++) {
      assertEquals(luma(rgb[i][0], rgb[i][1], rgb[i][2]), g.get(i % 3, i / 3), 0.5);
    }
  }

  @Test
  void interleavedByteRastersGiveTheSameLumaAsGetRgb() throws Exception {
    // The direct byte path (3-byte BGR, 4-byte ABGR) against Java2D's per-pixel getRGB.
    Random r = new Random(3);
    for (int type : new int[] {BufferedImage.TYPE_3BYTE_BGR, BufferedImage.TYPE_4BYTE_ABGR}) {
      BufferedImage img = new BufferedImage(37, 23, type);
      for (int y = 0; y < 23; y++) {
        for (int x = 0; x < 37; x++) {
          img.setRGB(x, y, 0xff000000 | r.nextInt(1 << 24));
        }
      }
      GrayImage g = ImageDecoder.toGray(img);
      for (int y = 0; y < 23; y++) {
        for (int x = 0; x < 37; x++) {
          int argb = img.getRGB(x, y);
          assertEquals(luma((argb >> 16) & 0xff, (argb >> 8) & 0xff, argb & 0xff), g.get(x, y), 1e-3, "type " + type);
        }
      }
    }
  }

  @Test
  void argbPngIgnoresAlpha() throws Exception {
    BufferedImage img = new BufferedImage(2, 1, BufferedImage.TYPE_INT_ARGB);
    img.setRGB(0, 0, (0x10 << 24) | (200 << 16) | (100 << 8) | 50);
    img.setRGB(1, 0, (0xff << 24) | (200 << 16) | (100 << 8) | 50);
    GrayImage g = ImageDecoder.decode(png(img), "argb.png", LIMIT);
    assertEquals(luma(200, 100, 50), g.get(0, 0), 1e-3);
    assertEquals(luma(200, 100, 50), g.get(1, 0), 1e-3);
  }

  @Test
  void greyPngKeepsStoredValuesWithoutGamma() throws Exception {
    BufferedImage img = new BufferedImage(4, 1, BufferedImage.TYPE_BYTE_GRAY);
    img.getRaster().setSamples(0, 0, 4, 1, 0, new int[] {0, 17, 128, 255});
    GrayImage g = ImageDecoder.decode(png(img), "grey.png", LIMIT);
    assertArrayEquals(new float[] {0, 17, 128, 255}, g.toArray());
  }

  @Test
  void sixteenBitGreyIsScaledTo255() throws Exception {
    BufferedImage img = new BufferedImage(3, 1, BufferedImage.TYPE_USHORT_GRAY);
    img.getRaster().setSamples(0, 0, 3, 1, 0, new int[] {0, 32768, 65535});
    GrayImage g = ImageDecoder.decode(png(img), "grey16.png", LIMIT);
    assertEquals(0, g.get(0, 0), 1e-4);
    assertEquals(32768 * 255.0 / 65535, g.get(1, 0), 1e-3);
    assertEquals(255, g.get(2, 0), 1e-3);
  }

  @Test
  void palettePngUsesThePaletteColours() throws Exception {
    byte[] r = {(byte) 255, 0, 30};
    byte[] gr = {0, (byte) 255, 60};
    byte[] b = {0, 0, 90};
    IndexColorModel icm = new IndexColorModel(2, 3, r, gr, b);
    BufferedImage img = new BufferedImage(3, 1, BufferedImage.TYPE_BYTE_INDEXED, icm);
    img.getRaster().setSamples(0, 0, 3, 1, 0, new int[] {2, 0, 1});
    GrayImage g = ImageDecoder.decode(png(img), "palette.png", LIMIT);
    assertEquals(luma(30, 60, 90), g.get(0, 0), 1e-3);
    assertEquals(luma(255, 0, 0), g.get(1, 0), 1e-3);
    assertEquals(luma(0, 255, 0), g.get(2, 0), 1e-3);
  }

  private static GrayImage pattern(int w, int h, long seed) {
    Random rnd = new Random(seed);
    float[] px = new float[w * h];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        px[y * w + x] = (float) Math.rint(Math.max(0, Math.min(255, 128 + 80 * Math.sin(x / 7.0) * Math.cos(y / 5.0)
            + 4 * rnd.nextGaussian())));
      }
    }
    return GrayImage.wrap(w, h, px);
  }

  @Test
  void pngEncodeIsLosslessAndJpegIsClose() {
    GrayImage src = pattern(64, 48, 1);
    GrayImage png = ImageDecoder.decode(ImageDecoder.encode(src, "png"), "p.png", LIMIT);
    assertArrayEquals(src.toArray(), png.toArray());
    byte[] jpg = ImageDecoder.encode(src, "jpg");
    assertEquals(0xFF, jpg[0] & 0xFF);
    assertEquals(0xD8, jpg[1] & 0xFF);
    GrayImage back = ImageDecoder.decode(jpg, "p.jpg", LIMIT);
    assertEquals(64, back.width());
    assertEquals(48, back.height());
    double sum = 0;
    for (int y = 0; y < 48; y++) {
      for (int x = 0; x < 64; x++) {
        sum += Math.abs(back.get(x, y) - src.get(x, y));
      }
    }
    double meanAbs = sum / (64 * 48);
    assertTrue(meanAbs > 0 && meanAbs < 3, "mean absolute JPEG error " + meanAbs);
    assertArrayEquals(new int[] {64, 48}, ImageDecoder.probeSize(jpg, "p.jpg"));
    assertThrows(IllegalArgumentException.class, () -> ImageDecoder.encode(src, "gif"));
  }

  @Test
  void truncatedJpegIsAnError() {
    byte[] jpg = ImageDecoder.encode(pattern(128, 128, 2), "jpg");
    byte[] half = Arrays.copyOf(jpg, jpg.length / 2);
    DataException e = assertThrows(DataException.class, () -> ImageDecoder.decode(half, "cut.jpg", LIMIT));
    assertEquals("cut.jpg", e.source());
    assertTrue(e.reason().startsWith("truncated or corrupt image data: "), e.getMessage());
  }

  @Test
  void truncatedPngIsAnError() {
    byte[] png = ImageDecoder.encode(pattern(64, 64, 3), "png");
    byte[] part = Arrays.copyOf(png, png.length - 200);
    DataException e = assertThrows(DataException.class, () -> ImageDecoder.decode(part, "cut.png", LIMIT));
    assertEquals("cut.png", e.source());
    assertEquals("corrupt_image", e.code());
    assertEquals("truncated image data: Error reading PNG image data: Unexpected end of ZLIB input stream",
        e.reason());
  }

  @Test
  void pngWithDamagedCompressedDataIsCorrupt() {
    byte[] png = ImageDecoder.encode(pattern(64, 64, 3), "png");
    // the end of the IDAT chunk: the zlib stream's checksum, which a reader checks after inflating every row
    int idatEnd = indexOf(png, "IEND".getBytes(StandardCharsets.US_ASCII)) - 8;
    for (int i = idatEnd - 4; i < idatEnd; i++) {
      png[i] ^= 0x5a;
    }
    DataException e = assertThrows(DataException.class, () -> ImageDecoder.decode(png, "bad.png", LIMIT));
    assertEquals("corrupt_image", e.code());
    assertEquals("corrupt image data: Error reading PNG image data: incorrect data check", e.reason());
  }

  private static int indexOf(byte[] a, byte[] b) {
    for (int i = 0; i + b.length <= a.length; i++) {
      if (Arrays.equals(a, i, i + b.length, b, 0, b.length)) {
        return i;
      }
    }
    throw new AssertionError("not found");
  }

  @Test
  void emptyAndNonImageFilesAreErrors() {
    DataException empty = assertThrows(DataException.class, () -> ImageDecoder.decode(new byte[0], "e.jpg", LIMIT));
    assertEquals("e.jpg: empty file", empty.getMessage());
    byte[] text = "version: 1\nn_points: 68\n{\n".getBytes(StandardCharsets.UTF_8);
    DataException t = assertThrows(DataException.class, () -> ImageDecoder.decode(text, "t.jpg", LIMIT));
    assertEquals("t.jpg: not a recognised image format", t.getMessage());
    byte[] noise = new byte[4096];
    new Random(5).nextBytes(noise);
    noise[0] = 'x';
    DataException n = assertThrows(DataException.class, () -> ImageDecoder.decode(noise, "n.png", LIMIT));
    assertEquals("n.png: not a recognised image format", n.getMessage());
  }

  /** A PNG signature and an IHDR chunk (with a correct CRC) declaring {@code w x h}, and nothing else. */
  private static byte[] pngHeaderOnly(int w, int h) {
    ByteBuffer chunk = ByteBuffer.allocate(17);
    chunk.put("IHDR".getBytes(StandardCharsets.US_ASCII)).putInt(w).putInt(h);
    chunk.put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
    CRC32 crc = new CRC32();
    crc.update(chunk.array());
    ByteBuffer file = ByteBuffer.allocate(8 + 4 + 17 + 4);
    file.put(new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10});
    file.putInt(13).put(chunk.array()).putInt((int) crc.getValue());
    return file.array();
  }

  @Test
  void hugeDeclaredSizeIsRefusedFromTheHeader() {
    byte[] bomb = pngHeaderOnly(50000, 50000);
    assertEquals(33, bomb.length);
    assertArrayEquals(new int[] {50000, 50000}, ImageDecoder.probeSize(bomb, "bomb.png"));
    DataException e = assertThrows(DataException.class, () -> ImageDecoder.decode(bomb, "bomb.png", 100_000_000));
    assertEquals(
        "bomb.png: declared size 50000x50000 = 2500000000 pixels exceeds the limit of 100000000", e.getMessage());
  }

  @Test
  void realThreeHundredWJpeg() throws Exception {
    byte[] bytes = Files.readAllBytes(TestData.w300().resolve("afw/1051618982_1.jpg"));
    GrayImage g = ImageDecoder.decode(bytes, "afw/1051618982_1.jpg", LIMIT);
    assertEquals(561, g.width());
    assertEquals(561, g.height());
    double sum = 0;
    double sq = 0;
    for (float v : g.toArray()) {
      assertTrue(v >= 0 && v <= 255.001, "value " + v);
      sum += v;
      sq += v * v;
    }
    double n = 561.0 * 561;
    double mean = sum / n;
    double sd = Math.sqrt(sq / n - mean * mean);
    assertTrue(mean > 20 && mean < 235, "mean " + mean);
    assertTrue(sd > 10, "standard deviation " + sd);
    // Too many pixels for a small limit.
    DataException e = assertThrows(DataException.class, () -> ImageDecoder.decode(bytes, "x.jpg", 561 * 560));
    assertTrue(e.reason().contains("561x561 = 314721 pixels exceeds the limit of 314160"), e.getMessage());
  }
}

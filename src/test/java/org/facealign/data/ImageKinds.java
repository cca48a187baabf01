package org.facealign.data;

import java.awt.Graphics2D;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * Image files of every kind an archive holds, made from one picture, for tests: the valid variants a decoder must
 * read (and whose pixels should all show the same face), and the hostile ones it must refuse by name.
 */
public final class ImageKinds {
  private ImageKinds() {}

  /**
   * The valid variants of {@code rgb}, by file name. {@code exif-rotated.jpg} stores the picture turned 90°
   * clockwise, with EXIF orientation 8 to show it upright.
   */
  public static Map<String, byte[]> valid(BufferedImage rgb) {
    Map<String, byte[]> m = new LinkedHashMap<>();
    m.put("baseline.jpg", jpeg(rgb, false));
    m.put("progressive.jpg", jpeg(rgb, true));
    m.put("grey.jpg", jpeg(convert(rgb, BufferedImage.TYPE_BYTE_GRAY), false));
    m.put("cmyk.jpg", cmykJpeg(rgb));
    m.put("grey16.png", png(grey16(rgb)));
    m.put("palette.png", png(convert(rgb, BufferedImage.TYPE_BYTE_INDEXED)));
    m.put("rgba.png", png(convert(rgb, BufferedImage.TYPE_INT_ARGB)));
    m.put("rgb16.png", png(rgb16(rgb)));
    m.put("picture.gif", write(convert(rgb, BufferedImage.TYPE_BYTE_INDEXED), "gif"));
    m.put("picture.bmp", write(convert(rgb, BufferedImage.TYPE_3BYTE_BGR), "bmp"));
    m.put("exif-rotated.jpg", withExifOrientation(jpeg(rotateClockwise(rgb), false), 8));
    m.put("face with spaces.jpg", jpeg(rgb, false));
    m.put("visage-\u00e9t\u00e9-\u9854.png", png(rgb));
    return m;
  }

  /** Files that are not valid images, by name, each with the failure code its decoding must give. */
  public static Map<String, String> hostileCodes() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("empty.jpg", "empty_file");
    m.put("not-an-image.jpg", "not_an_image");
    m.put("truncated.jpg", "corrupt_image");
    m.put("huge-header.png", "too_many_pixels");
    return m;
  }

  /** The hostile files named by {@link #hostileCodes()}, made from {@code rgb} where they need a picture. */
  public static Map<String, byte[]> hostile(BufferedImage rgb) {
    Map<String, byte[]> m = new LinkedHashMap<>();
    m.put("empty.jpg", new byte[0]);
    m.put("not-an-image.jpg", "this is a text file, not a JPEG\n".getBytes(StandardCharsets.UTF_8));
    byte[] jpg = jpeg(rgb, false);
    m.put("truncated.jpg", Arrays.copyOf(jpg, jpg.length * 6 / 10));
    m.put("huge-header.png", pngHeader(60000, 60000));
    return m;
  }

  public static BufferedImage convert(BufferedImage src, int type) {
    BufferedImage out = new BufferedImage(src.getWidth(), src.getHeight(), type);
    Graphics2D g = out.createGraphics();
    g.drawImage(src, 0, 0, null);
    g.dispose();
    return out;
  }

  /** {@code src} turned 90° clockwise. */
  public static BufferedImage rotateClockwise(BufferedImage src) {
    int w = src.getWidth();
    int h = src.getHeight();
    BufferedImage out = new BufferedImage(h, w, BufferedImage.TYPE_3BYTE_BGR);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        out.setRGB(h - 1 - y, x, src.getRGB(x, y));
      }
    }
    return out;
  }

  public static byte[] jpeg(BufferedImage img, boolean progressive) {
    return jpeg(new IIOImage(convert(img, img.getType() == BufferedImage.TYPE_BYTE_GRAY
        ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_3BYTE_BGR), null, null), progressive);
  }

  /** {@code image} as a quality-95 JPEG by the JDK's writer. */
  private static byte[] jpeg(IIOImage image, boolean progressive) {
    ImageWriter w = writer("jpg");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (MemoryCacheImageOutputStream ios = new MemoryCacheImageOutputStream(out)) {
      w.setOutput(ios);
      ImageWriteParam p = w.getDefaultWriteParam();
      p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
      p.setCompressionQuality(0.95f);
      if (progressive) {
        p.setProgressiveMode(ImageWriteParam.MODE_DEFAULT);
      }
      w.write(null, image, p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      w.dispose();
    }
    return out.toByteArray();
  }

  /**
   * A four-channel (CMYK) JPEG of {@code img}, with an Adobe marker saying so, written from a raster as the JDK's
   * writer allows (it cannot read such files back).
   */
  public static byte[] cmykJpeg(BufferedImage img) {
    int w = img.getWidth();
    int h = img.getHeight();
    WritableRaster r = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, w, h, 4, null);
    int[] px = new int[4];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int rgb = img.getRGB(x, y);
        int red = (rgb >> 16) & 0xff;
        int green = (rgb >> 8) & 0xff;
        int blue = rgb & 0xff;
        int k = 255 - Math.max(red, Math.max(green, blue));
        // Adobe CMYK JPEGs store inverted values: 255 means no ink
        px[0] = 255 - (255 - red - k);
        px[1] = 255 - (255 - green - k);
        px[2] = 255 - (255 - blue - k);
        px[3] = 255 - k;
        r.setPixel(x, y, px);
      }
    }
    return withAdobeMarker(jpeg(new IIOImage(r, null, null), false));
  }

  /** An Adobe APP14 segment (transform 0: CMYK, not YCCK) right after SOI. */
  static byte[] withAdobeMarker(byte[] jpeg) {
    ByteBuffer seg = ByteBuffer.allocate(2 + 2 + 12);
    seg.put((byte) 0xFF).put((byte) 0xEE).putShort((short) 14);
    seg.put("Adobe".getBytes(StandardCharsets.US_ASCII)).putShort((short) 100).putShort((short) 0)
        .putShort((short) 0).put((byte) 0);
    return insertAfterSoi(jpeg, seg.array());
  }

  /** {@code jpeg} with an EXIF APP1 segment whose orientation tag (274) is {@code orientation}, right after SOI. */
  public static byte[] withExifOrientation(byte[] jpeg, int orientation) {
    ByteBuffer seg = ByteBuffer.allocate(2 + 2 + 6 + 8 + 2 + 12 + 4);
    seg.put((byte) 0xFF).put((byte) 0xE1).putShort((short) (seg.capacity() - 2));
    seg.put("Exif".getBytes(StandardCharsets.US_ASCII)).put((byte) 0).put((byte) 0);
    seg.put((byte) 'M').put((byte) 'M').putShort((short) 42).putInt(8); // big-endian TIFF, IFD0 at 8
    seg.putShort((short) 1); // one entry
    seg.putShort((short) 274).putShort((short) 3).putInt(1).putShort((short) orientation).putShort((short) 0);
    seg.putInt(0); // no next IFD
    return insertAfterSoi(jpeg, seg.array());
  }

  private static byte[] insertAfterSoi(byte[] jpeg, byte[] segment) {
    byte[] out = new byte[jpeg.length + segment.length];
    System.arraycopy(jpeg, 0, out, 0, 2);
    System.arraycopy(segment, 0, out, 2, segment.length);
    System.arraycopy(jpeg, 2, out, 2 + segment.length, jpeg.length - 2);
    return out;
  }

  public static byte[] png(BufferedImage img) {
    return write(img, "png");
  }

  static byte[] write(BufferedImage img, String format) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      if (!ImageIO.write(img, format, out)) {
        throw new IllegalStateException("no ImageIO writer for " + format);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static BufferedImage grey16(BufferedImage rgb) {
    BufferedImage g = new BufferedImage(rgb.getWidth(), rgb.getHeight(), BufferedImage.TYPE_USHORT_GRAY);
    WritableRaster r = g.getRaster();
    for (int y = 0; y < rgb.getHeight(); y++) {
      for (int x = 0; x < rgb.getWidth(); x++) {
        int p = rgb.getRGB(x, y);
        double luma = 0.299 * ((p >> 16) & 0xff) + 0.587 * ((p >> 8) & 0xff) + 0.114 * (p & 0xff);
        r.setSample(x, y, 0, (int) Math.round(luma * 257));
      }
    }
    return g;
  }

  private static BufferedImage rgb16(BufferedImage rgb) {
    ComponentColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB), new int[] {16, 16, 16},
        false, false, java.awt.Transparency.OPAQUE, DataBuffer.TYPE_USHORT);
    WritableRaster r = cm.createCompatibleWritableRaster(rgb.getWidth(), rgb.getHeight());
    for (int y = 0; y < rgb.getHeight(); y++) {
      for (int x = 0; x < rgb.getWidth(); x++) {
        int p = rgb.getRGB(x, y);
        r.setPixel(x, y, new int[] {((p >> 16) & 0xff) * 257, ((p >> 8) & 0xff) * 257, (p & 0xff) * 257});
      }
    }
    return new BufferedImage(cm, r, false, null);
  }

  /** A PNG signature and IHDR chunk declaring {@code w x h} 8-bit RGB pixels, and nothing else. */
  public static byte[] pngHeader(int w, int h) {
    ByteBuffer b = ByteBuffer.allocate(8 + 25);
    b.put(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
    ByteBuffer chunk = ByteBuffer.allocate(17);
    chunk.put("IHDR".getBytes(StandardCharsets.US_ASCII)).putInt(w).putInt(h)
        .put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
    CRC32 crc = new CRC32();
    crc.update(chunk.array());
    b.putInt(13).put(chunk.array()).putInt((int) crc.getValue());
    return b.array();
  }

  private static ImageWriter writer(String format) {
    Iterator<ImageWriter> it = ImageIO.getImageWritersByFormatName(format);
    if (!it.hasNext()) {
      throw new IllegalStateException("no ImageIO writer for " + format);
    }
    return it.next();
  }
}

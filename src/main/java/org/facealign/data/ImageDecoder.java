package org.facealign.data;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentSampleModel;
import java.awt.image.DataBufferByte;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * Decodes image files (JPEG, PNG, BMP, GIF: whatever {@code javax.imageio} reads) into {@link GrayImage}s,
 * defensively, since executors decode files nobody has looked at. JPEGs go through TwelveMonkeys' ImageIO
 * plugin (on the classpath, it takes precedence over the JDK's reader): it reads the CMYK and YCCK JPEGs the
 * JDK's reader refuses, and decodes ordinary ones with the JDK's own decoder, so their pixels are unchanged.
 *
 * <ul>
 *   <li>The declared width and height are read from the header first, and an image larger than the
 *       pixel limit is refused before any pixel buffer is allocated: a 60-byte PNG can declare
 *       50000x50000 pixels, and decoding it would take the executor down.
 *   <li>ImageIO reports a truncated JPEG only as a <em>warning</em> and returns a partly grey image; a
 *       warning listener turns every warning into an error (but those about colour profiles only), so a damaged
 *       file fails that face instead of training on garbage.
 *   <li>Streams are in memory ({@link MemoryCacheImageInputStream}), never ImageIO's temporary-file cache,
 *       so decoding touches no local disk.
 * </ul>
 *
 * <p>Grey conversion uses the Rec. 601 luma weights {@code 0.299 R + 0.587 G + 0.114 B} directly on the
 * stored 8-bit values (no gamma linearisation, alpha ignored): the convention of OpenCV and of the
 * published 300-W baselines, so features match theirs. Samples are read from the raster rather than
 * through {@code getRGB}, because Java2D treats 8-bit grey images as linear and would apply a gamma curve.
 * 16-bit samples are scaled to 0..255. Values are kept as floats, not rounded. An animated GIF gives its
 * first frame.
 *
 * <p>Failures are {@link DataException}s with a {@link DataException#code() code}: {@code empty_file},
 * {@code not_an_image}, {@code bad_header}, {@code too_many_pixels}, {@code corrupt_image} (truncated or
 * damaged data: a reader's warning, or an end of file or a broken compressed stream anywhere in the cause chain of
 * its error) or {@code undecodable} (a variant the reader cannot decode).
 *
 * <p>{@link #decode} returns the stored pixels, the frame training annotations are in. {@link #decodeOriented}
 * also applies a JPEG's EXIF orientation, giving the image as viewers display it.
 */
public final class ImageDecoder {
  private ImageDecoder() {}

  /**
   * Decodes an image file to grey.
   *
   * @param bytes the whole file
   * @param source the file name, for error messages
   * @param maxPixels the largest {@code width * height} accepted
   * @throws DataException naming {@code source} for an empty, unknown, oversized, truncated or corrupt file
   */
  public static GrayImage decode(byte[] bytes, String source, long maxPixels) {
    if (bytes.length == 0) {
      throw DataException.coded("empty_file", source, "empty file");
    }
    List<String> warnings = new ArrayList<>();
    BufferedImage img;
    try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
      ImageReader reader = readerFor(in, source);
      try {
        IIOReadWarningListener listener = (r, warning) -> {
          if (!benign(warning)) {
            warnings.add(warning);
          }
        };
        reader.addIIOReadWarningListener(listener);
        reader.setInput(in, true, true);
        int w;
        int h;
        try {
          w = reader.getWidth(0);
          h = reader.getHeight(0);
        } catch (IOException | RuntimeException e) {
          throw DataException.coded("bad_header", source, "cannot read image header: " + describe(e), e);
        }
        checkSize(w, h, maxPixels, source);
        img = reader.read(0, reader.getDefaultReadParam());
      } finally {
        reader.dispose();
      }
    } catch (DataException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      // readers wrap what went wrong (PNG: an IIOException around the EOFException of its inflater)
      if (causedBy(e, java.io.EOFException.class)) {
        throw DataException.coded("corrupt_image", source, "truncated image data: " + describe(e), e);
      }
      if (causedBy(e, java.util.zip.ZipException.class)) {
        throw DataException.coded("corrupt_image", source, "corrupt image data: " + describe(e), e);
      }
      throw DataException.coded("undecodable", source, "cannot decode image: " + describe(e), e);
    }
    if (!warnings.isEmpty()) {
      throw DataException.coded("corrupt_image", source, "truncated or corrupt image data: " + String.join("; ", warnings));
    }
    if (img == null) {
      throw DataException.coded("undecodable", source, "cannot decode image: the reader returned no image");
    }
    return toGray(img);
  }

  /**
   * An image as displayed: the decoded pixels with the file's EXIF orientation applied.
   *
   * @param image the grey image in the displayed frame (width and height swapped for orientations 5..8)
   * @param orientation the EXIF orientation tag of the file, 1..8 (1 when it has none)
   */
  public record Oriented(GrayImage image, int orientation) {}

  /**
   * Decodes an image file to grey in the frame viewers display it: a JPEG's EXIF orientation (tag 274) is
   * applied. Every other format, and a JPEG without the tag or with an unreadable one, is returned as stored.
   *
   * @throws DataException as {@link #decode}
   */
  public static Oriented decodeOriented(byte[] bytes, String source, long maxPixels) {
    GrayImage stored = decode(bytes, source, maxPixels);
    int orientation = exifOrientation(bytes);
    return new Oriented(stored.oriented(orientation), orientation);
  }

  /**
   * The EXIF orientation of a JPEG file (1..8), or 1 when the file is not a JPEG, has no EXIF block or no
   * valid orientation tag: a damaged EXIF block never fails an image that decodes.
   */
  public static int exifOrientation(byte[] bytes) {
    if (bytes.length < 4 || (bytes[0] & 0xff) != 0xFF || (bytes[1] & 0xff) != 0xD8) {
      return 1;
    }
    try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
      for (com.twelvemonkeys.imageio.metadata.jpeg.JPEGSegment seg
          : com.twelvemonkeys.imageio.metadata.jpeg.JPEGSegmentUtil.readSegments(in, 0xFFE1, "Exif")) {
        java.io.InputStream data = seg.data();
        if (data.read() == -1) { // the pad byte after "Exif\0"
          continue;
        }
        try (ImageInputStream tiff = new MemoryCacheImageInputStream(data)) {
          com.twelvemonkeys.imageio.metadata.Entry e =
              new com.twelvemonkeys.imageio.metadata.tiff.TIFFReader().read(tiff).getEntryById(274);
          if (e != null && e.getValue() instanceof Number n && n.intValue() >= 1 && n.intValue() <= 8) {
            return n.intValue();
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      // unreadable metadata: the pixels as stored
    }
    return 1;
  }

  /**
   * The declared {@code {width, height}} of an image, from its header only (no pixels are decoded).
   *
   * @throws DataException naming {@code source} for an empty or unrecognised file or an unreadable header
   */
  public static int[] probeSize(byte[] bytes, String source) {
    if (bytes.length == 0) {
      throw DataException.coded("empty_file", source, "empty file");
    }
    try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
      ImageReader reader = readerFor(in, source);
      try {
        reader.setInput(in, true, true);
        return new int[] {reader.getWidth(0), reader.getHeight(0)};
      } finally {
        reader.dispose();
      }
    } catch (DataException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      throw DataException.coded("bad_header", source, "cannot read image header: " + describe(e), e);
    }
  }

  /**
   * Encodes a grey image as an 8-bit grey PNG or JPEG (quality 0.95), rounding and clamping the values to
   * 0..255. Used to write synthetic data sets and debugging output.
   *
   * @param format {@code "png"} or {@code "jpg"} (also {@code "jpeg"})
   * @throws IllegalArgumentException for another format
   */
  public static byte[] encode(GrayImage img, String format) {
    String f = format.toLowerCase(Locale.ROOT);
    if (f.equals("jpeg")) {
      f = "jpg";
    }
    if (!f.equals("png") && !f.equals("jpg")) {
      throw new IllegalArgumentException("unsupported image format '" + format + "': use png or jpg");
    }
    BufferedImage bi = new BufferedImage(img.width(), img.height(), BufferedImage.TYPE_BYTE_GRAY);
    WritableRaster r = bi.getRaster();
    int[] row = new int[img.width()];
    for (int y = 0; y < img.height(); y++) {
      for (int x = 0; x < img.width(); x++) {
        row[x] = (int) Math.max(0, Math.min(255, Math.round(img.get(x, y))));
      }
      r.setSamples(0, y, img.width(), 1, 0, row);
    }
    Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName(f);
    if (!writers.hasNext()) {
      throw new IllegalStateException("no ImageIO writer for " + f);
    }
    ImageWriter writer = writers.next();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (MemoryCacheImageOutputStream ios = new MemoryCacheImageOutputStream(out)) {
      writer.setOutput(ios);
      ImageWriteParam param = writer.getDefaultWriteParam();
      if (f.equals("jpg")) {
        param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
        param.setCompressionQuality(0.95f);
      }
      writer.write(null, new IIOImage(bi, null, null), param);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot encode " + f + " in memory", e);
    } finally {
      writer.dispose();
    }
    return out.toByteArray();
  }

  /**
   * Whether a reader's warning is about colour management only (e.g. a CMYK JPEG without an ICC profile, converted
   * with a generic one), not about damaged data.
   */
  static boolean benign(String warning) {
    String w = warning.toLowerCase(Locale.ROOT);
    return w.contains("icc") || w.contains("color profile") || w.contains("colour profile");
  }

  private static ImageReader readerFor(ImageInputStream in, String source) {
    Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
    if (!readers.hasNext()) {
      throw DataException.coded("not_an_image", source, "not a recognised image format");
    }
    return readers.next();
  }

  private static void checkSize(int w, int h, long maxPixels, String source) {
    if (w < 1 || h < 1) {
      throw DataException.coded("bad_header", source, "declared size " + w + "x" + h + " is empty");
    }
    long n = (long) w * h;
    if (n > maxPixels) {
      throw DataException.coded("too_many_pixels",
          source, "declared size " + w + "x" + h + " = " + n + " pixels exceeds the limit of " + maxPixels);
    }
  }

  /** Whether {@code e} or one of its causes is a {@code type}. */
  private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (type.isInstance(t)) {
        return true;
      }
    }
    return false;
  }

  private static String describe(Throwable e) {
    StringBuilder b = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (b.length() > 0) {
        b.append(": ");
      }
      b.append(t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName());
      if (t.getCause() == t) {
        break;
      }
    }
    return b.toString();
  }

  /** Luma of a decoded image, from its raster samples (see the class comment). */
  static GrayImage toGray(BufferedImage img) {
    int w = img.getWidth();
    int h = img.getHeight();
    float[] out = new float[w * h];
    ColorModel cm = img.getColorModel();
    Raster r = img.getRaster();
    int type = cm.getColorSpace().getType();
    int[] s0 = new int[w];
    int[] s1 = new int[w];
    int[] s2 = new int[w];
    if (cm instanceof IndexColorModel icm) {
      int n = icm.getMapSize();
      float[] lut = new float[n];
      for (int i = 0; i < n; i++) {
        lut[i] = luma(icm.getRed(i), icm.getGreen(i), icm.getBlue(i));
      }
      for (int y = 0; y < h; y++) {
        r.getSamples(0, y, w, 1, 0, s0);
        for (int x = 0; x < w; x++) {
          out[y * w + x] = lut[s0[x]];
        }
      }
    } else if (type == ColorSpace.TYPE_GRAY && cm.getNumColorComponents() == 1) {
      float scale = 255f / ((1 << r.getSampleModel().getSampleSize(0)) - 1);
      for (int y = 0; y < h; y++) {
        r.getSamples(0, y, w, 1, 0, s0);
        for (int x = 0; x < w; x++) {
          out[y * w + x] = s0[x] * scale;
        }
      }
    } else if (type == ColorSpace.TYPE_RGB && cm.getNumColorComponents() == 3 && interleavedBytes(r)) {
      // The usual JPEG and PNG case: read the bytes directly instead of through getSamples (3x faster).
      ComponentSampleModel sm = (ComponentSampleModel) r.getSampleModel();
      DataBufferByte db = (DataBufferByte) r.getDataBuffer();
      byte[] d0 = db.getData(sm.getBankIndices()[0]);
      byte[] d1 = db.getData(sm.getBankIndices()[1]);
      byte[] d2 = db.getData(sm.getBankIndices()[2]);
      int[] band = sm.getBandOffsets();
      int o0 = db.getOffsets()[sm.getBankIndices()[0]] + band[0];
      int o1 = db.getOffsets()[sm.getBankIndices()[1]] + band[1];
      int o2 = db.getOffsets()[sm.getBankIndices()[2]] + band[2];
      int ps = sm.getPixelStride();
      int ss = sm.getScanlineStride();
      for (int y = 0; y < h; y++) {
        int row = y * ss;
        for (int x = 0; x < w; x++) {
          int p = row + x * ps;
          out[y * w + x] = luma(d0[o0 + p] & 0xff, d1[o1 + p] & 0xff, d2[o2 + p] & 0xff);
        }
      }
    } else if (type == ColorSpace.TYPE_RGB && cm.getNumColorComponents() == 3) {
      float f0 = 255f / ((1 << r.getSampleModel().getSampleSize(0)) - 1);
      float f1 = 255f / ((1 << r.getSampleModel().getSampleSize(1)) - 1);
      float f2 = 255f / ((1 << r.getSampleModel().getSampleSize(2)) - 1);
      for (int y = 0; y < h; y++) {
        r.getSamples(0, y, w, 1, 0, s0);
        r.getSamples(0, y, w, 1, 1, s1);
        r.getSamples(0, y, w, 1, 2, s2);
        for (int x = 0; x < w; x++) {
          out[y * w + x] = luma(s0[x] * f0, s1[x] * f1, s2[x] * f2);
        }
      }
    } else {
      // Other colour spaces (CMYK, YCCK, ...): let Java2D convert to sRGB.
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          int argb = img.getRGB(x, y);
          out[y * w + x] = luma((argb >> 16) & 0xff, (argb >> 8) & 0xff, argb & 0xff);
        }
      }
    }
    return GrayImage.wrap(w, h, out);
  }

  /** Whether {@code r} is a top-level raster of 8-bit samples in one byte array per band. */
  private static boolean interleavedBytes(Raster r) {
    return r.getParent() == null && r.getSampleModelTranslateX() == 0 && r.getSampleModelTranslateY() == 0
        && r.getSampleModel() instanceof ComponentSampleModel sm && r.getDataBuffer() instanceof DataBufferByte
        && sm.getNumBands() >= 3 && sm.getSampleSize(0) == 8 && sm.getSampleSize(1) == 8 && sm.getSampleSize(2) == 8;
  }

  private static float luma(double red, double green, double blue) {
    return (float) (0.299 * red + 0.587 * green + 0.114 * blue);
  }
}

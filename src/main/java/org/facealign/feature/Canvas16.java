package org.facealign.feature;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.facealign.data.GrayImage;

/**
 * The stored form of a canonical canvas: little-endian unsigned 16-bit fixed point, 1/{@value #SCALE}
 * grey level (fine enough to keep the σ = 0.5 noise of augmented copies), half the bytes of floats.
 */
public final class Canvas16 {
  /** Fixed-point scale: value = stored / SCALE. */
  public static final int SCALE = 64;

  private Canvas16() {}

  public static byte[] encode(GrayImage g) {
    float[] px = g.toArray();
    ByteBuffer b = ByteBuffer.allocate(2 * px.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : px) {
      b.putShort((short) Math.max(0, Math.min(65535, Math.round(v * SCALE))));
    }
    return b.array();
  }

  /** The {@code size x size} canvas of {@code bytes}. */
  public static GrayImage decode(byte[] bytes, int size) {
    if (bytes.length != 2 * size * size) {
      throw new IllegalArgumentException("a " + size + "x" + size + " canvas has " + 2 * size * size + " bytes, got " + bytes.length);
    }
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    float[] px = new float[size * size];
    for (int i = 0; i < px.length; i++) {
      px[i] = (b.getShort() & 0xffff) / (float) SCALE;
    }
    return GrayImage.wrap(size, size, px);
  }
}

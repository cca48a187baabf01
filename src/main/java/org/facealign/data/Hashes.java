package org.facealign.data;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The project's one SHA-256: content hashes, checksums and fingerprints in lower-case hex, and a 64-bit hash of
 * strings for partitioning, sampling and seeding.
 */
public final class Hashes {
  private Hashes() {}

  /** SHA-256 of the concatenation of {@code parts}, lower-case hex. */
  public static String sha256(byte[]... parts) {
    MessageDigest md = sha256Digest();
    for (byte[] p : parts) {
      md.update(p);
    }
    return HexFormat.of().formatHex(md.digest());
  }

  /** SHA-256 of {@code text}'s UTF-8 bytes, lower-case hex. */
  public static String sha256(String text) {
    return sha256(text.getBytes(StandardCharsets.UTF_8));
  }

  /** A fresh SHA-256 digest. */
  private static MessageDigest sha256Digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }

  /** The first 64 bits of the SHA-256 of {@code text}: stable across JVMs, releases and machines. */
  public static long hash64(String text) {
    byte[] d = sha256Digest().digest(text.getBytes(StandardCharsets.UTF_8));
    long h = 0;
    for (int i = 0; i < 8; i++) {
      h = (h << 8) | (d[i] & 0xff);
    }
    return h;
  }
}

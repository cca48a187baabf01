package org.facealign.label;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Collection;
import java.util.HexFormat;
import java.util.function.Predicate;

/**
 * The content hashes a model has already labelled, compactly: the first 64 bits of each SHA-256, sorted, 8 bytes
 * per image (a set of a million hex strings would take about 150 MB on every executor). Two different images share
 * their first 64 bits with probability about n^2 / 2^65: below 3e-8 for a million images.
 */
public final class KnownHashes implements Predicate<String>, Serializable {
  private static final long serialVersionUID = 1L;

  private final long[] sorted;

  private KnownHashes(long[] sorted) {
    this.sorted = sorted;
  }

  /** The set of {@code sha256s} (hex SHA-256 strings). */
  public static KnownHashes of(Collection<String> sha256s) {
    long[] a = new long[sha256s.size()];
    int i = 0;
    for (String h : sha256s) {
      a[i++] = prefix(h);
    }
    Arrays.sort(a);
    return new KnownHashes(a);
  }

  /** The set of the 64-bit prefixes {@code prefixes} (see {@link #prefix}). */
  public static KnownHashes ofPrefixes(long[] prefixes) {
    long[] a = prefixes.clone();
    Arrays.sort(a);
    return new KnownHashes(a);
  }

  /** The empty set. */
  public static KnownHashes none() {
    return new KnownHashes(new long[0]);
  }

  /** The first 64 bits of a hex SHA-256. */
  public static long prefix(String sha256) {
    return HexFormat.fromHexDigitsToLong(sha256.substring(0, 16));
  }

  public int size() {
    return sorted.length;
  }

  @Override
  public boolean test(String sha256) {
    return sorted.length > 0 && Arrays.binarySearch(sorted, prefix(sha256)) >= 0;
  }
}

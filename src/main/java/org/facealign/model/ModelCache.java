package org.facealign.model;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One decoded model per JVM and model fingerprint: executors receive a model's files once (a Spark
 * broadcast) and decode them once, however many tasks use it.
 */
public final class ModelCache {
  private static final Map<String, LandmarkModel> CACHE = new ConcurrentHashMap<>();

  private ModelCache() {}

  /** The model whose files are {@code files}, decoded (and checksum-verified) on first use. */
  public static LandmarkModel get(Map<String, byte[]> files, String source) {
    return CACHE.computeIfAbsent(ModelStore.fingerprint(files), k -> ModelStore.decode(files, source));
  }
}

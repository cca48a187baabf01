package org.facealign.feature;

/**
 * Whether the explicit SIMD kernels (the JDK's Vector API, {@code jdk.incubator.vector}, incubating in JDK 17)
 * are used. They are when the JVM was started with {@code --add-modules jdk.incubator.vector}, as the launch
 * scripts ({@code submit/env.sh}, {@code submit/cluster.sh}) and the tests start it, unless the system property
 * {@code facealign.vector-api} is {@code false}. Every kernel gives the same results to the last bit as the
 * plain loops it replaces (same operations in the same order, no fused multiply-add), so a JVM without the
 * module computes the same features and shapes, only more slowly. A class that uses the Vector API is loaded
 * only when {@link #ENABLED} is true.
 */
public final class Simd {
  /** The Vector API is present and not switched off. */
  public static final boolean ENABLED = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()
      && !"false".equals(System.getProperty("facealign.vector-api"));

  private Simd() {}
}

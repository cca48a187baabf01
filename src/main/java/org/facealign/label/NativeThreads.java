package org.facealign.label;

/**
 * Limits the native thread pools of OpenCV and ND4J in this JVM, once: on an executor each Spark task already has
 * a core of its own, and libraries that also spread every call over all cores only make the tasks fight.
 */
public final class NativeThreads {
  private static int applied = Integer.MIN_VALUE;

  private NativeThreads() {}

  /**
   * Sets OpenCV's threads and ND4J's (its operations and its BLAS: {@link org.facealign.model.Nd4jThreads}) to
   * {@code n} (0: leaves their defaults); later calls with the same n do nothing.
   */
  public static synchronized void limit(int n) {
    if (n <= 0 || applied == n) {
      return;
    }
    org.bytedeco.opencv.global.opencv_core.setNumThreads(n);
    org.facealign.model.Nd4jThreads.limit(n);
    applied = n;
  }
}

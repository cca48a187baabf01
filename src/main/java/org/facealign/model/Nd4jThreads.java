package org.facealign.model;

import org.nd4j.linalg.factory.Nd4j;

/**
 * Threads of ND4J's native code in this JVM: the OpenMP threads of its operations ({@code setOmpNumThreads}) and its
 * BLAS's (OpenBLAS on the CPU backend). ND4J starts both at one per core, which suits one task alone on a machine. A
 * Spark task already has a core of its own, and the products of training and inference here are small (a few
 * hundred rows), so more threads per task hand work across cores and busy-wait between calls: measured with MSRRN
 * training in the README ("Native threads"). The limit holds for the whole JVM: on an executor, every task in it; in
 * local mode the driver too.
 */
public final class Nd4jThreads {
  private static int applied;

  private Nd4jThreads() {}

  /**
   * Sets both to {@code n} threads; 0 leaves them as they are. The operations' threads are set once per value (ND4J
   * does not report them back); the BLAS's whenever they differ from {@code n}.
   */
  public static synchronized void limit(int n) {
    if (n <= 0) {
      return;
    }
    if (applied != n) {
      Nd4j.getExecutioner(); // loads the backend first
      org.nd4j.nativeblas.NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(n);
      applied = n;
    }
    org.nd4j.linalg.api.blas.Blas blas = Nd4j.factory().blas();
    if (blas.getMaxThreads() != n) {
      blas.setMaxThreads(n);
    }
  }

  /** The limit this JVM last applied, 0 if none. */
  public static synchronized int applied() {
    return applied;
  }
}

package org.facealign.model.msrrn.graph;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.concurrency.AffinityManager;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Bulk transfers between Java arrays and ND4J arrays of the network's data type (FLOAT or DOUBLE), correct on
 * every ND4J backend.
 *
 * <p>The Java side of the recurrent regression vertex reads and writes whole ranges of its working arrays. It does
 * so through the arrays' host buffers ({@code DataBuffer.asNioFloat()} / {@code asNioDouble()}), with the
 * synchronisation ND4J asks of host access: before reading or writing, {@code AffinityManager.ensureLocation(a,
 * HOST)} brings the host copy up to date (a device-to-host copy on CUDA when the device holds newer values, a
 * no-op on the CPU backend); after writing, {@code tagLocation(a, HOST)} marks the host copy as the newest, so
 * the backend copies it to the device before an operation reads it there. The arrays must be plain: row-major,
 * not views, their values from the start of their buffer ({@link #isPlain}); a view or another layout is copied
 * first ({@link #read}) or written through an ND4J assignment ({@link #write}).
 */
final class HostCopy {
  private final DataType dt;
  private float[] floats = new float[0];
  private double[] chunk = new double[0];
  private double[] chunk2 = new double[0];

  HostCopy(DataType dt) {
    if (dt != DataType.FLOAT && dt != DataType.DOUBLE) {
      throw new IllegalArgumentException("the recurrent regression vertex supports FLOAT and DOUBLE, not " + dt);
    }
    this.dt = dt;
  }

  /** A reusable staging array of at least {@code len} values. */
  double[] chunk(int len) {
    if (chunk.length < len) {
      chunk = new double[len];
    }
    return chunk;
  }

  /** A second reusable staging array of at least {@code len} values. */
  double[] chunk2(int len) {
    if (chunk2.length < len) {
      chunk2 = new double[len];
    }
    return chunk2;
  }

  private float[] floats(int len) {
    if (floats.length < len) {
      floats = new float[len];
    }
    return floats;
  }

  /**
   * Whether {@code a} can be transferred in place: its values row-major and contiguous (the strides of dimensions
   * of size 1 do not matter), not a view, from the start of its buffer.
   */
  static boolean isPlain(INDArray a) {
    if (a.isView() || a.data().offset() != 0 || a.data().length() < a.length()) {
      return false;
    }
    long[] shape = a.shape();
    long[] stride = a.stride();
    long expected = 1;
    for (int i = shape.length - 1; i >= 0; i--) {
      if (shape[i] != 1 && stride[i] != expected) {
        return false;
      }
      expected *= shape[i];
    }
    return true;
  }

  private void check(INDArray a, long off, int len) {
    if (a.dataType() != dt) {
      throw new IllegalArgumentException("array of " + a.dataType() + ", transfers of " + dt);
    }
    if (!isPlain(a)) {
      throw new IllegalArgumentException("not a plain row-major array: " + a.shapeInfoToString());
    }
    if (off < 0 || len < 0 || off + len > a.length() || off + len > Integer.MAX_VALUE) {
      throw new IndexOutOfBoundsException("values " + off + " .. " + (off + len) + " of " + a.length());
    }
  }

  /** Writes {@code src[0 .. len)} to the plain array {@code dst} from element {@code off}, converting to its type. */
  void put(INDArray dst, long off, double[] src, int len) {
    check(dst, off, len);
    AffinityManager am = Nd4j.getAffinityManager();
    // the host copy must be current: the values around the range written stay as they are
    am.ensureLocation(dst, AffinityManager.Location.HOST);
    if (dt == DataType.DOUBLE) {
      DoubleBuffer b = dst.data().asNioDouble();
      b.put((int) off, src, 0, len);
    } else {
      float[] f = floats(len);
      for (int i = 0; i < len; i++) {
        f[i] = (float) src[i];
      }
      FloatBuffer b = dst.data().asNioFloat();
      b.put((int) off, f, 0, len);
    }
    am.tagLocation(dst, AffinityManager.Location.HOST);
  }

  /** Reads {@code len} values of the plain array {@code src} from element {@code off} into {@code dst}. */
  void get(INDArray src, long off, double[] dst, int len) {
    check(src, off, len);
    Nd4j.getAffinityManager().ensureLocation(src, AffinityManager.Location.HOST);
    if (dt == DataType.DOUBLE) {
      src.data().asNioDouble().get((int) off, dst, 0, len);
    } else {
      float[] f = floats(len);
      src.data().asNioFloat().get((int) off, f, 0, len);
      for (int i = 0; i < len; i++) {
        dst[i] = f[i];
      }
    }
  }

  /** All values of {@code a}, row-major, in double. */
  static double[] read(INDArray a) {
    try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
      INDArray d = a.castTo(DataType.DOUBLE);
      INDArray cont = isPlain(d) ? d : d.dup('c');
      double[] r = new double[Math.toIntExact(cont.length())];
      new HostCopy(DataType.DOUBLE).get(cont, 0, r, r.length);
      if (cont != a) {
        cont.close();
      }
      if (d != a && d != cont) {
        d.close();
      }
      return r;
    }
  }

  /** Writes {@code v[0 .. len)} into {@code a} (all of it, row-major), converting to its data type. */
  static void write(INDArray a, double[] v, int len) {
    if (len != a.length()) {
      throw new IllegalArgumentException(len + " values for an array of " + a.length());
    }
    if (isPlain(a)) {
      new HostCopy(a.dataType()).put(a, 0, v, len);
      return;
    }
    try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces();
        INDArray d = Nd4j.create(java.util.Arrays.copyOf(v, len), a.shape(), 'c');
        INDArray src = d.castTo(a.dataType())) {
      a.assign(src);
    }
  }
}

package org.facealign.model.deepreg.graph;

import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Moves the vertices' Java arrays into ND4J arrays of the workspace DL4J expects ({@link ArrayType}), through
 * a detached temporary that is closed at once. Only backend-neutral calls ({@code create}, {@code assign}),
 * so the same code runs on the CPU and CUDA backends.
 */
final class VertexArrays {
  private VertexArrays() {}

  /** A {@code rows x cols} array of {@code type} in data type {@code dt} holding {@code data} (row-major). */
  static INDArray of(LayerWorkspaceMgr mgr, ArrayType type, DataType dt, float[] data, int rows, int cols) {
    INDArray out = mgr.createUninitialized(type, dt, new long[] {rows, cols}, 'c');
    try (MemoryWorkspace ws = Nd4j.getMemoryManager().scopeOutOfWorkspaces();
        INDArray tmp = Nd4j.create(data, new long[] {rows, cols}, 'c')) {
      out.assign(tmp);
    }
    return out;
  }

  /** As {@link #of(LayerWorkspaceMgr, ArrayType, DataType, float[], int, int)} for doubles. */
  static INDArray of(LayerWorkspaceMgr mgr, ArrayType type, DataType dt, double[] data, int rows, int cols) {
    INDArray out = mgr.createUninitialized(type, dt, new long[] {rows, cols}, 'c');
    try (MemoryWorkspace ws = Nd4j.getMemoryManager().scopeOutOfWorkspaces();
        INDArray tmp = Nd4j.create(data, new long[] {rows, cols}, 'c')) {
      out.assign(tmp);
    }
    return out;
  }

  /** Zeros, {@code rows x cols}. */
  static INDArray zeros(LayerWorkspaceMgr mgr, ArrayType type, DataType dt, long rows, long cols) {
    return mgr.create(type, dt, rows, cols);
  }
}

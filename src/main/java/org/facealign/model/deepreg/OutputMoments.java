package org.facealign.model.deepreg;

import java.io.Serializable;

/**
 * The second moments of what each local layer of a cascade adds to the shape, over a set of samples, mergeable:
 * {@code M_t = Σ y yᵀ} with {@code y = W_t φ_t} (the layer's output without its biases), from the trajectories
 * {@code s_0 .. s_T} the cascade runs on the samples ({@code y = s_t - s_{t-1} - b_t}). {@link ReducedRank}
 * factorises each layer with them.
 */
public final class OutputMoments implements Serializable {
  private static final long serialVersionUID = 1L;
  private final int stages;
  private final int dim;
  private final double[][] biases;
  /** {@code M_t}, row-major {@code dim x dim}, upper triangle summed (the lower is filled on read). */
  private final double[][] sums;
  private long count;

  /** Empty moments for the local layers of {@code cascade}. */
  public OutputMoments(Cascade cascade) {
    this.stages = cascade.numStages();
    this.dim = 2 * cascade.numPoints();
    this.biases = new double[stages][];
    for (int t = 0; t < stages; t++) {
      float[] b = cascade.stages().get(t).biases();
      biases[t] = new double[dim];
      for (int i = 0; i < dim; i++) {
        biases[t][i] = b[i];
      }
    }
    this.sums = new double[stages][dim * dim];
  }

  /** Adds one sample's trajectory {@code s_0 .. s_T} (shape units) under the cascade these moments were made for. */
  public OutputMoments add(double[][] trajectory) {
    if (trajectory.length != stages + 1) {
      throw new IllegalArgumentException("a trajectory of " + trajectory.length + " shapes for " + stages + " stages");
    }
    double[] y = new double[dim];
    for (int t = 0; t < stages; t++) {
      for (int i = 0; i < dim; i++) {
        y[i] = trajectory[t + 1][i] - trajectory[t][i] - biases[t][i];
      }
      double[] m = sums[t];
      for (int i = 0; i < dim; i++) {
        double yi = y[i];
        int row = i * dim;
        for (int j = i; j < dim; j++) {
          m[row + j] += yi * y[j];
        }
      }
    }
    count++;
    return this;
  }

  public OutputMoments merge(OutputMoments o) {
    if (o.stages != stages || o.dim != dim) {
      throw new IllegalArgumentException("moments of " + o.stages + " stages x " + o.dim + " merged into " + stages + " x " + dim);
    }
    for (int t = 0; t < stages; t++) {
      for (int k = 0; k < sums[t].length; k++) {
        sums[t][k] += o.sums[t][k];
      }
    }
    count += o.count;
    return this;
  }

  public long count() {
    return count;
  }

  public int numStages() {
    return stages;
  }

  /** The mean {@code E[y yᵀ]} of local layer {@code t} (0-based), row-major {@code dim x dim}, symmetric. */
  public double[] mean(int t) {
    if (count == 0) {
      throw new IllegalStateException("no samples in the moments");
    }
    double[] m = new double[dim * dim];
    for (int i = 0; i < dim; i++) {
      for (int j = i; j < dim; j++) {
        double v = sums[t][i * dim + j] / count;
        m[i * dim + j] = v;
        m[j * dim + i] = v;
      }
    }
    return m;
  }
}

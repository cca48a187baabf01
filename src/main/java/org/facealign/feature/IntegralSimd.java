package org.facealign.feature;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link ResponseMaps#integralGrid} with explicit SIMD: the {@code n} orientations of an integral node are
 * contiguous, so each of the four bilinear neighbours of a grid point is a whole number of vector loads, and
 * each grid point is a dozen instructions instead of {@code 8 n}; with so few instructions per point the
 * processor keeps many points' memory reads in flight, which matters because a face's integral images (2.4 MB)
 * are rarely in cache when a batch of faces is aligned: 0.59 against 0.82 µs per 128-value descriptor
 * ({@code FeatureBench.descriptorPerLandmark}). The same operations in the same order as the scalar loop, so
 * the same results to the last bit. Loaded only when {@link Simd#ENABLED}.
 */
final class IntegralSimd {
  private static final VectorSpecies<Double> SPECIES = DoubleVector.SPECIES_PREFERRED;
  /** Doubles per vector: 8 with AVX-512, 4 with AVX2. */
  static final int LANES = SPECIES.length();

  private IntegralSimd() {}

  /**
   * The {@code n} bilinearly weighted integrals of one grid point of {@link ResponseMaps#integralGrid}: nodes
   * {@code p00} (and {@code p00 + n}) on the row above, {@code p01} (and {@code p01 + n}) below, weights {@code
   * w00, w10, w01, w11}, written to {@code out[o .. o + n)}; {@code n} a multiple of {@link #LANES}.
   */
  static void point(double[] s, int p00, int p01, int n, double w00, double w10, double w01, double w11,
      double[] out, int o) {
    DoubleVector v00 = DoubleVector.broadcast(SPECIES, w00);
    DoubleVector v10 = DoubleVector.broadcast(SPECIES, w10);
    DoubleVector v01 = DoubleVector.broadcast(SPECIES, w01);
    DoubleVector v11 = DoubleVector.broadcast(SPECIES, w11);
    for (int k = 0; k < n; k += LANES) {
      DoubleVector a = DoubleVector.fromArray(SPECIES, s, p00 + k).mul(v00);
      DoubleVector b = DoubleVector.fromArray(SPECIES, s, p00 + n + k).mul(v10);
      DoubleVector c = DoubleVector.fromArray(SPECIES, s, p01 + k).mul(v01);
      DoubleVector d = DoubleVector.fromArray(SPECIES, s, p01 + n + k).mul(v11);
      a.add(b).add(c).add(d).intoArray(out, o + k);
    }
  }
}

package org.facealign.feature;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Gaussian blur of {@link ResponseMaps} with explicit SIMD: every tap of a row's blur in one pass, the sum
 * held in a register, where the plain loops make one pass over the row per pair of taps (a load and a store of
 * the sum each). The same float operations in the same order as the plain loops (products and sums, no fused
 * multiply-add), so the same bits. Loaded only when {@link Simd#ENABLED}.
 */
final class BlurSimd {
  private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
  private static final int LANES = SPECIES.length();

  private BlurSimd() {}

  /**
   * The horizontal blur of {@code ResponseMaps.blurRowFast}: {@code out[i] = norm[i] (k_0 in[i + pad slot] +
   * Σ_d k_d (in[i + (pad - d) slot] + in[i + (pad + d) slot]))} for {@code i < len}, the taps summed two at a
   * time in the order of the plain loops; {@code kernel[radius + d]} is tap {@code d}.
   */
  static void horizontal(float[] in, float[] norm, float[] kernel, int radius, int pad, int slot, float[] out,
      int len) {
    int r = radius;
    int mid = pad * slot;
    float k0 = kernel[r];
    float k1 = kernel[r + 1];
    int i = 0;
    for (int bound = SPECIES.loopBound(len); i < bound; i += LANES) {
      int c = mid + i;
      FloatVector acc = FloatVector.fromArray(SPECIES, in, c).mul(k0)
          .add(FloatVector.fromArray(SPECIES, in, c - slot).add(FloatVector.fromArray(SPECIES, in, c + slot)).mul(k1));
      int d = 2;
      for (; d + 1 <= r; d += 2) {
        FloatVector a = FloatVector.fromArray(SPECIES, in, c - d * slot)
            .add(FloatVector.fromArray(SPECIES, in, c + d * slot)).mul(kernel[r + d]);
        FloatVector b = FloatVector.fromArray(SPECIES, in, c - (d + 1) * slot)
            .add(FloatVector.fromArray(SPECIES, in, c + (d + 1) * slot)).mul(kernel[r + d + 1]);
        acc = acc.add(a.add(b));
      }
      if (d == r) {
        acc = acc.add(FloatVector.fromArray(SPECIES, in, c - d * slot)
            .add(FloatVector.fromArray(SPECIES, in, c + d * slot)).mul(kernel[r + d]));
      }
      acc.mul(FloatVector.fromArray(SPECIES, norm, i)).intoArray(out, i);
    }
    for (; i < len; i++) {
      int c = mid + i;
      float acc = k0 * in[c] + k1 * (in[c - slot] + in[c + slot]);
      int d = 2;
      for (; d + 1 <= r; d += 2) {
        acc += kernel[r + d] * (in[c - d * slot] + in[c + d * slot])
            + kernel[r + d + 1] * (in[c - (d + 1) * slot] + in[c + (d + 1) * slot]);
      }
      if (d == r) {
        acc += kernel[r + d] * (in[c - d * slot] + in[c + d * slot]);
      }
      out[i] = acc * norm[i];
    }
  }

  /**
   * The vertical blur of {@code ResponseMaps.blurColumns}: {@code acc[i] = Σ_d scaled[d] (above_d[i] +
   * below_d[i])} (the centre once), {@code rows[r + d]} the row {@code d} below the centre ({@code d < 0}
   * above), {@code scaled[d]} tap {@code d} times the row's renormalisation; the order of the plain loops.
   */
  static void vertical(float[][] rows, float[] scaled, int radius, float[] acc, int len) {
    int r = radius;
    float[] mid = rows[r];
    float[] a1 = rows[r - 1];
    float[] b1 = rows[r + 1];
    float k0 = scaled[0];
    float k1 = scaled[1];
    int i = 0;
    for (int bound = SPECIES.loopBound(len); i < bound; i += LANES) {
      FloatVector v = FloatVector.fromArray(SPECIES, mid, i).mul(k0)
          .add(FloatVector.fromArray(SPECIES, a1, i).add(FloatVector.fromArray(SPECIES, b1, i)).mul(k1));
      int d = 2;
      for (; d + 1 <= r; d += 2) {
        FloatVector a = FloatVector.fromArray(SPECIES, rows[r - d], i)
            .add(FloatVector.fromArray(SPECIES, rows[r + d], i)).mul(scaled[d]);
        FloatVector b = FloatVector.fromArray(SPECIES, rows[r - d - 1], i)
            .add(FloatVector.fromArray(SPECIES, rows[r + d + 1], i)).mul(scaled[d + 1]);
        v = v.add(a.add(b));
      }
      if (d == r) {
        v = v.add(FloatVector.fromArray(SPECIES, rows[r - d], i)
            .add(FloatVector.fromArray(SPECIES, rows[r + d], i)).mul(scaled[d]));
      }
      v.intoArray(acc, i);
    }
    for (; i < len; i++) {
      float v = k0 * mid[i] + k1 * (a1[i] + b1[i]);
      int d = 2;
      for (; d + 1 <= r; d += 2) {
        v += scaled[d] * (rows[r - d][i] + rows[r + d][i]) + scaled[d + 1] * (rows[r - d - 1][i] + rows[r + d + 1][i]);
      }
      if (d == r) {
        v += scaled[d] * (rows[r - d][i] + rows[r + d][i]);
      }
      acc[i] = v;
    }
  }
}

package org.facealign.model.deepreg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LinearMapTest {
  private static float[] gaussians(int n, Random r) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return v;
  }

  @Test
  void applyAddEqualsTheDefinitionAlsoAfterSerialisation() throws Exception {
    Random r = new Random(2);
    int out = 7;
    int in = 29;
    float[] w = gaussians(out * in, r);
    float[] b = gaussians(out, r);
    LinearMap m = new LinearMap(out, in, w, b);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream o = new ObjectOutputStream(bytes)) {
      o.writeObject(m);
    }
    LinearMap back;
    try (ObjectInputStream i = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      back = (LinearMap) i.readObject();
    }
    float[] x = new float[in];
    for (int k = 0; k < in; k++) {
      x[k] = k % 5 == 0 ? 0 : (float) r.nextGaussian();
    }
    for (LinearMap map : new LinearMap[] {m, back}) {
      double[] acc = {1, 2, 3, 4, 5, 6, 7};
      map.applyAdd(x, acc);
      for (int j = 0; j < out; j++) {
        double ref = j + 1 + b[j];
        for (int k = 0; k < in; k++) {
          ref += w[j * in + k] * x[k];
        }
        assertEquals(ref, acc[j], 1e-4);
      }
    }
    assertEquals(m, back);
    assertThrows(IllegalArgumentException.class, () -> m.applyAdd(new float[in + 1], new double[out]));
  }

  @Test
  void theBatchProductEqualsEachSingleProductToTheLastBit() {
    Random r = new Random(3);
    int out = 9;
    int in = 3 * LinearMap.TILE + 17; // several tiles and a partial one
    float[] w = gaussians(out * in, r);
    LinearMap m = new LinearMap(out, in, w, gaussians(out, r));
    for (int n : new int[] {1, 3, 4, 7, 9}) { // blocks of four and the remainder
      float[][] x = new float[n][in];
      double[][] acc = new double[n][out];
      double[][] ref = new double[n][out];
      for (int i = 0; i < n; i++) {
        for (int k = 0; k < in; k++) {
          // zeros (skipped singly) at different columns of different inputs, and a column zero in all
          x[i][k] = k % (i + 2) == 0 || k == 5 ? 0 : (float) r.nextGaussian();
        }
        for (int j = 0; j < out; j++) {
          acc[i][j] = ref[i][j] = r.nextGaussian();
        }
        m.applyAdd(x[i], ref[i]);
      }
      m.applyAddAll(x, acc, n);
      for (int i = 0; i < n; i++) {
        org.junit.jupiter.api.Assertions.assertArrayEquals(ref[i], acc[i], 0.0, "batch of " + n + ", input " + i);
      }
    }
    assertThrows(IllegalArgumentException.class, () -> m.applyAddAll(new float[2][in], new double[1][out], 2));
    assertThrows(IllegalArgumentException.class, () -> m.applyAddAll(new float[][] {new float[in - 1]},
        new double[][] {new double[out]}, 1));
  }
}

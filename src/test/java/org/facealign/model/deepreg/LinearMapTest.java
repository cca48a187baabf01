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
    // the JVM of the tests runs with the Vector API, as the launch scripts do: the explicit SIMD path is tested
    org.junit.jupiter.api.Assertions.assertTrue(org.facealign.feature.Simd.ENABLED, "the tests run with jdk.incubator.vector");
    int in = 3 * LinearMap.TILE + 17; // several tiles (and SIMD chunks) and a partial one
    // 9 outputs: less than one vector; 136 (68 landmarks): blocks of three vectors and a partial vector; 32, 64, 80
    // and 112 (reduced ranks): two single vectors, a block of three and one, three and two, six and one (AVX-512)
    for (int out : new int[] {9, 32, 64, 80, 112, 136}) {
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
        double[][] scalar = new double[n][];
        for (int i = 0; i < n; i++) {
          scalar[i] = acc[i].clone();
        }
        m.applyAddAll(x, acc, n);
        m.productsScalar(x, scalar, n);
        for (int i = 0; i < n; i++) {
          org.junit.jupiter.api.Assertions.assertArrayEquals(ref[i], acc[i], 0.0,
              out + " outputs, batch of " + n + ", input " + i);
          org.junit.jupiter.api.Assertions.assertArrayEquals(ref[i], scalar[i], 0.0, "scalar loops, batch of " + n);
        }
      }
    }
    LinearMap m = new LinearMap(9, in, gaussians(9 * in, r), gaussians(9, r));
    assertThrows(IllegalArgumentException.class, () -> m.applyAddAll(new float[2][in], new double[1][9], 2));
    assertThrows(IllegalArgumentException.class, () -> m.applyAddAll(new float[][] {new float[in - 1]},
        new double[][] {new double[9]}, 1));
  }
}

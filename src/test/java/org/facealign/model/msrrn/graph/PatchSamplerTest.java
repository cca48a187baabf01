package org.facealign.model.msrrn.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.facealign.model.msrrn.kernel.PatchSampler;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The vertex's sampler computes what {@link PatchSampler} computes, and PatchSampler what its Javadoc says. */
class PatchSamplerTest {

  @Test
  void directSamplerFollowsTheConvention() {
    int s = 5;
    float[] img = new float[s * s];
    for (int y = 0; y < s; y++) {
      for (int x = 0; x < s; x++) {
        img[y * s + x] = 10 * y + x; // bilinear interpolation of a linear image is exact
      }
    }
    float[] out = new float[16];
    // unit (0.5, 0.5) is crop pixel 2, the centre of the middle pixel; patch offsets -1.5 .. 1.5
    PatchSampler.sample(img, s, PatchSampler.toPixels(0.5, s), PatchSampler.toPixels(0.5, s), 4, out);
    assertEquals(10 * 0.5 + 0.5, out[0], 1e-6);
    assertEquals(10 * 3.5 + 3.5, out[15], 1e-6);
    // far outside: clamped to the corner pixel
    PatchSampler.sample(img, s, 40, -40, 4, out);
    for (float v : out) {
      assertEquals(4, v, 0);
    }
    // on the last pixel exactly: weight 1 on it
    PatchSampler.sample(img, s, 4, 4, 1 + 3, out);
    assertEquals(44, out[15], 0);
  }

  @Test
  void vertexSamplerEqualsDirectSampler() {
    Random r = new Random(3);
    int b = 3;
    int points = 5;
    for (int p : new int[] {4, 8}) {
      for (int s : new int[] {8, 13}) {
        RecurrentRegressionVertex v = new RecurrentRegressionVertex(points, new int[] {s}, p, 2, 4, true, 1L);
        double[][] images = new double[b][s * s];
        double[][] shapes = new double[b][2 * points];
        double[] flatImg = new double[b * s * s];
        for (int i = 0; i < b; i++) {
          for (int k = 0; k < s * s; k++) {
            images[i][k] = r.nextGaussian();
            flatImg[i * s * s + k] = images[i][k];
          }
          for (int k = 0; k < 2 * points; k++) {
            shapes[i][k] = -0.3 + 1.6 * r.nextDouble(); // some outside [0, 1]
          }
        }
        INDArray crop = Nd4j.create(flatImg, new long[] {b, 1, s, s}, 'c');
        INDArray shape = Nd4j.create(shapes);
        double max = 0;
        for (DataType dt : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
          float[] got = v.samplePatches(crop.castTo(dt), shape.castTo(dt)).castTo(DataType.FLOAT).data().asFloat();
          for (int i = 0; i < b; i++) {
            float[] img = new float[s * s];
            for (int k = 0; k < img.length; k++) {
              img[k] = (float) images[i][k];
            }
            float[] want = PatchSampler.sampleShape(img, s, shapes[i], p);
            for (int k = 0; k < want.length; k++) {
              max = Math.max(max, Math.abs(want[k] - got[i * want.length + k]));
            }
          }
        }
        System.out.printf("patch %d, crop %d: vertex vs direct sampler, max difference %.2e%n", p, s, max);
        assertEquals(0, max, 1e-5, "patch " + p + ", crop " + s);
      }
    }
  }
}

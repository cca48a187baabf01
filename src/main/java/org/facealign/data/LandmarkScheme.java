package org.facealign.data;

import java.io.Serializable;
import java.util.Arrays;

/**
 * What the points of a shape mean, as far as the pipeline needs it: how many there are, how they
 * renumber under a horizontal flip, and which points give the pupils and the outer eye corners that
 * normalise the error.
 *
 * <p>{@link #IBUG_68} is the 68-point scheme of 300-W (0-based indices): one eye is 36-41, the other
 * 42-47, the outer eye corners are 36 and 45. Other point sets are configured with {@code
 * facealign.data.scheme}.
 *
 * @param numPoints number of landmarks
 * @param flipMap new index i takes old index {@code flipMap[i]} when the image is mirrored; a permutation
 *     that is its own inverse
 * @param eyeA first and last index (inclusive) of the points whose mean is one pupil
 * @param eyeB likewise for the other pupil
 * @param outerCornerA index of one outer eye corner (inter-ocular normalisation)
 * @param outerCornerB index of the other outer eye corner
 */
public record LandmarkScheme(
    int numPoints, int[] flipMap, int[] eyeA, int[] eyeB, int outerCornerA, int outerCornerB)
    implements Serializable {

  /** The 300-W / iBUG 68-point scheme. */
  public static final LandmarkScheme IBUG_68 =
      new LandmarkScheme(68, ibug68FlipMap(), new int[] {36, 41}, new int[] {42, 47}, 36, 45);

  public LandmarkScheme {
    if (numPoints < 1) {
      throw new IllegalArgumentException("a landmark scheme needs at least one point");
    }
    if (flipMap.length != numPoints) {
      throw new IllegalArgumentException("flip map has " + flipMap.length + " entries for " + numPoints + " points");
    }
    boolean[] seen = new boolean[numPoints];
    for (int i = 0; i < numPoints; i++) {
      int j = flipMap[i];
      if (j < 0 || j >= numPoints || seen[j]) {
        throw new IllegalArgumentException("flip map is not a permutation of 0.." + (numPoints - 1) + ": " + Arrays.toString(flipMap));
      }
      seen[j] = true;
    }
    for (int i = 0; i < numPoints; i++) {
      if (flipMap[flipMap[i]] != i) {
        throw new IllegalArgumentException("flip map is not its own inverse at index " + i);
      }
    }
    checkRange("eyeA", eyeA, numPoints);
    checkRange("eyeB", eyeB, numPoints);
    if (outerCornerA < 0 || outerCornerA >= numPoints || outerCornerB < 0 || outerCornerB >= numPoints) {
      throw new IllegalArgumentException("outer eye corner index out of 0.." + (numPoints - 1));
    }
    flipMap = flipMap.clone();
    eyeA = eyeA.clone();
    eyeB = eyeB.clone();
  }

  private static void checkRange(String name, int[] r, int n) {
    if (r.length != 2 || r[0] < 0 || r[1] < r[0] || r[1] >= n) {
      throw new IllegalArgumentException(name + " must be [first, last] within 0.." + (n - 1) + ": " + Arrays.toString(r));
    }
  }

  @Override
  public int[] flipMap() {
    return flipMap.clone();
  }

  /** Inter-pupil distance: between the means of the two eyes' points. */
  public double interPupilDistance(Shape s) {
    double[] a = s.centroid(eyeA[0], eyeA[1]);
    double[] b = s.centroid(eyeB[0], eyeB[1]);
    return Math.hypot(a[0] - b[0], a[1] - b[1]);
  }

  /** Inter-ocular distance: between the two outer eye corners. */
  public double interOcularDistance(Shape s) {
    return s.distance(outerCornerA, outerCornerB);
  }

  /** Mirrors a shape in an image {@code imageWidth} wide with this scheme's flip map. */
  public Shape flip(Shape s, double imageWidth) {
    return s.flipHorizontal(imageWidth, flipMap);
  }

  /**
   * The 300-W flip map: jaw 16..0, brows 26..17, nose bridge 27..30 kept, nostrils 35..31, eyes
   * 45,44,43,42,47,46 and 39,38,37,36,41,40, outer lip 54..48 then 59..55, inner lip 64..60 then 67..65.
   */
  private static int[] ibug68FlipMap() {
    int[] m = new int[68];
    int k = 0;
    for (int i = 16; i >= 0; i--) {
      m[k++] = i;
    }
    for (int i = 26; i >= 17; i--) {
      m[k++] = i;
    }
    for (int i = 27; i <= 30; i++) {
      m[k++] = i;
    }
    for (int i = 35; i >= 31; i--) {
      m[k++] = i;
    }
    for (int i : new int[] {45, 44, 43, 42, 47, 46, 39, 38, 37, 36, 41, 40}) {
      m[k++] = i;
    }
    for (int i = 54; i >= 48; i--) {
      m[k++] = i;
    }
    for (int i = 59; i >= 55; i--) {
      m[k++] = i;
    }
    for (int i = 64; i >= 60; i--) {
      m[k++] = i;
    }
    for (int i = 67; i >= 65; i--) {
      m[k++] = i;
    }
    return m;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LandmarkScheme s && numPoints == s.numPoints && Arrays.equals(flipMap, s.flipMap)
        && Arrays.equals(eyeA, s.eyeA) && Arrays.equals(eyeB, s.eyeB)
        && outerCornerA == s.outerCornerA && outerCornerB == s.outerCornerB;
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(flipMap) + numPoints;
  }

  @Override
  public String toString() {
    return "LandmarkScheme[" + numPoints + " points]";
  }
}

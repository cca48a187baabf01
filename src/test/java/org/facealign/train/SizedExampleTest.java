package org.facealign.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.util.SizeEstimator;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/** Spark takes a {@link SizedExample}'s size as given, and that size bounds what walking the example would count. */
class SizedExampleTest {

  /** DeepReg's example: HOG, canvas and start shift in, the target shape out. */
  private static MultiDataSet deepReg() {
    return new MultiDataSet(new INDArray[] {Nd4j.rand(1, 1764), Nd4j.rand(1, 192 * 192), Nd4j.rand(1, 136)},
        new INDArray[] {Nd4j.rand(1, 136)});
  }

  /** MSRRN's kind: three crops in, one target per stage out, and masks (views of one array among them). */
  private static MultiDataSet withMasks() {
    INDArray crops = Nd4j.rand(3, 1, 50, 50);
    INDArray[] in = {crops.slice(0), crops.slice(1), crops.slice(2)};
    INDArray[] out = {Nd4j.rand(1, 136), Nd4j.rand(1, 136), Nd4j.rand(1, 136)};
    return new MultiDataSet(in, out, new INDArray[] {Nd4j.ones(1, 1), null, null}, null);
  }

  @Test
  void sparkTakesTheGivenSizeWhichBoundsTheWalkedOne() {
    for (MultiDataSet plain : List.of(deepReg(), withMasks())) {
      SizedExample sized = SizedExample.of(plain);
      long walked = SizeEstimator.estimate(plain);
      assertEquals(sized.estimatedSize(), SizeEstimator.estimate(sized), "Spark uses the example's own figure");
      assertTrue(walked <= sized.estimatedSize() && sized.estimatedSize() <= 2 * walked,
          "given " + sized.estimatedSize() + " bytes, walked " + walked);
      for (int i = 0; i < plain.numFeatureArrays(); i++) {
        assertSame(plain.getFeatures(i), sized.getFeatures(i), "the same arrays, not copies");
      }
      for (int i = 0; i < plain.numLabelsArrays(); i++) {
        assertSame(plain.getLabels(i), sized.getLabels(i));
      }
      assertSame(plain.getFeaturesMaskArrays(), sized.getFeaturesMaskArrays());
    }
  }

  /** A round's block of examples, as Spark's memory store sizes it: the same total whether walked or given. */
  @Test
  void aBlockOfExamplesIsSizedAtLeastAsTheWalkWouldSizeIt() {
    List<Object> plain = new ArrayList<>();
    List<Object> sized = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      MultiDataSet m = deepReg();
      plain.add(m);
      sized.add(SizedExample.of(m));
    }
    long walked = SizeEstimator.estimate(plain);
    long given = SizeEstimator.estimate(sized);
    assertTrue(walked <= given && given <= 2 * walked, "block given " + given + " bytes, walked " + walked);
  }
}

package org.facealign.model.msrrn.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The whole graph's analytical gradient against central finite differences, in double precision, without weight
 * decay (DL4J's score includes the L2 term, its gradient leaves it to the updater). The weights that start near
 * zero (S0's and fc2's) are drawn larger first, so the shapes wander and the loss depends visibly on the patch
 * positions.
 *
 * <p>With the position gradient, the check is the plain one. Without it, the analytic gradient of the
 * initialiser must equal the finite differences of the loss with every sampling position frozen: then S0 reaches
 * the loss only additively ({@code S^t = S0 + Σ f}, the f fixed), so that gradient is {@code mean_i c_i · ∂S0_i/∂θ}
 * with {@code c_i = Σ_t 2 (S^t_i − S*_i)}, which central differences of S0 alone give; and it must differ from the
 * full gradient, which proves the stop is in place.
 *
 * <p>The initialiser here has no batch normalisation: in training mode its output depends on the whole batch, and
 * DL4J's score in inference mode uses the running statistics, so the two do not match (DL4J checks its own layer).
 * Patch normalisation is checked on and off.
 */
class GradientCheckTest {
  static final double H = 1e-6;
  /** Entries checked per parameter array. */
  static final int ENTRIES = 10;

  static ComputationGraph graph(int stages, boolean positionGradient) {
    return graph(stages, positionGradient, true, 0);
  }

  static ComputationGraph graph(int stages, boolean positionGradient, boolean patchNormalisation, double leak) {
    ComputationGraph g = MsrrnGraph.build(Tiny.config(stages, positionGradient, 1e-3, 0, patchNormalisation, false,
        leak),
        Tiny.POINTS, Tiny.CROPS, Tiny.MEAN, 11L, DataType.DOUBLE);
    Random r = new Random(5);
    perturb(g.getParam(MsrrnGraph.S0 + "_W"), 0.03, r);
    perturb(MsrrnGraph.sharedParameters(g).get(RecurrentRegressionVertex.FC2_W), 0.05, r);
    return g;
  }

  static void perturb(INDArray a, double sd, Random r) {
    for (long k = 0; k < a.length(); k++) {
      a.putScalar(k, sd * r.nextGaussian());
    }
  }

  static MultiDataSet data(int stages) {
    return Tiny.batch(Tiny.faces(3, 0.08, 21L), stages, DataType.DOUBLE);
  }

  /** Analytic (per example) and numerical gradients of {@code f} over sampled entries of every parameter array. */
  static Map<String, double[][]> compare(ComputationGraph g, MultiDataSet mds, ToDoubleFunction<ComputationGraph> f) {
    g.setInputs(mds.getFeatures());
    g.setLabels(mds.getLabels());
    g.computeGradientAndScore();
    int n = (int) mds.getFeatures(0).size(0);
    Map<String, double[][]> r = new TreeMap<>();
    for (Map.Entry<String, INDArray> e : g.paramTable().entrySet()) {
      // DL4J's gradient is summed over the batch (the updater divides by its size); the score is the mean
      INDArray analytic = g.gradient().getGradientFor(e.getKey()).dup().divi(n);
      // logical indices: DL4J's dense weights are 'f'-ordered views, their gradients' copies 'c'-ordered
      INDArray param = e.getValue();
      long count = param.length();
      // random entries (a regular stride can fall on one column of a weight matrix: one unit, maybe dead)
      Random pick = new Random(e.getKey().hashCode());
      int m = (int) Math.min(count, ENTRIES);
      double[][] pair = new double[2][m];
      for (int i = 0; i < m; i++) {
        long k = m == count ? i : (long) (pick.nextDouble() * count);
        long[] at = Shape.ind2subC(param.shape(), k);
        double orig = param.getDouble(at);
        param.putScalar(at, orig + H);
        double plus = f.applyAsDouble(g);
        param.putScalar(at, orig - H);
        double minus = f.applyAsDouble(g);
        param.putScalar(at, orig);
        pair[0][i] = analytic.getDouble(at);
        pair[1][i] = (plus - minus) / (2 * H);
      }
      r.put(e.getKey(), pair);
    }
    return r;
  }

  /**
   * ||analytic − numeric|| / ||numeric|| over the arrays whose names start with one of {@code prefixes}; the
   * absolute error when the numeric gradient is zero.
   */
  static double relativeError(Map<String, double[][]> pairs, List<String> prefixes) {
    double d2 = 0;
    double n2 = 0;
    for (Map.Entry<String, double[][]> e : pairs.entrySet()) {
      if (prefixes.stream().noneMatch(e.getKey()::startsWith)) {
        continue;
      }
      double[][] p = e.getValue();
      for (int i = 0; i < p[0].length; i++) {
        d2 += (p[0][i] - p[1][i]) * (p[0][i] - p[1][i]);
        n2 += p[1][i] * p[1][i];
      }
    }
    return n2 == 0 ? Math.sqrt(d2) : Math.sqrt(d2 / n2);
  }

  static final List<String> INITIALISER = List.of("cnn", "pool", MsrrnGraph.S0 + "_");
  static final List<String> RRN = List.of(MsrrnGraph.RRN + "_");

  @Test
  void wholeGraphWithPositionGradient() {
    // (patch normalisation, leaky slope): with and without the standardisation, plain and leaky rectifiers
    double[][] cases = {{1, 0}, {0, 0}, {1, 0.1}};
    for (double[] c : cases) {
      boolean patchNormalisation = c[0] == 1;
      int stages = 3;
      ComputationGraph g = graph(stages, true, patchNormalisation, c[1]);
      MultiDataSet mds = data(stages);
      Map<String, double[][]> pairs = compare(g, mds, x -> x.score(mds, false));
      String what = "patch normalisation " + patchNormalisation + ", leaky slope " + c[1];
      for (String k : pairs.keySet()) {
        double e = relativeError(pairs, List.of(k));
        System.out.printf("gradient check with position gradient, %s, %s: relative error %.2e%n", what, k, e);
        assertTrue(e < 1e-4, k + " (" + what + "): relative error " + e);
      }
    }
  }

  @Test
  void dropoutGradientIsTheMaskedNetworks() {
    // the masks are drawn from ND4J's generator: re-seeding it before every pass fixes them, so the training score
    // is a smooth function of the parameters whose gradient the backward pass must give
    int stages = 3;
    ComputationGraph g = MsrrnGraph.build(Tiny.config(stages, true, 1e-3, 0, true, false, 0.1)
        .withRegularisation(0.3, 0, 0), Tiny.POINTS, Tiny.CROPS, Tiny.MEAN, 11L, DataType.DOUBLE);
    Random r = new Random(5);
    perturb(g.getParam(MsrrnGraph.S0 + "_W"), 0.03, r);
    perturb(MsrrnGraph.sharedParameters(g).get(RecurrentRegressionVertex.FC2_W), 0.05, r);
    MultiDataSet mds = data(stages);
    Nd4j.getRandom().setSeed(99);
    Map<String, double[][]> pairs = compare(g, mds, x -> {
      Nd4j.getRandom().setSeed(99);
      return x.score(mds, true);
    });
    for (String k : pairs.keySet()) {
      double e = relativeError(pairs, List.of(k));
      System.out.printf("gradient check with dropout 0.3, %s: relative error %.2e%n", k, e);
      assertTrue(e < 1e-4, k + ": relative error " + e);
    }
    // the masks are in effect in training only, and differ from one draw to the next
    Nd4j.getRandom().setSeed(99);
    double a = g.score(mds, true);
    Nd4j.getRandom().setSeed(99);
    double again = g.score(mds, true);
    Nd4j.getRandom().setSeed(100);
    double other = g.score(mds, true);
    double inference = g.score(mds, false);
    System.out.printf("dropout 0.3: training scores %.6g, %.6g (another seed %.6g), inference %.6g%n", a, again,
        other, inference);
    assertEquals(a, again, 0.0);
    assertTrue(Math.abs(a - other) > 1e-3 * a, "another draw, another mask: " + a + " vs " + other);
    assertTrue(Math.abs(a - inference) > 1e-3 * a, "dropout changes the training pass: " + a + " vs " + inference);
  }

  @Test
  void stoppedPositionsGiveTheFrozenGradient() {
    int stages = 2;
    ComputationGraph g = graph(stages, false);
    MultiDataSet mds = data(stages);
    int out = 2 * Tiny.POINTS;
    int n = (int) mds.getFeatures(0).size(0);
    // c_i = Σ_t 2 (S^t_i − S*_i)
    double[][] shapes = g.output(false, mds.getFeatures())[0].toDoubleMatrix();
    double[][] labels = mds.getLabels(0).toDoubleMatrix();
    double[][] c = new double[n][out];
    for (int i = 0; i < n; i++) {
      for (int t = 0; t <= stages; t++) {
        for (int j = 0; j < out; j++) {
          c[i][j] += 2 * (shapes[i][t * out + j] - labels[i][t * out + j]);
        }
      }
    }
    Map<String, double[][]> frozen = compare(g, mds, x -> {
      double[][] s0 = x.output(false, mds.getFeatures())[0].toDoubleMatrix();
      double v = 0;
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < out; j++) {
          v += c[i][j] * s0[i][j];
        }
      }
      return v / n;
    });
    Map<String, double[][]> full = compare(g, mds, x -> x.score(mds, false));
    double eFrozen = relativeError(frozen, INITIALISER);
    double eFull = relativeError(full, INITIALISER);
    System.out.printf("initialiser without position gradient: relative error %.2e against frozen positions, %.2e "
        + "against the full gradient%n", eFrozen, eFull);
    assertTrue(eFrozen < 1e-4, "frozen-position gradient of the initialiser: relative error " + eFrozen);
    assertTrue(eFull > 1e-2, "the stop made no difference: relative error to the full gradient " + eFull);
    double eRrn = relativeError(full, RRN);
    System.out.printf("shared parameters without position gradient: relative error %.2e against the full gradient%n",
        eRrn);
    assertTrue(eRrn > 1e-3, "stage 2's positions depend on the shared parameters: " + eRrn);

    // the stop changes the gradient only: both graphs compute the same shapes
    ComputationGraph withGradient = graph(stages, true);
    withGradient.setParams(g.params());
    double[][] a = withGradient.output(false, mds.getFeatures())[0].toDoubleMatrix();
    for (int i = 0; i < n; i++) {
      assertArrayEquals(shapes[i], a[i], 0.0);
    }
  }

  @Test
  void oneStageSharedParametersNeedNoPositionGradient() {
    // with T = 1 the sampling positions are S0, which the shared parameters do not touch
    ComputationGraph g = graph(1, false);
    MultiDataSet mds = data(1);
    double e = relativeError(compare(g, mds, x -> x.score(mds, false)), RRN);
    System.out.printf("one stage, shared parameters without position gradient: relative error %.2e%n", e);
    assertTrue(e < 1e-4, "relative error " + e);
  }
}

package org.facealign.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.util.CollectionAccumulator;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.facealign.job.LocalSparkTest;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** The rounds of an epoch: every sample's example made exactly once per epoch, however many rounds. */
class GraphTrainerRoundsTest extends LocalSparkTest {

  /** A sample: a name and a point x whose target is (x0 + x1, x2 - x3). */
  record Point(String name, float[] x) implements java.io.Serializable {}

  static final class Counting implements GraphTrainer.Examples<Point> {
    private static final long serialVersionUID = 1L;
    final CollectionAccumulator<String> made;

    Counting(CollectionAccumulator<String> made) {
      this.made = made;
    }

    @Override
    public String name(Point p) {
      return p.name();
    }

    @Override
    public MultiDataSet make(Point p, int epoch) {
      made.add(epoch + ":" + p.name());
      float[] x = p.x();
      return new org.nd4j.linalg.dataset.MultiDataSet(Nd4j.createFromArray(x).reshape(1, 4),
          Nd4j.createFromArray(new float[] {x[0] + x[1], x[2] - x[3]}).reshape(1, 2));
    }
  }

  @Test
  void eachSampleIsMadeOncePerEpochAndTheLossFalls() {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    java.util.Random r = new java.util.Random(4);
    List<Point> points = new ArrayList<>();
    for (int i = 0; i < 90; i++) {
      points.add(new Point("p" + i, new float[] {r.nextFloat(), r.nextFloat(), r.nextFloat(), r.nextFloat()}));
    }
    JavaRDD<Point> train = jsc.parallelize(points, 2).cache();
    CollectionAccumulator<String> made = jsc.sc().collectionAccumulator("examples made");
    Counting examples = new Counting(made);
    // 2 workers, 4 x 2 samples per worker per round: about 6 rounds an epoch
    GraphTrainer.Schedule schedule = new GraphTrainer.Schedule(3, 0.2, 4, 0.5, 10, 10, 2, 2);
    List<EpochStats> seen = new ArrayList<>();
    GraphTrainer.Result result = new GraphTrainer<Point>(schedule, 9L).listener(i -> seen.add(i.stats()))
        .fit(jsc, train, task(points, examples));
    assertEquals(3, seen.size());
    Map<String, Integer> counts = new TreeMap<>();
    for (String k : made.value()) {
      counts.merge(k, 1, Integer::sum);
    }
    // every (epoch, sample) exactly once: not twice (a count before the fit), not zero (a lost round)
    assertEquals(3 * 90, counts.size());
    long other = counts.values().stream().filter(v -> v != 1).count();
    assertEquals(0, other, other + " of " + counts.size() + " (epoch, sample) pairs made other than once, e.g. "
        + counts.entrySet().iterator().next());
    for (EpochStats s : seen) {
      assertEquals(90, s.samples());
    }
    assertTrue(result.history().get(3).validationError() < 0.5 * result.history().get(0).validationError(),
        result.history().toString());
  }

  @Test
  void underTheCosineScheduleEachEpochTrainsAtItsRateAndTheLossStillFalls() {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    java.util.Random r = new java.util.Random(5);
    List<Point> points = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      points.add(new Point("p" + i, new float[] {r.nextFloat(), r.nextFloat(), r.nextFloat(), r.nextFloat()}));
    }
    JavaRDD<Point> train = jsc.parallelize(points, 2).cache();
    Counting examples = new Counting(jsc.sc().collectionAccumulator("examples made"));
    // patience 1 and lr-drop 0.5 would halve the rate on any plateau: the cosine schedule ignores them
    GraphTrainer.Schedule schedule = new GraphTrainer.Schedule(4, 0.2, 4, 0.5, 1, 10, 2, 2, false, true);
    List<Double> graphRates = new ArrayList<>();
    GraphTrainer.Result result = new GraphTrainer<Point>(schedule, 9L)
        .listener(i -> graphRates.add(i.state().graph().getLayer("y").conf().getLayer() instanceof
            org.deeplearning4j.nn.conf.layers.BaseLayer b ? b.getIUpdater().getLearningRate(0, 0) : Double.NaN))
        .fit(jsc, train, task(points, examples));
    double[] want = {0.2, 0.2 * (1 + Math.cos(Math.PI / 4)) / 2, 0.1, 0.2 * (1 + Math.cos(3 * Math.PI / 4)) / 2};
    for (int e = 1; e <= 4; e++) {
      assertEquals(want[e - 1], schedule.cosineRate(e), 1e-15);
      assertEquals(want[e - 1], result.history().get(e).learningRate(), 1e-15, "epoch " + e + " logged");
      assertEquals(want[e - 1], graphRates.get(e - 1), 1e-15, "epoch " + e + " trained");
    }
    assertTrue(result.history().get(4).validationError() < 0.5 * result.history().get(0).validationError(),
        result.history().toString());
  }

  @Test
  void theWorkersTrainWithTheNativeThreadsAsked() {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    List<Point> points = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      points.add(new Point("p" + i, new float[] {i, 1, 2, 3}));
    }
    JavaRDD<Point> train = jsc.parallelize(points, 2).cache();
    Counting examples = new Counting(jsc.sc().collectionAccumulator("examples made"));
    GraphTrainer.Schedule schedule = new GraphTrainer.Schedule(1, 0.01, 4, 0.5, 10, 10, 2, 2);
    org.nd4j.linalg.api.blas.Blas blas = Nd4j.factory().blas();
    int before = blas.getMaxThreads();
    try {
      blas.setMaxThreads(2);
      new GraphTrainer<Point>(schedule, 9L).fit(jsc, train, task(points, examples));
      assertEquals(2, blas.getMaxThreads(), "0 leaves the threads as they are");
      new GraphTrainer<Point>(schedule, 9L).nativeThreads(1).fit(jsc, train, task(points, examples));
      // local mode: the workers' JVM is this one
      assertEquals(1, blas.getMaxThreads());
      assertEquals(1, org.facealign.model.Nd4jThreads.applied());
    } finally {
      blas.setMaxThreads(before);
    }
  }

  /** A linear graph learning the points' targets; validation: the mean loss over all points. */
  private static GraphTrainer.Task<Point> task(List<Point> points, Counting examples) {
    return new GraphTrainer.Task<>() {
      @Override
      public ComputationGraph initialGraph() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(3).updater(new Sgd(0.2))
            .dataType(DataType.FLOAT).graphBuilder().addInputs("x")
            .addLayer("y", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(4).nOut(2)
                .activation(Activation.IDENTITY).build(), "x")
            .setOutputs("y").build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
      }

      @Override
      public GraphTrainer.Examples<Point> examples() {
        return examples;
      }

      @Override
      public GraphTrainer.Validation validate(ComputationGraph g) {
        double loss = 0;
        for (Point p : points) {
          loss += g.score(new org.nd4j.linalg.dataset.MultiDataSet(
              Nd4j.createFromArray(p.x()).reshape(1, 4),
              Nd4j.createFromArray(new float[] {p.x()[0] + p.x()[1], p.x()[2] - p.x()[3]}).reshape(1, 2)));
        }
        return new GraphTrainer.Validation(loss / points.size(), loss / points.size());
      }

      @Override
      public boolean accepts(ComputationGraph checkpoint) {
        return true;
      }
    };
  }
}

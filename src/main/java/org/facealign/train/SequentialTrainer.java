package org.facealign.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import org.facealign.feature.ConfigFeatures;
import org.facealign.feature.ResponseMaps;
import org.facealign.model.deepreg.CanvasGroups;
import org.facealign.model.deepreg.Cascade;
import org.facealign.model.deepreg.ConfigDeepReg;
import org.facealign.model.deepreg.LinearMap;
import org.facealign.model.deepreg.NormalEquations;
import org.facealign.model.deepreg.Perturbation;
import org.facealign.model.deepreg.TrainingSample;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sequential pre-training of a DeepReg cascade (Shi et al. 2014, eqs. 3-4): the global layer, then each
 * local layer with the earlier ones fixed, every layer a closed-form ridge regression whose normal
 * equations are summed over the Spark partitions ({@link NormalEquations}).
 *
 * <p>Choice: closed-form ridge rather than the paper's SGD with dropout. Each stage is a linear least
 * squares problem in its own weights once the earlier stages are fixed, so the exact minimiser costs one
 * pass over the data (plus a Cholesky factorisation of an 8705² matrix, a few seconds), needs no learning
 * rate or epoch count, and is the same whatever the partitioning; dropout's regularisation is played by
 * the ridge penalty. Joint training (which does need SGD) starts from these weights. The paper's own way,
 * layer by layer by SGD with dropout, is {@link SgdPretrainer} ({@code deepreg.pretrain = sgd}).
 *
 * <p>Each stage trains on {@code starts} starting shapes per sample ({@link Perturbation}), drawn with the
 * statistics of s0's error on held-out faces, their deviations multiplied by {@link
 * ConfigDeepReg#perturbScale()}: the global layer fits the training faces better than it will fit
 * unseen ones (measured on 300-W with the defaults: 10.7 % IP-NME on its training faces, 11.2 % on held-out
 * ones; 8.4 % against 11.7 % with a weaker ridge), so training-face statistics would teach the local layers
 * too small corrections, and starts wider than the held-out errors teach them more (SequentialReg's final
 * IP-NME on the 200 validation faces and mirrors of 300-W: 6.23 % at scale 1, 5.79 % at 3). The dropout
 * penalty is that of centred or of raw inputs ({@link ConfigDeepReg#pretrainPenaltyCentred}); raw, the
 * stronger, is the default: at perturbation scale 1, SequentialReg's final validation IP-NME was 6.23 % with
 * it and 6.39 % with the centred one. With {@link ConfigDeepReg#rescaleStarts} each stage first scales the
 * training starts' residuals up to the held-out faces' root-mean-square residual at that stage (measured: 6.26
 * against 6.23 %, so off by default). A stage
 * costs two passes over the samples (the Gram matrix, then moving every start by the new layer), each
 * rebuilding the response maps from the stored canvas.
 */
public final class SequentialTrainer {
  private static final Logger LOG = LoggerFactory.getLogger(SequentialTrainer.class);

  private SequentialTrainer() {}

  /**
   * The statistics of the similarity that maps s0 of {@code c} onto the truth, over {@code heldOut} (or {@code
   * samples} if there are none held out): the size of the perturbed starts ({@link Perturbation}).
   */
  static Perturbation.Stats residualStats(JavaSparkContext jsc, Cascade c, JavaRDD<TrainingSample> samples,
      JavaRDD<TrainingSample> heldOut) {
    Broadcast<Cascade> b = jsc.broadcast(c);
    JavaRDD<TrainingSample> errorsFrom = heldOut != null && !heldOut.isEmpty() ? heldOut : samples;
    Perturbation.Stats stats = PartitionOrder.aggregate(
        errorsFrom.map(s -> Perturbation.fit(b.value().initial(s.hog()), s.target())), Perturbation.Stats::new,
        Perturbation.Stats::add, Perturbation.Stats::merge).finish();
    b.destroy(false);
    return stats;
  }

  /**
   * The {@code k} global layers fitted each without one fold of the faces ({@link #fold}): layer f gives the
   * faces of fold f an s0 from a layer that never saw them.
   */
  static LinearMap[] outOfFold(JavaRDD<TrainingSample> samples, int parts, int hogDim, int out, int k,
      ConfigDeepReg cfg, long seed) {
    JavaRDD<ArrayList<NormalEquations>> perPartition = samples.coalesce(parts).mapPartitions(it -> {
      ArrayList<NormalEquations> e = new ArrayList<>();
      for (int f = 0; f < k; f++) {
        e.add(new NormalEquations(hogDim, out));
      }
      while (it.hasNext()) {
        TrainingSample s = it.next();
        e.get(fold(s.faceId(), k, seed)).add(s.hog(), s.target());
      }
      e.forEach(NormalEquations::seal);
      return List.of(e).iterator();
    });
    // each fold's sums sliced alike: slice s of every fold travels together
    int slices = perPartition.getNumPartitions();
    List<NormalEquations> byFold = PartitionOrder.reduceSliced(perPartition, each(NormalEquations::merge), slices,
        (e, s) -> {
          ArrayList<NormalEquations.Slice> slice = new ArrayList<>();
          for (NormalEquations f : e) {
            slice.add(f.slice(s, slices));
          }
          return slice;
        }, each(NormalEquations.Slice::merge), merged -> {
          ArrayList<NormalEquations> folds = new ArrayList<>();
          for (int f = 0; f < k; f++) {
            List<NormalEquations.Slice> of = new ArrayList<>();
            for (ArrayList<NormalEquations.Slice> m : merged) {
              of.add(m.get(f));
            }
            folds.add(NormalEquations.join(of));
          }
          return folds;
        });
    LinearMap[] layers = new LinearMap[k];
    for (int f = 0; f < k; f++) {
      NormalEquations others = new NormalEquations(hogDim, out);
      for (int g = 0; g < k; g++) {
        if (g != f) {
          others.merge(byFold.get(g));
        }
      }
      layers[f] = others.solve(cfg.globalRidge(), cfg.pretrainDropout(), cfg.pretrainPenaltyCentred());
      LOG.info("train: global layer without fold {} of {}: {} samples, mean squared error on them {}", f + 1, k,
          others.count(), others.meanSquaredError(layers[f]));
    }
    return layers;
  }

  /** {@code merge} applied to the lists' elements pairwise, into the first list. */
  private static <X> Function2<ArrayList<X>, ArrayList<X>, ArrayList<X>> each(Function2<X, X, X> merge) {
    return (a, b) -> {
      for (int f = 0; f < a.size(); f++) {
        a.set(f, merge.call(a.get(f), b.get(f)));
      }
      return a;
    };
  }

  /** The fold of a face, 0 .. k-1, by a seeded hash of its id (a face and its mirror share it). */
  static int fold(String faceId, int k, long seed) {
    return (int) Math.floorMod(org.facealign.data.Hashes.hash64(faceId) ^ seed, (long) k);
  }

  /** s0 of a global layer: {@code layer · hog + bias}. */
  private static double[] initial(LinearMap layer, float[] hog) {
    double[] s = new double[layer.outputs()];
    layer.applyAdd(hog, s);
    return s;
  }

  /**
   * What one layer's fit did: closed-form, the mean squared error (summed over the coordinates) of the samples it
   * was fitted on (every start) before and after it; by SGD ({@link SgdPretrainer}), that of the held-out samples
   * (of the training samples' last epoch if none are held out) before its first epoch and at its best one.
   */
  public record StageFit(String layer, long samples, double mseBefore, double mseAfter, double seconds) {}

  /** The cascade and the fits. */
  public record Result(Cascade cascade, List<StageFit> fits) {}

  /**
   * Fits a cascade on {@code samples} (cache it: each stage reads it twice).
   *
   * @param heldOut samples not trained on, whose s0 errors set the size of the perturbations (null: the
   *     training samples' own, which understate the errors of unseen faces once the global layer fits them)
   * @param global whether s0 comes from a global layer on the HOG (else: the mean shape)
   */
  public static Result fit(JavaSparkContext jsc, JavaRDD<TrainingSample> samples, JavaRDD<TrainingSample> heldOut,
      ConfigFeatures features, ConfigDeepReg cfg, boolean global, long seed) {
    int parts = Math.max(1, jsc.defaultParallelism());
    Result initial = initial(jsc, samples, features, cfg, global);
    List<StageFit> fits = new ArrayList<>(initial.fits());
    Cascade cascade = initial.cascade();
    int out = cascade.meanShape().length;

    // starting shapes, s0 and its perturbations
    Broadcast<Cascade> c0 = jsc.broadcast(cascade);
    Perturbation.Stats stats = residualStats(jsc, cascade, samples, heldOut);
    LOG.info("train: s0 residual similarity mean {} std {} (tx, ty, log scale, angle)", Arrays.toString(stats.mean()),
        Arrays.toString(stats.std()));
    Perturbation perturbation = new Perturbation(stats.scaled(cfg.perturbScale()), seed);
    int starts = cfg.starts();
    int k = cfg.globalFolds();
    Broadcast<LinearMap[]> folds = global && k > 1
        ? jsc.broadcast(outOfFold(samples, parts, features.hogDimension(), out, k, cfg, seed)) : null;
    JavaRDD<double[][]> shapes = samples.map(s -> perturbation.starts(s.name(), folds == null
        ? c0.value().initial(s.hog()) : initial(folds.value()[fold(s.faceId(), k, seed)], s.hog()), starts))
        .persist(StorageLevel.MEMORY_AND_DISK());

    // the held-out faces' own shapes, one start each, moved stage by stage as a test face's would be
    boolean rescale = cfg.rescaleStarts() && heldOut != null && !heldOut.isEmpty();
    if (cfg.rescaleStarts() && !rescale) {
      LOG.warn("train: rescale-starts is on but no faces are held out; the starts keep their own residuals");
    }
    JavaRDD<double[][]> heldShapes = rescale
        ? heldOut.map(s -> new double[][] {c0.value().initial(s.hog())}).persist(StorageLevel.MEMORY_AND_DISK())
        : null;

    int d = features.descriptorLength() * (out / 2);
    for (int t = 0; t < cfg.stages(); t++) {
      long t0 = System.nanoTime();
      int stage = t;
      if (rescale) {
        double train = meanSquaredResidual(samples, shapes);
        double held = meanSquaredResidual(heldOut, heldShapes);
        double f = Math.sqrt(held / train);
        LOG.info("train: stage {} starts: rms residual {} on training samples, {} on held-out ones{}", t + 1,
            Math.sqrt(train), Math.sqrt(held), f > 1 ? String.format(", training residuals scaled by %.3f", f) : "");
        if (f > 1) {
          JavaRDD<double[][]> scaled = samples.zip(shapes).map(p -> scaleResiduals(p._2(), p._1().target(), f))
              .persist(StorageLevel.MEMORY_AND_DISK());
          scaled.count();
          shapes.unpersist(false);
          shapes = scaled;
        }
      }
      Broadcast<Cascade> bc = jsc.broadcast(cascade);
      NormalEquations ne = sum(samples.zip(shapes).coalesce(parts).mapPartitions(it -> {
        Cascade c = bc.value();
        Cascade.Workspace ws = c.workspace();
        ResponseMaps maps = new ResponseMaps(c.features());
        NormalEquations e = new NormalEquations(d, out);
        double[] y = new double[out];
        while (it.hasNext()) {
          var pair = it.next();
          TrainingSample s = pair._1();
          maps.process(s.canvas());
          for (double[] start : pair._2()) {
            float[] phi = c.descriptors(stage, maps, start, ws);
            for (int j = 0; j < out; j++) {
              y[j] = s.target()[j] - start[j];
            }
            e.add(phi, y);
          }
        }
        return List.of(e.seal()).iterator();
      }));
      double before = ne.meanSquaredTarget();
      LinearMap layer = ne.solve(cfg.ridge(), cfg.pretrainDropout(), cfg.pretrainPenaltyCentred());
      double after = ne.meanSquaredError(layer);
      cascade = cascade.withStage(layer);
      Broadcast<Cascade> next = jsc.broadcast(cascade);
      JavaRDD<double[][]> moved = samples.zip(shapes).mapPartitions(it -> advance(it, next.value(), stage))
          .persist(StorageLevel.MEMORY_AND_DISK());
      moved.count();
      shapes.unpersist(false);
      shapes = moved;
      if (rescale) {
        JavaRDD<double[][]> heldMoved = heldOut.zip(heldShapes).mapPartitions(it -> advance(it, next.value(), stage))
            .persist(StorageLevel.MEMORY_AND_DISK());
        heldMoved.count();
        heldShapes.unpersist(false);
        heldShapes = heldMoved;
      }
      fits.add(new StageFit("stage" + (t + 1), ne.count(), before, after, (System.nanoTime() - t0) / 1e9));
      LOG.info("train: {}", fits.get(fits.size() - 1));
    }
    shapes.unpersist(false);
    if (heldShapes != null) {
      heldShapes.unpersist(false);
    }
    return new Result(cascade, fits);
  }

  /**
   * The start of a cascade: the mean shape and, with {@code global}, the global layer on the HOG (closed-form, as
   * every pre-training fits it), without local layers; the fit of the global layer, if any.
   */
  static Result initial(JavaSparkContext jsc, JavaRDD<TrainingSample> samples, ConfigFeatures features,
      ConfigDeepReg cfg, boolean global) {
    List<StageFit> fits = new ArrayList<>();
    int parts = Math.max(1, jsc.defaultParallelism());
    // mean shape
    double[] sum = PartitionOrder.reduce(samples.map(TrainingSample::target), SequentialTrainer::plus);
    long n = samples.count();
    double[] mean = Arrays.stream(sum).map(v -> v / n).toArray();
    int out = mean.length;
    LinearMap globalLayer = null;
    if (global) {
      long t0 = System.nanoTime();
      int hogDim = features.hogDimension();
      NormalEquations ne = sum(samples.coalesce(parts).mapPartitions(it -> {
        NormalEquations e = new NormalEquations(hogDim, out);
        while (it.hasNext()) {
          TrainingSample s = it.next();
          e.add(s.hog(), s.target());
        }
        return List.of(e.seal()).iterator();
      }));
      double before = ne.meanSquaredError(new LinearMap(out, hogDim, new float[out * hogDim], toFloat(mean)));
      globalLayer = ne.solve(cfg.globalRidge(), cfg.pretrainDropout(), cfg.pretrainPenaltyCentred());
      fits.add(new StageFit("global", ne.count(), before, ne.meanSquaredError(globalLayer), (System.nanoTime() - t0) / 1e9));
      LOG.info("train: {}", fits.get(fits.size() - 1));
    }
    return new Result(new Cascade(features, globalLayer, mean, List.of()), fits);
  }

  /**
   * The sum of the partitions' normal equations (one sealed per partition), in partition order: sliced by rows, each
   * slice merged in a task of its own ({@link PartitionOrder#reduceSliced}): each partition's sums (152 MB for a
   * local layer) cross the network once, and the driver receives one sum's worth.
   */
  static NormalEquations sum(JavaRDD<NormalEquations> perPartition) {
    int slices = perPartition.getNumPartitions();
    return PartitionOrder.reduceSliced(perPartition, NormalEquations::merge, slices, (e, k) -> e.slice(k, slices),
        NormalEquations.Slice::merge, NormalEquations::join);
  }

  /** The mean over samples and starts of the squared distance, summed over coordinates, of a start from the truth. */
  static double meanSquaredResidual(JavaRDD<TrainingSample> samples, JavaRDD<double[][]> shapes) {
    double[] sum = PartitionOrder.reduce(samples.zip(shapes).map(p -> {
      double e = 0;
      for (double[] s : p._2()) {
        for (int j = 0; j < s.length; j++) {
          double r = s[j] - p._1().target()[j];
          e += r * r;
        }
      }
      return new double[] {e, p._2().length};
    }), SequentialTrainer::plus);
    return sum[0] / sum[1];
  }

  /** Each start moved away from {@code target} along its residual: {@code target + f (start - target)}. */
  static double[][] scaleResiduals(double[][] starts, double[] target, double f) {
    double[][] r = new double[starts.length][];
    for (int k = 0; k < starts.length; k++) {
      r[k] = new double[target.length];
      for (int j = 0; j < target.length; j++) {
        r[k][j] = target[j] + f * (starts[k][j] - target[j]);
      }
    }
    return r;
  }

  /**
   * Every start of every sample moved by local stage {@code stage}, {@link #ADVANCE_GROUP} samples (all their starts)
   * per call of {@link Cascade#refineAll}: the same shapes as refining each start alone, the layer read once per group.
   */
  static Iterator<double[][]> advance(Iterator<scala.Tuple2<TrainingSample, double[][]>> it, Cascade c, int stage) {
    Cascade.BatchWorkspace ws = c.batchWorkspace();
    CanvasGroups<scala.Tuple2<TrainingSample, double[][]>> groups =
        new CanvasGroups<>(c.features(), ADVANCE_GROUP, scala.Tuple2::_1);
    List<double[][]> out = new ArrayList<>();
    ResponseMaps[] maps = new ResponseMaps[0];
    double[][] flat = new double[0][];
    for (int n; (n = groups.next(it)) > 0; ) {
      int total = 0;
      for (int i = 0; i < n; i++) {
        total += groups.item(i)._2().length;
      }
      if (maps.length < total) {
        maps = new ResponseMaps[total];
        flat = new double[total][];
      }
      int k = 0;
      for (int i = 0; i < n; i++) {
        double[][] starts = groups.item(i)._2();
        double[][] moved = new double[starts.length][];
        for (int j = 0; j < starts.length; j++, k++) {
          moved[j] = starts[j].clone();
          maps[k] = groups.maps()[i];
          flat[k] = moved[j];
        }
        out.add(moved);
      }
      c.refineAll(stage, maps, flat, total, ws);
    }
    return out.iterator();
  }

  /** Samples whose starts {@link #advance} moves together (8 samples of 5 starts: 40 shapes per pass over a layer). */
  static final int ADVANCE_GROUP = 8;

  private static double[] plus(double[] a, double[] b) {
    double[] r = a.clone();
    for (int i = 0; i < r.length; i++) {
      r[i] += b[i];
    }
    return r;
  }

  private static float[] toFloat(double[] a) {
    float[] f = new float[a.length];
    for (int i = 0; i < a.length; i++) {
      f[i] = (float) a[i];
    }
    return f;
  }
}

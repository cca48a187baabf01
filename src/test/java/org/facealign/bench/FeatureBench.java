package org.facealign.bench;

import java.util.concurrent.TimeUnit;
import org.facealign.data.GrayImage;
import org.facealign.data.Shape;
import org.facealign.data.SyntheticFaces;
import org.facealign.feature.ConfigFeatures;
import org.facealign.feature.FaceNormaliser;
import org.facealign.feature.HogFeature;
import org.facealign.feature.NormalisedFace;
import org.facealign.feature.ResponseMaps;
import org.facealign.feature.ShapeIndexedSift;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Costs of the DeepReg features on one synthetic 68-point face (256-px image, default {@link
 * ConfigFeatures}): normalisation to the 192-px canvas, response maps of a canvas, HOG of a face, and the
 * shape-indexed descriptor and Jacobian reported per landmark. Run with {@code submit/bench-jmh.sh
 * FeatureBench}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class FeatureBench {
  private static final int LANDMARKS = 68;

  /** {@code features.map-stride}: 1 full-resolution maps, 2 maps pooled over 2 x 2 blocks ({@code -p mapStride=2}). */
  @Param({"1", "2"})
  public int mapStride;

  private ConfigFeatures config;
  private FaceNormaliser normaliser;
  private HogFeature hog;
  private ResponseMaps maps;
  private ShapeIndexedSift sift;
  private SyntheticFaces.SyntheticFace face;
  private NormalisedFace normalised;
  private GrayImage hogInput;
  private Shape canonicalShape;
  private float[] descriptor;
  private float[] jacobian;
  private float[] hogOut;

  @Setup
  public void setup() {
    config = ConfigFeatures.defaults().toBuilder().mapStride(mapStride).build();
    SyntheticFaces.Options o = SyntheticFaces.Options.defaults();
    face = new SyntheticFaces(2024, new SyntheticFaces.Options(256, o.minFaceFraction(), o.maxFaceFraction(),
        o.maxRotationDeg(), o.noiseSigma(), o.shapeJitter())).next();
    normaliser = new FaceNormaliser(config);
    hog = new HogFeature(config);
    sift = new ShapeIndexedSift(config);
    normalised = normaliser.normalise(face.image(), face.detectorBox());
    hogInput = normaliser.hogInput(normalised);
    maps = new ResponseMaps(config).process(normalised.canvas());
    canonicalShape = normalised.toCanonical(face.landmarks());
    descriptor = new float[sift.descriptorLength() * LANDMARKS];
    jacobian = new float[2 * sift.descriptorLength() * LANDMARKS];
    hogOut = new float[hog.dimension()];
  }

  /** Face box to canonical canvas (192 x 192 bilinear warp, with 2x pre-shrinking when needed). */
  @Benchmark
  public NormalisedFace normalisePerFace() {
    return normaliser.normalise(face.image(), face.detectorBox());
  }

  /** Canvas to the 64 x 64 HOG input, then the 1764-d HOG. */
  @Benchmark
  public float[] hogPerFace() {
    hog.computeInto(normaliser.hogInput(normalised), hogOut, 0);
    return hogOut;
  }

  /** The 1764-d HOG of a prepared 64 x 64 input. */
  @Benchmark
  public float[] hogOnly() {
    hog.computeInto(hogInput, hogOut, 0);
    return hogOut;
  }

  /** Gradient, 8 orientation maps, blur, integral images of one 192 x 192 canvas (buffers reused). */
  @Benchmark
  public ResponseMaps responseMapsPerCanvas() {
    return maps.process(normalised.canvas());
  }

  /** 68 descriptors at patch 32, reported per landmark. */
  @Benchmark
  @OperationsPerInvocation(LANDMARKS)
  public float[] descriptorPerLandmark() {
    sift.describeInto(maps, canonicalShape, 32, descriptor, 0);
    return descriptor;
  }

  /** The 128 x 2 Jacobian block of each of 68 landmarks at patch 32 (4 descriptors each), per landmark. */
  @Benchmark
  @OperationsPerInvocation(LANDMARKS)
  public float[] jacobianPerLandmark() {
    sift.jacobianInto(maps, canonicalShape, 32, config.jacobianEpsilon(), jacobian, 0);
    return jacobian;
  }
}

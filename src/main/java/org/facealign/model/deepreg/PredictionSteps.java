package org.facealign.model.deepreg;

import java.util.ArrayList;
import java.util.List;
import org.facealign.data.FaceBox;
import org.facealign.data.GrayImage;
import org.facealign.data.Shape;
import org.facealign.data.SimilarityTransform;
import org.facealign.feature.ConfigFeatures;
import org.facealign.feature.FaceNormaliser;
import org.facealign.feature.HogFeature;
import org.facealign.feature.NormalisedFace;
import org.facealign.feature.ResponseMaps;
import org.facealign.feature.ShapeIndexedSift;
import org.facealign.model.StepTimings;

/**
 * Where a DeepReg prediction spends its time: the steps of {@link DeepRegModel#predictAll}, run in the same order
 * on groups of faces with a clock around each, giving the same shapes ({@link #predictions}). The steps: {@code
 * warp} (each face's canvas, and the shapes back to the image), {@code hog} (the global layer's input), {@code
 * response_maps} (the blurred orientation maps and their integrals), {@code descriptors} (the shape-indexed SIFT
 * of every stage) and {@code products} (the global layer and the local layers' matrix products). Not thread-safe.
 */
public final class PredictionSteps extends StepTimings {
  /** The steps, in the order a prediction runs them. */
  public static final List<String> STEPS = List.of("warp", "hog", "response_maps", "descriptors", "products");

  private final Cascade cascade;
  private final FaceNormaliser normaliser;
  private final HogFeature hog;
  private final ShapeIndexedSift sift;
  private final int batch;
  private final ResponseMaps[] maps;
  private final float[][] hogs;
  private final double[][] shapes;
  private final float[][] phi;
  private final NormalisedFace[] faces;
  /** Reused pixel buffers, as {@link DeepRegModel#predictAll} reuses them (its steps interleave, so one canvas). */
  private final float[][] canvases;
  private final float[] hogInput;

  /** Steps of {@code cascade}'s predictions, {@code batch} faces at a time. */
  public PredictionSteps(Cascade cascade, int batch) {
    this.cascade = cascade;
    this.batch = batch;
    ConfigFeatures f = cascade.features();
    normaliser = new FaceNormaliser(f);
    hog = new HogFeature(f);
    sift = new ShapeIndexedSift(f);
    maps = new ResponseMaps[batch];
    hogs = new float[batch][f.hogDimension()];
    shapes = new double[batch][2 * cascade.numPoints()];
    phi = new float[batch][f.descriptorLength() * cascade.numPoints()];
    faces = new NormalisedFace[batch];
    canvases = new float[batch][f.canvasSize() * f.canvasSize()];
    hogInput = new float[f.hogSize() * f.hogSize()];
    for (int i = 0; i < batch; i++) {
      maps[i] = new ResponseMaps(f);
    }
  }

  @Override
  public List<String> steps() {
    return STEPS;
  }

  @Override
  protected Pass pass(List<GrayImage> images, List<FaceBox> boxes) {
    long[] ns = new long[STEPS.size()];
    List<Shape> out = new ArrayList<>(images.size());
    for (int i0 = 0; i0 < images.size(); i0 += batch) {
      int n = Math.min(batch, images.size() - i0);
      long t = System.nanoTime();
      for (int i = 0; i < n; i++) {
        faces[i] = normaliser.normalise(images.get(i0 + i), boxes.get(i0 + i), canvases[i]);
      }
      t = lap(ns, 0, t);
      if (cascade.global() != null) {
        for (int i = 0; i < n; i++) {
          hog.computeInto(normaliser.hogInput(new NormalisedFace(faces[i].canvas(), SimilarityTransform.IDENTITY),
              hogInput), hogs[i], 0);
        }
      }
      t = lap(ns, 1, t);
      for (int i = 0; i < n; i++) {
        maps[i].process(faces[i].canvas());
      }
      t = lap(ns, 2, t);
      cascade.initialAll(hogs, shapes, n);
      t = lap(ns, 4, t);
      for (int s = 0; s < cascade.numStages(); s++) {
        for (int i = 0; i < n; i++) {
          sift.describeInto(maps[i], cascade.units().toCanonical(shapes[i]), cascade.features().patchSize(s), phi[i], 0);
        }
        t = lap(ns, 3, t);
        cascade.stages().get(s).applyAddAll(phi, shapes, n);
        t = lap(ns, 4, t);
      }
      for (int i = 0; i < n; i++) {
        out.add(faces[i].toImage(cascade.units().toCanonical(shapes[i])));
      }
      lap(ns, 0, t);
    }
    return new Pass(ns, out);
  }
}

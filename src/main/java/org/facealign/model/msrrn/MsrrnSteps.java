package org.facealign.model.msrrn;

import java.util.ArrayList;
import java.util.List;
import org.facealign.data.FaceBox;
import org.facealign.data.GrayImage;
import org.facealign.data.Shape;
import org.facealign.feature.NormalisedFace;
import org.facealign.model.StepTimings;

/**
 * Where an MSRRN prediction spends its time: the steps of {@link MsrrnModel#predictAll}, run in the same order on
 * groups of faces with a clock around each, giving the same shapes ({@link #predictions}). The steps: {@code
 * warp} (each face's canvas, and the shapes back to the image), {@code crops} (the multi-scale crops cut from the
 * canvas), {@code normalise} (the crops' grey levels to the network's input), {@code initialiser} (the CNN's
 * S0) and {@code stage1 .. stageT} (the recurrent network's stages). Not thread-safe.
 */
public final class MsrrnSteps extends StepTimings {
  private final MsrrnModel model;
  private final MsrrnPredictor predictor;
  private final int batch;
  private final List<String> steps = new ArrayList<>(List.of("warp", "crops", "normalise", "initialiser"));

  /**
   * Steps of {@code model}'s predictions, {@code batch} faces at a time.
   *
   * @throws UnsupportedOperationException if the model predicts through its graph, not the plain-Java pass
   */
  public MsrrnSteps(MsrrnModel model, int batch) {
    if (model.predictor() == null) {
      throw new UnsupportedOperationException("this MSRRN model predicts through its DL4J graph");
    }
    this.model = model;
    this.predictor = model.predictor();
    this.batch = batch;
    for (int t = 1; t <= model.stages(); t++) {
      steps.add("stage" + t);
    }
  }

  @Override
  public List<String> steps() {
    return List.copyOf(steps);
  }

  @Override
  protected Pass pass(List<GrayImage> images, List<FaceBox> boxes) {
    long[] ns = new long[steps.size()];
    long[] phases = new long[steps.size() - 2];
    List<Shape> out = new ArrayList<>(images.size());
    for (int i0 = 0; i0 < images.size(); i0 += batch) {
      int i1 = Math.min(images.size(), i0 + batch);
      long t = System.nanoTime();
      List<NormalisedFace> faces = new ArrayList<>(i1 - i0);
      for (int i = i0; i < i1; i++) {
        faces.add(model.normaliser().normalise(images.get(i), boxes.get(i)));
      }
      t = lap(ns, 0, t);
      List<GrayImage[]> crops = new ArrayList<>(faces.size());
      for (NormalisedFace nf : faces) {
        crops.add(model.inputs().crops(nf.canvas(), null).crops());
      }
      t = lap(ns, 1, t);
      double[][][] units = predictor.predict(crops, phases);
      t = System.nanoTime();
      for (int k = 0; k < faces.size(); k++) {
        double[][] u = units[k];
        out.add(faces.get(k).toImage(model.inputs().toCanonical(u[u.length - 1])));
      }
      lap(ns, 0, t);
    }
    System.arraycopy(phases, 0, ns, 2, phases.length);
    return new Pass(ns, out);
  }
}

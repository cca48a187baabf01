package org.facealign.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.facealign.data.BoxPolicy;
import org.facealign.data.FaceEntry;
import org.facealign.data.FaceReader;
import org.facealign.data.LoadedFace;
import org.facealign.eval.Nme;
import org.facealign.data.W300Layout;
import org.facealign.job.DeepRegJob;
import org.facealign.model.deepreg.DeepRegFixtures;
import org.facealign.model.deepreg.DeepRegModel;
import org.facealign.model.deepreg.Variant;
import org.facealign.data.LandmarkScheme;
import org.facealign.data.Shape;
import org.facealign.data.Storage;
import org.facealign.data.SyntheticFaces;
import org.facealign.model.MeanShapeModel;
import org.facealign.model.ModelHeader;
import org.facealign.model.ModelStore;
import org.facealign.model.Provenance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bench predict}'s accuracy: the faces a model held out for validation, and mirror averaging's gain. */
class BenchPredictTest {
  private static final Provenance P =
      new Provenance("data", 6, 7, "rev", "0.1.0", "2026-01-01T00:00:00Z", "cfg", "facealign {}");

  @Test
  void theMirrorAveragingGainIsTheModelAlonesErrorLessTheAveragedOne(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("300W");
    SyntheticFaces.writeW300Layout(data, Map.of("afw", 6, "lfpw/testset", 3), 5, SyntheticFaces.Options.defaults());
    // the template's shape moved right by 6 % of the box: mirror averaging takes the shift out, so it must gain
    Shape t = SyntheticFaces.TEMPLATE;
    Shape unit = t.toBoxFrame(t.extent().expand(0.05)).translate(0.06, 0);
    String model = dir.resolve("model").toString();
    ModelStore.save(new MeanShapeModel(new ModelHeader("mean", LandmarkScheme.IBUG_68, "detector", 0.1, P), unit, 1),
        Storage.local(), model);
    String[] args = {"bench", "predict", "--model", model, "--data", data.toString(), "--subset", "training",
        "--repeat", "1"};
    JsonNode alone = run(args);
    assertEquals(6, alone.get("faces").asInt());
    assertFalse(alone.get("mirror_average").asBoolean());
    double single = alone.get("ip_nme").asDouble();
    assertTrue(single > 0.02 && single < 0.5, "the shifted mean's error " + single);

    JsonNode averaged = run(with(args, "-D", "inference.mirror-average=true"));
    assertEquals(6, averaged.get("faces").asInt());
    assertTrue(averaged.get("mirror_average").asBoolean());
    assertEquals(single, averaged.get("ip_nme_single").asDouble(), 0.0, "the model alone, on the same faces");
    double gain = averaged.get("mirror_gain").asDouble();
    assertEquals(single - averaged.get("ip_nme").asDouble(), gain, 1e-12);
    assertTrue(gain > 0.01, "averaging with the mirror takes the shift out: gain " + gain);
    assertTrue(averaged.get("mirror_gain_standard_error").asDouble() > 0);

    // a mean-shape model holds no faces out: no validation subset to measure
    String out = MainTest.capture(() -> assertEquals(1, Main.run(with(args, "--subset", "validation"))));
    assertFalse(out.contains("{"), out);
  }

  @Test
  void validationIsTheTrainingFacesTheModelHeldOut(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("300W");
    SyntheticFaces.writeW300Layout(data, Map.of("afw", 12, "lfpw/testset", 2), 6, SyntheticFaces.Options.defaults());
    Provenance p = new Provenance("data", 12, 9, "rev", "0.1.0", "2026-01-01T00:00:00Z", "cfg",
        "facealign.deepreg.validation-faces = 4");
    String model = dir.resolve("model").toString();
    ModelStore.save(DeepRegFixtures.randomModel(Variant.DEEPREG, DeepRegFixtures.smallFeatures(), p),
        Storage.local(), model);
    String[] args = {"bench", "predict", "--model", model, "--data", data.toString(), "--subset", "validation",
        "--repeat", "1"};
    JsonNode v = run(args);
    assertEquals(4, v.get("faces").asInt(), "deepreg.validation-faces of the model's own configuration");
    // the same mean, worked out here: the model on each of the faces its seed and count hold out
    DeepRegModel m = (DeepRegModel) ModelStore.load(Storage.local(), model);
    List<FaceEntry> entries = W300Layout.discover(Storage.local(), data.toString()).entries().stream()
        .filter(e -> e.subset().equals("training")).toList();
    assertEquals(12, entries.size());
    java.util.Set<String> held = DeepRegJob.validationFaces(m.header(), entries.stream().map(FaceEntry::id).toList());
    assertEquals(4, held.size());
    BoxPolicy policy = BoxPolicy.parse(m.header().boxPolicy(), m.header().boxMargin());
    double sum = 0;
    for (FaceEntry e : entries) {
      if (held.contains(e.id())) {
        LoadedFace lf = FaceReader.load(e, Storage.local(), FaceReader.Limits.defaults(), m.header().scheme());
        sum += Nme.interPupil(m.predict(lf.image(), policy.boxFor(lf.face())), lf.face().landmarks(),
            m.header().scheme());
      }
    }
    assertEquals(sum / 4, v.get("ip_nme").asDouble(), 1e-9);
    JsonNode training = run(with(args, "--subset", "training", "--faces", "12"));
    assertEquals(12, training.get("faces").asInt());
    assertTrue(Math.abs(training.get("ip_nme").asDouble() - v.get("ip_nme").asDouble()) > 1e-6,
        "the held-out faces are a part of the training faces");
  }

  /** {@code args} with option {@code more[0]} set to {@code more[1]} (replaced where given, else added), and so on. */
  private static String[] with(String[] args, String... more) {
    List<String> r = new java.util.ArrayList<>(List.of(args));
    for (int k = 0; k < more.length; k += 2) {
      int at = more[k].equals("-D") ? -1 : r.indexOf(more[k]);
      if (at >= 0) {
        r.set(at + 1, more[k + 1]);
      } else {
        r.add(more[k]);
        r.add(more[k + 1]);
      }
    }
    return r.toArray(String[]::new);
  }

  private static JsonNode run(String[] args) throws Exception {
    String out = MainTest.capture(() -> assertEquals(0, Main.run(args)));
    return new ObjectMapper().readTree(out.substring(out.indexOf('{')));
  }
}

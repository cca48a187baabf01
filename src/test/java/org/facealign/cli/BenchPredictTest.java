package org.facealign.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.Map;
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

/** {@code bench predict} on the faces a model held out for validation, with and without mirror averaging. */
class BenchPredictTest {
  @Test
  void validationFacesAndTheMirrorAveragingGain(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("300W");
    SyntheticFaces.writeW300Layout(data, Map.of("afw", 10, "lfpw/testset", 3), 5, SyntheticFaces.Options.defaults());
    // the template's shape moved right by 6 % of the box: mirror averaging takes the shift out, so it must gain
    Shape t = SyntheticFaces.TEMPLATE;
    Shape unit = t.toBoxFrame(t.extent().expand(0.05)).translate(0.06, 0);
    Provenance p = new Provenance("data", 10, 7, "rev", "0.1.0", "2026-01-01T00:00:00Z", "cfg", "facealign {}");
    String model = dir.resolve("model").toString();
    ModelStore.save(new MeanShapeModel(new ModelHeader("mean", LandmarkScheme.IBUG_68, "detector", 0.1, p), unit, 1),
        Storage.local(), model);
    String[] args = {"bench", "predict", "--model", model, "--data", data.toString(), "--subset", "validation",
        "--repeat", "1"};
    JsonNode alone = run(args);
    // 200 validation faces asked, at most all training faces but one held out: 9 of the 10
    assertEquals(9, alone.get("faces").asInt());
    assertFalse(alone.get("mirror_average").asBoolean());
    double single = alone.get("ip_nme").asDouble();
    assertTrue(single > 0.02 && single < 0.5, "the shifted mean's error " + single);

    String[] mirrored = java.util.Arrays.copyOf(args, args.length + 2);
    mirrored[args.length] = "-D";
    mirrored[args.length + 1] = "inference.mirror-average=true";
    JsonNode averaged = run(mirrored);
    assertEquals(9, averaged.get("faces").asInt());
    assertTrue(averaged.get("mirror_average").asBoolean());
    assertEquals(single, averaged.get("ip_nme_single").asDouble(), 0.0, "the model alone, on the same faces");
    double gain = averaged.get("mirror_gain").asDouble();
    assertEquals(single - averaged.get("ip_nme").asDouble(), gain, 1e-12);
    assertTrue(gain > 0.01, "averaging with the mirror takes the shift out: gain " + gain);
    assertTrue(averaged.get("mirror_gain_standard_error").asDouble() > 0);
  }

  private static JsonNode run(String[] args) throws Exception {
    String out = MainTest.capture(() -> assertEquals(0, Main.run(args)));
    return new ObjectMapper().readTree(out.substring(out.indexOf('{')));
  }
}

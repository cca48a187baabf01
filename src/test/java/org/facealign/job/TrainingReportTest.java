package org.facealign.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.facealign.data.LandmarkScheme;
import org.facealign.data.Storage;
import org.facealign.data.SyntheticFaces;
import org.facealign.eval.FaceResult;
import org.facealign.eval.Report;
import org.facealign.train.SequentialTrainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingReportTest {
  @Test
  void theReportCarriesTheStageErrorsOfBothPhasesAndTheirFigures(@TempDir Path dir) throws Exception {
    Map<String, DeepRegJob.StageErrors> seq = new LinkedHashMap<>();
    seq.put("train", new DeepRegJob.StageErrors(10, new double[] {0.1, 0.05, 0.03}, new double[] {0.1, 0.05, 0.03}, new double[] {1e-3, 5e-4, 1e-4},
        new double[] {2e-3, 1e-3, 8e-4}));
    seq.put("common", new DeepRegJob.StageErrors(5, new double[] {0.11, 0.07, 0.06}, new double[] {0.11, 0.07, 0.06}, new double[] {1e-3, 5e-4, 2e-4},
        new double[] {3e-3, 2e-3, 1e-3}));
    Map<String, DeepRegJob.StageErrors> joint = new LinkedHashMap<>(seq);
    joint.put("common", new DeepRegJob.StageErrors(5, new double[] {0.11, 0.065, 0.055}, new double[] {0.11, 0.065, 0.055}, new double[] {1e-3, 4e-4, 1e-4},
        new double[] {3e-3, 2e-3, 9e-4}));
    DeepRegJob.Training t = new DeepRegJob.Training("deepreg",
        List.of(new SequentialTrainer.StageFit("stage1", 10, 0.3, 0.1, 1.0)), seq, joint, List.of());
    Storage st = Storage.local();
    String model = dir.resolve("model").toString();
    st.write(Storage.resolve(model, DeepRegJob.TRAINING_FILE), PreparedSet.JSON.writeValueAsBytes(t));

    FaceResult r = FaceResult.of("f", "common", "f.jpg", SyntheticFaces.TEMPLATE, SyntheticFaces.TEMPLATE.translate(1, 0),
        LandmarkScheme.IBUG_68);
    Report.Builder b = Report.builder().addSubset("common", List.of(r)).counts(1, 1, 0);
    EvaluateJob.addTraining(b, st, model);
    Map<String, byte[]> files = b.build().render();
    assertTrue(files.containsKey("stages.png") && files.containsKey("bias-variance.png"), files.keySet().toString());
    JsonNode json = PreparedSet.JSON.readTree(files.get(Report.JSON));
    JsonNode training = json.findValue("training");
    assertEquals(0.055, training.path("joint_stages").path("common").path("nme").get(2).asDouble(), 1e-12);
    assertEquals(0.06, training.path("stages").path("common").path("nme").get(2).asDouble(), 1e-12);
    JsonNode table = json.findValue("final_ip_nme_by_phase");
    assertEquals(0.06, table.path("sequentialreg").path("common").asDouble(), 1e-12);
    assertEquals(0.055, table.path("deepreg").path("common").asDouble(), 1e-12);
  }
}

package org.facealign.model.msrrn.graph;

import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.facealign.data.LandmarkScheme;
import org.facealign.data.Shape;
import org.facealign.data.SyntheticFaces;
import org.facealign.feature.ConfigFeatures;
import org.facealign.model.MirrorChecks;
import org.facealign.model.ModelHeader;
import org.facealign.model.Provenance;
import org.facealign.model.msrrn.MsrrnModel;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/** {@link org.facealign.model.MirrorAveraged} on an MSRRN model of random weights ({@link MirrorChecks}). */
class MsrrnMirrorAveragingTest {
  @Test
  void msrrnAveragesWithTheWholePhotographMirrored() {
    double margin = 0.2;
    Shape t = SyntheticFaces.TEMPLATE;
    double[] mean = t.toBoxFrame(t.extent()).toArray();
    for (int i = 0; i < mean.length; i++) {
      mean[i] = (mean[i] + margin) / (1 + 2 * margin);
    }
    ComputationGraph g = MsrrnGraph.build(Tiny.config(3, false), 68, Tiny.CROPS, mean, 17L, DataType.FLOAT);
    Provenance p = new Provenance("data", 10, 17, "rev", "0.1.0", "2026-01-01T00:00:00Z", "cfg", "facealign {}");
    MsrrnModel m = new MsrrnModel(new ModelHeader(MsrrnModel.KIND, LandmarkScheme.IBUG_68, "detector", 0.1, p),
        ConfigFeatures.builder().build(), List.of(12, 16, 24), margin, g);
    MirrorChecks.check(m, MirrorChecks.faces(5, 6));
  }
}

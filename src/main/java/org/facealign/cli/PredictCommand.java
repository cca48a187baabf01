package org.facealign.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.concurrent.Callable;
import org.facealign.data.BoxPolicy;
import org.facealign.data.Face;
import org.facealign.data.FaceBox;
import org.facealign.data.GrayImage;
import org.facealign.data.ImageDecoder;
import org.facealign.data.PtsFormat;
import org.facealign.data.Shape;
import org.facealign.data.Storage;
import org.facealign.model.LandmarkModel;
import org.facealign.model.ModelStore;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Predicts one image's landmarks without Spark: for checking a model by hand. */
@Command(name = "predict", mixinStandardHelpOptions = true,
    description = "Predict the landmarks of one face in one image (no Spark); prints JSON, optionally writes a .pts.")
final class PredictCommand implements Callable<Integer> {
  @Option(names = "--model", required = true, paramLabel = "DIR", description = "A saved model directory.")
  String model;

  @Option(names = "--image", required = true, paramLabel = "PATH", description = "The image (any Hadoop path).")
  String image;

  @ArgGroup(exclusive = true, multiplicity = "1")
  BoxSource box;

  static final class BoxSource {
    @Option(names = "--box", arity = "4", paramLabel = "X0 Y0 X1 Y1", description = "Face box, 0-based pixels.")
    double[] box;

    @Option(names = "--pts", paramLabel = "PATH", description = "Take the box from this annotation, by the model's box policy (landmarks policy only).")
    String pts;
  }

  @Option(names = "--write-pts", paramLabel = "PATH", description = "Also write the prediction as a .pts file.")
  String writePts;

  @Option(names = "--max-pixels", defaultValue = "100000000", description = "Refuse larger images (default: ${DEFAULT-VALUE}).")
  long maxPixels;

  @Override
  public Integer call() throws Exception {
    Storage st = Storage.local();
    LandmarkModel m = ModelStore.load(st, model);
    GrayImage img = ImageDecoder.decode(st.readBytes(image, 1L << 30), image, maxPixels);
    FaceBox b;
    if (box.box != null) {
      b = new FaceBox(box.box[0], box.box[1], box.box[2], box.box[3]);
    } else {
      Shape gt = PtsFormat.parse(st.readText(box.pts), box.pts, m.header().scheme().numPoints());
      BoxPolicy policy = BoxPolicy.parse(m.header().boxPolicy(), m.header().boxMargin());
      b = policy.boxFor(new Face(image, image, box.pts, "predict", gt, null));
    }
    Shape s = m.predict(img, b);
    ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode out = json.createObjectNode();
    out.put("image", image);
    out.put("model", model);
    out.putArray("box").add(b.x0()).add(b.y0()).add(b.x1()).add(b.y1());
    ArrayNode pts = out.putArray("landmarks");
    for (int i = 0; i < s.numPoints(); i++) {
      pts.addArray().add(s.x(i)).add(s.y(i));
    }
    System.out.println(json.writeValueAsString(out));
    if (writePts != null) {
      st.writeText(writePts, PtsFormat.format(s));
    }
    return 0;
  }
}

package org.facealign.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.facealign.config.FacealignConfig;
import org.facealign.data.BoxPolicy;
import org.facealign.data.Face;
import org.facealign.data.FaceBox;
import org.facealign.data.FaceReader;
import org.facealign.data.ImageDecoder;
import org.facealign.data.PtsFormat;
import org.facealign.data.Shape;
import org.facealign.data.Storage;
import org.facealign.detect.CascadeDetector;
import org.facealign.eval.Overlay;
import org.facealign.label.ImageLabel;
import org.facealign.label.LabelInput;
import org.facealign.label.Labeler;
import org.facealign.model.LandmarkModel;
import org.facealign.model.ModelStore;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Predicts the landmarks of the faces of one image without Spark: for checking a model by hand. */
@Command(name = "predict", mixinStandardHelpOptions = true,
    description = {"Predict the landmarks of the faces of one image (no Spark); prints JSON, optionally writes a .pts "
        + "and an overlay picture.",
        "Without --box or --pts, the faces are found by the detector (facealign.detect), as label does. Coordinates "
        + "are 0-based pixels of the image as displayed (its EXIF orientation applied)."})
final class PredictCommand implements Callable<Integer> {
  @Option(names = "--model", required = true, paramLabel = "DIR", description = "A saved model directory.")
  String model;

  @Option(names = "--image", required = true, paramLabel = "PATH", description = "The image (any Hadoop path).")
  String image;

  @ArgGroup(exclusive = true, multiplicity = "0..1")
  BoxSource box;

  static final class BoxSource {
    @Option(names = "--box", arity = "4", paramLabel = "X0 Y0 X1 Y1", description = "Face box, 0-based pixels, in the model's box convention.")
    double[] box;

    @Option(names = "--pts", paramLabel = "PATH", description = "Take the box from this annotation, by the model's box policy (landmarks policy only).")
    String pts;
  }

  @Option(names = "--write-pts", paramLabel = "PATH", description = "Also write the first face's landmarks as a .pts file.")
  String writePts;

  @Option(names = "--overlay", paramLabel = "PATH", description = "Also write the image with the boxes and landmarks drawn (PNG).")
  String overlay;

  @Option(names = "--max-pixels", defaultValue = "100000000", description = "Refuse larger images (default: ${DEFAULT-VALUE}).")
  long maxPixels;

  @Mixin
  Main.ConfigOptions config = new Main.ConfigOptions();

  @Override
  public Integer call() throws Exception {
    FacealignConfig cfg = config.load(Map.of());
    Storage st = Main.ConfigOptions.storage(cfg);
    LandmarkModel m = cfg.inference().apply(ModelStore.load(st, model));
    List<FaceBox> boxes = null;
    if (box != null && box.box != null) {
      boxes = List.of(new FaceBox(box.box[0], box.box[1], box.box[2], box.box[3]));
    } else if (box != null) {
      Shape gt = PtsFormat.parse(st.readText(box.pts), box.pts, m.header().scheme().numPoints());
      BoxPolicy policy = BoxPolicy.parse(m.header().boxPolicy(), m.header().boxMargin());
      boxes = List.of(policy.boxFor(new Face(image, image, box.pts, "predict", gt, null)));
    }
    Labeler.Settings settings = new Labeler.Settings(cfg.detect(), cfg.label(),
        new FaceReader.Limits(cfg.data().maxFileBytes(), maxPixels, cfg.data().pointMargin()));
    ImageLabel l;
    try (CascadeDetector detector = boxes == null ? new CascadeDetector(cfg.detect()) : null) {
      l = new Labeler(m, st, settings, () -> detector).label(List.of(LabelInput.named(image, boxes))).get(0);
    }
    if (l.status().equals(ImageLabel.FAILED)) {
      System.err.println("facealign predict: " + image + ": " + l.stage() + " failed: " + l.reason());
      return 1;
    }
    ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode out = json.createObjectNode();
    out.put("image", image);
    out.put("model", model);
    out.put("status", l.status());
    out.put("width", l.width());
    out.put("height", l.height());
    out.put("exif_orientation", l.orientation());
    ArrayNode faces = out.putArray("faces");
    for (ImageLabel.Face f : l.faces()) {
      ObjectNode n = faces.addObject();
      n.putArray("box").add(f.box().x0()).add(f.box().y0()).add(f.box().x1()).add(f.box().y1());
      if (f.detectorBox() != null) {
        n.put("detector_stage", f.detectorStage());
        n.put("detector_score", f.score());
        n.putArray("detector_box").add(f.detectorBox().x0()).add(f.detectorBox().y0()).add(f.detectorBox().x1())
            .add(f.detectorBox().y1());
        n.put("reboxed", f.reboxed());
      }
      ArrayNode pts = n.putArray("landmarks");
      for (int i = 0; i < f.landmarks().numPoints(); i++) {
        pts.addArray().add(f.landmarks().x(i)).add(f.landmarks().y(i));
      }
    }
    if (!l.faces().isEmpty()) {
      out.set("box", faces.get(0).get("box"));
      out.set("landmarks", faces.get(0).get("landmarks"));
    }
    System.out.println(json.writeValueAsString(out));
    if (writePts != null && !l.faces().isEmpty()) {
      st.writeText(writePts, PtsFormat.format(l.faces().get(0).landmarks()));
    }
    if (overlay != null) {
      List<Overlay.Face> drawn = new ArrayList<>();
      for (ImageLabel.Face f : l.faces()) {
        drawn.add(new Overlay.Face(f.box(), f.landmarks(), null, Integer.toString(f.index())));
      }
      ImageDecoder.Oriented img = ImageDecoder.decodeOriented(st.readBytes(image, cfg.data().maxFileBytes()), image, maxPixels);
      st.write(overlay, Overlay.png(img.image(), drawn, cfg.label().overlaySide()));
    }
    return 0;
  }
}

package org.facealign.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.Serializable;
import java.util.Map;
import org.facealign.data.FaceBox;
import org.facealign.data.GrayImage;
import org.facealign.data.LandmarkScheme;
import org.facealign.data.Shape;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The baseline: the mean of the training shapes in box-normalised coordinates (the face box mapped to
 * the unit square), placed in each test face's box. It is the initial shape s0 of DeepRegLocal (Shi et
 * al. 2014) and the "mean shape" row of MSRRN's Table 2 (Wang et al. 2017); it ignores the pixels.
 *
 * <p>Choice: a plain arithmetic mean in the box frame, not a Procrustes mean. Prediction places the
 * shape by the box alone (no rotation is known at test time), so the quantity to estimate is exactly
 * the expected box-frame shape, whose least-squares estimate is the arithmetic mean.
 */
public final class MeanShapeModel implements LandmarkModel, Serializable {
  private static final long serialVersionUID = 1L;

  /** Persistence of this kind. */
  public static final ModelCodec<MeanShapeModel> CODEC = new Codec();

  private final ModelHeader header;
  private final Shape meanBoxFrame;
  private final long samples;

  public MeanShapeModel(ModelHeader header, Shape meanBoxFrame, long samples) {
    if (meanBoxFrame.numPoints() != header.scheme().numPoints()) {
      throw new IllegalArgumentException("mean shape has " + meanBoxFrame.numPoints() + " points, scheme has " + header.scheme().numPoints());
    }
    this.header = header;
    this.meanBoxFrame = meanBoxFrame;
    this.samples = samples;
  }

  @Override
  public ModelHeader header() {
    return header;
  }

  /** The mean shape in the unit box frame. */
  public Shape meanBoxFrame() {
    return meanBoxFrame;
  }

  /** Number of shapes averaged (training faces, plus mirrors when flip augmentation was on). */
  public long samples() {
    return samples;
  }

  @Override
  public Shape predict(GrayImage image, FaceBox box) {
    return meanBoxFrame.fromBoxFrame(box);
  }

  /** No pixel: the shape is placed by the box alone (the box itself stands for the empty part). */
  @Override
  public FaceBox footprint(FaceBox box) {
    return box;
  }

  /**
   * Sums box-frame shapes; mergeable, so Spark can aggregate it across partitions.
   * With {@code flip}, each shape's mirror (in the box frame: u' = 1 - u, points renumbered) is added too.
   */
  public static final class Accumulator implements Serializable {
    private static final long serialVersionUID = 1L;
    private final double[] sum;
    private final int[] flipMap;
    private final boolean flip;
    private long count;

    public Accumulator(LandmarkScheme scheme, boolean flip) {
      this.sum = new double[2 * scheme.numPoints()];
      this.flipMap = scheme.flipMap();
      this.flip = flip;
    }

    /** Adds one face's landmarks in its box's frame. */
    public Accumulator add(Shape boxFrame) {
      addRaw(boxFrame.toArray());
      if (flip) {
        // In the unit frame, mirroring maps u to 1 - u: flipHorizontal with an "image width" of 2.
        addRaw(boxFrame.flipHorizontal(2.0, flipMap).toArray());
      }
      return this;
    }

    private void addRaw(double[] xy) {
      if (xy.length != sum.length) {
        throw new IllegalArgumentException("shape has " + xy.length / 2 + " points, expected " + sum.length / 2);
      }
      for (int i = 0; i < xy.length; i++) {
        sum[i] += xy[i];
      }
      count++;
    }

    public Accumulator merge(Accumulator other) {
      for (int i = 0; i < sum.length; i++) {
        sum[i] += other.sum[i];
      }
      count += other.count;
      return this;
    }

    public long count() {
      return count;
    }

    /** The mean box-frame shape. */
    public Shape mean() {
      if (count == 0) {
        throw new IllegalStateException("no training shapes to average");
      }
      double[] m = new double[sum.length];
      for (int i = 0; i < m.length; i++) {
        m[i] = sum[i] / count;
      }
      return Shape.of(m);
    }
  }

  private static final class Codec implements ModelCodec<MeanShapeModel> {
    @Override
    public String kind() {
      return "mean";
    }

    @Override
    public Class<MeanShapeModel> modelClass() {
      return MeanShapeModel.class;
    }

    @Override
    public ObjectNode hyper(MeanShapeModel m) {
      ObjectNode n = JsonNodeFactory.instance.objectNode();
      n.put("samples", m.samples);
      n.put("frame", "unit box: x' = (x - x0) / width, y' = (y - y0) / height");
      return n;
    }

    @Override
    public Map<String, INDArray> arrays(MeanShapeModel m) {
      double[] xy = m.meanBoxFrame.toArray();
      return Map.of("mean_shape", Nd4j.create(xy, new long[] {xy.length / 2, 2}, DataType.DOUBLE));
    }

    @Override
    public MeanShapeModel build(ModelHeader header, JsonNode hyper, Map<String, INDArray> arrays) {
      INDArray a = arrays.get("mean_shape");
      if (a == null) {
        throw new IllegalArgumentException("mean model has no mean_shape array");
      }
      double[] xy = a.castTo(DataType.DOUBLE).reshape(a.length()).toDoubleVector();
      return new MeanShapeModel(header, Shape.of(xy), hyper.path("samples").asLong());
    }
  }
}

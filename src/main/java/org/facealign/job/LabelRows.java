package org.facealign.job;

import java.io.Serializable;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.facealign.data.FaceBox;
import org.facealign.label.ImageLabel;

/**
 * The Parquet rows of a labelled dataset: {@link #FACES} (one row per face) and {@link #IMAGES} (one status row per
 * image). Coordinates are 0-based pixels of the image as displayed (its EXIF orientation applied); boxes are {@code
 * [x0, y0, x1, y1]}; landmarks are interleaved {@code x0, y0, x1, y1, ...}, as in a prepared set.
 */
final class LabelRows {
  private LabelRows() {}

  /**
   * What every row of one run carries about the model and the run.
   *
   * @param modelKind e.g. deepreg
   * @param modelVersion the facealign version that trained it
   * @param modelId the model's fingerprint (SHA-256 of its checksum file)
   * @param runId the run
   */
  record Meta(String modelKind, String modelVersion, String modelId, String runId) implements Serializable {}

  private static final DataType BOX = DataTypes.createArrayType(DataTypes.DoubleType, false);

  static final StructType FACES = DataTypes.createStructType(new StructField[] {
      DataTypes.createStructField("path", DataTypes.StringType, false),
      DataTypes.createStructField("content_sha256", DataTypes.StringType, false),
      DataTypes.createStructField("width", DataTypes.IntegerType, false),
      DataTypes.createStructField("height", DataTypes.IntegerType, false),
      DataTypes.createStructField("face_index", DataTypes.IntegerType, false),
      DataTypes.createStructField("box", BOX, false),
      DataTypes.createStructField("box_source", DataTypes.StringType, false),
      DataTypes.createStructField("detector_box", BOX, true),
      DataTypes.createStructField("detector_score", DataTypes.DoubleType, true),
      DataTypes.createStructField("reboxed", DataTypes.BooleanType, false),
      DataTypes.createStructField("landmarks", DataTypes.createArrayType(DataTypes.DoubleType, false), false),
      DataTypes.createStructField("model_kind", DataTypes.StringType, false),
      DataTypes.createStructField("model_version", DataTypes.StringType, false),
      DataTypes.createStructField("model_id", DataTypes.StringType, false),
      DataTypes.createStructField("run_id", DataTypes.StringType, false),
      DataTypes.createStructField("labeled_at", DataTypes.TimestampType, false),
  });

  static final StructType IMAGES = DataTypes.createStructType(new StructField[] {
      DataTypes.createStructField("path", DataTypes.StringType, false),
      DataTypes.createStructField("content_sha256", DataTypes.StringType, true),
      DataTypes.createStructField("bytes", DataTypes.LongType, true),
      DataTypes.createStructField("width", DataTypes.IntegerType, true),
      DataTypes.createStructField("height", DataTypes.IntegerType, true),
      DataTypes.createStructField("exif_orientation", DataTypes.IntegerType, false),
      DataTypes.createStructField("status", DataTypes.StringType, false),
      DataTypes.createStructField("failed_stage", DataTypes.StringType, true),
      DataTypes.createStructField("reason_code", DataTypes.StringType, true),
      DataTypes.createStructField("reason", DataTypes.StringType, true),
      DataTypes.createStructField("faces", DataTypes.IntegerType, false),
      DataTypes.createStructField("model_kind", DataTypes.StringType, false),
      DataTypes.createStructField("model_version", DataTypes.StringType, false),
      DataTypes.createStructField("model_id", DataTypes.StringType, false),
      DataTypes.createStructField("run_id", DataTypes.StringType, false),
      DataTypes.createStructField("labeled_at", DataTypes.TimestampType, false),
  });

  static List<Row> faces(ImageLabel l, Meta m, Timestamp at) {
    List<Row> rows = new ArrayList<>(l.faceCount());
    for (ImageLabel.Face f : l.faces()) {
      rows.add(RowFactory.create(l.path(), l.sha256(), l.width(), l.height(), f.index(), box(f.box()),
          f.detectorStage() == null ? "given" : f.detectorStage(), f.detectorBox() == null ? null : box(f.detectorBox()),
          Double.isNaN(f.score()) ? null : f.score(), f.reboxed(), f.landmarks().toArray(), m.modelKind(),
          m.modelVersion(), m.modelId(), m.runId(), at));
    }
    return rows;
  }

  static Row image(ImageLabel l, Meta m, Timestamp at) {
    return RowFactory.create(l.path(), l.sha256(), l.bytes() < 0 ? null : l.bytes(), l.width() < 0 ? null : l.width(),
        l.height() < 0 ? null : l.height(), l.orientation(), l.status(), l.stage(), l.code(), l.reason(), l.faceCount(),
        m.modelKind(), m.modelVersion(), m.modelId(), m.runId(), at);
  }

  private static double[] box(FaceBox b) {
    return new double[] {b.x0(), b.y0(), b.x1(), b.y1()};
  }
}

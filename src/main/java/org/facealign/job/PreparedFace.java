package org.facealign.job;

import java.io.Serializable;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.facealign.data.FaceBox;
import org.facealign.data.Shape;

/**
 * One row of a prepared set: a face that loaded cleanly, with its face box resolved by the run's box
 * policy. Stored as Parquet (schema {@link #SCHEMA}), so notebooks can read it with any Parquet reader.
 *
 * @param id stable face id
 * @param subset subset name
 * @param imagePath the image
 * @param annotationPath the .pts file
 * @param contentHash SHA-256 of the image bytes and annotation bytes
 * @param width image width in pixels
 * @param height image height in pixels
 * @param box the face box given by the box policy
 * @param landmarks ground truth
 */
public record PreparedFace(
    String id, String subset, String imagePath, String annotationPath, String contentHash, int width, int height,
    FaceBox box, Shape landmarks) implements Serializable {

  /** The Parquet schema. Coordinates are 0-based pixels; landmarks interleaved x0, y0, x1, y1, ... */
  public static final StructType SCHEMA = DataTypes.createStructType(new StructField[] {
      DataTypes.createStructField("id", DataTypes.StringType, false),
      DataTypes.createStructField("subset", DataTypes.StringType, false),
      DataTypes.createStructField("image_path", DataTypes.StringType, false),
      DataTypes.createStructField("annotation_path", DataTypes.StringType, true),
      DataTypes.createStructField("content_hash", DataTypes.StringType, false),
      DataTypes.createStructField("width", DataTypes.IntegerType, false),
      DataTypes.createStructField("height", DataTypes.IntegerType, false),
      DataTypes.createStructField("box", DataTypes.createArrayType(DataTypes.DoubleType, false), false),
      DataTypes.createStructField("landmarks", DataTypes.createArrayType(DataTypes.DoubleType, false), false),
  });

  public Row toRow() {
    double[] b = {box.x0(), box.y0(), box.x1(), box.y1()};
    return RowFactory.create(id, subset, imagePath, annotationPath, contentHash, width, height, b, landmarks.toArray());
  }

  public static PreparedFace fromRow(Row r) {
    List<Double> b = r.getList(r.fieldIndex("box"));
    List<Double> l = r.getList(r.fieldIndex("landmarks"));
    double[] xy = new double[l.size()];
    for (int i = 0; i < xy.length; i++) {
      xy[i] = l.get(i);
    }
    return new PreparedFace(r.getString(r.fieldIndex("id")), r.getString(r.fieldIndex("subset")),
        r.getString(r.fieldIndex("image_path")), r.getString(r.fieldIndex("annotation_path")),
        r.getString(r.fieldIndex("content_hash")), r.getInt(r.fieldIndex("width")), r.getInt(r.fieldIndex("height")),
        new FaceBox(b.get(0), b.get(1), b.get(2), b.get(3)), Shape.of(xy));
  }
}

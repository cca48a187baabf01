package org.facealign.label;

import java.io.Serializable;
import java.util.List;
import org.facealign.data.FaceBox;

/**
 * One image to label, as the input listing gives it.
 *
 * @param path the image, a Hadoop path
 * @param length its size in bytes from the listing, or -1 when unknown (list and Parquet inputs)
 * @param boxes the face boxes given with it (list or Parquet inputs); null to detect the faces
 * @param problem what is wrong with its input record (e.g. an unparsable line of a list file), or null; the image
 *     then fails at stage {@code input} with this reason
 * @param truthPath a {@code .pts} annotation beside the image, or null
 * @param givenBox the data set's own face box for the image ({@code boxes.txt} of a 300-W folder), or null; used
 *     only to compare with the detector's boxes when there is ground truth
 * @param group the image's folder relative to the input it was listed from ("" at its top), for ground-truth
 *     figures per folder
 */
public record LabelInput(String path, long length, List<FaceBox> boxes, String problem, String truthPath,
    FaceBox givenBox, String group) implements Serializable {

  /** An image found in a folder listing. */
  public static LabelInput listed(String path, long length, String truthPath, FaceBox givenBox, String group) {
    return new LabelInput(path, length, null, null, truthPath, givenBox, group);
  }

  /** An image named by a list file or table, with its boxes (null: detect). */
  public static LabelInput named(String path, List<FaceBox> boxes) {
    return new LabelInput(path, -1, boxes == null ? null : List.copyOf(boxes), null, null, null, "");
  }

  /**
   * Everything about this input that changes its rows, as text: path, length, boxes, problem, annotation, given box
   * and folder group.
   */
  public String identity() {
    StringBuilder b = new StringBuilder().append(path).append('\n').append(length).append('\n');
    if (boxes == null) {
      b.append("detect");
    } else {
      for (FaceBox x : boxes) {
        b.append(x.text()).append(';');
      }
    }
    b.append('\n').append(problem).append('\n').append(truthPath).append('\n');
    if (givenBox != null) {
      b.append(givenBox.text());
    }
    return b.append('\n').append(group).toString();
  }

  /** An input record that cannot be used, with its reason. */
  public static LabelInput broken(String path, String problem) {
    return new LabelInput(path, -1, null, problem, null, null, "");
  }
}

/**
 * Face detection for labelling images that come without face boxes: a {@link org.facealign.detect.FaceDetector}
 * finds faces, and a {@link org.facealign.detect.BoxMap} per detector stage turns each detector box into the
 * box convention the landmark models were trained with (the 300-W detector boxes), so that alignment starts
 * where it learned to. Plain Java over OpenCV (through bytedeco); no Spark.
 */
package org.facealign.detect;

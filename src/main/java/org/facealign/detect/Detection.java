package org.facealign.detect;

import java.io.Serializable;
import org.facealign.data.FaceBox;

/**
 * One face a detector found.
 *
 * @param box the detector's own box, in image pixels (before any {@link BoxMap})
 * @param score the detector's confidence: for OpenCV's cascades, the number of overlapping raw detections
 *     merged into this one (larger is surer; comparable within one stage only)
 * @param stage the detector stage that found it (see {@link CascadeStage})
 */
public record Detection(FaceBox box, double score, String stage) implements Serializable {}

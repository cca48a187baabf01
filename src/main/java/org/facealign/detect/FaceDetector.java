package org.facealign.detect;

import java.util.List;
import org.facealign.data.GrayImage;

/** Finds the faces of an image. Implementations need not be thread-safe: use one per thread. */
public interface FaceDetector extends AutoCloseable {

  /** Every face found in {@code image}, in image pixels, most confident first; empty if none. */
  List<Detection> detect(GrayImage image);

  /** Releases native resources. */
  @Override
  void close();
}

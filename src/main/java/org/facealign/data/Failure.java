package org.facealign.data;

import java.io.Serializable;

/**
 * One input that could not be used, and why: what job reports list so that every input is accounted for.
 *
 * @param faceId the face's id, or the file name when no face could be formed
 * @param subset the subset the input belonged to
 * @param source the file (and line) at fault
 * @param stage the step that failed: discover, load, predict, ...
 * @param reason what is wrong, in words a user can act on
 */
public record Failure(String faceId, String subset, String source, String stage, String reason)
    implements Serializable {

  /** A failure from a {@link DataException}, which carries the source and the reason. */
  public static Failure of(String faceId, String subset, String stage, DataException e) {
    return new Failure(faceId, subset, e.source(), stage, e.reason());
  }
}

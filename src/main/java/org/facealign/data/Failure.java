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
 * @param code the kind of problem, for counting ({@link DataException#code()}: {@code bad_annotation}, {@code
 *     corrupt_image}, ...; {@code unexpected} for an error nobody classified); null in lists written before codes
 */
public record Failure(String faceId, String subset, String source, String stage, String reason, String code)
    implements Serializable {

  /** Code of a failure that was not a {@link DataException} (a decoder or model bug met on some input). */
  public static final String UNEXPECTED = "unexpected";

  /** A failure from a {@link DataException}, which carries the source, the reason and the code. */
  public static Failure of(String faceId, String subset, String stage, DataException e) {
    return new Failure(faceId, subset, e.source(), stage, e.reason(), e.code());
  }

  /** What failures are counted by: {@code stage: code}, as labelling counts them. */
  public String countKey() {
    return stage + ": " + (code == null ? DataException.INVALID : code);
  }
}

package org.facealign.data;

/**
 * Bad input: a file that cannot be read, decoded or parsed. The message always names the file (and
 * the line, where there is one) and the reason, so that a job's failure list can be acted on. Jobs
 * catch it per face: one bad file fails that face only.
 */
public class DataException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String source;
  private final String reason;

  public DataException(String source, String reason) {
    this(source, reason, null);
  }

  public DataException(String source, String reason, Throwable cause) {
    super(source + ": " + reason, cause);
    this.source = source;
    this.reason = reason;
  }

  /** A problem on one line of a text file (1-based line number). */
  public static DataException atLine(String source, int line, String reason) {
    return new DataException(source + ":" + line, reason);
  }

  /** The file (and line, as {@code file:line}) the problem is in. */
  public String source() {
    return source;
  }

  /** What is wrong, without the file name. */
  public String reason() {
    return reason;
  }
}

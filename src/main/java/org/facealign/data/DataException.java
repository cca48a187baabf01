package org.facealign.data;

/**
 * Bad input: a file that cannot be read, decoded or parsed. The message always names the file (and
 * the line, where there is one) and the reason, so that a job's failure list can be acted on. Jobs
 * catch it per face: one bad file fails that face only.
 */
public class DataException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The code of a problem nobody classified more precisely. */
  public static final String INVALID = "invalid_input";

  private final String source;
  private final String reason;
  private final String code;

  public DataException(String source, String reason) {
    this(source, reason, null);
  }

  public DataException(String source, String reason, Throwable cause) {
    this(INVALID, source, reason, cause);
  }

  private DataException(String code, String source, String reason, Throwable cause) {
    super(source + ": " + reason, cause);
    this.source = source;
    this.reason = reason;
    this.code = code;
  }

  /**
   * A problem of a known kind: {@code code} is a short snake_case name that jobs count failures by
   * ({@code file_too_large}, {@code not_an_image}, {@code corrupt_image}, ...), stable across releases.
   */
  public static DataException coded(String code, String source, String reason, Throwable cause) {
    return new DataException(code, source, reason, cause);
  }

  /** As {@link #coded(String, String, String, Throwable)} without a cause. */
  public static DataException coded(String code, String source, String reason) {
    return new DataException(code, source, reason, null);
  }

  /** A problem on one line of a text file (1-based line number). */
  public static DataException atLine(String source, int line, String reason) {
    return new DataException(source + ":" + line, reason);
  }

  /** The file (and line, as {@code file:line}) the problem is in. */
  public String source() {
    return source;
  }

  /** The kind of problem, for counting ({@link #INVALID} unless classified). */
  public String code() {
    return code;
  }

  /** What is wrong, without the file name. */
  public String reason() {
    return reason;
  }
}

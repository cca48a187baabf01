package org.facealign.job;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.Serializable;

/**
 * How many inputs went into a step, came out of it, and failed; {@code in == ok + failed} always.
 *
 * @param in inputs
 * @param ok inputs that came out
 * @param failed inputs that failed, each listed with its reason
 */
public record Counts(@JsonProperty("in") long in, @JsonProperty("ok") long ok, @JsonProperty("failed") long failed)
    implements Serializable {

  public Counts {
    if (in != ok + failed) {
      throw new IllegalStateException("counts do not add up: in=" + in + " ok=" + ok + " failed=" + failed);
    }
  }

  public static final Counts ZERO = new Counts(0, 0, 0);

  public Counts plus(Counts o) {
    return new Counts(in + o.in, ok + o.ok, failed + o.failed);
  }

  @Override
  public String toString() {
    return in + " in, " + ok + " ok, " + failed + " failed";
  }
}

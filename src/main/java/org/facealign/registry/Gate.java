package org.facealign.registry;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.facealign.data.DataException;
import org.facealign.eval.PairedDifference;

/**
 * Whether a candidate model may replace production: on every gated subset, evaluated on the same faces,
 *
 * <ol>
 *   <li><b>tolerance</b>: the candidate's mean NME is at most production's times {@code 1 + tolerance}; and
 *   <li><b>paired test</b>: a bootstrap of the per-face differences (candidate - production), resampling faces
 *       with replacement, does not find the candidate worse: the lower {@code 1 - confidence} quantile of the
 *       resampled mean differences is not above zero; and
 *   <li><b>coverage</b>: the candidate has an error for every face production has one for. A face only production
 *       predicted (the candidate's prediction failed) would otherwise leave the comparison unseen, and a candidate
 *       failing on hard faces would look better for it. Faces only the candidate predicted are counted, not held
 *       against it.
 * </ol>
 *
 * The first rule bounds how much worse a candidate may look on average; the second refuses a candidate that is
 * worse beyond noise even within the tolerance, where the faces say so consistently; the third keeps the first two
 * honest. All three must hold on every subset. The bootstrap is seeded: the same errors give the same decision.
 *
 * @param tolerance relative tolerance on the mean NME, e.g. 0.02 for 2 %
 * @param samples bootstrap resamples
 * @param confidence one-sided confidence of the paired test, e.g. 0.95
 * @param seed the bootstrap's seed
 */
public record Gate(double tolerance, int samples, double confidence, long seed) implements Serializable {

  public Gate {
    if (!(tolerance >= 0 && tolerance < 1)) {
      throw new IllegalArgumentException("tolerance must be in [0, 1), got " + tolerance);
    }
    if (samples < 100) {
      throw new IllegalArgumentException("bootstrap samples must be at least 100, got " + samples);
    }
    if (!(confidence > 0.5 && confidence < 1)) {
      throw new IllegalArgumentException("confidence must be in (0.5, 1), got " + confidence);
    }
  }

  /**
   * The errors of both models on one subset's faces, face i being the same face in both arrays.
   *
   * @param candidate the candidate's per-face NME
   * @param production production's per-face NME
   * @param onlyCandidate faces of the subset only the candidate has an error for, left out of the arrays
   * @param onlyProduction faces only production has an error for, likewise
   */
  public record Paired(double[] candidate, double[] production, int onlyCandidate, int onlyProduction)
      implements Serializable {
    public Paired {
      if (candidate.length != production.length) {
        throw new IllegalArgumentException(candidate.length + " candidate errors but " + production.length
            + " production errors: the models must be evaluated on the same faces");
      }
      if (onlyCandidate < 0 || onlyProduction < 0) {
        throw new IllegalArgumentException("negative counts of unpaired faces: " + onlyCandidate + ", " + onlyProduction);
      }
    }

    /** Both models have an error for exactly the same faces. */
    public Paired(double[] candidate, double[] production) {
      this(candidate, production, 0, 0);
    }
  }

  /**
   * What the gate found on one subset.
   *
   * @param faces faces compared (those both models have an error for)
   * @param onlyCandidate faces only the candidate has an error for
   * @param onlyProduction faces only production has an error for
   * @param candidate the candidate's mean NME over the faces compared
   * @param production production's mean NME over them
   * @param meanDifference candidate - production
   * @param lowerBound the lower one-sided bound of the mean difference
   * @param withinTolerance rule 1
   * @param notWorse rule 2
   * @param covered rule 3: no face only production has
   */
  public record SubsetResult(int faces, int onlyCandidate, int onlyProduction, double candidate, double production,
      double meanDifference, double lowerBound, boolean withinTolerance, boolean notWorse, boolean covered)
      implements Serializable {
    public boolean passes() {
      return withinTolerance && notWorse && covered;
    }
  }

  /**
   * The decision.
   *
   * @param promote whether the candidate may replace production
   * @param reason which rule decided, in words
   * @param subsets the figures per gated subset
   */
  public record Decision(boolean promote, String reason, Map<String, SubsetResult> subsets) implements Serializable {}

  /** The decision for {@code bySubset} (every gated subset; none may be empty). */
  public Decision decide(Map<String, Paired> bySubset) {
    if (bySubset.isEmpty()) {
      throw new IllegalArgumentException("no gated subset to compare the models on");
    }
    Map<String, SubsetResult> results = new LinkedHashMap<>();
    List<String> failures = new ArrayList<>();
    for (Map.Entry<String, Paired> e : bySubset.entrySet()) {
      SubsetResult r = compare(e.getKey(), e.getValue());
      results.put(e.getKey(), r);
      if (!r.withinTolerance()) {
        failures.add(String.format(Locale.ROOT, "%s: NME %.3f %% exceeds production's %.3f %% by more than the "
            + "tolerance of %.1f %%", e.getKey(), 100 * r.candidate(), 100 * r.production(), 100 * tolerance));
      }
      if (!r.notWorse()) {
        failures.add(String.format(Locale.ROOT, "%s: the paired bootstrap finds the candidate worse (mean difference "
            + "%+.3f points, %.0f %% lower bound %+.3f)", e.getKey(), 100 * r.meanDifference(), 100 * confidence,
            100 * r.lowerBound()));
      }
      if (!r.covered()) {
        failures.add(String.format(Locale.ROOT, "%s: the candidate has no prediction for %d face(s) production "
            + "predicted", e.getKey(), r.onlyProduction()));
      }
    }
    if (failures.isEmpty()) {
      return new Decision(true, "within tolerance, not worse by the paired bootstrap and every face predicted on "
          + results.keySet(), results);
    }
    return new Decision(false, String.join("; ", failures), results);
  }

  private SubsetResult compare(String name, Paired p) {
    int n = p.candidate().length;
    if (n == 0) {
      // every face of it unreadable in one of the two passes (or unpredicted): the data's failure, not the command's
      throw new DataException(name, "the gated subset has no faces evaluated by both models");
    }
    double[] d = new double[n];
    double mc = 0;
    double mp = 0;
    for (int i = 0; i < n; i++) {
      d[i] = p.candidate()[i] - p.production()[i];
      mc += p.candidate()[i];
      mp += p.production()[i];
    }
    mc /= n;
    mp /= n;
    double[] means = PairedDifference.bootstrapMeans(d, samples, new SplittableRandom(seed ^ name.hashCode()));
    java.util.Arrays.sort(means);
    double lower = PairedDifference.quantile(means, 1 - confidence);
    return new SubsetResult(n, p.onlyCandidate(), p.onlyProduction(), mc, mp, mc - mp, lower, mc <= mp * (1 + tolerance),
        lower <= 0, p.onlyProduction() == 0);
  }
}

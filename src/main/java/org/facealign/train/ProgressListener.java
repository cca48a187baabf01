package org.facealign.train;

import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One log line per epoch: losses, validation NME, learning rate, time, samples/s, best epoch, driver memory. */
public final class ProgressListener implements TrainingListener {
  private static final Logger LOG = LoggerFactory.getLogger(ProgressListener.class);
  private final String label;

  /** Lines start with "joint:". */
  public ProgressListener() {
    this("joint");
  }

  /** Lines start with {@code label + ":"}. */
  public ProgressListener(String label) {
    this.label = label;
  }

  @Override
  public void onEpochEnd(EpochInfo info) {
    Runtime rt = Runtime.getRuntime();
    LOG.info(label + ": " + line(info) + String.format(Locale.ROOT, "; driver heap %d of %d MB, resident %d MB (the rest of it off-heap)",
        (rt.totalMemory() - rt.freeMemory()) >> 20, rt.totalMemory() >> 20, org.bytedeco.javacpp.Pointer.physicalBytes() >> 20));
  }

  /** The line logged for {@code info}. */
  public static String line(EpochInfo info) {
    EpochStats s = info.stats();
    return String.format(Locale.ROOT,
        "epoch %d/%d train loss %.6f%s ip-nme %.5f lr %.3g %.1f s %.1f samples/s%s best epoch %d (%.6f)%s",
        s.epoch(), info.epochs(), s.trainLoss(),
        Double.isNaN(s.validationLoss()) ? "" : String.format(Locale.ROOT, " validation loss %.6f", s.validationLoss()),
        s.validationNme(), s.learningRate(), s.seconds(),
        s.samplesPerSecond(), s.improved() ? " (new best)" : "", info.state().bestEpoch(), info.state().bestError(),
        info.state().stopped() ? ", stopping" : "");
  }

  @Override
  public void onTrainingEnd(GraphTrainer.Result result) {
    LOG.info(label + ": done, best epoch {} of {} (validation error {})", result.bestEpoch(), result.history().size() - 1,
        result.bestError());
  }
}

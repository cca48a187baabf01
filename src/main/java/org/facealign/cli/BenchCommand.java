package org.facealign.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Benchmarks printing JSON (feature extraction, training, inference). Not built in this version.")
final class BenchCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    System.err.println("facealign bench: not built in this version. Benchmarks of feature extraction, training "
        + "and inference arrive with the feature and model jobs.");
    return 2;
  }
}

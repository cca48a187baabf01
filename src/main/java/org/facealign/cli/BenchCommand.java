package org.facealign.cli;

import picocli.CommandLine.Command;

@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Benchmarks printing JSON (feature extraction, training, inference). Not built in this version.")
final class BenchCommand extends NotBuiltCommand {
  @Override
  String message() {
    return "facealign bench: not built in this version. Benchmarks of feature extraction, training and inference "
        + "arrive with the feature and model jobs.";
  }
}

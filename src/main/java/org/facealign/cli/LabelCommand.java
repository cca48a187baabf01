package org.facealign.cli;

import picocli.CommandLine.Command;

@Command(name = "label", mixinStandardHelpOptions = true,
    description = "Batch-label an image archive: find faces, predict landmarks, write Parquet. Not built in this version.")
final class LabelCommand extends NotBuiltCommand {
  @Override
  String message() {
    return "facealign label: not built in this version. Batch labelling (face detection, landmark prediction, "
        + "Parquet output with every input accounted for) is planned; use predict for single images.";
  }
}

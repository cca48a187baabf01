package org.facealign.cli;

import com.typesafe.config.ConfigException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.facealign.config.FacealignConfig;
import org.facealign.config.Secrets;
import org.facealign.data.DataException;
import org.facealign.data.Storage;
import org.facealign.job.SparkSessions;
import org.facealign.model.ModelFormatException;
import org.facealign.model.Provenance;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The facealign command line: one main class with a subcommand per job, the same under spark-submit
 * on a cluster and in local mode. Exit codes: 0 done, 1 the job failed, 2 bad usage or configuration.
 */
@Command(name = "facealign", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = "Facial-landmark (68-point face alignment) training, evaluation and labelling on Apache Spark.",
    subcommands = {PrepareCommand.class, TrainCommand.class, EvaluateCommand.class, PipelineCommand.class,
        PredictCommand.class, LabelCommand.class, CalibrateCommand.class, NightlyCommand.class, RegistryCommand.class,
        CompareCommand.class, BenchCommand.class})
public final class Main implements Callable<Integer> {

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the command line and returns the exit code (tests call this instead of {@link #main}). */
  public static int run(String... args) {
    CommandLine cl = new CommandLine(new Main());
    cl.setExecutionExceptionHandler((ex, line, parsed) -> {
      if (ex instanceof ConfigException || ex instanceof IllegalArgumentException
          || ex instanceof UnsupportedOperationException || ex instanceof org.facealign.data.FileLock.HeldException) {
        line.getErr().println("facealign " + line.getCommandName() + ": " + Secrets.redactText(ex.getMessage()));
        return 2;
      }
      if (ex instanceof DataException || ex instanceof ModelFormatException) {
        line.getErr().println("facealign " + line.getCommandName() + ": " + Secrets.redactText(ex.getMessage()));
        return 1;
      }
      throw ex;
    });
    return cl.execute(args);
  }

  @Override
  public Integer call() {
    spec.commandLine().usage(System.err);
    return 2;
  }

  /** Options every job takes: the configuration file and key overrides. */
  static final class ConfigOptions {
    @Option(names = "--conf", paramLabel = "FILE", description = "HOCON file overriding reference.conf (any Hadoop path).")
    String confFile;

    @Option(names = "-D", paramLabel = "KEY=VALUE", mapFallbackValue = "",
        description = "Override one configuration key, e.g. -D train.seed=7 (the facealign. prefix is optional).")
    Map<String, String> overrides = new LinkedHashMap<>();

    FacealignConfig load(Map<String, String> extra) {
      Map<String, String> all = new LinkedHashMap<>(overrides);
      all.putAll(extra);
      String text = confFile == null ? null : storage(null).readText(confFile);
      return FacealignConfig.load(text, all);
    }

    /**
     * Storage with the Hadoop settings a Spark job of this command line would have ({@link
     * SparkSessions#hadoopConfiguration}), for the commands that start no Spark session.
     */
    static Storage storage(FacealignConfig cfg) {
      return Storage.of(SparkSessions.hadoopConfiguration(cfg));
    }
  }

  /** Version line with the build's revision. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"facealign " + Provenance.BuildInfo.version() + " (" + Provenance.BuildInfo.gitRevision() + ")"};
    }
  }

}

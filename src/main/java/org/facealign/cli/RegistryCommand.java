package org.facealign.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.facealign.data.FileLock;
import org.facealign.registry.ModelRegistry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Looks at and changes a model registry by hand (no Spark). */
@Command(name = "registry", mixinStandardHelpOptions = true,
    description = "A model registry by hand: list, show, promote, rollback.",
    subcommands = {RegistryCommand.ListVersions.class, RegistryCommand.Show.class, RegistryCommand.Promote.class,
        RegistryCommand.Rollback.class})
final class RegistryCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Override
  public Integer call() {
    System.err.println("facealign registry: name an action (list, show, promote, rollback); see --help");
    return 2;
  }

  /** The registry at {@code dir}, through the Hadoop settings the nightly job would have ({@code --conf}, -D). */
  static ModelRegistry open(String dir, Main.ConfigOptions config) {
    return new ModelRegistry(Main.ConfigOptions.storage(config.load(java.util.Map.of())), dir);
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "The versions, production marked, with their figures.")
  static final class ListVersions implements Callable<Integer> {
    @Option(names = "--registry", required = true, paramLabel = "DIR")
    String registry;

    @Mixin
    Main.ConfigOptions config = new Main.ConfigOptions();

    @Override
    public Integer call() throws Exception {
      ModelRegistry r = open(registry, config);
      Optional<ModelRegistry.Pointer> p = r.production();
      for (String v : r.versions()) {
        JsonNode info = r.info(v);
        String mark = p.isPresent() && p.get().version().equals(v) ? "*" : p.isPresent() && v.equals(p.get().previous()) ? "-" : " ";
        System.out.println(mark + " " + v + "  " + info.path("published_at").asText() + "  run " + info.path("run_id").asText()
            + "  ip_nme " + info.path("ip_nme") + "  " + info.path("gate").asText()
            + (info.has("infra_check") ? "  infra check " + info.get("infra_check").asText() : ""));
      }
      System.out.println(p.map(x -> "production: " + x.version() + " (since " + x.switchedAt() + ": " + x.reason() + ")")
          .orElse("production: none"));
      return 0;
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true, description = "One version's version.json and model header.")
  static final class Show implements Callable<Integer> {
    @Option(names = "--registry", required = true, paramLabel = "DIR")
    String registry;

    @Mixin
    Main.ConfigOptions config = new Main.ConfigOptions();

    @Parameters(paramLabel = "VERSION")
    String version;

    @Override
    public Integer call() throws Exception {
      ModelRegistry r = open(registry, config);
      ObjectNode n = (ObjectNode) r.info(version);
      var h = r.load(version).header();
      n.put("kind", h.kind());
      n.put("box_policy", h.boxPolicy());
      n.put("training_faces", h.provenance().trainingFaces());
      n.put("data_hash", h.provenance().dataHash());
      n.put("seed", h.provenance().seed());
      n.put("git_revision", h.provenance().gitRevision());
      System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(n));
      return 0;
    }
  }

  @Command(name = "promote", mixinStandardHelpOptions = true, description = "Put VERSION in production (checksums verified first).")
  static final class Promote implements Callable<Integer> {
    @Option(names = "--registry", required = true, paramLabel = "DIR")
    String registry;

    @Mixin
    Main.ConfigOptions config = new Main.ConfigOptions();

    @Parameters(paramLabel = "VERSION")
    String version;

    @Option(names = "--reason", defaultValue = "promoted by hand")
    String reason;

    @Option(names = "--force", description = "Promote a version whose infra check failed or never ended.")
    boolean force;

    @Override
    public Integer call() throws Exception {
      ModelRegistry r = open(registry, config);
      String unverified = ModelRegistry.unverified(r.info(version));
      if (unverified != null && !force) {
        System.err.println(version + ": " + unverified + "; not promoted (--force promotes it anyway)");
        return 1;
      }
      try (FileLock lock = r.lock("registry promote", false)) {
        ModelRegistry.Pointer p = r.switchTo(version, reason);
        r.appendHistory(line("promoted_by_hand", reason, p));
        System.out.println("production: " + p.version() + " (previous " + p.previous() + ")");
      }
      return 0;
    }
  }

  @Command(name = "rollback", mixinStandardHelpOptions = true, description = "Put the version before the current one back in production.")
  static final class Rollback implements Callable<Integer> {
    @Option(names = "--registry", required = true, paramLabel = "DIR")
    String registry;

    @Mixin
    Main.ConfigOptions config = new Main.ConfigOptions();

    @Option(names = "--reason", defaultValue = "rolled back by hand")
    String reason;

    @Override
    public Integer call() throws Exception {
      ModelRegistry r = open(registry, config);
      try (FileLock lock = r.lock("registry rollback", false)) {
        ModelRegistry.Pointer p = r.rollback(reason);
        r.appendHistory(line("rolled_back", reason, p));
        System.out.println("production: " + p.version() + " (previous " + p.previous() + ")");
      }
      return 0;
    }
  }

  static ObjectNode line(String decision, String reason, ModelRegistry.Pointer p) {
    ObjectNode n = JSON.createObjectNode();
    n.put("run_id", "by-hand-" + Instant.now());
    n.put("started", Instant.now().toString());
    n.put("decision", decision);
    n.put("reason", reason);
    n.put("production", p.version());
    n.put("previous", p.previous());
    return n;
  }
}

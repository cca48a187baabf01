package org.facealign.model;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.Properties;

/**
 * Where a model came from: enough to tell two models apart and to reproduce one.
 *
 * @param dataHash SHA-256 over the sorted content hashes (image bytes + annotation bytes) of the
 *     training faces, so the same files give the same hash wherever they are stored
 * @param trainingFaces number of training faces (before augmentation)
 * @param seed the training seed
 * @param gitRevision the source revision the training code was built from ("unknown" outside git)
 * @param version the facealign version
 * @param createdAt creation time, ISO-8601 UTC
 * @param configHash SHA-256 of the resolved configuration
 * @param config the resolved configuration (HOCON), as saved beside outputs
 * @param trainingHash SHA-256 of the model's {@code training.json} (what training measured), as a loaded model
 *     records it; empty for a model without one, and for a model not yet saved (saving records the hash of the
 *     {@code training.json} it writes)
 */
public record Provenance(
    String dataHash, long trainingFaces, long seed, String gitRevision, String version, String createdAt,
    String configHash, String config, String trainingHash) {

  /** Provenance without a {@code training.json} hash. */
  public Provenance(String dataHash, long trainingFaces, long seed, String gitRevision, String version,
      String createdAt, String configHash, String config) {
    this(dataHash, trainingFaces, seed, gitRevision, version, createdAt, configHash, config, "");
  }

  /** Provenance of a model trained now by this build. */
  public static Provenance now(String dataHash, long trainingFaces, long seed, String configHash, String config) {
    return new Provenance(dataHash, trainingFaces, seed, BuildInfo.gitRevision(), BuildInfo.version(),
        Instant.now().toString(), configHash, config);
  }

  /** What this build is: version and git revision, read from resources written at build time. */
  public static final class BuildInfo {
    private static final Properties GIT = read("facealign-git.properties");
    private static final Properties VERSION = read("facealign-version.properties");

    private BuildInfo() {}

    private static Properties read(String name) {
      Properties p = new Properties();
      try (InputStream in = Provenance.class.getClassLoader().getResourceAsStream(name)) {
        if (in != null) {
          p.load(in);
        }
      } catch (IOException e) {
        // an unreadable build-info resource only means "unknown"
      }
      return p;
    }

    /** The git commit the build was made from, with "-dirty" if the tree had changes; "unknown" if none. */
    public static String gitRevision() {
      String id = GIT.getProperty("git.commit.id.full", "").trim();
      if (id.isEmpty() || id.startsWith("${")) {
        return "unknown";
      }
      return "true".equals(GIT.getProperty("git.dirty")) ? id + "-dirty" : id;
    }

    /** The project version. */
    public static String version() {
      String v = VERSION.getProperty("version", "").trim();
      return v.isEmpty() || v.startsWith("${") ? "unknown" : v;
    }
  }
}

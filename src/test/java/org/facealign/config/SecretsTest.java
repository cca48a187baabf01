package org.facealign.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.facealign.data.Hashes;
import org.junit.jupiter.api.Test;

/** The redaction rule, and that rendered and hashed configurations follow it. */
class SecretsTest {
  static final String MARKER = "SECRET-MARKER-5c2e";

  @Test
  void credentialKeysAreRecognised() {
    for (String k : List.of("spark.hadoop.fs.s3a.access.key", "spark.hadoop.fs.s3a.secret.key",
        "spark.hadoop.fs.s3a.session.token", "fs.azure.account.key.myaccount.dfs.core.windows.net",
        "spark.hadoop.fs.gs.auth.service.account.private.key", "spark.ssl.keyStorePassword", "db.PASSWORD",
        "spark.authenticate.secret", "hadoop.security.credential.provider.path", "fs.s3a.bucket.b.secret-key",
        "my_private_key", "spark.hadoop.fs.s3a.encryption.key", "ssl.keystore.pass",
        "facealign.spark.conf.\"spark.hadoop.fs.s3a.secret.key\"")) {
      assertTrue(Secrets.isSecretKey(k), k);
    }
    for (String k : List.of("spark.master", "spark.executor.memory", "spark.hadoop.fs.s3a.endpoint",
        "spark.kryo.registrator", "fs.s3a.bucket.b.endpoint")) {
      assertFalse(Secrets.isSecretKey(k), k);
    }
    // none of facealign's own keys is taken for a secret
    for (String k : FacealignConfig.knownKeys()) {
      assertFalse(Secrets.isSecretKey(k), k);
    }
  }

  @Test
  void valuesAreRedactedKeysKept() {
    assertEquals(Secrets.REDACTED, Secrets.redact("spark.hadoop.fs.s3a.secret.key", MARKER));
    assertEquals("4g", Secrets.redact("spark.executor.memory", "4g"));
    Map<String, String> m = new LinkedHashMap<>();
    m.put("spark.hadoop.fs.s3a.access.key", "AKIA" + MARKER);
    m.put("spark.hadoop.fs.s3a.endpoint", "http://minio:9000");
    assertEquals(Map.of("spark.hadoop.fs.s3a.access.key", Secrets.REDACTED, "spark.hadoop.fs.s3a.endpoint",
        "http://minio:9000"), Secrets.redact(m));
  }

  @Test
  void uriUserInfoIsRemoved() {
    assertEquals("s3a://bucket/path/x.jpg", Secrets.redactText("s3a://AKIA" + MARKER + ":" + MARKER + "@bucket/path/x.jpg"));
    assertEquals("{\"data\":\"s3a://bucket/d\",\"out\":\"hdfs://nn:8020/o\"}",
        Secrets.redactText("{\"data\":\"s3a://id:" + MARKER + "@bucket/d\",\"out\":\"hdfs://nn:8020/o\"}"));
    assertEquals("abfss://acct.dfs.core.windows.net/p", Secrets.redactText("abfss://c:" + MARKER + "@acct.dfs.core.windows.net/p"));
    assertEquals("s3a://bucket/p", Secrets.redactText("s3a://AKIA" + MARKER + "@bucket/p"));
    // text without a URI's user info is left alone, e-mail addresses included
    for (String s : List.of("/data/300W/afw/1.jpg", "hdfs://nn:8020/x", "abfss://container@acct.dfs.core.windows.net/p", "mail me@example.com", "a@b c://d")) {
      assertEquals(s, Secrets.redactText(s));
    }
    byte[] plain = "{\"a\":1}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    assertTrue(plain == Secrets.redactText(plain), "nothing to redact: the same bytes");
  }

  @Test
  void renderedConfigurationHoldsNoSecret() {
    String hocon = "facealign.spark.conf { \"spark.hadoop.fs.s3a.secret.key\" = \"" + MARKER + "\"\n"
        + "  spark.hadoop.fs.s3a.access.key = AKIA" + MARKER + "\n"
        + "  \"spark.hadoop.fs.s3a.endpoint\" = \"http://minio:9000\" }\n"
        + "facealign.features.store = \"s3a://AKIA:" + MARKER + "@bucket/features\"\n";
    FacealignConfig c = FacealignConfig.load(hocon, Map.of("spark.hadoop.fs.s3a.session.token", MARKER + "-t",
        "spark.hadoop.fs.azure.account.key.acct.dfs.core.windows.net", MARKER + "-az", "spark.executor.memory", "2g"));
    // the run itself has the real values
    Map<String, String> s = c.sparkSettings();
    assertEquals(MARKER, s.get("spark.hadoop.fs.s3a.secret.key"));
    assertEquals("AKIA" + MARKER, s.get("spark.hadoop.fs.s3a.access.key"));
    assertEquals(MARKER + "-t", s.get("spark.hadoop.fs.s3a.session.token"));
    assertEquals(MARKER + "-az", s.get("spark.hadoop.fs.azure.account.key.acct.dfs.core.windows.net"));
    assertEquals("2g", s.get("spark.executor.memory"));
    assertEquals("http://minio:9000", s.get("spark.hadoop.fs.s3a.endpoint"));
    assertTrue(c.featureStore().contains(MARKER));
    // what is written does not
    String r = c.render();
    assertFalse(r.contains(MARKER), r);
    assertTrue(r.contains(Secrets.REDACTED), r);
    assertTrue(r.contains("s3a://bucket/features"), r);
    assertTrue(r.contains("2g") && r.contains("http://minio:9000"), r);
    // and reloads: the keys are kept, the hash is that of the redacted configuration
    FacealignConfig again = FacealignConfig.load(r, Map.of());
    assertEquals(Secrets.REDACTED, again.sparkSettings().get("spark.hadoop.fs.s3a.secret.key"));
    assertEquals(c.hash(), again.hash());
    assertEquals(again.render(), r);
  }

  @Test
  void hashOfAConfigurationWithoutSecretsIsUnchanged() {
    // the formula before Spark settings and redaction existed: the canonical JSON of the facealign subtree,
    // reference.conf without the (new, empty) spark.conf, overlaid by the overrides
    Config reference = ConfigFactory.parseResources(FacealignConfig.class.getClassLoader(), "reference.conf",
        ConfigParseOptions.defaults()).withoutPath("facealign.spark.conf");
    Config given = ConfigFactory.parseString("facealign.train.seed = 11\nfacealign.data.box-margin = 0.2");
    for (Config c : List.of(reference, given.withFallback(reference))) {
      String before = Hashes.sha256(c.resolve().getConfig("facealign").root().render(ConfigRenderOptions.concise()));
      String text = c.resolve().root().render(ConfigRenderOptions.concise());
      assertEquals(before, FacealignConfig.load(text, Map.of()).hash());
    }
    assertEquals(Hashes.sha256(reference.resolve().getConfig("facealign").root()
        .render(ConfigRenderOptions.concise())), FacealignConfig.defaults().hash());
    // and renders without the empty spark.conf, as before
    assertFalse(FacealignConfig.defaults().render().matches("(?s).*\\bconf\\b.*"), FacealignConfig.defaults().render());
  }

  @Test
  void sparkSettingsOnTheCommandLine() {
    FacealignConfig c = FacealignConfig.load(null, Map.of("spark.master", "local[2]",
        "facealign.spark.hadoop.fs.s3a.endpoint", "s3.example.com:9000", "spark.sql.shuffle.partitions", "8"));
    assertEquals("local[2]", c.spark().master());
    assertEquals(Map.of("spark.hadoop.fs.s3a.endpoint", "s3.example.com:9000", "spark.sql.shuffle.partitions", "8"),
        c.sparkSettings());
    FacealignConfig w = c.with(Map.of("spark.hadoop.fs.s3a.secret.key", MARKER));
    assertEquals(MARKER, w.sparkSettings().get("spark.hadoop.fs.s3a.secret.key"));
    assertFalse(w.render().contains(MARKER));
    // a misspelt facealign key is still refused
    org.junit.jupiter.api.Assertions.assertThrows(com.typesafe.config.ConfigException.class,
        () -> FacealignConfig.load(null, Map.of("spark.partitionz", "3")));
  }
}

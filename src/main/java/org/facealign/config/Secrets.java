package org.facealign.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The one rule for credentials in settings: whatever facealign writes or logs about its configuration or Spark
 * settings (the saved {@code config.conf}, a model's provenance, {@code report.json}, summaries, histories, log
 * lines) goes through here first.
 *
 * <ul>
 *   <li>A setting whose key looks like a credential keeps its key, and its value becomes {@link #REDACTED}. A key
 *       is a credential's when, lower-cased and with {@code . - _ "} removed, it contains one of {@link #MARKERS}
 *       ({@code password}, {@code secret}, {@code token}, {@code credential}, {@code private.key},
 *       {@code access.key}, {@code account.key} (Azure's {@code fs.azure.account.key.*}), ...). The whole path
 *       counts, so a secret nested anywhere in HOCON ({@code facealign.spark.conf { "spark.hadoop.fs.s3a.secret.key"
 *       = ... } }, or the same written as nested objects) is found.</li>
 *   <li>A URI that carries credentials in its user-info part ({@code s3a://AKIA...:secret@bucket/path}) loses the
 *       user info ({@code s3a://bucket/path}; Azure's {@code abfss://container@account/...} keeps its container name
 *       unless it holds a colon), in any value and in any text written (paths in summaries, reasons,
 *       messages).</li>
 * </ul>
 *
 * <p>Plain Java: no Spark; usable from every package.
 */
public final class Secrets {
  /** What a secret's value is replaced with. */
  public static final String REDACTED = "*********(redacted)";

  /** Substrings of a normalised key (lower case, no {@code . - _ "}) that make its value a secret. */
  public static final List<String> MARKERS = List.of("password", "passwd", "passphrase", "secret", "token",
      "credential", "privatekey", "accesskey", "accountkey", "encryptionkey", "storepass", "apikey", "sastoken",
      "signature");

  /** {@code scheme://userinfo@}: the user-info part of a hierarchical URI, anywhere in a text. */
  private static final Pattern USER_INFO = Pattern.compile("\\b([A-Za-z][A-Za-z0-9+.\\-]*://)([^/?#@\\s\"'<>\\\\]+)@");

  /** Schemes whose user info names an Azure container ({@code abfss://container@account...}). */
  private static final java.util.Set<String> AZURE = java.util.Set.of("wasb", "wasbs", "abfs", "abfss");

  private Secrets() {}

  /** Whether {@code key} (a setting's name or a whole configuration path) names a credential. */
  public static boolean isSecretKey(String key) {
    if (key == null) {
      return false;
    }
    String k = key.toLowerCase(Locale.ROOT).replaceAll("[.\\-_\"\\s]", "");
    for (String m : MARKERS) {
      if (k.contains(m)) {
        return true;
      }
    }
    return false;
  }

  /** The value to write for setting {@code key}: {@link #REDACTED} for a credential, else without URI user info. */
  public static String redact(String key, String value) {
    if (value == null) {
      return null;
    }
    return isSecretKey(key) ? REDACTED : redactText(value);
  }

  /** {@code text} with the user info of every URI in it removed ({@code s3a://id:key@bucket/p} to {@code s3a://bucket/p}). */
  public static String redactText(String text) {
    if (text == null || text.indexOf('@') < 0) {
      return text;
    }
    return USER_INFO.matcher(text).replaceAll(m -> {
      String scheme = m.group(1).toLowerCase(Locale.ROOT);
      String info = m.group(2);
      // Azure's container@account is a name, not a credential: kept unless it holds a password
      boolean azureName = AZURE.contains(scheme.substring(0, scheme.length() - 3)) && info.indexOf(':') < 0;
      return java.util.regex.Matcher.quoteReplacement(azureName ? m.group() : m.group(1));
    });
  }

  /** {@link #redactText} over UTF-8 bytes (a JSON document about to be written). */
  public static byte[] redactText(byte[] utf8) {
    String s = new String(utf8, java.nio.charset.StandardCharsets.UTF_8);
    String r = redactText(s);
    return r.equals(s) ? utf8 : r.getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  /** Settings as {@code key -> value}, each value passed through {@link #redact(String, String)}, in order. */
  public static Map<String, String> redact(Map<String, String> settings) {
    Map<String, String> out = new LinkedHashMap<>();
    settings.forEach((k, v) -> out.put(k, redact(k, v)));
    return out;
  }

  /**
   * {@code config} with every secret leaf (by its whole path) replaced by {@link #REDACTED} and the URI user info
   * of every other string removed; the same object when there is nothing to redact, so a configuration without
   * secrets renders and hashes exactly as before.
   */
  public static Config redact(Config config) {
    Config out = config;
    for (Map.Entry<String, ConfigValue> e : config.entrySet()) {
      String path = e.getKey();
      ConfigValue v = e.getValue();
      String joined = String.join(".", ConfigUtil.splitPath(path));
      if (isSecretKey(joined)) {
        out = out.withValue(path, ConfigValueFactory.fromAnyRef(REDACTED, "redacted"));
      } else if (v.valueType() == ConfigValueType.STRING) {
        String s = (String) v.unwrapped();
        String r = redactText(s);
        if (!r.equals(s)) {
          out = out.withValue(path, ConfigValueFactory.fromAnyRef(r, "redacted"));
        }
      } else if (v.valueType() == ConfigValueType.LIST) {
        List<?> list = (List<?>) v.unwrapped();
        boolean changed = false;
        List<Object> copy = new java.util.ArrayList<>();
        for (Object o : list) {
          if (o instanceof String s && !redactText(s).equals(s)) {
            copy.add(redactText(s));
            changed = true;
          } else {
            copy.add(o);
          }
        }
        if (changed) {
          out = out.withValue(path, ConfigValueFactory.fromIterable(copy, "redacted"));
        }
      }
    }
    return out;
  }
}

package org.facealign.job;

import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.facealign.config.FacealignConfig;

/**
 * Creates the Spark session of a run. Whatever spark-submit (or {@code spark.*} system properties)
 * set wins; the configuration only fills what is missing, so the same main class runs under
 * spark-submit on a cluster and embedded in local mode.
 */
public final class SparkSessions {
  private SparkSessions() {}

  /** The session for subcommand {@code what}, created or reused. */
  public static SparkSession create(FacealignConfig cfg, String what) {
    return create(cfg, what, null);
  }

  /** As {@link #create(FacealignConfig, String)}, with a master that overrides every other setting (benchmarks). */
  public static SparkSession create(FacealignConfig cfg, String what, String master) {
    SparkConf conf = new SparkConf(true);
    if (master != null) {
      conf.setMaster(master);
    }
    // facealign.spark.conf (and -D spark.X.Y=V): filled in where spark-submit set nothing; never logged.
    cfg.sparkSettings().forEach(conf::setIfMissing);
    conf.setIfMissing("spark.master", cfg.spark().master());
    conf.setIfMissing("spark.app.name", cfg.spark().appName() + " " + what);
    if (cfg.spark().serializer().equals("kryo")) {
      conf.setIfMissing("spark.serializer", "org.apache.spark.serializer.KryoSerializer");
      conf.setIfMissing("spark.kryo.registrator", "org.nd4j.kryo.Nd4jRegistrator," + KryoRegistrations.class.getName());
    }
    // DeepReg's distributed normal equations ship one (d+1)² float Gram matrix (303 MB for 68 landmarks)
    // per task to the driver.
    conf.setIfMissing("spark.kryoserializer.buffer.max", "1g");
    conf.setIfMissing("spark.driver.maxResultSize", "4g");
    conf.setIfMissing("spark.ui.showConsoleProgress", "false");
    conf.setIfMissing("spark.sql.parquet.compression.codec", "zstd");
    return SparkSession.builder().config(conf).getOrCreate();
  }

  /**
   * The Hadoop settings a job of the same command line would see, for the commands that start no Spark session
   * (registry, predict, compare, bench predict, reading {@code --conf}): Hadoop's defaults, then each {@code
   * spark.hadoop.*} setting that spark-submit (its {@code --conf}, {@code spark-defaults.conf}) or a {@code spark.*}
   * system property gave, then those of {@code facealign.spark.conf} ({@code cfg}, if any) it did not give, each
   * without its {@code spark.hadoop.} prefix, as Spark copies them into its own Hadoop configuration.
   */
  public static Configuration hadoopConfiguration(FacealignConfig cfg) {
    SparkConf conf = new SparkConf(true);
    if (cfg != null) {
      cfg.sparkSettings().forEach(conf::setIfMissing);
    }
    Configuration hadoop = new Configuration();
    for (scala.Tuple2<String, String> kv : conf.getAll()) {
      if (kv._1().startsWith(HADOOP_PREFIX)) {
        hadoop.set(kv._1().substring(HADOOP_PREFIX.length()), kv._2());
      }
    }
    return hadoop;
  }

  private static final String HADOOP_PREFIX = "spark.hadoop.";

  /** Partitions for {@code items} units of per-face work. */
  public static int partitions(SparkSession spark, FacealignConfig cfg, long items) {
    int p = cfg.spark().partitions();
    if (p == 0) {
      p = 4 * spark.sparkContext().defaultParallelism();
    }
    return (int) Math.max(1, Math.min(p, Math.max(1, items)));
  }
}

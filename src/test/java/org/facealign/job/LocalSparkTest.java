package org.facealign.job;

import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.facealign.config.FacealignConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** Base of the tests that need a Spark session: one local[2] session per test class. */
public abstract class LocalSparkTest {
  protected static SparkSession spark;

  @BeforeAll
  static void startSpark() {
    spark = SparkSessions.create(FacealignConfig.load(null, Map.of("spark.master", "local[2]")), "test");
  }

  @AfterAll
  static void stopSpark() {
    spark.stop();
  }
}

package org.facealign.job;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.serializers.JavaSerializer;
import org.apache.spark.serializer.KryoRegistrator;

/**
 * Lets Spark's Kryo (version 4, which predates Java records and cannot set their final fields) carry
 * the project's records: every {@link Record} is written with Java serialisation, which supports records.
 * Records crossing Spark are small (entries, boxes, failures, per-face results); bulk data travels as
 * Parquet rows or arrays. Listed in {@code spark.kryo.registrator} after ND4J's registrator.
 */
public final class KryoRecords implements KryoRegistrator {
  @Override
  public void registerClasses(Kryo kryo) {
    kryo.addDefaultSerializer(Record.class, new JavaSerializer());
  }
}

package org.facealign.job;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.serializers.JavaSerializer;
import org.apache.spark.serializer.KryoRegistrator;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The project's classes in Spark's Kryo, listed in {@code spark.kryo.registrator} after ND4J's registrator:
 *
 * <ul>
 *   <li>Every {@link Record} is written with Java serialisation: Spark's Kryo (version 4) predates Java records
 *       and cannot set their final fields. Records crossing Spark are small (entries, boxes, failures, per-face
 *       results); bulk data travels as Parquet rows or arrays.
 *   <li>The backend's array class is registered again, with {@link NdArrayKryoSerializer}, replacing ND4J's
 *       per-value serialiser for the parameters and updater state that parameter averaging ships.
 * </ul>
 */
public final class KryoRegistrations implements KryoRegistrator {
  @Override
  public void registerClasses(Kryo kryo) {
    kryo.addDefaultSerializer(Record.class, new JavaSerializer());
    kryo.register(Nd4j.getBackend().getNDArrayClass(), new NdArrayKryoSerializer());
  }
}

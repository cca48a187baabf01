package org.facealign.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.serializer.DeserializationStream;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.SerializationStream;
import org.apache.spark.serializer.SerializerInstance;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/** ND4J arrays through Spark's Kryo as the jobs configure it: every kind of array comes back with its values. */
class NdArrayKryoSerializerTest {
  private static final ClassTag<INDArray> TAG = ClassTag$.MODULE$.apply(INDArray.class);

  private static KryoSerializer serializer() {
    return new KryoSerializer(new SparkConf(false)
        .set("spark.kryo.registrator", "org.nd4j.kryo.Nd4jRegistrator," + KryoRegistrations.class.getName())
        .set("spark.kryoserializer.buffer.max", "1g"));
  }

  @Test
  void theProjectsSerializerReplacesNd4jsForTheBackendsArrays() {
    assertInstanceOf(NdArrayKryoSerializer.class,
        serializer().newKryo().getSerializer(Nd4j.getBackend().getNDArrayClass()));
  }

  @Test
  void everyKindOfArrayComesBackWithItsShapeTypeAndValues() {
    Nd4j.getRandom().setSeed(7);
    INDArray matrix = Nd4j.rand(DataType.FLOAT, 10, 8);
    List<INDArray> arrays = List.of(
        Nd4j.rand(DataType.FLOAT, 3, 5),
        Nd4j.rand(DataType.FLOAT, 'f', 4, 6),
        matrix.get(NDArrayIndex.all(), NDArrayIndex.interval(2, 5)), // a strided view
        matrix.getRow(7), // a view with an offset
        Nd4j.rand(DataType.DOUBLE, 2, 3, 4),
        Nd4j.createFromArray(3, -1, 4, 1, 5), // ints: ND4J's own format
        Nd4j.scalar(2.5f),
        Nd4j.empty(DataType.FLOAT),
        Nd4j.create(DataType.DOUBLE, 0, 3),
        Nd4j.createFromArray(new float[] {Float.NaN, -0f, Float.MIN_VALUE, Float.NEGATIVE_INFINITY}));
    SerializerInstance kryo = serializer().newInstance();
    for (INDArray a : arrays) {
      ByteBuffer bytes = kryo.serialize(a, TAG);
      INDArray b = kryo.deserialize(bytes, TAG);
      assertSame(a, b);
    }
  }

  @Test
  void aParameterVectorOfMillionsGoesThroughAStreamWhole() {
    Nd4j.getRandom().setSeed(11);
    INDArray params = Nd4j.rand(DataType.FLOAT, 1, 3_000_001);
    INDArray state = Nd4j.rand(DataType.FLOAT, 1, 3_000_001);
    SerializerInstance kryo = serializer().newInstance();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    SerializationStream s = kryo.serializeStream(out);
    s.writeObject(params, TAG);
    s.writeObject(state, TAG);
    s.close();
    // the values as one block: 4 bytes each, plus a few bytes of tag, shape and class
    assertTrue(out.size() < 2 * (4L * 3_000_001 + 32), "serialised size " + out.size());
    DeserializationStream in = kryo.deserializeStream(new ByteArrayInputStream(out.toByteArray()));
    assertSame(params, in.readObject(TAG));
    assertSame(state, in.readObject(TAG));
    in.close();
  }

  private static void assertSame(INDArray expected, INDArray actual) {
    assertEquals(expected.dataType(), actual.dataType());
    assertArrayEquals(expected.shape(), actual.shape());
    assertEquals(expected.isEmpty(), actual.isEmpty());
    assertFalse(actual.isAttached());
    if (expected.isEmpty()) {
      return;
    }
    INDArray e = expected.dup('c');
    INDArray a = actual.dup('c');
    switch (expected.dataType()) {
      case FLOAT:
        float[] ef = e.data().asFloat();
        float[] af = a.data().asFloat();
        assertEquals(ef.length, af.length);
        for (int i = 0; i < ef.length; i++) {
          assertEquals(Float.floatToRawIntBits(ef[i]), Float.floatToRawIntBits(af[i]), "value " + i);
        }
        break;
      case DOUBLE:
        assertArrayEquals(e.data().asDouble(), a.data().asDouble(), 0);
        break;
      default:
        assertArrayEquals(e.data().asLong(), a.data().asLong());
    }
  }
}

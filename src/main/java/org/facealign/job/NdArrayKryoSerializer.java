package org.facealign.job;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Spark's Kryo serialiser for ND4J arrays, in place of ND4J's own ({@code org.nd4j.kryo.Nd4jSerializer}), which
 * writes through {@code Nd4j.write} to a {@code DataOutputStream} one value at a time: a parameter-averaging
 * round of DeepReg's joint phase ships every worker's 6.2 million parameters and as many updater values, and a
 * profile of that phase found about a fifth of its samples in those per-value calls.
 *
 * <p>Float and double arrays with at least one element are written as a tag byte, the rank and shape, then
 * the values in C order as one block of the Kryo stream: the array is copied out of native memory into a
 * heap array (through a C-ordered copy, so views and F order need no special case) and read back into a new
 * array that ND4J creates from a heap array. No native memory is written here: ND4J's own factory copies the
 * values in. Empty arrays are written as their data type and shape (ND4J's stream format cannot
 * read them back); every other array (other data types, scalars) as ND4J's serialiser writes it, after a tag
 * byte. The arrays this creates are outside any workspace.
 */
public final class NdArrayKryoSerializer extends Serializer<INDArray> {
  private static final byte ND4J_STREAM = 0;
  private static final byte FLOATS = 1;
  private static final byte DOUBLES = 2;
  private static final byte EMPTY = 3;

  @Override
  public void write(Kryo kryo, Output output, INDArray array) {
    DataType type = array.dataType();
    if (array.isEmpty()) { // ND4J's stream format cannot read an empty array back
      output.writeByte(EMPTY);
      output.writeString(type.name());
      writeShape(output, array.shape());
      return;
    }
    boolean bulk = (type == DataType.FLOAT || type == DataType.DOUBLE) && array.rank() > 0;
    if (!bulk) {
      output.writeByte(ND4J_STREAM);
      try {
        Nd4j.write(array, new DataOutputStream(output));
      } catch (IOException e) {
        throw new KryoException("cannot write a " + type + " array of shape " + Arrays.toString(array.shape()), e);
      }
      return;
    }
    output.writeByte(type == DataType.FLOAT ? FLOATS : DOUBLES);
    writeShape(output, array.shape());
    try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
      INDArray c = array.dup('c');
      if (type == DataType.FLOAT) {
        output.writeFloats(c.data().asFloat());
      } else {
        output.writeDoubles(c.data().asDouble());
      }
      c.close();
    }
  }

  @Override
  public INDArray read(Kryo kryo, Input input, Class<INDArray> type) {
    byte tag = input.readByte();
    if (tag == ND4J_STREAM) {
      return Nd4j.read(new DataInputStream(input));
    }
    if (tag == EMPTY) {
      DataType empty = DataType.valueOf(input.readString());
      long[] shape = readShape(input);
      try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
        return shape.length == 0 ? Nd4j.empty(empty) : Nd4j.create(empty, shape);
      }
    }
    if (tag != FLOATS && tag != DOUBLES) {
      throw new KryoException("not an ND4J array written by " + NdArrayKryoSerializer.class.getSimpleName()
          + ": tag " + tag);
    }
    long[] shape = readShape(input);
    long length = 1;
    for (long d : shape) {
      length *= d;
    }
    if (length <= 0 || length > Integer.MAX_VALUE - 8) {
      throw new KryoException("ND4J array of shape " + Arrays.toString(shape) + " cannot be read into one heap array");
    }
    try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
      return tag == FLOATS
          ? Nd4j.create(input.readFloats((int) length), shape, 'c')
          : Nd4j.create(input.readDoubles((int) length), shape, 'c');
    }
  }

  private static void writeShape(Output output, long[] shape) {
    output.writeVarInt(shape.length, true);
    for (long d : shape) {
      output.writeVarLong(d, true);
    }
  }

  private static long[] readShape(Input input) {
    long[] shape = new long[input.readVarInt(true)];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = input.readVarLong(true);
    }
    return shape;
  }
}

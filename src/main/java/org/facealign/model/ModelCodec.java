package org.facealign.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Turns one kind of model into named arrays plus a JSON object of hyper-parameters, and back.
 * {@link ModelStore} does the rest (header, files, checksums), the same for every kind.
 *
 * @param <M> the model class
 */
public interface ModelCodec<M extends LandmarkModel> {

  /** The kind this codec reads and writes. */
  String kind();

  /** The model class. */
  Class<M> modelClass();

  /** Hyper-parameters and any structure that is not an array, written into {@code model.json}. */
  ObjectNode hyper(M model);

  /** The parameter arrays, by name (letters, digits, '_' and '.'); each is saved as a {@code .npy} file. */
  Map<String, INDArray> arrays(M model);

  /** Rebuilds the model; {@code arrays} are those {@link #arrays} returned, read back. */
  M build(ModelHeader header, JsonNode hyper, Map<String, INDArray> arrays);
}

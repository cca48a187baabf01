package org.facealign.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.facealign.data.Hashes;
import org.facealign.data.LandmarkScheme;
import org.facealign.data.Shape;
import org.facealign.data.Storage;
import org.facealign.data.SyntheticFaces;
import org.facealign.feature.ConfigFeatures;
import org.facealign.model.deepreg.Cascade;
import org.facealign.model.deepreg.DeepRegModel;
import org.facealign.model.deepreg.LinearMap;
import org.facealign.model.deepreg.Variant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A saved model directory edited behind the store's back: every change is refused with a {@link
 * ModelFormatException} naming the model directory, the file and what is wrong, and every checksum is verified before
 * any array is decoded or handed to a codec. (Loading reads JSON and .npy only; nothing in {@code model} uses Java
 * deserialisation.)
 */
class ModelTamperingTest {
  static final Storage ST = Storage.local();
  static final Provenance P = new Provenance("data", 10, 3, "rev", "0.1.0", "2026-01-01T00:00:00Z", "cfg", "facealign {}");

  static MeanShapeModel mean(String kind) {
    return new MeanShapeModel(new ModelHeader(kind, LandmarkScheme.IBUG_68, "detector", 0.1, P), SyntheticFaces.TEMPLATE,
        7);
  }

  /** A small DeepRegLocal cascade (one stage on 2 x 2-cell descriptors): its arrays are a stage's weights and bias. */
  static DeepRegModel deepReg() {
    ConfigFeatures f = ConfigFeatures.builder().siftCells(2).build();
    Random r = new Random(5);
    int in = f.descriptorLength() * 68;
    float[] w = new float[136 * in];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) (1e-3 * r.nextGaussian());
    }
    double[] meanShape = SyntheticFaces.TEMPLATE.toArray();
    return new DeepRegModel(new ModelHeader(Variant.DEEPREGLOCAL.kind(), LandmarkScheme.IBUG_68, "detector", 0.1, P),
        new Cascade(f, null, meanShape, List.of(new LinearMap(136, in, w, new float[136]))));
  }

  /** Saves {@code m} under {@code dir} and returns the directory and the relative name of its first array. */
  static String[] saved(LandmarkModel m, Path dir, String name) throws Exception {
    String where = dir.resolve(name).toString();
    ModelStore.save(m, ST, where);
    String array;
    try (var s = Files.list(dir.resolve(name).resolve("arrays"))) {
      array = "arrays/" + s.map(p -> p.getFileName().toString()).sorted().findFirst().orElseThrow();
    }
    return new String[] {where, array};
  }

  static ModelFormatException refused(String where) {
    return assertThrows(ModelFormatException.class, () -> ModelStore.load(ST, where));
  }

  static List<LandmarkModel> models() {
    return List.of(mean("mean"), deepReg());
  }

  @Test
  void aFlippedByteInAnArrayIsAChecksumMismatchNamingTheFile(@TempDir Path dir) throws Exception {
    for (LandmarkModel m : models()) {
      String[] s = saved(m, dir, m.header().kind());
      Path npy = Path.of(s[0], s[1]);
      byte[] b = Files.readAllBytes(npy);
      b[b.length / 2] ^= 0x10;
      Files.write(npy, b);
      assertEquals(s[0] + ": checksum mismatch for " + s[1] + " (the file was altered or truncated)",
          refused(s[0]).getMessage());
    }
  }

  @Test
  void aDeletedArrayIsNamed(@TempDir Path dir) throws Exception {
    for (LandmarkModel m : models()) {
      String[] s = saved(m, dir, m.header().kind());
      Files.delete(Path.of(s[0], s[1]));
      assertEquals(s[0] + ": file " + s[1] + " listed in SHA256SUMS is missing", refused(s[0]).getMessage());
    }
  }

  @Test
  void anEditedChecksumIsAMismatchOfItsFile(@TempDir Path dir) throws Exception {
    for (LandmarkModel m : models()) {
      String[] s = saved(m, dir, m.header().kind());
      Path sums = Path.of(s[0], ModelStore.SUMS);
      List<String> lines = new ArrayList<>(Files.readAllLines(sums));
      for (int i = 0; i < lines.size(); i++) {
        if (lines.get(i).endsWith("  " + s[1])) {
          char c = lines.get(i).charAt(0);
          lines.set(i, (c == '0' ? '1' : '0') + lines.get(i).substring(1));
        }
      }
      Files.write(sums, (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
      assertEquals(s[0] + ": checksum mismatch for " + s[1] + " (the file was altered or truncated)",
          refused(s[0]).getMessage());
      // a checksum that is not 64 hex digits long: the line is malformed
      lines.replaceAll(l -> l.endsWith("  " + s[1]) ? l.substring(1) : l);
      Files.write(sums, (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
      assertTrue(refused(s[0]).getMessage().startsWith(s[0] + ": malformed line in SHA256SUMS: "));
    }
  }

  @Test
  void aFutureFormatVersionIsRefusedAndUnsignedItIsAMismatch(@TempDir Path dir) throws Exception {
    for (LandmarkModel m : models()) {
      String[] s = saved(m, dir, m.header().kind());
      Path json = Path.of(s[0], "model.json");
      String text = Files.readString(json);
      assertTrue(text.contains("\"format_version\" : 1,"), text.substring(0, 200));
      Files.writeString(json, text.replace("\"format_version\" : 1,", "\"format_version\" : 2,"));
      assertEquals(s[0] + ": checksum mismatch for model.json (the file was altered or truncated)",
          refused(s[0]).getMessage());
      // signed again, as someone who knew the format would: the version itself is refused
      resign(Path.of(s[0]));
      assertEquals(s[0] + ": format version 2 is not readable by this build (reads 1..1)", refused(s[0]).getMessage());
    }
  }

  @Test
  void namesInTheChecksumFileMustStayInsideTheModelDirectory(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("secret.txt"), "not part of any model");
    String[] s = saved(mean("mean"), dir, "m");
    Path sums = Path.of(s[0], ModelStore.SUMS);
    String original = Files.readString(sums);
    for (String name : List.of("../secret.txt", "/etc/hostname", "arrays/../../secret.txt", "./model.json")) {
      Files.writeString(sums, original + Hashes.sha256(new byte[0]) + "  " + name + "\n");
      assertEquals(s[0] + ": SHA256SUMS lists a file name that is not a plain relative path inside the model "
          + "directory: '" + name + "'", refused(s[0]).getMessage(), name);
    }
    Files.writeString(sums, original);
    assertEquals(7, ((MeanShapeModel) ModelStore.load(ST, s[0])).samples());
  }

  @Test
  void everyChecksumIsVerifiedBeforeAnyArrayReachesTheCodec(@TempDir Path dir) throws Exception {
    AtomicInteger built = new AtomicInteger();
    ModelStore.register(new ModelCodec<MeanShapeModel>() {
      @Override
      public String kind() {
        return "tamper-spy";
      }

      @Override
      public Class<MeanShapeModel> modelClass() {
        return MeanShapeModel.class;
      }

      @Override
      public ObjectNode hyper(MeanShapeModel model) {
        return MeanShapeModel.CODEC.hyper(model);
      }

      @Override
      public Map<String, INDArray> arrays(MeanShapeModel model) {
        return MeanShapeModel.CODEC.arrays(model);
      }

      @Override
      public MeanShapeModel build(ModelHeader header, JsonNode hyper, Map<String, INDArray> arrays) {
        built.incrementAndGet();
        return MeanShapeModel.CODEC.build(header, hyper, arrays);
      }
    });
    String[] s = saved(mean("tamper-spy"), dir, "spy");
    assertEquals(7, ((MeanShapeModel) ModelStore.load(ST, s[0])).samples());
    assertEquals(1, built.get());
    // the last file SHA256SUMS lists is altered: nothing is built, although the arrays listed before it are intact
    List<String> listed = Files.readAllLines(Path.of(s[0], ModelStore.SUMS));
    String last = listed.get(listed.size() - 1).substring(66);
    assertEquals("config.conf", last);
    Files.writeString(Path.of(s[0], last), "facealign { train.seed = 1 }");
    assertEquals(s[0] + ": checksum mismatch for config.conf (the file was altered or truncated)",
        refused(s[0]).getMessage());
    assertEquals(1, built.get());
    // an array that is no .npy at all, and a bad checksum: the checksum is what is reported, the array never parsed
    Files.writeString(Path.of(s[0], last), "");
    resign(Path.of(s[0]));
    Files.write(Path.of(s[0], s[1]), new byte[] {1, 2, 3});
    assertEquals(s[0] + ": checksum mismatch for " + s[1] + " (the file was altered or truncated)",
        refused(s[0]).getMessage());
    assertEquals(1, built.get());
  }

  static final byte[] TRAINING = "{\n  \"kind\" : \"deepreglocal\",\n  \"epochs\" : [ ]\n}".getBytes(StandardCharsets.UTF_8);

  /** Saves {@code m} with {@link #TRAINING} as its training.json under {@code dir}; returns the model directory. */
  static String savedWithTraining(LandmarkModel m, Path dir, String name) throws Exception {
    String where = dir.resolve(name).toString();
    ModelStore.save(m, ST, where, TRAINING);
    return where;
  }

  @Test
  void trainingJsonIsPartOfTheModelAndItsHashIsInTheProvenance(@TempDir Path dir) throws Exception {
    String where = savedWithTraining(deepReg(), dir, "m");
    String hash = "1367c50f1165f977059179189a45f930e03e387250500628e08370a580a12634"; // sha256sum of the bytes
    assertEquals(hash, Hashes.sha256(TRAINING));
    List<String> sums = Files.readAllLines(Path.of(where, ModelStore.SUMS));
    assertTrue(sums.contains(hash + "  training.json"), sums.toString());
    assertEquals("training.json", sums.get(sums.size() - 1).substring(66), "listed last, after config.conf");
    JsonNode json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(Path.of(where, "model.json").toFile());
    assertEquals(hash, json.at("/provenance/training_hash").asText());
    LandmarkModel back = ModelStore.load(ST, where);
    assertEquals(hash, back.header().provenance().trainingHash());
    assertEquals(P.dataHash(), back.header().provenance().dataHash());
    assertEquals(new String(TRAINING, StandardCharsets.UTF_8), Files.readString(Path.of(where, "training.json")));
    // the model's identity covers what training measured
    String other = dir.resolve("other").toString();
    ModelStore.save(deepReg(), ST, other, "{}".getBytes(StandardCharsets.UTF_8));
    assertTrue(!ModelStore.fingerprint(ModelStore.readFiles(ST, where))
        .equals(ModelStore.fingerprint(ModelStore.readFiles(ST, other))));
  }

  @Test
  void aFlippedByteInTrainingJsonIsAChecksumMismatchNamingTheFile(@TempDir Path dir) throws Exception {
    String where = savedWithTraining(deepReg(), dir, "m");
    Path training = Path.of(where, "training.json");
    byte[] b = Files.readAllBytes(training);
    b[b.length / 2] ^= 0x01;
    Files.write(training, b);
    assertEquals(where + ": checksum mismatch for training.json (the file was altered or truncated)",
        refused(where).getMessage());
    Files.delete(training);
    assertEquals(where + ": file training.json listed in SHA256SUMS is missing", refused(where).getMessage());
  }

  @Test
  void trainingJsonCanBeNeitherDroppedNorSlippedInByEditingTheChecksums(@TempDir Path dir) throws Exception {
    String where = savedWithTraining(deepReg(), dir, "m");
    String hash = Hashes.sha256(TRAINING);
    Path sums = Path.of(where, ModelStore.SUMS);
    String original = Files.readString(sums);
    // its line removed from SHA256SUMS (the file altered at will): model.json still records it
    Files.writeString(sums, original.replace(hash + "  training.json\n", ""));
    assertEquals(where + ": model.json's provenance records training.json (" + hash + ") but SHA256SUMS does not list it",
        refused(where).getMessage());
    // another training.json, signed again: it is not the one the provenance records
    Files.writeString(Path.of(where, "training.json"), "{ }");
    Files.writeString(sums, original);
    resign(Path.of(where));
    assertEquals(where + ": training.json is not the one model.json's provenance records (" + hash + ", SHA256SUMS has "
        + Hashes.sha256("{ }".getBytes(StandardCharsets.UTF_8)) + ")", refused(where).getMessage());
    // a model saved without one, given one in SHA256SUMS: its provenance records none
    String plain = saved(deepReg(), dir, "plain")[0];
    Files.write(Path.of(plain, "training.json"), TRAINING);
    Files.writeString(Path.of(plain, ModelStore.SUMS),
        Files.readString(Path.of(plain, ModelStore.SUMS)) + hash + "  training.json\n");
    assertEquals(plain + ": SHA256SUMS lists training.json but model.json's provenance does not record it",
        refused(plain).getMessage());
  }

  @Test
  void aModelWithoutTrainingJsonStillLoads(@TempDir Path dir) throws Exception {
    // a mean-shape model has none; a model saved before training.json was part of it has one beside it, unlisted
    String mean = saved(mean("mean"), dir, "mean")[0];
    assertEquals(7, ((MeanShapeModel) ModelStore.load(ST, mean)).samples());
    assertEquals("", ModelStore.load(ST, mean).header().provenance().trainingHash());
    String old = saved(deepReg(), dir, "old")[0];
    Files.writeString(Path.of(old, "training.json"), "{ \"kind\" : \"deepreglocal\" }");
    LandmarkModel back = ModelStore.load(ST, old);
    assertEquals("", back.header().provenance().trainingHash());
    assertEquals(deepReg().header(), back.header());
    assertTrue(!ModelStore.readFiles(ST, old).containsKey("training.json"), "an unlisted file is not read");
  }

  /** Rewrites SHA256SUMS for the files it lists, as they are now. */
  static void resign(Path model) throws Exception {
    Path sums = model.resolve(ModelStore.SUMS);
    StringBuilder b = new StringBuilder();
    for (String line : Files.readAllLines(sums)) {
      String name = line.substring(66);
      b.append(Hashes.sha256(Files.readAllBytes(model.resolve(name)))).append("  ").append(name).append('\n');
    }
    Files.writeString(sums, b.toString());
  }

  @Test
  void theTinyModelsRoundTrip(@TempDir Path dir) throws Exception {
    for (LandmarkModel m : models()) {
      String[] s = saved(m, dir, m.header().kind());
      LandmarkModel back = ModelStore.load(ST, s[0]);
      assertEquals(m.header(), back.header());
      Shape a = m.predict(org.facealign.data.GrayImage.wrap(64, 64, new float[64 * 64]),
          new org.facealign.data.FaceBox(10, 10, 50, 50));
      Shape b = back.predict(org.facealign.data.GrayImage.wrap(64, 64, new float[64 * 64]),
          new org.facealign.data.FaceBox(10, 10, 50, 50));
      assertEquals(a, b, m.header().kind());
    }
  }
}

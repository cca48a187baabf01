package org.facealign.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code submit/learning-curve.sh} on a 300-W folder of boxes only, every part's run already done: the nested parts,
 * their order, the table and the fit. No pipeline runs (a part whose {@code report/report.json} exists is not run
 * again).
 */
class LearningCurveScriptTest {
  static final Path HOME = Path.of("").toAbsolutePath();
  static final List<String> TRAINING = List.of("afw", "lfpw/trainset", "helen/trainset");

  @Test
  void nestedPartsTheirTableAndTheFit(@TempDir Path dir) throws Exception {
    Assumptions.assumeTrue(run(List.of("python3", "--version"), dir) == 0, "python3 is needed by the script");
    Path data = dir.resolve("300W");
    int n = 0;
    for (String part : List.of("afw", "lfpw/trainset", "helen/trainset", "lfpw/testset", "helen/testset", "ibug")) {
      Files.createDirectories(data.resolve(part));
      StringBuilder boxes = new StringBuilder("# name x0 y0 x1 y1\n");
      for (int i = 0; i < (TRAINING.contains(part) ? 4 : 2); i++, n++) {
        // one name with a space: 300-W folders may have them
        boxes.append(String.format(Locale.ROOT, "face%s%02d.jpg 1 2 %d 40%n", n == 5 ? " a" : "", n, 30 + n));
      }
      Files.writeString(data.resolve(part + "/boxes.txt"), boxes);
    }
    // parts of 3, 6 and 12 faces, one held out of each: e = 0.04 + 0.3 n^-0.5 of the n fitted, DeepReg 0.002 lower
    Path out = dir.resolve("curve");
    for (String f : List.of("0.25", "0.5", "1")) {
      int faces = (int) Math.round(Double.parseDouble(f) * 12);
      double e = 0.04 + 0.3 / Math.sqrt(faces - 1);
      Files.createDirectories(out.resolve("f-" + f + "/report"));
      Files.writeString(out.resolve("f-" + f + "/report/report.json"), String.format(Locale.ROOT, "{\"model\": "
          + "{\"training_faces\": %d}, \"training\": {\"stages\": {\"train\": {\"samples\": %d}, \"validation\": "
          + "{\"samples\": 2}}}, \"subsets\": {\"common\": {\"ip_nme\": %.9f}}, \"final_ip_nme_by_phase\": "
          + "{\"sequentialreg\": {\"validation\": %.9f, \"common\": %.9f}, \"deepreg\": {\"common\": %.9f}}}",
          faces, 2 * (faces - 1), e - 0.002, e + 0.01, e, e - 0.002));
    }
    assertEquals(0, run(List.of("bash", HOME.resolve("submit/learning-curve.sh").toString(), data.toString(),
        out.toString(), "--fractions", "0.25,0.5,1", "--extrapolate", "100"), dir));

    List<String> ordered = Files.readAllLines(out.resolve("lists/training-ordered.txt"));
    assertEquals(12, ordered.size());
    assertEquals(12, new HashSet<>(ordered).size());
    for (String line : ordered) {
      String[] f = line.split("\t");
      assertEquals(6, f.length, line);
      assertTrue(f[0].startsWith(data + "/") && TRAINING.stream().anyMatch(p -> f[0].contains("/" + p + "/")), line);
      assertEquals(f[0].replace(".jpg", ".pts"), f[1]);
    }
    assertTrue(ordered.stream().anyMatch(l -> l.startsWith(data + "/lfpw/trainset/face a05.jpg\t")),
        "names with spaces are listed");
    assertEquals(4, Files.readAllLines(out.resolve("lists/common.txt")).size());
    assertEquals(2, Files.readAllLines(out.resolve("lists/challenging.txt")).size());
    assertEquals(ordered.subList(0, 3), Files.readAllLines(out.resolve("lists/training-0.25.txt")));
    assertEquals(ordered.subList(0, 6), Files.readAllLines(out.resolve("lists/training-0.5.txt")));
    assertEquals(ordered, Files.readAllLines(out.resolve("lists/training-1.txt")));

    List<String> table = Files.readAllLines(out.resolve("learning-curve.tsv"));
    assertEquals(7, table.size(), table.toString());
    assertEquals("0.5\t6\t5\tsequentialreg\t0.18416\t0.17416\t0.17216", table.get(3));
    assertEquals("1\t12\t11\tdeepreg\t\t0.12845\t0.12845", table.get(6));
    List<String> fit = Files.readAllLines(out.resolve("learning-curve-fit.tsv"));
    assertEquals(List.of("phase\tsubset\ta\tb\tc\trms_residual\tat_100_fitted_faces",
        "sequentialreg\tvalidation\t0.05000\t0.30000\t0.50\t0.00000\t0.08000",
        "sequentialreg\tcommon\t0.04000\t0.30000\t0.50\t0.00000\t0.07000",
        "deepreg\tcommon\t0.03800\t0.30000\t0.50\t0.00000\t0.06800"), fit);

    // the same order seed gives the same order wherever the folder is; another seed, another order
    Path moved = dir.resolve("elsewhere/300W");
    Files.createDirectories(moved.getParent());
    Files.move(data, moved);
    Path again = dir.resolve("again");
    Path other = dir.resolve("other");
    for (Path o : List.of(again, other)) {
      for (String f : List.of("0.25", "0.5", "1")) {
        Files.createDirectories(o.resolve("f-" + f + "/report"));
        Files.copy(out.resolve("f-" + f + "/report/report.json"), o.resolve("f-" + f + "/report/report.json"));
      }
    }
    assertEquals(0, run(List.of("bash", HOME.resolve("submit/learning-curve.sh").toString(), moved.toString(),
        again.toString(), "--fractions", "0.25,0.5,1"), dir));
    assertEquals(0, run(List.of("bash", HOME.resolve("submit/learning-curve.sh").toString(), moved.toString(),
        other.toString(), "--fractions", "0.25,0.5,1", "--order-seed", "2"), dir));
    assertEquals(names(ordered), names(Files.readAllLines(again.resolve("lists/training-ordered.txt"))));
    assertNotEquals(names(ordered), names(Files.readAllLines(other.resolve("lists/training-ordered.txt"))));
  }

  @Test
  void aFractionOutsideZeroToOneIsRefused(@TempDir Path dir) throws Exception {
    Assumptions.assumeTrue(run(List.of("python3", "--version"), dir) == 0, "python3 is needed by the script");
    Path data = dir.resolve("300W");
    for (String part : List.of("afw", "lfpw/trainset", "helen/trainset", "lfpw/testset", "helen/testset", "ibug")) {
      Files.createDirectories(data.resolve(part));
      Files.writeString(data.resolve(part + "/boxes.txt"), "a.jpg 1 2 3 4\n");
    }
    assertEquals(2, run(List.of("bash", HOME.resolve("submit/learning-curve.sh").toString(), data.toString(),
        dir.resolve("out").toString(), "--fractions", "1.5"), dir));
  }

  /** The image names (part/name) of list lines. */
  static List<String> names(List<String> lines) {
    List<String> names = new ArrayList<>();
    for (String line : lines) {
      String path = line.split("\t")[0];
      int afterData = path.indexOf("/300W/") + "/300W/".length();
      names.add(path.substring(afterData));
    }
    return names;
  }

  static int run(List<String> cmd, Path dir) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
    Process p;
    try {
      p = pb.start();
    } catch (java.io.IOException e) {
      return -1;
    }
    String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), log);
    if (p.exitValue() != 0) {
      System.err.println(String.join(" ", cmd) + ":\n" + log);
    }
    return p.exitValue();
  }
}

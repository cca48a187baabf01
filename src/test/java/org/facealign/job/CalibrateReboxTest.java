package org.facealign.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.facealign.data.DataException;
import org.junit.jupiter.api.Test;

/** The re-boxing decision of {@code calibrate} on validation errors: its rule, its figures and its counts. */
class CalibrateReboxTest {

  private static CalibrateJob.Errors face(int i, double given, double detected, double reboxed) {
    return new CalibrateJob.Errors("f" + i, given, detected, reboxed, null, null);
  }

  @Test
  void reboxingIsKeptOnlyWhenItsGainExceedsTwiceItsStandardError() {
    Random rnd = new Random(3);
    List<CalibrateJob.Errors> clear = new ArrayList<>();
    List<CalibrateJob.Errors> noise = new ArrayList<>();
    double sum = 0;
    double sumSq = 0;
    int n = 200;
    for (int i = 0; i < n; i++) {
      double det = 0.06 + 0.01 * rnd.nextGaussian();
      double gain = 0.004 + 0.002 * rnd.nextGaussian();
      clear.add(face(i, 0.05, det, det - gain));
      sum += gain;
      sumSq += gain * gain;
      noise.add(face(i, 0.05, det, det + 0.01 * rnd.nextGaussian()));
    }
    ObjectNode v = JsonNodeFactory.instance.objectNode();
    assertTrue(CalibrateJob.rebox(v, clear, 1));
    double mean = sum / n;
    double se = Math.sqrt((sumSq - n * mean * mean) / (n - 1) / n);
    assertEquals(mean, v.get("rebox_gain").asDouble(), 1e-12);
    assertEquals(se, v.get("rebox_gain_standard_error").asDouble(), 1e-9);
    double lo = v.get("rebox_gain_interval95").get(0).asDouble();
    double hi = v.get("rebox_gain_interval95").get(1).asDouble();
    assertTrue(lo < mean && mean < hi && lo > 0, lo + " " + hi);
    assertEquals(n, v.get("reboxed_better").asInt() + v.get("detected_better").asInt());
    assertEquals(n, v.get("found").asInt());

    ObjectNode w = JsonNodeFactory.instance.objectNode();
    assertFalse(CalibrateJob.rebox(w, noise, 1), w.toString());
    double g = w.get("rebox_gain").asDouble();
    assertTrue(g <= 2 * w.get("rebox_gain_standard_error").asDouble(), w.toString());
  }

  @Test
  void unreadableFacesAreCountedAndFacesWithoutDetectionKeptApart() {
    List<CalibrateJob.Errors> all = new ArrayList<>();
    all.add(face(0, 0.05, 0.08, 0.07));
    all.add(face(1, 0.04, Double.NaN, Double.NaN)); // no detection: counts for the given box only
    all.add(CalibrateJob.Errors.failed("f2", DataException.coded("corrupt_image", "f2.png", "truncated")));
    all.add(CalibrateJob.Errors.failed("f3", DataException.coded("corrupt_image", "f3.png", "truncated")));
    ObjectNode v = JsonNodeFactory.instance.objectNode();
    assertFalse(CalibrateJob.rebox(v, all, 1), "one found face cannot decide");
    assertEquals(4, v.get("faces_in").asInt());
    assertEquals(2, v.get("faces").asInt());
    assertEquals(2, v.get("faces_failed").asInt());
    assertEquals(2, v.get("unreadable").get("corrupt_image").asInt());
    assertEquals(1, v.get("found").asInt());
    assertEquals(0.045, v.get("ip_nme_given_box").asDouble(), 1e-12);
    assertEquals(0.05, v.get("ip_nme_given_box_found_faces").asDouble(), 1e-12);
    assertEquals(0.01, v.get("rebox_gain").asDouble(), 1e-12);

    ObjectNode none = JsonNodeFactory.instance.objectNode();
    assertFalse(CalibrateJob.rebox(none, List.of(face(0, 0.05, Double.NaN, Double.NaN)), 1));
    assertTrue(none.get("rebox_gain").isNull());
    assertEquals(0, none.get("found").asInt());
  }
}

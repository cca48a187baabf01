package org.facealign.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.facealign.data.Failure;

/** Writes {@code report.json}; see {@link Report} for its keys. Non-finite numbers are written as null. */
final class ReportJson {

  static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private ReportJson() {}

  static ObjectNode tree(Report r) {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("created", r.created().toString());
    root.set("model", MAPPER.valueToTree(r.model()));
    ObjectNode counts = root.putObject("counts");
    counts.put("in", r.counts().in());
    counts.put("ok", r.counts().ok());
    counts.put("failed", r.counts().failed());
    r.countDetails().forEach(counts::put);
    ObjectNode subsets = root.putObject("subsets");
    for (Map.Entry<String, java.util.List<FaceResult>> e : r.subsets().entrySet()) {
      ErrorStats ip = r.stats(e.getKey(), Normalisation.INTER_PUPIL);
      ErrorStats io = r.stats(e.getKey(), Normalisation.INTER_OCULAR);
      ObjectNode s = subsets.putObject(e.getKey());
      s.put("faces", e.getValue().size());
      number(s, "ip_nme", ip.mean());
      number(s, "io_nme", io.mean());
      number(s, "failure_rate_008", ip.failureRate008());
      number(s, "auc_008", ip.auc008());
      s.set("ip", stats(ip));
      s.set("io", stats(io));
    }
    ArrayNode failures = root.putArray("failures");
    for (Failure f : r.failures()) {
      ObjectNode o = failures.addObject();
      o.put("face_id", f.faceId());
      o.put("subset", f.subset());
      o.put("source", f.source());
      o.put("stage", f.stage());
      o.put("reason", f.reason());
      o.put("code", f.code());
    }
    root.put("config", r.config());
    r.sections().forEach((k, v) -> root.set(k, v.deepCopy()));
    return root;
  }

  static byte[] bytes(Report r) {
    try {
      return (MAPPER.writeValueAsString(tree(r)) + "\n").getBytes(StandardCharsets.UTF_8);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("could not write report.json", e);
    }
  }

  static ObjectNode stats(ErrorStats st) {
    ObjectNode o = MAPPER.createObjectNode();
    o.put("faces", st.faces());
    number(o, "mean", st.mean());
    number(o, "median", st.median());
    number(o, "failure_rate_008", st.failureRate008());
    number(o, "failure_rate_010", st.failureRate010());
    number(o, "auc_008", st.auc008());
    number(o, "below_005", st.below005());
    number(o, "below_010", st.below010());
    return o;
  }

  private static void number(ObjectNode o, String key, double v) {
    if (Double.isFinite(v)) {
      o.put(key, v);
    } else {
      o.putNull(key);
    }
  }
}

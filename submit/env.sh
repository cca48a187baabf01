# Shared by the launch scripts: JVM flags for Spark 3.5 on Java 17 (the list spark-submit adds for
# itself; pom.xml gives the test JVM the same list) and ND4J's off-heap limits.
FACEALIGN_HOME=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FACEALIGN_JAR="$FACEALIGN_HOME/target/facealign-job.jar"
FACEALIGN_OPENS="--add-modules=jdk.incubator.vector --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
 --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED
 --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
 --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
 --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED
 --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/sun.nio.cs=ALL-UNNAMED
 --add-opens=java.base/sun.security.action=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED
 --add-opens=java.security.jgss/sun.security.krb5=ALL-UNNAMED
 -Djdk.reflect.useDirectMethodHandle=false -Dio.netty.tryReflectionSetAccessible=true"
# ND4J keeps arrays off the Java heap: cap them separately (javacpp reads these).
FACEALIGN_ND4J_MEMORY="${FACEALIGN_ND4J_MEMORY:--Dorg.bytedeco.javacpp.maxbytes=4G -Dorg.bytedeco.javacpp.maxphysicalbytes=12G}"

# Builds the job jar if it is missing or older than any source, resource or build file. Runs started together
# build once: the first holds target/.build.lock while it builds, the others wait for it and then find the jar new
# (two Maven builds in one tree would compile over each other). Without flock(1) there is no lock.
facealign_build_if_stale() {
  if command -v flock >/dev/null 2>&1; then
    mkdir -p "$FACEALIGN_HOME/target"
    (flock 9 && facealign_build_if_stale_now) 9>>"$FACEALIGN_HOME/target/.build.lock"
  else
    facealign_build_if_stale_now
  fi
}

facealign_build_if_stale_now() {
  local cp="$FACEALIGN_HOME/target/spark-classpath.txt"
  if [ ! -f "$FACEALIGN_JAR" ] || [ ! -f "$cp" ] \
     || [ -n "$(find "$FACEALIGN_HOME/src/main" "$FACEALIGN_HOME/pom.xml" -newer "$FACEALIGN_JAR" -print -quit)" ]; then
    echo "building $FACEALIGN_JAR ..." >&2
    (cd "$FACEALIGN_HOME" && ./mvnw -B -q -DskipTests package) >&2
  fi
}

# The jar a run starts from: a copy of the job jar made once per build, target/run/facealign-job-MTIME-SIZE.jar
# (copied, then renamed into place). A build rewrites target/facealign-job.jar in place, which would pull
# classes from under a job still loading them from it; a job started from its own copy is unaffected. All but
# the three newest copies are removed (a job already running keeps its open file). Sets FACEALIGN_RUN_JAR.
facealign_run_jar() {
  local dir="$FACEALIGN_HOME/target/run" stamp tmp
  stamp=$(stat -c '%Y-%s' "$FACEALIGN_JAR") || return 1
  FACEALIGN_RUN_JAR="$dir/facealign-job-$stamp.jar"
  [ -f "$FACEALIGN_RUN_JAR" ] && return 0
  mkdir -p "$dir"
  tmp=$(mktemp "$dir/.copy.XXXXXX")
  cp "$FACEALIGN_JAR" "$tmp" && chmod a+r "$tmp" && mv -f "$tmp" "$FACEALIGN_RUN_JAR" || { rm -f "$tmp"; return 1; }
  ls -1t "$dir"/facealign-job-*.jar | tail -n +4 | xargs -r rm -f
}

# SPARK_CONF: extra Spark settings, one `key=value` per line (a value may hold spaces); each line becomes
# `--conf key=value`. Lines that are empty or start with # are skipped.
facealign_spark_conf() {
  FACEALIGN_CONF_ARGS=()
  local line
  while IFS= read -r line; do
    line="${line#"${line%%[![:space:]]*}"}"
    [[ -z "$line" || "$line" == \#* ]] && continue
    if [[ "$line" != *=* ]]; then
      echo "SPARK_CONF: '$line' is not key=value (one setting per line)" >&2
      return 2
    fi
    FACEALIGN_CONF_ARGS+=(--conf "$line")
  done <<< "${SPARK_CONF:-}"
}

# A JVM memory size (4g, 1500m, 4G, 512M, 1t) in MiB.
facealign_mib() {
  local v="${1,,}"
  case "$v" in
    *t) echo $(( ${v%t} * 1024 * 1024 )) ;;
    *g) echo $(( ${v%g} * 1024 )) ;;
    *m) echo $(( ${v%m} )) ;;
    *k) echo $(( ${v%k} / 1024 )) ;;
    *[0-9]) echo $(( v / 1024 / 1024 )) ;;
    *) echo "not a memory size: $1" >&2; return 2 ;;
  esac
}

#!/usr/bin/env bash
# Submits a facealign subcommand with the spark-submit of a Spark 3.5 installation (standalone, YARN or
# Kubernetes), waits for it and exits with its status.
#
#   MASTER=spark://host:7077 submit/cluster.sh pipeline --conf conf/cluster.conf \
#       --data hdfs:///datasets/300W --out hdfs:///facealign/runs/$(date +%F) --model deepreg
#   MASTER=yarn DEPLOY_MODE=cluster submit/cluster.sh label --conf hdfs:///facealign/cluster.conf ...
#   MASTER=k8s://https://api.example:6443 IMAGE=registry.example/spark:3.5.7-java17 submit/cluster.sh ...
#   submit/cluster.sh --dry-run SUBCOMMAND ...    prints the spark-submit command line and exits
#
# Environment (defaults in brackets):
#   MASTER             spark://HOST:PORT, yarn or k8s://https://HOST:PORT (required)
#   DEPLOY_MODE        client [client]: the driver runs here and the exit code is the job's own (0, 1, 2, 3);
#                      cluster: the driver runs on the cluster; spark-submit waits and exits 0 or non-zero
#   SPARK_HOME         the Spark installation whose bin/spark-submit is used [spark-submit on PATH]
#   DRIVER_MEMORY      driver heap [4g]          DRIVER_OFFHEAP    driver's ND4J arrays [4G]
#   EXECUTOR_MEMORY    executor heap [8g]        EXECUTOR_OFFHEAP  each executor's ND4J arrays [4G]
#   EXECUTOR_OVERHEAD  container memory beyond the heap; must hold EXECUTOR_OFFHEAP and native libraries
#                      [EXECUTOR_OFFHEAP + 2g]; javacpp's process limit (maxphysicalbytes) is set to
#                      EXECUTOR_MEMORY + EXECUTOR_OVERHEAD, the size of the container
#   EXECUTOR_CORES     cores per executor [4]
#   EXECUTORS          executors on YARN and Kubernetes [4]
#   TOTAL_CORES        cores of the whole job on a standalone master (spark.cores.max) [EXECUTORS x EXECUTOR_CORES]
#   NAME               application name [facealign-SUBCOMMAND]
#   SPARK_CONF         more settings, one key=value per line (values may hold spaces)
#   EXTRA_FILES        comma-separated local files to ship to the executors' working directories
#   IMAGE              the container image (Kubernetes)
#
# --conf FILE: a relative local path is made absolute (client mode). In cluster mode the driver runs
# elsewhere: give a path it can read (hdfs://, s3a://, or a mount every node shares); on YARN a local file is
# shipped with the job and read from the driver's working directory.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
dry_run=false
if [[ "${1:-}" == "--dry-run" ]]; then dry_run=true; shift; fi
sub="${1:?usage: $0 [--dry-run] SUBCOMMAND [ARGS...]}"
: "${MASTER:?set MASTER to spark://host:port, yarn or k8s://...}"
mode="${DEPLOY_MODE:-client}"
[[ "$mode" == client || "$mode" == cluster ]] || { echo "DEPLOY_MODE must be client or cluster, not $mode" >&2; exit 2; }
$dry_run || facealign_build_if_stale
# the job reads its classes from its own copy of the jar (a later build cannot change them); --dry-run shows the built jar
FACEALIGN_RUN_JAR="$FACEALIGN_JAR"
$dry_run || facealign_run_jar
facealign_spark_conf || exit 2
SPARK_SUBMIT="${SPARK_HOME:+$SPARK_HOME/bin/}spark-submit"

executor_memory="${EXECUTOR_MEMORY:-8g}"
offheap="${EXECUTOR_OFFHEAP:-4G}"
overhead_mib="$(facealign_mib "${EXECUTOR_OVERHEAD:-$(( $(facealign_mib "$offheap") + 2048 ))m}")"
physical_mib=$(( $(facealign_mib "$executor_memory") + overhead_mib ))
driver_offheap="${DRIVER_OFFHEAP:-4G}"
driver_memory="${DRIVER_MEMORY:-4g}"
driver_physical_mib=$(( $(facealign_mib "$driver_memory") + $(facealign_mib "$driver_offheap") + 2048 ))
cores="${EXECUTOR_CORES:-4}"
executors="${EXECUTORS:-4}"
# A driver started by a worker (standalone cluster mode) gets only these options, not the launcher's module
# flags; a driver that runs out of heap exits instead of hanging.
driver_opts="$(echo $FACEALIGN_OPENS) -XX:+ExitOnOutOfMemoryError -Dorg.bytedeco.javacpp.maxbytes=$driver_offheap"
driver_opts+=" -Dorg.bytedeco.javacpp.maxphysicalbytes=${driver_physical_mib}M"
[[ "$mode" == client ]] && driver_opts+=" -Dlog4j2.configurationFile=$FACEALIGN_HOME/conf/log4j2.properties"
executor_opts="--add-modules=jdk.incubator.vector -Dorg.bytedeco.javacpp.maxbytes=$offheap -Dorg.bytedeco.javacpp.maxphysicalbytes=${physical_mib}M"

args=(--master "$MASTER" --deploy-mode "$mode" --name "${NAME:-facealign-$sub}" --class org.facealign.cli.Main
  --driver-memory "$driver_memory" --executor-memory "$executor_memory" --executor-cores "$cores"
  --conf "spark.executor.memoryOverhead=${overhead_mib}m"
  --conf "spark.driver.extraJavaOptions=$driver_opts"
  --conf "spark.executor.extraJavaOptions=$executor_opts")
case "$MASTER" in
  spark://*)
    args+=(--total-executor-cores "${TOTAL_CORES:-$(( executors * cores ))}")
    # spark-submit returns as soon as the driver is launched unless told to wait
    [[ "$mode" == cluster ]] && args+=(--conf spark.standalone.submit.waitAppCompletion=true) ;;
  yarn)
    args+=(--num-executors "$executors" --conf spark.yarn.submit.waitAppCompletion=true) ;;
  k8s://*)
    args+=(--num-executors "$executors" --conf "spark.kubernetes.container.image=${IMAGE:?set IMAGE to a Spark 3.5 / Java 17 image}"
      --conf spark.kubernetes.submission.waitAppCompletion=true) ;;
  local*) ;;
  *) echo "MASTER must be spark://..., yarn, k8s://... or local[...], not $MASTER" >&2; exit 2 ;;
esac
files="${EXTRA_FILES:-}"

# the subcommand's own arguments; --conf FILE resolved as said above
job=("$sub")
shift
while [[ $# -gt 0 ]]; do
  if [[ "$1" == "--conf" && $# -ge 2 && "$2" != *://* ]]; then
    conf="$2"
    if [[ "$mode" == client || "$conf" == /* && "$MASTER" != yarn ]]; then
      [[ -f "$conf" ]] || { echo "--conf $2: no such file" >&2; exit 2; }
      conf="$(cd "$(dirname "$conf")" && pwd)/$(basename "$conf")"
      job+=(--conf "$conf")
    elif [[ "$MASTER" == yarn ]]; then
      [[ -f "$conf" ]] || { echo "--conf $2: no such file" >&2; exit 2; }
      files="$(cd "$(dirname "$conf")" && pwd)/$(basename "$conf")${files:+,$files}"
      job+=(--conf "$(basename "$conf")")
    else
      echo "--conf $2: in cluster deploy mode the driver cannot read a relative local path; give an" \
        "hdfs://, s3a:// or absolute path on a mount every node shares" >&2
      exit 2
    fi
    shift 2
  else
    job+=("$1")
    shift
  fi
done
[[ -n "$files" ]] && args+=(--files "$files")
cmd=("$SPARK_SUBMIT" "${args[@]}" "${FACEALIGN_CONF_ARGS[@]}" "$FACEALIGN_RUN_JAR" "${job[@]}")
if $dry_run; then
  printf '%q ' "${cmd[@]}"
  echo
  exit 0
fi
if [[ "$mode" == cluster && "$MASTER" == spark://* ]]; then
  # a standalone master's spark-submit exits 0 whatever the driver's end: read the state it reports
  out="$(mktemp "${TMPDIR:-/tmp}/facealign-submit.XXXXXX")"
  trap 'rm -f "$out"' EXIT
  set +e
  "${cmd[@]}" 2>&1 | tee "$out"
  rc=${PIPESTATUS[0]}
  set -e
  state="$(grep -o 'State of driver [^ ]* is [A-Z]*' "$out" | tail -n 1 | awk '{ print $NF }')"
  if [[ $rc -ne 0 ]]; then exit "$rc"; fi
  case "$state" in
    FINISHED) exit 0 ;;
    "") echo "cluster.sh: spark-submit did not report how the driver ended" >&2; exit 1 ;;
    *) echo "cluster.sh: the driver ended $state (its log is in the worker's work directory)" >&2; exit 1 ;;
  esac
fi
exec "${cmd[@]}"

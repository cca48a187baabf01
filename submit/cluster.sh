#!/usr/bin/env bash
# Submits a facealign subcommand to a cluster with the spark-submit of a Spark 3.5 installation.
#
#   MASTER=yarn submit/cluster.sh pipeline --conf cluster.conf \
#       --data hdfs:///datasets/300W --out hdfs:///facealign/runs/$(date +%F) --model mean
#   MASTER=k8s://https://api.example:6443 IMAGE=registry.example/spark:3.5.7-java17 submit/cluster.sh ...
#   MASTER=spark://host:7077 submit/cluster.sh ...
#
# Data and outputs are Hadoop paths: hdfs://, s3a:// (set spark.hadoop.fs.s3a.* through SPARK_CONF),
# or file:// on a shared mount. Environment: MASTER (required), DEPLOY_MODE (default cluster),
# EXECUTORS, EXECUTOR_CORES, EXECUTOR_MEMORY, EXECUTOR_OFFHEAP (ND4J), SPARK_CONF (extra --conf k=v),
# EXTRA_FILES (comma-separated files to ship beside conf/cluster.conf).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
: "${MASTER:?set MASTER to yarn, k8s://..., or spark://host:port}"
facealign_build_if_stale
SPARK_SUBMIT="${SPARK_HOME:+$SPARK_HOME/bin/}spark-submit"
OFFHEAP="${EXECUTOR_OFFHEAP:-4G}"
extra=()
if [[ "$MASTER" == k8s://* ]]; then
  extra+=(--conf "spark.kubernetes.container.image=${IMAGE:?set IMAGE to a Spark 3.5 / Java 17 image}")
fi
# shellcheck disable=SC2086
exec "$SPARK_SUBMIT" --master "$MASTER" --deploy-mode "${DEPLOY_MODE:-cluster}" \
  --class org.facealign.cli.Main \
  --num-executors "${EXECUTORS:-4}" --executor-cores "${EXECUTOR_CORES:-4}" \
  --executor-memory "${EXECUTOR_MEMORY:-8g}" \
  --conf spark.executor.memoryOverhead="${EXECUTOR_OVERHEAD:-6g}" \
  --conf "spark.executor.extraJavaOptions=-Dorg.bytedeco.javacpp.maxbytes=$OFFHEAP -Dorg.bytedeco.javacpp.maxphysicalbytes=$OFFHEAP" \
  --conf "spark.driver.extraJavaOptions=-Dorg.bytedeco.javacpp.maxbytes=$OFFHEAP" \
  --files "$FACEALIGN_HOME/conf/cluster.conf${EXTRA_FILES:+,$EXTRA_FILES}" \
  "${extra[@]}" ${SPARK_CONF:-} \
  "$FACEALIGN_JAR" "$@"

#!/usr/bin/env bash
# Runs any facealign subcommand in Spark local mode, through spark-submit's own entry point, building
# the job jar first if it is missing or older than the sources. No Spark installation is needed: the
# Spark and Hadoop jars the build resolved are used.
#
#   submit/local.sh pipeline --data ../shared/data/300W --out out/mean --model mean
#   submit/local.sh prepare --help
#
# Environment: FACEALIGN_MASTER (default local[*]), FACEALIGN_DRIVER_MEMORY (default 6g),
# FACEALIGN_ND4J_MEMORY (javacpp off-heap limits), SPARK_CONF (more Spark settings, one key=value per line).
#   submit/local.sh --dry-run SUBCOMMAND ...   prints the command line and exits
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
dry_run=false
if [[ "${1:-}" == "--dry-run" ]]; then dry_run=true; shift; fi
$dry_run || facealign_build_if_stale
# the run reads its classes from its own copy of the jar (a later build cannot change them); --dry-run shows the built jar
FACEALIGN_RUN_JAR="$FACEALIGN_JAR"
$dry_run || facealign_run_jar
facealign_spark_conf || exit 2
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
# shellcheck disable=SC2206  # the JVM flag lists are meant to split
cmd=("$JAVA" $FACEALIGN_OPENS $FACEALIGN_ND4J_MEMORY -Xmx"${FACEALIGN_DRIVER_MEMORY:-6g}"
  -Djava.awt.headless=true -Dlog4j2.configurationFile="$FACEALIGN_HOME/conf/log4j2.properties"
  -cp "$FACEALIGN_RUN_JAR:$(cat "$FACEALIGN_HOME/target/spark-classpath.txt" 2>/dev/null || echo SPARK-CLASSPATH)"
  org.apache.spark.deploy.SparkSubmit --master "${FACEALIGN_MASTER:-local[*]}"
  --conf spark.driver.memory="${FACEALIGN_DRIVER_MEMORY:-6g}" "${FACEALIGN_CONF_ARGS[@]}"
  --class org.facealign.cli.Main "$FACEALIGN_RUN_JAR" "$@")
if $dry_run; then
  printf '%q ' "${cmd[@]}"
  echo
  exit 0
fi
exec "${cmd[@]}"

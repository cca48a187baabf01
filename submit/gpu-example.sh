#!/usr/bin/env bash
# Example: training on GPU executors (one GPU each). Build the CUDA flavour of the job jar first:
#   ./mvnw -B -Pgpu -DskipTests package        (ND4J CUDA 11.6; executors need CUDA 11.6 + cuDNN 8.3)
# then, e.g. on YARN with GPU scheduling or on Kubernetes with the NVIDIA device plugin:
#   MASTER=yarn submit/gpu-example.sh pipeline --conf conf/gpu.conf --data hdfs:///300W --out hdfs:///runs/gpu --model msrrn
# (MSRRN, a CNN, is where GPUs pay; --model deepreg runs the same way.)
set -euo pipefail
here="$(dirname "${BASH_SOURCE[0]}")"
export SPARK_CONF="spark.executor.resource.gpu.amount=1
spark.task.resource.gpu.amount=1
spark.executor.resource.gpu.discoveryScript=./gpu-discovery.sh
${SPARK_CONF:-}"
export EXECUTOR_CORES="${EXECUTOR_CORES:-1}"
export EXTRA_FILES="$(cd "$here" && pwd)/gpu-discovery.sh${EXTRA_FILES:+,$EXTRA_FILES}"
exec "$here/cluster.sh" "$@"

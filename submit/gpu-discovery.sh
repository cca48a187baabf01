#!/usr/bin/env bash
# Spark GPU resource discovery script (spark.executor.resource.gpu.discoveryScript): prints the GPUs
# of this host as Spark expects, e.g. {"name": "gpu", "addresses": ["0", "1"]}.
set -euo pipefail
addrs=$(nvidia-smi --query-gpu=index --format=csv,noheader | sed 's/^ *//; s/ *$//' | paste -sd, - | sed 's/,/","/g')
echo "{\"name\": \"gpu\", \"addresses\": [\"$addrs\"]}"

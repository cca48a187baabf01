#!/usr/bin/env bash
# Nightly retraining for schedulers (cron, systemd timers, Airflow, ...): `facealign nightly` through
# spark-submit with the settings of the other submit scripts, on a cluster when MASTER is set (client deploy
# mode, so that the exit code is the job's own), else in Spark local mode.
#
#   submit/nightly.sh --data hdfs:///datasets/faces --registry hdfs:///facealign/registry --conf conf/nightly.conf
#   MASTER=yarn submit/nightly.sh --data ... --registry ... --conf conf/nightly.conf
#   submit/nightly.sh --dry-run ...     prints the command line and exits
#
# Exit codes: 0 promoted or nothing changed, 3 trained but not promoted, 1 failed, 2 bad usage or the registry
# is locked by another run. Examples of a crontab line and of a systemd timer: submit/nightly.cron,
# submit/facealign-nightly.service and submit/facealign-nightly.timer.
set -euo pipefail
here="$(dirname "${BASH_SOURCE[0]}")"
dry=()
if [[ "${1:-}" == "--dry-run" ]]; then dry=(--dry-run); shift; fi
if [[ -n "${MASTER:-}" ]]; then
  DEPLOY_MODE=client exec "$here/cluster.sh" "${dry[@]}" nightly "$@"
fi
exec "$here/local.sh" "${dry[@]}" nightly "$@"

#!/usr/bin/env bash
# Executes a notebook headless against a run directory and writes the result as HTML; exits non-zero if a cell fails.
#
#   submit/notebook.sh notebooks/label-run.ipynb out/label            # writes out/label/label-run.html
#   submit/notebook.sh NOTEBOOK RUN_DIR [OUTPUT_HTML]
#
# The notebook reads RUN_DIR from $LABEL_OUT. Runs on Debian's Python (/usr/bin/python3), installing
# jupyter-nbconvert, pandas, matplotlib and ipykernel from Debian when they are missing.
set -euo pipefail

if [[ $# -lt 2 || $# -gt 3 ]]; then
  echo "usage: $0 NOTEBOOK RUN_DIR [OUTPUT_HTML]" >&2
  exit 2
fi
NOTEBOOK=$1
RUN_DIR=$2
[[ -f $NOTEBOOK ]] || { echo "$0: no notebook $NOTEBOOK" >&2; exit 2; }
[[ -d $RUN_DIR ]] || { echo "$0: no run directory $RUN_DIR" >&2; exit 2; }
OUTPUT=${3:-$RUN_DIR/$(basename "${NOTEBOOK%.ipynb}").html}

PY=/usr/bin/python3
have_tools() {
  command -v jupyter-nbconvert >/dev/null 2>&1 \
    && "$PY" -c "import nbconvert, pandas, matplotlib, ipykernel" >/dev/null 2>&1
}
if ! have_tools; then
  SUDO=()
  [[ $(id -u) -eq 0 ]] || SUDO=(sudo)
  PACKAGES=(jupyter-nbconvert python3-nbconvert python3-pandas python3-matplotlib python3-ipykernel)
  echo "installing from Debian: ${PACKAGES[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  if ! "${SUDO[@]}" apt-get install -y --no-install-recommends "${PACKAGES[@]}"; then
    "${SUDO[@]}" apt-get update
    "${SUDO[@]}" apt-get install -y --no-install-recommends "${PACKAGES[@]}"
  fi
  have_tools || { echo "$0: nbconvert, pandas, matplotlib or ipykernel still missing for $PY" >&2; exit 1; }
fi

# The kernel must be Debian's Python too, not whatever "python3" comes first on PATH (e.g. a pyenv one without
# pandas), nor a user-level "python3" kernelspec: a kernelspec of our own, first on JUPYTER_PATH, pins it.
KERNELS=$(mktemp -d)
trap 'rm -rf "$KERNELS"' EXIT
mkdir -p "$KERNELS/kernels/python3"
cat >"$KERNELS/kernels/python3/kernel.json" <<EOF
{"argv": ["$PY", "-Xfrozen_modules=off", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
 "display_name": "Python 3", "language": "python", "metadata": {"debugger": false}}
EOF

LABEL_OUT=$(cd "$RUN_DIR" && pwd)
mkdir -p "$(dirname "$OUTPUT")"
OUTPUT_ABS=$(cd "$(dirname "$OUTPUT")" && pwd)/$(basename "$OUTPUT")
export LABEL_OUT
echo "executing $NOTEBOOK with LABEL_OUT=$LABEL_OUT" >&2
# nbconvert runs the notebook in its own folder, so a relative default there still works without LABEL_OUT.
PATH=/usr/bin:$PATH JUPYTER_PATH="$KERNELS${JUPYTER_PATH:+:$JUPYTER_PATH}" \
  "$PY" -Xfrozen_modules=off -m nbconvert --to html --execute \
  --ExecutePreprocessor.kernel_name=python3 --ExecutePreprocessor.timeout=600 \
  --output "$(basename "$OUTPUT_ABS")" --output-dir "$(dirname "$OUTPUT_ABS")" "$NOTEBOOK"
echo "wrote $OUTPUT_ABS" >&2

#!/usr/bin/env bash
# Error against the number of training faces: trains and evaluates a model on nested parts of a 300-W folder's
# training faces (the same common and challenging test faces for every part), then tabulates each run's figures.
#
#   submit/learning-curve.sh ../shared/data/300W out/curve [--fractions 0.25,0.5,0.75,1] [--order-seed 1]
#                            [--extrapolate 3148] [pipeline options, e.g. --model deepreg -D facealign.train.seed=7]
#
# The parts are nested: the training faces are ordered by the SHA-256 of "ORDER-SEED:part/name" (the same order
# on every machine), and the part of fraction f is the first round(f x N) of them. Each part is one `pipeline`
# run (default: --model deepreg -D facealign.deepreg.table1=false) in OUT/f-F; a part whose report/report.json exists
# is not run again. The validation faces (facealign.deepreg.validation-faces, 200) are drawn from each part as from
# the whole set, so a part of n faces fits n - 200. OUT/learning-curve.tsv gets one line per part: the fraction,
# the faces of the part, the faces the model fits (the rest are validation faces), the final IP-NME of each phase the
# report records (SequentialReg and DeepReg for DeepReg) on validation and common, and the common IP-NME of the model.
# OUT/learning-curve-fit.tsv fits e = a + b n^-c to each phase's errors against the faces fitted (least squares, c on
# a grid from 0.01 to 3; with at least three parts) and gives e at --extrapolate N faces (3148: 300-W's training set).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
usage="usage: $0 300W-DIR OUT [--fractions F,F,...] [--order-seed S] [--extrapolate N] [pipeline options]"
data="$(cd "${1:?$usage}" && pwd)"
out="${2:?$usage}"
shift 2
fractions=0.25,0.5,0.75,1
order_seed=1
extrapolate=3148
model=(--model deepreg -D facealign.deepreg.table1=false)
while [[ $# -gt 0 ]]; do
  case "$1" in
    --fractions) fractions=${2:?$usage}; shift 2 ;;
    --order-seed) order_seed=${2:?$usage}; shift 2 ;;
    --extrapolate) extrapolate=${2:?$usage}; shift 2 ;;
    --model) model=(--model "${2:?$usage}"); shift 2 ;;
    *) break ;;
  esac
done
mkdir -p "$out/lists"
out="$(cd "$out" && pwd)"
lists="$out/lists"
source "$here/w300-lists.sh"

w300_faces "$data" lfpw/testset helen/testset > "$lists/common.txt"
w300_faces "$data" ibug > "$lists/challenging.txt"
# the training faces in the order of their keys
w300_faces "$data" afw lfpw/trainset helen/trainset | python3 -c '
import hashlib, sys
seed, root = sys.argv[1], sys.argv[2] + "/"
lines = sys.stdin.read().splitlines()
name = lambda line: line.split("\t")[0].removeprefix(root)
key = lambda line: hashlib.sha256((seed + ":" + name(line)).encode()).hexdigest()
sys.stdout.write("".join(line + "\n" for line in sorted(lines, key=key)))' "$order_seed" "$data" \
  > "$lists/training-ordered.txt"
total=$(wc -l < "$lists/training-ordered.txt")

IFS=, read -r -a parts <<< "$fractions"
for f in "${parts[@]}"; do
  n=$(awk -v f="$f" -v t="$total" 'BEGIN { if (f <= 0 || f > 1) exit 1; printf "%d", f * t + 0.5 }') \
    || { echo "fraction $f: not in (0, 1]" >&2; exit 2; }
  head -n "$n" "$lists/training-ordered.txt" > "$lists/training-$f.txt"
  run="$out/f-$f"
  if [[ -f "$run/report/report.json" ]]; then
    echo "== fraction $f ($n faces): $run/report/report.json exists, not run again" >&2
    continue
  fi
  echo "== fraction $f: $n of $total training faces" >&2
  "$here/local.sh" pipeline --data "$lists/training-$f.txt" --test "$lists/common.txt" \
    --test "$lists/challenging.txt" --out "$run" "${model[@]}" "$@"
done

python3 - "$out" "$extrapolate" "${parts[@]}" <<'PY'
import json, sys
out, target, parts = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
rows = []
for f in parts:
    r = json.load(open(f"{out}/f-{f}/report/report.json"))
    faces = r["model"]["training_faces"]
    stages = (r.get("training") or {}).get("stages") or {}
    t, v = stages.get("train", {}).get("samples"), stages.get("validation", {}).get("samples")
    fitted = round(faces * t / (t + v)) if t and v else faces
    model_common = r["subsets"]["common"]["ip_nme"]
    phases = r.get("final_ip_nme_by_phase") or {"model": {"common": model_common}}
    for phase, nme in phases.items():
        rows.append((f, faces, fitted, phase, nme.get("validation"), nme["common"], model_common))
fmt = lambda x: "" if x is None else f"{x:.5f}"
with open(f"{out}/learning-curve.tsv", "w") as tsv:
    tsv.write("fraction\ttraining_faces\tfitted_faces\tphase\tvalidation_ip_nme\tcommon_ip_nme\tmodel_common_ip_nme\n")
    for f, faces, fitted, phase, val, common, model in rows:
        tsv.write(f"{f}\t{faces}\t{fitted}\t{phase}\t{fmt(val)}\t{fmt(common)}\t{fmt(model)}\n")

def fit(points):
    """Least squares e = a + b x^-c over a grid of c (0.01 .. 3): (a, b, c, root-mean-square residual)."""
    best = None
    for i in range(1, 301):
        c = i / 100
        z = [x ** -c for x, _ in points]
        n, sz, se = len(points), sum(z), sum(e for _, e in points)
        szz, sze = sum(q * q for q in z), sum(q * e for q, (_, e) in zip(z, points))
        det = n * szz - sz * sz
        if det <= 0:
            return None
        b = (n * sze - sz * se) / det
        a = (se - b * sz) / n
        rss = sum((a + b * q - e) ** 2 for q, (_, e) in zip(z, points))
        if best is None or rss < best[3]:
            best = (a, b, c, rss)
    a, b, c, rss = best
    return a, b, c, (rss / len(points)) ** 0.5

with open(f"{out}/learning-curve-fit.tsv", "w") as tsv:
    tsv.write(f"phase\tsubset\ta\tb\tc\trms_residual\tat_{target:g}_fitted_faces\n")
    for phase in dict.fromkeys(r[3] for r in rows):
        for subset, col in (("validation", 4), ("common", 5)):
            points = [(r[2], r[col]) for r in rows if r[3] == phase and r[col] is not None]
            got = fit(points) if len(points) >= 3 and len({x for x, _ in points}) >= 3 else None
            if got:
                a, b, c, rms = got
                tsv.write(f"{phase}\t{subset}\t{a:.5f}\t{b:.5f}\t{c:.2f}\t{rms:.5f}\t{a + b * target ** -c:.5f}\n")
PY
cat "$out/learning-curve.tsv" "$out/learning-curve-fit.tsv"

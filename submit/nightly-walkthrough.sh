#!/usr/bin/env bash
# "Three nights" of nightly retraining on a 300-W folder, in Spark local mode (README, "Nightly retraining"):
#   night 1: the training faces minus 400, a cold start;
#   night 2: the 400 added, a warm start from night 1's model (and, for comparison, a cold run on the same data
#            in a copy of the registry);
#   night 3: 800 more faces whose landmarks are corrupted (moved down by a quarter of the face and squeezed),
#            which must not be promoted.
#
#   submit/nightly-walkthrough.sh ../shared/data/300W out/walkthrough [--conf FILE] [-D key=value ...]
#
# The data are not copied: list files name the 300-W images, and night 3's corrupted faces are symbolic links
# to training images with new .pts files, under OUT/lists. Each night's decision and figures are in
# OUT/registry/history.jsonl; submit/notebook.sh notebooks/nightly-history.ipynb OUT/registry draws them.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
data="$(cd "${1:?usage: $0 300W-DIR OUT [nightly options]}" && pwd)"
out="${2:?usage: $0 300W-DIR OUT [nightly options]}"
shift 2
mkdir -p "$out/lists/corrupt"
out="$(cd "$out" && pwd)"
lists="$out/lists"
source "$here/w300-lists.sh"

w300_faces "$data" afw lfpw/trainset helen/trainset > "$lists/all-training.txt"
w300_faces "$data" lfpw/testset helen/testset > "$lists/common.txt"
# night 1 leaves out every fifth face, 400 of them
awk '{ if (NR % 5 == 0 && n < 400) { n++ } else { print } }' "$lists/all-training.txt" > "$lists/night1.txt"
cp "$lists/all-training.txt" "$lists/night2.txt"
# night 3: 800 corrupted faces: links to training images, landmarks moved down by a quarter of the face's
# height and squeezed to half its width around its centre
cp "$lists/all-training.txt" "$lists/night3.txt"
awk 'NR % 2 == 1 && n < 800 { n++; print }' "$lists/all-training.txt" | while IFS=$'\t' read -r img pts x0 y0 x1 y1; do
  name="corrupt-$(basename "$img")"
  ln -sf "$img" "$lists/corrupt/$name"
  awk -v y0="$y0" -v y1="$y1" -v x0="$x0" -v x1="$x1" '
    BEGIN { cx = (x0 + x1) / 2; dy = (y1 - y0) / 4 }
    /^[-0-9.]+[ \t]+[-0-9.]+[ \t]*$/ { printf "%.3f %.3f\n", cx + ($1 - cx) / 2, $2 + dy; next }
    { print }' "$pts" > "$lists/corrupt/${name%.*}.pts"
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$lists/corrupt/$name" "$lists/corrupt/${name%.*}.pts" "$x0" "$y0" "$x1" "$y1"
done >> "$lists/night3.txt"

night() {
  local n=$1 list=$2 registry=$3; shift 3
  echo "== night $n: $(wc -l < "$list") training faces" >&2
  set +e
  "$here/local.sh" nightly --model deepreg --data "$list" --test "$lists/common.txt" --registry "$registry" \
    -D facealign.deepreg.table1=false "$@"
  local rc=$?
  set -e
  echo "== night $n: exit code $rc" >&2
  [[ $rc -eq 0 || $rc -eq 3 ]]
}
night 1 "$lists/night1.txt" "$out/registry" "$@"
rm -rf "$out/registry-cold" && cp -r "$out/registry" "$out/registry-cold"
night 2 "$lists/night2.txt" "$out/registry" "$@"
night 2-cold "$lists/night2.txt" "$out/registry-cold" --cold "$@"
night 3 "$lists/night3.txt" "$out/registry" "$@"
tail -n 3 "$out/registry/history.jsonl"

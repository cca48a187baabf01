# Shared by the scripts that train on part of a 300-W folder through list files (sourced, not run).
# w300_faces DIR PART...: one list line per face of the given parts, "IMAGE PTS X0 Y0 X1 Y1" with absolute
# paths and the detector box of the part's boxes.txt, sorted by image path. Names with spaces are not listed
# (none of 300-W's have one).
w300_faces() {
  local data=$1 part
  shift
  for part in "$@"; do
    awk -v d="$data/$part" '!/^#/ && NF == 5 { img = $1; pts = img; sub(/\.[^.]*$/, ".pts", pts);
      print d "/" img, d "/" pts, $2, $3, $4, $5 }' "$data/$part/boxes.txt"
  done | sort
}

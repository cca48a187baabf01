# Shared by the scripts that train on part of a 300-W folder through list files (sourced, not run).
# w300_faces DIR PART...: one list line per face of the given parts, "IMAGE PTS X0 Y0 X1 Y1" separated by tabs (names
# may contain spaces), with absolute paths and the detector box of the part's boxes.txt, sorted by image path. A
# boxes.txt line that is not a name and four numbers is reported on standard error, naming the file and the line.
w300_faces() {
  local data=$1 part
  shift
  for part in "$@"; do
    awk -v d="$data/$part" -v f="$data/$part/boxes.txt" '
      /^#/ || /^[ \t]*$/ { next }
      match($0, /[ \t]+[-+0-9.eE]+[ \t]+[-+0-9.eE]+[ \t]+[-+0-9.eE]+[ \t]+[-+0-9.eE]+[ \t\r]*$/) && RSTART > 1 {
        img = substr($0, 1, RSTART - 1); n = split(substr($0, RSTART), box, /[ \t\r]+/)
        pts = img; sub(/\.[^.]*$/, ".pts", pts)
        printf "%s/%s\t%s/%s\t%s\t%s\t%s\t%s\n", d, img, d, pts, box[2], box[3], box[4], box[5]; next }
      { printf "%s line %d: not a name and four numbers: %s\n", f, FNR, $0 > "/dev/stderr" }' "$data/$part/boxes.txt"
  done | sort
}

#!/usr/bin/env bash
# Inference speed of dlib's ensemble of regression trees (its default shape_predictor_trainer) next to the
# project's `bench predict`: builds src/bench/dlib/shape_bench.cpp, trains the model on the 300-W training
# faces once (target/dlib/shape_predictor_300w.dat; about 20 min on 2 threads at nice 19), then times
# it three times on the common test faces, one face per call on one thread, and prints three JSON lines:
# ms_per_face, cpu_ms_per_face and common_ip_nme (mean inter-pupil NME over all common faces, a fraction).
#
#   submit/bench-dlib.sh                                  # ../shared/data/300W, 200 faces
#   submit/bench-dlib.sh /data/300W --faces 554
#
# Installs g++, pkg-config and libdlib-dev (with the JPEG, PNG, BLAS and LAPACK development files) with
# apt-get when they are missing. The training log goes to target/dlib/train.log; delete the .dat to retrain.
set -euo pipefail
usage() { sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }
data=../shared/data/300W
faces=200
while (($#)); do
  case "$1" in
    --faces) (($# >= 2)) || usage; faces=$2; shift 2 ;;
    -h | --help) usage ;;
    -*) usage ;;
    *) data=$1; shift ;;
  esac
done
[[ -d "$data" ]] || { echo "bench-dlib: no data folder $data" >&2; exit 2; }
data=$(cd "$data" && pwd)
cd "$(dirname "${BASH_SOURCE[0]}")/.."

missing=()
for p in g++ pkg-config libdlib-dev libjpeg-dev libpng-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
libdir=/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)
[[ -e $libdir/libblas.so ]] || missing+=(libblas-dev)
[[ -e $libdir/liblapack.so ]] || missing+=(liblapack-dev)
if ((${#missing[@]})); then
  echo "bench-dlib: installing ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

src=src/bench/dlib/shape_bench.cpp
bin=target/dlib/shape_bench
model=target/dlib/shape_predictor_300w.dat
mkdir -p target/dlib
if [[ ! -x $bin || $src -nt $bin ]]; then
  # shellcheck disable=SC2046  # pkg-config's flags are meant to split
  g++ -std=c++17 -O3 -march=native -DDLIB_JPEG_SUPPORT -DDLIB_PNG_SUPPORT -o "$bin" "$src" \
    $(pkg-config --cflags --libs dlib-1)
fi
if [[ ! -f $model ]]; then
  echo "bench-dlib: training $model (log: target/dlib/train.log)" >&2
  nice -n 19 "$bin" train "$data" "$model" >target/dlib/train.log 2>&1 \
    || { tail -n 5 target/dlib/train.log >&2; exit 1; }
  tail -n 1 target/dlib/train.log
fi
for _ in 1 2 3; do
  # one thread: the predictor is single-threaded; BLAS is kept from starting threads of its own
  OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 "$bin" bench "$data" "$model" --faces "$faces"
done

#!/usr/bin/env bash
# Runs JMH micro-benchmarks (src/test/java/org/facealign/bench) from the test classpath.
#
#   submit/bench-jmh.sh FeatureBench                           # all of FeatureBench, annotated settings
#   submit/bench-jmh.sh -f 1 -wi 2 -i 3 -w 1s -r 1s FeatureBench   # a quick run
#   submit/bench-jmh.sh -l                                       # list the benchmarks
#
# Arguments go to org.openjdk.jmh.Main. Results are written as JSON to target/jmh.json unless the
# arguments choose a result format (-rf) or file (-rff) themselves.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
build() {
  ./mvnw -B -q -DskipTests test-compile dependency:build-classpath \
    -Dmdep.includeScope=test -Dmdep.outputFile=target/test-classpath.txt
}
# one build at a time in this tree, as submit/env.sh does for the runs
if command -v flock >/dev/null 2>&1; then
  mkdir -p target
  (flock 9 && build) 9>>target/.build.lock
else
  build
fi
defaults=(-rf json -rff target/jmh.json)
for a in "$@"; do
  case "$a" in
    -rf | -rff | -l | -lp | -lrf | -h) defaults=() ;;
  esac
done
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
exec "$JAVA" --add-modules=jdk.incubator.vector -cp "target/test-classes:target/classes:$(cat target/test-classpath.txt)" \
  org.openjdk.jmh.Main ${defaults[@]+"${defaults[@]}"} "$@"

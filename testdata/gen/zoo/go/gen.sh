#!/bin/sh
# gen.sh writes the Go leak zoo (testdata/zoo/go) with testdata/gen/zoo/go: the leaking series,
# then the churn-only control. Run it from the repository root (make testdata does).
#
# A Go heap dump holds the process's whole heap, its environment and arguments among it: the
# program is built with -trimpath and runs with an empty environment (but for PATH) from a
# temporary directory, so that the dumps name nothing of the machine that wrote them.
set -eu
out=$(pwd)/testdata/zoo/go
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"${GO:-go}" build -trimpath -o "$work/zoo" ./testdata/gen/zoo/go
cd "$work"
env -i PATH=/usr/bin:/bin ./zoo -out . -prefix leak
env -i PATH=/usr/bin:/bin ./zoo -out . -prefix churn -churn-only
chmod 644 ./*.dump.gz
rm -f "$out"/*.dump.gz
mv ./*.dump.gz "$out/"

#!/bin/sh
# gen.sh writes the Node.js leak zoo (testdata/zoo/node) with app.js: the leaking series
# leak1..3, then the churn-only control churn1..3, each snapshot gzip'd. Run it from the
# repository root (make testdata does).
#
# A heap snapshot holds the process's environment, arguments and the paths of its scripts: the
# service runs with an empty environment (but for PATH), as `node app.js` from a temporary
# directory, so that the snapshots name nothing of the machine that wrote them but that
# directory.
set -eu
out=$(pwd)/testdata/zoo/node
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bin=$(dirname "$(command -v node)")
cp testdata/gen/zoo/node/app.js "$work/"
cd "$work"
for mode in --leaks --churn-only; do
	[ "$mode" = --leaks ] && mode=
	env -i PATH="$bin:/usr/bin:/bin" node --expose-gc app.js --out . $mode
done
gzip -9n ./*.heapsnapshot
chmod 644 ./*.heapsnapshot.gz
rm -f "$out"/*.heapsnapshot.gz
mv ./*.heapsnapshot.gz "$out/"

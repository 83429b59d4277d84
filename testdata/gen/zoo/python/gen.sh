#!/bin/sh
# gen.sh writes the Python leak zoo (testdata/zoo/python) with the shop service beside it: the
# leaking series leak1..3.json.gz, then the churn-only control churn1..3.json.gz. Run it from
# the repository root (make testdata does).
#
# A dump holds every string of the process: its environment, sys.path, each module's file
# name. The service runs with an empty environment (but for PATH and LANG), from a temporary
# directory into which its modules and memsee's dumper are copied, so that the dumps name
# nothing of the machine but the interpreter's own install (the system's python3 when there is
# one: PYTHON overrides it).
set -eu
out=$(pwd)/testdata/zoo/python
gen=$(pwd)/testdata/gen/zoo/python
py=${PYTHON:-$(PATH=/usr/bin:/bin command -v python3 || command -v python3)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$gen"/*.py "$work/"
cp internal/heap/meliae/dumper.py "$work/memsee_dumper.py"
cd "$work"
mkdir dumps
for mode in "" --churn-only; do
	env -i PATH=/usr/bin:/bin LANG=C.UTF-8 "$py" -S -B service.py --out dumps $mode
done
chmod 644 dumps/*.json.gz
mkdir -p "$out"
rm -f "$out"/*.json.gz
mv dumps/*.json.gz "$out/"
